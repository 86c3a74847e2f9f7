"""Keyed pseudonymisation (HMAC-SHA-256) of the identifiers listed in the contract.

The key is passed in by the caller (``settings.pseudonymisation_key()``); it is never logged,
stored nor put in a message. Distinct values are hashed once per batch: a file carries each
person many times, and HMAC in Python costs about a microsecond per value.

The warehouse records a fingerprint of the key (``raw._cle_pseudonymisation``, see
``verifier_cle``): a run with another key stops before writing anything, instead of giving the
same people a second set of pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import overload

import duckdb
import polars as pl

from pipelines.core.warehouse import table_exists

logger = logging.getLogger("socle.ingestion")

#: Table of the key's fingerprint, in the raw layer it protects.
TABLE_EMPREINTE = "raw._cle_pseudonymisation"
#: The fingerprint is HMAC-SHA-256(key, this fixed label): computed like a pseudonym, it tells no
#: more about the key than any stored pseudonym of a known identifier already does (a random key of
#: 32 bytes is out of reach of guessing), and the label, which no identifier looks like, keeps it
#: apart from the pseudonyms. Changing the label changes every fingerprint.
LIBELLE_EMPREINTE = "socle:empreinte-de-la-cle-de-pseudonymisation:v1"


def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("clé de pseudonymisation absente ou vide")


def _hasher(key: bytes):
    """HMAC-SHA-256 (RFC 2104) with the padded key states computed once.

    Same result as ``hmac.new(key, value, sha256)``, about twice as fast per value: copying two
    prepared SHA-256 states is cheaper than re-deriving them from the key each time.
    """
    _check_key(key)
    k = bytes(key)
    if len(k) > 64:  # SHA-256 block size
        k = hashlib.sha256(k).digest()
    k = k.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))

    def one(value: str) -> str:
        i = inner.copy()
        i.update(value.encode("utf-8"))
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return one


class Pseudonymiser:
    """Hashes Series of identifiers, remembering the hashes of a run (the same people come back
    in every daily file). The memory is bounded: past ``max_cache`` values it starts afresh."""

    def __init__(self, key: bytes, max_cache: int = 2_000_000):
        self._one = _hasher(key)
        self._cache: dict[str, str] = {}
        self._max = max_cache

    def series(self, values: pl.Series) -> pl.Series:
        values = values.cast(pl.String)
        distinct = values.drop_nulls().unique().to_list()
        if not distinct:
            return values
        cache, one = self._cache, self._one
        if len(cache) + len(distinct) > self._max:
            cache.clear()
        hashed = []
        for v in distinct:
            h = cache.get(v)
            if h is None:
                h = cache[v] = one(v)
            hashed.append(h)
        mapping = pl.DataFrame(
            {"v": pl.Series(distinct, dtype=pl.String), "h": pl.Series(hashed, dtype=pl.String)}
        )
        out = (
            values.to_frame("v")
            .join(mapping, on="v", how="left", maintain_order="left")
            .get_column("h")
        )
        return out.alias(values.name)

    def verifier_cle(self, con: duckdb.DuckDBPyConnection) -> None:
        """``verifier_cle`` with this pseudonymiser's key (which it does not keep)."""
        verifier_cle(con, self._one(LIBELLE_EMPREINTE))


def pseudonymise_series(values: pl.Series, key: bytes) -> pl.Series:
    """HMAC each distinct non-null value once; nulls stay null."""
    return Pseudonymiser(key).series(values)


@overload
def pseudonymise(values: str, key: bytes) -> str: ...
@overload
def pseudonymise(values: None, key: bytes) -> None: ...
@overload
def pseudonymise(values: pl.Series, key: bytes) -> pl.Series: ...
@overload
def pseudonymise(values: Iterable[str | None], key: bytes) -> list[str | None]: ...


def pseudonymise(values, key: bytes):
    """HMAC-SHA-256(key, value) as lowercase hex.

    Accepts one string (returns a string), ``None`` (returns ``None``), a Polars Series (returns a
    Series, nulls kept) or any iterable of strings (returns a list, ``None`` kept).
    """
    if values is None:
        _check_key(key)
        return None
    if isinstance(values, str):
        return _hasher(key)(values)
    if isinstance(values, pl.Series):
        return pseudonymise_series(values, key)
    one = _hasher(key)
    cache: dict[str, str] = {}
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
        else:
            h = cache.get(v)
            if h is None:
                h = cache[v] = one(v)
            out.append(h)
    return out


# ------------------------------------------------------------------------------------------------
# The key's fingerprint in the warehouse
# ------------------------------------------------------------------------------------------------


class CleDifferente(RuntimeError):
    """The key is not the one this warehouse's pseudonyms were made with (message in French)."""


def empreinte_cle(key: bytes) -> str:
    """HMAC-SHA-256(key, ``LIBELLE_EMPREINTE``) hex: identifies the key without revealing it."""
    return _hasher(key)(LIBELLE_EMPREINTE)


def verifier_cle(con: duckdb.DuckDBPyConnection, empreinte: str) -> None:
    """Check a key's fingerprint (``empreinte_cle``) against the one recorded in the warehouse;
    record it when there is none.

    Runs before anything else is written: a different key raises ``CleDifferente`` and leaves the
    warehouse as it was. No fingerprint but loaded files (a warehouse built before fingerprints):
    the current key is taken as the one of its pseudonyms — nothing can tell otherwise — and the
    record says so (``origine``), as does the log.
    """
    if table_exists(con, "raw", "_cle_pseudonymisation"):
        row = con.execute(f"select empreinte, enregistree_le from {TABLE_EMPREINTE} limit 1").fetchone()
        if row is not None:
            if not hmac.compare_digest(row[0], empreinte):
                raise CleDifferente(
                    "la clé de pseudonymisation n'est pas celle de cet entrepôt (clé enregistrée le "
                    f"{row[1]:%d/%m/%Y à %H:%M}) : ses pseudonymes ont été calculés avec une autre clé, et "
                    "les mêmes personnes en recevraient de nouveaux. Rien n'a été modifié. Reprenez la clé "
                    "d'origine (SOCLE_PSEUDO_KEY) ; changer de clé demande de reconstruire un nouvel "
                    "entrepôt depuis les exports reçus (docs/exploitation.md)."
                )
            return
    deja_charge = table_exists(con, "raw", "_fichiers") and bool(
        con.execute("select count(*) from raw._fichiers where statut = 'CHARGE'").fetchone()[0]  # type: ignore[index]
    )
    origine = "entrepot_existant" if deja_charge else "entrepot_vide"
    con.begin()
    try:
        con.execute("create schema if not exists raw")
        con.execute(
            f"""
            create table if not exists {TABLE_EMPREINTE} (
                empreinte varchar not null,        -- HMAC-SHA-256(clé, libellé fixe) : jamais la clé
                enregistree_le timestamp not null,
                origine varchar not null           -- entrepot_vide, entrepot_existant (chargé avant l'empreinte)
            )
            """
        )
        con.execute(f"insert into {TABLE_EMPREINTE} values (?, ?, ?)",
                    [empreinte, datetime.now().replace(microsecond=0), origine])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    if deja_charge:
        logger.warning(
            "Empreinte de la clé de pseudonymisation enregistrée dans un entrepôt déjà chargé sans "
            "empreinte : la clé actuelle est tenue pour celle de ses pseudonymes."
        )
