"""Formats and dialect: CSV variants, gzip, Parquet, large files read in slices, batches."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.core.contract import EXPORTS
from pipelines.ingestion import current_state, ingest_inbox, reading, run

from .conftest import KEY, Inbox, pseudo, valid_row

COLS = list(EXPORTS["accompagnements"].column_names)


def _raw(warehouse, export="accompagnements", cols="*"):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select {cols} from raw.{export} order by _fichier, _ligne").fetchall()


def test_header_only_file_is_accepted_with_zero_rows(inbox, warehouse):
    inbox.write_csv("accompagnements", date(2024, 3, 1), [])
    report = ingest_inbox(warehouse, inbox.root, KEY)
    f = report.files[0]
    assert (f.status, f.rows_read, f.rows_loaded) == ("CHARGE", 0, 0)
    assert report.date_arrete == date(2024, 3, 1)


def test_crlf_bom_any_column_order_and_blank_lines(inbox, warehouse):
    rows = [valid_row("accompagnements", i) for i in range(3)]
    shuffled = list(reversed(COLS))
    p = inbox.write_csv("accompagnements", date(2024, 3, 1), rows, columns=shuffled, eol="\r\n", bom=True)
    p.write_bytes(p.read_bytes() + b"\r\n")  # a trailing blank line carries nothing
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert (report.rows_read, report.rows_loaded) == (3, 3)
    got = _raw(warehouse, cols="id_accompagnement, supprime, intensite_hebdo_heures, _ligne")
    assert got == [(pseudo(f"ID_ACCOMPAGNEMENT-{i}"), False, 0.5, i + 2) for i in range(3)]


def test_csv_gz_and_parquet_are_read(inbox, warehouse):
    inbox.write_csv("accompagnements", date(2024, 3, 1), [valid_row("accompagnements", 1)], gz=True)
    inbox.write_parquet("accompagnements", date(2024, 3, 2), [valid_row("accompagnements", 2)])
    inbox.write_parquet("accompagnements", date(2024, 3, 3),
                        [valid_row("accompagnements", 3), valid_row("accompagnements", 4, date_debut="2024-02-30")])
    inbox.write_parquet("accompagnements", date(2024, 3, 4), [valid_row("accompagnements", 5, supprime="1")], typed=True)
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert report.files_loaded == 4 and (report.rows_loaded, report.rows_quarantined) == (4, 1)
    got = _raw(warehouse, cols="id_accompagnement, date_debut, date_maj, supprime, intensite_hebdo_heures, _ligne, _fichier")
    assert [g[0] for g in got] == [pseudo(f"ID_ACCOMPAGNEMENT-{i}") for i in (1, 2, 3, 5)]
    typed = got[-1]
    assert typed[1] == date(2024, 1, 15) and typed[2].isoformat() == "2024-01-20T10:00:00"
    assert typed[3] is True and typed[4] == 0.5 and typed[5] == 1  # Parquet rows count from 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select ligne, colonne from quarantine.lignes").fetchall() == [(2, "date_debut")]


def test_typed_parquet_and_csv_give_the_same_rows(tmp_path):
    rows = [valid_row("alertes_finalite", i, score_risque="0.25", nb_consultations="12") for i in range(3)]
    a, b = Inbox(tmp_path / "a"), Inbox(tmp_path / "b")
    a.write_csv("alertes_finalite", date(2024, 3, 1), rows)
    b.write_parquet("alertes_finalite", date(2024, 3, 1), rows, typed=True)
    ingest_inbox(tmp_path / "a.duckdb", a.root, KEY)
    ingest_inbox(tmp_path / "b.duckdb", b.root, KEY)
    with duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True) as ca, \
            duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True) as cb:
        assert current_state(ca, "alertes_finalite") == current_state(cb, "alertes_finalite")
        assert len(current_state(ca, "alertes_finalite")) == 3


def test_quoted_fields_are_understood(inbox, warehouse):
    header = ";".join(f'"{c}"' for c in COLS)
    row = valid_row("accompagnements", 1)
    line = ";".join(f'"{row[c]}"' for c in COLS)
    inbox.write_bytes("accompagnements", "accompagnements_20240301.csv", f"{header}\n{line}\n".encode())
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert report.rows_loaded == 1
    assert _raw(warehouse, cols="id_accompagnement, _ligne") == [(pseudo("ID_ACCOMPAGNEMENT-1"), 2)]


def _big_rows(n):
    rows = [valid_row("accompagnements", i) for i in range(n)]
    rows[7]["parcours"] = "INCONNU"
    rows[n - 3]["date_debut"] = "2024-02-30"
    return rows


def test_large_files_are_read_in_slices_with_the_same_result(tmp_path, monkeypatch):
    rows = _big_rows(500)
    small, big = Inbox(tmp_path / "small"), Inbox(tmp_path / "big")
    for ib in (small, big):
        ib.write_csv("accompagnements", date(2024, 3, 1), rows)
        ib.write_csv("accompagnements", date(2024, 3, 2), rows[:50], gz=True)
        ib.write_parquet("accompagnements", date(2024, 3, 3), rows[:120])
    ingest_inbox(tmp_path / "small.duckdb", small.root, KEY)
    # every file is now "large": streamed in slices of ~2 KB / 16 rows
    monkeypatch.setattr(reading, "SMALL_FILE_BYTES", 10)
    monkeypatch.setattr(reading, "SMALL_GZIP_BYTES", 10)
    monkeypatch.setattr(reading, "CHUNK_BYTES", 2048)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 16)
    report = ingest_inbox(tmp_path / "big.duckdb", big.root, KEY)
    assert report.files_loaded == 3 and report.rows_read == 670 and report.rows_quarantined == 4

    def dump(path):
        with duckdb.connect(str(path), read_only=True) as con:
            return (
                con.execute("select * exclude (_id_chargement) from raw.accompagnements order by _fichier, _ligne").fetchall(),
                con.execute("select fichier, ligne, colonne, motif, contenu from quarantine.lignes order by all").fetchall(),
                con.execute("select fichier, lignes_lues, lignes_chargees, lignes_quarantaine from raw._fichiers order by all").fetchall(),
            )

    assert dump(tmp_path / "big.duckdb") == dump(tmp_path / "small.duckdb")


def test_a_large_file_rejected_midway_leaves_nothing_behind(inbox, warehouse, monkeypatch):
    monkeypatch.setattr(reading, "SMALL_FILE_BYTES", 10)
    monkeypatch.setattr(reading, "CHUNK_BYTES", 1024)
    rows = [valid_row("accompagnements", i) for i in range(200)]
    p = inbox.write_csv("accompagnements", date(2024, 3, 1), rows)
    data = p.read_bytes()
    cut = len(data) - 100
    p.write_bytes(data[:cut] + "É".encode("latin-1") + data[cut:])  # bad byte near the end
    report = ingest_inbox(warehouse, inbox.root, KEY)
    f = report.files[0]
    assert f.status == "REJETE" and "ligne 201" in f.reason
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.accompagnements").fetchone()[0] == 0
        assert con.execute("select statut, lignes_lues from raw._fichiers").fetchall() == [("REJETE", 0)]


def test_many_small_files_over_several_batches(inbox, warehouse, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ROWS", 7)
    for d in range(1, 11):
        rows = [valid_row("accompagnements", 10 * d + i) for i in range(3)]
        if d == 4:
            rows[1]["modalite"] = "??"
        inbox.write_csv("accompagnements", date(2024, 3, d), rows)
    inbox.write_bytes("accompagnements", "accompagnements_20240305_1.csv", b"")
    seen = []
    report = ingest_inbox(warehouse, inbox.root, KEY, on_file=seen.append)
    assert [f.file.split("/")[-1] for f in seen][:6] == [
        "accompagnements_20240301.csv", "accompagnements_20240302.csv", "accompagnements_20240303.csv",
        "accompagnements_20240304.csv", "accompagnements_20240305.csv", "accompagnements_20240305_1.csv",
    ]
    assert (report.files_loaded, report.files_rejected, report.rows_loaded, report.rows_quarantined) == (10, 1, 29, 1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = con.execute("select id_chargement from raw._fichiers order by id_chargement").fetchall()
        assert [i for (i,) in ids] == list(range(1, 12))
        per_file = con.execute(
            "select f.fichier, f.lignes_chargees, count(r._ligne) from raw._fichiers f "
            "left join raw.accompagnements r on r._id_chargement = f.id_chargement group by all"
        ).fetchall()
    assert all(loaded == n for _, loaded, n in per_file)
    q = pl.DataFrame([(f.rows_read, f.rows_loaded, f.rows_quarantined) for f in seen], orient="row")
    assert (q[:, 0] == q[:, 1] + q[:, 2]).all()
