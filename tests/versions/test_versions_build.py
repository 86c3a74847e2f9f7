"""With real builds: each publication is journaled with its date d'arrêté and files, and the build
after a rollback ends in the same state as a build started from the restored version."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.build import run_build
from pipelines.core.contract import PSEUDONYMISED_COLUMNS, parse_delivery_name
from pipelines.core.settings import Settings
from pipelines.synthetic import generate
from pipelines.synthetic.generator import last_day_of_previous_month, start_for_months
from pipelines.versions import SCHEMAS_PUBLIES, TABLES_PUBLIEES, lire_journal, lister_versions, restaurer

pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(settings: Settings) -> dict:
    """What a build publishes, and the raw layer it keeps in its work copy, in comparable form."""
    out = {}
    for path, requetes in (
        (settings.warehouse, {
            "arrete": "select date_arrete from marts.arrete",
            "indicateurs": "select * from marts.indicateurs",
            "publies": "select * from publication.indicateurs",
        }),
        (settings.work_warehouse, {
            "fichiers": "select export, fichier, hash_contenu, statut, lignes_chargees, lignes_quarantaine from raw._fichiers",
            "inscriptions": "select count(*) from raw.inscriptions",
        }),
    ):
        con = duckdb.connect(str(path), read_only=True)
        try:
            out |= {k: sorted(con.execute(sql).fetchall(), key=repr) for k, sql in requetes.items()}
        finally:
            con.close()
    return out


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    end = last_day_of_previous_month()
    generate(root / "complet", regions=["76"], start=start_for_months(end, 2), end=end, persons=300, seed=11)
    files = [p for p in (root / "complet").glob("*/*") if p.is_file() and not p.name.startswith("_")]
    last_day = max(parse_delivery_name(p.name).date_extraction for p in files)
    inbox = root / "inbox"
    derniere = []  # the last day's delivery, added for the second build
    for p in files:
        dst = inbox / p.parent.name / p.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if parse_delivery_name(p.name).date_extraction == last_day:
            derniere.append((p, dst))
        else:
            shutil.copy(p, dst)
    assert derniere
    settings = Settings.from_env(data_dir=root, inbox=inbox, warehouse=root / "pub" / "socle.duckdb")

    out = {"settings": settings, "derniere": derniere}
    out["v1"] = run_build(settings).publication
    out["etat_v1"] = state(settings)
    for src, dst in derniere:
        shutil.copy(src, dst)
    out["v2"] = run_build(settings).publication
    out["etat_v2"] = state(settings)
    return out


def test_versions_journal_of_real_builds(scenario):
    settings, v1, v2 = scenario["settings"], scenario["v1"], scenario["v2"]
    e1, e2 = (e for e in lire_journal(settings) if e["id"] in (v1["id"], v2["id"]))
    assert e1["date_arrete"] == scenario["etat_v1"]["arrete"][0][0].isoformat()
    assert e2["date_arrete"] == scenario["etat_v2"]["arrete"][0][0].isoformat()
    assert e2["date_arrete"] > e1["date_arrete"]
    assert e1["fichiers"]["nombre"] == sum(1 for f in scenario["etat_v1"]["fichiers"] if f[3] == "CHARGE")
    nouveaux = {f["fichier"] for f in e2["fichiers"]["nouveaux"]}
    assert nouveaux == {f"{dst.parent.name}/{dst.name}" for _, dst in scenario["derniere"]}
    assert e2["version_precedente"] == e1["id"]
    assert e2["sha256"] == sha(settings.warehouse)
    # the quality gates ran before publication: their status is journaled with the version
    assert e1["qualite"] is not None and e1["qualite"]["statut"] in {"OK", "AVERTISSEMENTS"}


def test_published_file_holds_no_person_level_row(scenario):
    """The file readers open is the publication file: what they read, no row about a person, an
    episode or an agent — neither a column of the contract's identifiers nor any of their values."""
    settings = scenario["settings"]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        colonnes = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
        ).fetchall()
        textes = [(s, t, c) for s, t, c, ty in colonnes if ty == "VARCHAR"]
        valeurs = set()
        for s, t, c in textes:
            valeurs |= {r[0] for r in con.execute(f'select distinct "{c}" from "{s}"."{t}"').fetchall()}
    assert {(s, t) for s, t in tables if s not in SCHEMAS_PUBLIES} == set(TABLES_PUBLIEES)
    assert {("publication", "indicateurs"), ("publication", "journal"), ("referentiel", "agences")} <= set(tables)
    assert not [c for c in colonnes if c[2] in PSEUDONYMISED_COLUMNS]
    # the work copy keeps the pseudonymised rows; none of their identifiers reached the file
    with duckdb.connect(str(settings.work_warehouse), read_only=True) as con:
        identifiants = set()
        for colonne in ("id_personne", "id_inscription"):
            identifiants |= {r[0] for r in con.execute(f"select distinct {colonne} from raw.inscriptions").fetchall()}
    assert len(identifiants) > 100
    assert not identifiants & valeurs
    assert settings.warehouse.stat().st_size < settings.work_warehouse.stat().st_size / 2


def test_versions_build_after_rollback_equals_build_from_restored_version(scenario):
    settings, v1 = scenario["settings"], scenario["v1"]
    restaurer(settings)
    assert sha(settings.warehouse) == v1["sha256"]

    # The last delivery was bad: it is withdrawn from the inbox, then the next build runs.
    for _, dst in scenario["derniere"]:
        dst.unlink()
    v3 = run_build(settings).publication
    assert v3["version_precedente"] == v1["id"]
    assert v3["fichiers"]["nouveaux"] == []
    assert state(settings) == scenario["etat_v1"]

    # Delivered again: the files loaded after v1 are seen as new and re-ingested, same result as v2.
    for src, dst in scenario["derniere"]:
        shutil.copy(src, dst)
    v4 = run_build(settings).publication
    assert len(v4["fichiers"]["nouveaux"]) == len(scenario["derniere"])
    assert state(settings) == scenario["etat_v2"]
    assert [v.id for v in lister_versions(settings) if v.courante] == [v4["id"]]
