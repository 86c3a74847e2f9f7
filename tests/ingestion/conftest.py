"""Helpers to build tiny inboxes by hand, from the contract's columns."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.core import contract
from pipelines.core.contract import EXPORTS
from pipelines.ingestion import pseudonymise

KEY = b"cle-de-test-ingestion"


def pseudo(value: str) -> str:
    """What the warehouse stores for the identifier ``value`` (every ``id_*`` is pseudonymised)."""
    return pseudonymise(value, KEY)

_PATTERN_VALUES = {
    contract.PATTERN_AGENCE: "13001",
    contract.PATTERN_COMMUNE: "75056",
    contract.PATTERN_HEURE: "09:00",
    contract.PATTERN_JOURS: "1,2,3,4,5",
    contract.PATTERN_CAMPAGNE: "2024-V1",
    contract.PATTERN_ETABLISSEMENT: "76",
}


def all_text_values(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every value of every VARCHAR/JSON column of every table of the warehouse."""
    cols = con.execute(
        """select table_schema, table_name, column_name from information_schema.columns
           where data_type in ('VARCHAR', 'JSON')"""
    ).fetchall()
    out: set[str] = set()
    for schema, table, col in cols:
        for (v,) in con.execute(f'select distinct cast("{col}" as varchar) from {schema}."{table}"').fetchall():
            if v is not None:
                out.add(v)
    return out


def valid_row(export: str, n: int = 1, **overrides) -> dict[str, str | None]:
    """A valid row of ``export`` (every column filled), values as in a CSV; ``n`` varies the ids."""
    row: dict[str, str | None] = {}
    for c in EXPORTS[export].columns:
        if c.codes:
            v = c.codes[0]
        elif c.pattern:
            v = _PATTERN_VALUES[c.pattern]
        elif c.type == "string":
            v = f"{c.name.upper()}-{n}"
        elif c.type == "date":
            v = "2024-01-15"
        elif c.type == "timestamp":
            v = "2024-01-20T10:00:00"
        elif c.type == "integer":
            v = str(int(c.min_value) if c.min_value is not None else 3)
            if c.name == "annee_naissance":
                v = "1985"
        elif c.type == "decimal":
            v = "0.5"
        elif c.type == "boolean":
            v = "0"
        else:  # pragma: no cover
            raise AssertionError(c.type)
        row[c.name] = v
    row.update(overrides)
    return row


def csv_text(rows: list[dict], columns: list[str] | None = None, sep: str = ";", eol: str = "\n") -> str:
    columns = columns or list(rows[0])
    lines = [sep.join(columns)]
    for r in rows:
        lines.append(sep.join("" if r.get(c) is None else str(r[c]) for c in columns))
    return eol.join(lines) + eol


class Inbox:
    def __init__(self, root: Path):
        self.root = root

    def path(self, export: str, name: str) -> Path:
        p = self.root / export / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def write_csv(self, export: str, day: date, rows: list[dict], *, seq: int = 0, columns=None,
                  sep=";", eol="\n", bom=False, encoding="utf-8", gz=False, name: str | None = None) -> Path:
        ext = "csv.gz" if gz else "csv"
        name = name or contract.delivery_name(export, day, seq, ext)
        text = csv_text(rows, columns or list(EXPORTS[export].column_names) if rows or columns else None, sep, eol) \
            if rows else sep.join(columns or EXPORTS[export].column_names) + eol
        data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
        if gz:
            data = gzip.compress(data)
        p = self.path(export, name)
        p.write_bytes(data)
        return p

    def write_bytes(self, export: str, name: str, data: bytes) -> Path:
        p = self.path(export, name)
        p.write_bytes(data)
        return p

    def write_parquet(self, export: str, day: date, rows: list[dict], *, seq: int = 0, typed: bool = False) -> Path:
        df = pl.DataFrame(rows, schema={c: pl.String for c in rows[0]})
        if typed:  # as a producer writing native Parquet types would
            casts = []
            for c in EXPORTS[export].columns:
                if c.name not in df.columns:
                    continue
                col = pl.col(c.name)
                if c.type == "date":
                    casts.append(col.str.to_date("%Y-%m-%d"))
                elif c.type == "timestamp":
                    casts.append(col.str.to_datetime("%Y-%m-%dT%H:%M:%S"))
                elif c.type == "integer":
                    casts.append(col.cast(pl.Int64))
                elif c.type == "decimal":
                    casts.append(col.cast(pl.Float64))
                elif c.type == "boolean":
                    casts.append(col == "1")
            df = df.with_columns(casts)
        p = self.path(export, contract.delivery_name(export, day, seq, "parquet"))
        df.write_parquet(p)
        return p


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(tmp_path / "inbox")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "socle.duckdb"
