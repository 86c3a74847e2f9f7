-- B4 orientations_initiales, member level: one row per episode's first orientation of nature
-- INITIALE (int_episodes__chronologie: earliest date, ties by smallest key), in the month of its
-- date_orientation (and on or before the date d'arrêté). The month is the window. Attributed to
-- the agency of the registration episode. Also read by B5, B6 and B7 ("the same orientations").
with orientations as (
    {{ evenements_du_mois(ref('int_episodes__chronologie'), 'date_premiere_orientation_initiale') }}
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_premiere_orientation_initiale as cle,
    id_inscription,
    date_premiere_orientation_initiale as date_orientation,
    operateur_propose_premiere_orientation as operateur_propose_code,
    parcours_propose_premiere_orientation as parcours_propose_code,
    operateur_retenu_premiere_orientation as operateur_retenu_code,
    parcours_retenu_premiere_orientation as parcours_retenu_code,
    {{ modalite_code('operateur_retenu_premiere_orientation') }} as operateur_retenu,
    {{ modalite_code('parcours_retenu_premiere_orientation') }} as parcours_retenu,
    {{ modalite_code('mode_premiere_orientation_initiale') }} as mode,
    {{ modalite_code('allocation') }} as allocation
from orientations
