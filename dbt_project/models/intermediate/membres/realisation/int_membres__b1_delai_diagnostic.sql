-- B1 delai_inscription_diagnostic_median, member level: one row per episode of the cohort
-- (date_inscription in the month), with its delay to the first INITIAL diagnostic,
-- max(0, diagnostic - inscription), null (infinite) when not reached within the horizon.
-- Episodes that ended before any diagnostic and within the horizon leave the population.
-- Only what is dated on or before the date d'arrêté is observed: a later diagnostic or end
-- counts as not (yet) happened. Window: the horizon after the last day of the month.
{%- set horizon_jours = 90 %}

{{ cohorte_delai_diagnostic(horizon_jours) }}

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    case when delai_diagnostic <= {{ horizon_jours }} then delai_diagnostic end as delai,
    {{ modalite_code('allocation') }} as allocation,
    {{ modalite_code('canal_inscription') }} as canal_inscription,
    {{ groupe_experimentation_a_date('groupe_experimentation', 'date_debut_experimentation', 'date_inscription') }} as groupe_experimentation
from delais
where not sorti_avant_diagnostic
