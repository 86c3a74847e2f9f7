"""The pseudonymisation key: required outside `socle demo`, long enough, and the warehouse's own.

A lost key used to fork the pseudonyms silently (issue 11): a new key was generated, the build
exited 0 and the same person got a second pseudonym. The warehouse now records a fingerprint of
its key; another key stops the run before anything is written.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import stat
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import cli
from pipelines.core.settings import (
    COMMANDE_CLE,
    LONGUEUR_CLE_MIN,
    CleDePseudonymisationError,
    Settings,
    pseudonymisation_key,
)
from pipelines.ingestion import ingest_inbox
from pipelines.ingestion.pseudonymisation import LIBELLE_EMPREINTE, CleDifferente, empreinte_cle

from .conftest import KEY, valid_row

AUTRE_CLE = "une-autre-cle-de-pseudonymisation-de-test"


@pytest.fixture
def sans_cle(monkeypatch, tmp_path) -> Settings:
    """Settings without SOCLE_PSEUDO_KEY, the demo key file under the test's folder."""
    monkeypatch.delenv("SOCLE_PSEUDO_KEY", raising=False)
    return Settings.from_env(data_dir=tmp_path, pseudo_key_file=tmp_path / "config" / "cle_pseudonymisation")


def _fingerprint(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select empreinte, origine from raw._cle_pseudonymisation").fetchall()


# ------------------------------------------------------------------------------------------------
# The key's rules
# ------------------------------------------------------------------------------------------------


def test_outside_demo_the_key_is_required_and_never_generated(sans_cle):
    with pytest.raises(CleDePseudonymisationError) as exc:
        pseudonymisation_key(sans_cle)
    assert "SOCLE_PSEUDO_KEY est obligatoire" in str(exc.value)
    assert COMMANDE_CLE in str(exc.value)  # how to make one
    assert not sans_cle.pseudo_key_file.exists()


@pytest.mark.parametrize("demo", [False, True])
def test_a_short_key_is_refused_without_being_quoted(sans_cle, monkeypatch, demo):
    courte = "c" * (LONGUEUR_CLE_MIN - 1)
    monkeypatch.setenv("SOCLE_PSEUDO_KEY", courte)
    with pytest.raises(CleDePseudonymisationError) as exc:
        pseudonymisation_key(Settings.from_env(demo=demo))
    message = str(exc.value)
    assert "SOCLE_PSEUDO_KEY est trop courte : 31 octets, il en faut au moins 32" in message
    assert courte not in message


def test_the_length_is_counted_in_utf8_bytes(sans_cle, monkeypatch):
    monkeypatch.setenv("SOCLE_PSEUDO_KEY", "é" * 16)  # 16 characters, 32 bytes
    assert pseudonymisation_key(sans_cle) == ("é" * 16).encode("utf-8")
    monkeypatch.setenv("SOCLE_PSEUDO_KEY", "é" * 15 + "e")  # 31 bytes
    with pytest.raises(CleDePseudonymisationError, match="31 octets"):
        pseudonymisation_key(sans_cle)


def test_demo_creates_the_local_key_once_and_the_environment_wins(sans_cle, monkeypatch):
    demo = Settings.from_env(demo=True, pseudo_key_file=sans_cle.pseudo_key_file)
    key = pseudonymisation_key(demo)
    path = demo.pseudo_key_file
    assert len(key) == 64 and path.read_bytes().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pseudonymisation_key(demo) == key  # read again, not made again
    monkeypatch.setenv("SOCLE_PSEUDO_KEY", AUTRE_CLE)
    assert pseudonymisation_key(demo) == AUTRE_CLE.encode()


def test_socle_demo_builds_in_demo_mode(monkeypatch, tmp_path):
    # `socle demo` hands demo mode to its build (the build itself is tested elsewhere)
    seen = []
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path))  # what the demo writes besides (accounts)
    monkeypatch.delenv("SOCLE_UTILISATEURS", raising=False)
    monkeypatch.setattr(cli, "_inbox_has_files", lambda _inbox: True)
    monkeypatch.setattr(cli, "do_build", seen.append)
    res = CliRunner().invoke(cli.app, ["demo", "--sans-servir"])
    assert res.exit_code == 0, res.output
    assert [s.demo for s in seen] == [True]
    assert Settings.from_env().demo is False  # every other entry point


# ------------------------------------------------------------------------------------------------
# The fingerprint in the warehouse
# ------------------------------------------------------------------------------------------------


def test_the_first_load_records_a_fingerprint_not_the_key(inbox, warehouse):
    inbox.write_csv("emplois", date(2024, 3, 1), [valid_row("emplois", 1)])
    ingest_inbox(warehouse, inbox.root, KEY)
    expected = hmac.new(KEY, LIBELLE_EMPREINTE.encode(), hashlib.sha256).hexdigest()
    assert empreinte_cle(KEY) == expected
    assert _fingerprint(warehouse) == [(expected, "entrepot_vide")]
    assert expected != hashlib.sha256(KEY).hexdigest() and KEY not in warehouse.read_bytes()
    inbox.write_csv("emplois", date(2024, 3, 2), [valid_row("emplois", 2)])
    assert ingest_inbox(warehouse, inbox.root, KEY).rows_loaded == 1  # same key: goes on
    assert _fingerprint(warehouse) == [(expected, "entrepot_vide")]


def test_another_key_stops_the_run_and_changes_nothing(inbox, warehouse):
    inbox.write_csv("inscriptions", date(2024, 3, 1), [valid_row("inscriptions", 1)])
    ingest_inbox(warehouse, inbox.root, KEY)
    pending = inbox.write_csv("inscriptions", date(2024, 3, 2), [valid_row("inscriptions", 2, categorie="Z")])
    before = warehouse.read_bytes()
    with pytest.raises(CleDifferente) as exc:
        ingest_inbox(warehouse, inbox.root, AUTRE_CLE.encode())
    assert "la clé de pseudonymisation n'est pas celle de cet entrepôt" in str(exc.value)
    assert "Rien n'a été modifié" in str(exc.value)
    assert warehouse.read_bytes() == before
    assert pending.exists()
    assert ingest_inbox(warehouse, inbox.root, KEY).rows_read == 1  # the right key loads it


def test_a_warehouse_loaded_before_fingerprints_adopts_the_key_and_says_so(inbox, warehouse, caplog):
    inbox.write_csv("emplois", date(2024, 3, 1), [valid_row("emplois", 1)])
    ingest_inbox(warehouse, inbox.root, KEY)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table raw._cle_pseudonymisation")  # as built before this change
    with caplog.at_level(logging.WARNING, logger="socle.ingestion"):
        ingest_inbox(warehouse, inbox.root, KEY)
    assert _fingerprint(warehouse) == [(empreinte_cle(KEY), "entrepot_existant")]
    assert "entrepôt déjà chargé sans empreinte" in caplog.text


def test_socle_build_with_another_key_fails_cleanly_and_leaves_both_files(inbox, tmp_path, monkeypatch):
    # The published warehouse's raw layer was loaded with KEY; the build runs with another key.
    published = tmp_path / "socle.duckdb"
    inbox.write_csv("inscriptions", date(2024, 3, 1), [valid_row("inscriptions", 1)])
    ingest_inbox(published, inbox.root, KEY)
    inbox.write_csv("inscriptions", date(2024, 3, 2), [valid_row("inscriptions", 2)])
    before = published.read_bytes()
    monkeypatch.setenv("SOCLE_PSEUDO_KEY", AUTRE_CLE)
    work = Settings.from_env(warehouse=published).work_warehouse
    for _ in range(2):  # without, then with, the build's work copy
        res = CliRunner().invoke(cli.app, ["construire", "--depot", str(inbox.root), "--entrepot", str(published)])
        assert res.exit_code == 1
        out = " ".join(res.output.split())
        assert "Échec de l'étape « ingestion » : la clé de pseudonymisation n'est pas celle de cet entrepôt" in out
        assert "Traceback" not in out and AUTRE_CLE not in out
        assert published.read_bytes() == before and work.read_bytes() == before


def test_socle_build_without_a_key_touches_nothing(inbox, tmp_path, monkeypatch):
    monkeypatch.delenv("SOCLE_PSEUDO_KEY")
    inbox.write_csv("emplois", date(2024, 3, 1), [valid_row("emplois", 1)])
    published = tmp_path / "socle.duckdb"
    res = CliRunner().invoke(cli.app, ["construire", "--depot", str(inbox.root), "--entrepot", str(published)])
    assert res.exit_code == 1
    assert "SOCLE_PSEUDO_KEY est obligatoire" in " ".join(res.output.split())
    assert "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox"]  # no warehouse, no work copy


def test_the_dagster_ingestion_fails_the_run_with_another_key(inbox, tmp_path, monkeypatch):
    import dagster as dg

    from pipelines.definitions import SocleConfig, raw_assets

    published = tmp_path / "socle.duckdb"
    inbox.write_csv("inscriptions", date(2024, 3, 1), [valid_row("inscriptions", 1)])
    ingest_inbox(published, inbox.root, KEY)
    monkeypatch.setenv("SOCLE_PSEUDO_KEY", AUTRE_CLE)
    asset = next(a for a in raw_assets if a.key == dg.AssetKey(["raw", "inscriptions"]))
    result = dg.materialize([asset], resources={"socle": SocleConfig(inbox=str(inbox.root), warehouse=str(published))},
                            raise_on_error=False)
    assert not result.success
    cause = result.get_step_failure_events()[0].step_failure_data.error.cause
    assert cause.cls_name == "CleDifferente" and "n'est pas celle de cet entrepôt" in cause.message
