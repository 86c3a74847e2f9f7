-- Family B, réalisation: cells of B1 to B12, from member-level rows; the median B1 also over
-- the periods of several months (pooled members, see agreger_indicateur).
with delai_inscription_diagnostic_median as (
    {{ agreger_indicateur(
        ref('int_membres__b1_delai_diagnostic'),
        'delai_inscription_diagnostic_median',
        'jours',
        ['allocation', 'canal_inscription', 'groupe_experimentation'],
        calendrier=ref('int_mois__calendrier')
    ) }}
),

taux_diagnostic_30j as (
    {{ agreger_indicateur(
        ref('int_membres__b2_taux_diagnostic_30j'),
        'taux_diagnostic_30j',
        'taux',
        ['allocation', 'canal_inscription', 'groupe_experimentation']
    ) }}
),

en_attente_diagnostic as (
    {{ agreger_indicateur(
        ref('int_membres__b3_en_attente_diagnostic'),
        'en_attente_diagnostic',
        'nombre',
        ['attente']
    ) }}
),

orientations_initiales as (
    {{ agreger_indicateur(
        ref('int_membres__b4_orientations_initiales'),
        'orientations_initiales',
        'nombre',
        ['operateur_retenu', 'parcours_retenu', 'mode']
    ) }}
),

-- share of all the orientations of the cell's period and territory (not of the modality's)
repartition_orientation as (
    {{ agreger_indicateur(
        ref('int_membres__b5_repartition_orientation'),
        'repartition_orientation',
        'taux',
        ['operateur_retenu', 'parcours_retenu'],
        denominateur_ensemble=true
    ) }}
),

taux_ecart_algorithme as (
    {{ agreger_indicateur(
        ref('int_membres__b6_taux_ecart_algorithme'),
        'taux_ecart_algorithme',
        'taux',
        ['operateur_propose']
    ) }}
),

taux_contrat_engagement_1_mois as (
    {{ agreger_indicateur(
        ref('int_membres__b7_contrat_engagement'),
        'taux_contrat_engagement_1_mois',
        'taux',
        ['operateur_retenu', 'allocation']
    ) }}
),

taux_entree_parcours_15j as (
    {{ agreger_indicateur(
        ref('int_membres__b8_entree_parcours_15j'),
        'taux_entree_parcours_15j',
        'taux',
        ['parcours', 'groupe_experimentation', 'allocation']
    ) }}
),

en_attente_parcours as (
    {{ agreger_indicateur(
        ref('int_membres__b9_en_attente_parcours'),
        'en_attente_parcours',
        'nombre',
        ['allocation']
    ) }}
),

accompagnements_en_cours as (
    {{ agreger_indicateur(
        ref('int_membres__b10_accompagnements_en_cours'),
        'accompagnements_en_cours',
        'nombre',
        ['operateur', 'parcours', 'modalite', 'allocation']
    ) }}
),

part_accompagnement_intensif as (
    {{ agreger_indicateur(
        ref('int_membres__b11_accompagnement_intensif'),
        'part_accompagnement_intensif',
        'taux',
        ['operateur', 'parcours', 'allocation']
    ) }}
),

reorientations as (
    {{ agreger_indicateur(
        ref('int_membres__b12_reorientations'),
        'reorientations',
        'nombre',
        ['motif_reorientation']
    ) }}
)

select * from delai_inscription_diagnostic_median
union all select * from taux_diagnostic_30j
union all select * from en_attente_diagnostic
union all select * from orientations_initiales
union all select * from repartition_orientation
union all select * from taux_ecart_algorithme
union all select * from taux_contrat_engagement_1_mois
union all select * from taux_entree_parcours_15j
union all select * from en_attente_parcours
union all select * from accompagnements_en_cours
union all select * from part_accompagnement_intensif
union all select * from reorientations
