"""The checks, as data: which Great Expectations expectation, on which column, with which severity.

Delivery suites are derived from ``pipelines/core/contract.py`` (columns, required, code lists, keys,
``DATE_ORDER_RULES``): nothing here lists an export's columns. Building a suite does not import
Great Expectations (about 4 s): the expectation classes are only named here and instantiated by
``quality.moteur`` when a suite runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipelines.core.contract import DATE_ORDER_RULES, EXPORTS, MIN_PLAUSIBLE_DATE, Export
from pipelines.core.indicateurs import E2
from pipelines.core.lecture import SEVERITE_AVERTISSEMENT as AVERTISSEMENT
from pipelines.core.lecture import SEVERITE_BLOQUANT as BLOQUANT

SEVERITES = (BLOQUANT, AVERTISSEMENT)

#: Columns that locate a faulty raw row in its delivery (cited in the details of a failure).
LOCALISATION_LIVRAISON = ("_fichier", "_ligne")
#: Columns that locate a faulty cell of the marts.
LOCALISATION_CELLULE = ("indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite")

#: Event dates that cannot lie after the extraction date. Not every dated column: an interview
#: can be planned ahead, a hiring (DPAE) is declared before it starts, a path can be scheduled.
#: For interviews, only those that took place (or were missed) are checked.
DATES_EVENEMENT: dict[str, tuple[str, str | None]] = {
    "inscriptions": ("date_inscription", None),
    "orientations": ("date_orientation", None),
    "diagnostics": ("date_diagnostic", None),
    "entretiens": ("date_entretien", 'statut in ["REALISE", "ABSENT"]'),
    "manquements": ("date_manquement", None),
    "controles": ("date_ouverture", None),
    "alertes_finalite": ("date_alerte", None),
}

#: Cross-field rules of the contract: (export, description, expectation, kwargs).
REGLES_CROISEES: tuple[tuple[str, str, str, str, dict], ...] = (
    ("controles", "sanction_renseignee", "Un contrôle d'issue SANCTION a un type de sanction",
     "ExpectColumnValuesToNotBeNull", {"column": "sanction", "row_condition": 'issue == "SANCTION"'}),
    ("controles", "sanction_taux_renseigne", "Un contrôle d'issue SANCTION a un taux de sanction",
     "ExpectColumnValuesToNotBeNull", {"column": "sanction_taux", "row_condition": 'issue == "SANCTION"'}),
    ("controles", "sanction_taux_30_100", "Le taux d'une sanction est compris entre 30 et 100",
     "ExpectColumnValuesToBeBetween",
     {"column": "sanction_taux", "min_value": 30, "max_value": 100, "row_condition": 'issue == "SANCTION"'}),
    ("entretiens", "duree_si_realise", "Un entretien REALISE a une durée",
     "ExpectColumnValuesToNotBeNull", {"column": "duree_minutes", "row_condition": 'statut == "REALISE"'}),
)


@dataclass
class Controle:
    """One check: a GX expectation (class name and arguments) with its severity, in French."""

    nom: str
    severite: str
    description: str
    expectation: str
    kwargs: dict = field(default_factory=dict)
    #: columns cited, for a few failing rows, in the details of a failure
    localisation: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.severite not in SEVERITES:
            raise ValueError(f"{self.nom}: sévérité inconnue {self.severite!r}")


def _colonnes_localisation(export: Export) -> tuple[str, ...]:
    return LOCALISATION_LIVRAISON + tuple(export.key or ())


def suite_livraison(export_name: str) -> list[Controle]:
    """The checks run on the rows of a delivery about to be merged, derived from the contract.

    Blocking: what ingestion is supposed to guarantee (required values, code lists, patterns,
    bounds) — a failure means a defect upstream, and the rows must not reach staging.
    Warnings: what a row-level check cannot see or what only makes a figure doubtful (a key
    twice in one file, dates out of order or after the extraction, cross-field rules).
    """
    export = EXPORTS[export_name]
    loc = _colonnes_localisation(export)
    out: list[Controle] = []
    for col in export.columns:
        c = col.name
        if col.required:
            out.append(Controle(f"{c}.obligatoire", BLOQUANT, f"« {c} » est renseigné (colonne obligatoire)",
                                "ExpectColumnValuesToNotBeNull", {"column": c}, loc))
        if col.codes and not col.multi_sep:
            out.append(Controle(f"{c}.liste_de_codes", BLOQUANT, f"« {c} » prend une valeur de la liste du contrat",
                                "ExpectColumnValuesToBeInSet", {"column": c, "value_set": list(col.codes)}, loc))
        if col.codes and col.multi_sep:
            codes = "|".join(col.codes)
            sep = "\\" + col.multi_sep
            out.append(Controle(f"{c}.liste_de_codes", BLOQUANT,
                                f"« {c} » : codes de la liste du contrat séparés par « {col.multi_sep} »",
                                "ExpectColumnValuesToMatchRegex",
                                {"column": c, "regex": f"^({codes})({sep}({codes}))*$"}, loc))
        if col.pattern:
            out.append(Controle(f"{c}.format", BLOQUANT, f"« {c} » respecte le format du contrat",
                                "ExpectColumnValuesToMatchRegex", {"column": c, "regex": col.pattern}, loc))
        if col.min_value is not None or col.max_value is not None:
            out.append(Controle(f"{c}.bornes", BLOQUANT,
                                f"« {c} » est dans les bornes du contrat [{col.min_value}, {col.max_value}]",
                                "ExpectColumnValuesToBeBetween",
                                {"column": c, "min_value": col.min_value, "max_value": col.max_value}, loc))
        if col.type == "date":
            out.append(Controle(f"{c}.date_plausible", AVERTISSEMENT,
                                f"« {c} » n'est pas antérieure au {MIN_PLAUSIBLE_DATE:%d/%m/%Y}",
                                "ExpectColumnValuesToBeBetween",
                                {"column": c, "min_value": datetime.combine(MIN_PLAUSIBLE_DATE, datetime.min.time())},
                                loc))
    if export.key:
        # Two rows of one key in one file: which one is current is then arbitrary.
        out.append(Controle("cle.unique_dans_le_fichier", AVERTISSEMENT,
                            f"La clé ({', '.join(export.key)}) est unique dans chaque fichier",
                            "ExpectCompoundColumnsToBeUnique",
                            {"column_list": [*export.key, "_id_chargement"]}, loc))
    if export_name in DATES_EVENEMENT:
        col, condition = DATES_EVENEMENT[export_name]
        kw = {"column_A": "_date_extraction", "column_B": col, "or_equal": True,
              "ignore_row_if": "either_value_is_missing"}
        if condition:
            kw["row_condition"] = condition
        out.append(Controle(f"{col}.pas_apres_extraction", AVERTISSEMENT,
                            f"« {col} » n'est pas postérieure à la date d'extraction du fichier"
                            + (" (entretiens réalisés ou manqués)" if condition else ""),
                            "ExpectColumnPairValuesAToBeGreaterThanB", kw, loc))
    for debut, fin in DATE_ORDER_RULES.get(export_name, ()):
        out.append(Controle(f"{fin}.apres_{debut}", AVERTISSEMENT, f"« {fin} » n'est pas antérieure à « {debut} »",
                            "ExpectColumnPairValuesAToBeGreaterThanB",
                            {"column_A": fin, "column_B": debut, "or_equal": True,
                             "ignore_row_if": "either_value_is_missing"}, loc))
    for exp, nom, description, expectation, kwargs in REGLES_CROISEES:
        if exp == export_name:
            out.append(Controle(nom, AVERTISSEMENT, description, expectation, dict(kwargs), loc))
    return out


# ---------------------------------------------------------------------------------------------
# Volumes of deliveries
# ---------------------------------------------------------------------------------------------

VOLUME_HISTORIQUE = 20  # files of history considered
VOLUME_HISTORIQUE_MIN = 5  # below this, no judgement
VOLUME_RATIO_MIN = 0.2
VOLUME_RATIO_MAX = 5.0
#: small files swing a lot in relative terms (4 rows instead of 1): below this gap, no flag
VOLUME_ECART_MIN = 50


def suite_volumes() -> list[Controle]:
    return [Controle(
        "volume.dans_la_plage", AVERTISSEMENT,
        f"Le nombre de lignes d'une livraison est entre {VOLUME_RATIO_MIN:.0%} et {VOLUME_RATIO_MAX:.0%} de la "
        f"médiane des {VOLUME_HISTORIQUE} livraisons précédentes du même export "
        f"(au moins {VOLUME_HISTORIQUE_MIN} ; écart d'au moins {VOLUME_ECART_MIN} lignes)",
        "ExpectColumnValuesToBeBetween",
        {"column": "ratio", "min_value": VOLUME_RATIO_MIN, "max_value": VOLUME_RATIO_MAX,
         "row_condition": f"ecart_absolu >= {VOLUME_ECART_MIN}"},
        ("fichier", "lignes_lues", "mediane_historique"),
    )]


def suite_schema() -> list[Controle]:
    """The raw tables have the contract's types (a drift would make every value suspect)."""
    return [Controle("schema.types_du_contrat", BLOQUANT,
                     "Chaque colonne de la couche brute a le type du contrat",
                     "ExpectColumnPairValuesToBeEqual",
                     {"column_A": "type_attendu", "column_B": "type_observe"}, ("export", "colonne"))]


# ---------------------------------------------------------------------------------------------
# Marts
# ---------------------------------------------------------------------------------------------

#: Month-over-month change beyond which a cell is listed for review (relative, both ways)
SAUT_TOLERANCE = 0.5
#: ... only for cells large enough for a relative change to mean something
SAUT_VALEUR_MIN = 100
#: Plausible band around a reference value: ± max(absolute, relative × reference)
REFERENCE_ECART_ABSOLU = 0.10
REFERENCE_ECART_RELATIF = 0.5
#: Not in the reference seed: most alerts of misuse of data are not confirmed (« faux positifs »).
FAUX_POSITIFS_MIN = 0.5


def suite_marts() -> dict[str, list[Controle]]:
    """Checks on ``marts.indicateurs`` and ``publication.indicateurs``, by frame they run on."""
    cel = LOCALISATION_CELLULE
    return {
        "taux": [
            Controle("taux.entre_0_et_1", BLOQUANT, "Un taux est compris entre 0 et 1",
                     "ExpectColumnValuesToBeBetween", {"column": "valeur", "min_value": 0, "max_value": 1}, cel),
            Controle("taux.numerateur_inferieur_denominateur", BLOQUANT,
                     "Le numérateur d'un taux ne dépasse pas son dénominateur",
                     "ExpectColumnPairValuesAToBeGreaterThanB",
                     {"column_A": "denominateur", "column_B": "numerateur", "or_equal": True,
                      "ignore_row_if": "either_value_is_missing"}, cel),
        ],
        "grille_a1": [
            Controle("grille.a1_sans_trou", AVERTISSEMENT,
                     "Demandeurs en fin de mois (A1) : une valeur pour chaque mois × région et département",
                     "ExpectColumnValuesToBeInSet", {"column": "present", "value_set": [True]},
                     ("niveau", "territoire", "periode")),
        ],
        "sauts": [
            Controle("sauts.variation_mensuelle", AVERTISSEMENT,
                     f"Variation d'un mois sur l'autre d'au plus {SAUT_TOLERANCE:.0%} (effectifs régionaux et "
                     f"départementaux d'au moins {SAUT_VALEUR_MIN}, ensemble)",
                     "ExpectColumnValuesToBeBetween",
                     {"column": "variation", "min_value": -SAUT_TOLERANCE, "max_value": SAUT_TOLERANCE},
                     ("indicateur", "niveau", "territoire", "periode", "valeur_precedente", "valeur")),
        ],
        "references": [
            Controle("references.bande_plausible", AVERTISSEMENT,
                     f"Valeurs de référence du contrat : moyenne observée à ± max({REFERENCE_ECART_ABSOLU:.0%}, "
                     f"{REFERENCE_ECART_RELATIF:.0%} de la référence)",
                     "ExpectColumnValuesToBeBetween", {"column": "ecart_normalise", "min_value": -1, "max_value": 1},
                     ("indicateur", "territoire", "modalite", "reference", "observe")),
            Controle("references.faux_positifs_eleves", AVERTISSEMENT,
                     f"Taux de faux positifs des alertes élevé (au moins {FAUX_POSITIFS_MIN:.0%}, moyenne nationale)",
                     "ExpectColumnValuesToBeBetween",
                     {"column": "observe", "min_value": FAUX_POSITIFS_MIN, "max_value": 1,
                      "row_condition": f'indicateur == "{E2}"'},
                     ("indicateur", "territoire", "observe")),
        ],
        "publication": [
            Controle("publication.memes_cellules", BLOQUANT,
                     "publication.indicateurs a autant de cellules que marts.indicateurs",
                     "ExpectColumnPairValuesToBeEqual", {"column_A": "lignes_marts", "column_B": "lignes_publication"},
                     ("lignes_marts", "lignes_publication")),
            Controle("publication.secret_sans_valeur", BLOQUANT,
                     "Une cellule secrète ne porte ni valeur, ni numérateur, ni dénominateur",
                     "ExpectColumnValuesToBeInSet", {"column": "valeur_divulguee", "value_set": [False]}, cel),
        ],
    }
