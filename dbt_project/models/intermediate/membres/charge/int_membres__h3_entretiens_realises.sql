-- H3 entretiens_realises, member level: the interviews of H4 held (statut REALISE).
select *
from {{ ref('int_membres__h4_entretiens_tenus') }}
where not est_numerateur
