"""What an outsider knows about the published cells, written once as data.

Everything here follows from the public data dictionary (``indicators.md``): an outsider who reads
it can write these relations between published cells. Both the suppression
(``pipelines.secret.protection``) and the independent audit (``pipelines.secret.audit``) read this
module, each building its own equations from it; neither trusts a relation blindly: an instance
that does not hold on the true values is dropped and counted (tests require zero).

Quantities of a cell: ``v`` (the count of a ``nombre`` cell), ``n`` and ``d`` (numerator and
denominator of a ``taux`` cell; members who reached the event and population of a ``jours`` cell;
sum and count of a ``ratio`` cell, a mean, whose numerator is not bounded by its denominator).
"""

from __future__ import annotations

from pipelines.core.indicateurs import (
    A1,
    A2,
    A3,
    B3,
    B4,
    B5,
    B7,
    B9,
    B10,
    B11,
    C1,
    C2,
    D1,
    D2,
    D3,
    D5,
    D6,
    D7,
    E1,
    E2,
    E3,
    E4,
    F1,
    F2,
    F3,
    F5,
    F6,
    F7,
    G1,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
)

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
    # H6 counts D1's controls by platform: its national cell is D1's
    (H6, "v", "ensemble", "ensemble", D1, "v", "ensemble", "ensemble"),
    # E3's population is E1's alerts; E4's population is E2's closed alerts, all of them closed
    (E3, "d", "ensemble", "ensemble", E1, "v", "ensemble", "ensemble"),
    (E3, "d", "examen", "*", E1, "v", "examen", "*"),
    (E4, "d", "ensemble", "ensemble", E2, "d", "ensemble", "ensemble"),
    (E4, "n", "ensemble", "ensemble", E4, "d", "ensemble", "ensemble"),
    # C1 and C2 share their cohorts
    (C1, "d", "*", "*", C2, "d", "*", "*"),
    # F1, F2, F3 share the cohort of A1's persons
    (F2, "d", "*", "*", F1, "d", "*", "*"),
    (F3, "d", "*", "*", F1, "d", "*", "*"),
    # F5 and G1 share A1's episodes; F6 and F7 read F5's diagnosed episodes; every barrier of F7
    # has the whole diagnosed population as denominator
    (G1, "d", "ensemble", "ensemble", F5, "d", "ensemble", "ensemble"),
    (G1, "d", "allocation", "*", F5, "d", "allocation", "*"),
    (F6, "d", "ensemble", "ensemble", F5, "n", "ensemble", "ensemble"),
    (F7, "d", "ensemble", "ensemble", F5, "n", "ensemble", "ensemble"),
    (F7, "d", "frein", "*", F7, "d", "ensemble", "ensemble"),
]

#: Linear relations between quantities of cells of the same period and territory that are not a
#: plain identity: (terms, sense, dimensions), meaning Σ coef·quantity {sense} 0 with terms
#: (indicator, quantity, coef), for the ``ensemble`` cells and, in each listed dimension, for
#: every modality (the same modality in every term). An instance is written only where every
#: term's cell exists; one that does not hold on the true values is dropped and counted.
RELATIONS: list[tuple[tuple[tuple[str, str, float], ...], str, tuple[str, ...]]] = [
    # H4's appointments are H3's interviews held plus the no-shows (H4's numerator)
    (((H4, "d", 1.0), (H4, "n", -1.0), (H3, "v", -1.0)), "=", ("type_entretien",)),
    # H5's interviews are those of H3 that have a length
    (((H5, "d", 1.0), (H3, "v", -1.0)), "<=", ("type_entretien",)),
    # D7's decided appeals are among D6's appeals
    (((D7, "d", 1.0), (D6, "n", -1.0)), "<=", ()),
    # F5's episodes without an initial diagnostic are B3's waiting episodes
    (((F5, "d", 1.0), (F5, "n", -1.0), (B3, "v", -1.0)), "=", ()),
]

#: Breakdowns whose modalities do not add up to the ``ensemble`` cell (F7 by barrier: a person
#: counts in each barrier of the diagnostic), as (indicator, dimension): no modality equation.
VENTILATIONS_NON_ADDITIVES = frozenset({(F7, "frein")})

#: Indicators whose denominator counts distinct keys (H1: advisers, one adviser in several
#: agencies or modalities): the parent's denominator is at most the sum of its children's, and
#: the ``ensemble`` cell's at most the sum of its modalities'.
DENOMINATEUR_DISTINCT = frozenset({H1})

#: Indicators whose denominator is the population of the whole cell (the ``ensemble``'s) in every
#: modality: their modality denominators are not additive (they are tied by ``IDENTITES``).
DENOMINATEUR_ENSEMBLE = frozenset({B5, F7})

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
STOCKS = frozenset({A1, B3, B9, B10, B11, F5, F6, F7, G1, H1, H2})

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
    frozenset({D1, D2, D3, D5, D6, D7, H6}),
    frozenset({H3, H4, H5}),
    frozenset({E1, E3}),
    frozenset({E2, E4}),
    frozenset({C1, C2}),
    frozenset({F1, F2, F3}),
    frozenset({B3, F5, F6, F7, G1}),
]


def groupe(indicateur: str) -> str:
    """The protection group of an indicator: the sorted names of its group, or itself."""
    for g in GROUPES:
        if indicateur in g:
            return "+".join(sorted(g))
    return indicateur


#: Territorial nestings: (relation, child level, parent level). A bassin may straddle départements,
#: so agencies add up to their département and, separately, to their bassin. The CRE platforms
#: (H6's own level) add up to France.
LIENS = [
    ("FR_plateformes", "PLATEFORME", "NATIONAL"),
    ("FR_regions", "REGION", "NATIONAL"),
    ("region_departements", "DEPARTEMENT", "REGION"),
    ("departement_agences", "AGENCE", "DEPARTEMENT"),
    ("bassin_agences", "AGENCE", "BASSIN"),
]

#: Period types of ``marts.indicateurs``.
MOIS, TRIMESTRE, CUMUL_12_MOIS = "mois", "trimestre", "cumul_12_mois"
