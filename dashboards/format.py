"""French formats and labels for the dashboards.

Pure functions, no Streamlit: every figure shown to a user goes through here, so that a number,
a ratio, a delay or a month reads the same on every page (and in the tests).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from pipelines.indicateurs import INDICATEURS

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

# Indicator codes of the contract (docs: /work/shared/contract/indicators.md), with their number.
A1 = "demandeurs_fin_de_mois"
B1 = "delai_inscription_diagnostic_median"

#: Code of each indicator in the contract (A1, B1, ...): users cite them in committees.
NUMEROS_INDICATEURS: dict[str, str] = INDICATEURS

LIBELLES_INDICATEURS: dict[str, str] = {
    A1: "Demandeurs d'emploi en fin de mois",
    "entrees": "Entrées (inscriptions du mois)",
    "sorties": "Sorties (fins d'inscription du mois)",
    B1: "Délai médian entre l'inscription et le diagnostic",
    "taux_diagnostic_30j": "Part des inscrits diagnostiqués sous 30 jours",
    "en_attente_diagnostic": "Inscrits en attente de diagnostic",
    "orientations_initiales": "Orientations initiales",
    "repartition_orientation": "Répartition des orientations",
    "taux_ecart_algorithme": "Part des orientations s'écartant de la proposition de l'algorithme",
    "taux_contrat_engagement_1_mois": "Part des contrats d'engagement signés sous 1 mois",
    "taux_entree_parcours_15j": "Part des entrées en parcours sous 15 jours après le diagnostic",
    "en_attente_parcours": "Diagnostiqués en attente d'entrée en parcours",
    "accompagnements_en_cours": "Accompagnements en cours",
    "part_accompagnement_intensif": "Part des accompagnements intensifs (15 h ou plus)",
    "reorientations": "Réorientations",
    "taux_retour_emploi_6m": "Taux de retour à l'emploi à 6 mois",
    "taux_retour_emploi_durable_6m": "Taux de retour à l'emploi durable à 6 mois",
    "controles_decides": "Contrôles de la recherche d'emploi décidés",
    "taux_sanction_cre": "Part des contrôles aboutissant à une sanction",
    "delai_controle_median": "Délai médian de traitement d'un contrôle",
    "taux_sanction_manquements": "Part des manquements sanctionnés",
    "alertes": "Alertes de détournement de finalité",
    "taux_faux_positifs": "Part des alertes non avérées",
    "taux_examen_alertes": "Part des alertes examinées",
    "delai_traitement_alerte_median": "Délai médian de traitement d'une alerte",
}

#: Short methodological definition shown under each indicator (the contract, in French).
DEFINITIONS_INDICATEURS: dict[str, str] = {
    A1: (
        "Nombre de personnes distinctes dont un épisode d'inscription est ouvert le dernier jour "
        "du mois (inscrites au plus tard ce jour-là, sans fin d'inscription ou avec une fin "
        "postérieure). Les épisodes clos pour doublon (motif 14) sont exclus."
    ),
    B1: (
        "Cohorte : épisodes d'inscription commencés dans le mois. Délai en jours calendaires "
        "entre l'inscription et le premier diagnostic initial ; sans diagnostic dans les 90 jours, "
        "le délai compte comme infini, et les épisodes clos sans diagnostic dans les 90 jours "
        "sortent de la population. Médiane : le plus petit délai atteint par au moins la moitié "
        "de la cohorte (vide si moins de la moitié a été diagnostiquée). Provisoire tant que les "
        "90 jours suivant la fin du mois ne sont pas écoulés à la date d'arrêté."
    ),
}

LIBELLES_NIVEAUX: dict[str, str] = {
    "NATIONAL": "National",
    "REGION": "Région",
    "DEPARTEMENT": "Département",
    "BASSIN": "Bassin d'emploi",
    "AGENCE": "Agence",
}

LIBELLES_UNITES: dict[str, str] = {"nombre": "nombre", "taux": "%", "jours": "jours"}


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
    """Format a cell's ``valeur`` after its ``unite`` (``nombre``, ``taux``, ``jours``)."""
    if unite == "taux":
        return format_taux(valeur)
    if unite == "jours":
        return format_jours(valeur)
    if est_vide(valeur):
        return VIDE
    return format_nombre(valeur, _decimales_utiles(valeur, 1))


def format_cellule(valeur: Any, unite: str | None, provisoire: bool | None) -> str:
    """A table cell: the formatted value, followed by « (provisoire) » when it is.

    A provisional empty cell reads « – (provisoire) »: a median not reached yet may still come.
    """
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


def libelle_indicateur(code: str, avec_numero: bool = False) -> str:
    """French label of an indicator; an unknown code shows as itself (never a crash)."""
    libelle = LIBELLES_INDICATEURS.get(code, code)
    numero = NUMEROS_INDICATEURS.get(code)
    return f"{numero} – {libelle}" if avec_numero and numero else libelle


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
