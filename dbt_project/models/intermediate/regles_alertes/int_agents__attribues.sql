-- Each current agent (stg_agents) with what the alert rules read of it: its usual hours as
-- minutes of the day, and the territory its alerts are attributed to (contract alert-rules.md:
-- the agent's code_site, "its agency when the site is an agency, else its code_etablissement
-- region code or national entity, as the E indicators do"). A national entity (DG, DSI, PES)
-- counts only nationally, whatever its site; else a site that is an agency of the referential
-- gives that agency and its region; else a code_etablissement that is a region of the
-- referential gives that region; anything else is national. Unlike an alert's code_agence, a
-- site may be something other than an agency, so a site missing from the referential is not
-- taken for an agency.
with agents as (
    select * from {{ ref('stg_agents') }}
),

agences as (
    select code_agence, code_region from {{ ref('int_territoires__agences') }}
),

regions as (
    select code_region from {{ ref('regions') }}
),

rattachements as (
    select
        agents.*,
        agences.code_agence as code_agence_site,
        agences.code_region as code_region_site,
        case
            when agents.code_etablissement in {{ entites_nationales() }} then 'NATIONAL'
            when agences.code_agence is not null then 'AGENCE'
            when regions.code_region is not null then 'REGION'
            else 'NATIONAL'
        end as niveau_rattachement
    from agents
    left join agences on agences.code_agence = agents.code_site
    left join regions on regions.code_region = agents.code_etablissement
)

select
    id_agent,
    id_personne,
    code_site,
    code_etablissement,
    statut,
    date_sortie,
    jours_travailles,
    {{ minute_de_l_heure('heure_debut') }} as minute_debut,
    {{ minute_de_l_heure('heure_fin') }} as minute_fin,
    niveau_rattachement,
    case
        when niveau_rattachement = 'AGENCE' then code_region_site
        when niveau_rattachement = 'REGION' then code_etablissement
    end as code_region,
    case when niveau_rattachement = 'AGENCE' then code_agence_site end as code_agence
from rattachements
