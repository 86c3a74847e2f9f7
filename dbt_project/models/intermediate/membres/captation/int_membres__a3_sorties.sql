-- A3 sorties, member level: one row per episode whose date_fin falls in the month (and on or
-- before the date d'arrêté: a later end is not observed). Doublon episodes (motif 14) do not
-- exist (staging). The month is the window: the cell of the arrêté's month is provisional.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

sorties as (
    select
        calendrier.periode,
        calendrier.mois_provisoire as provisoire,
        episodes.*
    from episodes
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('episodes.date_fin') }}
    cross join arrete
    where episodes.date_fin <= arrete.date_arrete
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    date_fin,
    {{ modalite_code('motif_fin') }} as motif_fin
from sorties
