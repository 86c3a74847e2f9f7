"""Ingestion of the inbox into the raw layer of the warehouse.

For each export folder ``<inbox>/<export>/``, files are taken in order (extraction date, sequence,
name). A file whose content hash (SHA-256 of its bytes) is already in the registry
``raw._fichiers`` is a no-op, whatever its name. Otherwise it is read (all values as strings),
its identifiers pseudonymised, its rows validated: valid rows go to ``raw.<export>``, faulty rows
to ``quarantine.lignes`` with their reasons, and the file gets one registry row with its counts
(rows read = rows loaded + rows quarantined, checked). A file that cannot be read at all is moved
to the quarantine folder with a ``.motif.txt`` and registered as ``REJETE``; the run goes on.

Speed: thousands of small daily files are accumulated into batches of about ``BATCH_ROWS`` rows,
validated in one vectorised pass and inserted in one transaction per batch (rows, quarantine and
registry rows of every file of the batch), so a crash never leaves a file half loaded. A large file
is loaded alone, slice by slice, in its own transaction (bounded memory).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from pipelines.core.contract import EXPORTS
from pipelines.core.files import sha256_file
from pipelines.core.warehouse import connect
from pipelines.ingestion.discovery import discover, export_folders
from pipelines.ingestion.reading import LIMITS, Limits
from pipelines.ingestion.report import ExportReport, IngestionReport
from pipelines.ingestion.run import OnFile, Run


def ingest_inbox(warehouse: Path, inbox: Path, key: bytes, *, exports: Iterable[str] | None = None,
                 quarantine_dir: Path | None = None, on_file: OnFile | None = None,
                 limits: Limits = LIMITS, config: dict[str, str] | None = None) -> IngestionReport:
    """Load every pending file of the inbox (or of the given exports) into the raw layer
    (``config``: DuckDB settings, ``Settings.duckdb_config``)."""
    t0 = time.perf_counter()
    inbox = Path(inbox)
    folders, ignored = export_folders(inbox, exports)
    report = IngestionReport(ignored=ignored)
    with connect(warehouse, config=config) as con:
        run = Run(con, inbox, key, quarantine_dir, on_file, limits)
        for folder in folders:
            er, ign = run.run_export(folder)
            report.exports.append(er)
            report.ignored.extend(ign)
        report.date_arrete = date_arrete(con)
    report.seconds = time.perf_counter() - t0
    return report


def ingest_export(warehouse: Path, inbox: Path, export: str, key: bytes, *,
                  quarantine_dir: Path | None = None, on_file: OnFile | None = None,
                  limits: Limits = LIMITS) -> ExportReport:
    """Load the pending files of one export (one Dagster asset per export calls this)."""
    if export not in EXPORTS:
        raise ValueError(f"export inconnu : {export}")
    with connect(warehouse) as con:
        report, _ = Run(con, Path(inbox), key, quarantine_dir, on_file, limits).run_export(export)
    return report


def pending_files(warehouse: Path, inbox: Path, export: str | None = None) -> list[Path]:
    """Files of the inbox whose content is not in the registry yet (what a run would process)."""
    inbox = Path(inbox)
    folders = [export] if export else export_folders(inbox, None)[0]
    known: set[str] = set()
    warehouse = Path(warehouse)
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            has = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = '_fichiers'"
            ).fetchone()[0]  # type: ignore[index]
            if has:
                known = {h for (h,) in con.execute(
                    "select hash_contenu from raw._fichiers where statut = 'CHARGE'").fetchall()}
    out: list[Path] = []
    for folder in folders:
        tasks, _ = discover(inbox, folder)
        out += [t.path for t in tasks if sha256_file(t.path) not in known]
    return out


def date_arrete(con: duckdb.DuckDBPyConnection) -> date | None:
    """Latest extraction date among the loaded files (``None`` before any load)."""
    has = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = '_fichiers'"
    ).fetchone()[0]  # type: ignore[index]
    if not has:
        return None
    return con.execute("select max(date_extraction) from raw._fichiers where statut = 'CHARGE'").fetchone()[0]  # type: ignore[index]


def current_state(con: duckdb.DuckDBPyConnection, export: str, *, include_deleted: bool = True) -> list[tuple]:
    """Current version of each record, as staging derives it (for tests: order independence).

    Latest ``date_maj``, then latest file (extraction date, sequence), then latest line. Rows are
    the contract's columns, sorted by key. Exports without a key (logs) return every row.
    """
    e = EXPORTS[export]
    cols = ", ".join(f'"{c}"' for c in e.column_names)
    if e.key is None:
        return con.execute(f"select {cols} from raw.{export} order by all").fetchall()
    key = ", ".join(f'"{k}"' for k in e.key)
    deleted = "" if include_deleted or "supprime" not in e.column_names else "and not supprime"
    return con.execute(
        f"""
        select {cols} from (
            select *, row_number() over (
                partition by {key}
                order by date_maj desc, _date_extraction desc, _sequence desc, _ligne desc, _fichier desc
            ) as __rang
            from raw.{export}
        ) where __rang = 1 {deleted}
        order by {key}
        """
    ).fetchall()
