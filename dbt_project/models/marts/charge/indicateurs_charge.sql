-- Family H, advisers' workload (indicators-rpe.md): cells of H1 to H6 from member-level rows.
-- H1 and H2 are read on the last day of the month (a stock's ratio and share: monthly cells
-- only, marts/indicateurs.sql). H6 has its own level, PLATEFORME (the CRE platform), and
-- NATIONAL: its members carry the platform in code_agence, so the common rollup's AGENCE cells
-- are renamed here; the platforms with no control in a month with data get a zero cell (a count
-- cell with no event is 0 where the territory has other data: a platform has data as soon as it
-- has ever run a control).
with taille_portefeuille_moyenne as (
    {{ agreger_indicateur(
        ref('int_membres__h1_portefeuilles'),
        'taille_portefeuille_moyenne',
        'ratio',
        ['modalite'],
        denominateur_distinct=true
    ) }}
),

part_portefeuilles_plus_de_70 as (
    {{ agreger_indicateur(ref('int_membres__h2_conseillers'), 'part_portefeuilles_plus_de_70', 'taux') }}
),

entretiens_realises as (
    {{ agreger_indicateur(
        ref('int_membres__h3_entretiens_realises'),
        'entretiens_realises',
        'nombre',
        ['type_entretien', 'modalite_contact', 'operateur']
    ) }}
),

taux_absence_entretiens as (
    {{ agreger_indicateur(
        ref('int_membres__h4_entretiens_tenus'),
        'taux_absence_entretiens',
        'taux',
        ['type_entretien']
    ) }}
),

duree_entretien_moyenne as (
    {{ agreger_indicateur(
        ref('int_membres__h5_duree_entretiens'),
        'duree_entretien_moyenne',
        'ratio',
        ['type_entretien']
    ) }}
),

controles_par_plateforme_agreges as (
    {{ agreger_indicateur(ref('int_membres__h6_controles_plateforme'), 'controles_par_plateforme', 'nombre') }}
),

controles_par_plateforme as (
    select
        indicateur,
        periode,
        type_periode,
        case when niveau = 'AGENCE' then 'PLATEFORME' else niveau end as niveau,
        territoire,
        dimension,
        modalite,
        numerateur,
        denominateur,
        valeur,
        unite,
        provisoire
    from controles_par_plateforme_agreges
),

plateformes as (
    select distinct code_agence as code_plateforme
    from {{ ref('int_membres__h6_controles_plateforme') }}
    where code_agence is not null
),

mois_avec_donnees as (
    select periode, mois_provisoire
    from {{ ref('int_territoires__mois_actifs') }}
    where niveau = 'NATIONAL'
),

plateformes_sans_controle as (
    select
        cast('controles_par_plateforme' as {{ dbt.type_string() }}) as indicateur,
        mois_avec_donnees.periode,
        cast('mois' as {{ dbt.type_string() }}) as type_periode,
        cast('PLATEFORME' as {{ dbt.type_string() }}) as niveau,
        plateformes.code_plateforme as territoire,
        cast('ensemble' as {{ dbt.type_string() }}) as dimension,
        cast('ensemble' as {{ dbt.type_string() }}) as modalite,
        cast(0 as double) as numerateur,
        cast(null as double) as denominateur,
        cast(0 as double) as valeur,
        cast('nombre' as {{ dbt.type_string() }}) as unite,
        mois_avec_donnees.mois_provisoire as provisoire
    from mois_avec_donnees
    cross join plateformes
    where not exists (
        select 1
        from controles_par_plateforme
        where controles_par_plateforme.niveau = 'PLATEFORME'
            and controles_par_plateforme.periode = mois_avec_donnees.periode
            and controles_par_plateforme.territoire = plateformes.code_plateforme
    )
)

select * from taille_portefeuille_moyenne
union all
select * from part_portefeuilles_plus_de_70
union all
select * from entretiens_realises
union all
select * from taux_absence_entretiens
union all
select * from duree_entretien_moyenne
union all
select * from controles_par_plateforme
union all
select * from plateformes_sans_controle
