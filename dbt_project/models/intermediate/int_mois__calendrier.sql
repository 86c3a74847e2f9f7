-- Months of the indicators: from the first observed month to the month of the date d'arrêté.
-- The first observed month is the month of the first loaded extraction: an initial delivery
-- carries the stock of open episodes, not the history of closed ones, so earlier months would be
-- biased (stock under-counted, cohorts reduced to survivors). When the initial delivery holds the
-- whole history, the dbt var premier_mois (or SOCLE_PREMIER_MOIS, YYYY-MM) sets an earlier month.
{%- set premier_mois_impose = (var('premier_mois', '') or env_var('SOCLE_PREMIER_MOIS', '')) | string | trim %}
{%- if premier_mois_impose and not modules.re.match('^[0-9]{4}-[0-9]{2}$', premier_mois_impose) %}
    {{ exceptions.raise_compiler_error("premier_mois invalide : « " ~ premier_mois_impose ~ " » (attendu AAAA-MM)") }}
{%- endif %}

with arrete as (
    select date_arrete, premiere_extraction from {{ ref('int_arrete__date') }}
),

premier_mois as (
    select
        {%- if premier_mois_impose %}
        cast('{{ premier_mois_impose }}-01' as date) as premier_mois
        {%- else %}
        {{ premier_jour_du_mois('coalesce(premiere_extraction, date_arrete)') }} as premier_mois
        {%- endif %}
    from arrete
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
