-- marts.equite_jugement_alertes: equity of judgement (alert-rules.md): per period, region,
-- situation and examen, the examined generated alerts, their share concluded NON_AVEREE and its
-- position in the funnel around the national share of the same period, situation and examen.
-- Periods: each calendar quarter of the alerts' months, and the last 12 complete months.
-- Funnel limits by the exact binomial (Spiegelhalter 2005): for n examined alerts and the
-- national share p0, the q-quantile r of Binomial(n, p0) (least r with P(X <= r) >= q), then
-- the limit (r - a) / n with a = (P(X <= r) - q) / P(X = r), clamped to [0, 1]; q = 0.025 and
-- 0.975 (95 %), 0.001 and 0.999 (99.8 %). The distribution is summed term by term, k = 0..n,
-- from its logarithm (P(X = k) / P(X = k - 1) = (n - k + 1) / k * p0 / (1 - p0)), portable SQL:
-- the series of k of a region is its own examined alerts, numbered.
{%- set quantiles = {'basse_99_8': 0.001, 'basse_95': 0.025, 'haute_95': 0.975, 'haute_99_8': 0.999} %}
{%- set groupe = ['type_periode', 'debut_periode', 'code_region', 'situation', 'examen'] %}

with fenetre as (
    select premier_mois, dernier_mois from {{ ref('int_arrete__douze_mois_complets') }}
),

examinees as (
    select * from {{ ref('int_alertes_generees__conclusions') }} where est_examinee
),

examinees_periodes as (
    -- each examined alert in its quarter, and in the last 12 complete months when it is in them
    {%- for type_periode, debut, fin, jointure in [
        ('trimestre', 'examinees.trimestre', ajouter_jours(ajouter_mois_borne('examinees.trimestre', 3), -1), ''),
        ('douze_derniers_mois', 'fenetre.premier_mois', dernier_jour_du_mois('fenetre.dernier_mois'),
            'cross join fenetre where examinees.mois between fenetre.premier_mois and fenetre.dernier_mois'),
    ] %}
    select
        cast('{{ type_periode }}' as {{ dbt.type_string() }}) as type_periode,
        {{ debut }} as debut_periode,
        {{ fin }} as fin_periode,
        examinees.id_alerte_generee,
        examinees.code_region,
        examinees.situation,
        examinees.examen,
        examinees.est_averee
    from examinees
    {{ jointure }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

nationales as (
    -- every examined alert counts in the national share, those of no region included
    select
        type_periode,
        debut_periode,
        situation,
        examen,
        count(*) as examinees,
        cast(sum(case when est_averee then 0 else 1 end) as double) / cast(count(*) as double) as part
    from examinees_periodes
    group by type_periode, debut_periode, situation, examen
),

regionales as (
    select
        type_periode,
        debut_periode,
        max(fin_periode) as fin_periode,
        code_region,
        situation,
        examen,
        count(*) as examinees,
        sum(case when est_averee then 0 else 1 end) as non_averees
    from examinees_periodes
    where code_region is not null
    group by type_periode, debut_periode, code_region, situation, examen
),

rangs as (
    -- k = 0..n of each regional group: its n examined alerts numbered 1..n, and 0
    select
        {{ groupe | join(', ') }},
        row_number() over (partition by {{ groupe | join(', ') }} order by id_alerte_generee) as k
    from examinees_periodes
    where code_region is not null
    union all
    select {{ groupe | join(', ') }}, 0 as k
    from regionales
),

termes as (
    select
        {% for c in groupe %}rangs.{{ c }}, {% endfor %}
        rangs.k,
        cast(regionales.examinees as double) as n,
        -- a national share of 0 or 1 has no spread: its limits are set below, the logarithms
        -- are computed on a placeholder
        case when nationales.part > 0 and nationales.part < 1 then nationales.part else 0.5 end as p,
        case
            when rangs.k = 0 then cast(0 as double)
            else ln(cast(regionales.examinees - rangs.k + 1 as double)) - ln(cast(rangs.k as double))
        end as terme
    from rangs
    inner join regionales
        on {% for c in groupe %}regionales.{{ c }} = rangs.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
    inner join nationales
        on nationales.type_periode = rangs.type_periode
        and nationales.debut_periode = rangs.debut_periode
        and nationales.situation = rangs.situation
        and nationales.examen = rangs.examen
),

masses as (
    select
        termes.*,
        exp(
            termes.n * ln(1 - termes.p)
            + sum(termes.terme) over (
                partition by {{ groupe | join(', ') }} order by termes.k
                rows between unbounded preceding and current row
            )
            + termes.k * (ln(termes.p) - ln(1 - termes.p))
        ) as masse
    from termes
),

repartition as (
    select
        masses.*,
        sum(masses.masse) over (
            partition by {{ groupe | join(', ') }} order by masses.k
            rows between unbounded preceding and current row
        ) as cumul
    from masses
),

quantiles as (
    select
        {{ groupe | join(', ') }},
        {%- for nom, q in quantiles.items() %}
        min(case when cumul >= {{ q }} then k end) as rang_{{ nom }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from repartition
    group by {{ groupe | join(', ') }}
),

limites as (
    select
        {% for c in groupe %}repartition.{{ c }}, {% endfor %}
        {%- for nom, q in quantiles.items() %}
        least(cast(1 as double), greatest(cast(0 as double), max(case
            when repartition.k = quantiles.rang_{{ nom }}
            then (repartition.k - (repartition.cumul - {{ q }}) / repartition.masse) / repartition.n
        end))) as limite_{{ nom }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from repartition
    inner join quantiles
        on {% for c in groupe %}quantiles.{{ c }} = repartition.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
    group by {% for c in groupe %}repartition.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
),

positions as (
    select
        regionales.*,
        cast(regionales.non_averees as double) / cast(regionales.examinees as double) as part_non_averee,
        nationales.examinees as examinees_nationales,
        nationales.part as part_nationale,
        {%- for nom in quantiles %}
        case
            when nationales.part <= 0 then cast(0 as double)
            when nationales.part >= 1 then cast(1 as double)
            else limites.limite_{{ nom }}
        end as limite_{{ nom }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from regionales
    inner join nationales
        on nationales.type_periode = regionales.type_periode
        and nationales.debut_periode = regionales.debut_periode
        and nationales.situation = regionales.situation
        and nationales.examen = regionales.examen
    inner join limites
        on {% for c in groupe %}limites.{{ c }} = regionales.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
)

select
    cast(type_periode as {{ dbt.type_string() }}) as type_periode,
    cast(debut_periode as date) as debut_periode,
    cast(fin_periode as date) as fin_periode,
    cast(code_region as {{ dbt.type_string() }}) as code_region,
    cast(situation as {{ dbt.type_string() }}) as situation,
    cast(examen as {{ dbt.type_string() }}) as examen,
    cast(examinees as bigint) as examinees,
    cast(non_averees as bigint) as non_averees,
    cast(part_non_averee as double) as part_non_averee,
    cast(examinees_nationales as bigint) as examinees_nationales,
    cast(part_nationale as double) as part_nationale,
    cast(limite_basse_95 as double) as limite_basse_95,
    cast(limite_haute_95 as double) as limite_haute_95,
    cast(limite_basse_99_8 as double) as limite_basse_99_8,
    cast(limite_haute_99_8 as double) as limite_haute_99_8,
    cast(case
        when part_non_averee > limite_haute_99_8 then 'au_dessus_99_8'
        when part_non_averee > limite_haute_95 then 'au_dessus_95'
        when part_non_averee < limite_basse_99_8 then 'en_dessous_99_8'
        when part_non_averee < limite_basse_95 then 'en_dessous_95'
        else 'dans_les_limites'
    end as {{ dbt.type_string() }}) as position_entonnoir
from positions
