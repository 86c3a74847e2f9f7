-- B5 repartition_orientation, member level: the orientations of B4, each in the numerator of
-- its own modality. The rollup (agreger_indicateur with denominateur_ensemble) divides by all
-- the orientations of the cell's period and territory; the 'ensemble' cell is then 1 (n / n).
{{ config(materialized='view') }}

with orientations as (
    select * from {{ ref('int_membres__b4_orientations_initiales') }}
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    cle,
    true as est_numerateur,
    operateur_retenu,
    parcours_retenu
from orientations
