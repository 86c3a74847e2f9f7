-- C1 / C2, common member level: one row per episode of the cohort -- the episode's first
-- accompaniment (earliest date_debut, ties smallest key: int_episodes__chronologie), counted in
-- the month of its date_debut -- with the first employment start that is an emploi (C1) and an
-- emploi durable (C2) of the same person dated from the accompaniment's date_debut to
-- date_debut + 6 months (clamped calendar months), both bounds included.
-- Only what is dated on or before the date d'arrêté is observed: a later employment counts as
-- not (yet) reached, a later accompaniment is not (yet) in the cohort. Window: 6 months after the
-- last day of the month (provisoire until it ends). Territory: the episode's agency.
{%- set horizon_mois = 6 %}

with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode from {{ ref('int_mois__calendrier') }}
),

episodes_accompagnes as (
    select * from {{ ref('int_episodes__chronologie') }}
    where id_premier_accompagnement is not null
),

emplois as (
    select id_personne, date_debut, est_emploi_durable
    from {{ ref('int_emplois__qualifies') }}
    -- every emploi durable is an emploi: the rest never counts
    where est_emploi
),

cohorte as (
    select
        calendrier.periode,
        {{ est_provisoire(fin_fenetre_mois('calendrier.periode', horizon_mois), 'arrete.date_arrete') }} as provisoire,
        arrete.date_arrete,
        episodes_accompagnes.id_inscription,
        episodes_accompagnes.id_personne,
        episodes_accompagnes.code_region,
        episodes_accompagnes.code_departement,
        episodes_accompagnes.code_bassin,
        episodes_accompagnes.code_agence,
        episodes_accompagnes.allocation,
        episodes_accompagnes.groupe_experimentation,
        episodes_accompagnes.date_debut_experimentation,
        episodes_accompagnes.id_premier_accompagnement as id_accompagnement,
        episodes_accompagnes.date_debut_premier_accompagnement as date_debut_accompagnement,
        episodes_accompagnes.operateur_premier_accompagnement as operateur,
        episodes_accompagnes.parcours_premier_accompagnement as parcours,
        episodes_accompagnes.modalite_premier_accompagnement as modalite,
        {{ ajouter_mois_borne('episodes_accompagnes.date_debut_premier_accompagnement', horizon_mois) }} as date_fin_horizon
    from episodes_accompagnes
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('episodes_accompagnes.date_debut_premier_accompagnement') }}
    cross join arrete
    where episodes_accompagnes.date_debut_premier_accompagnement <= arrete.date_arrete
),

reprises as (
    select
        cohorte.id_inscription,
        min(emplois.date_debut) as date_premier_emploi,
        min(case when emplois.est_emploi_durable then emplois.date_debut end) as date_premier_emploi_durable
    from cohorte
    inner join emplois
        on emplois.id_personne = cohorte.id_personne
        and emplois.date_debut >= cohorte.date_debut_accompagnement
        and emplois.date_debut <= cohorte.date_fin_horizon
        and emplois.date_debut <= cohorte.date_arrete
    group by cohorte.id_inscription
)

select
    cohorte.periode,
    cohorte.provisoire,
    cohorte.code_region,
    cohorte.code_departement,
    cohorte.code_bassin,
    cohorte.code_agence,
    cohorte.id_inscription as cle,
    cohorte.id_personne,
    cohorte.id_accompagnement,
    cohorte.date_debut_accompagnement,
    cohorte.date_fin_horizon,
    reprises.date_premier_emploi,
    reprises.date_premier_emploi_durable,
    reprises.date_premier_emploi is not null as retour_emploi,
    reprises.date_premier_emploi_durable is not null as retour_emploi_durable,
    {{ modalite_code('cohorte.operateur') }} as operateur,
    {{ modalite_code('cohorte.parcours') }} as parcours,
    {{ modalite_code('cohorte.modalite') }} as modalite,
    {{ modalite_code('cohorte.allocation') }} as allocation,
    {{ groupe_experimentation_a_date('cohorte.groupe_experimentation', 'cohorte.date_debut_experimentation', 'cohorte.date_debut_accompagnement') }} as groupe_experimentation
from cohorte
left join reprises on reprises.id_inscription = cohorte.id_inscription
