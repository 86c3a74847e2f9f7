{#- A string literal of a YAML value (a list is joined one item per line); none is null. -#}
{%- macro litteral_texte(valeur) -%}
    {%- if valeur is none -%} cast(null as {{ dbt.type_string() }})
    {%- elif valeur is string -%} '{{ valeur | replace("'", "''") }}'
    {%- else -%} '{{ valeur | join("\n") | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
