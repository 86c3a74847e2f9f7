-- marts.volume_alertes: the generated alerts counted per month, establishment (the agent's
-- code_etablissement: regional direction or national entity), region, situation and examen.
-- An aggregate without any agent, person or alert identifier: it is published for the
-- « Règles d'alerte » page, unlike alertes_generees (pair-level, internal).
with alertes as (
    select * from {{ ref('int_alertes_generees__conclusions') }}
)

select
    cast(mois as date) as mois,
    cast(code_etablissement as {{ dbt.type_string() }}) as code_etablissement,
    cast(code_region as {{ dbt.type_string() }}) as code_region,
    cast(situation as {{ dbt.type_string() }}) as situation,
    cast(examen as {{ dbt.type_string() }}) as examen,
    cast(count(*) as bigint) as alertes
from alertes
group by mois, code_etablissement, code_region, situation, examen
