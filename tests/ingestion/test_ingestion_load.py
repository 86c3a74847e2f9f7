"""A valid file loads typed and pseudonymised; no raw identifier anywhere in the warehouse."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime

import duckdb

from pipelines.core.contract import EXPORTS, PSEUDONYMISED_COLUMNS
from pipelines.ingestion import CHARGE, date_arrete, ingest_export, ingest_inbox, pending_files

from .conftest import KEY, all_text_values, pseudo, valid_row


def test_valid_file_loads_typed_and_pseudonymised(inbox, warehouse):
    rows = [valid_row("entretiens", i, id_personne=f"PERS-{i}", id_conseiller=f"CONS-{i}") for i in range(3)]
    rows[1]["duree_minutes"] = ""  # optional integer left empty
    inbox.write_csv("entretiens", date(2024, 2, 1), rows)
    seen = []
    report = ingest_inbox(warehouse, inbox.root, KEY, on_file=seen.append)

    assert [(r.file, r.status, r.rows_read, r.rows_loaded) for r in seen] == [
        ("entretiens/entretiens_20240201.csv", CHARGE, 3, 3)
    ]
    assert report.rows_loaded == 3 and report.date_arrete == date(2024, 2, 1)
    assert "3 chargées" in report.summary().replace("\u202f", " ")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute(
            """select id_entretien, id_personne, id_conseiller, date_entretien, duree_minutes, date_maj,
                      supprime, _fichier, _ligne, _date_extraction, _sequence
               from raw.entretiens order by _ligne"""
        ).fetchall()
        types = dict(con.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'entretiens'"
        ).fetchall())
    assert types["date_entretien"] == "DATE" and types["date_maj"] == "TIMESTAMP"
    assert types["duree_minutes"] == "BIGINT" and types["supprime"] == "BOOLEAN"
    expected_hash = hmac.new(KEY, b"PERS-0", hashlib.sha256).hexdigest()
    first = got[0]
    assert first[0] == pseudo("ID_ENTRETIEN-0")
    assert first[1] == expected_hash
    assert first[2] == hmac.new(KEY, b"CONS-0", hashlib.sha256).hexdigest()
    assert first[3] == date(2024, 1, 15)
    assert first[5] == datetime(2024, 1, 20, 10, 0, 0)
    assert first[6] is False
    assert first[7:] == ("entretiens/entretiens_20240201.csv", 2, date(2024, 2, 1), 0)
    assert got[1][4] is None  # empty field = null
    assert [g[8] for g in got] == [2, 3, 4]  # header is line 1


def test_no_raw_identifier_anywhere_even_in_quarantine(inbox, warehouse):
    day = date(2024, 3, 1)
    raw_ids = set()
    for name in EXPORTS:
        rows = []
        for i in range(2):
            ids = {c: f"RAW-{name}-{c}-{i}" for c in PSEUDONYMISED_COLUMNS if c in EXPORTS[name].column_names}
            raw_ids |= set(ids.values())
            rows.append(valid_row(name, i, **ids))
        # the second row is faulty in a non-identifier column: it goes to quarantine with its ids
        bad_col = next(c for c in EXPORTS[name].columns if c.type in ("date", "timestamp"))
        rows[1][bad_col.name] = "2024-13-45"
        inbox.write_csv(name, day, rows)
        # and a truncated line, whose fields may be misaligned
        trunc = inbox.path(name, f"{name}_20240302.csv")
        text = ";".join(EXPORTS[name].column_names) + "\n" + ";".join(
            f"RAW-{name}-trunc" if c in PSEUDONYMISED_COLUMNS else "x" for c in EXPORTS[name].column_names[:3]
        )
        raw_ids.add(f"RAW-{name}-trunc")
        trunc.write_text(text)
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert report.rows_quarantined >= 2 * len(EXPORTS) - 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        values = all_text_values(con)
    leaked = {v for v in values for r in raw_ids if r in v}
    assert not leaked
    assert "RAW" not in "".join(values)


def test_pending_files_and_date_arrete(inbox, warehouse):
    a = inbox.write_csv("emplois", date(2024, 1, 10), [valid_row("emplois", 1)])
    b = inbox.write_csv("emplois", date(2024, 1, 11), [valid_row("emplois", 2)])
    assert sorted(pending_files(warehouse, inbox.root)) == sorted([a, b])  # no warehouse yet
    rep = ingest_export(warehouse, inbox.root, "emplois", KEY)
    assert rep.files_loaded == 2
    assert pending_files(warehouse, inbox.root, "emplois") == []
    c = inbox.write_csv("emplois", date(2024, 1, 12), [valid_row("emplois", 3)])
    assert pending_files(warehouse, inbox.root) == [c]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert date_arrete(con) == date(2024, 1, 11)
