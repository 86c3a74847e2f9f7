-- Agents France Travail: current version of each id_agent, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'agents'), ['id_agent']) }}
),

agents_courants as (
    select
        versions_courantes.id_agent,
        versions_courantes.id_personne,
        versions_courantes.code_site,
        versions_courantes.code_etablissement,
        versions_courantes.statut,
        versions_courantes.date_sortie,
        versions_courantes.jours_travailles,
        versions_courantes.heure_debut,
        versions_courantes.heure_fin,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from agents_courants
