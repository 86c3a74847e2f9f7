-- B8 taux_entree_parcours_15j, member level: one row per episode whose first INITIAL diagnostic
-- (as B1) falls in the month (and on or before the date d'arrêté); est_numerateur when an
-- accompaniment has its date_debut between the diagnostic and 15 days after it, both ends
-- included, and on or before the date d'arrêté. An accompaniment started before the diagnostic
-- does not count. parcours: that of the first such accompaniment (earliest date_debut, ties by
-- smallest key), 'aucun' without one. Experiment group at the date of the diagnostic. Window:
-- 15 days after the last day of the month.
{%- set horizon_jours = 15 %}

with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

cohorte as (
    select
        calendrier.periode,
        {{ est_provisoire(fin_fenetre_jours('calendrier.periode', horizon_jours), 'arrete.date_arrete') }} as provisoire,
        episodes.*
    from episodes
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('episodes.date_premier_diagnostic_initial') }}
    cross join arrete
    where episodes.date_premier_diagnostic_initial <= arrete.date_arrete
),

entrees_classees as (
    select
        cohorte.id_inscription,
        accompagnements.parcours,
        row_number() over (
            partition by cohorte.id_inscription
            order by accompagnements.date_debut, accompagnements.id_accompagnement
        ) as rang
    from cohorte
    inner join {{ ref('int_accompagnements__rattaches') }} as accompagnements
        on accompagnements.id_inscription = cohorte.id_inscription
        and accompagnements.date_debut >= cohorte.date_premier_diagnostic_initial
        and accompagnements.date_debut <= {{ ajouter_jours('cohorte.date_premier_diagnostic_initial', horizon_jours) }}
    cross join arrete
    where accompagnements.date_debut <= arrete.date_arrete
),

premieres_entrees as (
    select id_inscription, parcours from entrees_classees where rang = 1
)

select
    cohorte.periode,
    cohorte.provisoire,
    cohorte.code_region,
    cohorte.code_departement,
    cohorte.code_bassin,
    cohorte.code_agence,
    cohorte.id_inscription as cle,
    cohorte.date_premier_diagnostic_initial,
    premieres_entrees.id_inscription is not null as est_numerateur,
    case
        when premieres_entrees.id_inscription is null then 'aucun'
        else {{ modalite_code('premieres_entrees.parcours') }}
    end as parcours,
    {{ groupe_experimentation_a_date('cohorte.groupe_experimentation', 'cohorte.date_debut_experimentation', 'cohorte.date_premier_diagnostic_initial') }} as groupe_experimentation,
    {{ modalite_code('cohorte.allocation') }} as allocation
from cohorte
left join premieres_entrees on premieres_entrees.id_inscription = cohorte.id_inscription
