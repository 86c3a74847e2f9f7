-- F1 taux_acces_emploi_6m, member level: the common cohort, numerator = an emploi RPE started in
-- months M+1 to M+6 (see int_membres__f1_f3_acces_emploi_6m).
{{ config(materialized='view') }}

select
    periode, provisoire, code_region, code_departement, code_bassin, code_agence, cle,
    acces_emploi as est_numerateur,
    allocation, rqth, qpv, zrr, tranche_age, niveau_formation
from {{ ref('int_membres__f1_f3_acces_emploi_6m') }}
