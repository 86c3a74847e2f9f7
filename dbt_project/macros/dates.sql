{#- Date rules of the indicator contract, each written once (cross-database through dbt's
    macros). They are tested by tests/assert_regles_de_dates.sql. -#}

{% macro premier_jour_du_mois(d) -%}
    cast({{ dbt.date_trunc('month', d) }} as date)
{%- endmacro %}

{% macro dernier_jour_du_mois(d) -%}
    cast({{ dbt.last_day(d, 'month') }} as date)
{%- endmacro %}

{% macro ajouter_jours(d, n) -%}
    cast({{ dbt.dateadd('day', n, d) }} as date)
{%- endmacro %}

{#- d + n calendar months, clamped at the end of the month (31 January + 1 month = 28 or
    29 February). DuckDB's interval arithmetic and Spark's add_months both clamp. -#}
{% macro ajouter_mois_borne(d, n) -%}
    {{ return(adapter.dispatch('ajouter_mois_borne')(d, n)) }}
{%- endmacro %}

{% macro default__ajouter_mois_borne(d, n) -%}
    cast({{ dbt.dateadd('month', n, d) }} as date)
{%- endmacro %}

{% macro spark__ajouter_mois_borne(d, n) -%}
    add_months({{ d }}, {{ n }})
{%- endmacro %}

{#- Delay in calendar days from a to b (b - a). -#}
{% macro delai_jours(a, b) -%}
    {{ dbt.datediff(a, b, 'day') }}
{%- endmacro %}

{#- Difference of calendar month numbers (January to March = 2, whatever the days). -#}
{% macro ecart_mois(debut, fin) -%}
    ((extract(year from {{ fin }}) - extract(year from {{ debut }})) * 12
        + extract(month from {{ fin }}) - extract(month from {{ debut }}))
{%- endmacro %}

{#- Whole months elapsed from debut to fin: the greatest n with debut + n months (clamped)
    on or before fin. -#}
{% macro mois_entiers(debut, fin) -%}
    (
        {{ ecart_mois(debut, fin) }}
        - case when {{ ajouter_mois_borne(debut, ecart_mois(debut, fin)) }} > {{ fin }} then 1 else 0 end
    )
{%- endmacro %}

{#- End of an observation window of n days after the last day of the month of periode. -#}
{% macro fin_fenetre_jours(periode, n) -%}
    {{ ajouter_jours(dernier_jour_du_mois(periode), n) }}
{%- endmacro %}

{#- End of an observation window of n months after the last day of the month of periode. -#}
{% macro fin_fenetre_mois(periode, n) -%}
    {{ ajouter_mois_borne(dernier_jour_du_mois(periode), n) }}
{%- endmacro %}

{#- A cell is provisional when its observation window ends after the date d'arrêté. -#}
{% macro est_provisoire(fin_fenetre, date_arrete) -%}
    ({{ fin_fenetre }} > {{ date_arrete }})
{%- endmacro %}

{#- The day a month's stock is observed: its last day, or the date d'arrêté for the month of the
    arrêté (its last day is not observed yet; the cell is provisional). Stocks A1, B3, B9, B10. -#}
{% macro date_observation_stock(dernier_jour, date_arrete) -%}
    case when {{ dernier_jour }} <= {{ date_arrete }} then {{ dernier_jour }} else {{ date_arrete }} end
{%- endmacro %}
