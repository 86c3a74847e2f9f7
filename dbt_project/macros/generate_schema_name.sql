{#- Custom schemas are used verbatim (staging, intermediate, marts, referentiel), not prefixed
    with the target schema, so that the final tables are marts.indicateurs and marts.arrete. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
