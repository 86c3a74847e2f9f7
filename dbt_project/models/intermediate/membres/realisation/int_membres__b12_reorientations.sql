-- B12 reorientations, member level: one row per orientation of nature REORIENTATION (all of
-- them, not only the first) dated in the month and on or before the date d'arrêté, of an
-- existing episode, attributed to the agency of the registration episode. The month is the
-- window.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

reorientations as (
    select id_orientation, id_inscription, date_orientation, motif_reorientation
    from {{ ref('int_orientations__rattaches') }}
    where nature = 'REORIENTATION'
)

select
    calendrier.periode,
    calendrier.mois_provisoire as provisoire,
    episodes.code_region,
    episodes.code_departement,
    episodes.code_bassin,
    episodes.code_agence,
    reorientations.id_orientation as cle,
    reorientations.date_orientation,
    {{ modalite_code('reorientations.motif_reorientation') }} as motif_reorientation
from reorientations
inner join episodes on episodes.id_inscription = reorientations.id_inscription
inner join calendrier
    on calendrier.periode = {{ premier_jour_du_mois('reorientations.date_orientation') }}
cross join arrete
where reorientations.date_orientation <= arrete.date_arrete
