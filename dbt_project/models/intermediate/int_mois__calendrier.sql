-- Months of the indicators: from the first month with data (earliest event date of the
-- episode-related exports and of the alerts, dated on or before the date d'arrêté) to the month
-- of the date d'arrêté. Employment starts (emplois) are left out: they may precede any
-- registration by years.
{%- set dates_evenements = [
    ('stg_inscriptions', 'date_inscription'),
    ('stg_orientations', 'date_orientation'),
    ('stg_diagnostics', 'date_diagnostic'),
    ('stg_entretiens', 'date_entretien'),
    ('stg_accompagnements', 'date_debut'),
    ('stg_manquements', 'date_manquement'),
    ('stg_controles', 'date_ouverture'),
    ('stg_alertes_finalite', 'date_alerte'),
] %}

with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

premieres_dates as (
    {%- for modele, colonne in dates_evenements %}
    select min({{ colonne }}) as premiere_date from {{ ref(modele) }}
    where {{ colonne }} <= (select date_arrete from arrete)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

premier_mois as (
    select {{ premier_jour_du_mois('min(premiere_date)') }} as premier_mois
    from premieres_dates
),

rangs as (
    {{ dbt.generate_series(1200) }}
),

mois as (
    select
        {{ premier_jour_du_mois(ajouter_mois_borne('premier_mois.premier_mois', 'rangs.generated_number - 1')) }} as periode,
        arrete.date_arrete
    from premier_mois
    cross join rangs
    cross join arrete
    where premier_mois.premier_mois is not null
        and {{ ajouter_mois_borne('premier_mois.premier_mois', 'rangs.generated_number - 1') }} <= arrete.date_arrete
)

select
    periode,
    {{ dernier_jour_du_mois('periode') }} as dernier_jour,
    -- The month itself is the window of the stock and flow counts.
    {{ est_provisoire(dernier_jour_du_mois('periode'), 'date_arrete') }} as mois_provisoire
from mois
