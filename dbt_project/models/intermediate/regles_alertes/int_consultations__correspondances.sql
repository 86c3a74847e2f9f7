-- The alert rules at the level of one consultation (contract alert-rules.md, "Rules"): one row
-- per distinct consultation and situation it matches. The matching on the log, the agents and
-- the exposures is int_consultations__candidats (incremental); here, at every build, the
-- legitimate link (episodes and accompaniments, corrected every day) and what is observed. A
-- view: only the pair-months (int_consultations__paires_mois) are kept.
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

candidats as (
    select
        candidats.situation,
        candidats.horodatage,
        candidats.id_agent,
        candidats.id_personne,
        candidats.application,
        candidats.code_site_journal,
        candidats.date_consultation,
        calendrier.periode as mois,
        candidats.code_site
    from {{ ref('int_consultations__candidats') }} as candidats
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('candidats.date_consultation') }}
    cross join arrete
    where candidats.date_consultation <= arrete.date_arrete
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
    from candidats
    left join periodes_de_suivi
        on periodes_de_suivi.id_personne = candidats.id_personne
        and periodes_de_suivi.code_agence = candidats.code_site
        and periodes_de_suivi.date_debut <= candidats.date_consultation
        and (periodes_de_suivi.date_fin is null or periodes_de_suivi.date_fin >= candidats.date_consultation)
    where candidats.situation <> 'HORS_HORAIRES'
    group by
        candidats.{{ colonnes | join(',\n        candidats.') }}
    having count(periodes_de_suivi.id_personne) = 0
),

hors_horaires as (
    -- no legitimate link applies: working on one's own portfolio at night is still outside hours
    select candidats.{{ colonnes | join(',\n        candidats.') }}
    from candidats
    where candidats.situation = 'HORS_HORAIRES'
)

select * from dossiers_sans_lien
union all
select * from hors_horaires
