"""Hand-made consistent tables for the disclosure-control tests: leaf counts per agency (and
breakdown) summed to every level, written to a DuckDB file as ``marts.indicateurs``, the
hierarchy as ``intermediate.int_territoires__agences``, and a published view from a secret mask."""

from __future__ import annotations

from datetime import date
from itertools import product
from pathlib import Path

import duckdb
import polars as pl

COLONNES = ["indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite",
            "numerateur", "denominateur", "valeur", "unite", "provisoire"]
NIVEAUX = {"AGENCE": "code_agence", "BASSIN": "code_bassin", "DEPARTEMENT": "code_departement",
           "REGION": "code_region", "NATIONAL": "_fr"}


def hierarchie(agences: dict[str, tuple[str, str, str]]) -> pl.DataFrame:
    """{agency: (bassin, département, région)}."""
    return pl.DataFrame({
        "code_agence": list(agences), "code_bassin": [b for b, _, _ in agences.values()],
        "code_departement": [d for _, d, _ in agences.values()], "code_region": [r for _, _, r in agences.values()],
    })


def comptes(indicateur: str, periode: date, feuilles: dict[tuple, int], hier: pl.DataFrame,
            dimensions: list[str]) -> pl.DataFrame:
    """Count cells of ``indicateur`` at every level and breakdown from leaf counts
    {(agency, modality of each dimension…): count}; every combination of the modalities seen is
    a cell (zeros included, as the marts write them)."""
    lignes = [{"code_agence": k[0], **{d: k[1 + i] for i, d in enumerate(dimensions)}, "n": v} for k, v in feuilles.items()]
    f = pl.DataFrame(lignes).join(hier, on="code_agence").with_columns(pl.lit("FR").alias("_fr"))
    modalites = {d: sorted(set(f[d].to_list())) for d in dimensions}
    parts = []
    for niveau, col in NIVEAUX.items():
        territoires = f.select(col).unique()
        for dim in ["ensemble", *dimensions]:
            if dim == "ensemble":
                g = f.group_by(col).agg(pl.col("n").sum()).with_columns(pl.lit("ensemble").alias("modalite"))
                g = territoires.join(g, on=col, how="left")
            else:
                grille = territoires.join(pl.DataFrame({"modalite": modalites[dim]}), how="cross")
                g = grille.join(f.group_by(col, dim).agg(pl.col("n").sum()).rename({dim: "modalite"}),
                                on=[col, "modalite"], how="left")
            parts.append(g.select(pl.lit(niveau).alias("niveau"), pl.col(col).alias("territoire"),
                                  pl.lit(dim).alias("dimension"), "modalite", pl.col("n").fill_null(0).cast(pl.Float64)))
    a = pl.concat(parts)
    return a.select(
        pl.lit(indicateur).alias("indicateur"), pl.lit(periode).alias("periode"), pl.lit("mois").alias("type_periode"),
        "niveau", "territoire", "dimension", "modalite", pl.col("n").alias("numerateur"),
        pl.lit(None, pl.Float64).alias("denominateur"), pl.col("n").alias("valeur"), pl.lit("nombre").alias("unite"),
        pl.lit(False).alias("provisoire"),
    )


def taux(indicateur: str, periode: date, feuilles: dict[tuple, tuple[int, int]], hier: pl.DataFrame,
         dimensions: list[str]) -> pl.DataFrame:
    """Rate cells from leaf (numerator, denominator); a cell whose denominator is 0 is absent."""
    num = comptes(indicateur, periode, {k: n for k, (n, _) in feuilles.items()}, hier, dimensions)
    den = comptes(indicateur, periode, {k: d for k, (_, d) in feuilles.items()}, hier, dimensions)
    cle = ["niveau", "territoire", "dimension", "modalite"]
    t = num.select(*cle, pl.col("valeur").alias("n")).join(den.select(*cle, pl.col("valeur").alias("d")), on=cle)
    return t.filter(pl.col("d") > 0).select(
        pl.lit(indicateur).alias("indicateur"), pl.lit(periode).alias("periode"), pl.lit("mois").alias("type_periode"),
        *cle, pl.col("n").alias("numerateur"), pl.col("d").alias("denominateur"), (pl.col("n") / pl.col("d")).alias("valeur"),
        pl.lit("taux").alias("unite"), pl.lit(False).alias("provisoire"),
    )


def entrepot(chemin: Path, cells: pl.DataFrame, hier: pl.DataFrame, publiee: pl.DataFrame | None = None) -> Path:
    """A warehouse with ``marts.indicateurs``, the hierarchy and, when given, the published view
    (cells with ``secret`` and, when it has one, ``motif_secret``; secret values are nulled here)."""
    con = duckdb.connect(str(chemin))
    try:
        for schema in ("marts", "intermediate", "publication"):
            con.execute(f"create schema if not exists {schema}")
        con.register("c", cells.select(COLONNES).to_arrow())
        con.execute("create or replace table marts.indicateurs as select * from c")
        con.register("h", hier.to_arrow())
        con.execute("create or replace table intermediate.int_territoires__agences as select * from h")
        if publiee is not None:
            p = publiee.with_columns(
                *(pl.when(pl.col("secret")).then(None).otherwise(pl.col(x)).alias(x) for x in ("numerateur", "denominateur", "valeur")))
            motif = ["motif_secret"] if "motif_secret" in p.columns else []
            con.register("p", p.select(*COLONNES, "secret", *motif).to_arrow())
            con.execute("create or replace table publication.indicateurs as select * from p")
    finally:
        con.close()
    return chemin


def grille(agences: list[str], modalites: list[str]) -> list[tuple[str, str]]:
    return list(product(agences, modalites))
