{#- The registration cohort of a month and each episode's delay to a first event of the episode
    (a column of int_episodes__chronologie), within a horizon: CTEs ending with `delais`, one row
    per episode registered in the month (date_inscription <= arrêté), with
      provisoire               the window (horizon after the month's last day) ends after the arrêté,
      delai_<nom>              max(0, first event - inscription), null when not observed,
      sorti_avant_<nom>        ended within the horizon and strictly before any event (such
                               episodes leave the population; an event on the day of the end keeps it).
    Only what is dated on or before the date d'arrêté is observed. Shared by B1 / B2 (first
    INITIAL diagnostic, cohorte_delai_diagnostic) and F4 (first accompaniment). -#}
{% macro cohorte_delai_inscription(horizon_jours, colonne_evenement, nom) -%}
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
            when episodes.{{ colonne_evenement }} <= arrete.date_arrete
            then episodes.{{ colonne_evenement }}
        end as date_{{ nom }}_observee,
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
        -- guarded: greatest() skips nulls in DuckDB, and no event must stay null
        case
            when date_{{ nom }}_observee is null then null
            when {{ delai_jours('date_inscription', 'date_' ~ nom ~ '_observee') }} < 0 then 0
            else {{ delai_jours('date_inscription', 'date_' ~ nom ~ '_observee') }}
        end as delai_{{ nom }},
        case
            when date_fin_observee is not null
                and {{ delai_jours('date_inscription', 'date_fin_observee') }} <= {{ horizon_jours }}
                and (date_{{ nom }}_observee is null or date_{{ nom }}_observee > date_fin_observee)
            then true
            else false
        end as sorti_avant_{{ nom }}
    from cohorte
)
{%- endmacro %}

{#- B1 (horizon 90 days) and B2 (30 days): the delay to the first INITIAL diagnostic
    (columns delai_diagnostic, sorti_avant_diagnostic). -#}
{% macro cohorte_delai_diagnostic(horizon_jours) -%}
{{ cohorte_delai_inscription(horizon_jours, 'date_premier_diagnostic_initial', 'diagnostic') }}
{%- endmacro %}

{#- Events counted in the month of their date (flows A2, A3, B4): every column of `relation`
    plus periode and provisoire (the month is the window), for events dated on or before the date
    d'arrêté (a later date is not observed) in a month of the calendar. -#}
{% macro evenements_du_mois(relation, colonne_date) -%}
    select
        calendrier.periode,
        calendrier.mois_provisoire as provisoire,
        evenements.*
    from {{ relation }} as evenements
    inner join {{ ref('int_mois__calendrier') }} as calendrier
        on calendrier.periode = {{ premier_jour_du_mois('evenements.' ~ colonne_date) }}
    cross join {{ ref('int_arrete__date') }} as arrete
    where evenements.{{ colonne_date }} <= arrete.date_arrete
{%- endmacro %}
