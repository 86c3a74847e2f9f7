-- F8 taux_rupture_accompagnement, member level: one row per accompaniment (current, of an
-- existing episode) whose date_fin falls in the month, on or before the date d'arrêté (a later
-- end is not observed); est_numerateur = motif_fin ABANDON (an end without motif is not an
-- abandonment). Attributed to the agency of the registration episode, as every cell about
-- people (B10); breakdowns operateur and modalite of the accompaniment. Window: the month.
with accompagnements_termines as (
    {{ evenements_du_mois(ref('int_accompagnements__rattaches'), 'date_fin') }}
),

episodes as (
    select id_inscription, code_region, code_departement, code_bassin, code_agence
    from {{ ref('int_episodes__chronologie') }}
)

select
    accompagnements_termines.periode,
    accompagnements_termines.provisoire,
    episodes.code_region,
    episodes.code_departement,
    episodes.code_bassin,
    episodes.code_agence,
    accompagnements_termines.id_accompagnement as cle,
    accompagnements_termines.id_inscription,
    {{ modalite_code('accompagnements_termines.motif_fin') }} as motif_fin,
    coalesce(accompagnements_termines.motif_fin = 'ABANDON', false) as est_numerateur,
    {{ modalite_code('accompagnements_termines.operateur') }} as operateur,
    {{ modalite_code('accompagnements_termines.modalite') }} as modalite
from accompagnements_termines
inner join episodes on episodes.id_inscription = accompagnements_termines.id_inscription
