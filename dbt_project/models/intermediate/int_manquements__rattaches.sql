-- Current manquements attached to an existing registration episode (an event of an episode that
-- does not exist -- deleted, doublon, never received -- does not exist either).
{{ config(materialized='view') }}

with manquements_rattaches as (
    {{ evenements_rattaches(ref('stg_manquements'), ref('stg_inscriptions')) }}
)

select * from manquements_rattaches
