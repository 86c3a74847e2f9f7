"""A crash inside an ingestion run, at chosen points (deterministic, in process, fast).

The subprocess kill tests (test_faults_arrets) hit random points; these hit the narrow windows
on purpose: between the whole-file rejection of a file and the commit of its batch, and between
that commit and the file's move to the quarantine folder.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingestion import ingest_inbox, run

_spec = importlib.util.spec_from_file_location(
    "faults_ingestion_helpers", Path(__file__).resolve().parent.parent / "ingestion" / "conftest.py"
)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)  # type: ignore[union-attr]

KEY = b"cle-de-test-fautes"


class Crash(BaseException):
    """Stands for a SIGKILL: not an Exception, nothing catches it on the way up."""


@pytest.fixture
def inbox(tmp_path: Path):
    box = helpers.Inbox(tmp_path / "inbox")
    box.write_bytes("orientations", "orientations_20240301.csv", b"")  # rejected whole
    box.write_csv("orientations", date(2024, 3, 2), [helpers.valid_row("orientations", 2)])
    return box


def _registry(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select fichier, statut, lignes_lues, lignes_chargees from raw._fichiers order by fichier").fetchall()


def test_crash_before_the_batch_commits_loses_no_rejected_file(inbox, tmp_path, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    reference = tmp_path / "ref"
    ingest_inbox(tmp_path / "ref.duckdb", _copy(inbox.root, reference), KEY)

    def crash(self, rows):
        raise Crash()

    with monkeypatch.context() as m:
        m.setattr(run.Run, "_insert_registry", crash)
        with pytest.raises(Crash):
            ingest_inbox(warehouse, inbox.root, KEY)
    # nothing committed, so nothing may have left the inbox
    assert (inbox.root / "orientations" / "orientations_20240301.csv").exists()
    assert not (inbox.root / "_quarantaine" / "orientations" / "orientations_20240301.csv").exists()

    ingest_inbox(warehouse, inbox.root, KEY)  # started again
    assert _registry(warehouse) == _registry(tmp_path / "ref.duckdb")
    assert ("orientations/orientations_20240301.csv", "REJETE", 0, 0) in _registry(warehouse)
    moved = inbox.root / "_quarantaine" / "orientations" / "orientations_20240301.csv"
    assert moved.exists() and moved.with_name(moved.name + ".motif.txt").exists()


def test_crash_after_the_commit_before_the_move_registers_the_rejection_once(inbox, tmp_path, monkeypatch):
    # seen in the kill chain: a run killed between the registry's commit and the move left the
    # rejected file in the inbox, and the next run rejected and registered it a second time
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(tmp_path / "ref.duckdb", _copy(inbox.root, tmp_path / "ref"), KEY)

    def crash(moves):
        raise Crash()

    with monkeypatch.context() as m:
        m.setattr(run, "_move_rejected", crash)
        with pytest.raises(Crash):
            ingest_inbox(warehouse, inbox.root, KEY)
    rejected = inbox.root / "orientations" / "orientations_20240301.csv"
    assert rejected.exists()  # registered, not moved
    assert ("orientations/orientations_20240301.csv", "REJETE", 0, 0) in _registry(warehouse)

    report = ingest_inbox(warehouse, inbox.root, KEY)  # started again: the move is finished
    assert _registry(warehouse) == _registry(tmp_path / "ref.duckdb")
    moved = inbox.root / "_quarantaine" / "orientations" / "orientations_20240301.csv"
    assert not rejected.exists() and moved.exists()
    assert "fichier vide" in moved.with_name(moved.name + ".motif.txt").read_text(encoding="utf-8")
    assert [f.status for f in report.files if f.file.endswith("20240301.csv")] == ["REJETE"]

    # the same file sent again after its move is read again (and rejected again: a new row)
    inbox.write_bytes("orientations", "orientations_20240301.csv", b"")
    ingest_inbox(warehouse, inbox.root, KEY)
    assert [r for r in _registry(warehouse) if r[0].endswith("20240301.csv")] == [
        ("orientations/orientations_20240301.csv", "REJETE", 0, 0)] * 2
    assert (moved.parent / "2-orientations_20240301.csv").exists()


def test_crash_in_a_large_file_rejected_midway_loses_nothing(inbox, tmp_path, monkeypatch):
    # a large file is loaded alone; rejected midway, its rejection is registered in its own transaction
    big = [helpers.valid_row("orientations", i) for i in range(3, 40)]
    data = helpers.csv_text(big).encode() + b"ORI\xff;bad\n"
    inbox.write_bytes("orientations", "orientations_20240303.csv", data)
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setattr("pipelines.ingestion.reading.SMALL_FILE_BYTES", 100)
    monkeypatch.setattr("pipelines.ingestion.reading.CHUNK_BYTES", 512)
    calls = {"n": 0}
    original = run.Run._insert_registry

    def crash_on_rejection(self, rows):
        if any(r["statut"] == "REJETE" and r["fichier"].endswith("20240303.csv") for r in rows):
            raise Crash()
        calls["n"] += 1
        return original(self, rows)

    with monkeypatch.context() as m:
        m.setattr(run.Run, "_insert_registry", crash_on_rejection)
        with pytest.raises(Crash):
            ingest_inbox(warehouse, inbox.root, KEY)
    assert (inbox.root / "orientations" / "orientations_20240303.csv").exists()
    report = ingest_inbox(warehouse, inbox.root, KEY)
    reg = {f: s for f, s, *_ in _registry(warehouse)}
    assert reg["orientations/orientations_20240303.csv"] == "REJETE"
    assert "encodage invalide" in next(f.reason for f in report.files if f.file.endswith("20240303.csv"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (n,) = con.execute("select count(*) from raw.orientations where _fichier like '%20240303%'").fetchone()
    assert n == 0  # nothing of the rejected file was kept


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst
