-- Family E, détournement de finalité: cells of E1 to E4 from member-level rows (E2 and E4 share
-- the population of alerts concluded in the month). Alerts are attributed to territories by
-- int_alertes__attribuees: an alert known only by its region, or of a national entity, has
-- null lower levels and so counts only at the levels it is given. The median E4 is also computed
-- over the periods of several months (pooled members).
with alertes as (
    {{ agreger_indicateur(
        ref('int_membres__e1_alertes'),
        'alertes',
        'nombre',
        ['situation', 'examen', 'campagne']
    ) }}
),

taux_faux_positifs as (
    {{ agreger_indicateur(
        ref('int_membres__e2_e4_alertes_closes'),
        'taux_faux_positifs',
        'taux',
        ['situation', 'examen', 'campagne']
    ) }}
),

taux_examen_alertes as (
    {{ agreger_indicateur(
        ref('int_membres__e3_examen_alertes'),
        'taux_examen_alertes',
        'taux',
        ['examen']
    ) }}
),

delai_traitement_alerte_median as (
    {{ agreger_indicateur(
        ref('int_membres__e2_e4_alertes_closes'),
        'delai_traitement_alerte_median',
        'jours',
        calendrier=ref('int_mois__calendrier')
    ) }}
)

select * from alertes
union all
select * from taux_faux_positifs
union all
select * from taux_examen_alertes
union all
select * from delai_traitement_alerte_median
