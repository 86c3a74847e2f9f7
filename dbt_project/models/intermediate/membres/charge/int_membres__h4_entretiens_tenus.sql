-- H4 taux_absence_entretiens, member level, also read by H3 and H5: one row per interview dated
-- in the month (date_entretien) whose statut is REALISE or ABSENT (a held or missed
-- appointment; PLANIFIE, ANNULE and REPORTE are not appointments that took place). Only what is
-- dated on or before the date d'arrêté is observed. Attributed to the interview's own
-- code_agence (the advisers' workload, as H1: a choice where the contract is silent; docs).
-- est_numerateur: ABSENT (no-show); quantite: duree_minutes (H5).
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

entretiens as (
    select * from {{ ref('int_entretiens__rattaches') }}
    where statut in ('REALISE', 'ABSENT')
),

agences as (
    select code_agence, code_bassin, code_departement, code_region
    from {{ ref('int_territoires__agences') }}
)

select
    calendrier.periode,
    calendrier.mois_provisoire as provisoire,
    agences.code_region,
    agences.code_departement,
    agences.code_bassin,
    entretiens.code_agence,
    entretiens.id_entretien as cle,
    entretiens.statut = 'ABSENT' as est_numerateur,
    cast(entretiens.duree_minutes as double) as quantite,
    entretiens.id_entretien as cle_denominateur,
    {{ modalite_code('entretiens.type_entretien') }} as type_entretien,
    {{ modalite_code('entretiens.modalite_contact') }} as modalite_contact,
    {{ modalite_code('entretiens.operateur') }} as operateur
from entretiens
inner join calendrier
    on calendrier.periode = {{ premier_jour_du_mois('entretiens.date_entretien') }}
cross join arrete
left join agences on agences.code_agence = entretiens.code_agence
where entretiens.date_entretien <= arrete.date_arrete
