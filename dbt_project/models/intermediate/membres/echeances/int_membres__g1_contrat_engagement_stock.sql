-- G1 taux_contrat_engagement_stock, member level: the population of A1 on the last day L of the
-- month (episodes open on L; the date d'arrêté for its month), one row per episode;
-- est_numerateur: an accompaniment of the episode whose date_signature_ce is on or before L.
-- Every registered person must have a contrat d'engagement by 1 January 2027: the progress
-- towards it (indicators-rpe.md). Breakdowns as A1's: allocation, anciennete.
with demandeurs as (
    select * from {{ ref('int_membres__a1_demandeurs_fin_de_mois') }}
),

signatures as (
    select id_inscription, min(date_signature_ce) as premiere_signature
    from {{ ref('int_accompagnements__rattaches') }}
    where date_signature_ce is not null
    group by id_inscription
)

select
    demandeurs.periode,
    demandeurs.provisoire,
    demandeurs.code_region,
    demandeurs.code_departement,
    demandeurs.code_bassin,
    demandeurs.code_agence,
    demandeurs.id_inscription as cle,
    coalesce(signatures.premiere_signature <= demandeurs.date_observation, false) as est_numerateur,
    demandeurs.allocation,
    demandeurs.anciennete
from demandeurs
left join signatures on signatures.id_inscription = demandeurs.id_inscription
