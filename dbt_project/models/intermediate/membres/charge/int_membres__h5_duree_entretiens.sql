-- H5 duree_entretien_moyenne, member level: the interviews of H3 with a duree_minutes; the
-- numerator sums the minutes (quantite), the denominator counts the interviews.
select *
from {{ ref('int_membres__h3_entretiens_realises') }}
where quantite is not null
