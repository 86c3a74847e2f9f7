-- A2 entrees, member level: one row per episode whose date_inscription falls in the month
-- (and on or before the date d'arrêté: a later registration is not observed). The month is the
-- window: the cell of the arrêté's month is provisional.
with entrees as (
    {{ evenements_du_mois(ref('int_episodes__chronologie'), 'date_inscription') }}
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    date_inscription,
    {{ modalite_code('canal_inscription') }} as canal_inscription,
    {{ modalite_code('allocation') }} as allocation,
    {{ tranche_age('periode', 'annee_naissance') }} as tranche_age,
    {{ modalite_code('sexe') }} as sexe
from entrees
