"""Deliveries: the same one twice, out of order, a correction after a tombstone, a tombstone for a
key never seen — through the real `socle construire` (scenario A then X, see conftest)."""

from __future__ import annotations

import pytest

from .conftest import assert_nothing_lost, interne, query

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def x(scenario):
    return scenario.x()


def test_out_of_order_deliveries_give_the_same_indicators(scenario, x):
    # A loaded the later half first, X the earlier half afterwards; R loaded all in order at once
    a, r = scenario.results["A"]["state"], scenario.results["R"]["state"]
    assert a["marts"] != r["marts"]  # A really was another state
    for part in ("marts", "publication", "arrete"):
        assert x["state"][part] == r[part], part


def test_tombstone_removes_the_record(scenario):
    a = scenario.results["A"]["warehouse"]
    k = scenario.key
    assert query(interne(a), "select count(*) from staging.stg_inscriptions where id_inscription = ?", [k]) == [(0,)]
    raw = query(interne(a), "select supprime from raw.inscriptions where id_inscription = ? order by date_maj", [k])
    assert raw and raw[-1] == (True,)  # kept in raw (append-only), last version a tombstone


def test_correction_after_a_tombstone_resurrects_the_record(scenario, x):
    k, corr = scenario.key, scenario.correction_row
    rows = query(interne(x["warehouse"]), "select categorie, code_agence, strftime(date_maj, '%Y-%m-%dT%H:%M:%S'), fichier_source "
                                 "from staging.stg_inscriptions where id_inscription = ?", [k])
    assert rows == [(corr["categorie"], corr["code_agence"], corr["date_maj"], scenario.correction.rel)]
    versions = query(interne(x["warehouse"]), "select supprime from raw.inscriptions where id_inscription = ? order by date_maj", [k])
    assert [v for (v,) in versions][-2:] == [True, False]


def test_tombstone_for_a_key_never_seen_is_kept_in_raw_without_effect(scenario, x):
    ghost = scenario.ghost  # as stored: pseudonymised like every id_*
    assert query(interne(x["warehouse"]), "select supprime from raw.inscriptions where id_inscription = ?", [ghost]) == [(True,)]
    assert query(interne(x["warehouse"]), "select count(*) from staging.stg_inscriptions where id_inscription = ?", [ghost]) == [(0,)]
    assert query(interne(x["warehouse"]), "select count(*) from quarantine.lignes where contenu like ?", [f"%{ghost}%"]) == [(0,)]


def test_same_delivery_twice_is_a_no_op(scenario, x):
    again = [f for f in scenario.x_files if f.statut == "DEJA_CHARGE"]
    assert again
    out = x["output"].replace("\n", " ")
    assert "déjà chargé" in out
    loaded = {r for (r,) in query(interne(x["warehouse"]), "select fichier from raw._fichiers where statut = 'CHARGE'")}
    for f in again:  # not registered again; the first delivery is the one loaded
        assert query(interne(x["warehouse"]), "select count(*) from raw._fichiers where fichier = ?", [f.rel]) == [(0,)]
        assert f.motif.removeprefix("contenu identique à ").removesuffix(" (déjà chargé)") in loaded
    # registry: every loaded content once, whatever the names it came under
    dup = query(interne(x["warehouse"]), "select hash_contenu from raw._fichiers group by 1 having count(*) > 1")
    assert dup == []
    assert_nothing_lost(x["warehouse"], x["inbox"])
