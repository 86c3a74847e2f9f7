-- marts.arrete: the date d'arrêté of the build, one row.
select cast(date_arrete as date) as date_arrete
from {{ ref('int_arrete__date') }}
