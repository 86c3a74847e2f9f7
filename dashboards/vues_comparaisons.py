"""Display pieces of the comparisons (Synthèse, « Comparaisons »): similar territories, the same
month a year before, 12-month values.

Pure functions, like ``dashboards.vues``: frames of cells (or of territories' sizes) in, frames,
texts or Plotly figures out, testable without Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards import vues
from pipelines.core import formats as fmt

#: How many similar territories are proposed by default.
NOMBRE_SIMILAIRES = 5

#: Why a territory is proposed, as the page says it; beyond half as many or half as many more
#: registrants the page says the gap instead (a small level may hold no territory of that size).
RAISON_SIMILAIRE = "effectif inscrit comparable"
RAISON_PLUS_PROCHE = "parmi les plus proches en taille, effectif inscrit nettement {sens}"
RAPPORT_COMPARABLE = 1.5

LECTURE_SIMILAIRES = (
    "Territoires similaires : les territoires du même niveau les plus proches par l'effectif inscrit (demandeurs "
    "en fin de mois, A1, du dernier mois définitif) et par le nombre d'agences, écarts mesurés en proportion "
    "(sur les logarithmes) : 10 % d'inscrits en plus pèsent autant pour un petit territoire que pour un grand. "
    "Hors de votre périmètre, seuls les chiffres publiés (après secret statistique) sont lus."
)

LECTURE_12_MOIS = (
    "Chaque point réunit les 12 mois qui finissent au mois indiqué : somme des 12 mois pour un nombre (entrées, "
    "contrôles…), taux calculé sur les personnes des 12 mois réunies (numérateurs et dénominateurs additionnés, "
    "pas une moyenne des taux mensuels), médiane des personnes des 12 mois réunies pour un délai. Ce sont les "
    "valeurs que la publication calcule elle-même, secret statistique compris. Un effectif compté à une date "
    "(demandeurs en fin de mois, stocks) n'en a pas."
)

#: What one 12-month value is, by unit.
_DOUZE_MOIS_PAR_UNITE = {
    "nombre": "somme des 12 mois",
    "taux": "taux sur les personnes des 12 mois réunies (numérateurs et dénominateurs additionnés)",
    "jours": "médiane des personnes des 12 mois réunies",
    "ratio": "moyenne sur les 12 mois réunis",
}

LECTURE_SANS_PARENT = ("Un nombre ne se compare qu'entre territoires de taille voisine : le territoire parent n'est pas "
                       "tracé.")

SANS_ANNEE_PRECEDENTE = "Pas de valeur un an plus tôt pour ces mois (les données commencent après, ou elles sont secrètes)."

LECTURE_ANNEE_PRECEDENTE = (
    "Tirets de la couleur du territoire : sa valeur du même mois un an plus tôt (N−1), placée sous le mois "
    "comparé."
)


# ---------------------------------------------------------------------------------------------
# Similar territories


def territoires_similaires(tailles: pl.DataFrame, code: str, k: int = NOMBRE_SIMILAIRES) -> pl.DataFrame:
    """The ``k`` territories of ``tailles`` nearest in size to ``code``, nearest first (ties: code).

    ``tailles``: one row per territory of the level (``code, libelle, effectif, agences``),
    ``effectif`` its registered people at the end of the reference month (A1; null when absent
    or secret), ``agences`` its agencies in the referential. The distance is Euclidean on the
    logarithms of both sizes: a relative gap, so that 10 % more registrants weigh the same for a
    small territory as for a large one, and both sizes count alike. A territory without both
    sizes is left out; so is everything when ``code`` has none. Columns: ``code, libelle,
    effectif, agences, distance, ecart_effectif`` (relative gap of the registrants), ``raison``.
    """
    schema = {"code": pl.String, "libelle": pl.String, "effectif": pl.Float64, "agences": pl.Int64,
              "distance": pl.Float64, "ecart_effectif": pl.Float64, "raison": pl.String}
    valides = tailles.filter((pl.col("effectif") > 0) & (pl.col("agences") > 0))
    soi = valides.filter(pl.col("code") == code)
    if soi.height == 0:
        return pl.DataFrame(schema=schema)
    e0, a0 = float(soi["effectif"][0]), int(soi["agences"][0])
    lignes = []
    for r in valides.filter(pl.col("code") != code).to_dicts():
        e, a = float(r["effectif"]), int(r["agences"])
        distance = math.hypot(math.log(e / e0), math.log(a / a0))
        ecart = e / e0 - 1
        proche = 1 / RAPPORT_COMPARABLE <= e / e0 <= RAPPORT_COMPARABLE
        raison = RAISON_SIMILAIRE if proche else RAISON_PLUS_PROCHE.format(sens="plus élevé" if e > e0 else "plus faible")
        lignes.append({"code": r["code"], "libelle": r.get("libelle"), "effectif": e, "agences": a,
                       "distance": distance, "ecart_effectif": ecart, "raison": raison})
    lignes.sort(key=lambda r: (r["distance"], r["code"]))
    return pl.DataFrame(lignes[:k], schema=schema)


def tailles_territoires(territoires: pl.DataFrame, effectifs: pl.DataFrame) -> pl.DataFrame:
    """``code, libelle, effectif, agences``: the referential's territories of a level
    (``data_territoires.territoires_du_niveau``) with their registrants (A1 cells of one month;
    a secret cell gives no size)."""
    connus = effectifs.filter(~pl.col("secret").fill_null(False)).select(
        pl.col("territoire").alias("code"), pl.col("valeur").alias("effectif"))
    return territoires.join(connus, on="code", how="left").select("code", "libelle", "effectif", "agences")


def tableau_similaires(similaires: pl.DataFrame, niveau: str, mois: date, libelle_effectif: str,
                       effectif: float | None = None, agences: int | None = None) -> pl.DataFrame:
    """The similar territories as the page lists them: their sizes, the gap of registrants with
    the chosen territory (``effectif``, ``agences``: its own, in the headers) and why."""
    de_soi = f", contre {fmt.format_nombre(effectif)}" if effectif is not None else ""
    colonnes = (vues.COLONNE_TERRITOIRE, f"{libelle_effectif} ({fmt.format_mois(mois)}{de_soi})", "Écart d'inscrits",
                "Agences" + (f" (contre {agences})" if agences is not None else ""), "Pourquoi")
    lignes = [[fmt.libelle_territoire(niveau, r["code"], r["libelle"]), fmt.format_nombre(r["effectif"]),
               f"{fmt.format_nombre(r['ecart_effectif'] * 100, signe=True)}{fmt.ESPACE_UNITE}%",
               fmt.format_nombre(r["agences"]), r["raison"]] for r in similaires.to_dicts()]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


# ---------------------------------------------------------------------------------------------
# 12-month values


def a_des_valeurs_sur_12_mois(indicateur: str, dico: Mapping | None) -> bool:
    """Whether the publication has 12-month values of the indicator (the dictionary's period
    types); a stock has none. An indicator the dictionary does not know is tried."""
    fiche = (dico or {}).get(indicateur)
    if not fiche or not fiche.get("types_periode"):
        return True
    types = fiche["types_periode"]
    return "cumul_12_mois" in (types if isinstance(types, (list, tuple)) else str(types).split(", "))


def type_periode(sur_12_mois: bool, indicateur: str, dico: Mapping | None) -> str:
    """The cells a comparison reads: the publication's 12-month values when asked and the
    indicator has them, else the months (a stock asked over 12 months: the page says why)."""
    return "cumul_12_mois" if sur_12_mois and a_des_valeurs_sur_12_mois(indicateur, dico) else "mois"


def texte_sans_12_mois(libelle: str) -> str:
    return (f"« {libelle} » est compté à une date (un stock ou une part d'un stock) : il n'a pas de valeur sur "
            "12 mois glissants. Les valeurs mensuelles sont affichées.")


def lecture_12_mois(unite: str | None) -> str:
    """What one point of a 12-month series is, for this unit."""
    quoi = _DOUZE_MOIS_PAR_UNITE.get(unite or "", "valeur des 12 mois réunis")
    return f"Valeurs sur 12 mois glissants : chaque point réunit les 12 mois qui finissent au mois indiqué ({quoi})."


# ---------------------------------------------------------------------------------------------
# The same month a year before


def ajouter_annee_precedente(fig: go.Figure, serie: pl.DataFrame, mois: list[date], nom: str) -> go.Figure:
    """A dashed line, in the chosen territory's colour, of its value 12 months before each of
    ``mois`` (``serie``: its cells, reaching 12 months before the first of them). A secret or
    absent month is a gap; no line at all when no month has a value a year before."""
    par_mois = {c["periode"]: c for c in serie.to_dicts()}
    avant = [par_mois.get(vues.mois_decale(m, 12)) for m in mois]
    y = [None if c is None or c.get("secret") else c["valeur"] for c in avant]
    if all(v is None for v in y):
        return fig
    nom_n1 = f"{nom}, un an plus tôt"
    textes = [
        f"<b>{nom_n1}</b><br>{fmt.format_mois_long(vues.mois_decale(m, 12))} : "
        + (fmt.VIDE if c is None else vues.texte_cellule(c)) for m, c in zip(mois, avant)
    ]
    fig.add_trace(go.Scatter(
        x=mois, y=y, mode="lines+markers", name=nom_n1, text=textes, hovertemplate="%{text}<extra></extra>",
        line={"color": vues.PALETTE[0], "width": 1.8, "dash": "dash"},
        marker={"color": vues.PALETTE[0], "size": 5, "symbol": "diamond"},
    ))
    return fig


def tableau_comparaison(series: pl.DataFrame, annee_precedente: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per month (chronological), one column per territory in the order of ``series``
    (« s » secret, « – » absent, « (provisoire) »), and, with ``annee_precedente`` (the first
    territory's cells), the same month a year before."""
    groupes = series.select("niveau", "territoire", "libelle").unique(maintain_order=True).to_dicts()
    noms = [fmt.libelle_territoire(g["niveau"], g["territoire"], g["libelle"]) for g in groupes]
    mois = sorted(series["periode"].unique().to_list())
    valeurs = {(c["niveau"], c["territoire"], c["periode"]): vues.texte_cellule(c) for c in series.to_dicts()}
    colonnes = ["Mois", *noms]
    lignes = [[fmt.format_mois(m)] + [valeurs.get((g["niveau"], g["territoire"], m), fmt.VIDE) for g in groupes]
              for m in mois]
    if annee_precedente is not None and groupes:
        avant = {c["periode"]: vues.texte_cellule(c) for c in annee_precedente.to_dicts()}
        colonnes.append(f"{noms[0]}, un an plus tôt")
        for ligne, m in zip(lignes, mois):
            ligne.append(avant.get(vues.mois_decale(m, 12), fmt.VIDE))
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")
