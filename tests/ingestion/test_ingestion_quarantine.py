"""Row-level checks: every faulty row kept in quarantine with line, column and a French reason."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from pipelines.core.contract import EXPORTS
from pipelines.ingestion import ingest_inbox

from .conftest import KEY, pseudo, valid_row


def _quarantine(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select fichier, ligne, colonne, motif, contenu from quarantine.lignes order by fichier, ligne").fetchall()
        reg = con.execute(
            "select fichier, lignes_lues, lignes_chargees, lignes_quarantaine from raw._fichiers where statut = 'CHARGE' order by fichier"
        ).fetchall()
    return rows, reg


def test_quarantine_accounting_and_reasons(inbox, warehouse):
    cols = list(EXPORTS["inscriptions"].column_names)
    rows = [
        valid_row("inscriptions", 1),  # line 2: fine
        valid_row("inscriptions", 2, categorie="Z"),  # line 3: unknown code
        valid_row("inscriptions", 3, date_inscription="2024-02-30"),  # line 4: impossible date
        valid_row("inscriptions", 4, code_agence=""),  # line 5: required value missing
        valid_row("inscriptions", 5),  # line 6: fine
    ]
    p = inbox.write_csv("inscriptions", date(2024, 3, 1), rows)
    # line 7: a truncated last line (no end of line either)
    p.write_text(p.read_text() + ";".join(valid_row("inscriptions", 6)[c] for c in cols[:7]))
    report = ingest_inbox(warehouse, inbox.root, KEY)
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (6, 2, 4)
    q, reg = _quarantine(warehouse)
    assert reg == [("inscriptions/inscriptions_20240301.csv", 6, 2, 4)]
    by_line = {r[1]: r for r in q}
    assert sorted(by_line) == [3, 4, 5, 7]
    assert by_line[3][2] == "categorie" and "code inconnu « Z »" in by_line[3][3]
    assert by_line[4][2] == "date_inscription" and "date invalide" in by_line[4][3] and "2024-02-30" in by_line[4][3]
    assert by_line[5][2] == "code_agence" and "valeur obligatoire absente" in by_line[5][3]
    assert by_line[7][2] is None and "nombre de champs incorrect : 7 au lieu de 19" in by_line[7][3]
    content = json.loads(by_line[3][4])
    assert content["categorie"] == "Z" and content["id_inscription"] == pseudo("ID_INSCRIPTION-2")
    assert content["id_personne"] != "ID_PERSONNE-2" and len(content["id_personne"]) == 64


def test_all_faults_of_a_line_are_listed_first_column_first(inbox, warehouse):
    inbox.write_csv("inscriptions", date(2024, 3, 1), [
        valid_row("inscriptions", 1, sexe="3", annee_naissance="19x5", rqth="oui"),
    ])
    ingest_inbox(warehouse, inbox.root, KEY)
    (row,), _ = _quarantine(warehouse)
    assert row[2] == "sexe"  # first faulty column in contract order
    motif = row[3]
    assert "sexe : code inconnu « 3 »" in motif
    assert "annee_naissance : entier invalide « 19x5 »" in motif
    assert "rqth : booléen invalide (attendu 0 ou 1) « oui »" in motif
    assert motif.count(" ; ") == 2


@pytest.mark.parametrize(
    ("export", "overrides", "column", "fragment"),
    [
        ("diagnostics", {"freins": "MOBILITE|VOYAGE"}, "freins", "code(s) inconnu(s)"),
        ("diagnostics", {"freins": "MOBILITE||SANTE"}, "freins", "code(s) inconnu(s)"),
        ("inscriptions", {"code_agence": "1300"}, "code_agence", "format invalide"),
        ("inscriptions", {"annee_naissance": "1850"}, "annee_naissance", "hors bornes [1900 ; 2100]"),
        ("inscriptions", {"date_inscription": "2024-03-01", "date_fin": "2024-02-01"}, "date_fin", "antérieure à date_inscription"),
        ("inscriptions", {"date_inscription": "1985-06-01", "date_fin": ""}, "date_inscription", "non plausible"),
        ("inscriptions", {"date_inscription": "15/01/2024"}, "date_inscription", "date invalide"),
        ("inscriptions", {"date_maj": "2024-03-02T00:00:00"}, "date_maj", "postérieure à la date d'extraction"),
        ("inscriptions", {"date_maj": "2024-03-01 10:00:00"}, "date_maj", "horodatage invalide"),
        ("accompagnements", {"intensite_hebdo_heures": "12,5"}, "intensite_hebdo_heures", "séparateur décimal '.'"),
        ("controles", {"date_ouverture": "2024-02-01", "date_decision": "2024-01-01"}, "date_decision", "antérieure à date_ouverture"),
        ("alertes_finalite", {"score_risque": "1.5"}, "score_risque", "hors bornes"),
    ],
)
def test_row_checks(inbox, warehouse, export, overrides, column, fragment):
    inbox.write_csv(export, date(2024, 3, 1), [valid_row(export, 1), valid_row(export, 2, **overrides)])
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    (row,), _ = _quarantine(warehouse)
    assert row[1] == 3 and row[2] == column and fragment in row[3], row


def test_future_planned_dates_and_late_day_changes_are_accepted(inbox, warehouse):
    inbox.write_csv("entretiens", date(2024, 3, 1), [
        valid_row("entretiens", 1, date_entretien="2024-06-15", statut="PLANIFIE", date_maj="2024-03-01T23:59:59"),
    ])
    inbox.write_csv("emplois", date(2024, 3, 1), [
        valid_row("emplois", 1, date_fin_previsionnelle="2025-12-31", duree_hebdo_heures="35"),
    ])
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)


def test_multi_valued_codes_and_empty_optional_are_valid(inbox, warehouse):
    inbox.write_csv("diagnostics", date(2024, 3, 1), [
        valid_row("diagnostics", 1, freins="MOBILITE|SANTE|LOGEMENT"),
        valid_row("diagnostics", 2, freins=""),
    ])
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert report.rows_loaded == 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select freins from raw.diagnostics order by _ligne").fetchall() == [
            ("MOBILITE|SANTE|LOGEMENT",), (None,)]


def test_a_line_with_too_many_fields_keeps_no_content(inbox, warehouse):
    # an extra field shifts every value: the raw id_personne could land under another name
    cols = list(EXPORTS["emplois"].column_names)
    row = valid_row("emplois", 1, id_personne="RAW-PERSON")
    line = ";".join(["EXTRA"] + [row[c] for c in cols])
    inbox.write_bytes("emplois", "emplois_20240301.csv", (";".join(cols) + "\n" + line + "\n").encode())
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert (report.rows_read, report.rows_quarantined) == (1, 1)
    (row_q,), _ = _quarantine(warehouse)
    assert row_q[1] == 2 and row_q[2] is None
    assert "nombre de champs incorrect : 10 au lieu de 9" in row_q[3]
    assert "RAW-PERSON" not in row_q[4] and "contenu non conservé" in json.loads(row_q[4])["_avertissement"]
