-- Décisions d'orientation: current version of each id_orientation, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'orientations'), ['id_orientation']) }}
),

orientations_courants as (
    select
        versions_courantes.id_orientation,
        versions_courantes.id_personne,
        versions_courantes.id_inscription,
        versions_courantes.date_orientation,
        versions_courantes.nature,
        versions_courantes.mode,
        versions_courantes.operateur_propose,
        versions_courantes.parcours_propose,
        versions_courantes.operateur_retenu,
        versions_courantes.parcours_retenu,
        versions_courantes.motif_reorientation,
        versions_courantes.code_agence,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from orientations_courants
