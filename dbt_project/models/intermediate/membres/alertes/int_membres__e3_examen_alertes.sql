-- E3 taux_examen_alertes, member level: one row per alert with date_alerte in the month (as E1);
-- est_numerateur: concluded (AVEREE or NON_AVEREE) with date_cloture on or before the date
-- d'arrêté. Window: the contract gives none, so the window is the month (provisional while the
-- month is not over). The ratio of a past month can still grow as its alerts are concluded; a
-- window tied to closures could stay open for ever (alerts never examined), so it is not used.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

alertes as (
    select * from {{ ref('int_alertes__attribuees') }}
),

cohorte as (
    select
        calendrier.periode,
        calendrier.mois_provisoire,
        alertes.*,
        case
            when alertes.conclusion in ('AVEREE', 'NON_AVEREE')
                and alertes.date_cloture <= arrete.date_arrete
            then true
            else false
        end as est_conclue
    from alertes
    inner join calendrier
        on calendrier.periode = {{ premier_jour_du_mois('alertes.date_alerte') }}
    cross join arrete
    where alertes.date_alerte <= arrete.date_arrete
)

select
    periode,
    mois_provisoire as provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_alerte as cle,
    est_conclue as est_numerateur,
    {{ modalite_code('examen') }} as examen
from cohorte
