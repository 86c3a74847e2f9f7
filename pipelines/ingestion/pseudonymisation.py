"""Keyed pseudonymisation (HMAC-SHA-256) of the identifiers listed in the contract.

The key is passed in by the caller (``settings.pseudonymisation_key()``); it is never logged,
stored nor put in a message. Distinct values are hashed once per batch: a file carries each
person many times, and HMAC in Python costs about a microsecond per value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import overload

import polars as pl


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
