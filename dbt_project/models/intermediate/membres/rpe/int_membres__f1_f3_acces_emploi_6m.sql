-- F1 / F2 / F3, common member level (indicators-rpe.md): the cohort of month M is the persons
-- counted in A1 for M (an episode open on the last day L of M), each once, attributed as in A1
-- to its episode of L -- the smallest id_inscription when several are open -- whose agency and
-- breakdowns it takes. For each person:
--   acces_emploi          (F1) an emploi RPE (int_emplois__qualifies) starting in months M+1 to M+6,
--   acces_emploi_durable  (F2) an emploi durable (C2's rule) starting in months M+1 to M+6,
--   presence_emploi       (F3) an emploi RPE in progress on the last day D of M+6: date_debut <= D
--                         and date_fin_previsionnelle empty or >= D.
-- Employments are the person's (id_personne), whatever the episode. Only what is dated on or
-- before the date d'arrêté is observed: a later start is not (yet) reached. Window: the last day
-- of M+6 (provisoire until it is reached).
{%- set horizon_mois = 6 %}

with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

demandeurs_classes as (
    -- A1's rows: one per open episode; a person is attributed to the smallest id_inscription
    select
        demandeurs.*,
        row_number() over (
            partition by demandeurs.periode, demandeurs.cle
            order by demandeurs.id_inscription
        ) as rang_episode
    from {{ ref('int_membres__a1_demandeurs_fin_de_mois') }} as demandeurs
),

cohorte as (
    select
        demandeurs_classes.*,
        {{ ajouter_mois_borne('demandeurs_classes.periode', 1) }} as debut_fenetre,
        {{ dernier_jour_du_mois(ajouter_mois_borne('demandeurs_classes.periode', horizon_mois)) }} as fin_fenetre,
        arrete.date_arrete
    from demandeurs_classes
    cross join arrete
    where demandeurs_classes.rang_episode = 1
),

emplois as (
    select id_personne, date_debut, date_fin_previsionnelle, est_emploi_rpe, est_emploi_durable
    from {{ ref('int_emplois__qualifies') }}
    where est_emploi_rpe or est_emploi_durable
),

reprises as (
    -- the cohort's observed employments started on or before the window's last day
    select
        cohorte.periode,
        cohorte.cle,
        max(case
            when emplois.est_emploi_rpe and emplois.date_debut >= cohorte.debut_fenetre then 1 else 0
        end) as acces_emploi,
        max(case
            when emplois.est_emploi_durable and emplois.date_debut >= cohorte.debut_fenetre then 1 else 0
        end) as acces_emploi_durable,
        max(case
            when emplois.est_emploi_rpe
                and (emplois.date_fin_previsionnelle is null or emplois.date_fin_previsionnelle >= cohorte.fin_fenetre)
            then 1
            else 0
        end) as presence_emploi
    from cohorte
    inner join emplois
        on emplois.id_personne = cohorte.cle
        and emplois.date_debut <= cohorte.fin_fenetre
        and emplois.date_debut <= cohorte.date_arrete
    group by cohorte.periode, cohorte.cle
)

select
    cohorte.periode,
    {{ est_provisoire('cohorte.fin_fenetre', 'cohorte.date_arrete') }} as provisoire,
    cohorte.code_region,
    cohorte.code_departement,
    cohorte.code_bassin,
    cohorte.code_agence,
    cohorte.cle,
    cohorte.id_inscription,
    cohorte.debut_fenetre,
    cohorte.fin_fenetre,
    coalesce(reprises.acces_emploi = 1, false) as acces_emploi,
    coalesce(reprises.acces_emploi_durable = 1, false) as acces_emploi_durable,
    coalesce(reprises.presence_emploi = 1, false) as presence_emploi,
    cohorte.allocation,
    cohorte.rqth,
    cohorte.qpv,
    cohorte.zrr,
    cohorte.tranche_age,
    cohorte.niveau_formation
from cohorte
left join reprises
    on reprises.periode = cohorte.periode
    and reprises.cle = cohorte.cle
