"""Pure shapes of the « Règles d'alerte » page: the rules' precision by band with its Wilson
interval, the thresholds' what-if, the funnel of the regions' judgement and the volume of
alerts per establishment.

Frames of the alert rules' marts in (``pipelines.core.lecture``), frames, dicts or Plotly figures
out, no Streamlit. Situation and examen labels come from the exports' code lists (``listes``, by
column and code, as ``fmt.libelle_modalite`` reads them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards import vues
from pipelines import equite
from pipelines.core import formats as fmt
from pipelines.core.lecture import ORDRE_SITUATIONS, ORDRE_TRANCHES

#: The Wilson interval's quantile, as the dbt macro ``borne_wilson``.
Z_WILSON = 1.959963984540054

LIBELLES_TRANCHES = {
    "1": "1 consultation",
    "2": "2 consultations",
    "3_5": "3 à 5 consultations",
    "6_19": "6 à 19 consultations",
    "20_plus": "20 consultations ou plus",
}

#: ``position_entonnoir`` of the mart, in the words of the Contrôle page's funnel.
POSITIONS = {
    "au_dessus_99_8": equite.AU_DESSUS_998,
    "au_dessus_95": equite.AU_DESSUS_95,
    "dans_les_limites": equite.DANS_LES_LIMITES,
    "en_dessous_95": equite.EN_DESSOUS_95,
    "en_dessous_99_8": equite.EN_DESSOUS_998,
}
#: Funnel quantiles (exact binomial, as the mart): 95 % and 99,8 %, two-sided.
QUANTILES = {"bas_95": 0.025, "haut_95": 0.975, "bas_998": 0.001, "haut_998": 0.999}

DOUZE_MOIS = "douze_derniers_mois"


def libelle_situation(code: str, listes: Mapping | None = None) -> str:
    return fmt.libelle_modalite("situation", code, listes)


def libelle_examen(code: str, listes: Mapping | None = None) -> str:
    return fmt.libelle_modalite("examen", code, listes)


def libelle_tranche(code: str) -> str:
    return LIBELLES_TRANCHES.get(code, code)


def nom_perimetre(region: str | None, territoires: pl.DataFrame) -> str:
    """« France », or the region's label (``data.territoires``: ``niveau, code, libelle``)."""
    if region is None:
        return "France"
    ligne = territoires.filter((pl.col("niveau") == "REGION") & (pl.col("code") == region))
    return fmt.libelle_territoire("REGION", region, ligne["libelle"][0] if ligne.height else None)


def _rang(valeurs: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(valeurs)}


# ---------------------------------------------------------------------------------------------
# Precision


def wilson(averees: float, examinees: float, z: float = Z_WILSON) -> tuple[float | None, float | None]:
    """The Wilson interval of ``averees / examinees`` (None, None when nothing was examined);
    exactly 0 (1) at the bound when none (all) were confirmed, as the mart."""
    if not examinees or examinees <= 0:
        return None, None
    n, p = float(examinees), averees / examinees
    centre = p + z * z / (2 * n)
    ecart = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    diviseur = 1 + z * z / n
    bas = 0.0 if averees == 0 else max(0.0, (centre - ecart) / diviseur)
    haut = 1.0 if averees == examinees else min(1.0, (centre + ecart) / diviseur)
    return bas, haut


SCHEMA_PRECISION = {
    "situation": pl.String, "tranche_consultations": pl.String, "alertes": pl.Int64, "examinees": pl.Int64,
    "averees": pl.Int64, "precision": pl.Float64, "precision_basse": pl.Float64, "precision_haute": pl.Float64,
}


def trimestres(precision: pl.DataFrame) -> list[date]:
    """The quarters of ``marts.precision_regles``, latest first."""
    return sorted(precision["trimestre"].unique().to_list(), reverse=True) if precision.height else []


def precision_par_tranche(precision: pl.DataFrame, trimestre: date | None = None,
                          examen: str | None = None) -> pl.DataFrame:
    """Alerts, examined, confirmed, precision and its Wilson interval by situation and band, over
    every quarter (or ``trimestre``) and both examens (or ``examen``): counts add up, the
    precision and its interval are recomputed from the sums (never an average of quarters)."""
    df = precision
    if trimestre is not None:
        df = df.filter(pl.col("trimestre") == trimestre)
    if examen is not None:
        df = df.filter(pl.col("examen") == examen)
    if df.height == 0:
        return pl.DataFrame(schema=SCHEMA_PRECISION)
    sommes = df.group_by("situation", "tranche_consultations").agg(
        pl.col("alertes").sum().cast(pl.Int64), pl.col("examinees").sum().cast(pl.Int64),
        pl.col("averees").sum().cast(pl.Int64),
    )
    lignes = []
    for r in sommes.to_dicts():
        bas, haut = wilson(r["averees"], r["examinees"])
        precision_ = r["averees"] / r["examinees"] if r["examinees"] else None
        lignes.append({**r, "precision": precision_, "precision_basse": bas, "precision_haute": haut})
    rs, rt = _rang(ORDRE_SITUATIONS), _rang(ORDRE_TRANCHES)
    lignes.sort(key=lambda r: (rs.get(r["situation"], 99), rt.get(r["tranche_consultations"], 99)))
    return pl.DataFrame(lignes, schema=SCHEMA_PRECISION)


def intervalle(bas, haut) -> str:
    """« 49,0 % – 94,3 % », or « – » without an interval."""
    if fmt.est_vide(bas) or fmt.est_vide(haut):
        return fmt.VIDE
    return f"{fmt.format_taux(bas)} – {fmt.format_taux(haut)}"


def tableau_precision(agrege: pl.DataFrame, listes: Mapping | None = None) -> pl.DataFrame:
    """:func:`precision_par_tranche` as displayed, French labels and numbers."""
    colonnes = ["Situation", "Tranche de consultations", "Alertes générées", "Alertes examinées", "Avérées",
                "Précision", "Intervalle de confiance à 95 %"]
    lignes = [
        [libelle_situation(r["situation"], listes), libelle_tranche(r["tranche_consultations"]),
         fmt.format_nombre(r["alertes"]), fmt.format_nombre(r["examinees"]), fmt.format_nombre(r["averees"]),
         fmt.format_taux(r["precision"]) if r["examinees"] else "aucune alerte examinée",
         intervalle(r["precision_basse"], r["precision_haute"])]
        for r in agrege.to_dicts()
    ]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def figure_precision(agrege: pl.DataFrame, listes: Mapping | None = None) -> go.Figure:
    """Precision by band (x) with its 95 % interval as error bars, one colour per situation;
    bands without an examined alert are not drawn (no precision to show)."""
    fig = go.Figure()
    examinees = agrege.filter(pl.col("examinees") > 0)
    situations = [s for s in ORDRE_SITUATIONS if s in set(examinees["situation"].to_list())]
    situations += sorted(set(examinees["situation"].to_list()) - set(situations))
    for rang, situation in enumerate(situations):
        points = examinees.filter(pl.col("situation") == situation).to_dicts()
        nom = libelle_situation(situation, listes)
        survols = [
            f"<b>{nom}</b><br>{libelle_tranche(p['tranche_consultations'])}<br>précision : "
            f"{fmt.format_taux(p['precision'])} ({fmt.format_nombre(p['averees'])} avérée(s) sur "
            f"{fmt.format_nombre(p['examinees'])} examinée(s))<br>intervalle à 95 % : "
            f"{intervalle(p['precision_basse'], p['precision_haute'])}"
            for p in points
        ]
        fig.add_trace(go.Scatter(
            x=[libelle_tranche(p["tranche_consultations"]) for p in points],
            y=[p["precision"] for p in points],
            error_y={"type": "data", "symmetric": False,
                     "array": [p["precision_haute"] - p["precision"] for p in points],
                     "arrayminus": [p["precision"] - p["precision_basse"] for p in points]},
            mode="markers", name=nom, offsetgroup=str(rang),
            marker={"color": vues.PALETTE[rang % len(vues.PALETTE)], "size": 9},
            text=survols, hovertemplate="%{text}<extra></extra>",
        ))
    fig.update_xaxes(categoryorder="array", categoryarray=[libelle_tranche(t) for t in ORDRE_TRANCHES], title=None)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="part des alertes examinées avérées")
    fig.update_layout(scattermode="group")
    return vues._mise_en_page(fig, 380)


# ---------------------------------------------------------------------------------------------
# Thresholds' what-if


def seuil_en_vigueur(simulation: pl.DataFrame, situation: str) -> int | None:
    """The threshold of the seed ``seuils_alertes`` for a situation (None when absent)."""
    lignes = simulation.filter((pl.col("situation") == situation) & pl.col("est_seuil_en_vigueur"))
    return int(lignes["seuil_alerte"][0]) if lignes.height else None


def simuler(simulation: pl.DataFrame, situation: str, seuil: int) -> dict | None:
    """The what-if of one threshold, with the figures of the threshold in force beside
    (``*_en_vigueur``), and their French texts (``textes``)."""
    def ligne(s):
        df = simulation.filter((pl.col("situation") == situation) & (pl.col("seuil_alerte") == s))
        return df.row(0, named=True) if df.height else None

    choisie = ligne(seuil)
    if choisie is None:
        return None
    en_vigueur = seuil_en_vigueur(simulation, situation)
    reference = ligne(en_vigueur) if en_vigueur is not None else None
    resultat = {
        "seuil": seuil, "seuil_en_vigueur": en_vigueur,
        "alertes_par_mois": choisie["alertes_par_mois"],
        "faux_positifs_attendus": choisie["faux_positifs_attendus"],
        "averees_conservees": choisie["averees_conservees"],
        "premier_mois": choisie["premier_mois"], "dernier_mois": choisie["dernier_mois"], "nb_mois": choisie["nb_mois"],
    }
    for cle in ("alertes_par_mois", "faux_positifs_attendus", "averees_conservees"):
        resultat[f"{cle}_en_vigueur"] = reference[cle] if reference else None
    resultat["textes"] = {
        "alertes_par_mois": fmt.format_nombre(choisie["alertes_par_mois"], 1),
        "faux_positifs_attendus": ("inconnu" if fmt.est_vide(choisie["faux_positifs_attendus"])
                                   and choisie["nb_mois"] else fmt.format_nombre(choisie["faux_positifs_attendus"], 1)),
        "averees_conservees": fmt.format_taux(choisie["averees_conservees"], 0),
    }
    return resultat


def ecart(valeur, reference, decimales: int = 1, taux: bool = False) -> str | None:
    """The signed change from the threshold in force (``st.metric``'s delta), None without one."""
    if fmt.est_vide(valeur) or fmt.est_vide(reference):
        return None
    if taux:
        return f"{fmt.format_nombre((valeur - reference) * 100, 0, signe=True)}{fmt.ESPACE_UNITE}pt"
    return fmt.format_nombre(valeur - reference, decimales, signe=True)


def texte_fenetre(resultat: Mapping) -> str:
    """« 12 derniers mois complets : janv. 2025 – déc. 2025 (9 mois observés) »."""
    periode = f"{fmt.format_mois(resultat['premier_mois'])} – {fmt.format_mois(resultat['dernier_mois'])}"
    return f"12 derniers mois complets : {periode} ({fmt.format_nombre(resultat['nb_mois'])} mois observé(s))"


def figure_simulation(simulation: pl.DataFrame, situation: str, seuil: int) -> go.Figure:
    """Alerts and expected false positives per month against the threshold (1 to 30), the
    threshold in force dashed, the chosen one solid."""
    df = simulation.filter(pl.col("situation") == situation).sort("seuil_alerte")
    fig = go.Figure()
    for rang, (colonne, nom) in enumerate((("alertes_par_mois", "alertes par mois"),
                                           ("faux_positifs_attendus", "faux positifs attendus par mois"))):
        valeurs = df[colonne].to_list()
        fig.add_trace(go.Scatter(
            x=df["seuil_alerte"].to_list(), y=valeurs, mode="lines+markers", name=nom,
            line={"color": vues.PALETTE[rang], "width": 2}, marker={"size": 4},
            text=[f"seuil {s} : {fmt.format_nombre(v, 1)} {nom}" for s, v in zip(df["seuil_alerte"], valeurs)],
            hovertemplate="%{text}<extra></extra>",
        ))
    en_vigueur = seuil_en_vigueur(simulation, situation)
    if en_vigueur is not None:
        fig.add_vline(x=en_vigueur, line={"color": "#555555", "dash": "dash", "width": 1},
                      annotation_text=f"en vigueur : {en_vigueur}", annotation_position="top right")
    if seuil != en_vigueur:
        fig.add_vline(x=seuil, line={"color": vues.PALETTE[5], "width": 1.5},
                      annotation_text=f"choisi : {seuil}", annotation_position="top left")
    fig.update_xaxes(title="seuil d'alerte (consultations dans le mois)", range=[0.5, 30.5], dtick=5)
    fig.update_yaxes(rangemode="tozero", title=None)
    return vues._mise_en_page(fig, 280)


# ---------------------------------------------------------------------------------------------
# Equity of judgement between regions (funnel)


def periodes(equite_: pl.DataFrame) -> list[tuple[str, date, date]]:
    """The periods of ``marts.equite_jugement_alertes``: the last 12 complete months first, then
    the quarters, latest first."""
    if equite_.height == 0:
        return []
    uniques = equite_.select("type_periode", "debut_periode", "fin_periode").unique().rows()
    return sorted(uniques, key=lambda p: (p[0] != DOUZE_MOIS, -p[1].toordinal()))


def libelle_periode(periode: tuple[str, date, date]) -> str:
    type_periode, debut, fin = periode
    texte = f"{fmt.format_mois(debut)} – {fmt.format_mois(fin)}"
    if type_periode == DOUZE_MOIS:
        return f"12 derniers mois complets ({texte})"
    return f"Trimestre {(debut.month - 1) // 3 + 1} {debut.year} ({texte})"


def quantile_binomial(p0: float, n: int, q: float) -> float:
    """The funnel limit of the mart (Spiegelhalter 2005, exact binomial): the q-quantile r of
    Binomial(n, p0), interpolated, (r − a) / n with a = (P(X ≤ r) − q) / P(X = r), in [0, 1];
    p0 of 0 or 1 gives p0."""
    if n <= 0:
        raise ValueError("Le nombre d'alertes examinées doit être positif.")
    if p0 <= 0 or p0 >= 1:
        return float(min(max(p0, 0.0), 1.0))
    log_masse = n * math.log(1 - p0)  # P(X = 0)
    cumul = 0.0
    for k in range(n + 1):
        if k > 0:
            log_masse += math.log(n - k + 1) - math.log(k) + math.log(p0) - math.log(1 - p0)
        masse = math.exp(log_masse)
        cumul += masse
        if cumul >= q:
            a = (cumul - q) / masse if masse > 0 else 0.0
            return min(1.0, max(0.0, (k - a) / n))
    return 1.0


def courbes_binomiales(p0: float, n_max: float, points: int = 40) -> pl.DataFrame:
    """The four limit curves over whole volumes 1 … ``n_max`` (geometric spacing), for drawing."""
    n_max = max(2, math.ceil(n_max))
    pas = n_max ** (1 / (points - 1))
    volumes = sorted({max(1, round(pas**i)) for i in range(points)} | {n_max})
    lignes = [(n, *(quantile_binomial(p0, n, q) for q in QUANTILES.values())) for n in volumes]
    return pl.DataFrame(lignes, schema=["volume", *QUANTILES], orient="row")


def selection_equite(equite_: pl.DataFrame, periode: tuple[str, date, date], situation: str,
                     examen: str) -> pl.DataFrame:
    type_periode, debut, _ = periode
    return equite_.filter((pl.col("type_periode") == type_periode) & (pl.col("debut_periode") == debut)
                          & (pl.col("situation") == situation) & (pl.col("examen") == examen))


def _nom_region(r: Mapping) -> str:
    return r.get("libelle_region") or f"Région {r['code_region']}"


def figure_entonnoir(regions: pl.DataFrame) -> go.Figure:
    """Each region's share NON_AVEREE against its examined alerts, the 95 % and 99,8 % limits
    around the national share (drawn by :func:`courbes_binomiales`, the mart's method), and the
    national share line. ``regions``: rows of one period, situation and examen."""
    fig = go.Figure()
    if regions.height == 0:
        return vues._mise_en_page(fig, 420)
    p0 = float(regions["part_nationale"][0])
    n_max = max(float(regions["examinees"].max()) * 1.3, float(regions["examinees_nationales"][0]) / 2, 10)
    courbes = courbes_binomiales(p0, n_max)
    for bas, haut, nom, tirets in (("bas_998", "haut_998", "limites à 99,8 %", "dash"),
                                   ("bas_95", "haut_95", "limites à 95 %", "dot")):
        for col, montre in ((haut, True), (bas, False)):
            fig.add_trace(go.Scatter(
                x=courbes["volume"].to_list(), y=courbes[col].to_list(), mode="lines", name=nom,
                showlegend=montre, legendgroup=nom, line={"color": "#555555", "dash": tirets, "width": 1.2,
                                                          "shape": "hv"}, hoverinfo="skip",
            ))
    groupes = (
        ("dans les limites à 95 %", ["dans_les_limites"], vues.PALETTE[0], "circle"),
        ("au-dessus des limites", ["au_dessus_99_8", "au_dessus_95"], vues.PALETTE[5], "triangle-up"),
        ("en dessous des limites", ["en_dessous_99_8", "en_dessous_95"], vues.PALETTE[1], "triangle-down"),
    )
    for nom, valeurs, couleur, symbole in groupes:
        points = regions.filter(pl.col("position_entonnoir").is_in(valeurs)).to_dicts()
        if not points:
            continue
        fig.add_trace(go.Scatter(
            x=[r["examinees"] for r in points], y=[r["part_non_averee"] for r in points],
            mode="markers+text", name=nom, text=[_nom_region(r) for r in points], textposition="top center",
            marker={"color": couleur, "size": 11, "symbol": symbole, "line": {"color": "white", "width": 0.5}},
            hovertext=[
                f"<b>{_nom_region(r)}</b><br>non avérées : {fmt.format_taux(r['part_non_averee'])}<br>"
                f"{fmt.format_nombre(r['non_averees'])} sur {fmt.format_nombre(r['examinees'])} examinée(s)<br>"
                f"{POSITIONS.get(r['position_entonnoir'], r['position_entonnoir'])}"
                for r in points
            ],
            hoverinfo="text",
        ))
    fig.add_hline(y=p0, line={"color": vues.PALETTE[2], "width": 2},
                  annotation_text=f"France : {fmt.format_taux(p0)}", annotation_position="top right")
    fig.update_xaxes(title="alertes examinées de la région", rangemode="tozero")
    fig.update_yaxes(title="part des alertes examinées non avérées", tickformat=".0%", range=[0, 1.05])
    return vues._mise_en_page(fig, 420)


def tableau_equite(regions: pl.DataFrame) -> pl.DataFrame:
    colonnes = ["Région", "Alertes examinées", "Non avérées", "Part non avérée", "Part nationale",
                "Limites à 95 %", "Limites à 99,8 %", "Position"]
    lignes = [
        [_nom_region(r), fmt.format_nombre(r["examinees"]), fmt.format_nombre(r["non_averees"]),
         fmt.format_taux(r["part_non_averee"]), fmt.format_taux(r["part_nationale"]),
         intervalle(r["limite_basse_95"], r["limite_haute_95"]),
         intervalle(r["limite_basse_99_8"], r["limite_haute_99_8"]),
         POSITIONS.get(r["position_entonnoir"], r["position_entonnoir"])]
        for r in regions.sort("code_region").to_dicts()
    ]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


# ---------------------------------------------------------------------------------------------
# Volume per establishment


def volume_mensuel(volume: pl.DataFrame, situations: Sequence[str] | None = None,
                   examens: Sequence[str] | None = None) -> pl.DataFrame:
    """Alerts per month and establishment, over the chosen situations and examens (None: all)."""
    df = volume
    if situations:
        df = df.filter(pl.col("situation").is_in(list(situations)))
    if examens:
        df = df.filter(pl.col("examen").is_in(list(examens)))
    return (df.with_columns(pl.col("code_etablissement").fill_null(fmt.VIDE),
                            pl.col("libelle_etablissement").fill_null("établissement inconnu"))
            .group_by("code_etablissement", "libelle_etablissement", "mois")
            .agg(pl.col("alertes").sum().cast(pl.Int64))
            .sort("code_etablissement", "mois"))


def figure_volume(mensuel: pl.DataFrame) -> go.Figure:
    """Alerts per month, one line per establishment (a month without an alert counts 0)."""
    fig = go.Figure()
    if mensuel.height:
        mois = sorted(mensuel["mois"].unique().to_list())
        for rang, (code, libelle) in enumerate(mensuel.select("code_etablissement", "libelle_etablissement")
                                               .unique(maintain_order=True).rows()):
            valeurs = dict(mensuel.filter(pl.col("code_etablissement") == code).select("mois", "alertes").rows())
            y = [valeurs.get(m, 0) for m in mois]
            fig.add_trace(go.Scatter(
                x=mois, y=y, mode="lines+markers", name=libelle,
                line={"color": vues.PALETTE[rang % len(vues.PALETTE)], "width": 2},
                text=[f"<b>{libelle}</b><br>{fmt.format_mois(m)} : {fmt.format_nombre(v)} alerte(s)"
                      for m, v in zip(mois, y)],
                hovertemplate="%{text}<extra></extra>",
            ))
        vues.axe_mois(fig, mois)
    fig.update_xaxes(title=None)
    fig.update_yaxes(rangemode="tozero", tickformat=",d", title="alertes générées")
    return vues._mise_en_page(fig, 340)


def tableau_volume(mensuel: pl.DataFrame) -> pl.DataFrame:
    """Months in rows, establishments in columns, French numbers."""
    if mensuel.height == 0:
        return pl.DataFrame(schema={"Mois": pl.String})
    colonnes = mensuel.select("code_etablissement", "libelle_etablissement").unique(maintain_order=True).rows()
    mois = sorted(mensuel["mois"].unique().to_list())
    valeurs = {(c, m): v for c, m, v in mensuel.select("code_etablissement", "mois", "alertes").rows()}
    lignes = [[fmt.format_mois(m)] + [fmt.format_nombre(valeurs.get((c, m), 0)) for c, _ in colonnes] for m in mois]
    return pl.DataFrame(lignes, schema=[("Mois", pl.String)] + [(lib, pl.String) for _, lib in colonnes], orient="row")
