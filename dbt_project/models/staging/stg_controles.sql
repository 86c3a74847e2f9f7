-- Contrôles de la recherche d'emploi (CRE): current version of each id_controle, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'controles'), ['id_controle']) }}
),

controles_courants as (
    select
        versions_courantes.id_controle,
        versions_courantes.id_personne,
        versions_courantes.id_inscription,
        versions_courantes.date_ouverture,
        versions_courantes.origine,
        versions_courantes.procedure,
        versions_courantes.code_plateforme,
        versions_courantes.date_avertissement,
        versions_courantes.date_decision,
        versions_courantes.issue,
        versions_courantes.sanction,
        versions_courantes.sanction_taux,
        versions_courantes.sanction_duree_mois,
        versions_courantes.recours,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from controles_courants
