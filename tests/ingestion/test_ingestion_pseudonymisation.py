from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest

from pipelines.ingestion import pseudonymise


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
