"""One run of the ingestion on one connection: each file of an export folder hashed and looked up
in the registry ``raw._fichiers``, small files gathered into batches written in one transaction
each, a large file loaded alone slice by slice, rejected files registered then moved to the
quarantine folder (the rules: ``pipelines.ingestion.loader``)."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.contract import EXPORTS, Export
from pipelines.core.files import sha256_file
from pipelines.core.warehouse import ecrire_lot_brut, ensure_raw_schema, rafraichir_vues_brutes
from pipelines.ingestion.discovery import Task, discover
from pipelines.ingestion.pseudonymisation import Pseudonymiser
from pipelines.ingestion.reading import IDX, LIMITS, FileRejected, Limits, LinesUnit, Unit, is_small, iter_units
from pipelines.ingestion.report import CHARGE, DEJA_CHARGE, REJETE, ExportReport, FileResult
from pipelines.ingestion.rows import FICHIER, ID, SEQUENCE, counts, hors_contrat, prepare, string_frame
from pipelines.ingestion.validation import DATE_EXTRACTION

#: A batch of small files is written once it holds this many rows.
BATCH_ROWS = 200_000
DEFAULT_QUARANTINE = "_quarantaine"

OnFile = Callable[[FileResult], None]


# ------------------------------------------------------------------------------------------------
# Batches
# ------------------------------------------------------------------------------------------------


@dataclass
class _Load:
    task: Task
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


class Run:
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
        ensure_raw_schema(con)  # also removes the lake files of a run that crashed before registering
        #: content hash -> file that loaded it (registry, or this run). Only a load makes a content
        #: "already done": a file rejected (for its name, its header…) and sent again is read again,
        #: or its rows would be lost.
        self.loaded: dict[str, str] = dict(
            con.execute("select hash_contenu, fichier from raw._fichiers where statut = 'CHARGE'").fetchall()
        )
        #: (file, content hash) -> (rejections registered, id and reason of the last): a rejected
        #: file is registered, then moved; a crash in between leaves it in the inbox, registered
        self.rejetes: dict[tuple[str, str], tuple[int, int, str]] = {
            (f, h): (n, i, m) for f, h, n, i, m in con.execute(
                "select fichier, hash_contenu, count(*), max(id_chargement), max_by(motif, id_chargement) "
                "from raw._fichiers where statut = 'REJETE' group by all"
            ).fetchall()
        }
        self.next_id: int = con.execute("select coalesce(max(id_chargement), 0) + 1 from raw._fichiers").fetchone()[0]  # type: ignore[index]
        #: lake files written in the current transaction (removed if it rolls back)
        self._ecrits: list[Path] = []

    def _new_id(self) -> int:
        i = self.next_id
        self.next_id += 1
        return i

    # -- per export ------------------------------------------------------------------------------

    def run_export(self, folder: str) -> tuple[ExportReport, list[tuple[str, str]]]:
        t0 = time.perf_counter()
        export = EXPORTS[folder]
        report = ExportReport(folder)
        tasks, ignored = discover(self.inbox, folder)
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
            if digest in self.loaded:
                batch.results.append(FileResult(folder, task.rel, DEJA_CHARGE, content_hash=digest,
                                                reason=f"contenu identique à {self.loaded[digest]} (déjà chargé)"))
                continue
            if self._rejet_inacheve(task, digest):
                # registered by a run that stopped before moving it: finish the move, once
                _n, id_chargement, motif = self.rejetes[(task.rel, digest)]
                moves: list[_Move] = []
                batch.results.append(self._reject(task, digest, motif, [], moves, load_id=id_chargement))
                _move_rejected(moves)
                continue
            if task.name_error:
                result = self._reject(task, digest, task.name_error, batch.registry, batch.moves)
                batch.results.append(result)
                continue
            if not small:
                # a large file is loaded alone: write what is pending first, keep the order
                emit(self._flush(batch))
                result = self._load_large(export, task, digest)
                if result.status == CHARGE:
                    self.loaded[digest] = result.file
                emit([result])
                continue
            try:
                units = list(iter_units(task.path, ext, export, data, self.limits))
            except FileRejected as exc:
                result = self._reject(task, digest, str(exc), batch.registry, batch.moves)
                batch.results.append(result)
                continue
            result = FileResult(folder, task.rel, CHARGE, load_id=self._new_id(), content_hash=digest,
                                ignored_columns=hors_contrat(export, units[0].header) if units else ())
            self.loaded[digest] = result.file
            batch.results.append(result)
            batch.loads.append(_Load(task, result, units))
            batch.rows += sum(len(u.lines) if isinstance(u, LinesUnit) else u.frame.height for u in units)
            if batch.rows >= BATCH_ROWS:
                emit(self._flush(batch))
        emit(self._flush(batch))
        if any(r.status == CHARGE for r in report.files):
            rafraichir_vues_brutes(self.con, [export])  # the export's first lake files
        report.seconds = time.perf_counter() - t0
        return report, ignored

    # -- writing ---------------------------------------------------------------------------------

    def _registry_row(self, r: FileResult, task: Task) -> dict:
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
        if raw.height:
            self.con.register("__socle_lot", raw.drop(IDX).to_arrow())
            try:
                # a large file's slices, in one transaction, are parts of one lot
                self._ecrits += ecrire_lot_brut(self.con, export, "__socle_lot", suffixe=str(len(self._ecrits)) if self._ecrits else "")
            finally:
                self.con.unregister("__socle_lot")
        self._insert("quarantine.lignes", quarantine.drop(IDX))

    def _commit(self) -> None:
        self.con.commit()
        self._ecrits = []

    def _rollback(self) -> None:
        self.con.rollback()
        for f in self._ecrits:  # best effort: the next run removes what is left (unregistered loads)
            f.unlink(missing_ok=True)
        self._ecrits = []

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
            sf = string_frame(export, parts)
            read = counts(sf)
            raw, quarantine = prepare(export, sf, _meta_frame(indexed), self.pseudo)
            loaded, quar = counts(raw), counts(quarantine)
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
            self._commit()
        except BaseException:
            self._rollback()
            raise
        _move_rejected(batch.moves)
        results = batch.results
        batch.results, batch.loads, batch.registry, batch.moves, batch.rows = [], [], [], [], 0
        return results

    def _load_large(self, export: Export, task: Task, digest: str) -> FileResult:
        result = FileResult(export.name, task.rel, CHARGE, load_id=self._new_id(), content_hash=digest)
        meta = _meta_frame([(0, _Load(task, result, []))])
        read = loaded = quar = 0
        self.con.begin()
        try:
            for unit in iter_units(task.path, task.name.extension, export, None, self.limits):  # type: ignore[union-attr]
                result.ignored_columns = hors_contrat(export, unit.header)
                sf = string_frame(export, [(0, unit)])
                raw, quarantine = prepare(export, sf, meta, self.pseudo)
                read, loaded, quar = read + sf.height, loaded + raw.height, quar + quarantine.height
                self._write_rows(export, raw, quarantine)
            self._account(result, read, loaded, quar)
            self._insert_registry([self._registry_row(result, task)])
            self._commit()
            return result
        except FileRejected as exc:
            self._rollback()
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
            self._rollback()
            raise

    def _reject(self, task: Task, digest: str, reason: str, registry: list[dict], moves: list[_Move],
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

    def _rejet_inacheve(self, task: Task, digest: str) -> bool:
        """True when the registry holds more rejections of this file (same path, same content)
        than its quarantine folder holds copies: the last run registered it and stopped before the
        move. A file rejected, moved, then sent again has its copy there, and is read again."""
        if (task.rel, digest) not in self.rejetes:
            return False
        registered = self.rejetes[(task.rel, digest)][0]
        dest_dir = self.quarantine_dir / task.folder
        nom = task.path.name
        copies = [
            p for p in dest_dir.iterdir()  # not glob: a delivered name may hold [ or *
            if (p.name == nom or (p.name.endswith(f"-{nom}") and p.name[: -len(nom) - 1].isdigit()))
            and sha256_file(p) == digest
        ] if dest_dir.is_dir() else []
        return len(copies) < registered


def _move_rejected(moves: list[_Move]) -> None:
    for m in moves:
        m.dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(m.src), m.dest)
        m.dest.with_name(m.dest.name + ".motif.txt").write_text(m.note, encoding="utf-8")
