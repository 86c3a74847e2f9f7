"""The MSA evaluation for the Expérimentations page: the agencies' monthly cells the user may read
(internal view for the directions, published view otherwise, through the perimeter), turned into
estimates by :mod:`pipelines.evaluation`. Cached until the published file changes: a page view
does not refit 30 regressions.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboards.acces import Perimetre
from dashboards.data import extraire
from dashboards.data_connexion import requete, signature
from pipelines.evaluation import did
from pipelines.evaluation import panel as pn


def agences_regions(path: Path | str) -> pl.DataFrame:
    """``code_agence, code_region`` of every agency of the referential (public)."""
    return requete(path, "select code_agence, code_region from referentiel.agences order by code_agence")


def _groupes(path: Path, regions: tuple[str, ...] | None) -> pl.DataFrame:
    experimentations = requete(
        path, "select code_agence, experimentation, modalite, date_debut from referentiel.experimentations")
    return pn.groupes_agences(experimentations, agences_regions(path), None if regions is None else list(regions))


def _panel(path: Path, perimetre: Perimetre, regions: tuple[str, ...] | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    groupes = _groupes(path, regions)
    cellules = extraire(path, perimetre, list(pn.INDICATEURS), "AGENCE", groupes["code_agence"].to_list())
    return groupes, pn.panel(cellules, groupes)


@st.cache_data(show_spinner="Estimation des écarts (différence de différences)…", max_entries=16)
def _estimations(chemin: str, signature: tuple, perimetre: Perimetre, regions: tuple[str, ...] | None) -> pl.DataFrame:
    groupes, panel = _panel(Path(chemin), perimetre, regions)
    debut = pn.debut(groupes)
    if debut is None:
        return did.en_tableau([])
    return did.en_tableau(did.estimer_tout(panel, debut, pn.INDICATEURS, pn.MODELES))


def estimations(path: Path | str, perimetre: Perimetre, regions: tuple[str, ...] | None) -> pl.DataFrame:
    """One row per indicator and model (:func:`pipelines.evaluation.did.en_tableau`), on the
    agencies of ``regions`` (None: every region of the experiment) the perimeter lets the user read."""
    path = Path(path)
    return _estimations(str(path), signature(path), perimetre, regions)


@st.cache_data(show_spinner=False, max_entries=64)
def _etude(chemin: str, signature: tuple, perimetre: Perimetre, regions: tuple[str, ...] | None,
           indicateur: str) -> pl.DataFrame:
    groupes, panel = _panel(Path(chemin), perimetre, regions)
    debut = pn.debut(groupes)
    p = panel.filter(pl.col("indicateur") == indicateur)
    morceaux = []
    for modele in pn.MODELES:
        effets = did.etude_evenement(p, debut, modele) if debut is not None and p.height else None
        if effets is not None and effets.height:
            morceaux.append(effets.with_columns(modele=pl.lit(modele)))
    return pl.concat(morceaux) if morceaux else did.ETUDE_VIDE.with_columns(modele=pl.lit(None, pl.String))


def etude_evenement(path: Path | str, perimetre: Perimetre, regions: tuple[str, ...] | None,
                    indicateur: str) -> pl.DataFrame:
    """Event-study effects of both models for one indicator (``modele, relatif, effet, ic_bas,
    ic_haut``)."""
    path = Path(path)
    return _etude(str(path), signature(path), perimetre, regions, indicateur)


def groupes(path: Path | str, regions: tuple[str, ...] | None) -> pl.DataFrame:
    """The agencies in the evaluation and their group (public referential)."""
    return _groupes(Path(path), regions)
