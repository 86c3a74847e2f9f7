-- B11 part_accompagnement_intensif, member level: the accompaniments of B10; est_numerateur
-- when intensite_hebdo_heures >= 15 (an unknown intensity is not intensive).
{{ config(materialized='view') }}

with accompagnements as (
    select * from {{ ref('int_membres__b10_accompagnements_en_cours') }}
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    cle,
    coalesce(intensite_hebdo_heures >= 15, false) as est_numerateur,
    operateur,
    parcours,
    allocation
from accompagnements
