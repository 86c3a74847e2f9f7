{#- Events of an episode-attached export whose episode exists (current, not deleted, not a
    doublon): "nor do the events attached to an episode that does not exist". -#}
{% macro evenements_rattaches(evenements, episodes) -%}
    select evenements.*
    from {{ evenements }} as evenements
    where exists (
        select 1
        from {{ episodes }} as episodes
        where episodes.id_inscription = evenements.id_inscription
    )
{%- endmacro %}
