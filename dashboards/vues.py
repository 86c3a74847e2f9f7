"""Display building blocks of the pages: tables with French headers and Plotly figures.

Pure functions from query results (``dashboards.data``) to objects Streamlit shows, so the
pages stay thin and these shapes are testable without a browser.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.colors import qualitative

from dashboards import format as fmt

COLONNE_TERRITOIRE = "Territoire"
COLONNE_NIVEAU = "Niveau"


def tableau_territoires(cellules: pl.DataFrame, indicateurs: Sequence[str]) -> pl.DataFrame:
    """One row per territory (in the order of ``cellules``), one formatted column per indicator.

    Provisional cells read « … (provisoire) », absent cells « – ».
    """
    lignes: dict[tuple[str, str], dict[str, str]] = {}
    for c in cellules.to_dicts():
        cle = (c["niveau"], c["territoire"])
        if cle not in lignes:
            lignes[cle] = {
                COLONNE_TERRITOIRE: fmt.libelle_territoire(c["niveau"], c["territoire"], c["libelle"]),
                COLONNE_NIVEAU: fmt.libelle_niveau(c["niveau"]),
            }
        lignes[cle][c["indicateur"]] = fmt.format_cellule(c["valeur"], c["unite"], c["provisoire"])
    colonnes = [COLONNE_TERRITOIRE, COLONNE_NIVEAU] + [fmt.libelle_indicateur(i) for i in indicateurs]
    rows = [
        [ligne[COLONNE_TERRITOIRE], ligne[COLONNE_NIVEAU]]
        + [ligne.get(i, fmt.VIDE) for i in indicateurs]
        for ligne in lignes.values()
    ]
    return pl.DataFrame(rows, schema=[(c, pl.String) for c in colonnes], orient="row")


def colonnes_tableau(indicateurs: Sequence[str]) -> dict:
    """``column_config`` of :func:`tableau_territoires`: figures right-aligned, definitions as help."""
    import streamlit as st

    config = {COLONNE_TERRITOIRE: st.column_config.TextColumn(pinned=True, width=220)}
    for i in indicateurs:
        config[fmt.libelle_indicateur(i)] = st.column_config.TextColumn(
            alignment="right", help=fmt.DEFINITIONS_INDICATEURS.get(i)
        )
    return config


def _graduations(periodes: list[date], maximum: int = 12) -> tuple[list[date], list[str]]:
    """French month ticks (Plotly's own month names are English), thinned to ``maximum``."""
    pas = max(1, -(-len(periodes) // maximum))
    choisies = periodes[::-1][::pas][::-1]  # keep the latest month
    return choisies, [fmt.format_mois(p) for p in choisies]


def figure_serie(series: pl.DataFrame, indicateur: str) -> go.Figure:
    """Line chart over time, one line per territory; provisional months dotted, open markers.

    ``series`` has the columns of ``data.series_region``.
    """
    fig = go.Figure()
    couleurs = qualitative.Plotly
    territoires = series.select("niveau", "territoire", "libelle").unique(maintain_order=True)
    unite = series["unite"].drop_nulls().first() if series.height else None
    for rang, t in enumerate(territoires.to_dicts()):
        points = series.filter(
            (pl.col("niveau") == t["niveau"]) & (pl.col("territoire") == t["territoire"])
        ).sort("periode")
        nom = fmt.libelle_territoire(t["niveau"], t["territoire"], t["libelle"])
        couleur = couleurs[rang % len(couleurs)]
        largeur = 3 if t["niveau"] == "REGION" else 1.5
        definitifs = points.filter(~pl.col("provisoire").fill_null(False))
        provisoires = points.filter(pl.col("provisoire").fill_null(False))
        # The dotted part starts at the last final point so that the line stays continuous.
        raccord = definitifs.tail(1) if provisoires.height else definitifs.head(0)
        for morceau, est_provisoire in ((definitifs, False), (pl.concat([raccord, provisoires]), True)):
            if morceau.height == 0:
                continue
            textes = [
                f"{nom}<br>{fmt.format_mois_long(p)} : "
                f"{fmt.format_cellule(v, unite, prov)}"
                for p, v, prov in morceau.select("periode", "valeur", "provisoire").iter_rows()
            ]
            fig.add_trace(
                go.Scatter(
                    x=morceau["periode"].to_list(),
                    y=morceau["valeur"].to_list(),
                    mode="lines+markers",
                    name=nom if not est_provisoire else f"{nom} (provisoire)",
                    legendgroup=t["territoire"],
                    showlegend=not est_provisoire or definitifs.height == 0,
                    line={"color": couleur, "width": largeur, "dash": "dot" if est_provisoire else "solid"},
                    marker={
                        "color": couleur,
                        "size": 8 if est_provisoire else 6,
                        "symbol": [
                            "circle-open" if prov else "circle"
                            for prov in morceau["provisoire"].fill_null(False).to_list()
                        ],
                    },
                    text=textes,
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    periodes = sorted(series["periode"].unique().to_list()) if series.height else []
    valeurs, libelles = _graduations(periodes)
    fig.update_layout(
        separators=",\u202f",  # decimal comma, narrow no-break space for thousands
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=360,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="closest",
    )
    fig.update_xaxes(tickvals=valeurs, ticktext=libelles, title=None)
    if unite == "taux":
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", title=None)
    else:
        fig.update_yaxes(
            rangemode="tozero",
            title="jours" if unite == "jours" else None,
            tickformat=",d" if unite == "nombre" else None,
        )
    return fig
