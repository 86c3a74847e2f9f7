-- Family A, captation: cells of the indicators built so far (A1), from member-level rows.
with demandeurs_fin_de_mois as (
    {{ agreger_indicateur(
        ref('int_membres__a1_demandeurs_fin_de_mois'),
        'demandeurs_fin_de_mois',
        'nombre',
        ['categorie', 'sexe', 'tranche_age', 'niveau_formation', 'allocation', 'rqth', 'qpv',
         'zrr', 'anciennete', 'groupe_experimentation'],
        cle_unique=false
    ) }}
)

select * from demandeurs_fin_de_mois
