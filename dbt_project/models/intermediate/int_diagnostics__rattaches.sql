-- Current diagnostics attached to an existing registration episode (an event of an episode that
-- does not exist -- deleted, doublon, never received -- does not exist either).
{{ config(materialized='view') }}

with diagnostics_rattaches as (
    {{ evenements_rattaches(ref('stg_diagnostics'), ref('stg_inscriptions')) }}
)

select * from diagnostics_rattaches
