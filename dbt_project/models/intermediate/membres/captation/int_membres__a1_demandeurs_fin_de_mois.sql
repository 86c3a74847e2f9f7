-- A1 demandeurs_fin_de_mois, member level: one row per (month, episode) open on the last day L
-- of the month (date_inscription <= L and (date_fin null or date_fin > L)); the rollup counts
-- distinct persons (cle = id_personne). For the month of the date d'arrêté, L is not yet
-- observed: the episode is taken as open on the date d'arrêté (the cell is provisional).
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

calendrier as (
    select periode, dernier_jour, mois_provisoire from {{ ref('int_mois__calendrier') }}
),

episodes as (
    select * from {{ ref('int_episodes__chronologie') }}
),

dates_observation as (
    select
        calendrier.periode,
        calendrier.dernier_jour,
        calendrier.mois_provisoire as provisoire,
        {{ date_observation_stock('calendrier.dernier_jour', 'arrete.date_arrete') }} as date_observation
    from calendrier
    cross join arrete
),

episodes_ouverts as (
    select
        dates_observation.periode,
        dates_observation.dernier_jour,
        dates_observation.date_observation,
        dates_observation.provisoire,
        episodes.*
    from dates_observation
    inner join episodes
        on episodes.date_inscription <= dates_observation.date_observation
        and (episodes.date_fin is null or episodes.date_fin > dates_observation.date_observation)
)

select
    periode,
    provisoire,
    code_region,
    code_departement,
    code_bassin,
    code_agence,
    id_personne as cle,
    id_inscription,
    date_observation,
    {{ modalite_code('categorie') }} as categorie,
    {{ modalite_code('sexe') }} as sexe,
    {{ tranche_age('periode', 'annee_naissance') }} as tranche_age,
    {{ modalite_code('niveau_formation') }} as niveau_formation,
    {{ modalite_code('allocation') }} as allocation,
    {{ modalite_booleen('rqth') }} as rqth,
    {{ modalite_booleen('qpv') }} as qpv,
    {{ modalite_booleen('zrr') }} as zrr,
    {{ mois_entiers('date_inscription', 'dernier_jour') }} as anciennete_mois,
    {{ tranche_anciennete(mois_entiers('date_inscription', 'dernier_jour')) }} as anciennete,
    {{ groupe_experimentation_a_date('groupe_experimentation', 'date_debut_experimentation', 'dernier_jour') }} as groupe_experimentation
from episodes_ouverts
