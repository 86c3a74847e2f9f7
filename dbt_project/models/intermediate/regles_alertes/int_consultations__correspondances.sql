-- The alert rules at the level of one consultation (contract alert-rules.md, "Rules"): one row
-- per distinct consultation (stg_consultations: an exact duplicate is one) and situation it
-- matches. A view: only the pair-months (int_consultations__paires_mois) are kept.
-- Observed: consultations dated on or before the date d'arrêté, in a month of the calendar (the
-- legitimate link reads registration episodes and accompaniments, whose closed history before
-- the first extraction is not delivered), by an agent with a current record in agents (its
-- site, hours and territory are the rule's).
{{ config(materialized='view') }}
{#- the columns of the output: a consultation (every column of the log) and a situation #}
{%- set colonnes = ['situation', 'horodatage', 'id_agent', 'id_personne', 'application', 'code_site_journal',
                    'date_consultation', 'mois'] %}

with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode from {{ ref('int_mois__calendrier') }}
),

agents as (
    select * from {{ ref('int_agents__attribues') }}
),

consultations as (
    select
        consultations.horodatage,
        consultations.id_agent,
        consultations.id_personne,
        consultations.application,
        consultations.code_site as code_site_journal,
        cast(consultations.horodatage as date) as date_consultation,
        calendrier.periode as mois,
        agents.code_site,
        agents.jours_travailles,
        agents.minute_debut,
        agents.minute_fin
    from {{ ref('stg_consultations') }} as consultations
    inner join agents on agents.id_agent = consultations.id_agent
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('cast(consultations.horodatage as date)') }}
    cross join arrete
    where cast(consultations.horodatage as date) <= arrete.date_arrete
),

dossiers_d_agents as (
    -- the file of another agent B: a colleague (ACTIF, or PARTI on or after the day) or a former
    -- colleague (PARTI before the day, or PARTI with no date of departure)
    select
        consultations.*,
        cast(case
            when collegues.statut = 'ACTIF' then 'DOSSIER_AGENT'
            when collegues.date_sortie >= consultations.date_consultation then 'DOSSIER_AGENT'
            else 'DOSSIER_EX_AGENT'
        end as {{ dbt.type_string() }}) as situation
    from consultations
    inner join agents as collegues
        on collegues.id_personne = consultations.id_personne
        and collegues.id_agent <> consultations.id_agent
    where collegues.statut in ('ACTIF', 'PARTI')
),

dossiers_d_exposes as (
    select
        consultations.*,
        cast('DOSSIER_ELU_CANDIDAT' as {{ dbt.type_string() }}) as situation
    from consultations
    inner join {{ ref('stg_personnes_exposees') }} as expositions
        on expositions.id_personne = consultations.id_personne
        and expositions.date_debut <= consultations.date_consultation
        and (expositions.date_fin is null or expositions.date_fin >= consultations.date_consultation)
),

periodes_de_suivi as (
    -- registration episodes and accompaniments: a legitimate link at their agency while open
    select id_personne, code_agence, date_inscription as date_debut, date_fin
    from {{ ref('stg_inscriptions') }}
    union all
    select id_personne, code_agence, date_debut, date_fin
    from {{ ref('int_accompagnements__rattaches') }}
),

dossiers_sans_lien as (
    -- the three file situations, without the consultations of a person followed at the agent's
    -- site that day (one row per consultation and situation, whatever the number of matches)
    select
        candidats.{{ colonnes | join(',\n        candidats.') }}
    from (
        select * from dossiers_d_agents
        union all
        select * from dossiers_d_exposes
    ) as candidats
    left join periodes_de_suivi
        on periodes_de_suivi.id_personne = candidats.id_personne
        and periodes_de_suivi.code_agence = candidats.code_site
        and periodes_de_suivi.date_debut <= candidats.date_consultation
        and (periodes_de_suivi.date_fin is null or periodes_de_suivi.date_fin >= candidats.date_consultation)
    group by
        candidats.{{ colonnes | join(',\n        candidats.') }}
    having count(periodes_de_suivi.id_personne) = 0
),

hors_horaires as (
    -- outside the agent's usual days and hours; no legitimate link applies. Hours ending before
    -- they start (night work) wrap around midnight.
    select
        cast('HORS_HORAIRES' as {{ dbt.type_string() }}) as situation,
        consultations.{{ colonnes[1:] | join(',\n        consultations.') }}
    from consultations
    where not (
        {{ jour_dans_liste(jour_iso('consultations.horodatage'), 'consultations.jours_travailles') }}
        and case
            when consultations.minute_debut < consultations.minute_fin
            then {{ minute_du_jour('consultations.horodatage') }} >= consultations.minute_debut
                and {{ minute_du_jour('consultations.horodatage') }} < consultations.minute_fin
            when consultations.minute_debut > consultations.minute_fin
            then {{ minute_du_jour('consultations.horodatage') }} >= consultations.minute_debut
                or {{ minute_du_jour('consultations.horodatage') }} < consultations.minute_fin
            else false
        end
    )
)

select * from dossiers_sans_lien
union all
select * from hors_horaires
