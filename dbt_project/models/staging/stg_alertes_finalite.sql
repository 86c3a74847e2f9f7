-- Alertes de détournement de finalité: current version of each id_alerte, tombstones out.
-- Rename and cast only: no business rule here (see macros/version_courante.sql).
with versions_courantes as (
    {{ version_courante(source('raw', 'alertes_finalite'), ['id_alerte']) }}
),

alertes_finalite_courants as (
    select
        versions_courantes.id_alerte,
        versions_courantes.campagne,
        versions_courantes.situation,
        versions_courantes.id_agent,
        versions_courantes.code_etablissement,
        versions_courantes.code_agence,
        versions_courantes.examen,
        versions_courantes.score_risque,
        versions_courantes.nb_consultations,
        versions_courantes.date_alerte,
        versions_courantes.date_entretien,
        versions_courantes.conclusion,
        versions_courantes.suite,
        versions_courantes.date_cloture,
        versions_courantes.date_maj,
        versions_courantes._id_chargement as id_chargement,
        versions_courantes._fichier as fichier_source
    from versions_courantes
)

select * from alertes_finalite_courants
