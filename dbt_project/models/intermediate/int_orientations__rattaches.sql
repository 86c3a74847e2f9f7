-- Current orientations attached to an existing registration episode (an event of an episode that
-- does not exist -- deleted, doublon, never received -- does not exist either).
{{ config(materialized='view') }}

with orientations_rattaches as (
    {{ evenements_rattaches(ref('stg_orientations'), ref('stg_inscriptions')) }}
)

select * from orientations_rattaches
