-- Each current alert (alertes_finalite) with the territories it counts at (contract,
-- "Territory"): an alert of a national entity (DG, DSI, PES: contract.py ENTITES_NATIONALES)
-- counts only at NATIONAL, whatever its code_agence; else an alert with a code_agence goes to
-- that agency and its bassin, département and region in the referential (an agency missing
-- from the referential: AGENCE and NATIONAL only, as for episodes); else an alert whose
-- code_etablissement is a region of the referential goes to that region (REGION and NATIONAL
-- only); anything else counts only at NATIONAL. A null territory column is dropped by the
-- rollup (agreger_indicateur), so each alert appears exactly at the levels it is given.

with alertes as (
    select * from {{ ref('stg_alertes_finalite') }}
),

agences as (
    select code_agence, code_bassin, code_departement, code_region
    from {{ ref('int_territoires__agences') }}
),

regions as (
    select code_region from {{ ref('regions') }}
),

rattachements as (
    select
        alertes.*,
        case
            when alertes.code_etablissement in {{ entites_nationales() }} then 'NATIONAL'
            when coalesce(alertes.code_agence, '') <> '' then 'AGENCE'
            when regions.code_region is not null then 'REGION'
            else 'NATIONAL'
        end as niveau_rattachement
    from alertes
    left join regions on regions.code_region = alertes.code_etablissement
)

select
    rattachements.id_alerte,
    rattachements.campagne,
    rattachements.situation,
    rattachements.code_etablissement,
    rattachements.examen,
    rattachements.date_alerte,
    rattachements.conclusion,
    rattachements.date_cloture,
    rattachements.niveau_rattachement,
    case
        when rattachements.niveau_rattachement = 'AGENCE' then agences.code_region
        when rattachements.niveau_rattachement = 'REGION' then rattachements.code_etablissement
    end as code_region,
    case when rattachements.niveau_rattachement = 'AGENCE' then agences.code_departement end as code_departement,
    case when rattachements.niveau_rattachement = 'AGENCE' then agences.code_bassin end as code_bassin,
    case when rattachements.niveau_rattachement = 'AGENCE' then rattachements.code_agence end as code_agence
from rattachements
left join agences on agences.code_agence = rattachements.code_agence
