-- Each current employment start (stg_emplois: current version, tombstones out) qualified as the
-- contract defines it for C1 / C2 (indicators.md, C. Performance):
--   emploi durable: nature 01, 07, 08, 09, 50, 82, 91 (open-ended) or CREA (business creation),
--     or nature 02, 03, 10, 92 (fixed term, temporary work) planned to last at least 6 months:
--     date_fin_previsionnelle >= date_debut + 6 months (clamped) - 1 day;
--   emploi: a durable employment, or any nature except 29, 70, 80, 81, 89 planned to last at
--     least 1 month: date_fin_previsionnelle >= date_debut + 1 month (clamped) - 1 day.
-- Decision: a contract with no planned end qualifies only through an open-ended nature: a CDD
-- without date_fin_previsionnelle is neither durable nor an emploi, nor is a 32, 60, 90, 93
-- without one (the condition on the planned end cannot be checked). Emplois are keyed by
-- person, not episode: they are attached to cohorts by id_personne downstream.
-- And as the réseau pour l'emploi counts it for F1 / F3 (indicators-rpe.md):
--   emploi RPE: any nature except 29 whose planned hours over its first 30 days exceed 78:
--     h * min(30, n) / 7 > 78, h = duree_hebdo_heures (35 when empty), n = days from date_debut
--     to date_fin_previsionnelle inclusive (30 when empty). Written h * min(30, n) > 78 * 7 so
--     that the boundary (exactly 78 hours) is not left to a rounded division.
-- (F2's durable employment is C2's, est_emploi_durable.)
{%- set natures_durables = ['01', '07', '08', '09', '50', '82', '91', 'CREA'] %}
{%- set natures_duree_determinee = ['02', '03', '10', '92'] %}
{%- set natures_exclues = ['29', '70', '80', '81', '89'] %}
{%- set heures_hebdo_defaut = 35 %}
{%- set jours_fenetre_rpe = 30 %}
{%- set heures_minimales_rpe = 78 %}

with emplois as (
    select * from {{ ref('stg_emplois') }}
),

durees_minimales as (
    select
        emplois.*,
        {{ ajouter_jours(ajouter_mois_borne('emplois.date_debut', 6), -1) }} as fin_minimale_durable,
        {{ ajouter_jours(ajouter_mois_borne('emplois.date_debut', 1), -1) }} as fin_minimale_emploi
    from emplois
),

emplois_durables as (
    select
        durees_minimales.*,
        case
            when nature_contrat in ('{{ natures_durables | join("', '") }}') then true
            when nature_contrat in ('{{ natures_duree_determinee | join("', '") }}')
                and date_fin_previsionnelle is not null
                and date_fin_previsionnelle >= fin_minimale_durable
            then true
            else false
        end as est_emploi_durable
    from durees_minimales
),

emplois_qualifies as (
    select
        emplois_durables.*,
        case
            when est_emploi_durable then true
            when nature_contrat is not null
                and nature_contrat not in ('{{ natures_exclues | join("', '") }}')
                and date_fin_previsionnelle is not null
                and date_fin_previsionnelle >= fin_minimale_emploi
            then true
            else false
        end as est_emploi
    from emplois_durables
),

jours_prevus as (
    select
        emplois_qualifies.*,
        -- days of the contract within its first 30: inclusive count, 30 without a planned end
        case
            when date_fin_previsionnelle is null then {{ jours_fenetre_rpe }}
            when {{ delai_jours('date_debut', 'date_fin_previsionnelle') }} + 1 > {{ jours_fenetre_rpe }}
            then {{ jours_fenetre_rpe }}
            else {{ delai_jours('date_debut', 'date_fin_previsionnelle') }} + 1
        end as jours_prevus_30j
    from emplois_qualifies
),

emplois_rpe as (
    select
        jours_prevus.*,
        case
            when nature_contrat is not null
                and nature_contrat <> '29'
                and coalesce(duree_hebdo_heures, {{ heures_hebdo_defaut }}) * jours_prevus_30j
                    > {{ heures_minimales_rpe }} * 7
            then true
            else false
        end as est_emploi_rpe
    from jours_prevus
)

select
    id_emploi,
    id_personne,
    date_debut,
    nature_contrat,
    date_fin_previsionnelle,
    duree_hebdo_heures,
    est_emploi,
    est_emploi_durable,
    est_emploi_rpe
from emplois_rpe
