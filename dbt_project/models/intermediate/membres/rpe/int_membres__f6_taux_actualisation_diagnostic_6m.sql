-- F6 taux_actualisation_diagnostic_6m, member level: F5's numerator (episodes of A1 on L with an
-- INITIAL diagnostic dated <= L); numerator = the latest diagnostic dated <= L is dated after
-- L - 6 months (see int_membres__f5_f7_diagnostics). No breakdown.
{{ config(materialized='view') }}

select
    periode, provisoire, code_region, code_departement, code_bassin, code_agence, cle,
    actualise_6m as est_numerateur
from {{ ref('int_membres__f5_f7_diagnostics') }}
where diagnostic_initial
