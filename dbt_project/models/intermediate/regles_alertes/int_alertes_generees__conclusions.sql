-- Generated alerts (contract alert-rules.md, "Alert"): the pair-months whose nb_consultations
-- reaches the seuil_alerte of their situation (seed seuils_alertes, never a constant here),
-- with their examen, the agent's site and territory, and the conclusion of their examination.
-- An outcome (alertes_finalite, campagne FLUX) belongs to the alerts of the same situation,
-- agent and month of date_alerte: the export has no person, so every alert of that group gets
-- it; several outcomes of one group: examined when one of them is concluded (AVEREE or
-- NON_AVEREE, closed on or before the date d'arrêté, as E3), AVEREE when one of them is.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

seuils as (
    select * from {{ ref('seuils_alertes') }}
),

agents as (
    select * from {{ ref('int_agents__attribues') }}
),

alertes as (
    select
        paires.*,
        case
            when paires.nb_consultations >= seuils.seuil_obligatoire_consultations
                and paires.nb_jours >= seuils.seuil_obligatoire_jours
            then 'OBLIGATOIRE'
            else 'FACULTATIF'
        end as examen
    from {{ ref('int_consultations__paires_mois') }} as paires
    inner join seuils on seuils.situation = paires.situation
    where paires.nb_consultations >= seuils.seuil_alerte
),

conclusions_flux as (
    select
        issues.situation,
        issues.id_agent,
        {{ premier_jour_du_mois('issues.date_alerte') }} as mois,
        max(case when issues.conclusion = 'AVEREE' then 1 else 0 end) as averee
    from {{ ref('stg_alertes_finalite') }} as issues
    cross join arrete
    where issues.campagne = 'FLUX'
        and issues.conclusion in ('AVEREE', 'NON_AVEREE')
        and issues.date_cloture <= arrete.date_arrete
    group by issues.situation, issues.id_agent, {{ premier_jour_du_mois('issues.date_alerte') }}
)

select
    {{ cle_paire_mois('alertes.situation', 'alertes.id_agent', 'alertes.id_personne', 'alertes.mois') }} as id_alerte_generee,
    alertes.situation,
    alertes.id_agent,
    alertes.id_personne,
    alertes.mois,
    cast({{ dbt.date_trunc('quarter', 'alertes.mois') }} as date) as trimestre,
    agents.code_site,
    agents.code_etablissement,
    agents.code_region,
    alertes.nb_consultations,
    alertes.nb_jours,
    {{ tranche_consultations('alertes.nb_consultations') }} as tranche_consultations,
    alertes.premiere_consultation,
    alertes.derniere_consultation,
    alertes.examen,
    conclusions_flux.averee is not null as est_examinee,
    coalesce(conclusions_flux.averee = 1, false) as est_averee
from alertes
inner join agents on agents.id_agent = alertes.id_agent
left join conclusions_flux
    on conclusions_flux.situation = alertes.situation
    and conclusions_flux.id_agent = alertes.id_agent
    and conclusions_flux.mois = alertes.mois
