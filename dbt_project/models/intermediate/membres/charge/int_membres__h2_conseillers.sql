-- H2 part_portefeuilles_plus_de_70, member level: one row per (month, adviser of H1), attributed
-- to the agency where the adviser holds most accompaniments in progress (ties: the smallest
-- agency code), so that each adviser counts once at every level; est_numerateur: more than 70
-- accompaniments in progress on L, all agencies together.
with portefeuilles as (
    select * from {{ ref('int_membres__h1_portefeuilles') }}
),

par_agence as (
    select
        periode,
        provisoire,
        cle_denominateur as id_conseiller,
        code_agence,
        code_bassin,
        code_departement,
        code_region,
        count(*) as accompagnements
    from portefeuilles
    group by periode, provisoire, cle_denominateur, code_agence, code_bassin, code_departement, code_region
),

classees as (
    select
        par_agence.*,
        sum(accompagnements) over (partition by periode, id_conseiller) as portefeuille,
        row_number() over (
            partition by periode, id_conseiller order by accompagnements desc, code_agence
        ) as rang
    from par_agence
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_conseiller as cle,
    portefeuille > 70 as est_numerateur
from classees
where rang = 1
