-- F7 taux_diagnostic_avec_freins, member level (its ensemble cells): F5's numerator; numerator =
-- the latest diagnostic dated <= L has at least one frein (see int_membres__f5_f7_diagnostics).
-- The breakdown by frein is read from int_membres__f7_freins.
{{ config(materialized='view') }}

select
    periode, provisoire, code_region, code_departement, code_bassin, code_agence, cle,
    avec_freins as est_numerateur
from {{ ref('int_membres__f5_f7_diagnostics') }}
where diagnostic_initial
