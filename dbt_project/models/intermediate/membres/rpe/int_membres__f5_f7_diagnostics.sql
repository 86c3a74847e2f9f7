-- F5 / F6 / F7, common member level (indicators-rpe.md): the population of A1 on the last day L
-- of the month (episodes open on L; the date d'arrêté for its month), one row per episode, with
-- what its diagnostics dated on or before L say:
--   diagnostic_initial   an INITIAL diagnostic dated <= L (F5's numerator, F6's and F7's population),
--   actualise_6m         its latest diagnostic (any nature) dated <= L is dated after L - 6 months
--                        (clamped calendar months) (F6),
--   avec_freins          that latest diagnostic has at least one frein (F7).
-- Latest: the greatest date_diagnostic, ties broken by the greatest id_diagnostic (the last in
-- the order of the common rule "first").
{%- set horizon_mois = 6 %}

with demandeurs as (
    select * from {{ ref('int_membres__a1_demandeurs_fin_de_mois') }}
),

diagnostics_observes as (
    select
        demandeurs.periode,
        demandeurs.id_inscription,
        diagnostics.date_diagnostic,
        diagnostics.nature,
        diagnostics.freins,
        row_number() over (
            partition by demandeurs.periode, demandeurs.id_inscription
            order by diagnostics.date_diagnostic desc, diagnostics.id_diagnostic desc
        ) as rang_recent
    from demandeurs
    inner join {{ ref('int_diagnostics__rattaches') }} as diagnostics
        on diagnostics.id_inscription = demandeurs.id_inscription
        and diagnostics.date_diagnostic <= demandeurs.date_observation
),

syntheses as (
    select
        periode,
        id_inscription,
        max(case when nature = 'INITIAL' then 1 else 0 end) as diagnostic_initial,
        max(case when rang_recent = 1 then date_diagnostic end) as date_dernier_diagnostic,
        max(case when rang_recent = 1 then freins end) as freins_dernier_diagnostic
    from diagnostics_observes
    group by periode, id_inscription
)

select
    demandeurs.periode,
    demandeurs.provisoire,
    demandeurs.code_region,
    demandeurs.code_departement,
    demandeurs.code_bassin,
    demandeurs.code_agence,
    demandeurs.id_inscription as cle,
    demandeurs.date_observation,
    coalesce(syntheses.diagnostic_initial = 1, false) as diagnostic_initial,
    syntheses.date_dernier_diagnostic,
    syntheses.freins_dernier_diagnostic,
    coalesce(
        syntheses.date_dernier_diagnostic > {{ ajouter_mois_borne('demandeurs.date_observation', -horizon_mois) }},
        false
    ) as actualise_6m,
    coalesce(syntheses.freins_dernier_diagnostic, '') <> '' as avec_freins,
    demandeurs.allocation
from demandeurs
left join syntheses
    on syntheses.periode = demandeurs.periode
    and syntheses.id_inscription = demandeurs.id_inscription
