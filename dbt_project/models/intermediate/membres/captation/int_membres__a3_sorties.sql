-- A3 sorties, member level: one row per episode whose date_fin falls in the month (and on or
-- before the date d'arrêté: a later end is not observed). Doublon episodes (motif 14) do not
-- exist (staging). The month is the window: the cell of the arrêté's month is provisional.
with sorties as (
    {{ evenements_du_mois(ref('int_episodes__chronologie'), 'date_fin') }}
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
