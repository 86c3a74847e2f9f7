"""Publication keeps versions (pruned to N) and journals each one; rollback swaps back atomically."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.warehouse import BuildLocked, build_lock
from pipelines.versions import (
    VersionError,
    journal_path,
    lire_journal,
    lister_versions,
    publier_version,
    restaurer,
    versions_dir,
)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_versions_are_kept_and_pruned_to_n(settings, fake_build):
    ids = []
    for k in range(5):
        ids.append(publier_version(settings, fake_build.step(marker=k))["id"])
    assert len(set(ids)) == 5  # several publications within one second get distinct ids
    kept = lister_versions(settings)
    assert [v.id for v in kept] == list(reversed(ids))[:3]  # newest first, N = 3
    assert len(list(versions_dir(settings).iterdir())) == 3
    assert [v.courante for v in kept] == [True, False, False]
    # the journal keeps the whole history, pruned versions included
    assert [e["id"] for e in lire_journal(settings)] == ids


def test_journal_records_arrete_files_quality_and_hash(settings, fake_build):
    first = publier_version(settings, fake_build.step(new_files=3, arrete=date(2026, 9, 30)))
    fake_build.step(new_files=2, arrete=date(2026, 10, 31))
    con = duckdb.connect(str(settings.work_warehouse))
    con.execute("create schema qualite")
    # The shape written by quality.gates: one row per quality run, the last one counts.
    con.execute("create table qualite.executions (horodatage timestamp, chargements bigint[], statut varchar, "
                "bloquants integer, avertissements integer, controles integer, data_docs varchar)")
    con.execute("insert into qualite.executions values ('2026-11-01 06:00', [1], 'BLOQUE', 1, 0, 40, null), "
                "('2026-11-02 06:00', [2], 'AVERTISSEMENTS', 0, 2, 42, '/docs/index.html')")
    con.close()
    second = publier_version(settings, settings.work_warehouse)

    entries = [json.loads(line) for line in journal_path(settings).read_text().splitlines()]
    assert [e["id"] for e in entries] == [first["id"], second["id"]]
    e1, e2 = entries
    assert e1["date_arrete"] == "2026-09-30" and e2["date_arrete"] == "2026-10-31"
    assert e1["fichiers"]["nombre"] == 3 and e2["fichiers"]["nombre"] == 5
    # the journal lists the files new in each version (the full list lives in raw._fichiers)
    assert [f["id_chargement"] for f in e2["fichiers"]["nouveaux"]] == [4, 5]
    assert e2["fichiers"]["nouveaux"][0]["hash_contenu"] == f"{4:064x}"
    assert e1["fichiers"]["empreinte"] != e2["fichiers"]["empreinte"]
    assert e1["qualite"] is None
    assert e2["qualite"]["statut"] == "AVERTISSEMENTS"
    assert (e2["qualite"]["controles"], e2["qualite"]["avertissements"]) == (42, 2)
    assert e2["qualite"]["data_docs"] == "/docs/index.html"
    assert e2["version_precedente"] == e1["id"]
    assert e2["seuil_secret"] == settings.seuil_secret
    assert e2["sha256"] == sha(settings.warehouse) == sha(versions_dir(settings) / e2["archive"])

    # the published file knows its own lineage
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    rows = con.execute(
        "select id, version_precedente, date_arrete, fichiers_nombre from publication.journal order by horodatage, id"
    ).fetchall()
    con.close()
    assert rows == [(e1["id"], None, date(2026, 9, 30), 3), (e2["id"], e1["id"], date(2026, 10, 31), 5)]


def test_quality_summary_falls_back_on_results_of_the_last_run(tmp_path):
    from pipelines.versions import resume_qualite

    con = duckdb.connect(str(tmp_path / "q.duckdb"))
    assert resume_qualite(con) is None
    con.execute("create schema qualite")
    con.execute("create table qualite.resultats (horodatage timestamp, controle varchar, severite varchar, succes boolean)")
    con.execute("insert into qualite.resultats values ('2026-11-01', 'a', 'bloquant', false), "
                "('2026-11-02', 'a', 'bloquant', true), ('2026-11-02', 'b', 'avertissement', false)")
    assert resume_qualite(con) == {"statut": "AVERTISSEMENTS", "controles": 2, "bloquants": 0, "avertissements": 1,
                                   "horodatage": "2026-11-02T00:00:00", "data_docs": None}
    con.close()


def test_rollback_restores_previous_file_byte_for_byte(settings, fake_build, read_marker):
    v1 = publier_version(settings, fake_build.step(marker=1))
    v2 = publier_version(settings, fake_build.step(marker=2))
    assert sha(settings.warehouse) == v2["sha256"]

    entry = restaurer(settings)
    assert entry["type"] == "retour_arriere"
    assert entry["version"] == v1["id"] and entry["version_precedente"] == v2["id"]
    assert sha(settings.warehouse) == v1["sha256"]
    assert read_marker(settings.warehouse) == 1
    # the next build starts from the restored state: the work copy's loads are v1's
    con = duckdb.connect(str(settings.work_warehouse), read_only=True)
    try:
        assert [r[0] for r in con.execute("select id_chargement from raw._fichiers order by 1").fetchall()] == [1, 2]
        assert con.execute("select id from publication.journal").fetchall() == [(v1["id"],)]
    finally:
        con.close()
    assert [v.id for v in lister_versions(settings) if v.courante] == [v1["id"]]
    assert lire_journal(settings)[-1]["type"] == "retour_arriere"

    # nothing older than v1: a second rollback refuses clearly, and changes nothing
    with pytest.raises(VersionError, match="aucune version antérieure"):
        restaurer(settings)
    assert sha(settings.warehouse) == v1["sha256"]
    # an explicit version goes forward again
    restaurer(settings, v2["id"])
    assert sha(settings.warehouse) == v2["sha256"]


def test_next_publication_after_rollback_follows_the_restored_lineage(settings, fake_build):
    v1 = publier_version(settings, fake_build.step())
    publier_version(settings, fake_build.step())
    restaurer(settings)
    fake_build.n_files = 2  # the work copy is back at v1: the registry restarts from there
    v3 = publier_version(settings, fake_build.step(new_files=1))
    assert v3["version_precedente"] == v1["id"]
    assert [f["id_chargement"] for f in v3["fichiers"]["nouveaux"]] == [3]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    ids = [r[0] for r in con.execute("select id from publication.journal order by horodatage, id").fetchall()]
    con.close()
    assert ids == [v1["id"], v3["id"]]


def test_rollback_is_atomic_for_readers(settings, fake_build):
    publier_version(settings, fake_build.step(marker=1))
    publier_version(settings, fake_build.step(marker=2))
    reader = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert reader.execute("select valeur from publication.marqueur").fetchone()[0] == 2
        restaurer(settings)
        # the reader opened before keeps its snapshot (the old file, still open)...
        assert reader.execute("select valeur from publication.marqueur").fetchone()[0] == 2
        assert reader.execute("select count(*) from marts.arrete").fetchone()[0] == 1
        # ...a new reader (another process, as a dashboard would be) gets the restored version
        code = (
            "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); "
            "print(c.execute('select valeur from publication.marqueur').fetchone()[0])"
        )
        out = subprocess.run([sys.executable, "-c", code, str(settings.warehouse)], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "1"
    finally:
        reader.close()
    assert not list(settings.warehouse.parent.glob(".*.publication"))  # no temp left behind


def test_rollback_without_previous_version_fails_clearly(settings, fake_build):
    with pytest.raises(VersionError, match="aucune version archivée"):
        restaurer(settings)
    v1 = publier_version(settings, fake_build.step())
    with pytest.raises(VersionError, match="aucune version antérieure"):
        restaurer(settings)
    with pytest.raises(VersionError, match="introuvable"):
        restaurer(settings, "20000101T000000")
    assert sha(settings.warehouse) == v1["sha256"]

    res = CliRunner().invoke(app, ["restaurer", "--entrepot", str(settings.warehouse)])
    assert res.exit_code == 1
    assert "Retour arrière impossible" in res.output and "aucune version antérieure" in res.output


def test_rollback_refuses_a_damaged_archive(settings, fake_build):
    v1 = publier_version(settings, fake_build.step(marker=1))
    v2 = publier_version(settings, fake_build.step(marker=2))
    archive = versions_dir(settings) / v1["archive"]
    with open(archive, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\xff\xfe")
    with pytest.raises(VersionError, match="altéré"):
        restaurer(settings)
    assert sha(settings.warehouse) == v2["sha256"]


def test_rollback_takes_the_build_lock(settings, fake_build):
    v1 = publier_version(settings, fake_build.step())
    v2 = publier_version(settings, fake_build.step())
    with build_lock(settings):
        with pytest.raises(BuildLocked):
            restaurer(settings, v1["id"])
    assert sha(settings.warehouse) == v2["sha256"]


def test_cli_lists_publications_and_rolls_back(settings, fake_build, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line
    v1 = publier_version(settings, fake_build.step(arrete=date(2026, 9, 30)))
    v2 = publier_version(settings, fake_build.step(arrete=date(2026, 10, 31)))
    runner = CliRunner()
    res = runner.invoke(app, ["publications", "--entrepot", str(settings.warehouse)])
    assert res.exit_code == 0, res.output
    assert v1["id"] in res.output and v2["id"] in res.output
    assert "31/10/2026" in res.output and "30/09/2026" in res.output
    line_v2 = next(line for line in res.output.splitlines() if f" {v2['id']} " in line)
    assert "courante" in line_v2

    res = runner.invoke(app, ["restaurer", "--entrepot", str(settings.warehouse)])
    assert res.exit_code == 0, res.output
    assert f"Version {v1['id']} restaurée" in " ".join(res.output.split())
    assert sha(settings.warehouse) == v1["sha256"]
    res = runner.invoke(app, ["publications", "--entrepot", str(settings.warehouse)])
    line_v1 = next(line for line in res.output.splitlines() if f" {v1['id']} " in line)
    assert "courante" in line_v1


def test_failed_publication_leaves_published_file_archives_and_journal_untouched(settings, fake_build, monkeypatch):
    import pipelines.versions as versions

    v1 = publier_version(settings, fake_build.step(marker=1))
    work = fake_build.step(marker=2)

    def disk_full(src, published):
        raise OSError("No space left on device")

    monkeypatch.setattr(versions, "_installer", disk_full)
    with pytest.raises(OSError, match="No space"):
        publier_version(settings, work)
    monkeypatch.undo()
    assert sha(settings.warehouse) == v1["sha256"]
    assert [e["id"] for e in lire_journal(settings)] == [v1["id"]]
    assert [p.name for p in versions_dir(settings).iterdir()] == [v1["archive"]]

    # a record left in the work copy by a publication killed before the swap is not kept either
    con = duckdb.connect(str(work))
    con.execute("insert into publication.journal (id, type, horodatage) values ('fantome', 'publication', now())")
    con.close()
    v2 = publier_version(settings, work)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    ids = [r[0] for r in con.execute("select id from publication.journal order by horodatage, id").fetchall()]
    con.close()
    assert ids == [v1["id"], v2["id"]]
