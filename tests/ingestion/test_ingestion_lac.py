"""The raw layer is a Parquet lake beside the warehouse file, partitioned by export and delivery
date, append-only; ``raw.<export>`` shows only the rows of registered loads."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from pipelines.core.warehouse import lac_brut
from pipelines.ingestion import ingest_inbox
from pipelines.ingestion.run import Run

from .conftest import KEY, valid_row


def _lignes(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_raw_rows_are_written_to_the_lake_by_export_and_delivery_date(inbox, warehouse):
    inbox.write_csv("entretiens", date(2024, 2, 1), [valid_row("entretiens", i) for i in range(3)])
    inbox.write_csv("entretiens", date(2024, 2, 2), [valid_row("entretiens", i) for i in range(3, 5)])
    inbox.write_csv("entretiens", date(2024, 3, 1), [valid_row("entretiens", 8)])
    inbox.write_csv("consultations", date(2024, 2, 1), [valid_row("consultations", 1)])
    inbox.write_csv("consultations", date(2024, 2, 2), [valid_row("consultations", 2)])
    ingest_inbox(warehouse, inbox.root, KEY)

    lac = lac_brut(warehouse)
    fichiers = sorted(str(p.relative_to(lac)) for p in lac.rglob("*.parquet"))
    # the log (no key, one large file a day) by day; the other exports by month of delivery
    assert [f.rsplit("/", 1)[0] for f in fichiers] == [
        "consultations/date_livraison=2024-02-01",
        "consultations/date_livraison=2024-02-02",
        "entretiens/mois_livraison=2024-02",
        "entretiens/mois_livraison=2024-03",
    ]
    # nothing of the rows in the warehouse file itself; the view reads the lake, typed as the contract
    assert _lignes(warehouse, "select count(*) from raw_entrepot.entretiens") == [(0,)]
    assert _lignes(warehouse, "select _date_extraction, count(*) from raw.entretiens group by 1 order by 1") == [
        (date(2024, 2, 1), 3), (date(2024, 2, 2), 2), (date(2024, 3, 1), 1)]
    assert dict(_lignes(warehouse, "select column_name, data_type from information_schema.columns "
                                   "where table_schema = 'raw' and table_name = 'entretiens'"))["date_entretien"] == "DATE"
    # append-only: a later delivery adds a file, the earlier ones stay as they were
    avant = {p: p.stat().st_mtime_ns for p in lac.rglob("*.parquet")}
    inbox.write_csv("entretiens", date(2024, 2, 3), [valid_row("entretiens", 9)])
    ingest_inbox(warehouse, inbox.root, KEY)
    apres = {p: p.stat().st_mtime_ns for p in lac.rglob("*.parquet")}
    assert set(apres) - set(avant) and all(apres[p] == t for p, t in avant.items())
    assert _lignes(warehouse, "select count(*) from raw.entretiens") == [(7,)]


def test_a_run_failing_before_its_loads_are_registered_leaves_no_row_and_no_file(inbox, warehouse, monkeypatch):
    inbox.write_csv("entretiens", date(2024, 2, 1), [valid_row("entretiens", i) for i in range(3)])

    def panne(self, rows):
        raise OSError("disque plein")

    monkeypatch.setattr(Run, "_insert_registry", panne)
    with pytest.raises(OSError):
        ingest_inbox(warehouse, inbox.root, KEY)
    monkeypatch.undo()
    assert not list(lac_brut(warehouse).rglob("*.parquet"))
    ingest_inbox(warehouse, inbox.root, KEY)
    assert _lignes(warehouse, "select count(*) from raw.entretiens") == [(3,)]


def test_lake_files_of_a_crashed_run_are_invisible_then_removed(inbox, warehouse):
    """A process killed between writing a lake file and registering its loads: the file's load ids
    are not in the registry, so its rows are not seen, and the next run (which gives those ids
    again) removes it before loading: no row twice. Killed while writing, a file is cut short: it
    is removed before any view reads it."""
    inbox.write_csv("entretiens", date(2024, 2, 1), [valid_row("entretiens", i) for i in range(3)])
    ingest_inbox(warehouse, inbox.root, KEY)
    (lot,) = lac_brut(warehouse).rglob("*.parquet")
    orpheline = lot.with_name("lot_2_2.parquet")  # load 2: not registered yet
    shutil.copy(lot, orpheline)
    with duckdb.connect(str(warehouse)) as con:  # ids of the copy: load 2
        con.execute(f"copy (select * replace (2::bigint as _id_chargement) from '{lot}') to '{orpheline}' (format parquet)")
    assert _lignes(warehouse, "select count(*) from raw.entretiens") == [(3,)]
    coupee = lot.with_name("lot_3_3.parquet")  # killed mid-write: no Parquet footer
    coupee.write_bytes(lot.read_bytes()[:40])

    inbox.write_csv("entretiens", date(2024, 2, 1), [valid_row("entretiens", 7)], seq=2)
    ingest_inbox(warehouse, inbox.root, KEY)
    assert _lignes(warehouse, "select _id_chargement, count(*) from raw.entretiens group by 1 order by 1") == [(1, 3), (2, 1)]
    assert not coupee.exists()


def test_a_warehouse_of_the_earlier_layout_keeps_its_raw_rows(inbox, warehouse):
    """Raw tables inside the file (before the lake): moved aside, still read by ``raw.<export>``."""
    inbox.write_csv("entretiens", date(2024, 2, 1), [valid_row("entretiens", i) for i in range(2)])
    ingest_inbox(warehouse, inbox.root, KEY)
    with duckdb.connect(str(warehouse)) as con:  # the earlier layout: the same rows as a table
        con.execute("create table raw._t as select * from raw.entretiens")
        con.execute("drop view raw.entretiens")
        con.execute("alter table raw._t rename to entretiens")
    shutil.rmtree(lac_brut(warehouse))
    inbox.write_csv("entretiens", date(2024, 2, 2), [valid_row("entretiens", 5)])
    ingest_inbox(warehouse, inbox.root, KEY)
    assert _lignes(warehouse, "select _date_extraction, count(*) from raw.entretiens group by 1 order by 1") == [
        (date(2024, 2, 1), 2), (date(2024, 2, 2), 1)]
