"""Charts of the report: Altair specifications rendered to SVG by vl-convert (no browser).

The SVG is embedded as an image in the HTML, so WeasyPrint draws it as vectors (sharp when
printed or zoomed). Numbers on the axes follow the French locale (« 1 000 », « 20 % »); months
are labelled with ``pipelines.core.formats.format_mois`` (« janv. 2025 »). A chart only ever receives
published figures: secret and absent months are simply not drawn (the line is broken there).
"""

from __future__ import annotations

import base64
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import altair as alt
import vl_convert as vlc
from altair.utils.schemapi import debug_mode

from pipelines.core.formats import format_mois
from pipelines.core.indicateurs import RUPTURE_SERIE, traverse_rupture

#: Colour-blind safe palette (Okabe–Ito), in the order series appear.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
GRIS = "#6b6b6b"
POLICE = "DejaVu Sans"

LARGEUR_PLEINE = 620
LARGEUR_DEMI = 200

_FORMAT_AXE = {"taux": ".0%", "jours": "d", "nombre": ",d", "ratio": ",.0f"}
_TITRE_AXE = {"taux": "", "jours": "jours", "nombre": "", "ratio": ""}


#: Chart configuration, passed to vl-convert rather than chained on each chart (Altair copies the
#: whole specification at every ``configure_*`` call).
CONFIG = {
    "font": POLICE,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 9, "titleFontSize": 9, "gridColor": "#e6e6e6", "domainColor": GRIS, "tickColor": GRIS},
    "legend": {"labelFontSize": 9, "titleFontSize": 9, "orient": "bottom", "labelLimit": 260, "symbolSize": 60},
    "title": {"fontSize": 10, "anchor": "start", "fontWeight": "bold"},
}


def en_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (French number formats)."""
    return vlc.vegalite_to_svg(chart.to_dict(validate=False), config=CONFIG, format_locale="fr-FR",
                               time_format_locale="fr-FR")


class Dessin:
    """A chart being converted: vl-convert releases the GIL, so the report's charts are rendered
    side by side while the content is built; ``str()`` waits for this one and gives the ``data:``
    URI of its SVG, for an ``<img>`` of the template."""

    _travail = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="graphiques")

    def __init__(self, chart: alt.TopLevelMixin):
        self._svg = self._travail.submit(en_svg, chart)

    def __str__(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self._svg.result().encode("utf-8")).decode("ascii")


def en_image(chart: alt.TopLevelMixin) -> Dessin:
    return Dessin(chart)


def _sans_validation(construire):
    """Build a chart without Altair's schema validation at each object's creation (its debug
    mode): it costs more than the rendering, and vl-convert compiles every spec anyway."""

    @functools.wraps(construire)
    def construit(*args, **kwargs):
        with debug_mode(False):
            return construire(*args, **kwargs)

    return construit


def _axe_y(unite: str, titre: str | None = None, **kwargs) -> alt.Y:
    return alt.Y("valeur:Q", title=titre if titre is not None else _TITRE_AXE.get(unite, ""),
                 axis=alt.Axis(format=_FORMAT_AXE.get(unite, ",d"), tickCount=4), **kwargs)


@_sans_validation
def courbes(series: dict[str, list[tuple[date, float | None, bool]]], unite: str, *,
            titre: str = "", largeur: int = LARGEUR_PLEINE, hauteur: int = 150) -> Dessin | None:
    """Monthly lines: ``{series label: [(month, value or None, provisional)]}``. A hollow point
    marks a provisional month. None when there is nothing to draw."""
    lignes, mois = [], []
    for nom, points in series.items():
        for m, v, prov in points:
            if m not in mois:
                mois.append(m)
            lignes.append({"mois": format_mois(m), "serie": nom, "valeur": v,
                           "etat": "provisoire" if prov else "définitif"})
    if not any(ligne["valeur"] is not None for ligne in lignes):
        return None
    ordre = [format_mois(m) for m in sorted(mois)]
    # One data set for the whole layer (at its top): Altair copies every sub-chart it combines.
    base = alt.Chart().encode(
        x=alt.X("mois:O", sort=ordre, title=None, axis=alt.Axis(labelAngle=-45, labelFontSize=8)),
        y=_axe_y(unite, scale=alt.Scale(zero=unite != "jours")),
        color=alt.Color("serie:N", title=None, sort=list(series), scale=alt.Scale(range=PALETTE),
                        legend=alt.Legend() if len(series) > 1 else None),
    )
    # Nulls break the line (secret or absent months are gaps, never interpolated).
    ligne = base.mark_line(strokeWidth=2, invalid="break-paths-show-domains")
    points = base.mark_point(size=28, filled=True, strokeWidth=1.5).encode(
        fill=alt.condition(alt.datum.etat == "provisoire", alt.value("white"), alt.Color("serie:N", legend=None)),
    ).transform_filter("isValid(datum.valeur)")
    couches = [ligne, points]
    if traverse_rupture(min(mois), max(mois)):
        # the series break, on its month: figures on either side do not compare as such
        couches.append(alt.Chart().mark_rule(color=GRIS, strokeWidth=1.2).encode(x=alt.datum(format_mois(RUPTURE_SERIE))))
        couches.append(alt.Chart().mark_text(align="left", baseline="top", dx=3, fontSize=8, color=GRIS).encode(
            x=alt.datum(format_mois(RUPTURE_SERIE)), y=alt.value(0), text=alt.datum("rupture de série")))
    return en_image(alt.layer(*couches, data=alt.Data(values=lignes), title=titre)
                    .properties(width=largeur, height=hauteur))


@_sans_validation
def sparkline(points: list[tuple[date, float | None, bool]], unite: str) -> Dessin | None:
    """A small line without axes for the summary table; the last month stands out."""
    lignes = [{"ordre": i, "valeur": v, "prov": p} for i, (_, v, p) in enumerate(points)]
    if sum(ligne["valeur"] is not None for ligne in lignes) < 2:
        return None
    base = alt.Chart().encode(
        x=alt.X("ordre:Q", axis=None, scale=alt.Scale(domain=[0, max(len(lignes) - 1, 1)])),
        y=alt.Y("valeur:Q", axis=None, scale=alt.Scale(zero=False)),
    )
    ligne = base.mark_line(color=PALETTE[0], strokeWidth=1.6, invalid="break-paths-show-domains")
    dernier = base.mark_point(color=PALETTE[0], filled=True, size=22).transform_filter(
        f"datum.ordre == {len(lignes) - 1} && isValid(datum.valeur)")
    return en_image(alt.layer(ligne, dernier, data=alt.Data(values=lignes)).properties(width=120, height=30, padding=2))


@_sans_validation
def barres(lignes: list[dict], unite: str, *, titre: str = "", largeur: int = LARGEUR_DEMI,
           reference: bool = False) -> Dessin | None:
    """Horizontal bars, one per ``{"libelle", "valeur", "secret"}``; a bar that cannot be drawn
    shows « s » (secret) or « – » (no value), so every modality keeps its line and the reader sees
    why it is empty. With ``reference``, a black tick marks each ``"reference"`` value."""
    if not any(ligne.get("valeur") is not None for ligne in lignes):
        return None
    donnees = [{**ligne, "zero": 0, "marque": "" if ligne.get("valeur") is not None
                else ("s" if ligne.get("secret") else "–")} for ligne in lignes]
    y = alt.Y("libelle:N", sort=[ligne["libelle"] for ligne in lignes], title=None,
              axis=alt.Axis(labelLimit=140, labelFontSize=9))
    x = alt.X("valeur:Q", title=None, axis=alt.Axis(format=_FORMAT_AXE.get(unite, ",d"), tickCount=4))
    calques = [
        alt.Chart().mark_bar(color=PALETTE[0], height=11).encode(y=y, x=x).transform_filter("isValid(datum.valeur)"),
        alt.Chart().mark_text(align="left", dx=3, fontSize=9, fontStyle="italic", color=GRIS).encode(
            y=y, x="zero:Q", text="marque:N"),
    ]
    if reference and any(ligne.get("reference") is not None for ligne in lignes):
        calques.append(alt.Chart().mark_tick(color="black", thickness=2, size=16).encode(
            y=y, x=alt.X("reference:Q")).transform_filter("isValid(datum.reference)"))
    return en_image(alt.layer(*calques, data=alt.Data(values=donnees), title=titre)
                    .properties(width=largeur, height=18 * len(lignes) + 10))


@_sans_validation
def barres_groupees(lignes: list[dict], unite: str, *, titre: str = "", largeur: int = LARGEUR_PLEINE) -> Dessin | None:
    """Bars by ``"groupe"`` within each ``"libelle"`` (e.g. the MSA models side by side); a
    secret or absent bar shows « s » or « – »."""
    if not any(ligne.get("valeur") is not None for ligne in lignes):
        return None
    libelles = list(dict.fromkeys(ligne["libelle"] for ligne in lignes))
    groupes = list(dict.fromkeys(ligne["groupe"] for ligne in lignes))
    y = alt.Y("groupe:N", sort=groupes, title=None, axis=None)
    x = alt.X("valeur:Q", title=None, axis=alt.Axis(format=_FORMAT_AXE.get(unite, ",d"), tickCount=4))
    donnees = [{**ligne, "marque": "" if ligne.get("valeur") is not None else ("s" if ligne.get("secret") else "–"),
                "zero": 0} for ligne in lignes]
    base = alt.Chart()
    barre = base.mark_bar().encode(
        y=y, x=x, color=alt.Color("groupe:N", sort=groupes, title=None, scale=alt.Scale(range=PALETTE)))
    marque = base.mark_text(align="left", dx=3, fontSize=9, fontStyle="italic", color=GRIS).encode(
        y=y, x="zero:Q", text="marque:N")
    chart = alt.layer(barre, marque, data=alt.Data(values=donnees)).properties(
        width=largeur - 190, height=14 * len(groupes)
    ).facet(row=alt.Row("libelle:N", sort=libelles, title=None,
                        header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=9, labelLimit=170)),
            title=titre)
    return en_image(chart)


@_sans_validation
def entonnoir(unites: list[dict], limites: list[dict], taux_reference: float, *, titre: str = "",
              largeur: int = LARGEUR_PLEINE) -> Dessin | None:
    """Funnel plot: each unit (``volume``, ``taux``, ``position``) against the 95 % and 99,8 %
    limits around the reference rate (``limites``: rows of ``pipelines.equite.courbes``)."""
    if not unites:
        return None
    donnees = [{**u, "calque": "unite"} for u in unites] + [{"calque": "reference", "taux": taux_reference}]
    for ligne in limites:
        for cle, nom in (("bas_95", "95 %"), ("haut_95", "95 %"), ("bas_998", "99,8 %"), ("haut_998", "99,8 %")):
            donnees.append({"calque": "limite", "volume": ligne["volume"], "taux": ligne[cle], "limite": nom,
                            "cote": cle})
    x = alt.X("volume:Q", title="contrôles décidés (échelle logarithmique)", scale=alt.Scale(type="log"))
    y = alt.Y("taux:Q", title="taux de sanction", axis=alt.Axis(format=".0%"))
    lignes = alt.Chart().mark_line(strokeWidth=1, color=GRIS).encode(
        x=x, y=y, detail="cote:N",
        strokeDash=alt.StrokeDash("limite:N", title="limites", sort=["95 %", "99,8 %"],
                                  scale=alt.Scale(range=[[5, 3], [1, 0]])),
    ).transform_filter("datum.calque == 'limite'")
    reference = alt.Chart().mark_rule(color="black").encode(y="taux:Q").transform_filter("datum.calque == 'reference'")
    points = alt.Chart().mark_circle(size=40, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("position:N", title=None, scale=alt.Scale(range=PALETTE)),
    ).transform_filter("datum.calque == 'unite'")
    return en_image(alt.layer(lignes, reference, points, data=alt.Data(values=donnees), title=titre)
                    .properties(width=largeur - 120, height=220))


@_sans_validation
def etude_evenement(effets: list[dict], unite: str, *, titre: str = "", largeur: int = LARGEUR_PLEINE,
                    hauteur: int = 140) -> Dessin | None:
    """Event study: ``[{serie, relatif, effet, ic_bas, ic_haut}]`` (months relative to the start,
    effects in the indicator's unit) as points with their 95 % intervals, 0 and the start marked.
    None when there is nothing to draw."""
    if not effets:
        return None
    echelle = 100.0 if unite == "taux" else 1.0
    lignes = [{"serie": e["serie"], "relatif": e["relatif"], "effet": e["effet"] * echelle,
               "bas": e["ic_bas"] * echelle, "haut": e["ic_haut"] * echelle} for e in effets]
    series = list(dict.fromkeys(e["serie"] for e in lignes))
    couleur = alt.Color("serie:N", title=None, sort=series, scale=alt.Scale(range=PALETTE))
    x = alt.X("relatif:Q", title="mois depuis le lancement (−1 : référence)", axis=alt.Axis(tickCount=12))
    titre_y = "écart au témoin (points)" if unite == "taux" else "écart au témoin (jours)"
    base = alt.Chart().encode(x=x, color=couleur)
    barres = base.mark_rule(strokeWidth=1).encode(y=alt.Y("bas:Q", title=titre_y), y2="haut:Q")
    points = base.mark_point(filled=True, size=18).encode(y="effet:Q")
    zero = alt.Chart().mark_rule(color=GRIS).encode(y=alt.datum(0))
    lancement = alt.Chart().mark_rule(color="#000000", strokeDash=[4, 3]).encode(x=alt.datum(-0.5))
    return en_image(alt.layer(barres, points, zero, lancement, data=alt.Data(values=lignes), title=titre)
                    .properties(width=largeur, height=hauteur))
