"""Display building blocks of the pages: tables with French headers and Plotly figures.

Pure functions from query results (``dashboards.data``: frames of cells with the columns
``indicateur, periode, niveau, territoire, libelle, dimension, modalite, numerateur,
denominateur, valeur, unite, provisoire, secret``) to objects Streamlit shows, so the pages stay
thin and these shapes are testable without a browser. A secret cell shows « s » in tables and is
left out of charts (a gap, never a value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import plotly.graph_objects as go
import polars as pl

from pipelines import equite
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import A_FENETRE, LIBELLE_RUPTURE, NOTE_RUPTURE, RUPTURE_SERIE, traverse_rupture

COLONNE_TERRITOIRE = "Territoire"
COLONNE_NIVEAU = "Niveau"

#: Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Sequential colour scale of the maps (viridis: colour-blind safe, readable in grey).
ECHELLE_CARTE = "Viridis"

SEPARATEURS = ",\u202f"  # Plotly: decimal comma, narrow no-break space for thousands

SCHEMA_CELLULE: dict[str, pl.DataType] = {
    "indicateur": pl.String, "periode": pl.Date, "niveau": pl.String, "territoire": pl.String,
    "libelle": pl.String, "dimension": pl.String, "modalite": pl.String, "numerateur": pl.Float64,
    "denominateur": pl.Float64, "valeur": pl.Float64, "unite": pl.String, "provisoire": pl.Boolean,
    "secret": pl.Boolean,
}  # fmt: skip


def en_cellules(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with exactly the cell columns and types (built frames concatenate with queried ones)."""
    return df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c)
                      for c, t in SCHEMA_CELLULE.items()])


def _secret(c: Mapping) -> bool:
    return bool(c.get("secret"))


def texte_cellule(c: Mapping) -> str:
    """A cell formatted for a table: « s », the value, « (provisoire) »."""
    return fmt.format_cellule(c.get("valeur"), c.get("unite"), c.get("provisoire"), _secret(c))


def texte_survol(nom: str, c: Mapping) -> str:
    """Hover text of a point: who, when, the value and what it is made of."""
    lignes = [f"<b>{nom}</b>", f"{fmt.format_mois_long(c['periode'])} : {texte_cellule(c)}"]
    if not _secret(c):
        num, den = c.get("numerateur"), c.get("denominateur")
        if c.get("unite") == "taux" and not fmt.est_vide(den):
            lignes.append(f"{fmt.format_nombre(num)} sur {fmt.format_nombre(den)}")
        elif c.get("unite") == "ratio" and not fmt.est_vide(den):
            lignes.append(f"total : {fmt.format_nombre(num)} ; pour : {fmt.format_nombre(den)}")
        elif c.get("unite") == "jours" and not fmt.est_vide(den):
            lignes.append(f"population : {fmt.format_nombre(den)} ; ayant franchi l'étape : {fmt.format_nombre(num)}")
    return "<br>".join(lignes)


def cle_numero(numero: str | None) -> tuple[str, int]:
    """Sort key of a contract number (A1, A2, …, B10 after B9; none last), for the dictionary's
    order on the Méthodologie and Territoires pages."""
    m = re.match(r"^([A-Z])(\d+)$", numero or "")
    return (m.group(1), int(m.group(2))) if m else ("~", 0)


# ---------------------------------------------------------------------------------------------
# Tables


def tableau_territoires(
    cellules: pl.DataFrame, indicateurs: Sequence[str], dico: Mapping | None = None,
    avec_codes: bool = False,
) -> pl.DataFrame:
    """One row per territory (in the order of ``cellules``), one formatted column per indicator.

    Provisional cells read « … (provisoire) », secret ones « s », absent ones « – ».
    """
    lignes: dict[tuple[str, str], dict[str, str]] = {}
    for c in cellules.to_dicts():
        cle = (c["niveau"], c["territoire"])
        if cle not in lignes:
            lignes[cle] = {
                COLONNE_TERRITOIRE: fmt.libelle_territoire(c["niveau"], c["territoire"], c.get("libelle")),
                COLONNE_NIVEAU: fmt.libelle_niveau(c["niveau"]),
                "Code": c["territoire"],
            }
        lignes[cle][c["indicateur"]] = texte_cellule(c)
    tete = [COLONNE_TERRITOIRE, COLONNE_NIVEAU] + (["Code"] if avec_codes else [])
    colonnes = tete + [fmt.libelle_indicateur(i, dico) for i in indicateurs]
    rows = [[ligne[c] for c in tete] + [ligne.get(i, fmt.VIDE) for i in indicateurs] for ligne in lignes.values()]
    return pl.DataFrame(rows, schema=[(c, pl.String) for c in colonnes], orient="row")


def tableau_detail(cellules: pl.DataFrame, listes: Mapping | None = None, dico: Mapping | None = None) -> pl.DataFrame:
    """Cells as rows with their parts: indicator, territory, month, breakdown, modality, value,
    numerator, denominator (what the downloads of a chart contain, formatted as displayed)."""
    lignes = []
    for c in cellules.to_dicts():
        secret = _secret(c)
        lignes.append([
            fmt.libelle_indicateur(c["indicateur"], dico, avec_numero=True),
            fmt.libelle_territoire(c["niveau"], c["territoire"], c.get("libelle")),
            fmt.format_mois(c["periode"]),
            fmt.libelle_dimension(c["dimension"]),
            fmt.libelle_modalite(c["dimension"], c["modalite"], listes),
            texte_cellule(c),
            fmt.SECRET if secret else fmt.format_nombre(c.get("numerateur")),
            fmt.SECRET if secret else fmt.format_nombre(c.get("denominateur")),
        ])
    colonnes = ["Indicateur", COLONNE_TERRITOIRE, "Mois", "Ventilation", "Modalité", "Valeur",
                "Numérateur", "Dénominateur"]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def colonnes_tableau(indicateurs: Sequence[str], dico: Mapping | None = None) -> dict:
    """``column_config`` of :func:`tableau_territoires`: figures right-aligned, definitions as help."""
    import streamlit as st

    config = {COLONNE_TERRITOIRE: st.column_config.TextColumn(pinned=True, width=220)}
    for i in indicateurs:
        config[fmt.libelle_indicateur(i, dico)] = st.column_config.TextColumn(
            alignment="right", help=fmt.definition_indicateur(i, dico) or None
        )
    return config


# ---------------------------------------------------------------------------------------------
# Figures


def _graduations(periodes: list[date], maximum: int = 12) -> tuple[list[date], list[str]]:
    """French month ticks (Plotly's own month names are English), thinned to ``maximum``."""
    pas = max(1, -(-len(periodes) // maximum))
    choisies = periodes[::-1][::pas][::-1]  # keep the latest month
    return choisies, [fmt.format_mois(p) for p in choisies]


def _en_mois(periodes: Iterable) -> list[date]:
    return sorted({p.date() if isinstance(p, datetime) else p for p in periodes if p is not None})


def _enjambe(mois: date, recul: int) -> bool:
    """True when the months from ``recul`` months before ``mois`` up to it straddle the break."""
    return mois_decale(mois, recul) < RUPTURE_SERIE <= mois


def croise_rupture(periodes: Iterable, recul: int = 0) -> bool:
    """True when the months shown lie on both sides of the series break, or when one of them,
    with the ``recul`` months it reaches back to (11 for a 12-month value, 12 for a comparison
    with the year before), does."""
    mois = _en_mois(periodes)
    if not mois:
        return False
    return traverse_rupture(mois[0], mois[-1]) or any(_enjambe(m, recul) for m in mois)


def marquer_rupture(fig: go.Figure, periodes: Iterable) -> go.Figure:
    """A vertical line between December 2024 and January 2025, labelled, when the months drawn
    lie on both sides of the series break (outside them it would only stretch the axis: the
    note under the chart says it in words). Its label's hover gives the note."""
    mois = _en_mois(periodes)
    if not (mois and traverse_rupture(mois[0], mois[-1])):
        return fig
    # Half-way between the two months' points: the line separates before from after.
    x = datetime(RUPTURE_SERIE.year - 1, 12, 16, 12)
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", layer="above",
                  line={"color": "#444444", "width": 1.5}, name="rupture_serie")
    fig.add_annotation(x=x, y=1, yref="paper", text=LIBELLE_RUPTURE, showarrow=False, xanchor="left",
                       yanchor="top", font={"size": 11, "color": "#444444"}, bgcolor="rgba(255,255,255,0.8)",
                       hovertext=NOTE_RUPTURE, name="rupture_serie")
    return fig


def note_rupture(periodes: Iterable, fenetre: int = 1, annee_precedente: bool = False) -> str | None:
    """The note under a chart or table of months that crosses the series break (None when it
    does not): ``fenetre`` months per value (12: 12-month values), ``annee_precedente`` when each
    month is compared with the same month a year before."""
    mois = _en_mois(periodes)
    if not croise_rupture(mois, fenetre - 1 + (12 if annee_precedente else 0)):
        return None
    morceaux = [NOTE_RUPTURE]
    if fenetre > 1 and any(_enjambe(m, fenetre - 1) for m in mois):
        morceaux.append(f"Une valeur sur {fenetre} mois qui finit {_entre(mois_decale(RUPTURE_SERIE, 2 - fenetre))} "
                        "réunit des mois d'avant et d'après la rupture.")
    if annee_precedente and any(_enjambe(m, 12) for m in mois):
        morceaux.append(f"Pour un mois {_entre(mois_decale(RUPTURE_SERIE, -11))}, la comparaison au même mois un an "
                        "plus tôt met face à face un mois d'après et un mois d'avant la rupture.")
    return " ".join(morceaux)


def _entre(fin: date) -> str:
    """« entre janvier et novembre 2025 »: from the break's month to ``fin``."""
    debut = fmt.format_mois_long(RUPTURE_SERIE)
    if fin.year == RUPTURE_SERIE.year:
        debut = debut.removesuffix(f" {RUPTURE_SERIE.year}")
    return f"entre {debut} et {fmt.format_mois_long(fin)}"


def axe_mois(fig: go.Figure, periodes: Iterable) -> go.Figure:
    """The month axis of a chart over months: French ticks, and the series break when the months
    cross it (every chart over months goes through here)."""
    mois = _en_mois(periodes)
    valeurs, libelles = _graduations(mois)
    fig.update_xaxes(tickvals=valeurs, ticktext=libelles, title=None)
    return marquer_rupture(fig, mois)


def _axe_valeurs(fig: go.Figure, unite: str | None) -> None:
    if unite == "taux":
        # a rate's axis stays within 0–100 % (with no point, Plotly's own range ran to 400 %)
        valeurs = [v for t in fig.data for v in (getattr(t, "y", None) or ()) if v is not None]
        haut = min(1.0, max(valeurs) * 1.15) if valeurs and max(valeurs) > 0 else 1.0
        fig.update_yaxes(tickformat=".0%", range=[0, haut], title=None)
        return
    fig.update_yaxes(rangemode="tozero", title="jours" if unite == "jours" else None,
                     tickformat=",d" if unite == "nombre" else None)
    if unite == "nombre":
        # Counts are whole: a tiny range would otherwise get ticks 0,2 … rounded to « 0 0 1 1 ».
        valeurs = [v for t in fig.data for v in (getattr(t, "y", None) or ()) if v is not None]
        if not valeurs or max(valeurs) <= 5:
            fig.update_yaxes(dtick=1, range=[0, max(valeurs or [0]) + 1])


def _mise_en_page(fig: go.Figure, hauteur: int = 360) -> go.Figure:
    fig.update_layout(
        separators=SEPARATEURS,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=hauteur,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="closest",
        colorway=list(PALETTE),
    )
    return fig


def figure_serie(series: pl.DataFrame, groupe: str = "territoire", listes: Mapping | None = None,
                 reference: float | None = None, libelle_reference: str | None = None) -> go.Figure:
    """Line chart over months, one line per territory (``groupe="territoire"``) or per modality
    (``groupe="modalite"``). Provisional months dotted with open markers; secret months are gaps.
    An optional horizontal reference value (a published national figure)."""
    fig = go.Figure()
    unite = series["unite"].drop_nulls().first() if series.height else None
    cles = ["niveau", "territoire"] if groupe == "territoire" else ["dimension", "modalite"]
    groupes = series.select(cles + (["libelle"] if groupe == "territoire" else [])).unique(maintain_order=True)
    for rang, g in enumerate(groupes.to_dicts()):
        points = series.filter(pl.all_horizontal(pl.col(k) == g[k] for k in cles)).sort("periode")
        if groupe == "territoire":
            nom = fmt.libelle_territoire(g["niveau"], g["territoire"], g.get("libelle"))
        else:
            nom = fmt.libelle_modalite(g["dimension"], g["modalite"], listes)
        couleur = PALETTE[rang % len(PALETTE)]
        lignes = points.to_dicts()
        # None for secret or absent values: Plotly leaves a gap, never interpolates a secret.
        y = [None if _secret(c) else c["valeur"] for c in lignes]
        provisoires = [bool(c["provisoire"]) for c in lignes]
        definitif_y = [v if not p else None for v, p in zip(y, provisoires)]
        # The dotted part starts at the last final point so that the line stays continuous.
        dernier_definitif = max((i for i, p in enumerate(provisoires) if not p), default=None)
        provisoire_y = [
            v if (p or i == dernier_definitif) and any(provisoires) else None for i, (v, p) in enumerate(zip(y, provisoires))
        ]
        x = [c["periode"] for c in lignes]
        textes = [texte_survol(nom, c) for c in lignes]
        commun = dict(x=x, text=textes, hovertemplate="%{text}<extra></extra>", legendgroup=nom)
        fig.add_trace(go.Scatter(
            y=definitif_y, mode="lines+markers", name=nom,
            line={"color": couleur, "width": 3 if rang == 0 else 1.8},
            marker={"color": couleur, "size": 6}, **commun,
        ))
        if any(provisoires):
            fig.add_trace(go.Scatter(
                y=provisoire_y, mode="lines+markers", name=f"{nom} (provisoire)", showlegend=False,
                line={"color": couleur, "width": 2, "dash": "dot"},
                marker={"color": couleur, "size": 8, "symbol": "circle-open"}, **commun,
            ))
    if reference is not None:
        fig.add_hline(y=reference, line={"color": "#555555", "dash": "dash", "width": 1},
                      annotation_text=libelle_reference or "référence", annotation_position="top left")
    axe_mois(fig, series["periode"].to_list() if series.height else [])
    _axe_valeurs(fig, unite)
    return _mise_en_page(fig)


def figure_barres(cellules: pl.DataFrame, listes: Mapping | None = None, horizontal: bool = True,
                  references: Mapping[str, float] | None = None, hauteur: int | None = None) -> go.Figure:
    """Bars of one month by modality (``cellules`` of one indicator, one territory, one
    breakdown). Secret modalities show as an empty bar labelled « s ». Optional reference values
    by modality (drawn as diamonds)."""
    lignes = cellules.sort("modalite").to_dicts()
    unite = lignes[0]["unite"] if lignes else None
    noms = [fmt.libelle_modalite(c["dimension"], c["modalite"], listes) for c in lignes]
    valeurs = [None if _secret(c) else c["valeur"] for c in lignes]
    textes = [texte_cellule(c) for c in lignes]
    survols = [texte_survol(n, c) for n, c in zip(noms, lignes)]
    barres = dict(text=textes, textposition="outside", hovertext=survols, hoverinfo="text",
                  marker={"color": PALETTE[0]}, name="valeur", cliponaxis=False)
    if horizontal:
        fig = go.Figure(go.Bar(x=valeurs, y=noms, orientation="h", **barres))
        fig.update_yaxes(autorange="reversed")
    else:
        fig = go.Figure(go.Bar(x=noms, y=valeurs, **barres))
    if references:
        ref_noms = [n for n, c in zip(noms, lignes) if c["modalite"] in references]
        ref_vals = [references[c["modalite"]] for c in lignes if c["modalite"] in references]
        if ref_noms:
            points = dict(mode="markers", name="valeur de référence",
                          marker={"symbol": "diamond", "size": 11, "color": PALETTE[5]},
                          text=[fmt.format_valeur(v, unite) for v in ref_vals],
                          hovertemplate="référence : %{text}<extra></extra>")
            if horizontal:
                fig.add_trace(go.Scatter(x=ref_vals, y=ref_noms, **points))
            else:
                fig.add_trace(go.Scatter(x=ref_noms, y=ref_vals, **points))
    axe = fig.update_xaxes if horizontal else fig.update_yaxes
    if unite == "taux":
        axe(tickformat=".0%", rangemode="tozero", title=None)
    else:
        axe(rangemode="tozero", title="jours" if unite == "jours" else None)
    _mise_en_page(fig, hauteur or max(220, 60 + 34 * len(lignes)))
    fig.update_layout(showlegend=bool(references))
    return fig


def figure_funnel(positions: pl.DataFrame, taux_reference: float, nom_reference: str) -> go.Figure:
    """Funnel plot: each unit's rate against its volume, with the 95 % and 99,8 % limits around
    the reference rate (``pipelines.equite``). ``positions`` comes from ``equite.positionner``
    with a ``nom`` column."""
    fig = go.Figure()
    if positions.height:
        courbes = equite.courbes(taux_reference, positions["denominateur"].min() * 0.8,
                                 positions["denominateur"].max() * 1.2)
        for col_bas, col_haut, nom, tirets in (("bas_998", "haut_998", "limites à 99,8 %", "dash"),
                                               ("bas_95", "haut_95", "limites à 95 %", "dot")):
            for col, montre in ((col_haut, True), (col_bas, False)):
                fig.add_trace(go.Scatter(
                    x=courbes["volume"], y=courbes[col], mode="lines", name=nom, showlegend=montre,
                    legendgroup=nom, line={"color": "#555555", "dash": tirets, "width": 1.2},
                    hoverinfo="skip",
                ))
        # One trace per side of the limits: the legend explains the colours, and the shapes
        # (triangles up/down) still read without colour.
        au_dessus = [equite.AU_DESSUS_998, equite.AU_DESSUS_95]
        en_dessous = [equite.EN_DESSOUS_998, equite.EN_DESSOUS_95]
        groupes = (
            ("dans les limites à 95 %", [equite.DANS_LES_LIMITES], PALETTE[0], "circle"),
            ("au-dessus des limites", au_dessus, PALETTE[5], "triangle-up"),
            ("en dessous des limites", en_dessous, PALETTE[1], "triangle-down"),
        )
        for nom, valeurs, couleur, symbole in groupes:
            points = positions.filter(pl.col("position").is_in(valeurs))
            if points.height == 0:
                continue
            survols = [
                f"<b>{r['nom']}</b><br>taux : {fmt.format_taux(r['taux'])}<br>"
                f"{fmt.format_nombre(r['numerateur'])} sur {fmt.format_nombre(r['denominateur'])}<br>{r['position']}"
                for r in points.to_dicts()
            ]
            fig.add_trace(go.Scatter(
                x=points["denominateur"].to_list(), y=points["taux"].to_list(), mode="markers", name=nom,
                marker={"color": couleur, "size": 10 if symbole != "circle" else 8, "symbol": symbole,
                        "line": {"color": "white", "width": 0.5}},
                text=survols, hovertemplate="%{text}<extra></extra>",
            ))
    fig.add_hline(y=taux_reference, line={"color": PALETTE[2], "width": 2},
                  annotation_text=f"{nom_reference} : {fmt.format_taux(taux_reference)}",
                  annotation_position="top right")
    fig.update_xaxes(title="contrôles décidés (volume de l'unité)", type="log")
    if positions.height:
        # Plotly labels a log axis's minor ticks « 2, 3, 5 » (for 20, 30, 50): explicit 1-2-5
        # ticks, in French, read without ambiguity.
        bas, haut = positions["denominateur"].min() * 0.8, positions["denominateur"].max() * 1.2
        graduations = [m * 10**e for e in range(7) for m in (1, 2, 5) if bas <= m * 10**e <= haut]
        fig.update_xaxes(tickvals=graduations, ticktext=[fmt.format_nombre(v) for v in graduations])
    fig.update_yaxes(title="part des contrôles aboutissant à une sanction", tickformat=".0%", rangemode="tozero")
    return _mise_en_page(fig, 420)


def _anneaux(geometrie: Mapping) -> tuple[list, list]:
    """Longitudes and latitudes of a (Multi)Polygon's rings, rings separated by None."""
    polygones = geometrie["coordinates"] if geometrie["type"] == "MultiPolygon" else [geometrie["coordinates"]]
    x: list = []
    y: list = []
    for polygone in polygones:
        for anneau in polygone:
            x += [p[0] for p in anneau] + [None]
            y += [p[1] for p in anneau] + [None]
    return x, y


def figure_carte(geojson: dict, cellules: pl.DataFrame, titre_valeur: str) -> go.Figure:
    """Map of départements (``cellules`` at level DEPARTEMENT, polygons from ``geojson`` by
    ``properties.code_departement``), coloured on a colour-blind-safe scale. Secret or absent
    départements stay grey, their hover says « s » or « – ».

    Drawn as filled lon/lat polygons, not a Plotly ``geo`` choropleth: a ``geo`` subplot fetches
    its base map from Plotly's CDN even when hidden, and stays blank without internet access
    (the intranet, the tests). Longitudes are shrunk by cos(latitude), as a map of France is."""
    import math

    from plotly.colors import sample_colorscale

    formes = {f["properties"]["code_departement"]: f["geometry"] for f in geojson.get("features", [])}
    lignes = [c for c in cellules.to_dicts() if c["territoire"] in formes]
    # Overseas départements with metropolitan ones would shrink France to a dot between the
    # Caribbean and the Indian Ocean: the map then shows the metropole (the table lists all).
    metropole = [c for c in lignes if not str(c["territoire"]).startswith("97")]
    if metropole and len(metropole) < len(lignes):
        lignes = metropole
    avec = [c for c in lignes if not _secret(c) and not fmt.est_vide(c["valeur"])]
    unite = lignes[0]["unite"] if lignes else None
    valeurs = [float(c["valeur"]) for c in avec]
    bas, haut = (min(valeurs), max(valeurs)) if valeurs else (0.0, 1.0)
    fig = go.Figure()
    latitudes = []
    for c in lignes:
        x, y = _anneaux(formes[c["territoire"]])
        latitudes += [v for v in y if v is not None]
        if c in avec:
            t = 0.5 if haut == bas else (float(c["valeur"]) - bas) / (haut - bas)
            couleur = sample_colorscale(ECHELLE_CARTE, [t])[0]
        else:
            couleur = "#dddddd"
        nom = fmt.libelle_territoire("DEPARTEMENT", c["territoire"], c.get("libelle"))
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines", fill="toself", fillcolor=couleur, line={"color": "white", "width": 0.8},
            name=nom, text=texte_survol(nom, c), hoveron="fills", hoverinfo="text", showlegend=False,
        ))
    if avec and haut > bas:
        # An invisible point carries the colour bar (filled shapes have none); a single value
        # needs no scale (its hover says it).
        echelle = {"title": {"text": titre_valeur},
                   "tickformat": {"taux": ".0%", "nombre": ",d"}.get(unite or ""),
                   "ticksuffix": "\u00a0j" if unite == "jours" else None}
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
            marker={"color": [bas], "cmin": bas, "cmax": haut,
                    "colorscale": ECHELLE_CARTE, "showscale": True, "colorbar": echelle},
        ))
    centre = (min(latitudes) + max(latitudes)) / 2 if latitudes else 46.5
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(centre)))
    fig.update_layout(separators=SEPARATEURS, margin={"l": 0, "r": 0, "t": 10, "b": 0}, height=520,
                      plot_bgcolor="white", hovermode="closest", showlegend=False)
    return fig


# ---------------------------------------------------------------------------------------------
# Comparisons


def mois_decale(mois: date, mois_en_arriere: int) -> date:
    """The first day of the month ``mois_en_arriere`` months before ``mois``."""
    total = mois.year * 12 + mois.month - 1 - mois_en_arriere
    return date(total // 12, total % 12 + 1, 1)


def cellule_du_mois(serie: pl.DataFrame, mois: date) -> dict | None:
    """The cell of ``mois`` in a one-territory, one-modality series, or None."""
    lignes = serie.filter(pl.col("periode") == mois).to_dicts()
    return lignes[0] if lignes else None


def derniere_definitive(serie: pl.DataFrame) -> dict | None:
    """The latest final (not provisional) cell of a one-territory series, or None."""
    definitives = serie.filter(~pl.col("provisoire").fill_null(False)).sort("periode")
    return definitives.row(-1, named=True) if definitives.height else None


def cellule_phare(serie: pl.DataFrame, mois: date, indicateur: str) -> tuple[dict | None, dict | None]:
    """The headline cell of ``mois`` in a one-territory series, and the provisional cell it
    replaces (or None). An indicator with an observation window (``A_FENETRE``) whose month is
    provisional is censored — a rate still low, a median not reached — so its headline is the
    latest final month before, named by the caller; None when there is none yet."""
    s = serie.filter(pl.col("periode") <= mois)
    cellule = cellule_du_mois(s, mois)
    if indicateur not in A_FENETRE or cellule is None or not cellule["provisoire"]:
        return cellule, None
    return derniere_definitive(s), cellule


def texte_provisoire_censure(cellule: Mapping) -> str:
    """What a headline replaced by its latest final month says of the chosen month."""
    return (f"{fmt.format_mois(cellule['periode'])} : {texte_cellule(cellule).replace(fmt.MENTION_PROVISOIRE, '')}, "
            "provisoire — la fenêtre d'observation n'est pas close, le chiffre est encore incomplet (ce n'est "
            "pas un résultat).")


def evolution(serie: pl.DataFrame, mois: date, mois_en_arriere: int) -> tuple[float | None, dict | None]:
    """Change of the value from ``mois_en_arriere`` months before to ``mois`` (None when either
    cell is absent, empty or secret), and the earlier cell."""
    courante, avant = cellule_du_mois(serie, mois), cellule_du_mois(serie, mois_decale(mois, mois_en_arriere))
    if not courante or not avant or _secret(courante) or _secret(avant):
        return None, avant
    if fmt.est_vide(courante["valeur"]) or fmt.est_vide(avant["valeur"]):
        return None, avant
    return courante["valeur"] - avant["valeur"], avant


def references(refs: pl.DataFrame, indicateur: str, territoire: str, dimension: str = "ensemble",
               modalite: str = "ensemble") -> list[dict]:
    """Published reference values for a cell: the territory's own (a region's), then the
    national ones, most recent year first. ``modalite`` may be one of the ``|``-joined codes of a
    reference published for several modalities together (it then does not apply to one)."""
    if refs.height == 0:
        return []
    choisies = refs.filter(
        (pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension)
        & (pl.col("modalite") == modalite) & pl.col("territoire").is_in([territoire, "FR"])
    )
    return sorted(choisies.to_dicts(), key=lambda r: (r["territoire"] == "FR", -int(r["annee"])))


def texte_reference(r: Mapping) -> str:
    lieu = "France" if r["territoire"] == "FR" else f"région {r['territoire']}"
    return f"{fmt.format_taux(r['valeur'], 0)} ({lieu}, {r['annee']} ; {r['source']})"
