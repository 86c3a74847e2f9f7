{#- Lower median over a population where members that did not reach the event have an
    infinite delay (delai null): the smallest d such that at least half of the population has a
    delay <= d, i.e. the ceil(population / 2)-th smallest finite delay; null when fewer than
    half reached the event. An aggregate expression: usable with GROUP BY / GROUPING SETS.
    There is no cross-database median macro in dbt, hence adapter.dispatch. -#}
{% macro mediane_inferieure(delai, population) -%}
    {{ return(adapter.dispatch('mediane_inferieure')(delai, population)) }}
{%- endmacro %}

{#- DuckDB (default): sorted list of the finite delays, 1-based index; out of range is null. -#}
{% macro default__mediane_inferieure(delai, population) -%}
    list_sort(list({{ delai }}) filter (where {{ delai }} is not null))[cast(ceil({{ population }} / 2.0) as bigint)]
{%- endmacro %}

{#- Spark: collect_list skips nulls; try_element_at is 1-based and null out of range. -#}
{% macro spark__mediane_inferieure(delai, population) -%}
    try_element_at(array_sort(collect_list({{ delai }})), cast(ceil({{ population }} / 2.0) as int))
{%- endmacro %}
