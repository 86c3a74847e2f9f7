-- B7 taux_contrat_engagement_1_mois, member level: the orientations of B4; est_numerateur when
-- the episode has an accompaniment whose date_signature_ce lies between date_orientation and
-- date_orientation + 1 month (clamped: 31 January + 1 month = 28/29 February), both ends
-- included, and on or before the date d'arrêté (a later signature is not observed). Window: 1
-- month after the last day of the month (clamped).
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

orientations as (
    select * from {{ ref('int_membres__b4_orientations_initiales') }}
),

signatures as (
    select id_inscription, date_signature_ce
    from {{ ref('int_accompagnements__rattaches') }}
    where date_signature_ce is not null
),

orientations_signees as (
    select distinct orientations.cle
    from orientations
    inner join signatures
        on signatures.id_inscription = orientations.id_inscription
        and signatures.date_signature_ce >= orientations.date_orientation
        and signatures.date_signature_ce <= {{ ajouter_mois_borne('orientations.date_orientation', 1) }}
    cross join arrete
    where signatures.date_signature_ce <= arrete.date_arrete
)

select
    orientations.periode,
    {{ est_provisoire(fin_fenetre_mois('orientations.periode', 1), 'arrete.date_arrete') }} as provisoire,
    orientations.code_region,
    orientations.code_departement,
    orientations.code_bassin,
    orientations.code_agence,
    orientations.cle,
    orientations.date_orientation,
    orientations_signees.cle is not null as est_numerateur,
    orientations.operateur_retenu,
    orientations.allocation
from orientations
cross join arrete
left join orientations_signees on orientations_signees.cle = orientations.cle
