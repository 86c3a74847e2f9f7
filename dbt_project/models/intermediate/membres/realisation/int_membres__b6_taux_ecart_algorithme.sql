-- B6 taux_ecart_algorithme, member level: the orientations of B4 that have an algorithm
-- proposal (operateur_propose not null); est_numerateur when the retained operator or parcours
-- differs from the proposed one. A proposal without a parcours (parcours_propose null) differs
-- from the retained parcours (null-safe comparison).
{{ config(materialized='view') }}

with orientations as (
    select * from {{ ref('int_membres__b4_orientations_initiales') }}
    where operateur_propose_code is not null
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    cle,
    (
        coalesce(operateur_retenu_code, '') <> coalesce(operateur_propose_code, '')
        or coalesce(parcours_retenu_code, '') <> coalesce(parcours_propose_code, '')
    ) as est_numerateur,
    {{ modalite_code('operateur_propose_code') }} as operateur_propose
from orientations
