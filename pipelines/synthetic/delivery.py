"""From record versions to daily delivery files in the inbox layout of the contract.

A version dated ``date_maj`` is extracted the following night: it goes to the file of extraction
date ``date_maj + 1 day`` (the first extraction, on ``start``, carries the state of everything
older: the initial load). When a record changes twice between two extractions, only its last
state is extracted. Files are appended chunk after chunk (header written when a file is created),
so memory does not grow with the number of people.

Formats (the contract allows csv, csv.gz and parquet):

- ``emplois`` is delivered as ``csv.gz``, ``alertes_finalite`` as Parquet. Neither can be
  appended to, so both are first written as plain CSV in ``<out>/_staging/`` and converted when
  the generation ends (gzip without timestamp, so that the bytes are reproducible).
  ``consultations`` is Parquet too, written whole day by day by ``consultations.py`` (no key, no
  versions: it does not go through this writer).
- ``orientations`` files put their columns in a shuffled order on one day out of five;
  ``diagnostics`` files start with a UTF-8 BOM on one day out of seven (both allowed by the
  contract).
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.core import contract as C
from pipelines.synthetic.referentiel import day_number
from pipelines.synthetic.simulation import DAY, NONE

EPOCH = date(1970, 1, 1)
FORMATS = {"emplois": "csv.gz", "alertes_finalite": "parquet", "consultations": "parquet"}
SHUFFLED_COLUMNS_EXPORT = "orientations"
BOM_EXPORT = "diagnostics"
STAGING = "_staging"


def day_to_date(d: int) -> date:
    return EPOCH + timedelta(days=int(d))


def to_frame(export: str, cols: dict[str, np.ndarray]) -> pl.DataFrame:
    """Typed frame of versions (contract columns) plus ``_ts`` (date_maj in seconds)."""
    e = C.EXPORTS[export]
    data = {}
    for c in e.columns:
        a = cols[c.name]
        if c.type == "string":
            data[c.name] = pl.Series(c.name, a.astype(str) if a.dtype != object else a, dtype=pl.String)
        elif c.type == "decimal":
            data[c.name] = pl.Series(c.name, a.astype(np.float64))
        else:
            data[c.name] = pl.Series(c.name, a.astype(np.int64))
    df = pl.DataFrame(data)
    exprs = []
    for c in e.columns:
        col = pl.col(c.name)
        if c.name == "date_maj":
            exprs += [col.alias("_ts"), (col * 1_000_000).cast(pl.Datetime("us")).alias(c.name)]
        elif c.type == "date":
            exprs.append(pl.when(col >= NONE).then(None).otherwise(col).cast(pl.Int32).cast(pl.Date).alias(c.name))
        elif c.type == "integer":
            exprs.append(pl.when(col >= NONE).then(None).otherwise(col).alias(c.name))
        elif c.type == "decimal":
            exprs.append(col.fill_nan(None).alias(c.name))
        elif c.type == "boolean":
            exprs.append(col.cast(pl.Int8).alias(c.name))
        elif c.type == "string":
            exprs.append(pl.when(col == "").then(None).otherwise(col).alias(c.name))
    return df.with_columns(exprs)


def extractions(df: pl.DataFrame, export: str, start: date, end: date) -> pl.DataFrame:
    """Assign each version its extraction day (``_ext``); drop unknown-yet versions; one state a day."""
    key = C.EXPORTS[export].key[0]
    S, E = day_number(start), day_number(end)
    df = df.with_columns(pl.max_horizontal(pl.col("_ts") // DAY + 1, pl.lit(S)).alias("_ext"))
    df = df.filter(pl.col("_ext") <= E + 1)
    df = df.sort([key, "_ts"]).unique(subset=[key, "_ext"], keep="last", maintain_order=True)
    df = df.with_columns((pl.col("_ext") < pl.col("_ext").max().over(key)).alias("_later"))
    return df.sort(["_ext", "_ts", key])


@dataclass
class BadRow:
    export: str
    column: str
    value: str
    kind: str
    reason: str


#: Bad rows planted in the first chunk: each a garbled copy of a real line, inserted after it.
BAD_ROWS = (
    BadRow("inscriptions", "categorie", "Z", "code_inconnu", "code inconnu"),
    BadRow("inscriptions", "id_personne", "", "valeur_manquante", "valeur obligatoire manquante"),
    BadRow("orientations", "date_orientation", "2024-02-30", "date_impossible", "date impossible"),
    BadRow("diagnostics", "freins", "MOBILITE|ARGENT", "code_inconnu", "code inconnu"),
    BadRow("entretiens", "statut", "FAIT", "code_inconnu", "code inconnu"),
    BadRow("accompagnements", "code_agence", "", "valeur_manquante", "valeur obligatoire manquante"),
    BadRow("emplois", "nature_contrat", "99", "code_inconnu", "code inconnu"),
    BadRow("manquements", "date_manquement", "2025-02-29", "date_impossible", "date impossible"),
    BadRow("controles", "origine", "HASARD", "code_inconnu", "code inconnu"),
    BadRow("controles", "date_ouverture", "2024-13-01", "date_impossible", "date impossible"),
)


@dataclass
class DeliveryWriter:
    out: Path
    start: date
    end: date
    seed: int
    late_export: str = "inscriptions"
    rows: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (export, ext day, seq) -> data rows
    bad_rows: list[dict] = field(default_factory=list)
    late_rows: int = 0

    def __post_init__(self):
        S, E = day_number(self.start), day_number(self.end)
        self.late_day = S + 1 + (E - S) // 2

    # -- names and layout ------------------------------------------------------------------

    def fmt(self, export: str) -> str:
        return FORMATS.get(export, "csv")

    def final_path(self, export: str, ext_day: int, seq: int) -> Path:
        return self.out / export / C.delivery_name(export, day_to_date(ext_day), seq, self.fmt(export))

    def write_path(self, export: str, ext_day: int, seq: int) -> Path:
        if self.fmt(export) == "csv":
            return self.final_path(export, ext_day, seq)
        return self.out / STAGING / export / C.delivery_name(export, day_to_date(ext_day), seq, "csv")

    def column_order(self, export: str, ext_day: int) -> list[str]:
        cols = list(C.EXPORTS[export].column_names)
        if export == SHUFFLED_COLUMNS_EXPORT and ext_day % 5 == 0:
            perm = np.random.default_rng([self.seed, ext_day, 5]).permutation(len(cols))
            cols = [cols[i] for i in perm]
        return cols

    # -- writing a chunk ---------------------------------------------------------------------

    def write(self, export: str, df: pl.DataFrame, chunk: int) -> None:
        if df.height == 0:
            return
        contract_cols = list(C.EXPORTS[export].column_names)
        text = df.select(contract_cols).write_csv(
            None, include_header=False, separator=C.CSV_SEPARATOR,
            date_format=C.DATE_FORMAT, datetime_format=C.TIMESTAMP_FORMAT,
        )
        lines = text.splitlines(keepends=True)
        ext = df["_ext"].to_numpy()
        later = df["_later"].to_numpy()
        cuts = np.flatnonzero(np.diff(ext)) + 1
        bounds = np.concatenate([[0], cuts, [len(ext)]])
        plan = self._bad_plan(export, ext, chunk)
        for a, b in zip(bounds[:-1], bounds[1:]):
            d = int(ext[a])
            order = self.column_order(export, d)
            group = lines[a:b]
            if order != contract_cols:
                pos = [contract_cols.index(c) for c in order]
                group = [";".join(f[i] for i in pos) + "\n" for f in (ln.rstrip("\n").split(";") for ln in group)]
            seq_of = np.zeros(b - a, dtype=np.int64)
            if export == self.late_export and d == self.late_day:
                seq_of = later[a:b].astype(np.int64)  # superseded versions: the late file (sequence 1)
                self.late_rows += int(seq_of.sum())
            for seq in np.unique(seq_of):
                sel = [group[i] for i in np.flatnonzero(seq_of == seq)]
                bad_here = [(i, br) for i, br in plan.get(d, []) if seq == 0 and i < len(sel)]
                self._append(export, d, int(seq), order, sel, bad_here)

    def _bad_plan(self, export: str, ext: np.ndarray, chunk: int) -> dict[int, list]:
        """Which lines of this chunk get a garbled copy (first chunk only, CSV exports only)."""
        if chunk != 0:
            return {}
        todo = [br for br in BAD_ROWS if br.export == export]
        if not todo or self.fmt(export) == "parquet":
            return {}
        rng = np.random.default_rng([self.seed, 77, C.CORE_EXPORTS.index(export)])
        days = np.unique(ext[(ext > day_number(self.start)) & (ext != self.late_day)])
        if len(days) == 0:
            return {}
        plan: dict[int, list] = {}
        for br in todo:
            d = int(days[rng.integers(0, len(days))])
            count = int((ext == d).sum())
            i = int(rng.integers(0, count))
            if all(j != i for j, _ in plan.get(d, [])):
                plan.setdefault(d, []).append((i, br))
        return plan

    def _append(self, export, d, seq, order, lines, bad_here) -> None:
        path = self.write_path(export, d, seq)
        k = (export, d, seq)
        new = k not in self.rows
        already = self.rows.get(k, 0)
        out_lines = list(lines)
        # insert garbled copies (highest index first so earlier indexes stay valid)
        for i, br in sorted(bad_here, key=lambda t: -t[0]):
            fields = out_lines[i].rstrip("\n").split(";")
            fields[order.index(br.column)] = br.value
            out_lines.insert(i + 1, ";".join(fields) + "\n")
        # line numbers (header = line 1) once every insertion is done
        inserted = sorted(bad_here, key=lambda t: t[0])
        for rank, (i, br) in enumerate(inserted):
            line = 1 + already + i + 1 + rank + 1  # header, earlier rows, original, earlier insertions
            self.bad_rows.append({
                "export": export,
                "fichier": self.final_path(export, d, seq).relative_to(self.out).as_posix(),
                "ligne": line, "colonne": br.column, "valeur": br.value, "type": br.kind, "motif": br.reason,
            })
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8", newline="") as fh:
            if new:
                bom = "\ufeff" if export == BOM_EXPORT and d % 7 == 0 else ""
                fh.write(bom + C.CSV_SEPARATOR.join(order) + "\n")
            fh.write("".join(out_lines))
        self.rows[k] = already + len(out_lines)

    # -- end of generation ---------------------------------------------------------------------

    def finalize(self) -> None:
        """Convert staged files (csv.gz, Parquet) and remove the staging area."""
        for (export, d, seq) in sorted(self.rows):
            fmt = self.fmt(export)
            if fmt == "csv":
                continue
            src, dst = self.write_path(export, d, seq), self.final_path(export, d, seq)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "csv.gz":
                with open(src, "rb") as fin, open(dst, "wb") as raw:
                    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
                        shutil.copyfileobj(fin, gz)
            else:
                typed_csv_to_parquet(export, src, dst)
        shutil.rmtree(self.out / STAGING, ignore_errors=True)

    def files(self, export: str) -> list[tuple[int, int]]:
        return sorted((d, s) for (e, d, s) in self.rows if e == export)


def typed_csv_to_parquet(export: str, src: Path, dst: Path) -> None:
    e = C.EXPORTS[export]
    df = pl.read_csv(src, separator=C.CSV_SEPARATOR, infer_schema=False)
    exprs = []
    for c in e.columns:
        col = pl.col(c.name)
        if c.type == "date":
            exprs.append(col.str.to_date(C.DATE_FORMAT))
        elif c.type == "timestamp":
            exprs.append(col.str.to_datetime(C.TIMESTAMP_FORMAT, time_unit="us"))
        elif c.type == "integer":
            exprs.append(col.cast(pl.Int64))
        elif c.type == "decimal":
            exprs.append(col.cast(pl.Float64))
        elif c.type == "boolean":
            exprs.append(col == "1")
        else:
            exprs.append(col)
    df.select(exprs).write_parquet(dst, compression="zstd", statistics=True)
