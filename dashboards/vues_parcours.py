"""Display pieces of the Parcours and Retour à l'emploi pages.

Pure functions, like ``dashboards.vues`` (whose helpers they reuse): frames of cells in (columns
``indicateur, periode, niveau, territoire, libelle, dimension, modalite, numerateur,
denominateur, valeur, unite, provisoire, secret``), tables with French headers or Plotly figures
out. A secret cell shows « s » and is never drawn; a figure built here from several cells (a share
of a cohort) is secret as soon as one of its parts is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards import vues
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import B5

# ---------------------------------------------------------------------------------------------
# Months


def dernier_definitif(serie: pl.DataFrame) -> dict | None:
    """The latest final (not provisional) cell of a one-territory, one-modality series."""
    definitifs = serie.filter(~pl.col("provisoire")).sort("periode")
    return definitifs.row(-1, named=True) if definitifs.height else None


def dernier_mois(cellules: pl.DataFrame, mois: date) -> pl.DataFrame:
    """Each indicator's cells of its latest month up to ``mois``: the chosen month may have no
    cell yet for some indicators (a window not over, no event so far in the month)."""
    jusqu_a = cellules.filter(pl.col("periode") <= mois)
    return jusqu_a.filter(pl.col("periode") == pl.col("periode").max().over("indicateur"))


# ---------------------------------------------------------------------------------------------
# Cells derived from cells


def part_de_la_cohorte(modalites: pl.DataFrame, ensemble: pl.DataFrame) -> pl.DataFrame:
    """Each modality's share of the cohort, as ratio cells: numerator the modality's population
    (its denominator), denominator the whole cohort's.

    For B8 by ``parcours`` the rate within a modality is 100 % (or 0 % for ``aucun``) by
    construction; what a committee reads is how the cohort splits between the parcours entered
    within 15 days and none. Secret when the modality or the whole cohort is."""
    if modalites.height == 0 or ensemble.height == 0:
        return vues.en_cellules(modalites.head(0))
    total = ensemble.row(0, named=True)
    secret = pl.col("secret") | bool(total["secret"]) | pl.lit(fmt.est_vide(total["denominateur"]))
    return vues.en_cellules(modalites.with_columns(
        numerateur=pl.col("denominateur"), denominateur=pl.lit(total["denominateur"], pl.Float64),
    ).with_columns(secret=secret).with_columns(
        numerateur=pl.when(pl.col("secret")).then(None).otherwise(pl.col("numerateur")),
        denominateur=pl.when(pl.col("secret")).then(None).otherwise(pl.col("denominateur")),
        valeur=pl.when(pl.col("secret") | (pl.col("denominateur") <= 0)).then(None)
        .otherwise(pl.col("numerateur") / pl.col("denominateur")),
        unite=pl.lit("taux"),
    ))


def tableau_part_cohorte(parts: pl.DataFrame, listes: Mapping | None = None,
                         dico: Mapping | None = None) -> pl.DataFrame:
    """:func:`vues.tableau_detail` of :func:`part_de_la_cohorte` cells, whose breakdown column
    says they are shares of the cohort (not the indicator's own cells)."""
    return vues.tableau_detail(parts, listes, dico).with_columns(
        pl.col("Ventilation") + pl.lit(" (part de la cohorte)"))


# ---------------------------------------------------------------------------------------------
# Figures

_RANG_CALCULEES = {cle: rang for rang, cle in enumerate(fmt.LIBELLES_MODALITES_CALCULEES)}


def ordre_modalites(dimension: str, codes: Sequence[str]) -> list[str]:
    """Modalities in reading order: the computed ones (waiting bands, age bands, experiment
    groups) in their natural order, the others by code."""
    return sorted(set(codes), key=lambda c: (_RANG_CALCULEES.get((dimension, c), len(_RANG_CALCULEES)), c))


def marge_valeurs(fig: go.Figure, horizontal: bool = True, marge: float = 0.18) -> go.Figure:
    """Room on the value axis for the labels printed outside the bars (else the longest one is
    cut at the edge of the plot)."""
    valeurs = [v for t in fig.data for v in ((t.x if horizontal else t.y) or ()) if isinstance(v, (int, float))]
    if valeurs and max(valeurs) > 0:
        (fig.update_xaxes if horizontal else fig.update_yaxes)(range=[0, max(valeurs) * (1 + marge)])
    return fig


def figure_barres_groupees(cellules: pl.DataFrame, listes: Mapping | None = None,
                           dico: Mapping | None = None, mise_en_avant: str | None = None,
                           references: Mapping[str, float] | None = None) -> go.Figure:
    """Horizontal bars of one month by modality (long labels: allowances, operators), one bar
    per indicator side by side (C1 and C2 of a breakdown; one indicator gives plain bars). A
    secret bar is not drawn and reads « s » in its place; ``mise_en_avant`` (a modality code,
    e.g. ``RSA``) is outlined and its label in bold; ``references`` (by modality) are diamonds."""
    fig = go.Figure()
    dimension = cellules["dimension"][0] if cellules.height else "ensemble"
    modalites = ordre_modalites(dimension, cellules["modalite"].to_list())
    noms = {m: fmt.libelle_modalite(dimension, m, listes) for m in modalites}
    etiquettes = [f"<b>{noms[m]}</b>" if m == mise_en_avant else noms[m] for m in modalites]
    indicateurs = list(dict.fromkeys(cellules["indicateur"].to_list()))
    largeur = 0.8 / max(1, len(indicateurs))
    secrets: list[dict] = []
    for rang, indicateur in enumerate(indicateurs):
        par_modalite = {c["modalite"]: c for c in cellules.filter(pl.col("indicateur") == indicateur).to_dicts()}
        lignes = [par_modalite.get(m) for m in modalites]
        nom = fmt.libelle_indicateur(indicateur, dico, avec_numero=True)
        fig.add_trace(go.Bar(
            y=etiquettes, orientation="h", name=nom,
            x=[None if c is None or c.get("secret") else c["valeur"] for c in lignes],
            # One month: its provisional state is said by the block's title and the hover.
            text=[fmt.VIDE if c is None else vues.texte_cellule(c).replace(fmt.MENTION_PROVISOIRE, "")
                  for c in lignes],
            hovertext=[fmt.VIDE if c is None else vues.texte_survol(f"{nom} – {noms[m]}", c)
                       for m, c in zip(modalites, lignes)],
            hoverinfo="text", textposition="outside", cliponaxis=False,
            marker={"color": vues.PALETTE[rang % len(vues.PALETTE)],
                    "line": {"color": "#000000", "width": [2.5 if m == mise_en_avant else 0 for m in modalites]}},
        ))
        # A bar that is not drawn shows no text: « s » is written where it would start.
        decalage = (rang - (len(indicateurs) - 1) / 2) * largeur
        secrets += [
            {"x": 0, "y": position + decalage, "text": fmt.SECRET, "showarrow": False, "xanchor": "left",
             "font": {"color": vues.PALETTE[rang % len(vues.PALETTE)]}}
            for position, c in enumerate(lignes) if c is not None and c.get("secret")
        ]
    unite = cellules["unite"].drop_nulls().first() if cellules.height else None
    references = {m: v for m, v in (references or {}).items() if m in noms}
    if references:
        fig.add_trace(go.Scatter(
            x=list(references.values()), y=[etiquettes[modalites.index(m)] for m in references],
            mode="markers", name="valeur de référence",
            marker={"symbol": "diamond", "size": 11, "color": vues.PALETTE[5]},
            text=[fmt.format_valeur(v, unite) for v in references.values()],
            hovertemplate="référence : %{text}<extra></extra>",
        ))
    # One layout update: each Plotly update re-validates the figure (tens of ms).
    fig.update_layout(barmode="group", annotations=secrets)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickformat=".0%" if unite == "taux" else ",d", rangemode="tozero", title=None)
    vues._mise_en_page(fig, 90 + 30 * len(modalites) * max(1, len(indicateurs)))
    fig.update_layout(showlegend=len(indicateurs) > 1 or bool(references))
    textes = [t for trace in fig.data if trace.type == "bar" for t in trace.text or ()]
    # The labels printed after the bars need room (« 1 034 », « 23,5 % »).
    return marge_valeurs(fig, horizontal=True, marge=0.06 + 0.014 * max((len(t) for t in textes), default=0))


def figure_empilee(series: pl.DataFrame, listes: Mapping | None = None, part: bool = False) -> go.Figure:
    """Stacked bars over months, one colour per modality of one breakdown (waiting bands of B3,
    operators of B5, reasons of B12). Provisional months hatched; secret segments left out (their
    hover says « s »). ``part``: the modalities are shares of a whole (axis 0–100 %)."""
    fig = go.Figure()
    periodes = sorted(series["periode"].unique().to_list()) if series.height else []
    dimension = series["dimension"][0] if series.height else "ensemble"
    for rang, modalite in enumerate(ordre_modalites(dimension, series["modalite"].to_list())):
        par_mois = {c["periode"]: c for c in series.filter(pl.col("modalite") == modalite).to_dicts()}
        lignes = [par_mois.get(p) for p in periodes]
        nom = fmt.libelle_modalite(dimension, modalite, listes)
        fig.add_trace(go.Bar(
            x=periodes, name=nom,
            y=[None if c is None or c.get("secret") else c["valeur"] for c in lignes],
            hovertext=[fmt.VIDE if c is None else vues.texte_survol(nom, c) for c in lignes],
            hoverinfo="text",
            marker={"color": vues.PALETTE[rang % len(vues.PALETTE)],
                    "pattern": {"shape": ["/" if c is not None and c["provisoire"] else "" for c in lignes]}},
        ))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    vues.axe_mois(fig, periodes)
    vues._axe_valeurs(fig, "taux" if part else (series["unite"].drop_nulls().first() if series.height else None))
    if part:
        fig.update_yaxes(range=[0, 1])
    return vues._mise_en_page(fig, 380)


def references_repartition(refs: pl.DataFrame, territoire: str,
                           dimension: str = "operateur_retenu") -> tuple[dict[str, float], dict | None]:
    """Published orientation split to draw against B5: the territory's own (a region's) when
    published, else France's; by modality (a reference for several modalities together, e.g.
    ``CD|CAP_EMPLOI``, applies to none). Also the first reference row, for its source."""
    if refs.height == 0:
        return {}, None
    du_b5 = refs.filter((pl.col("indicateur") == B5) & (pl.col("dimension") == dimension))
    propres = du_b5.filter(pl.col("territoire") == territoire)
    choisies = propres if propres.height else du_b5.filter(pl.col("territoire") == "FR")
    valeurs = {r["modalite"]: r["valeur"] for r in choisies.to_dicts() if "|" not in r["modalite"]}
    return valeurs, (choisies.row(0, named=True) if choisies.height else None)
