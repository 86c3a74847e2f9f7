-- One row per existing registration episode, with its agency and territories and its first
-- milestones: first INITIAL diagnostic, first INITIALE orientation, first accompaniment. Each
-- follows the common rule "first = the earliest date, ties broken by the smallest key", here
-- and nowhere else.
with episodes as (
    select * from {{ ref('stg_inscriptions') }}
),

agences as (
    select * from {{ ref('int_territoires__agences') }}
),

groupes as (
    select * from {{ ref('int_experimentations__groupes') }}
),

diagnostics_initiaux_classes as (
    select
        id_inscription,
        id_diagnostic,
        date_diagnostic,
        row_number() over (
            partition by id_inscription
            order by date_diagnostic, id_diagnostic
        ) as rang
    from {{ ref('int_diagnostics__rattaches') }}
    where nature = 'INITIAL'
),

premiers_diagnostics_initiaux as (
    select id_inscription, id_diagnostic, date_diagnostic
    from diagnostics_initiaux_classes
    where rang = 1
),

orientations_initiales_classees as (
    select
        id_inscription,
        id_orientation,
        date_orientation,
        mode,
        operateur_propose,
        parcours_propose,
        operateur_retenu,
        parcours_retenu,
        row_number() over (
            partition by id_inscription
            order by date_orientation, id_orientation
        ) as rang
    from {{ ref('int_orientations__rattaches') }}
    where nature = 'INITIALE'
),

premieres_orientations_initiales as (
    select * from orientations_initiales_classees where rang = 1
),

accompagnements_classes as (
    select
        id_inscription,
        id_accompagnement,
        date_debut,
        operateur,
        parcours,
        modalite,
        row_number() over (
            partition by id_inscription
            order by date_debut, id_accompagnement
        ) as rang
    from {{ ref('int_accompagnements__rattaches') }}
),

premiers_accompagnements as (
    select * from accompagnements_classes where rang = 1
),

chronologie as (
    select
        episodes.id_inscription,
        episodes.id_personne,
        episodes.date_inscription,
        episodes.motif_inscription,
        episodes.date_fin,
        episodes.motif_fin,
        episodes.categorie,
        episodes.canal_inscription,
        episodes.code_agence,
        agences.code_bassin,
        agences.code_departement,
        agences.code_region,
        episodes.code_commune,
        episodes.sexe,
        episodes.annee_naissance,
        episodes.niveau_formation,
        episodes.allocation,
        episodes.rqth,
        episodes.qpv,
        episodes.zrr,
        groupes.groupe_experimentation,
        groupes.date_debut_experimentation,
        premiers_diagnostics_initiaux.id_diagnostic as id_premier_diagnostic_initial,
        premiers_diagnostics_initiaux.date_diagnostic as date_premier_diagnostic_initial,
        premieres_orientations_initiales.id_orientation as id_premiere_orientation_initiale,
        premieres_orientations_initiales.date_orientation as date_premiere_orientation_initiale,
        premieres_orientations_initiales.mode as mode_premiere_orientation_initiale,
        premieres_orientations_initiales.operateur_propose as operateur_propose_premiere_orientation,
        premieres_orientations_initiales.parcours_propose as parcours_propose_premiere_orientation,
        premieres_orientations_initiales.operateur_retenu as operateur_retenu_premiere_orientation,
        premieres_orientations_initiales.parcours_retenu as parcours_retenu_premiere_orientation,
        premiers_accompagnements.id_accompagnement as id_premier_accompagnement,
        premiers_accompagnements.date_debut as date_debut_premier_accompagnement,
        premiers_accompagnements.operateur as operateur_premier_accompagnement,
        premiers_accompagnements.parcours as parcours_premier_accompagnement,
        premiers_accompagnements.modalite as modalite_premier_accompagnement
    from episodes
    left join agences on agences.code_agence = episodes.code_agence
    left join groupes on groupes.code_agence = episodes.code_agence
    left join premiers_diagnostics_initiaux
        on premiers_diagnostics_initiaux.id_inscription = episodes.id_inscription
    left join premieres_orientations_initiales
        on premieres_orientations_initiales.id_inscription = episodes.id_inscription
    left join premiers_accompagnements
        on premiers_accompagnements.id_inscription = episodes.id_inscription
)

select * from chronologie
