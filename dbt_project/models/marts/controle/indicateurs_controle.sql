-- Family D, contrôle: cells of D1 to D4 from member-level rows (D1, D2, D3 share the population
-- of decided controls); the median D3 also over the periods of several months (pooled members).
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
)

select * from controles_decides
union all
select * from taux_sanction_cre
union all
select * from delai_controle_median
union all
select * from taux_sanction_manquements
