-- Rendez-vous: current version of each id_entretien, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'entretiens'), ['id_entretien']) }}
),

entretiens_courants as (
    select
        versions_courantes.id_entretien,
        versions_courantes.id_personne,
        versions_courantes.id_inscription,
        versions_courantes.type_entretien,
        versions_courantes.date_entretien,
        versions_courantes.statut,
        versions_courantes.duree_minutes,
        versions_courantes.modalite_contact,
        versions_courantes.operateur,
        versions_courantes.code_agence,
        versions_courantes.id_conseiller,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from entretiens_courants
