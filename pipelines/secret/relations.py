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

#: Identities between quantities of cells of the same period and territory, as
#: (indicator, quantity, dimension, modality) ≡ (indicator, quantity, dimension, modality).
#: ``"*"`` as a modality: the same modality on both sides; ``"*"`` as a dimension (with ``"*"``
#: modality): every breakdown of the left indicator, matched to the same breakdown on the right,
#: or to the fixed (dimension, modality) given on the right.
IDENTITES: list[tuple[str, str, str, str, str, str, str, str]] = [
    # B5 is the share of B4's orientations: its numerators are B4's counts, its denominators B4's total
    ("repartition_orientation", "n", "ensemble", "ensemble", "orientations_initiales", "v", "ensemble", "ensemble"),
    ("repartition_orientation", "n", "operateur_retenu", "*", "orientations_initiales", "v", "operateur_retenu", "*"),
    ("repartition_orientation", "n", "parcours_retenu", "*", "orientations_initiales", "v", "parcours_retenu", "*"),
    ("repartition_orientation", "d", "*", "*", "orientations_initiales", "v", "ensemble", "ensemble"),
    # B7's population is B4's orientations
    ("taux_contrat_engagement_1_mois", "d", "ensemble", "ensemble", "orientations_initiales", "v", "ensemble", "ensemble"),
    ("taux_contrat_engagement_1_mois", "d", "operateur_retenu", "*", "orientations_initiales", "v", "operateur_retenu", "*"),
    # B11's population is B10's accompaniments
    ("part_accompagnement_intensif", "d", "ensemble", "ensemble", "accompagnements_en_cours", "v", "ensemble", "ensemble"),
    ("part_accompagnement_intensif", "d", "operateur", "*", "accompagnements_en_cours", "v", "operateur", "*"),
    ("part_accompagnement_intensif", "d", "parcours", "*", "accompagnements_en_cours", "v", "parcours", "*"),
    # D2's population is D1's controls, its numerator D1's sanctions; D3's population is D1's controls
    ("taux_sanction_cre", "d", "ensemble", "ensemble", "controles_decides", "v", "ensemble", "ensemble"),
    ("taux_sanction_cre", "d", "origine", "*", "controles_decides", "v", "origine", "*"),
    ("taux_sanction_cre", "d", "procedure", "*", "controles_decides", "v", "procedure", "*"),
    ("taux_sanction_cre", "n", "ensemble", "ensemble", "controles_decides", "v", "issue", "SANCTION"),
    ("delai_controle_median", "d", "ensemble", "ensemble", "controles_decides", "v", "ensemble", "ensemble"),
    ("delai_controle_median", "n", "ensemble", "ensemble", "delai_controle_median", "d", "ensemble", "ensemble"),
    # E3's population is E1's alerts; E4's population is E2's closed alerts, all of them closed
    ("taux_examen_alertes", "d", "ensemble", "ensemble", "alertes", "v", "ensemble", "ensemble"),
    ("taux_examen_alertes", "d", "examen", "*", "alertes", "v", "examen", "*"),
    ("delai_traitement_alerte_median", "d", "ensemble", "ensemble", "taux_faux_positifs", "d", "ensemble", "ensemble"),
    ("delai_traitement_alerte_median", "n", "ensemble", "ensemble", "delai_traitement_alerte_median", "d", "ensemble", "ensemble"),
    # C1 and C2 share their cohorts
    ("taux_retour_emploi_6m", "d", "*", "*", "taux_retour_emploi_durable_6m", "d", "*", "*"),
]

#: Indicators whose denominator is the population of the whole cell (the ``ensemble``'s) in every
#: modality: their modality denominators are not additive (they are tied by ``IDENTITES``).
DENOMINATEUR_ENSEMBLE = frozenset({"repartition_orientation"})

#: Indicators that do not add up from children to parent, and the inequality that holds instead:
#: alerts of regional and national entities count only at their level (parent ≥ Σ children); a
#: registrant with open episodes in two agencies is one person above them (parent ≤ Σ children).
PARENT_AU_MOINS_SOMME = frozenset({"alertes", "taux_faux_positifs", "taux_examen_alertes", "delai_traitement_alerte_median"})
PARENT_AU_PLUS_SOMME = frozenset({"demandeurs_fin_de_mois"})

#: Stock and flows of registrants: A1(t) − A1(t−1) = A2(t) − A3(t), on the ``ensemble`` cells of a
#: territory, for consecutive months.
STOCK_FLUX = ("demandeurs_fin_de_mois", "entrees", "sorties")

#: Stocks (counts on the last day of the month) and ratios of a stock: no multi-month cells (a
#: stock over several months is read on its last month).
STOCKS = frozenset({
    "demandeurs_fin_de_mois", "en_attente_diagnostic", "en_attente_parcours", "accompagnements_en_cours",
    "part_accompagnement_intensif",
})

#: The latest complete 12-month period ends on the latest quarter's last month whose cells of this
#: indicator (the registrants' stock) are not provisional — else on the latest such month: the
#: month of the date d'arrêté is partial, so its 12-month cells are not the ones committees read,
#: and 12-month periods ending a quarter are those the national RPE dashboard publishes (and the
#: ones a sum of four published quarters gives).
INDICATEUR_MOIS_COMPLET = "demandeurs_fin_de_mois"

#: Indicators whose latest 12-month cells are protected with their months (one block for the
#: latest 12 months): the CRE controls, whose monthly cells are mostly secret below the
#: département and which committees and the CSE read over 12 months (equity funnel plot of the
#: agencies). The other indicators' 12-month cells are published where they are the sum of
#: published months or quarters: a block of 12 months multiplies the size of its LPs (with the
#: alerts too, the protection of Haute-Garonne took three times as long; ``docs/secret-statistique.md``).
ANNUELS = frozenset({"controles_decides", "taux_sanction_cre", "delai_controle_median"})

#: Indicators linked by identities or by stock and flows: protected together.
GROUPES: list[frozenset[str]] = [
    frozenset({"demandeurs_fin_de_mois", "entrees", "sorties"}),
    frozenset({"orientations_initiales", "repartition_orientation", "taux_contrat_engagement_1_mois"}),
    frozenset({"accompagnements_en_cours", "part_accompagnement_intensif"}),
    frozenset({"controles_decides", "taux_sanction_cre", "delai_controle_median"}),
    frozenset({"alertes", "taux_examen_alertes"}),
    frozenset({"taux_faux_positifs", "delai_traitement_alerte_median"}),
    frozenset({"taux_retour_emploi_6m", "taux_retour_emploi_durable_6m"}),
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
