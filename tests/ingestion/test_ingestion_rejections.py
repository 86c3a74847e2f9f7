"""Whole-file rejections: moved to quarantine with the reason, registered, and the run goes on."""

from __future__ import annotations

import gzip
from datetime import date

import duckdb
import pytest

from pipelines.core.contract import EXPORTS
from pipelines.ingestion import REJETE, ingest_inbox

from .conftest import KEY, csv_text, valid_row

COLS = list(EXPORTS["orientations"].column_names)


def _good():
    return csv_text([valid_row("orientations", 1)], COLS)


CASES = {
    "vide": (b"", "fichier vide"),
    "colonne_absente": (
        csv_text([valid_row("orientations", 1)], [c for c in COLS if c != "mode"]).encode(),
        "colonne obligatoire absente : mode",
    ),
    "colonne_interdite": (
        csv_text([{**valid_row("orientations", 1), "nom": "Dupont"}], COLS + ["nom"]).encode(),
        "colonne interdite (donnée personnelle, jamais ingérée) : nom",
    ),
    "separateur": (
        csv_text([valid_row("orientations", 1)], COLS, sep=",").encode(),
        "séparateur attendu ';'",
    ),
    "latin1": (
        _good().replace("EDO_TELEPHONE", "EDO_TÉLÉPHONE").encode("latin-1"),
        "encodage invalide : octet 0xc9 non UTF-8 ligne 2, colonne mode",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_whole_file_rejections(inbox, warehouse, tmp_path, case):
    data, reason = CASES[case]
    bad = inbox.write_bytes("orientations", "orientations_20240301.csv", data)
    good = inbox.write_csv("orientations", date(2024, 3, 2), [valid_row("orientations", 2)])
    report = ingest_inbox(warehouse, inbox.root, KEY)

    rejected = report.export("orientations").rejected
    assert len(rejected) == 1 and reason in rejected[0].reason
    assert report.files_loaded == 1 and report.rows_loaded == 1  # the run went on
    assert not bad.exists() and good.exists()
    moved = inbox.root / "_quarantaine" / "orientations" / bad.name
    assert moved.read_bytes() == data
    motif = (moved.parent / (bad.name + ".motif.txt")).read_text(encoding="utf-8")
    assert reason in motif and "orientations/orientations_20240301.csv" in motif
    assert KEY.decode() not in motif
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reg = con.execute(
            "select statut, motif, lignes_lues from raw._fichiers where fichier like '%20240301%'"
        ).fetchall()
    assert reg[0][0] == REJETE and reason in reg[0][1] and reg[0][2] == 0
    # only a load counts as done: the same bad file delivered again is read, and rejected, again
    inbox.write_bytes("orientations", "orientations_20240301.csv", data)
    again = ingest_inbox(warehouse, inbox.root, KEY)
    assert (again.files_skipped, again.files_rejected) == (1, 1) and reason in again.rejected[0].reason


def test_bad_gzip_and_bad_parquet(inbox, warehouse, tmp_path):
    inbox.write_bytes("emplois", "emplois_20240301.csv.gz", b"this is not gzip at all")
    truncated = gzip.compress(csv_text([valid_row("emplois", 1)]).encode())[:-12]
    inbox.write_bytes("emplois", "emplois_20240302.csv.gz", truncated)
    inbox.write_bytes("emplois", "emplois_20240303.parquet", b"PAR1 definitely not parquet")
    qdir = tmp_path / "ailleurs"
    report = ingest_inbox(warehouse, inbox.root, KEY, quarantine_dir=qdir)
    reasons = {f.file.split("/")[-1]: f.reason for f in report.files}
    assert "fichier gzip illisible" in reasons["emplois_20240301.csv.gz"]
    assert "fichier gzip illisible" in reasons["emplois_20240302.csv.gz"]
    assert "fichier Parquet illisible" in reasons["emplois_20240303.parquet"]
    assert sorted(p.name for p in (qdir / "emplois").iterdir() if not p.name.endswith(".txt")) == sorted(reasons)


def test_bad_names_and_wrong_folder(inbox, warehouse):
    inbox.write_csv("emplois", date(2024, 3, 1), [valid_row("emplois", 1)], name="emplois-mars.csv")
    inbox.write_csv("emplois", date(2024, 3, 1), [valid_row("manquements", 1)],
                    columns=list(EXPORTS["manquements"].column_names), name="manquements_20240301.csv")
    inbox.write_csv("emplois", date(2024, 3, 1), [valid_row("emplois", 3)], name="emplois_20240231.csv")
    inbox.write_bytes("emplois", "_en_cours.csv", b"ignored")
    inbox.write_bytes("emplois", ".cache", b"ignored")
    (inbox.root / "divers").mkdir()
    report = ingest_inbox(warehouse, inbox.root, KEY)
    reasons = sorted(f.reason for f in report.files)
    assert report.files_rejected == 3
    assert any("nom de fichier non conforme" in r for r in reasons)
    assert any("déposé dans le dossier 'emplois'" in r for r in reasons)
    assert any("date d'extraction invalide" in r for r in reasons)
    assert (inbox.root / "emplois" / "_en_cours.csv").exists()
    assert ("divers", "dossier inconnu (pas un export du contrat)") in report.ignored


def test_duplicate_column_and_header_only_bom(inbox, warehouse):
    inbox.write_bytes("emplois", "emplois_20240301.csv", (";".join(EXPORTS["emplois"].column_names) + ";source\n").encode())
    inbox.write_bytes("emplois", "emplois_20240302.csv", b"\xef\xbb\xbf\r\n")
    report = ingest_inbox(warehouse, inbox.root, KEY)
    reasons = [f.reason for f in report.files]
    assert "colonne en double dans l'en-tête : source" in reasons[0]
    assert "fichier vide" in reasons[1]
