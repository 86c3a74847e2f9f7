-- Family D, contrôle: cells of D1 to D7 from member-level rows (D1, D2, D3 share the population
-- of decided controls; D5 is D1's sanctions, D6 reads them, D7 those whose RAPO is decided,
-- indicators-rpe.md); the median D3 also over the periods of several months (pooled members).
with controles_decides as (
    {{ agreger_indicateur(
        ref('int_membres__d1_d3_controles_decides'),
        'controles_decides',
        'nombre',
        ['origine', 'procedure', 'issue']
    ) }}
),

taux_sanction_cre as (
    {{ agreger_indicateur(
        ref('int_membres__d1_d3_controles_decides'),
        'taux_sanction_cre',
        'taux',
        ['origine', 'procedure', 'allocation', 'tranche_age', 'sexe', 'groupe_experimentation']
    ) }}
),

delai_controle_median as (
    {{ agreger_indicateur(
        ref('int_membres__d1_d3_controles_decides'),
        'delai_controle_median',
        'jours',
        calendrier=ref('int_mois__calendrier')
    ) }}
),

taux_sanction_manquements as (
    {{ agreger_indicateur(
        ref('int_membres__d4_manquements'),
        'taux_sanction_manquements',
        'taux',
        ['type_manquement']
    ) }}
),

sanctions_prononcees as (
    {{ agreger_indicateur(
        ref('int_membres__d5_d6_sanctions'),
        'sanctions_prononcees',
        'nombre',
        ['sanction', 'duree']
    ) }}
),

taux_recours_sanctions as (
    {{ agreger_indicateur(ref('int_membres__d5_d6_sanctions'), 'taux_recours_sanctions', 'taux') }}
),

taux_rapo_acceptes as (
    {{ agreger_indicateur(ref('int_membres__d7_rapo'), 'taux_rapo_acceptes', 'taux') }}
)

select * from controles_decides
union all
select * from taux_sanction_cre
union all
select * from delai_controle_median
union all
select * from taux_sanction_manquements
union all
select * from sanctions_prononcees
union all
select * from taux_recours_sanctions
union all
select * from taux_rapo_acceptes
