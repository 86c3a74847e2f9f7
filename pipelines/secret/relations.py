"""What an outsider knows about the published cells, written once as data.

Everything here follows from the public data dictionary (``indicators.md``): an outsider who reads
it can write these relations between published cells. Both the suppression
(``pipelines.secret.protection``) and the independent audit (``pipelines.secret.audit``) read this
module, each building its own equations from it; neither trusts a relation blindly: an instance
that does not hold on the true values is dropped and counted (tests require zero).

Quantities of a cell: ``v`` (the count of a ``nombre`` cell), ``n`` and ``d`` (numerator and
denominator of a ``taux`` cell; members who reached the event and population of a ``jours`` cell).
"""

from __future__ import annotations

from pipelines.core.indicateurs import A1, A2, A3, B3, B4, B5, B7, B9, B10, B11, C1, C2, D1, D2, D3, D5, D6, D7, E1, E2, E3, E4, G1

#: Identities between quantities of cells of the same period and territory, as
#: (indicator, quantity, dimension, modality) ≡ (indicator, quantity, dimension, modality).
#: ``"*"`` as a modality: the same modality on both sides; ``"*"`` as a dimension (with ``"*"``
#: modality): every breakdown of the left indicator, matched to the same breakdown on the right,
#: or to the fixed (dimension, modality) given on the right.
IDENTITES: list[tuple[str, str, str, str, str, str, str, str]] = [
    # B5 is the share of B4's orientations: its numerators are B4's counts, its denominators B4's total
    (B5, "n", "ensemble", "ensemble", B4, "v", "ensemble", "ensemble"),
    (B5, "n", "operateur_retenu", "*", B4, "v", "operateur_retenu", "*"),
    (B5, "n", "parcours_retenu", "*", B4, "v", "parcours_retenu", "*"),
    (B5, "d", "*", "*", B4, "v", "ensemble", "ensemble"),
    # B7's population is B4's orientations
    (B7, "d", "ensemble", "ensemble", B4, "v", "ensemble", "ensemble"),
    (B7, "d", "operateur_retenu", "*", B4, "v", "operateur_retenu", "*"),
    # B11's population is B10's accompaniments
    (B11, "d", "ensemble", "ensemble", B10, "v", "ensemble", "ensemble"),
    (B11, "d", "operateur", "*", B10, "v", "operateur", "*"),
    (B11, "d", "parcours", "*", B10, "v", "parcours", "*"),
    (B11, "d", "allocation", "*", B10, "v", "allocation", "*"),
    # D2's population is D1's controls, its numerator D1's sanctions; D3's population is D1's controls
    (D2, "d", "ensemble", "ensemble", D1, "v", "ensemble", "ensemble"),
    (D2, "d", "origine", "*", D1, "v", "origine", "*"),
    (D2, "d", "procedure", "*", D1, "v", "procedure", "*"),
    (D2, "n", "ensemble", "ensemble", D1, "v", "issue", "SANCTION"),
    (D3, "d", "ensemble", "ensemble", D1, "v", "ensemble", "ensemble"),
    (D3, "n", "ensemble", "ensemble", D3, "d", "ensemble", "ensemble"),
    # D5 counts D1's sanctions; D6's population is D5's sanctions
    (D5, "v", "ensemble", "ensemble", D1, "v", "issue", "SANCTION"),
    (D6, "d", "ensemble", "ensemble", D5, "v", "ensemble", "ensemble"),
    # E3's population is E1's alerts; E4's population is E2's closed alerts, all of them closed
    (E3, "d", "ensemble", "ensemble", E1, "v", "ensemble", "ensemble"),
    (E3, "d", "examen", "*", E1, "v", "examen", "*"),
    (E4, "d", "ensemble", "ensemble", E2, "d", "ensemble", "ensemble"),
    (E4, "n", "ensemble", "ensemble", E4, "d", "ensemble", "ensemble"),
    # C1 and C2 share their cohorts
    (C1, "d", "*", "*", C2, "d", "*", "*"),
]

#: Indicators whose denominator is the population of the whole cell (the ``ensemble``'s) in every
#: modality: their modality denominators are not additive (they are tied by ``IDENTITES``).
DENOMINATEUR_ENSEMBLE = frozenset({B5})

#: Indicators that do not add up from children to parent, and the inequality that holds instead:
#: alerts of regional and national entities count only at their level (parent ≥ Σ children); a
#: registrant with open episodes in two agencies is one person above them (parent ≤ Σ children).
PARENT_AU_MOINS_SOMME = frozenset({E1, E2, E3, E4})
PARENT_AU_PLUS_SOMME = frozenset({A1})

#: Stock and flows of registrants: A1(t) − A1(t−1) = A2(t) − A3(t), on the ``ensemble`` cells of a
#: territory, for consecutive months.
STOCK_FLUX = (A1, A2, A3)

#: Stocks (counts on the last day of the month) and ratios of a stock: no multi-month cells (a
#: stock over several months is read on its last month).
STOCKS = frozenset({A1, B3, B9, B10, B11, G1})

#: The latest complete 12-month period ends on the latest quarter's last month whose cells of this
#: indicator (the registrants' stock) are not provisional — else on the latest such month: the
#: month of the date d'arrêté is partial, so its 12-month cells are not the ones committees read,
#: and 12-month periods ending a quarter are those the national RPE dashboard publishes (and the
#: ones a sum of four published quarters gives).
INDICATEUR_MOIS_COMPLET = A1

#: Indicators whose latest 12-month cells are protected with their months (one block for the
#: latest 12 months): the CRE controls, whose monthly cells are mostly secret below the
#: département and which committees and the CSE read over 12 months (equity funnel plot of the
#: agencies). The other indicators' 12-month cells are published where they are the sum of
#: published months or quarters: a block of 12 months multiplies the size of its LPs (with the
#: alerts too, the protection of Haute-Garonne took three times as long; ``docs/secret-statistique.md``).
ANNUELS = frozenset({D1, D2, D3})

#: Indicators linked by identities or by stock and flows: protected together.
GROUPES: list[frozenset[str]] = [
    frozenset({A1, A2, A3}),
    frozenset({B4, B5, B7}),
    frozenset({B10, B11}),
    frozenset({D1, D2, D3, D5, D6, D7}),
    frozenset({E1, E3}),
    frozenset({E2, E4}),
    frozenset({C1, C2}),
]


def groupe(indicateur: str) -> str:
    """The protection group of an indicator: the sorted names of its group, or itself."""
    for g in GROUPES:
        if indicateur in g:
            return "+".join(sorted(g))
    return indicateur


#: Territorial nestings: (relation, child level, parent level). A bassin may straddle départements,
#: so agencies add up to their département and, separately, to their bassin.
LIENS = [
    ("FR_regions", "REGION", "NATIONAL"),
    ("region_departements", "DEPARTEMENT", "REGION"),
    ("departement_agences", "AGENCE", "DEPARTEMENT"),
    ("bassin_agences", "AGENCE", "BASSIN"),
]

#: Period types of ``marts.indicateurs``.
MOIS, TRIMESTRE, CUMUL_12_MOIS = "mois", "trimestre", "cumul_12_mois"
