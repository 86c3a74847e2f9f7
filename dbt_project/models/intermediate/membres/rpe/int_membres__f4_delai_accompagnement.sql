-- F4 delai_inscription_accompagnement_median, member level: one row per episode of the cohort
-- (date_inscription in the month), with its delay to the date_debut of its first accompaniment
-- (int_episodes__chronologie: earliest date_debut, ties smallest key), max(0, debut -
-- inscription), null (infinite) when not reached within the horizon of 180 days. As B1 (same
-- macro): episodes that ended before any accompaniment and within the horizon leave the
-- population; only what is dated on or before the date d'arrêté is observed. Window: the
-- horizon after the last day of the month.
{%- set horizon_jours = 180 %}

{{ cohorte_delai_inscription(horizon_jours, 'date_debut_premier_accompagnement', 'accompagnement') }}

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    case when delai_accompagnement <= {{ horizon_jours }} then delai_accompagnement end as delai,
    {{ modalite_code('allocation') }} as allocation,
    {{ modalite_code('canal_inscription') }} as canal_inscription
from delais
where not sorti_avant_accompagnement
