{#- The national entities among the codes of établissement (contract.py ENTITES_NATIONALES): an
    alert of theirs counts only nationally (E indicators, generated alerts). A SQL list. -#}
{% macro entites_nationales() -%}
    ('DG', 'DSI', 'PES')
{%- endmacro %}
