-- The date d'arrêté of the build: the dbt var date_arrete (or SOCLE_DATE_ARRETE) when given,
-- else the latest extraction date among loaded files, else, for an empty warehouse, the current
-- date. Also the first extraction date, where the observation starts (see int_mois__calendrier).
{%- set imposee = var('date_arrete', '') or env_var('SOCLE_DATE_ARRETE', '') %}
{%- if imposee %}
    {%- set imposee = imposee | string | trim %}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', imposee) %}
        {{ exceptions.raise_compiler_error("date_arrete invalide : « " ~ imposee ~ " » (attendu AAAA-MM-JJ)") }}
    {%- endif %}
{%- endif %}

with fichiers_charges as (
    select
        max(date_extraction) as date_extraction_max,
        min(date_extraction) as date_extraction_min
    from {{ ref('stg__fichiers') }}
),

date_retenue as (
    select
        cast(coalesce(
            {% if imposee %}cast('{{ imposee }}' as date){% else %}cast(null as date){% endif %},
            date_extraction_max,
            current_date
        ) as date) as date_arrete,
        {% if imposee %}'configuration'{% else %}case when date_extraction_max is not null then 'extractions' else 'date_du_jour' end{% endif %} as origine,
        date_extraction_min as premiere_extraction
    from fichiers_charges
)

select date_arrete, origine, premiere_extraction from date_retenue
