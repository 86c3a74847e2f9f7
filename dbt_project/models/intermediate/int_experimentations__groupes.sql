-- Experiment group of each agency of the referential: MSA_MODELE_1 / MSA_MODELE_2 for the
-- agencies of the MSA experiment (from date_debut_experimentation, see the macro
-- groupe_experimentation_a_date), TEMOIN for the other agencies of the same regions,
-- HORS_PERIMETRE elsewhere.
with agences as (
    select code_agence, code_region from {{ ref('int_territoires__agences') }}
),

agences_msa as (
    select
        code_agence,
        {{ dbt.concat(["'MSA_'", 'modalite']) }} as groupe,
        min(date_debut) as date_debut
    from {{ ref('experimentations') }}
    where experimentation = 'MSA'
    group by code_agence, modalite
),

regions_msa as (
    select distinct agences.code_region
    from agences_msa
    inner join agences on agences.code_agence = agences_msa.code_agence
),

groupes as (
    select
        agences.code_agence,
        case
            when agences_msa.code_agence is not null then agences_msa.groupe
            when regions_msa.code_region is not null then 'TEMOIN'
            else 'HORS_PERIMETRE'
        end as groupe_experimentation,
        agences_msa.date_debut as date_debut_experimentation
    from agences
    left join agences_msa on agences_msa.code_agence = agences.code_agence
    left join regions_msa on regions_msa.code_region = agences.code_region
)

select * from groupes
