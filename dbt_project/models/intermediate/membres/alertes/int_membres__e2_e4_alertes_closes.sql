-- E2 taux_faux_positifs and E4 delai_traitement_alerte_median, member level: one row per alert
-- closed in the month (date_cloture in the month, on or before the date d'arrêté) with a
-- conclusion AVEREE or NON_AVEREE. E2 reads est_numerateur (NON_AVEREE: a false positive), E4
-- reads delai (date_cloture - date_alerte, always finite). Window: the month.
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
    alertes.conclusion = 'NON_AVEREE' as est_numerateur,
    {{ delai_jours('alertes.date_alerte', 'alertes.date_cloture') }} as delai,
    {{ modalite_code('alertes.situation') }} as situation,
    {{ modalite_code('alertes.examen') }} as examen,
    {{ modalite_code('alertes.campagne') }} as campagne
from alertes
inner join calendrier
    on calendrier.periode = {{ premier_jour_du_mois('alertes.date_cloture') }}
cross join arrete
where alertes.conclusion in ('AVEREE', 'NON_AVEREE')
    and alertes.date_cloture <= arrete.date_arrete
