-- The alert rules that depend on the log, the agents and the exposures only (contract
-- alert-rules.md, "Rules"): one row per distinct consultation (an exact duplicate row of the log,
-- in one file or in overlapping deliveries, is one consultation) and situation it matches before
-- the legitimate link, which int_consultations__correspondances applies at every build (it reads
-- registration episodes and accompaniments, corrected every day).
-- Incremental on DuckDB (the log is by far the largest input, about 3.3 million rows a national
-- day): a build reads only the log rows of loads it has not seen, against the current agents and
-- exposures; when agents or personnes_exposees received a load since, or when a load it holds
-- left the registry (rollback), it starts again from the whole log. Same rows as a full build
-- whether the log came in one go or day by day. On Spark (parquet tables, no delete): a table.
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    pre_hook="{{ oublier_candidats_perimes() }}"
) }}

with references_chargees as (
    -- the last load of the exports the matching reads besides the log
    select coalesce(max(id_chargement), 0) as ref_chargement
    from {{ ref('stg__fichiers') }}
    where export in ('agents', 'personnes_exposees')
),

journal as (
    select
        consultations.horodatage,
        consultations.id_agent,
        consultations.id_personne,
        consultations.application,
        consultations.code_site,
        min(consultations.id_chargement) as id_chargement
    from {{ ref('stg_consultations') }} as consultations
    {% if is_incremental() %}
    where consultations.id_chargement > (select coalesce(max(id_chargement), 0) from {{ this }})
    {% endif %}
    group by
        consultations.horodatage,
        consultations.id_agent,
        consultations.id_personne,
        consultations.application,
        consultations.code_site
),

agents as (
    select * from {{ ref('int_agents__attribues') }}
),

consultations as (
    select
        journal.horodatage,
        journal.id_agent,
        journal.id_personne,
        journal.application,
        journal.code_site as code_site_journal,
        cast(journal.horodatage as date) as date_consultation,
        journal.id_chargement,
        agents.code_site,
        agents.jours_travailles,
        agents.minute_debut,
        agents.minute_fin
    from journal
    inner join agents on agents.id_agent = journal.id_agent
),

dossiers_d_agents as (
    -- the file of another agent B: a colleague (ACTIF, or PARTI on or after the day) or a former
    -- colleague (PARTI before the day, or PARTI with no date of departure); one row per situation
    -- even when two agents carry the same file
    select distinct
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
    -- one row per consultation whatever the number of exposures covering its day
    select distinct
        consultations.*,
        cast('DOSSIER_ELU_CANDIDAT' as {{ dbt.type_string() }}) as situation
    from consultations
    inner join {{ ref('stg_personnes_exposees') }} as expositions
        on expositions.id_personne = consultations.id_personne
        and expositions.date_debut <= consultations.date_consultation
        and (expositions.date_fin is null or expositions.date_fin >= consultations.date_consultation)
),

hors_horaires as (
    -- outside the agent's usual days and hours; no legitimate link applies. Hours ending before
    -- they start (night work) wrap around midnight.
    select
        consultations.*,
        cast('HORS_HORAIRES' as {{ dbt.type_string() }}) as situation
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
),

candidats as (
    select situation, horodatage, id_agent, id_personne, application, code_site_journal, date_consultation, code_site, id_chargement
    from dossiers_d_agents
    union all
    select situation, horodatage, id_agent, id_personne, application, code_site_journal, date_consultation, code_site, id_chargement
    from dossiers_d_exposes
    union all
    select situation, horodatage, id_agent, id_personne, application, code_site_journal, date_consultation, code_site, id_chargement
    from hors_horaires
)

select
    candidats.*,
    references_chargees.ref_chargement
from candidats
cross join references_chargees
{% if is_incremental() %}
-- a consultation already held (its duplicate came in an earlier load) stays as it was
where not exists (
    select 1 from {{ this }} as deja
    where deja.situation = candidats.situation
        and deja.horodatage = candidats.horodatage
        and deja.id_agent = candidats.id_agent
        and deja.id_personne = candidats.id_personne
        and deja.application = candidats.application
        and deja.code_site_journal = candidats.code_site_journal
)
{% endif %}
