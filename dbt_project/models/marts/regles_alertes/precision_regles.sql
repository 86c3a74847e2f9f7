-- marts.precision_regles: the rules measured against the examined outcomes (alert-rules.md):
-- one row per situation, examen, band of nb_consultations and calendar quarter of the alert's
-- month that has generated alerts, with the 95 % Wilson interval of the precision (null when
-- nothing was examined).
with alertes as (
    select * from {{ ref('int_alertes_generees__conclusions') }}
),

comptes as (
    select
        situation,
        examen,
        tranche_consultations,
        trimestre,
        count(*) as alertes,
        sum(case when est_examinee then 1 else 0 end) as examinees,
        sum(case when est_averee then 1 else 0 end) as averees
    from alertes
    group by situation, examen, tranche_consultations, trimestre
)

select
    cast(situation as {{ dbt.type_string() }}) as situation,
    cast(examen as {{ dbt.type_string() }}) as examen,
    cast(tranche_consultations as {{ dbt.type_string() }}) as tranche_consultations,
    cast(trimestre as date) as trimestre,
    cast(alertes as bigint) as alertes,
    cast(examinees as bigint) as examinees,
    cast(averees as bigint) as averees,
    cast(case when examinees > 0 then cast(averees as double) / cast(examinees as double) end as double) as precision,
    cast({{ borne_wilson('averees', 'examinees', -1) }} as double) as precision_basse,
    cast({{ borne_wilson('averees', 'examinees', 1) }} as double) as precision_haute
from comptes
