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

import hashlib
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.contract import EXPORTS, PSEUDONYMISED_COLUMNS, DeliveryName, Export, parse_delivery_name
from pipelines.core.files import sha256_file
from pipelines.core.warehouse import connect, ensure_raw_schema
from pipelines.ingestion.pseudonymisation import Pseudonymiser
from pipelines.ingestion.reading import (
    IDX,
    LIGNE,
    LIMITS,
    NB_ATTENDU,
    NB_CHAMPS,
    FileRejected,
    FrameUnit,
    Limits,
    LinesUnit,
    Unit,
    is_small,
    iter_units,
    lines_to_frame,
)
from pipelines.ingestion.report import CHARGE, DEJA_CHARGE, REJETE, ExportReport, FileResult, IngestionReport
from pipelines.ingestion.validation import COLONNE, DATE_EXTRACTION, MOTIF, SENSIBLE, validate

#: A batch of small files is written once it holds this many rows.
BATCH_ROWS = 200_000
DEFAULT_QUARANTINE = "_quarantaine"

ID = "__socle_id_chargement"
FICHIER = "__socle_fichier"
SEQUENCE = "__socle_sequence"

OnFile = Callable[[FileResult], None]

_RAGGED_CONTENT = (
    '{"_avertissement":"nombre de champs incorrect : champs non alignés sur l\'en-tête, '
    'contenu non conservé (voir la ligne dans le fichier source)"}'
)
_SENSITIVE_CONTENT = (
    '{"_avertissement":"donnée personnelle interdite dans la ligne : contenu non conservé '
    '(voir la ligne dans le fichier source)"}'
)
#: Characters of one field kept in the quarantine content: enough to see the fault, not a
#: second copy of a 40 MB field.
QUARANTINE_FIELD_CHARS = 200


# ------------------------------------------------------------------------------------------------
# Discovery
# ------------------------------------------------------------------------------------------------


@dataclass
class _Task:
    folder: str  # the export folder the file lies in
    path: Path
    rel: str  # path relative to the inbox, with '/'
    name: DeliveryName | None
    name_error: str | None

    @property
    def sort_key(self):
        if self.name is None:
            return (date.min, -1, self.path.name)
        return (self.name.date_extraction, self.name.sequence, self.path.name)


_LIEN_REFUSE = "lien symbolique refusé (jamais suivi) : déposez le fichier lui-même"


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def _discover(inbox: Path, folder: str) -> tuple[list[_Task], list[tuple[str, str]]]:
    tasks: list[_Task] = []
    ignored: list[tuple[str, str]] = []
    root = inbox / folder
    if root.is_symlink():
        return tasks, [(folder, _LIEN_REFUSE)]
    if not root.is_dir():
        return tasks, ignored
    for p in root.iterdir():
        if _hidden(p.name):
            continue
        rel = f"{folder}/{p.name}"
        if p.is_symlink():
            # never followed: a link can point anywhere on the machine (a system file was read)
            ignored.append((rel, _LIEN_REFUSE))
            continue
        if p.is_dir():
            ignored.append((rel, "sous-dossier ignoré"))
            continue
        if not p.is_file():
            ignored.append((rel, "pas un fichier ordinaire (tube, périphérique…) : ignoré"))
            continue
        try:
            name = parse_delivery_name(p.name)
        except ValueError as exc:
            tasks.append(_Task(folder, p, rel, None, str(exc)))
            continue
        if name.export != folder:
            tasks.append(
                _Task(folder, p, rel, name,
                      f"{p.name} : fichier de l'export {name.export!r} déposé dans le dossier {folder!r}")
            )
            continue
        tasks.append(_Task(folder, p, rel, name, None))
    tasks.sort(key=lambda t: t.sort_key)
    return tasks, ignored


# ------------------------------------------------------------------------------------------------
# Batches
# ------------------------------------------------------------------------------------------------


@dataclass
class _Load:
    task: _Task
    result: FileResult
    units: list[Unit]


@dataclass
class _Move:
    """A rejected file to move to the quarantine folder once its registry row is committed."""

    src: Path
    dest: Path
    note: str


@dataclass
class _Batch:
    export: Export
    results: list[FileResult] = field(default_factory=list)  # every file, in order
    loads: list[_Load] = field(default_factory=list)
    registry: list[dict] = field(default_factory=list)  # rows of raw._fichiers for rejections
    moves: list[_Move] = field(default_factory=list)  # rejected files, moved once registered
    rows: int = 0


def hors_contrat(export: Export, header: tuple[str, ...]) -> tuple[str, ...]:
    """Delivered columns that the contract does not know: read, never stored (names only)."""
    known = set(export.column_names)
    return tuple(h for h in header if h not in known)


def _to_contract(export: Export, header: tuple[str, ...], f: pl.DataFrame) -> pl.DataFrame:
    """Columns of one header group onto the contract's columns (absent optional ones = null);
    columns out of the contract are left behind here, before anything is written."""
    cols = []
    for c in export.columns:
        if c.name in header:
            e = pl.when(pl.col(c.name) != "").then(pl.col(c.name))  # empty field = null
        else:
            e = pl.lit(None, pl.String)
        cols.append(e.cast(pl.String).alias(c.name))
    return f.select(
        *cols,
        pl.col(IDX).cast(pl.Int64),
        pl.col(LIGNE).cast(pl.Int64),
        pl.col(NB_CHAMPS).cast(pl.Int64),
        pl.lit(len(header), pl.Int64).alias(NB_ATTENDU),
    )


def _string_frame(export: Export, parts: list[tuple[int, Unit]]) -> pl.DataFrame:
    groups: dict[tuple[str, ...], list[tuple[int, LinesUnit]]] = defaultdict(list)
    frames: list[pl.DataFrame] = []
    for idx, u in parts:
        if isinstance(u, LinesUnit):
            groups[u.header].append((idx, u))
        else:
            assert isinstance(u, FrameUnit)
            frames.append(_to_contract(export, u.header, u.frame.with_columns(pl.lit(idx, pl.Int64).alias(IDX))))
    for header, ps in groups.items():
        frames.append(_to_contract(export, header, lines_to_frame(header, ps)))
    return pl.concat(frames, how="vertical")


def _prepare(export: Export, sf: pl.DataFrame, meta: pl.DataFrame, pseudo: Pseudonymiser) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pseudonymise, attach file metadata, validate. Returns (raw rows, quarantine rows)."""
    sf = sf.join(meta, on=IDX, how="left")
    # Identifiers are replaced before anything else reads them: no raw value goes further.
    sf = sf.with_columns(
        pseudo.series(sf.get_column(c)) for c in export.column_names if c in PSEUDONYMISED_COLUMNS
    )
    good, bad = validate(sf, export)
    raw = good.select(
        *export.column_names,
        pl.col(ID).alias("_id_chargement"),
        pl.col(FICHIER).alias("_fichier"),
        pl.col(LIGNE).alias("_ligne"),
        pl.col(DATE_EXTRACTION).alias("_date_extraction"),
        pl.col(SEQUENCE).cast(pl.Int32).alias("_sequence"),
        pl.col(IDX),
    )
    content = pl.struct(
        pl.when(pl.col(c).str.len_chars() > QUARANTINE_FIELD_CHARS)
        .then(pl.format("{}… [tronqué : {} caractères]", pl.col(c).str.slice(0, QUARANTINE_FIELD_CHARS),
                        pl.col(c).str.len_chars()))
        .otherwise(pl.col(c))
        .alias(c)
        for c in export.column_names
    ).struct.json_encode()
    quarantine = bad.select(
        pl.col(ID).alias("id_chargement"),
        pl.lit(export.name).alias("export"),
        pl.col(FICHIER).alias("fichier"),
        pl.col(LIGNE).alias("ligne"),
        pl.col(COLONNE).alias("colonne"),
        pl.col(MOTIF).alias("motif"),
        pl.when(pl.col(NB_CHAMPS) != pl.col(NB_ATTENDU)).then(pl.lit(_RAGGED_CONTENT))
        .when(pl.col(SENSIBLE)).then(pl.lit(_SENSITIVE_CONTENT))
        .otherwise(content).alias("contenu"),
        pl.col(IDX),
    )
    return raw, quarantine


def _counts(df: pl.DataFrame) -> dict[int, int]:
    if df.height == 0:
        return {}
    return dict(df.group_by(IDX).len().iter_rows())


def _meta_frame(loads: list[tuple[int, _Load]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            IDX: [i for i, _ in loads],
            ID: [ld.result.load_id for _, ld in loads],
            FICHIER: [ld.result.file for _, ld in loads],
            DATE_EXTRACTION: [ld.task.name.date_extraction for _, ld in loads],  # type: ignore[union-attr]
            SEQUENCE: [ld.task.name.sequence for _, ld in loads],  # type: ignore[union-attr]
        },
        schema={IDX: pl.Int64, ID: pl.Int64, FICHIER: pl.String, DATE_EXTRACTION: pl.Date, SEQUENCE: pl.Int64},
    )


# ------------------------------------------------------------------------------------------------
# One run (one connection)
# ------------------------------------------------------------------------------------------------


class _Run:
    def __init__(self, con: duckdb.DuckDBPyConnection, inbox: Path, key: bytes,
                 quarantine_dir: Path | None, on_file: OnFile | None, limits: Limits = LIMITS):
        if not key:
            raise ValueError("clé de pseudonymisation absente ou vide")
        self.con = con
        self.inbox = Path(inbox)
        self.pseudo = Pseudonymiser(key)  # the key itself is not kept on the run
        self.quarantine_dir = Path(quarantine_dir) if quarantine_dir else self.inbox / DEFAULT_QUARANTINE
        self.on_file = on_file
        self.limits = limits  # caps on one file: decompressed size, ratio, line length
        # Before anything is written: another key would give the same people new pseudonyms.
        self.pseudo.verifier_cle(con)
        ensure_raw_schema(con)
        #: content hash -> (file, statut) from the registry, or the result of this run
        self.registered: dict[str, tuple[str, str] | FileResult] = {
            h: (f, s) for h, f, s in con.execute("select hash_contenu, fichier, statut from raw._fichiers").fetchall()
        }
        self.next_id: int = con.execute("select coalesce(max(id_chargement), 0) + 1 from raw._fichiers").fetchone()[0]  # type: ignore[index]

    def _new_id(self) -> int:
        i = self.next_id
        self.next_id += 1
        return i

    # -- per export ------------------------------------------------------------------------------

    def run_export(self, folder: str) -> tuple[ExportReport, list[tuple[str, str]]]:
        t0 = time.perf_counter()
        export = EXPORTS[folder]
        report = ExportReport(folder)
        tasks, ignored = _discover(self.inbox, folder)
        batch = _Batch(export)

        def emit(results: list[FileResult]) -> None:
            report.files.extend(results)
            if self.on_file:
                for r in results:
                    self.on_file(r)

        for task in tasks:
            ext = task.name.extension if task.name else ""
            small = task.name_error is not None or is_small(task.path, ext)
            data = task.path.read_bytes() if small else None
            digest = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(task.path)
            earlier = self.registered.get(digest)
            rel, status = (earlier if isinstance(earlier, tuple) else (earlier.file, earlier.status)) if earlier else ("", "")
            # Only a load makes a content "already done": a file rejected (for its name, its
            # header…) and sent again must be read again, or its rows would be lost.
            if status == CHARGE:
                batch.results.append(FileResult(folder, task.rel, DEJA_CHARGE, content_hash=digest,
                                                reason=f"contenu identique à {rel} (déjà chargé)"))
                continue
            if task.name_error:
                result = self._reject(task, digest, task.name_error, batch.registry, batch.moves)
                batch.results.append(result)
                self.registered[digest] = result  # the same content again in this run: no-op
                continue
            if not small:
                # a large file is loaded alone: write what is pending first, keep the order
                emit(self._flush(batch))
                result = self._load_large(export, task, digest)
                self.registered[digest] = result
                emit([result])
                continue
            try:
                units = list(iter_units(task.path, ext, export, data, self.limits))
            except FileRejected as exc:
                result = self._reject(task, digest, str(exc), batch.registry, batch.moves)
                batch.results.append(result)
                self.registered[digest] = result
                continue
            result = FileResult(folder, task.rel, CHARGE, load_id=self._new_id(), content_hash=digest,
                                ignored_columns=hors_contrat(export, units[0].header) if units else ())
            self.registered[digest] = result
            batch.results.append(result)
            batch.loads.append(_Load(task, result, units))
            batch.rows += sum(len(u.lines) if isinstance(u, LinesUnit) else u.frame.height for u in units)
            if batch.rows >= BATCH_ROWS:
                emit(self._flush(batch))
        emit(self._flush(batch))
        report.seconds = time.perf_counter() - t0
        return report, ignored

    # -- writing ---------------------------------------------------------------------------------

    def _registry_row(self, r: FileResult, task: _Task) -> dict:
        n = task.name
        return {
            "id_chargement": r.load_id,
            "export": r.export,
            "fichier": r.file,
            "hash_contenu": r.content_hash,
            "date_extraction": n.date_extraction if n else None,
            "sequence": n.sequence if n else None,
            "format": n.extension if n else None,
            "lignes_lues": r.rows_read,
            "lignes_chargees": r.rows_loaded,
            "lignes_quarantaine": r.rows_quarantined,
            "statut": r.status,
            "motif": r.reason,
            "colonnes_ignorees": ", ".join(r.ignored_columns) or None,
            "charge_le": datetime.now().replace(microsecond=0),
        }

    def _insert_registry(self, rows: list[dict]) -> None:
        if not rows:
            return
        reg = pl.DataFrame(
            rows,
            schema={
                "id_chargement": pl.Int64, "export": pl.String, "fichier": pl.String,
                "hash_contenu": pl.String, "date_extraction": pl.Date, "sequence": pl.Int32,
                "format": pl.String, "lignes_lues": pl.Int64, "lignes_chargees": pl.Int64,
                "lignes_quarantaine": pl.Int64, "statut": pl.String, "motif": pl.String,
                "colonnes_ignorees": pl.String, "charge_le": pl.Datetime("us"),
            },
        )
        self._insert("raw._fichiers", reg)

    def _insert(self, table: str, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        self.con.register("__socle_lot", df.to_arrow())
        try:
            self.con.execute(f"insert into {table} by name select * from __socle_lot")
        finally:
            self.con.unregister("__socle_lot")

    def _write_rows(self, export: Export, raw: pl.DataFrame, quarantine: pl.DataFrame) -> None:
        self._insert(f"raw.{export.name}", raw.drop(IDX))
        self._insert("quarantine.lignes", quarantine.drop(IDX))

    def _account(self, result: FileResult, read: int, loaded: int, quarantined: int) -> None:
        result.rows_read, result.rows_loaded, result.rows_quarantined = read, loaded, quarantined
        if read != loaded + quarantined:  # "nothing is lost": never silently
            raise RuntimeError(
                f"{result.file} : {read} lignes lues mais {loaded} chargées + {quarantined} en quarantaine"
            )

    def _flush(self, batch: _Batch) -> list[FileResult]:
        if not batch.results:
            return []
        export = batch.export
        indexed = list(enumerate(batch.loads))
        parts = [(i, u) for i, ld in indexed for u in ld.units]
        raw = quarantine = None
        if parts:
            sf = _string_frame(export, parts)
            read = _counts(sf)
            raw, quarantine = _prepare(export, sf, _meta_frame(indexed), self.pseudo)
            loaded, quar = _counts(raw), _counts(quarantine)
        registry = list(batch.registry)
        for i, ld in indexed:
            if parts:
                self._account(ld.result, read.get(i, 0), loaded.get(i, 0), quar.get(i, 0))
            registry.append(self._registry_row(ld.result, ld.task))
        self.con.begin()
        try:
            if raw is not None and quarantine is not None:
                self._write_rows(export, raw, quarantine)
            self._insert_registry(registry)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        _move_rejected(batch.moves)
        results = batch.results
        batch.results, batch.loads, batch.registry, batch.moves, batch.rows = [], [], [], [], 0
        return results

    def _load_large(self, export: Export, task: _Task, digest: str) -> FileResult:
        result = FileResult(export.name, task.rel, CHARGE, load_id=self._new_id(), content_hash=digest)
        meta = _meta_frame([(0, _Load(task, result, []))])
        read = loaded = quar = 0
        self.con.begin()
        try:
            for unit in iter_units(task.path, task.name.extension, export, None, self.limits):  # type: ignore[union-attr]
                result.ignored_columns = hors_contrat(export, unit.header)
                sf = _string_frame(export, [(0, unit)])
                raw, quarantine = _prepare(export, sf, meta, self.pseudo)
                read, loaded, quar = read + sf.height, loaded + raw.height, quar + quarantine.height
                self._write_rows(export, raw, quarantine)
            self._account(result, read, loaded, quar)
            self._insert_registry([self._registry_row(result, task)])
            self.con.commit()
            return result
        except FileRejected as exc:
            self.con.rollback()
            rows: list[dict] = []
            moves: list[_Move] = []
            rejected = self._reject(task, digest, str(exc), rows, moves, load_id=result.load_id)
            self.con.begin()
            try:
                self._insert_registry(rows)
                self.con.commit()
            except BaseException:
                self.con.rollback()
                raise
            _move_rejected(moves)
            return rejected
        except BaseException:
            self.con.rollback()
            raise

    def _reject(self, task: _Task, digest: str, reason: str, registry: list[dict], moves: list[_Move],
                load_id: int | None = None) -> FileResult:
        """Register the rejection with the batch; the file is moved to quarantine (with its reason)
        only once that registry row is committed: a crash in between must not leave a file out of
        the inbox that the registry does not know (it would never be looked at again)."""
        dest_dir = self.quarantine_dir / task.folder
        dest = dest_dir / task.path.name
        n = 2
        taken = {m.dest for m in moves}
        while dest in taken or dest.exists() or dest.with_name(dest.name + ".motif.txt").exists():
            dest = dest_dir / f"{n}-{task.path.name}"
            n += 1
        note = (
            f"fichier : {task.rel}\n"
            f"rejeté le : {datetime.now():%Y-%m-%d %H:%M:%S}\n"
            f"empreinte SHA-256 : {digest}\n"
            f"motif : {reason}\n"
        )
        moves.append(_Move(task.path, dest, note))
        result = FileResult(task.folder, task.rel, REJETE, reason=reason,
                            load_id=load_id if load_id is not None else self._new_id(),
                            content_hash=digest, quarantined_to=str(dest))
        registry.append(self._registry_row(result, task))
        return result


def _move_rejected(moves: list[_Move]) -> None:
    for m in moves:
        m.dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(m.src), m.dest)
        m.dest.with_name(m.dest.name + ".motif.txt").write_text(m.note, encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------


def _export_folders(inbox: Path, exports: Iterable[str] | None) -> tuple[list[str], list[tuple[str, str]]]:
    ignored: list[tuple[str, str]] = []
    if exports is not None:
        wanted = list(exports)
        unknown = [e for e in wanted if e not in EXPORTS]
        if unknown:
            raise ValueError("export(s) inconnu(s) : " + ", ".join(unknown))
        return [e for e in EXPORTS if e in wanted], ignored
    folders: list[str] = []
    if inbox.is_dir():
        for p in sorted(inbox.iterdir()):
            if _hidden(p.name):
                continue
            if p.is_symlink():
                ignored.append((p.name, _LIEN_REFUSE))
                continue
            if p.is_dir() and p.name in EXPORTS:
                continue
            ignored.append((p.name, "dossier inconnu (pas un export du contrat)" if p.is_dir()
                            else "fichier hors d'un dossier d'export"))
    # contract order: episodes first; a linked folder is never entered
    folders = [e for e in EXPORTS if (inbox / e).is_dir() and not (inbox / e).is_symlink()]
    return folders, ignored


def ingest_inbox(warehouse: Path, inbox: Path, key: bytes, *, exports: Iterable[str] | None = None,
                 quarantine_dir: Path | None = None, on_file: OnFile | None = None,
                 limits: Limits = LIMITS) -> IngestionReport:
    """Load every pending file of the inbox (or of the given exports) into the raw layer."""
    t0 = time.perf_counter()
    inbox = Path(inbox)
    folders, ignored = _export_folders(inbox, exports)
    report = IngestionReport(ignored=ignored)
    with connect(warehouse) as con:
        run = _Run(con, inbox, key, quarantine_dir, on_file, limits)
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
        report, _ = _Run(con, Path(inbox), key, quarantine_dir, on_file, limits).run_export(export)
    return report


def pending_files(warehouse: Path, inbox: Path, export: str | None = None) -> list[Path]:
    """Files of the inbox whose content is not in the registry yet (what a run would process)."""
    inbox = Path(inbox)
    folders = [export] if export else _export_folders(inbox, None)[0]
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
        tasks, _ = _discover(inbox, folder)
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
