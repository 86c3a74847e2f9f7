-- marts.indicateurs: every cell of every family, in the columns of the contract, plus
--   - the zero count cells: a count indicator gets 0 for each of its (dimension, modalité) in
--     every month and territory that has data (int_territoires__mois_actifs) but no event.
--     Count indicators observe the month, so a zero cell is provisional when the month is;
--   - the cells of several months (type_periode 'trimestre', 'cumul_12_mois', periode = first
--     day of the period's last month; macros/periodes.sql) of every indicator but the stocks:
--     counts and ratios summed from the monthly cells (zero cells included), medians computed
--     by the families on the pooled members of the period (agreger_indicateur).
{%- set familles = [
    'indicateurs_captation', 'indicateurs_realisation', 'indicateurs_performance',
    'indicateurs_controle', 'indicateurs_alertes', 'indicateurs_echeances', 'indicateurs_charge',
    'indicateurs_rpe',
] %}
{#- Stocks (observed on the last day of a month) and the ratio of a stock: no cell of several
    months; over several months, a stock is read on its last month (its monthly cell). #}
{%- set stocks = [
    'demandeurs_fin_de_mois', 'en_attente_diagnostic', 'en_attente_parcours',
    'accompagnements_en_cours', 'part_accompagnement_intensif', 'taux_contrat_engagement_stock',
    'taille_portefeuille_moyenne', 'part_portefeuilles_plus_de_70',
    'taux_couverture_diagnostic', 'taux_actualisation_diagnostic_6m', 'taux_diagnostic_avec_freins',
] %}
{#- Indicators with a level of their own (H6: PLATEFORME, made with its zero cells by its family),
    present among the common levels at NATIONAL only. #}
{%- set hors_territoires = ['controles_par_plateforme'] %}
{#- Shares of the whole population of the cell (agreger_indicateur's denominateur_ensemble; the
    outsider's relations.DENOMINATEUR_ENSEMBLE also lists F7, whose barriers' denominators are
    the ensemble's by construction, monthly cells only). #}
{%- set parts_population = ['repartition_orientation'] %}

with cellules_familles as (
    {%- for famille in familles %}
    select * from {{ ref(famille) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

periodes as (
    {{ periodes_multi_mois('calendrier') }}
),

territoires_actifs as (
    select periode, niveau, territoire, mois_provisoire from {{ ref('int_territoires__mois_actifs') }}
),

cellules_familles_mensuelles as (
    select * from cellules_familles where type_periode = 'mois'
),

modalites_comptees as (
    select distinct indicateur, dimension, modalite
    from cellules_familles_mensuelles
    where unite = 'nombre'
),

cellules_nulles as (
    select
        modalites_comptees.indicateur,
        territoires_actifs.periode,
        cast('mois' as {{ dbt.type_string() }}) as type_periode,
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
    where (
        modalites_comptees.indicateur not in ('{{ hors_territoires | join("', '") }}')
        or territoires_actifs.niveau = 'NATIONAL'
    )
    and not exists (
        select 1
        from cellules_familles_mensuelles
        where cellules_familles_mensuelles.indicateur = modalites_comptees.indicateur
            and cellules_familles_mensuelles.periode = territoires_actifs.periode
            and cellules_familles_mensuelles.niveau = territoires_actifs.niveau
            and cellules_familles_mensuelles.territoire = territoires_actifs.territoire
            and cellules_familles_mensuelles.dimension = modalites_comptees.dimension
            and cellules_familles_mensuelles.modalite = modalites_comptees.modalite
    )
),

-- months from the first month with data to the month of the date d'arrêté only
cellules_mensuelles as (
    select *
    from (
        select * from cellules_familles_mensuelles
        union all
        select * from cellules_nulles
    ) as cellules
    where periode in (select periode from calendrier)
),

cellules_a_cumuler as (
    select *
    from cellules_mensuelles
    where unite in ('nombre', 'taux', 'ratio')
        and indicateur not in ('{{ stocks | join("', '") }}')
),

cellules_cumulees_brutes as (
    {{ cumuler_periodes('cellules_a_cumuler', 'periodes') }}
),

-- a share of the whole population (B5): a modality with no member in a month has no monthly
-- cell, so the sum of its monthly denominators would miss that month's population; over several
-- months its denominator is the ensemble cell's, like every month's
cellules_cumulees as (
    select
        brutes.indicateur,
        brutes.periode,
        brutes.type_periode,
        brutes.niveau,
        brutes.territoire,
        brutes.dimension,
        brutes.modalite,
        brutes.numerateur,
        coalesce(ensembles.denominateur, brutes.denominateur) as denominateur,
        case
            when ensembles.denominateur is not null then brutes.numerateur / ensembles.denominateur
            else brutes.valeur
        end as valeur,
        brutes.unite,
        brutes.provisoire
    from cellules_cumulees_brutes as brutes
    left join cellules_cumulees_brutes as ensembles
        on brutes.indicateur in ('{{ parts_population | join("', '") }}')
        and ensembles.indicateur = brutes.indicateur
        and ensembles.type_periode = brutes.type_periode
        and ensembles.periode = brutes.periode
        and ensembles.niveau = brutes.niveau
        and ensembles.territoire = brutes.territoire
        and ensembles.dimension = 'ensemble'
),

-- medians of several months, computed by the families (complete periods of the calendar only)
medianes_cumulees as (
    select * from cellules_familles where type_periode <> 'mois'
),

cellules as (
    select * from cellules_mensuelles
    union all
    select * from cellules_cumulees
    union all
    select * from medianes_cumulees
)

select
    cast(indicateur as {{ dbt.type_string() }}) as indicateur,
    cast(periode as date) as periode,
    cast(type_periode as {{ dbt.type_string() }}) as type_periode,
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
