-- Current entretiens attached to an existing registration episode (an event of an episode that
-- does not exist -- deleted, doublon, never received -- does not exist either).
{{ config(materialized='view') }}

with entretiens_rattaches as (
    {{ evenements_rattaches(ref('stg_entretiens'), ref('stg_inscriptions')) }}
)

select * from entretiens_rattaches
