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

    unite 'ratio' (indicators-rpe.md: a mean, not bounded by 1): `membres` also carries
    quantite (summed into the numerator: minutes of an interview, 1 for an accompaniment) and
    cle_denominateur (what the denominator counts). denominateur_distinct: false (default) counts
    the rows (one interview per row); true counts the distinct cle_denominateur at each level
    and modality (an adviser holding accompaniments in two agencies or modalities counts once
    above them): then the denominators do not add up, the parent being at most the sum.
    Cells are produced where the group has members; zero counts are added by marts/indicateurs.

    Every cell carries type_periode: 'mois' for the monthly cells. calendrier (unite 'jours'
    only, the relation int_mois__calendrier): the member rows are also expanded to the
    multi-month periods that contain their month (periodes_multi_mois: 'trimestre',
    'cumul_12_mois', periode = first day of the period's last month), so that a median over
    several months is exact over the pooled members of the period, never derived from the
    monthly medians; numerateur and denominateur are then the sums of the monthly ones. Such a
    cell is provisoire when any month of its period is (macros/periodes.sql). Counts and ratios
    over several months are sums of monthly cells: marts/indicateurs (cumuler_periodes).

    denominateur_ensemble (unite 'taux' only, default false): the denominator of every cell is
    the whole population of its period and territory (the 'ensemble' cell's), not the
    modality's: a share of the population (B5 repartition_orientation). Each member has exactly
    one modality per breakdown, so the population is the sum of the modalities' counts within
    (periode, niveau, territoire, dimension). -#}
{% macro agreger_indicateur(membres, indicateur, unite, dimensions=[], cle_unique=true, denominateur_ensemble=false, calendrier=none, denominateur_distinct=false) -%}
    {%- if unite not in ('nombre', 'taux', 'jours', 'ratio') -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : unité inconnue « " ~ unite ~ " » (nombre, taux, jours, ratio)") }}
    {%- endif -%}
    {%- if denominateur_distinct and unite != 'ratio' -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : denominateur_distinct n'est prévu que pour l'unité ratio") }}
    {%- endif -%}
    {%- if not cle_unique and unite != 'nombre' -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : cle_unique = false n'est prévu que pour l'unité nombre") }}
    {%- endif -%}
    {%- if denominateur_ensemble and unite != 'taux' -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : denominateur_ensemble n'est prévu que pour l'unité taux") }}
    {%- endif -%}
    {%- if calendrier is not none and unite != 'jours' -%}
        {{ exceptions.raise_compiler_error("agreger_indicateur : calendrier n'est prévu que pour l'unité jours (les comptages et taux sur plusieurs mois sont des sommes de cellules mensuelles : cumuler_periodes)") }}
    {%- endif -%}
    {%- set cles = ['type_periode', 'periode', 'provisoire', 'niveau', 'territoire', 'dimension', 'modalite'] -%}
    select
        cast('{{ indicateur }}' as {{ dbt.type_string() }}) as indicateur,
        cellules.periode,
        cellules.type_periode,
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
                    partition by par_modalite.type_periode, par_modalite.periode, par_modalite.provisoire,
                        par_modalite.niveau, par_modalite.territoire, par_modalite.dimension
                ) as population
            from (
                {{ _agreger_niveaux(membres, unite, dimensions, none) }}
            ) as par_modalite
        ) as parts
    {%- elif cle_unique and calendrier is not none %}
        {#- what _agreger_niveaux reads of a median's members, besides periode and provisoire #}
        {%- set colonnes_membres = ['code_region', 'code_departement', 'code_bassin', 'code_agence', 'cle', 'delai'] + dimensions %}
        with periodes as (
            {{ periodes_multi_mois(calendrier) }}
        ),

        provisoires_periodes as (
            -- a period is provisional when any of its months is, for this indicator (per the
            -- calendar, or per its members that month)
            select
                periodes.type_periode,
                periodes.periode,
                max(case
                    when periodes.mois_provisoire then 1
                    when mois_membres.provisoire = 1 then 1
                    else 0
                end) = 1 as provisoire
            from periodes
            left join (
                select periode, max(case when provisoire then 1 else 0 end) as provisoire
                from {{ membres }}
                group by periode
            ) as mois_membres
                on mois_membres.periode = periodes.mois
            group by periodes.type_periode, periodes.periode
        ),

        membres_periodes as (
            -- each member in its month, and in every multi-month period containing its month
            select
                cast('mois' as {{ dbt.type_string() }}) as type_periode,
                membres.periode,
                membres.provisoire,
                membres.{{ colonnes_membres | join(',\n                membres.') }}
            from {{ membres }} as membres
            union all
            select
                periodes.type_periode,
                periodes.periode,
                provisoires_periodes.provisoire,
                membres.{{ colonnes_membres | join(',\n                membres.') }}
            from {{ membres }} as membres
            inner join periodes
                on periodes.mois = membres.periode
            inner join provisoires_periodes
                on provisoires_periodes.type_periode = periodes.type_periode
                and provisoires_periodes.periode = periodes.periode
        )

        {{ _agreger_niveaux('membres_periodes', unite, dimensions, none, par_periode=true) }}
    {%- elif cle_unique %}
        {{ _agreger_niveaux(membres, unite, dimensions, none, denominateur_distinct=denominateur_distinct) }}
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
    occurrences_cle). par_periode: `membres` carries type_periode (else every row is 'mois'). -#}
{% macro _agreger_niveaux(membres, unite, dimensions, repetee, par_periode=false, denominateur_distinct=false) -%}
    {%- set niveaux = ['code_region', 'code_departement', 'code_bassin', 'code_agence'] -%}
    {%- set mesure = 'est_numerateur' if unite == 'taux' else 'cast(null as boolean)' -%}
    {%- set delai = 'delai' if unite == 'jours' else 'cast(null as integer)' -%}
    {%- set compte = 'count(distinct cle)' if repetee else 'count(*)' -%}
        select
            type_periode,
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
            {%- elif unite == 'ratio' %}
            {%- set compte_denominateur = 'count(distinct cle_denominateur)' if denominateur_distinct else 'count(*)' %}
            cast(sum(quantite) as double) as numerateur,
            cast({{ compte_denominateur }} as double) as denominateur,
            cast(sum(quantite) as double) / cast({{ compte_denominateur }} as double) as valeur
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
                {% if par_periode -%}
                type_periode,
                {%- else -%}
                cast('mois' as {{ dbt.type_string() }}) as type_periode,
                {%- endif %}
                periode,
                provisoire,
                {%- for niveau in niveaux %}
                {{ niveau }},
                {%- endfor %}
                cle,
                {{ mesure }} as est_numerateur,
                {{ delai }} as delai,
                {%- if unite == 'ratio' %}
                quantite,
                cle_denominateur,
                {%- endif %}
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
            (type_periode, periode, provisoire, dimension, modalite),
            {%- for niveau in niveaux %}
            (type_periode, periode, provisoire, dimension, modalite, {{ niveau }}){% if not loop.last %},{% endif %}
            {%- endfor %}
        )
{%- endmacro %}
