-- The last 12 complete months at the date d'arrêté (contract alert-rules.md, simulation_seuils):
-- a month is complete when its last day is on or before the date d'arrêté. One row: the first
-- and last month of the window, and how many of its months are observed (months of the
-- calendar: the observation starts with the first extraction), so that a mean per month is over
-- the months observed.
with arrete as (
    select date_arrete from {{ ref('int_arrete__date') }}
),

fenetre as (
    select
        case
            when {{ dernier_jour_du_mois('date_arrete') }} <= date_arrete then {{ premier_jour_du_mois('date_arrete') }}
            else {{ ajouter_mois_borne(premier_jour_du_mois('date_arrete'), -1) }}
        end as dernier_mois
    from arrete
)

select
    {{ ajouter_mois_borne('fenetre.dernier_mois', -11) }} as premier_mois,
    fenetre.dernier_mois,
    count(calendrier.periode) as nb_mois
from fenetre
left join {{ ref('int_mois__calendrier') }} as calendrier
    on calendrier.periode between {{ ajouter_mois_borne('fenetre.dernier_mois', -11) }} and fenetre.dernier_mois
group by fenetre.dernier_mois
