from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date

import duckdb
import polars as pl
import pytest

from pipelines.core.contract import EXPORTS, PSEUDONYMISED_COLUMNS
from pipelines.ingestion import ingest_inbox, pseudonymise

from .conftest import KEY, all_text_values, pseudo, valid_row


@pytest.mark.parametrize("key", [b"k", b"cle-secrete", b"x" * 100])
def test_pseudonymise_is_hmac_sha256_hex(key):
    for v in ("P1", "éèà", ""):
        assert pseudonymise(v, key) == hmac.new(key, v.encode(), hashlib.sha256).hexdigest()


def test_pseudonymise_kinds_and_nulls():
    key = b"k"
    s = pl.Series("id_personne", ["a", None, "b", "a"])
    out = pseudonymise(s, key)
    assert isinstance(out, pl.Series) and out.name == "id_personne"
    assert out.to_list() == [pseudonymise("a", key), None, pseudonymise("b", key), pseudonymise("a", key)]
    assert pseudonymise(["a", None], key) == [pseudonymise("a", key), None]
    assert pseudonymise(None, key) is None
    assert pseudonymise("a", b"k2") != pseudonymise("a", key)


def test_empty_key_is_refused():
    with pytest.raises(ValueError):
        pseudonymise("a", b"")


def test_every_identifier_of_the_contract_is_pseudonymised():
    ids = {c.name for e in EXPORTS.values() for c in e.columns if c.name.startswith("id_")}
    assert set(PSEUDONYMISED_COLUMNS) == ids
    assert {"id_inscription", "id_controle", "id_alerte", "id_personne"} <= ids


def test_a_key_holding_the_person_number_is_stored_hashed_and_still_joins(inbox, warehouse):
    # As in the synthetic data: the episode's key is "I" + the person's number + a digit.
    person = "P0004271953"
    episode = "I" + person[1:] + "1"
    inbox.write_csv("inscriptions", date(2024, 3, 1),
                    [valid_row("inscriptions", 1, id_inscription=episode, id_personne=person)])
    inbox.write_csv("orientations", date(2024, 3, 2), [
        valid_row("orientations", 1, id_inscription=episode, id_personne=person),
        valid_row("orientations", 2, id_inscription=episode, id_personne=person, nature="?"),  # to quarantine
    ])
    report = ingest_inbox(warehouse, inbox.root, KEY)
    assert (report.rows_loaded, report.rows_quarantined) == (2, 1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        values = all_text_values(con)  # raw.*, quarantine.lignes, the registry
        joined = con.execute("""select o.id_inscription, o.id_personne from raw.orientations o
                                join raw.inscriptions i using (id_inscription, id_personne)""").fetchall()
        (contenu,) = con.execute("select contenu from quarantine.lignes").fetchone()
    assert not {v for v in values if person[1:] in v}  # neither the person's number, nor a key holding it
    # the same id in two exports, the same pseudonym: the join holds
    assert joined == [(pseudo(episode), pseudo(person))]
    assert json.loads(contenu)["id_inscription"] == pseudo(episode)
