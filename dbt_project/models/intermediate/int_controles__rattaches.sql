-- Current controles attached to an existing registration episode (an event of an episode that
-- does not exist -- deleted, doublon, never received -- does not exist either).
{{ config(materialized='view') }}

with controles_rattaches as (
    {{ evenements_rattaches(ref('stg_controles'), ref('stg_inscriptions')) }}
)

select * from controles_rattaches
