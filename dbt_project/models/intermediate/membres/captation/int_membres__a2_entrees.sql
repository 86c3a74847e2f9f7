-- A2 entrees, member level: one row per episode whose date_inscription falls in the month
-- (and on or before the date d'arrêté: a later registration is not observed). The month is the
-- window: the cell of the arrêté's month is provisional.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

entrees as (
    select
        calendrier.periode,
        calendrier.mois_provisoire as provisoire,
        episodes.*
    from episodes
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('episodes.date_inscription') }}
    cross join arrete
    where episodes.date_inscription <= arrete.date_arrete
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
