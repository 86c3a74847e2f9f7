-- B10 accompagnements_en_cours, member level: one row per (month, accompaniment) with
-- date_debut <= L and (date_fin null or date_fin > L), L the last day of the month (the date
-- d'arrêté for its month: provisional cell). Current, non-deleted accompaniments of existing
-- episodes only; attributed to the agency of the registration episode. Also read by B11.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, dernier_jour, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

accompagnements as (
    select * from {{ ref('int_accompagnements__rattaches') }}
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
    accompagnements.id_accompagnement as cle,
    accompagnements.id_inscription,
    accompagnements.intensite_hebdo_heures,
    {{ modalite_code('accompagnements.operateur') }} as operateur,
    {{ modalite_code('accompagnements.parcours') }} as parcours,
    {{ modalite_code('accompagnements.modalite') }} as modalite,
    {{ modalite_code('episodes.allocation') }} as allocation
from dates_observation
inner join accompagnements
    on accompagnements.date_debut <= dates_observation.date_observation
    and (accompagnements.date_fin is null or accompagnements.date_fin > dates_observation.date_observation)
inner join episodes on episodes.id_inscription = accompagnements.id_inscription
