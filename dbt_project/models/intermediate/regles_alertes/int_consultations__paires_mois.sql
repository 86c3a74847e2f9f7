-- Pair-months of the alert rules (contract alert-rules.md): one row per situation, consulting
-- agent, consulted person and month with at least one matching consultation, whatever the
-- thresholds (marts.simulation_seuils tries others). For HORS_HORAIRES the pair is the agent
-- and all persons: id_personne is empty. nb_consultations counts distinct consultations (an
-- exact duplicate of the log is one, see stg_consultations), nb_jours their distinct dates.
with correspondances as (
    select
        situation,
        id_agent,
        case when situation = 'HORS_HORAIRES' then cast(null as {{ dbt.type_string() }}) else id_personne end as id_personne,
        mois,
        horodatage,
        date_consultation
    from {{ ref('int_consultations__correspondances') }}
)

select
    situation,
    id_agent,
    id_personne,
    mois,
    count(*) as nb_consultations,
    count(distinct date_consultation) as nb_jours,
    min(horodatage) as premiere_consultation,
    max(horodatage) as derniere_consultation
from correspondances
group by situation, id_agent, id_personne, mois
