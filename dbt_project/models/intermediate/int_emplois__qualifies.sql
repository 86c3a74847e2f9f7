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
{%- set natures_durables = ['01', '07', '08', '09', '50', '82', '91', 'CREA'] %}
{%- set natures_duree_determinee = ['02', '03', '10', '92'] %}
{%- set natures_exclues = ['29', '70', '80', '81', '89'] %}

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
)

select
    id_emploi,
    id_personne,
    date_debut,
    nature_contrat,
    date_fin_previsionnelle,
    est_emploi,
    est_emploi_durable
from emplois_qualifies
