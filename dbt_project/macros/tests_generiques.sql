{#- Generic data test: the combination of columns is unique (no dbt_utils dependency). -#}
{% test unique_combinaison(model, colonnes) %}
select {{ colonnes | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ colonnes | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Generic data test: the column lies in [min, max] (nulls pass). -#}
{% test entre(model, column_name, min=none, max=none, where=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
    {%- if min is not none %} and ({{ column_name }} < {{ min }}{% if max is not none %} or {{ column_name }} > {{ max }}{% endif %}){% elif max is not none %} and {{ column_name }} > {{ max }}{% endif %}
    {%- if where %} and ({{ where }}){% endif %}
{% endtest %}
