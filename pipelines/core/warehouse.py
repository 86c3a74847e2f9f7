"""DuckDB warehouse: connections and the layout of the raw layer.

DuckDB allows one writer per file across processes, and a read-only connection cannot sit next to
a read-write one in the same process: open a connection, use it, close it (``with connect(...)``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.core.contract import EXPORTS, Export
from pipelines.core.files import copy_file
from pipelines.core.settings import Settings

#: Technical columns added to every raw table (after the contract's columns).
RAW_META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_id_chargement", "BIGINT"),  # the load (row of raw._fichiers) that brought the row
    ("_fichier", "VARCHAR"),  # file name, relative to the inbox
    ("_ligne", "BIGINT"),  # line in the file (CSV: the header is line 1) or row number (Parquet)
    ("_date_extraction", "DATE"),  # from the file name
    ("_sequence", "INTEGER"),  # from the file name (0 when absent)
)
#: Raw column of earlier versions that kept the columns out of the contract as received (names,
#: NIR and e-mails were found in it): dropped, with what it held, from any warehouse opened.
_COLONNE_RETIREE = "_colonnes_extra"


@contextmanager
def connect(path: Path | str, read_only: bool = False, config: dict[str, str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """``config``: DuckDB settings (``Settings.duckdb_config`` in a build: memory limit, threads,
    temp directory)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # fetchall, not fetchone: DuckDB keeps a partly fetched result open on the connection.
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


# ------------------------------------------------------------------------------------------------
# One build at a time, on a private work copy
# ------------------------------------------------------------------------------------------------


class BuildError(RuntimeError):
    """A build step failed; the message (in French) says which step and where."""

    def __init__(self, step: str, message: str):
        super().__init__(f"Échec de l'étape « {step} » : {message}")
        self.step = step


class BuildLocked(BuildError):
    pass


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """One build at a time per warehouse: a second one refuses at once, with a clear message."""
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    lock_path = settings.work_dir / "build.lock"
    fh = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(
                "verrou",
                f"une autre construction de {settings.warehouse} est en cours (verrou {lock_path}) ; "
                "réessayez quand elle sera terminée.",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def prepare_work_warehouse(settings: Settings) -> Path:
    """The build's private copy, the internal warehouse: it keeps the raw layer between builds and
    is never published (the published file holds no person-level row, ``pipelines.versions``).
    If it is missing (first build, or a wiped work dir) the build starts empty and ingests the
    whole inbox; but a published file of earlier versions, the whole warehouse, is its start."""
    work = settings.work_warehouse
    if not work.exists() and settings.warehouse.exists() and entrepot_entier(settings.warehouse):
        copy_file(settings.warehouse, work)
    work.parent.mkdir(parents=True, exist_ok=True)
    return work


def entrepot_entier(path: Path) -> bool:
    """Whether a DuckDB file holds the raw layer: a whole warehouse (as published before the
    publication file existed), not a publication file."""
    with connect(path, read_only=True) as con:
        return table_exists(con, "raw", "_fichiers")


# ------------------------------------------------------------------------------------------------
# The raw layer
# ------------------------------------------------------------------------------------------------


def raw_table_ddl(export: Export) -> str:
    cols = [f'"{c.name}" {c.duckdb_type}' for c in export.columns]
    cols += [f'"{n}" {t}' for n, t in RAW_META_COLUMNS]
    return f"create table if not exists raw.{export.name} (\n    " + ",\n    ".join(cols) + "\n)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and quarantine schemas and tables if absent (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists quarantine")
    for export in EXPORTS.values():
        con.execute(raw_table_ddl(export))
        con.execute(f'alter table raw.{export.name} drop column if exists "{_COLONNE_RETIREE}"')
    con.execute(
        """
        create table if not exists raw._fichiers (
            id_chargement bigint primary key,
            export varchar not null,
            fichier varchar not null,          -- path relative to the inbox
            hash_contenu varchar not null,     -- SHA-256 of the file's bytes
            date_extraction date,
            sequence integer,
            format varchar,
            lignes_lues bigint not null,
            lignes_chargees bigint not null,
            lignes_quarantaine bigint not null,
            statut varchar not null,           -- CHARGE, REJETE
            motif varchar,                     -- reason of a whole-file rejection
            charge_le timestamp not null,
            colonnes_ignorees varchar          -- delivered columns out of the contract, not stored
        )
        """
    )
    # last, as on a registry created before the column existed
    con.execute("alter table raw._fichiers add column if not exists colonnes_ignorees varchar")
    con.execute(
        """
        create table if not exists quarantine.lignes (
            id_chargement bigint not null,
            export varchar not null,
            fichier varchar not null,
            ligne bigint not null,
            colonne varchar,                   -- first faulty column (null: the whole line)
            motif varchar not null,            -- every fault of the line, in French
            contenu json                       -- the line as received, identifiers pseudonymised
        )
        """
    )
