-- Reprises d'emploi (DPAE / DSN): current version of each id_emploi, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'emplois'), ['id_emploi']) }}
),

emplois_courants as (
    select
        versions_courantes.id_emploi,
        versions_courantes.id_personne,
        versions_courantes.date_debut,
        versions_courantes.nature_contrat,
        versions_courantes.date_fin_previsionnelle,
        versions_courantes.duree_hebdo_heures,
        versions_courantes.source,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from emplois_courants
