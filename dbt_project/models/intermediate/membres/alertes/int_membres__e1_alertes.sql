-- E1 alertes, member level: one row per alert with date_alerte in the month (and on or before
-- the date d'arrêté: a later alert is not observed), at its attributed territories
-- (int_alertes__attribuees). Window: the month.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

alertes as (
    select * from {{ ref('int_alertes__attribuees') }}
)

select
    calendrier.periode,
    calendrier.mois_provisoire as provisoire,
    alertes.code_region,
    alertes.code_departement,
    alertes.code_bassin,
    alertes.code_agence,
    alertes.id_alerte as cle,
    {{ modalite_code('alertes.situation') }} as situation,
    {{ modalite_code('alertes.examen') }} as examen,
    {{ modalite_code('alertes.campagne') }} as campagne
from alertes
inner join calendrier
    on calendrier.periode = {{ premier_jour_du_mois('alertes.date_alerte') }}
cross join arrete
where alertes.date_alerte <= arrete.date_arrete
