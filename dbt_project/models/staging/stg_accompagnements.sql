-- Accompagnements (parcours): current version of each id_accompagnement, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'accompagnements'), ['id_accompagnement']) }}
),

accompagnements_courants as (
    select
        versions_courantes.id_accompagnement,
        versions_courantes.id_personne,
        versions_courantes.id_inscription,
        versions_courantes.operateur,
        versions_courantes.parcours,
        versions_courantes.modalite,
        versions_courantes.date_signature_ce,
        versions_courantes.intensite_hebdo_heures,
        versions_courantes.date_debut,
        versions_courantes.date_fin,
        versions_courantes.motif_fin,
        versions_courantes.code_agence,
        versions_courantes.id_conseiller,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from accompagnements_courants
