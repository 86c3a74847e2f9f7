-- B2 taux_diagnostic_30j, member level: one row per episode of the cohort (date_inscription in
-- the month) staying in the population; est_numerateur when its first INITIAL diagnostic comes
-- within 30 days (max(0, diagnostic - inscription) <= 30). Episodes that ended before any
-- diagnostic and within 30 days of registration leave the population (as B1, horizon 30; a
-- diagnostic on the day of the end keeps the episode). Only what is dated on or before the date
-- d'arrêté is observed. Window: 30 days after the last day of the month.
{%- set horizon_jours = 30 %}

{{ cohorte_delai_diagnostic(horizon_jours) }}

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_inscription as cle,
    delai_diagnostic,
    coalesce(delai_diagnostic <= {{ horizon_jours }}, false) as est_numerateur,
    {{ modalite_code('allocation') }} as allocation,
    {{ modalite_code('canal_inscription') }} as canal_inscription,
    {{ groupe_experimentation_a_date('groupe_experimentation', 'date_debut_experimentation', 'date_inscription') }} as groupe_experimentation
from delais
where not sorti_avant_diagnostic
