-- Family F, the réseau pour l'emploi indicators (indicators-rpe.md): cells of F1 to F8 from
-- member-level rows. F4 (a median) also over the periods of several months (pooled members,
-- see agreger_indicateur); F5, F6, F7 are ratios of A1's stock: monthly cells only
-- (marts/indicateurs.sql). F7's breakdown by frein is not additive (a person counts in each
-- barrier of their diagnostic): its frein cells come from the members exploded per barrier, its
-- ensemble cells from the members themselves.
{%- set ventilations_emploi = ['allocation', 'rqth', 'qpv', 'zrr', 'tranche_age', 'niveau_formation'] %}

with taux_acces_emploi_6m as (
    {{ agreger_indicateur(
        ref('int_membres__f1_taux_acces_emploi_6m'),
        'taux_acces_emploi_6m',
        'taux',
        ventilations_emploi
    ) }}
),

taux_acces_emploi_durable_6m as (
    {{ agreger_indicateur(
        ref('int_membres__f2_taux_acces_emploi_durable_6m'),
        'taux_acces_emploi_durable_6m',
        'taux',
        ventilations_emploi
    ) }}
),

taux_presence_emploi_6m as (
    {{ agreger_indicateur(
        ref('int_membres__f3_taux_presence_emploi_6m'),
        'taux_presence_emploi_6m',
        'taux',
        ventilations_emploi
    ) }}
),

delai_inscription_accompagnement_median as (
    {{ agreger_indicateur(
        ref('int_membres__f4_delai_accompagnement'),
        'delai_inscription_accompagnement_median',
        'jours',
        ['allocation', 'canal_inscription'],
        calendrier=ref('int_mois__calendrier')
    ) }}
),

taux_couverture_diagnostic as (
    {{ agreger_indicateur(
        ref('int_membres__f5_taux_couverture_diagnostic'),
        'taux_couverture_diagnostic',
        'taux',
        ['allocation']
    ) }}
),

taux_actualisation_diagnostic_6m as (
    {{ agreger_indicateur(
        ref('int_membres__f6_taux_actualisation_diagnostic_6m'),
        'taux_actualisation_diagnostic_6m',
        'taux'
    ) }}
),

taux_diagnostic_avec_freins_ensemble as (
    {{ agreger_indicateur(
        ref('int_membres__f7_taux_diagnostic_avec_freins'),
        'taux_diagnostic_avec_freins',
        'taux'
    ) }}
),

-- one row per (episode, barrier): its ensemble cells would count each episode once per barrier
taux_diagnostic_avec_freins_par_frein as (
    select *
    from (
        {{ agreger_indicateur(
            ref('int_membres__f7_freins'),
            'taux_diagnostic_avec_freins',
            'taux',
            ['frein']
        ) }}
    ) as cellules_freins
    where cellules_freins.dimension = 'frein'
),

taux_rupture_accompagnement as (
    {{ agreger_indicateur(
        ref('int_membres__f8_ruptures'),
        'taux_rupture_accompagnement',
        'taux',
        ['operateur', 'modalite']
    ) }}
)

select * from taux_acces_emploi_6m
union all
select * from taux_acces_emploi_durable_6m
union all
select * from taux_presence_emploi_6m
union all
select * from delai_inscription_accompagnement_median
union all
select * from taux_couverture_diagnostic
union all
select * from taux_actualisation_diagnostic_6m
union all
select * from taux_diagnostic_avec_freins_ensemble
union all
select * from taux_diagnostic_avec_freins_par_frein
union all
select * from taux_rupture_accompagnement
