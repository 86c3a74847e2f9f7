-- F5 taux_couverture_diagnostic, member level: the episodes of A1 on L; numerator = an INITIAL
-- diagnostic dated <= L (see int_membres__f5_f7_diagnostics).
{{ config(materialized='view') }}

select
    periode, provisoire, code_region, code_departement, code_bassin, code_agence, cle,
    diagnostic_initial as est_numerateur,
    allocation
from {{ ref('int_membres__f5_f7_diagnostics') }}
