-- D5 sanctions_prononcees, D6 taux_recours_sanctions, member level: one row per control of D1
-- whose issue is SANCTION (so D5's total is D1's SANCTION cell), in the month of its decision,
-- with the sanction's type, its duration band and the appeal known at the date d'arrêté.
-- D6 reads est_numerateur: an appeal lodged (EN_COURS, RAPO_ACCEPTE, RAPO_REJETE); no appeal
-- recorded counts as none. Territory and window: D1's.
with sanctions as (
    select * from {{ ref('int_membres__d1_d3_controles_decides') }}
    where issue = 'SANCTION'
),

controles as (
    select id_controle, sanction, sanction_duree_mois, recours from {{ ref('int_controles__rattaches') }}
)

select
    sanctions.periode,
    sanctions.provisoire,
    sanctions.code_region,
    sanctions.code_departement,
    sanctions.code_bassin,
    sanctions.code_agence,
    sanctions.cle,
    coalesce(controles.recours in ('EN_COURS', 'RAPO_ACCEPTE', 'RAPO_REJETE'), false) as est_numerateur,
    {{ modalite_code('controles.sanction') }} as sanction,
    {{ tranche_duree_sanction('controles.sanction_duree_mois') }} as duree,
    {{ modalite_code('controles.recours') }} as recours
from sanctions
inner join controles on controles.id_controle = sanctions.cle
