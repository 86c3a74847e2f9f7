-- B9 en_attente_parcours, member level: one row per (month, episode) open on the last day L (as
-- A1) with an INITIAL diagnostic dated <= L and no accompaniment with date_debut <= L. Episodes
-- are counted. For the month of the date d'arrêté, L is the date d'arrêté (provisional cell).
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
)

select
    dates_observation.periode,
    dates_observation.provisoire,
    episodes.code_region,
    episodes.code_departement,
    episodes.code_bassin,
    episodes.code_agence,
    episodes.id_inscription as cle,
    {{ modalite_code('episodes.allocation') }} as allocation
from dates_observation
inner join episodes
    on episodes.date_inscription <= dates_observation.date_observation
    and (episodes.date_fin is null or episodes.date_fin > dates_observation.date_observation)
    -- first INITIAL diagnostic and first accompaniment are the earliest of the episode
    and episodes.date_premier_diagnostic_initial <= dates_observation.date_observation
    and (episodes.date_debut_premier_accompagnement is null
        or episodes.date_debut_premier_accompagnement > dates_observation.date_observation)
