-- F7 taux_diagnostic_avec_freins by frein, member level: F7's population repeated once per
-- barrier of the code list (listes_codes, diagnostics.freins: the eight of the export contract),
-- one row per (month, episode, barrier); est_numerateur = the barrier is one of those of the
-- latest diagnostic dated <= L. A person counts in each barrier of that diagnostic, so the
-- barriers do not add up to the ensemble (whose cells come from
-- int_membres__f7_taux_diagnostic_avec_freins); every barrier's denominator is the whole
-- population.
with population as (
    select * from {{ ref('int_membres__f5_f7_diagnostics') }}
    where diagnostic_initial
),

freins as (
    select code as frein
    from {{ ref('listes_codes') }}
    where export = 'diagnostics' and colonne = 'freins'
)

select
    population.periode,
    population.provisoire,
    population.code_region,
    population.code_departement,
    population.code_bassin,
    population.code_agence,
    population.cle,
    freins.frein,
    -- exact match of a code between separators ('|MOBILITE|' in '|SANTE|MOBILITE|')
    coalesce(
        {{ dbt.position(dbt.concat(["'|'", 'freins.frein', "'|'"]),
                        dbt.concat(["'|'", 'population.freins_dernier_diagnostic', "'|'"])) }} > 0,
        false
    ) as est_numerateur
from population
cross join freins
