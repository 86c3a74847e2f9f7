-- Current accompagnements attached to an existing registration episode (an event of an episode that
-- does not exist -- deleted, doublon, never received -- does not exist either).
{{ config(materialized='view') }}

with accompagnements_rattaches as (
    {{ evenements_rattaches(ref('stg_accompagnements'), ref('stg_inscriptions')) }}
)

select * from accompagnements_rattaches
