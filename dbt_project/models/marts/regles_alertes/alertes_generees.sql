-- marts.alertes_generees: one row per generated alert, in the contract's columns
-- (alert-rules.md, "Output tables"). Internal: never in the published view.
select
    cast(id_alerte_generee as {{ dbt.type_string() }}) as id_alerte_generee,
    cast(situation as {{ dbt.type_string() }}) as situation,
    cast(id_agent as {{ dbt.type_string() }}) as id_agent,
    cast(id_personne as {{ dbt.type_string() }}) as id_personne,
    cast(mois as date) as mois,
    cast(code_site as {{ dbt.type_string() }}) as code_site,
    cast(code_etablissement as {{ dbt.type_string() }}) as code_etablissement,
    cast(nb_consultations as bigint) as nb_consultations,
    cast(nb_jours as bigint) as nb_jours,
    cast(premiere_consultation as {{ type_horodatage() }}) as premiere_consultation,
    cast(derniere_consultation as {{ type_horodatage() }}) as derniere_consultation,
    cast(examen as {{ dbt.type_string() }}) as examen
from {{ ref('int_alertes_generees__conclusions') }}
