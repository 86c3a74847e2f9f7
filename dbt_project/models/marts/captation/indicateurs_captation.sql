-- Family A, captation: cells of A1 to A3, from member-level rows.
with demandeurs_fin_de_mois as (
    {{ agreger_indicateur(
        ref('int_membres__a1_demandeurs_fin_de_mois'),
        'demandeurs_fin_de_mois',
        'nombre',
        ['categorie', 'sexe', 'tranche_age', 'niveau_formation', 'allocation', 'rqth', 'qpv',
         'zrr', 'anciennete', 'groupe_experimentation'],
        cle_unique=false
    ) }}
),

entrees as (
    {{ agreger_indicateur(
        ref('int_membres__a2_entrees'),
        'entrees',
        'nombre',
        ['canal_inscription', 'allocation', 'tranche_age', 'sexe']
    ) }}
),

sorties as (
    {{ agreger_indicateur(
        ref('int_membres__a3_sorties'),
        'sorties',
        'nombre',
        ['motif_fin']
    ) }}
)

select * from demandeurs_fin_de_mois
union all
select * from entrees
union all
select * from sorties
