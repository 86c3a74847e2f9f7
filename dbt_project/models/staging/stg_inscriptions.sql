-- Épisodes d'inscription: current version of each id_inscription, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'inscriptions'), ['id_inscription']) }}
),

inscriptions_courants as (
    select
        versions_courantes.id_inscription,
        versions_courantes.id_personne,
        versions_courantes.date_inscription,
        versions_courantes.motif_inscription,
        versions_courantes.date_fin,
        versions_courantes.motif_fin,
        versions_courantes.categorie,
        versions_courantes.canal_inscription,
        versions_courantes.code_agence,
        versions_courantes.code_commune,
        versions_courantes.sexe,
        versions_courantes.annee_naissance,
        versions_courantes.niveau_formation,
        versions_courantes.allocation,
        versions_courantes.rqth,
        versions_courantes.qpv,
        versions_courantes.zrr,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
    -- motif_fin 14 (doublon): the episode never existed.
    where versions_courantes.motif_fin is null or versions_courantes.motif_fin <> '14'
)

select * from inscriptions_courants
