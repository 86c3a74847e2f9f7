-- Personnes exposées (élus, candidats): current version of each id_exposition, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'personnes_exposees'), ['id_exposition']) }}
),

expositions_courantes as (
    select
        versions_courantes.id_exposition,
        versions_courantes.id_personne,
        versions_courantes.nature,
        versions_courantes.date_debut,
        versions_courantes.date_fin,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from expositions_courantes
