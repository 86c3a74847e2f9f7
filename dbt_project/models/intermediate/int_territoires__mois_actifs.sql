-- Territories that "have data" in a month, at each level: those with at least one existing
-- registration episode active during the month (registered on or before its last day, and
-- the date d'arrêté, and not ended before its first day). A count cell with no event is 0 for
-- these territory-months (see marts/indicateurs.sql).
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, dernier_jour, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

episodes_actifs as (
    select distinct
        calendrier.periode,
        calendrier.mois_provisoire,
        episodes.code_region,
        episodes.code_departement,
        episodes.code_bassin,
        episodes.code_agence
    from calendrier
    cross join arrete
    inner join episodes
        on episodes.date_inscription <= calendrier.dernier_jour
        and episodes.date_inscription <= arrete.date_arrete
        and (episodes.date_fin is null or episodes.date_fin >= calendrier.periode)
),

territoires as (
    select distinct periode, mois_provisoire, 'NATIONAL' as niveau, 'FR' as territoire from episodes_actifs
    union all
    select distinct periode, mois_provisoire, 'REGION', code_region from episodes_actifs where code_region is not null
    union all
    select distinct periode, mois_provisoire, 'DEPARTEMENT', code_departement from episodes_actifs where code_departement is not null
    union all
    select distinct periode, mois_provisoire, 'BASSIN', code_bassin from episodes_actifs where code_bassin is not null
    union all
    select distinct periode, mois_provisoire, 'AGENCE', code_agence from episodes_actifs where code_agence is not null
)

select periode, niveau, territoire, mois_provisoire from territoires
