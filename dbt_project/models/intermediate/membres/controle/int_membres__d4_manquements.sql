-- D4 taux_sanction_manquements, member level: one row per breach of the cohort (date_manquement
-- in the month) whose outcome is known at the date d'arrêté; est_numerateur = sanction.
-- Outcome known: suite is not EN_COURS and, for TRANSMIS_CRE, its control (id_controle, current,
-- not deleted, attached to an existing episode) has an issue other than EN_COURS. Sanction:
-- suite SANCTION or the control's issue SANCTION. Only what is dated on or before the date
-- d'arrêté is observed: a suite dated later (date_suite) or a control decided later
-- (date_decision) is still EN_COURS. Territory: the breach's episode (a cell about people; the
-- breach's own code_agence is not used). Window: the contract gives none, so the window is the
-- month (provisional while the month is not over). The ratio of a past month can still move as
-- outcomes become known; a window tied to outcomes could stay open for ever (a TRANSMIS_CRE
-- breach whose control never arrives), so it is not used.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

manquements as (
    select * from {{ ref('int_manquements__rattaches') }}
),

controles_observes as (
    -- the issue of each control as known at the date d'arrêté
    select
        controles.id_controle,
        case
            when controles.date_decision > arrete.date_arrete then 'EN_COURS'
            else controles.issue
        end as issue
    from {{ ref('int_controles__rattaches') }} as controles
    cross join arrete
),

episodes as (
    select id_inscription, code_region, code_departement, code_bassin, code_agence
    from {{ ref('int_episodes__chronologie') }}
),

cohorte as (
    select
        calendrier.periode,
        calendrier.mois_provisoire as provisoire,
        manquements.id_manquement,
        manquements.id_inscription,
        manquements.type_manquement,
        case
            when manquements.date_suite > arrete.date_arrete then 'EN_COURS'
            else manquements.suite
        end as suite_observee,
        controles_observes.issue as issue_controle
    from manquements
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('manquements.date_manquement') }}
    cross join arrete
    left join controles_observes on controles_observes.id_controle = manquements.id_controle
    where manquements.date_manquement <= arrete.date_arrete
),

issues as (
    select
        cohorte.*,
        case
            when suite_observee = 'EN_COURS' then false
            when suite_observee = 'TRANSMIS_CRE'
                then coalesce(issue_controle <> 'EN_COURS', false)
            else true
        end as issue_connue,
        (suite_observee = 'SANCTION' or coalesce(issue_controle = 'SANCTION', false)) as est_sanction
    from cohorte
)

select
    issues.periode,
    issues.provisoire,
    episodes.code_region,
    episodes.code_departement,
    episodes.code_bassin,
    episodes.code_agence,
    issues.id_manquement as cle,
    issues.id_inscription,
    issues.suite_observee as suite,
    issues.issue_controle,
    issues.est_sanction as est_numerateur,
    {{ modalite_code('issues.type_manquement') }} as type_manquement
from issues
inner join episodes on episodes.id_inscription = issues.id_inscription
where issues.issue_connue
