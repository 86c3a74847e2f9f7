-- Manquements (gestion de la liste): current version of each id_manquement, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'manquements'), ['id_manquement']) }}
),

manquements_courants as (
    select
        versions_courantes.id_manquement,
        versions_courantes.id_personne,
        versions_courantes.id_inscription,
        versions_courantes.date_manquement,
        versions_courantes.type_manquement,
        versions_courantes.suite,
        versions_courantes.date_suite,
        versions_courantes.id_controle,
        versions_courantes.code_agence,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from manquements_courants
