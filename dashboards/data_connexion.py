"""Connection to the published warehouse: one read-only connection per published version, and the
caches of the dashboards' queries.

The server holds **one read-only DuckDB connection per published version** of the file, and each
query runs on a cursor of its own (DuckDB cursors may be used from the sessions' threads). The
published file is replaced atomically by a build (never written in place), so a reader never
meets the writer's lock; when the file's identity (inode, size, modification time) changes, the
old connection is closed and the next query opens the new version. Opening the file costs far
more than the small queries of a page (tens of milliseconds each), hence the one connection.
Results are cached with ``st.cache_data`` keyed on that identity too: a new publication changes
the key, so it shows without restarting the server.

Every function takes the warehouse path first and returns a Polars DataFrame (or a scalar).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from pipelines.core import lecture
from pipelines.core.settings import Settings

#: The internal table of figures (see the indicator contract); the perimeter picks the table.
TABLE_INDICATEURS = lecture.TABLE_INTERNE
TABLE_ARRETE = "marts.arrete"

#: The warehouse cannot be read; the message is for the user, in French.
EntrepotIndisponible = lecture.EntrepotIndisponible


def chemin_entrepot() -> Path:
    """The published warehouse: ``SOCLE_WAREHOUSE``, else the project's default (settings)."""
    return Settings.from_env().warehouse


def signature(path: Path) -> tuple[int, int, int]:
    """Identity of one published version of the file: an atomic replace changes the inode and
    the modification time, so it changes the cache key."""
    try:
        s = path.stat()
    except FileNotFoundError:
        raise lecture.entrepot_absent(path) from None
    return (s.st_ino, s.st_size, s.st_mtime_ns)


_CONNEXIONS: dict[str, tuple[tuple[int, int, int], duckdb.DuckDBPyConnection]] = {}
_VERROU = threading.Lock()


def _connexion(path: Path, signature: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    """The read-only connection of this published version; a new version closes the old one
    first (DuckDB shares one database instance per path in a process: the old one must go)."""
    cle = str(path)
    with _VERROU:
        actuelle = _CONNEXIONS.get(cle)
        if actuelle is not None and actuelle[0] == signature:
            return actuelle[1]
        if actuelle is not None:
            actuelle[1].close()
            del _CONNEXIONS[cle]
        con = lecture.connexion(path)
        _CONNEXIONS[cle] = (signature, con)
        return con


def fermer_connexions() -> None:
    """Close the held connections (tests, and before a process writes the same file)."""
    with _VERROU:
        for _, con in _CONNEXIONS.values():
            con.close()
        _CONNEXIONS.clear()


def _executer(path: Path, signature: tuple[int, int, int], sql: str, params: Sequence) -> pl.DataFrame:
    """Run one query on a cursor of the version's read-only connection. DuckDB errors become
    French messages."""
    curseur = _connexion(path, signature).cursor()
    try:
        return curseur.sql(sql, params=list(params)).pl()
    except duckdb.CatalogException as exc:
        raise entrepot_incomplet(path, exc) from exc
    finally:
        curseur.close()


def entrepot_incomplet(path: Path, detail) -> EntrepotIndisponible:
    """The error of a warehouse built only part of the way (a table missing)."""
    return EntrepotIndisponible(
        f"L'entrepôt {path} ne contient pas les tables attendues "
        f"({TABLE_INDICATEURS}, {TABLE_ARRETE}, referentiel.*) : il n'a sans doute pas été "
        f"construit jusqu'au bout. Lancez `socle construire`. Détail : {detail}"
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _requete_en_cache(chemin: str, signature: tuple[int, int, int], sql: str, params: tuple) -> pl.DataFrame:
    return _executer(Path(chemin), signature, sql, params)


def requete(path: Path | str, sql: str, params: Iterable = ()) -> pl.DataFrame:
    """Run a read-only query on the warehouse, cached until the file is replaced."""
    path = Path(path)
    return _requete_en_cache(str(path), signature(path), sql, tuple(params))


@st.cache_data(show_spinner=False, max_entries=64)
def _lecture_en_cache(chemin: str, signature: tuple[int, int, int], fonction: str, args: tuple):
    curseur = _connexion(Path(chemin), signature).cursor()
    try:
        return getattr(lecture, fonction)(curseur, *args)
    finally:
        curseur.close()


def lire(path: Path | str, fonction: str, *args):
    """``pipelines.core.lecture.<fonction>`` on the version's connection, cached until the file is
    replaced (as :func:`requete`)."""
    path = Path(path)
    return _lecture_en_cache(str(path), signature(path), fonction, args)


def vider_cache() -> None:
    """Forget the cached results and close the connections."""
    _requete_en_cache.clear()
    _lecture_en_cache.clear()
    fermer_connexions()
