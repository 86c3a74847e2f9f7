-- D7 taux_rapo_acceptes, member level: the sanctions of D5 whose recours administratif
-- préalable obligatoire is decided at the date d'arrêté (RAPO_ACCEPTE, RAPO_REJETE);
-- est_numerateur: accepted. Territory and window: D1's (the month of the sanction's decision).
select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    cle,
    recours = 'RAPO_ACCEPTE' as est_numerateur
from {{ ref('int_membres__d5_d6_sanctions') }}
where recours in ('RAPO_ACCEPTE', 'RAPO_REJETE')
