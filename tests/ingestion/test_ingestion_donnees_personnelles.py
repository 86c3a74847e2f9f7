"""Personal data and hostile files at the door (issue 11): what must never be stored or read."""

from __future__ import annotations

import gzip
from datetime import date

import duckdb
import pytest

from pipelines.core.contract import EXPORTS
from pipelines.ingestion import CHARGE, REJETE, ingest_inbox, pending_files
from pipelines.ingestion.reading import Limits

from .conftest import KEY, csv_text, valid_row


def _every_text(warehouse) -> str:
    """Every text value of every table of the warehouse, joined: what a reader of the file sees."""
    out = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cols = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        for schema, table, col in cols:
            out += [str(v) for (v,) in con.execute(f'select "{col}" from {schema}.{table}').fetchall()]
    return "\n".join(out)


def _registry(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select fichier, statut, motif, colonnes_ignorees from raw._fichiers order by id_chargement"
        ).fetchall()


def test_columns_out_of_the_contract_are_read_but_never_stored(inbox, warehouse):
    cols = list(EXPORTS["accompagnements"].column_names)
    rows = [{**valid_row("accompagnements", 1), "Canal_Source": "web-secret", "lot": "L7"}]
    inbox.write_csv("accompagnements", date(2024, 3, 1), rows, columns=cols + ["Canal_Source", "lot"])
    report = ingest_inbox(warehouse, inbox.root, KEY)
    (f,) = report.files
    assert (f.status, f.rows_loaded) == (CHARGE, 1)
    assert f.ignored_columns == ("canal_source", "lot")
    assert "colonne(s) hors contrat non conservée(s) : canal_source, lot" in f.summary()
    assert _registry(warehouse)[0][3] == "canal_source, lot"
    text = _every_text(warehouse)
    assert "web-secret" not in text and "L7" not in text
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = {c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = 'accompagnements'").fetchall()}
    assert "_colonnes_extra" not in names


def test_an_older_warehouse_loses_its_stored_extra_columns(inbox, warehouse):
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:  # the layout of earlier versions, with a NIR kept
        con.execute("create schema raw")
        con.execute("create table raw.emplois (id_emploi varchar, _colonnes_extra json)")
        con.execute("""insert into raw.emplois values ('E1', '{"nir":"185057512345678"}')""")
    ingest_inbox(warehouse, inbox.root, KEY)
    assert "185057512345678" not in _every_text(warehouse)


@pytest.mark.parametrize(
    "extra, named",
    [
        (["nir_personne", "nom_naissance", "ID_PERSONNE_CLAIR", "mail"],
         "nir_personne (nir), nom_naissance (naissance), id_personne_clair (identifiant en clair "
         "(id_personne)), mail"),
        (["Prénom"], "prénom (prenom)"),
        (["AdresseMail"], "adressemail (mail)"),
        (["TEL"], "tel"),
    ],
)
def test_personal_data_columns_reject_the_file_by_pattern(inbox, warehouse, extra, named):
    cols = list(EXPORTS["inscriptions"].column_names)
    values = ["185057512345678", "Dupont", "P-000123", "jean.dupont@example.org"]
    row = {**valid_row("inscriptions", 1), **dict(zip(extra, values))}
    inbox.write_csv("inscriptions", date(2024, 3, 1), [row], columns=cols + extra)
    report = ingest_inbox(warehouse, inbox.root, KEY)
    (f,) = report.files
    assert f.status == REJETE
    assert f.reason == f"colonne interdite (donnée personnelle, jamais ingérée) : {named} (ligne 1, en-tête)"
    stored = _every_text(warehouse)
    for v in values:
        assert v not in f.reason and v not in stored
    motif = (inbox.root / "_quarantaine" / "inscriptions" / "inscriptions_20240301.csv.motif.txt").read_text()
    assert not any(v in motif for v in values)


@pytest.mark.parametrize(
    "value, label",
    [
        ("1 85 05 75 123 456 78", "numéro de sécurité sociale (NIR)"),
        ("PF-2850575123456-X", "numéro de sécurité sociale (NIR)"),
        ("voir jean.dupont@example.org", "adresse e-mail"),
    ],
)
def test_values_shaped_like_personal_data_are_quarantined_without_their_value(inbox, warehouse, value, label):
    rows = [valid_row("controles", 1), valid_row("controles", 2, code_plateforme=value),
            valid_row("controles", 3, code_plateforme="PF-31-A")]
    inbox.write_csv("controles", date(2024, 3, 1), rows)
    report = ingest_inbox(warehouse, inbox.root, KEY)
    (f,) = report.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((ligne, colonne, motif, contenu),) = con.execute(
            "select ligne, colonne, motif, contenu from quarantine.lignes").fetchall()
    assert (ligne, colonne) == (3, "code_plateforme")
    assert motif == f"code_plateforme : donnée personnelle interdite (forme de {label}), valeur non conservée"
    assert "contenu non conservé" in contenu
    assert value not in _every_text(warehouse)


def test_a_value_shaped_like_a_nir_in_a_coded_column_is_not_quoted(inbox, warehouse):
    inbox.write_csv("inscriptions", date(2024, 3, 1), [valid_row("inscriptions", 1, categorie="185057512345678")])
    ingest_inbox(warehouse, inbox.root, KEY)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (motif,) = con.execute("select motif from quarantine.lignes").fetchone()
    assert "categorie : donnée personnelle interdite" in motif
    assert "185057512345678" not in _every_text(warehouse)


def test_a_gzip_bomb_is_refused_by_its_ratio_without_being_held(inbox, warehouse):
    header = ";".join(EXPORTS["emplois"].column_names).encode()
    bomb = gzip.compress(header + b"\n" + b"A" * (40 * 1024 * 1024) + b"\n", compresslevel=9)
    assert len(bomb) < 100_000
    inbox.write_bytes("emplois", "emplois_20240301.csv.gz", bomb)
    (f,) = ingest_inbox(warehouse, inbox.root, KEY).files
    assert f.status == REJETE
    assert "taux de compression supérieur à 200" in f.reason


def test_caps_on_decompressed_size_and_line_length_are_configurable(inbox, warehouse):
    rows = [valid_row("emplois", i) for i in range(200)]
    inbox.write_csv("emplois", date(2024, 3, 1), rows, gz=True)
    long_line = valid_row("emplois", 999, source="A" * 5000)
    inbox.write_csv("emplois", date(2024, 3, 2), rows[:2] + [long_line])
    report = ingest_inbox(warehouse, inbox.root, KEY,
                          limits=Limits(max_decompressed_bytes=10_000, max_line_bytes=4000))
    first, second = report.files
    assert first.status == REJETE and "plus de 10\u202f000 octets une fois décompressé" in first.reason
    assert second.status == REJETE and second.reason.startswith("ligne 4 plus longue que 4\u202f000 octets")


def test_quarantine_keeps_a_capped_copy_of_a_huge_field(inbox, warehouse):
    huge = "Z" * 2_000_000
    inbox.write_csv("inscriptions", date(2024, 3, 1), [valid_row("inscriptions", 1, categorie=huge)])
    ingest_inbox(warehouse, inbox.root, KEY)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((motif, contenu),) = con.execute("select motif, contenu from quarantine.lignes").fetchall()
    assert len(motif) < 200 and "…" in motif
    assert len(contenu) < 4000 and "[tronqué : 2000000 caractères]" in contenu


def test_a_file_rejected_for_its_name_is_loaded_when_sent_again_well_named(inbox, warehouse):
    data = csv_text([valid_row("emplois", 1), valid_row("emplois", 2)]).encode()
    inbox.write_bytes("emplois", "emplois-mars.csv", data)
    first = ingest_inbox(warehouse, inbox.root, KEY)
    assert first.files[0].status == REJETE
    good = inbox.write_bytes("emplois", "emplois_20240301.csv", data)  # the same bytes, well named
    assert pending_files(warehouse, inbox.root, "emplois") == [good]
    second = ingest_inbox(warehouse, inbox.root, KEY)
    (f,) = second.files
    assert (f.status, f.rows_loaded) == (CHARGE, 2)


def test_links_are_never_followed(inbox, warehouse, tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    target = outside / "emplois_20240301.csv"
    target.write_text(csv_text([valid_row("emplois", 1)]))
    (inbox.root / "emplois").mkdir(parents=True)
    (inbox.root / "emplois" / "emplois_20240301.csv").symlink_to(target)
    (outside / "controles").mkdir()
    (outside / "controles" / "controles_20240301.csv").write_text(csv_text([valid_row("controles", 1)]))
    (inbox.root / "controles").symlink_to(outside / "controles", target_is_directory=True)
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert report.files == [] and report.rows_read == 0
    refused = dict(report.ignored)
    assert "lien symbolique refusé" in refused["emplois/emplois_20240301.csv"]
    assert "lien symbolique refusé" in refused["controles"]
    assert target.exists()  # not moved either: it is not the inbox's
    assert pending_files(warehouse, inbox.root) == []


def test_the_caps_come_from_the_settings(monkeypatch):
    from pipelines.core.settings import Settings

    monkeypatch.setenv("SOCLE_GZIP_MAX_RATIO", "50")
    monkeypatch.setenv("SOCLE_LINE_MAX_BYTES", "1024")
    limits = Limits.from_settings(Settings.from_env())
    assert (limits.max_gzip_ratio, limits.max_line_bytes) == (50, 1024)
    assert limits.max_decompressed_bytes == Limits().max_decompressed_bytes
