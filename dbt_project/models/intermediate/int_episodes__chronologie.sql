-- One row per existing registration episode, with its agency and territories and the dates
-- of its milestones. Later families add their milestones here as new CTEs + columns (first
-- initial orientation, first accompaniment...), each following the common rule "first = the
-- earliest date, ties broken by the smallest key".
with episodes as (
    select * from {{ ref('stg_inscriptions') }}
),

agences as (
    select * from {{ ref('int_territoires__agences') }}
),

groupes as (
    select * from {{ ref('int_experimentations__groupes') }}
),

diagnostics_initiaux_classes as (
    select
        id_inscription,
        id_diagnostic,
        date_diagnostic,
        row_number() over (
            partition by id_inscription
            order by date_diagnostic, id_diagnostic
        ) as rang
    from {{ ref('int_diagnostics__rattaches') }}
    where nature = 'INITIAL'
),

premiers_diagnostics_initiaux as (
    select id_inscription, id_diagnostic, date_diagnostic
    from diagnostics_initiaux_classes
    where rang = 1
),

chronologie as (
    select
        episodes.id_inscription,
        episodes.id_personne,
        episodes.date_inscription,
        episodes.motif_inscription,
        episodes.date_fin,
        episodes.motif_fin,
        episodes.categorie,
        episodes.canal_inscription,
        episodes.code_agence,
        agences.code_bassin,
        agences.code_departement,
        agences.code_region,
        episodes.code_commune,
        episodes.sexe,
        episodes.annee_naissance,
        episodes.niveau_formation,
        episodes.allocation,
        episodes.rqth,
        episodes.qpv,
        episodes.zrr,
        groupes.groupe_experimentation,
        groupes.date_debut_experimentation,
        premiers_diagnostics_initiaux.id_diagnostic as id_premier_diagnostic_initial,
        premiers_diagnostics_initiaux.date_diagnostic as date_premier_diagnostic_initial
    from episodes
    left join agences on agences.code_agence = episodes.code_agence
    left join groupes on groupes.code_agence = episodes.code_agence
    left join premiers_diagnostics_initiaux
        on premiers_diagnostics_initiaux.id_inscription = episodes.id_inscription
)

select * from chronologie
