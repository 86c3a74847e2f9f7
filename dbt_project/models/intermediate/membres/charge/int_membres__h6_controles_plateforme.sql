-- H6 controles_par_plateforme, member level: the controls of D1, attributed to the CRE platform
-- that ran them (controles.code_plateforme) instead of the person's agency. The platform sits in
-- code_agence so that the common rollup groups on it; the other levels are empty, so the cells
-- exist at NATIONAL and, renamed by the family mart, at PLATEFORME only.
with controles_decides as (
    select periode, provisoire, cle
    from {{ ref('int_membres__d1_d3_controles_decides') }}
),

controles as (
    select id_controle, code_plateforme from {{ ref('int_controles__rattaches') }}
)

select
    controles_decides.periode,
    controles_decides.provisoire,
    cast(null as {{ dbt.type_string() }}) as code_region,
    cast(null as {{ dbt.type_string() }}) as code_departement,
    cast(null as {{ dbt.type_string() }}) as code_bassin,
    controles.code_plateforme as code_agence,
    controles_decides.cle
from controles_decides
inner join controles on controles.id_controle = controles_decides.cle
