"""Pure shapes of the Territoires page: territories sorted on their values, the map's cells and
polygons (no Streamlit, like ``dashboards.vues``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

import polars as pl

from dashboards import vues

#: Codes of the overseas départements (the map shows them in the table, see ``vues.figure_carte``).
PREFIXE_OUTRE_MER = "97"


ORDRES_TRI = {
    "valeur_decroissante": "Valeur décroissante",
    "valeur_croissante": "Valeur croissante",
    "territoire": "Code du territoire",
}


def trier_territoires(cellules: pl.DataFrame, indicateur: str, ordre: str = "valeur_decroissante") -> pl.DataFrame:
    """``cellules`` (one month, several territories) reordered by territory so that
    ``vues.tableau_territoires`` (which keeps the order of its input) lists them sorted by the
    value of ``indicateur``: secret and absent values last, then by code. The sort is on the
    numbers, the table shows them in French."""
    if ordre not in ORDRES_TRI:
        raise ValueError(f"Ordre de tri inconnu : {ordre!r}")
    if cellules.height == 0:
        return cellules
    cles = cellules.select("niveau", "territoire").unique(maintain_order=True)
    valeurs = cellules.filter(pl.col("indicateur") == indicateur).select(
        "niveau", "territoire",
        _v=pl.when(pl.col("secret").fill_null(False)).then(None).otherwise(pl.col("valeur")),
    ).unique(["niveau", "territoire"], keep="first", maintain_order=True)
    rang = cles.join(valeurs, on=["niveau", "territoire"], how="left", maintain_order="left")
    if ordre == "territoire":
        rang = rang.sort("territoire")
    else:
        rang = rang.sort(["_v", "territoire"], descending=[ordre == "valeur_decroissante", False],
                         nulls_last=True)
    rang = rang.with_row_index("_rang").select("niveau", "territoire", "_rang")
    return (
        cellules.join(rang, on=["niveau", "territoire"], how="left", maintain_order="left")
        .sort("_rang", maintain_order=True)
        .drop("_rang")
    )


def completer_carte(cellules: pl.DataFrame, departements: pl.DataFrame, mois: date, unite: str | None,
                    indicateur: str) -> pl.DataFrame:
    """The map's cells plus an empty one for each visible département without a cell (so it is
    drawn, grey, « – », rather than missing). ``departements``: ``code``, ``libelle``."""
    presents = set(cellules["territoire"].to_list()) if cellules.height else set()
    manquants = departements.filter(~pl.col("code").is_in(list(presents)))
    if manquants.height == 0:
        return cellules
    ajout = pl.DataFrame({
        "indicateur": [indicateur] * manquants.height,
        "periode": [mois] * manquants.height,
        "niveau": ["DEPARTEMENT"] * manquants.height,
        "territoire": manquants["code"].to_list(),
        "libelle": manquants["libelle"].to_list(),
        "dimension": ["ensemble"] * manquants.height,
        "modalite": ["ensemble"] * manquants.height,
        "numerateur": [None] * manquants.height,
        "denominateur": [None] * manquants.height,
        "valeur": [None] * manquants.height,
        "unite": [unite] * manquants.height,
        "provisoire": [False] * manquants.height,
        "secret": [False] * manquants.height,
    }, schema_overrides={"numerateur": pl.Float64, "denominateur": pl.Float64, "valeur": pl.Float64,
                         "periode": pl.Date})
    if cellules.height == 0:
        return ajout
    return pl.concat([cellules, ajout.select(cellules.columns)], how="vertical_relaxed")


def geojson_restreint(geojson: Mapping, codes: Sequence[str]) -> dict:
    """Only the features of ``codes`` (the browser receives the départements it draws, not the
    whole country's 1 MB of polygons)."""
    voulus = set(codes)
    return {
        **{k: v for k, v in geojson.items() if k != "features"},
        "features": [f for f in geojson.get("features", []) if f["properties"]["code_departement"] in voulus],
    }


@lru_cache(maxsize=2)
def charger_geojson(chemin: str) -> dict:
    """The départements' polygons (read once per process: the file does not change)."""
    with open(chemin, encoding="utf-8") as f:
        return json.load(f)


LIBELLES_NIVEAUX_PLURIEL = {
    "REGION": "Régions",
    "DEPARTEMENT": "Départements",
    "BASSIN": "Bassins d'emploi",
    "AGENCE": "Agences",
}


def indicateurs_du_dictionnaire(dico: Mapping[str, Mapping]) -> list[str]:
    """Indicator codes of the dictionary in the contract's order (A1 … E4)."""
    return sorted(dico, key=lambda code: vues.cle_numero((dico[code] or {}).get("numero")))
