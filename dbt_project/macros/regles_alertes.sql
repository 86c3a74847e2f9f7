{#- Pieces of the alert rules on the consultation log (contract alert-rules.md), written once and
    cross-database. -#}

{#- ISO day of the week of a timestamp: Monday 1 to Sunday 7, as in agents.jours_travailles. -#}
{% macro jour_iso(horodatage) -%}
    {{ return(adapter.dispatch('jour_iso')(horodatage)) }}
{%- endmacro %}

{% macro default__jour_iso(horodatage) -%}
    cast(isodow({{ horodatage }}) as integer)
{%- endmacro %}

{% macro spark__jour_iso(horodatage) -%}
    cast(extract(dayofweek_iso from {{ horodatage }}) as integer)
{%- endmacro %}

{#- Minute of the day of a timestamp (0 to 1439). The usual hours are whole minutes, so a time
    of day is before HH:MM exactly when its minute is, seconds whatever they are. -#}
{% macro minute_du_jour(horodatage) -%}
    (cast(extract(hour from {{ horodatage }}) as integer) * 60 + cast(extract(minute from {{ horodatage }}) as integer))
{%- endmacro %}

{#- Minute of the day of an 'HH:MM' text (agents.heure_debut, heure_fin, checked at ingestion). -#}
{% macro minute_de_l_heure(heure) -%}
    (cast(substring({{ heure }}, 1, 2) as integer) * 60 + cast(substring({{ heure }}, 4, 2) as integer))
{%- endmacro %}

{#- The ISO day is one of a comma-separated list of days ('1,2,3,4,5'). -#}
{% macro jour_dans_liste(jour, liste) -%}
    ({{ dbt.position(dbt.concat(["','", 'cast(' ~ jour ~ ' as ' ~ dbt.type_string() ~ ')', "','"]), dbt.concat(["','", liste, "','"])) }} > 0)
{%- endmacro %}

{#- Band of a pair-month's nb_consultations (marts.precision_regles, simulation_seuils). -#}
{% macro tranche_consultations(nb) -%}
    case
        when {{ nb }} >= 20 then '20_plus'
        when {{ nb }} >= 6 then '6_19'
        when {{ nb }} >= 3 then '3_5'
        when {{ nb }} = 2 then '2'
        else '1'
    end
{%- endmacro %}

{#- Bound of the 95 % Wilson score interval of a proportion succes / essais (signe -1: lower,
    +1: upper), null when essais is 0. The lower bound of 0 successes is 0 and the upper bound of
    all successes is 1 exactly (the formula leaves a rounding residue there). -#}
{% macro borne_wilson(succes, essais, signe) -%}
    {%- set z = 'cast(1.959963984540054 as double)' -%}
    {%- set n = 'cast(' ~ essais ~ ' as double)' -%}
    {%- set p = '(cast(' ~ succes ~ ' as double) / ' ~ n ~ ')' -%}
    case
        when {{ essais }} is null or {{ essais }} <= 0 then null
        {%- if signe < 0 %}
        when {{ succes }} = 0 then cast(0 as double)
        {%- else %}
        when {{ succes }} = {{ essais }} then cast(1 as double)
        {%- endif %}
        else least(cast(1 as double), greatest(cast(0 as double),
            ({{ p }} + {{ z }} * {{ z }} / (2 * {{ n }})
                {{ '-' if signe < 0 else '+' }} {{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4 * {{ n }} * {{ n }})))
            / (1 + {{ z }} * {{ z }} / {{ n }})
        ))
    end
{%- endmacro %}

{#- Deterministic key of a pair-month (situation, agent, person, month): the same on every
    rebuild and on both engines (md5 of the text, person empty for HORS_HORAIRES). -#}
{% macro cle_paire_mois(situation, id_agent, id_personne, mois) -%}
    {{ dbt.hash(dbt.concat([
        situation, "'|'", id_agent, "'|'", 'coalesce(' ~ id_personne ~ ", '')", "'|'",
        'cast(' ~ mois ~ ' as ' ~ dbt.type_string() ~ ')'
    ])) }}
{%- endmacro %}

{#- Type of the log's timestamps (local time, no time zone): DuckDB's timestamp, Spark's
    timestamp_ntz (what Spark reads from the raw layer's Parquet; its timestamp is an instant
    shown in the session's time zone, and would come back to DuckDB with a time zone). -#}
{% macro type_horodatage() -%}
    {{ return(adapter.dispatch('type_horodatage')()) }}
{%- endmacro %}

{% macro default__type_horodatage() -%}
    timestamp
{%- endmacro %}

{% macro spark__type_horodatage() -%}
    timestamp_ntz
{%- endmacro %}

{#- Pre-hook of int_consultations__candidats (incremental): forget the rows of loads that left the
    registry (rollback), and every row when agents or personnes_exposees got a load since they
    were matched (the next select then reads the whole log again). -#}
{% macro oublier_candidats_perimes() -%}
{%- if is_incremental() -%}
delete from {{ this }}
where id_chargement not in (select id_chargement from {{ ref('stg__fichiers') }})
    or (
        select coalesce(max(id_chargement), 0) from {{ ref('stg__fichiers') }}
        where export in ('agents', 'personnes_exposees')
    ) <> (select coalesce(max(ref_chargement), 0) from {{ this }})
{%- else -%}
select 1
{%- endif -%}
{%- endmacro %}
