-- B1 delai_inscription_diagnostic_median, member level: one row per episode of the cohort
-- (date_inscription in the month), with its delay to the first INITIAL diagnostic,
-- max(0, diagnostic - inscription), null (infinite) when not reached within the horizon.
-- Episodes that ended before any diagnostic and within the horizon leave the population.
-- Only what is dated on or before the date d'arrêté is observed: a later diagnostic or end
-- counts as not (yet) happened. Window: the horizon after the last day of the month.
{%- set horizon_jours = 90 %}

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
        -- guarded: greatest() skips nulls in DuckDB, and no diagnostic must stay null
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
    case when delai_diagnostic <= {{ horizon_jours }} then delai_diagnostic end as delai,
    {{ modalite_code('allocation') }} as allocation,
    {{ modalite_code('canal_inscription') }} as canal_inscription,
    {{ groupe_experimentation_a_date('groupe_experimentation', 'date_debut_experimentation', 'date_inscription') }} as groupe_experimentation
from delais
where not sorti_avant_diagnostic
