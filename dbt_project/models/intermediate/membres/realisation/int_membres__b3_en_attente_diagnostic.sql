-- B3 en_attente_diagnostic, member level: one row per (month, episode) open on the last day L
-- of the month (as A1: date_inscription <= L and (date_fin null or date_fin > L)) with no
-- INITIAL diagnostic dated <= L. Episodes are counted (not persons). For the month of the date
-- d'arrêté, L is the date d'arrêté (provisional cell). attente: days from date_inscription to L.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, dernier_jour, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

dates_observation as (
    select
        calendrier.periode,
        calendrier.mois_provisoire as provisoire,
        {{ date_observation_stock('calendrier.dernier_jour', 'arrete.date_arrete') }} as date_observation
    from calendrier
    cross join arrete
),

en_attente as (
    select
        dates_observation.periode,
        dates_observation.provisoire,
        dates_observation.date_observation,
        episodes.*,
        {{ delai_jours('episodes.date_inscription', 'dates_observation.date_observation') }} as jours_attente
    from dates_observation
    inner join episodes
        on episodes.date_inscription <= dates_observation.date_observation
        and (episodes.date_fin is null or episodes.date_fin > dates_observation.date_observation)
        -- the first INITIAL diagnostic is the earliest: none <= L means none at all <= L
        and (episodes.date_premier_diagnostic_initial is null
            or episodes.date_premier_diagnostic_initial > dates_observation.date_observation)
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    jours_attente,
    case
        when jours_attente < 30 then 'moins_30j'
        when jours_attente < 90 then '30_89j'
        else '90j_plus'
    end as attente
from en_attente
