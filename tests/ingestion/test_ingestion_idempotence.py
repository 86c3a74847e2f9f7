"""Idempotence, arrival order, latest version, tombstones."""

from __future__ import annotations

import random
import shutil
from datetime import date

import duckdb

from pipelines.ingestion import DEJA_CHARGE, current_state, ingest_inbox

from .conftest import KEY, pseudo, valid_row


def _counts(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return (
            con.execute("select count(*) from raw.inscriptions").fetchone()[0],
            con.execute("select count(*) from raw._fichiers").fetchone()[0],
            con.execute("select count(*) from quarantine.lignes").fetchone()[0],
        )


def test_same_file_twice_and_under_another_name_is_a_no_op(inbox, warehouse):
    rows = [valid_row("inscriptions", i) for i in range(4)] + [valid_row("inscriptions", 9, categorie="Z")]
    p = inbox.write_csv("inscriptions", date(2024, 2, 1), rows)
    first = ingest_inbox(warehouse, inbox.root, KEY)
    assert first.files_loaded == 1 and first.rows_loaded == 4 and first.rows_quarantined == 1
    before = _counts(warehouse)

    second = ingest_inbox(warehouse, inbox.root, KEY)
    assert second.files_loaded == 0 and second.files_skipped == 1 and second.rows_read == 0
    assert _counts(warehouse) == before

    shutil.copy(p, inbox.path("inscriptions", "inscriptions_20240205_2.csv"))  # same bytes, new name
    third = ingest_inbox(warehouse, inbox.root, KEY)
    skipped = [f for f in third.files if f.status == DEJA_CHARGE]
    assert len(skipped) == 2 and third.files_loaded == 0
    renamed = next(f for f in skipped if f.file.endswith("_2.csv"))
    assert "inscriptions/inscriptions_20240201.csv" in renamed.reason
    assert _counts(warehouse) == before


def test_same_content_twice_in_one_run_loads_once(inbox, warehouse):
    p = inbox.write_csv("inscriptions", date(2024, 2, 1), [valid_row("inscriptions", 1)])
    shutil.copy(p, inbox.path("inscriptions", "inscriptions_20240202.csv"))
    rep = ingest_inbox(warehouse, inbox.root, KEY)
    assert (rep.files_loaded, rep.files_skipped) == (1, 1)
    assert _counts(warehouse)[:2] == (1, 1)


def _history():
    """Five daily files changing the same records; returns [(day, rows)]."""
    files = []
    for d in range(5):
        day = date(2024, 3, 1 + d)
        rows = []
        for rec in range(4):
            if (rec + d) % 2:
                continue
            cat = "ABCDE"[d]
            rows.append(valid_row("inscriptions", rec, id_inscription=f"INS-{rec}", categorie=cat,
                                  date_maj=f"{day.isoformat()}T0{rec}:00:00"))
        files.append((day, rows))
    return files


def _state(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return current_state(con, "inscriptions")


def test_out_of_order_arrival_gives_the_same_current_state(tmp_path, inbox, warehouse):
    from .conftest import Inbox

    history = _history()
    for day, rows in history:
        inbox.write_csv("inscriptions", day, rows)
    ingest_inbox(warehouse, inbox.root, KEY)
    in_order = _state(warehouse)

    # the same files, arriving in random order over several runs
    rng = random.Random(7)
    shuffled = history[:]
    rng.shuffle(shuffled)
    other = Inbox(tmp_path / "inbox2")
    wh2 = tmp_path / "wh2.duckdb"
    for day, rows in shuffled:
        other.write_csv("inscriptions", day, rows)
        ingest_inbox(wh2, other.root, KEY)
    assert _state(wh2) == in_order
    cats = {r[0]: r[6] for r in in_order}
    assert cats == {pseudo("INS-0"): "E", pseudo("INS-1"): "D", pseudo("INS-2"): "E", pseudo("INS-3"): "D"}


def test_later_date_maj_wins_even_from_an_earlier_file(inbox, warehouse):
    # the file extracted on 03-10 carries a version modified later than the one of 03-12
    inbox.write_csv("inscriptions", date(2024, 3, 10), [
        valid_row("inscriptions", 1, id_inscription="INS-1", categorie="B", date_maj="2024-03-09T18:00:00")])
    inbox.write_csv("inscriptions", date(2024, 3, 12), [
        valid_row("inscriptions", 1, id_inscription="INS-1", categorie="C", date_maj="2024-03-08T09:00:00")])
    ingest_inbox(warehouse, inbox.root, KEY)
    assert [r[6] for r in _state(warehouse)] == ["B"]


def test_equal_date_maj_later_file_then_sequence_wins(inbox, warehouse):
    ts = "2024-03-09T18:00:00"
    inbox.write_csv(
        "inscriptions", date(2024, 3, 10), [valid_row("inscriptions", 1, id_inscription="I", categorie="B", date_maj=ts)], seq=2
    )
    inbox.write_csv(
        "inscriptions", date(2024, 3, 10), [valid_row("inscriptions", 1, id_inscription="I", categorie="C", date_maj=ts)], seq=1
    )
    ingest_inbox(warehouse, inbox.root, KEY)
    assert [r[6] for r in _state(warehouse)] == ["B"]


def test_tombstones_are_kept_as_rows_in_raw(inbox, warehouse):
    inbox.write_csv(
        "inscriptions",
        date(2024, 3, 1),
        [
            valid_row("inscriptions", 1, id_inscription="INS-1", date_maj="2024-02-28T10:00:00"),
            valid_row("inscriptions", 2, id_inscription="INS-2", date_maj="2024-02-28T10:00:00"),
        ],
    )
    inbox.write_csv(
        "inscriptions",
        date(2024, 3, 2),
        [
            valid_row("inscriptions", 1, id_inscription="INS-1", supprime="1", date_maj="2024-03-01T10:00:00"),
        ],
    )
    ingest_inbox(warehouse, inbox.root, KEY)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select id_inscription, supprime from raw.inscriptions order by _date_extraction, _ligne").fetchall()
        live = current_state(con, "inscriptions", include_deleted=False)
    assert rows == [(pseudo("INS-1"), False), (pseudo("INS-2"), False), (pseudo("INS-1"), True)]
    assert [r[0] for r in live] == [pseudo("INS-2")]


def test_same_rejected_content_twice_in_one_run_is_rejected_twice(inbox, warehouse):
    inbox.write_bytes("inscriptions", "inscriptions_20240301.csv", b"nom;prenom\nA;B\n")
    inbox.write_bytes("inscriptions", "inscriptions_20240302.csv", b"nom;prenom\nA;B\n")
    rep = ingest_inbox(warehouse, inbox.root, KEY)
    assert [f.status for f in rep.files] == ["REJETE", "REJETE"]
    assert len(list((inbox.root / "_quarantaine" / "inscriptions").glob("*.csv"))) == 2
