-- D1 controles_decides, D2 taux_sanction_cre, D3 delai_controle_median, member level: one row
-- per control decided in the month (date_decision in the month, issue RECHERCHE_ACTIVE,
-- REDYNAMISATION or SANCTION), attached to an existing episode. The three indicators share this
-- population: D1 counts it, D2 reads est_numerateur (issue SANCTION), D3 reads delai
-- (date_decision - date_ouverture, always finite: no censoring, decided controls only).
-- Territory and person breakdowns come from the control's episode (a cell about people).
-- Only what is dated on or before the date d'arrêté is observed: a decision dated later does
-- not exist yet. Window: the month (provisional while the month ends after the arrêté).
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

controles as (
    select * from {{ ref('int_controles__rattaches') }}
),

episodes as (
    select
        id_inscription,
        code_region,
        code_departement,
        code_bassin,
        code_agence,
        sexe,
        annee_naissance,
        allocation,
        groupe_experimentation,
        date_debut_experimentation
    from {{ ref('int_episodes__chronologie') }}
),

controles_decides as (
    select
        calendrier.periode,
        calendrier.mois_provisoire as provisoire,
        controles.id_controle,
        controles.id_inscription,
        controles.date_ouverture,
        controles.date_decision,
        controles.origine,
        controles.procedure,
        controles.issue
    from controles
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('controles.date_decision') }}
    cross join arrete
    where controles.issue in ('RECHERCHE_ACTIVE', 'REDYNAMISATION', 'SANCTION')
        and controles.date_decision <= arrete.date_arrete
)

select
    controles_decides.periode,
    controles_decides.provisoire,
    episodes.code_region,
    episodes.code_departement,
    episodes.code_bassin,
    episodes.code_agence,
    controles_decides.id_controle as cle,
    controles_decides.id_inscription,
    controles_decides.issue = 'SANCTION' as est_numerateur,
    {{ delai_jours('controles_decides.date_ouverture', 'controles_decides.date_decision') }} as delai,
    {{ modalite_code('controles_decides.origine') }} as origine,
    {{ modalite_code('controles_decides.procedure') }} as procedure,
    {{ modalite_code('controles_decides.issue') }} as issue,
    {{ modalite_code('episodes.allocation') }} as allocation,
    {{ tranche_age('controles_decides.periode', 'episodes.annee_naissance') }} as tranche_age,
    {{ modalite_code('episodes.sexe') }} as sexe,
    {{ groupe_experimentation_a_date('episodes.groupe_experimentation', 'episodes.date_debut_experimentation', 'controles_decides.date_decision') }} as groupe_experimentation
from controles_decides
inner join episodes on episodes.id_inscription = controles_decides.id_inscription
