"""French formats and labels for the dashboards.

Pure functions, no Streamlit: every figure shown to a user goes through here, so that a number,
a ratio, a delay or a month reads the same on every page (and in the tests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pipelines.core.indicateurs import INDICATEURS

#: Thousands separator: narrow no-break space (French typography, never split across lines).
ESPACE_MILLIERS = "\u202f"
#: Space between a figure and its unit (%, j, pt): no-break space.
ESPACE_UNITE = "\u00a0"
#: What an absent value shows (en dash).
VIDE = "–"
#: Suffix of a provisional cell (its observation window is not over at the date d'arrêté).
MENTION_PROVISOIRE = " (provisoire)"

MOIS_ABREGES = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
MOIS_LONGS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

#: Code of each indicator in the contract (A1, B1, ...): users cite them in committees.
NUMEROS_INDICATEURS: dict[str, str] = INDICATEURS

#: What a secret cell shows (statistical confidentiality), as in the exports.
SECRET = "s"
#: The note shown under any table or chart of the published view.
NOTE_SECRET = (
    "« s » : donnée couverte par le secret statistique (moins de 11 personnes, masquée pour "
    "qu'elle ne puisse pas être retrouvée par différence, ou d'un tableau non diffusé parce que "
    "presque tout y serait secret : liste sur la page Méthodologie)."
)

#: Labels of the breakdowns (dimension names of the contract).
LIBELLES_DIMENSIONS: dict[str, str] = {
    "ensemble": "Ensemble",
    "categorie": "Catégorie",
    "sexe": "Sexe",
    "tranche_age": "Tranche d'âge",
    "niveau_formation": "Niveau de formation",
    "allocation": "Allocation",
    "rqth": "RQTH",
    "qpv": "Résident en QPV",
    "zrr": "Résident en ZRR",
    "anciennete": "Ancienneté d'inscription",
    "groupe_experimentation": "Groupe d'expérimentation",
    "canal_inscription": "Canal d'inscription",
    "motif_fin": "Motif de fin",
    "attente": "Durée d'attente",
    "operateur_retenu": "Opérateur retenu",
    "parcours_retenu": "Parcours retenu",
    "mode": "Mode d'orientation",
    "operateur_propose": "Opérateur proposé par l'algorithme",
    "parcours": "Parcours",
    "operateur": "Opérateur",
    "modalite": "Modalité d'accompagnement",
    "motif_reorientation": "Motif de réorientation",
    "origine": "Origine du contrôle",
    "procedure": "Procédure",
    "issue": "Issue",
    "type_manquement": "Type de manquement",
    "sanction": "Type de sanction",
    "duree": "Durée de la sanction",
    "type_entretien": "Type d'entretien",
    "modalite_contact": "Modalité de contact",
    "frein": "Frein périphérique",
    "situation": "Situation à risque",
    "examen": "Niveau d'examen",
    "campagne": "Campagne",
}

#: Labels of the modalities computed by the models (not in the exports' code lists).
LIBELLES_MODALITES_CALCULEES: dict[tuple[str, str], str] = {
    ("tranche_age", "moins_26"): "Moins de 26 ans",
    ("tranche_age", "26_49"): "26 à 49 ans",
    ("tranche_age", "50_plus"): "50 ans et plus",
    ("anciennete", "moins_3_mois"): "Moins de 3 mois",
    ("anciennete", "3_5_mois"): "3 à 5 mois",
    ("anciennete", "6_11_mois"): "6 à 11 mois",
    ("anciennete", "12_23_mois"): "12 à 23 mois",
    ("anciennete", "24_mois_plus"): "24 mois et plus",
    ("attente", "moins_30j"): "Moins de 30 jours",
    ("attente", "30_89j"): "30 à 89 jours",
    ("attente", "90j_plus"): "90 jours et plus",
    ("groupe_experimentation", "MSA_MODELE_1"): "MSA modèle 1",
    ("groupe_experimentation", "MSA_MODELE_2"): "MSA modèle 2",
    ("groupe_experimentation", "TEMOIN"): "Autres agences des mêmes régions (témoin)",
    ("groupe_experimentation", "HORS_PERIMETRE"): "Hors périmètre",
    ("parcours", "aucun"): "Aucun parcours",
    ("niveau_formation", "non_renseigne"): "Non renseigné",
    ("examen", "OBLIGATOIRE"): "Examen obligatoire",
    ("examen", "FACULTATIF"): "Examen facultatif",
    ("campagne", "FLUX"): "Alertes au fil de l'eau",
    ("ensemble", "ensemble"): "Ensemble",
    ("duree", "1"): "1 mois",
    ("duree", "2"): "2 mois",
    ("duree", "3_4"): "3 ou 4 mois",
    ("duree", "5_plus"): "5 mois et plus",
    ("duree", "non_renseignee"): "Durée non renseignée",
    ("sanction", "non_renseigne"): "Type non renseigné",
}
for _dim in ("rqth", "qpv", "zrr"):
    LIBELLES_MODALITES_CALCULEES[(_dim, "oui")] = "Oui"
    LIBELLES_MODALITES_CALCULEES[(_dim, "non")] = "Non"

#: Breakdowns named differently from the export column whose code list they use.
_COLONNE_DE_DIMENSION = {"parcours": "parcours", "operateur": "operateur", "frein": "freins"}


LIBELLES_NIVEAUX: dict[str, str] = {
    "NATIONAL": "National",
    "REGION": "Région",
    "DEPARTEMENT": "Département",
    "BASSIN": "Bassin d'emploi",
    "AGENCE": "Agence",
    "PLATEFORME": "Plateforme de contrôle",
}

LIBELLES_UNITES: dict[str, str] = {"nombre": "nombre", "taux": "%", "jours": "jours", "ratio": "moyenne"}


def est_vide(valeur: Any) -> bool:
    """None, NaN (pandas / polars nulls once converted) are absent values."""
    return valeur is None or (isinstance(valeur, float) and math.isnan(valeur))


def _separer_milliers(entier: str) -> str:
    groupes = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    return ESPACE_MILLIERS.join(groupes)


def format_nombre(valeur: Any, decimales: int = 0, signe: bool = False) -> str:
    """``12345.6`` → ``12 346``; ``decimales=1`` → ``12 345,6``; ``signe`` adds ``+`` to positives.

    The minus sign is the ASCII hyphen: Streamlit reads it to colour a metric's delta.
    """
    if est_vide(valeur):
        return VIDE
    texte = f"{abs(float(valeur)):.{decimales}f}"
    entier, _, fraction = texte.partition(".")
    resultat = _separer_milliers(entier) + ("," + fraction if fraction else "")
    est_zero = float(texte) == 0  # -0.04 rounded to 0 shows "0", not "-0"
    if valeur < 0 and not est_zero:
        return "-" + resultat
    if signe and not est_zero:
        return "+" + resultat
    return resultat


def _decimales_utiles(valeur: float, decimales: int) -> int:
    """Whole numbers show no decimals (``21 j``), others ``decimales`` (``21,5 j``)."""
    return 0 if float(valeur).is_integer() else decimales


def format_taux(valeur: Any, decimales: int = 1) -> str:
    """A ratio in [0, 1]: ``0.234`` → ``23,4 %``."""
    if est_vide(valeur):
        return VIDE
    return f"{format_nombre(float(valeur) * 100, decimales)}{ESPACE_UNITE}%"


def format_jours(valeur: Any, decimales: int = 1, signe: bool = False) -> str:
    """A delay in days: ``21`` → ``21 j``, ``21.5`` → ``21,5 j``."""
    if est_vide(valeur):
        return VIDE
    d = _decimales_utiles(valeur, decimales)
    return f"{format_nombre(valeur, d, signe=signe)}{ESPACE_UNITE}j"


def format_valeur(valeur: Any, unite: str | None) -> str:
    """Format a cell's ``valeur`` after its ``unite`` (``nombre``, ``taux``, ``jours``, ``ratio``:
    a mean, always one decimal: ``52,0``)."""
    if unite == "taux":
        return format_taux(valeur)
    if unite == "jours":
        return format_jours(valeur)
    if unite == "ratio":
        return format_nombre(valeur, 1)
    if est_vide(valeur):
        return VIDE
    return format_nombre(valeur, _decimales_utiles(valeur, 1))


def format_cellule(valeur: Any, unite: str | None, provisoire: bool | None, secret: bool | None = False) -> str:
    """A table cell: « s » when secret, else the formatted value followed by « (provisoire) »
    when it is. A provisional empty cell reads « – (provisoire) »: a median not reached yet may
    still come."""
    if secret:
        return SECRET
    texte = format_valeur(valeur, unite)
    return texte + MENTION_PROVISOIRE if provisoire else texte


def format_evolution(ecart: Any, unite: str | None) -> str:
    """A change between two months, signed: ``+1 234``, ``-3 j``, ``+1,2 pt`` (ratios)."""
    if est_vide(ecart):
        return VIDE
    if unite == "taux":
        return f"{format_nombre(float(ecart) * 100, 1, signe=True)}{ESPACE_UNITE}pt"
    if unite == "jours":
        return format_jours(ecart, signe=True)
    if unite == "ratio":
        return format_nombre(ecart, 1, signe=True)
    return format_nombre(ecart, _decimales_utiles(ecart, 1), signe=True)


def _en_date(mois: date | datetime | str) -> date:
    if isinstance(mois, datetime):
        return mois.date()
    if isinstance(mois, date):
        return mois
    return date.fromisoformat(str(mois)[:10])


def format_mois(mois: date | datetime | str | None) -> str:
    """``2025-01-01`` → ``janv. 2025``."""
    if mois is None:
        return VIDE
    d = _en_date(mois)
    return f"{MOIS_ABREGES[d.month - 1]} {d.year}"


def format_mois_long(mois: date | datetime | str | None) -> str:
    """``2025-01-01`` → ``janvier 2025``."""
    if mois is None:
        return VIDE
    d = _en_date(mois)
    return f"{MOIS_LONGS[d.month - 1]} {d.year}"


def format_date(jour: date | datetime | str | None) -> str:
    """``2025-03-05`` → ``5 mars 2025`` (``1er`` for the first of the month)."""
    if jour is None:
        return VIDE
    d = _en_date(jour)
    numero = "1er" if d.day == 1 else str(d.day)
    return f"{numero} {MOIS_LONGS[d.month - 1]} {d.year}"


def libelle_indicateur(code: str, dico: Mapping[str, Mapping] | None = None, avec_numero: bool = False) -> str:
    """French label of an indicator from the data dictionary (``data_metadonnees.dictionnaire``, by
    code); a code missing from it shows as itself (never a crash)."""
    fiche = (dico or {}).get(code) or {}
    libelle = fiche.get("libelle") or code
    numero = NUMEROS_INDICATEURS.get(code)
    return f"{numero} – {libelle}" if avec_numero and numero else libelle


def definition_indicateur(code: str, dico: Mapping[str, Mapping] | None = None) -> str:
    """The dictionary's definition of an indicator (empty when unknown)."""
    return ((dico or {}).get(code) or {}).get("definition") or ""


def libelle_dimension(dimension: str) -> str:
    return LIBELLES_DIMENSIONS.get(dimension, dimension)


def libelle_modalite(dimension: str, code: str | None, listes: Mapping[tuple[str, str], str] | None = None) -> str:
    """A modality's label: computed modalities here, else the exports' code lists
    (``data_metadonnees.libelles_modalites``, by column and code), else the code itself."""
    if code is None:
        return VIDE
    if (dimension, code) in LIBELLES_MODALITES_CALCULEES:
        return LIBELLES_MODALITES_CALCULEES[(dimension, code)]
    listes = listes or {}
    colonne = _COLONNE_DE_DIMENSION.get(dimension, dimension)
    for cle in ((colonne, code), (colonne.replace("_retenu", "_propose"), code)):
        if cle in listes:
            return listes[cle]
    return code


def libelle_niveau(niveau: str) -> str:
    return LIBELLES_NIVEAUX.get(niveau, niveau)


def libelle_territoire(niveau: str, code: str, libelle: str | None) -> str:
    """``Occitanie``, ``31 – Haute-Garonne`` (départements are known by their number)."""
    if niveau == "NATIONAL":
        return "France"
    if not libelle:
        return f"{libelle_niveau(niveau)} {code}"
    if niveau == "DEPARTEMENT":
        return f"{code} – {libelle}"
    return libelle


def explication_absence(unite: str | None, provisoire: bool, presente: bool) -> str:
    """Why a figure shows « – », in words (a median not reached is not a missing datum)."""
    if not presente:
        return "Pas de donnée pour ce territoire ce mois-ci."
    if unite == "jours" and provisoire:
        return (
            "Médiane pas encore atteinte : moins de la moitié de la cohorte a franchi l'étape à la "
            "date d'arrêté. Le chiffre apparaîtra à mesure que la fenêtre d'observation s'écoule."
        )
    if unite == "jours":
        return "Médiane non atteinte : moins de la moitié de la cohorte a franchi l'étape dans le délai."
    return "Pas de valeur ce mois-ci."


def parametres_metric(valeur: Any, precedente: Any, unite: str | None, sens: str = "neutre") -> dict:
    """Keyword arguments of ``st.metric``'s delta for a change from ``precedente`` to ``valeur``.

    ``sens``: ``hausse_favorable``, ``baisse_favorable`` (a delay) or ``neutre`` (a count of
    registrants: more is not good or bad in itself). No change shows no arrow.
    """
    if est_vide(valeur) or est_vide(precedente):
        return {"delta": None}
    ecart = float(valeur) - float(precedente)
    if format_evolution(ecart, unite).lstrip("+-") == format_evolution(0, unite):
        return {"delta": format_evolution(0, unite), "delta_color": "off", "delta_arrow": "off"}
    couleur = {"hausse_favorable": "normal", "baisse_favorable": "inverse"}.get(sens, "off")
    return {"delta": format_evolution(ecart, unite), "delta_color": couleur}
