-- B2 taux_diagnostic_30j, member level: one row per episode of the cohort (date_inscription in
-- the month) staying in the population; est_numerateur when its first INITIAL diagnostic comes
-- within 30 days (max(0, diagnostic - inscription) <= 30). Episodes that ended before any
-- diagnostic and within 30 days of registration leave the population (as B1, horizon 30; a
-- diagnostic on the day of the end keeps the episode). Only what is dated on or before the date
-- d'arrêté is observed. Window: 30 days after the last day of the month.
{%- set horizon_jours = 30 %}

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
        episodes.*,
        case
            when episodes.date_premier_diagnostic_initial <= arrete.date_arrete
            then episodes.date_premier_diagnostic_initial
        end as date_diagnostic_observee,
        case
            when episodes.date_fin <= arrete.date_arrete then episodes.date_fin
        end as date_fin_observee
    from episodes
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('episodes.date_inscription') }}
    cross join arrete
    where episodes.date_inscription <= arrete.date_arrete
),

delais as (
    select
        cohorte.*,
        case
            when date_diagnostic_observee is null then null
            when {{ delai_jours('date_inscription', 'date_diagnostic_observee') }} < 0 then 0
            else {{ delai_jours('date_inscription', 'date_diagnostic_observee') }}
        end as delai_diagnostic,
        case
            when date_fin_observee is not null
                and {{ delai_jours('date_inscription', 'date_fin_observee') }} <= {{ horizon_jours }}
                and (date_diagnostic_observee is null or date_diagnostic_observee > date_fin_observee)
            then true
            else false
        end as sorti_avant_diagnostic
    from cohorte
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    delai_diagnostic,
    coalesce(delai_diagnostic <= {{ horizon_jours }}, false) as est_numerateur,
    {{ modalite_code('allocation') }} as allocation,
    {{ modalite_code('canal_inscription') }} as canal_inscription,
    {{ groupe_experimentation_a_date('groupe_experimentation', 'date_debut_experimentation', 'date_inscription') }} as groupe_experimentation
from delais
where not sorti_avant_diagnostic
