-- marts.indicateurs: every cell of every family, in the columns of the contract, plus the zero
-- count cells: a count indicator gets 0 for each of its (dimension, modalité) in every month and
-- territory that has data (int_territoires__mois_actifs) but no event. Count indicators observe
-- the month, so a zero cell is provisional when the month is.
{%- set familles = [
    'indicateurs_captation', 'indicateurs_realisation', 'indicateurs_performance',
    'indicateurs_controle', 'indicateurs_alertes',
] %}

with cellules_familles as (
    {%- for famille in familles %}
    select * from {{ ref(famille) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

calendrier as (
    select periode from {{ ref('int_mois__calendrier') }}
),

territoires_actifs as (
    select periode, niveau, territoire, mois_provisoire from {{ ref('int_territoires__mois_actifs') }}
),

modalites_comptees as (
    select distinct indicateur, dimension, modalite
    from cellules_familles
    where unite = 'nombre'
),

cellules_nulles as (
    select
        modalites_comptees.indicateur,
        territoires_actifs.periode,
        territoires_actifs.niveau,
        territoires_actifs.territoire,
        modalites_comptees.dimension,
        modalites_comptees.modalite,
        cast(0 as double) as numerateur,
        cast(null as double) as denominateur,
        cast(0 as double) as valeur,
        cast('nombre' as {{ dbt.type_string() }}) as unite,
        territoires_actifs.mois_provisoire as provisoire
    from modalites_comptees
    cross join territoires_actifs
    where not exists (
        select 1
        from cellules_familles
        where cellules_familles.indicateur = modalites_comptees.indicateur
            and cellules_familles.periode = territoires_actifs.periode
            and cellules_familles.niveau = territoires_actifs.niveau
            and cellules_familles.territoire = territoires_actifs.territoire
            and cellules_familles.dimension = modalites_comptees.dimension
            and cellules_familles.modalite = modalites_comptees.modalite
    )
),

cellules as (
    select * from cellules_familles
    union all
    select * from cellules_nulles
)

select
    cast(indicateur as {{ dbt.type_string() }}) as indicateur,
    cast(periode as date) as periode,
    cast(niveau as {{ dbt.type_string() }}) as niveau,
    cast(territoire as {{ dbt.type_string() }}) as territoire,
    cast(dimension as {{ dbt.type_string() }}) as dimension,
    cast(modalite as {{ dbt.type_string() }}) as modalite,
    cast(numerateur as double) as numerateur,
    cast(denominateur as double) as denominateur,
    cast(valeur as double) as valeur,
    cast(unite as {{ dbt.type_string() }}) as unite,
    cast(provisoire as boolean) as provisoire
from cellules
-- months from the first month with data to the month of the date d'arrêté only
where periode in (select periode from calendrier)
