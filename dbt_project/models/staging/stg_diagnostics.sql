-- Diagnostics: current version of each id_diagnostic, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'diagnostics'), ['id_diagnostic']) }}
),

diagnostics_courants as (
    select
        versions_courantes.id_diagnostic,
        versions_courantes.id_personne,
        versions_courantes.id_inscription,
        versions_courantes.date_diagnostic,
        versions_courantes.nature,
        versions_courantes.operateur,
        versions_courantes.freins,
        versions_courantes.code_agence,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from diagnostics_courants
