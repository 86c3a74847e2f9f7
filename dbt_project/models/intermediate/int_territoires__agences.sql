-- Each agency with its territories: bassin (employment zone 2020 of its commune, carried by the
-- agencies' seed, checked against the communes' file by tests/synthetic), département, region.
with agences as (
    select * from {{ ref('agences') }}
),

departements as (
    select code_departement, libelle_departement, code_region from {{ ref('departements') }}
),

regions as (
    select code_region, libelle_region from {{ ref('regions') }}
),

agences_territoires as (
    select
        agences.code_agence,
        agences.libelle_agence,
        agences.code_commune,
        agences.code_ze2020 as code_bassin,
        agences.libelle_ze2020 as libelle_bassin,
        agences.code_departement,
        departements.libelle_departement,
        coalesce(departements.code_region, agences.code_region) as code_region,
        regions.libelle_region
    from agences
    left join departements on departements.code_departement = agences.code_departement
    left join regions on regions.code_region = coalesce(departements.code_region, agences.code_region)
)

select * from agences_territoires
