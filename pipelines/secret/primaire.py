"""Primary secret: the contract's rules, cell by cell (``indicators.md``, « Statistical disclosure
control »). A count in [1, seuil − 1]; a ratio whose denominator is below the threshold or whose
numerator is in [1, seuil − 1]; a median whose population is below the threshold; a mean
(``ratio``) whose denominator is below the threshold. The threshold
never goes below 11 for the D and E families, nor for a code the contract does not list."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.core.indicateurs import famille
from pipelines.core.settings import SEUIL_SECRET_MIN

#: Families whose threshold never goes below ``SEUIL_SECRET_MIN`` (control, misuse of data).
FAMILLES_SEUIL_PLANCHER = {"D", "E"}
UNITES = {"nombre", "taux", "jours", "ratio"}
MOTIFS_PRIMAIRES = {"primaire_effectif", "primaire_denominateur", "primaire_numerateur", "primaire_population"}


def verifier_seuil(seuil: int) -> None:
    if isinstance(seuil, bool) or not isinstance(seuil, (int, np.integer)) or seuil < 1:
        raise ValueError(f"Seuil de secret statistique invalide : {seuil!r} (entier au moins égal à 1 attendu).")


def seuil_effectif(indicateur: str, seuil: int) -> int:
    """The threshold applied to an indicator: at least 11 for D and E, and for unknown codes
    (a new indicator gets the strict threshold until the contract lists it)."""
    verifier_seuil(seuil)
    fam = famille(indicateur)
    if fam is None or fam in FAMILLES_SEUIL_PLANCHER:
        return max(seuil, SEUIL_SECRET_MIN)
    return seuil


def motifs_primaires(cells: pl.DataFrame, seuil: int) -> pl.Series:
    """The primary motif of each cell (null when the cell is not primary-secret)."""
    inconnues = set(cells.get_column("unite").unique().to_list()) - UNITES
    if inconnues:
        raise ValueError(f"Unité inconnue du contrat dans les cellules : {sorted(map(str, inconnues))}.")
    codes = cells.get_column("indicateur").unique().to_list()
    seuils = pl.DataFrame(
        {"indicateur": codes, "_seuil": [seuil_effectif(c, seuil) for c in codes]},
        schema={"indicateur": cells.schema["indicateur"], "_seuil": pl.Int64},
    )
    s = cells.select("indicateur", "unite", "numerateur", "denominateur", "valeur").join(
        seuils, on="indicateur", how="left", maintain_order="left"
    )
    val = pl.col("valeur").fill_null(0)
    num = pl.col("numerateur").fill_null(0)
    den = pl.col("denominateur").fill_null(0)
    seuil_c = pl.col("_seuil")
    motif = (
        pl.when((pl.col("unite") == "nombre") & (val >= 1) & (val <= seuil_c - 1)).then(pl.lit("primaire_effectif"))
        .when((pl.col("unite") == "taux") & (den < seuil_c)).then(pl.lit("primaire_denominateur"))
        .when((pl.col("unite") == "taux") & (num >= 1) & (num <= seuil_c - 1)).then(pl.lit("primaire_numerateur"))
        .when((pl.col("unite") == "jours") & (den < seuil_c)).then(pl.lit("primaire_population"))
        # a mean's numerator (minutes, accompaniments) is not a count of people: its denominator only
        .when((pl.col("unite") == "ratio") & (den < seuil_c)).then(pl.lit("primaire_denominateur"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return s.select(motif.alias("motif_secret")).get_column("motif_secret")
