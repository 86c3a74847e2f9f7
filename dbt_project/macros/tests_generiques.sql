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

{#- Generic data test: a numerator never exceeds its denominator (a ratio, a mean, excepted). -#}
{% test numerateur_inferieur_denominateur(model) %}
select *
from {{ model }}
where numerateur is not null and denominateur is not null and numerateur > denominateur
    and unite <> 'ratio'
{% endtest %}

{#- Generic data test: for count cells, a region equals the sum of its départements (same
    indicator, period and type of period, dimension, modality). `au_plus`: indicators counted
    as distinct persons, where a person present in two départements counts once in the region
    (region <= sum).
    `exclus`: indicators whose cells are not all attributed to a département (alerts attributed
    to a regional directorate only). -#}
{% test region_somme_departements(model, exclus=[], au_plus=[]) %}
with departements as (
    select
        cellules.indicateur, cellules.periode, cellules.type_periode, cellules.dimension,
        cellules.modalite, referentiel.code_region as territoire,
        sum(cellules.valeur) as somme_departements
    from {{ model }} as cellules
    inner join {{ ref('departements') }} as referentiel
        on referentiel.code_departement = cellules.territoire
    where cellules.niveau = 'DEPARTEMENT' and cellules.unite = 'nombre'
    group by 1, 2, 3, 4, 5, 6
),

regions as (
    select indicateur, periode, type_periode, dimension, modalite, territoire, valeur
    from {{ model }}
    where niveau = 'REGION' and unite = 'nombre'
)

select regions.*, coalesce(departements.somme_departements, 0) as somme_departements
from regions
left join departements
    on departements.indicateur = regions.indicateur
    and departements.periode = regions.periode
    and departements.type_periode = regions.type_periode
    and departements.dimension = regions.dimension
    and departements.modalite = regions.modalite
    and departements.territoire = regions.territoire
where 1 = 1
    {%- if exclus %}
    and regions.indicateur not in ('{{ exclus | join("', '") }}')
    {%- endif %}
    and (
        {%- if au_plus %}
        (regions.indicateur in ('{{ au_plus | join("', '") }}')
            and regions.valeur > coalesce(departements.somme_departements, 0))
        or (regions.indicateur not in ('{{ au_plus | join("', '") }}')
            and regions.valeur <> coalesce(departements.somme_departements, 0))
        {%- else %}
        regions.valeur <> coalesce(departements.somme_departements, 0)
        {%- endif %}
    )
{% endtest %}
