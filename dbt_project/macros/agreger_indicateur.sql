{#- The one rollup of every family: member-level rows -> cells of marts.indicateurs.

    `membres` holds one row per cohort member (or per event) with:
      periode (date, first day of the month), provisoire (boolean),
      code_region, code_departement, code_bassin, code_agence (the member's territories),
      cle (what is counted: a person, an episode...),
      est_numerateur (boolean, unite 'taux'), delai (days, null = not reached, unite 'jours'),
      and one text column per breakdown, named as the breakdown.
    Every row is repeated once for 'ensemble' and once per breakdown, then aggregated with
    GROUPING SETS over the five levels, so that counts, ratios and medians are exact at every
    level (never added up or averaged from a lower level). A bassin may straddle départements:
    each level is grouped on its own column, never nested through another.

    cle_unique: true when (periode, cle) is unique in `membres` (cohort members, events): rows
    are then counted. false (A1: persons with possibly several open episodes): counted as
    distinct keys; to stay fast, only the keys seen several times in a month go through a
    DISTINCT aggregate (DuckDB's DISTINCT under GROUPING SETS is slow on millions of rows).
    Only 'nombre' supports cle_unique = false.
    Cells are produced where the group has members; zero counts are added by marts/indicateurs.

    denominateur_ensemble (unite 'taux' only, default false): the denominator of every cell is
    the whole population of its period and territory (the 'ensemble' cell's), not the
    modality's: a share of the population (B5 repartition_orientation). Each member has exactly
    one modality per breakdown, so the population is the sum of the modalities' counts within
    (periode, niveau, territoire, dimension). -#}
{% macro agreger_indicateur(membres, indicateur, unite, dimensions=[], cle_unique=true, denominateur_ensemble=false) -%}
    {%- if unite not in ('nombre', 'taux', 'jours') -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : unité inconnue « " ~ unite ~ " » (nombre, taux, jours)") }}
    {%- endif -%}
    {%- if not cle_unique and unite != 'nombre' -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : cle_unique = false n'est prévu que pour l'unité nombre") }}
    {%- endif -%}
    {%- if denominateur_ensemble and unite != 'taux' -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : denominateur_ensemble n'est prévu que pour l'unité taux") }}
    {%- endif -%}
    {%- set cles = ['periode', 'provisoire', 'niveau', 'territoire', 'dimension', 'modalite'] -%}
    select
        cast('{{ indicateur }}' as {{ dbt.type_string() }}) as indicateur,
        cellules.periode,
        cellules.niveau,
        cellules.territoire,
        cellules.dimension,
        cellules.modalite,
        cellules.numerateur,
        cellules.denominateur,
        cellules.valeur,
        cast('{{ unite }}' as {{ dbt.type_string() }}) as unite,
        cellules.provisoire
    from (
    {%- if cle_unique and denominateur_ensemble %}
        select
            {{ cles | join(', ') }},
            numerateur,
            population as denominateur,
            numerateur / population as valeur
        from (
            select
                par_modalite.*,
                sum(par_modalite.denominateur) over (
                    partition by par_modalite.periode, par_modalite.provisoire, par_modalite.niveau,
                        par_modalite.territoire, par_modalite.dimension
                ) as population
            from (
                {{ _agreger_niveaux(membres, unite, dimensions, none) }}
            ) as par_modalite
        ) as parts
    {%- elif cle_unique %}
        {{ _agreger_niveaux(membres, unite, dimensions, none) }}
    {%- else %}
        with membres_comptes as (
            -- how many rows each key has in its month (computed once, read by both parts)
            select membres.*, count(*) over (partition by membres.periode, membres.cle) as occurrences_cle
            from {{ membres }} as membres
        )
        select
            {{ cles | join(', ') }},
            cast(sum(numerateur) as double) as numerateur,
            cast(null as double) as denominateur,
            cast(sum(numerateur) as double) as valeur
        from (
            {{ _agreger_niveaux('membres_comptes', unite, dimensions, false) }}
            union all
            {{ _agreger_niveaux('membres_comptes', unite, dimensions, true) }}
        ) as parties
        group by {{ cles | join(', ') }}
    {%- endif %}
    ) as cellules
    where cellules.territoire is not null
{%- endmacro %}


{#- GROUPING SETS over the five levels of the rows of `membres` repeated per breakdown.
    repetee: none = every row, counted; false = keys seen once in the month, counted;
    true = keys seen several times in the month, counted distinct (then `membres` carries
    occurrences_cle). -#}
{% macro _agreger_niveaux(membres, unite, dimensions, repetee) -%}
    {%- set niveaux = ['code_region', 'code_departement', 'code_bassin', 'code_agence'] -%}
    {%- set mesure = 'est_numerateur' if unite == 'taux' else 'cast(null as boolean)' -%}
    {%- set delai = 'delai' if unite == 'jours' else 'cast(null as integer)' -%}
    {%- set compte = 'count(distinct cle)' if repetee else 'count(*)' -%}
        select
            periode,
            provisoire,
            dimension,
            modalite,
            case
                when grouping(code_agence) = 0 then 'AGENCE'
                when grouping(code_bassin) = 0 then 'BASSIN'
                when grouping(code_departement) = 0 then 'DEPARTEMENT'
                when grouping(code_region) = 0 then 'REGION'
                else 'NATIONAL'
            end as niveau,
            case
                when grouping(code_agence) = 0 then code_agence
                when grouping(code_bassin) = 0 then code_bassin
                when grouping(code_departement) = 0 then code_departement
                when grouping(code_region) = 0 then code_region
                else 'FR'
            end as territoire,
            {%- if unite == 'nombre' %}
            cast({{ compte }} as double) as numerateur,
            cast(null as double) as denominateur,
            cast({{ compte }} as double) as valeur
            {%- elif unite == 'taux' %}
            cast(sum(case when est_numerateur then 1 else 0 end) as double) as numerateur,
            cast(count(*) as double) as denominateur,
            cast(sum(case when est_numerateur then 1 else 0 end) as double)
                / cast(count(*) as double) as valeur
            {%- else %}
            cast(count(delai) as double) as numerateur,
            cast(count(*) as double) as denominateur,
            cast({{ mediane_inferieure('delai', 'count(*)') }} as double) as valeur
            {%- endif %}
        from (
            {%- for dimension in ['ensemble'] + dimensions %}
            select
                periode,
                provisoire,
                {%- for niveau in niveaux %}
                {{ niveau }},
                {%- endfor %}
                cle,
                {{ mesure }} as est_numerateur,
                {{ delai }} as delai,
                cast('{{ dimension }}' as {{ dbt.type_string() }}) as dimension,
                {%- if dimension == 'ensemble' %}
                cast('ensemble' as {{ dbt.type_string() }}) as modalite
                {%- else %}
                {{ modalite_code(dimension) }} as modalite
                {%- endif %}
            from {% if repetee is none -%}
                {{ membres }}
            {%- else -%}
                {{ membres }} where occurrences_cle {{ '>' if repetee else '=' }} 1
            {%- endif %}
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        ) as membres_par_modalite
        group by grouping sets (
            (periode, provisoire, dimension, modalite),
            {%- for niveau in niveaux %}
            (periode, provisoire, dimension, modalite, {{ niveau }}){% if not loop.last %},{% endif %}
            {%- endfor %}
        )
{%- endmacro %}
