-- Every situation of the alert rules has its thresholds in the seed seuils_alertes: a missing
-- row would silently raise no alert of that situation.
with situations as (
    select 'DOSSIER_AGENT' as situation
    union all select 'DOSSIER_EX_AGENT'
    union all select 'DOSSIER_ELU_CANDIDAT'
    union all select 'HORS_HORAIRES'
)

select situations.situation
from situations
left join {{ ref('seuils_alertes') }} as seuils on seuils.situation = situations.situation
where seuils.situation is null
