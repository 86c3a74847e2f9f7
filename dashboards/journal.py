"""Access log of the dashboards: one JSON line per page view, download or sign-in attempt,
append-only.

The log is a local file (``SOCLE_JOURNAL_ACCES``, default ``data/journal_acces.jsonl``), never the
warehouse: the warehouse file is replaced at each publication and is opened read-only. Its lines
are written by ``pipelines.core.journal_acces``, which the dispatch of misuse alerts uses too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import polars as pl

from pipelines.core import journal_acces
from pipelines.core.settings import Settings

ACTIONS = ("vue", "telechargement")
#: Sign-in attempts (page ``connexion``): signed in, wrong identifier or password, refused
#: because of repeated failures (``dashboards.acces.Limiteur``).
ACTIONS_CONNEXION = ("connexion", "echec_connexion", "connexion_bloquee")
#: What the log keeps of a typed identifier (a long paste must not bloat it).
LONGUEUR_IDENTIFIANT = 100
COLONNES = journal_acces.COLONNES


class Utilisateur(Protocol):
    """Who is logged: a signed-in user (``dashboards.acces.Utilisateur``, which uses this module
    to log sign-ins: hence a protocol here, not an import)."""

    identifiant: str
    role: str


def chemin_journal() -> Path:
    return Settings.from_env().fichier_journal_acces


def journaliser(
    utilisateur: Utilisateur,
    page: str,
    territoire: str | None = None,
    indicateur: str | None = None,
    action: str = "vue",
    chemin: Path | None = None,
) -> dict:
    """Append one event (who, role, page, territory, indicator, UTC time) and return it.

    One ``write`` of one line in append mode, flushed and synced: concurrent sessions never
    interleave within a line and an event survives a crash right after the view.
    """
    if action not in ACTIONS:
        raise ValueError(f"Action inconnue : {action!r} (attendu : {ACTIONS})")
    return _ajouter(utilisateur.identifiant, utilisateur.role, page, territoire, indicateur, action, chemin)


def journaliser_connexion(
    identifiant: str, action: str, utilisateur: Utilisateur | None = None, chemin: Path | None = None
) -> dict:
    """Append one sign-in attempt: the identifier as typed (shortened), the role once signed in,
    never the password."""
    if action not in ACTIONS_CONNEXION:
        raise ValueError(f"Action inconnue : {action!r} (attendu : {ACTIONS_CONNEXION})")
    role = utilisateur.role if utilisateur else None
    return _ajouter(identifiant[:LONGUEUR_IDENTIFIANT], role, "connexion", None, None, action, chemin)


def _ajouter(identifiant: str, role: str | None, page: str, territoire: str | None,
             indicateur: str | None, action: str, chemin: Path | None) -> dict:
    return journal_acces.ajouter(Path(chemin or chemin_journal()), identifiant, role, page, territoire,
                                 indicateur, action)


def journaliser_vue_une_fois(
    utilisateur: Utilisateur, page: str, territoire: str | None = None, indicateur: str | None = None
) -> bool:
    """For a page: log the view once per (page, territory, indicator) shown in a row, not at
    every rerun a widget triggers (same view, same event). True when a line was written."""
    import streamlit as st

    cle = (utilisateur.identifiant, page, territoire, indicateur)
    if st.session_state.get("_derniere_vue_journalisee") == cle:
        return False
    journaliser(utilisateur, page, territoire, indicateur, "vue")
    st.session_state["_derniere_vue_journalisee"] = cle
    return True


def lire_journal(chemin: Path | None = None) -> pl.DataFrame:
    """The log as a frame, most recent first; a damaged line is skipped, not fatal."""
    chemin = Path(chemin or chemin_journal())
    lignes = []
    if chemin.exists():
        with open(chemin, encoding="utf-8") as f:
            for brute in f:
                try:
                    e = json.loads(brute)
                except json.JSONDecodeError:
                    continue
                if isinstance(e, dict):
                    lignes.append({c: (None if e.get(c) is None else str(e.get(c))) for c in COLONNES})
    # Lines are appended in time order: reversing the file is the order of events, even when two
    # share a millisecond.
    return pl.DataFrame(lignes[::-1], schema={c: pl.String for c in COLONNES})
