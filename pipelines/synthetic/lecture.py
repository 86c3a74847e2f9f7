"""Read a synthetic inbox back (for tests, calibration checks and the documentation figures).

This is not the ingestion: no pseudonymisation, no quarantine table. It reads every delivery of
an export as text, with its file and line, and can apply the contract's "latest version wins"
rule, leaving out the bad rows recorded in ``_generation.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipelines.core import contract as C
from pipelines.synthetic.generator import SUMMARY_FILE


def summary(out: Path) -> dict:
    return json.loads((Path(out) / SUMMARY_FILE).read_text(encoding="utf-8"))


def delivery_files(out: Path, export: str) -> list[Path]:
    folder = Path(out) / export
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if not p.name.startswith(("_", "."))]
    return sorted(files, key=lambda p: (C.parse_delivery_name(p.name).date_extraction,
                                        C.parse_delivery_name(p.name).sequence))


def read_file(path: Path) -> pl.DataFrame:
    """One delivery as text columns, plus ``_fichier`` (name), ``_ligne`` (header = 1), extraction, sequence."""
    dn = C.parse_delivery_name(path.name)
    if dn.extension == "parquet":
        df = pl.read_parquet(path)
        df = df.with_columns(
            [pl.col(c).dt.strftime(C.TIMESTAMP_FORMAT) if df[c].dtype == pl.Datetime else
             pl.col(c).dt.strftime(C.DATE_FORMAT) if df[c].dtype == pl.Date else
             pl.col(c).cast(pl.Int8).cast(pl.String) if df[c].dtype == pl.Boolean else
             pl.col(c).cast(pl.String) for c in df.columns]
        )
    else:
        df = pl.read_csv(path, separator=C.CSV_SEPARATOR, infer_schema=False, encoding="utf8")
        df = df.rename({c: c.lstrip("\ufeff") for c in df.columns})
    return df.with_columns(
        pl.lit(f"{dn.export}/{path.name}").alias("_fichier"),
        (pl.int_range(pl.len()) + 2).alias("_ligne"),
        pl.lit(dn.date_extraction).alias("_date_extraction"),
        pl.lit(dn.sequence).alias("_sequence"),
    )


def read_export(out: Path, export: str, *, drop_bad_rows: bool = True) -> pl.DataFrame:
    """Every row delivered for ``export`` (all versions), text columns, in delivery order."""
    frames = [read_file(p) for p in delivery_files(out, export)]
    if not frames:
        return pl.DataFrame()
    df = pl.concat(frames, how="diagonal")
    return without_bad_rows(out, export, df) if drop_bad_rows else df


def without_bad_rows(out: Path, export: str, df: pl.DataFrame) -> pl.DataFrame:
    """Leave out the garbled rows declared in ``_generation.json``."""
    bad = [(b["fichier"], b["ligne"]) for b in summary(out)["lignes_invalides"] if b["export"] == export]
    if not bad:
        return df
    bad_df = pl.DataFrame({"_fichier": [b[0] for b in bad], "_ligne": [b[1] for b in bad]},
                          schema={"_fichier": pl.String, "_ligne": pl.Int64})
    return df.join(bad_df, on=["_fichier", "_ligne"], how="anti")


def current(out: Path, export: str) -> pl.DataFrame:
    """Current records: latest ``date_maj`` per key (then latest file), tombstones removed."""
    return latest(read_export(out, export), export)


def latest(df: pl.DataFrame, export: str) -> pl.DataFrame:
    """Latest version per key of delivered rows (bad rows already left out), tombstones removed."""
    if df.height == 0:
        return df
    key = C.EXPORTS[export].key[0]
    df = df.sort([key, "date_maj", "_date_extraction", "_sequence"]).unique(key, keep="last", maintain_order=True)
    return df.filter(pl.col("supprime") == "0").drop("_fichier", "_ligne", "_date_extraction", "_sequence")
