"""Display pieces of the Parcours, Retour à l'emploi and Expérimentations pages.

Pure functions, like ``dashboards.vues`` (whose helpers they reuse): frames of cells in (columns
``indicateur, periode, niveau, territoire, libelle, dimension, modalite, numerateur,
denominateur, valeur, unite, provisoire, secret``), tables with French headers or Plotly figures
out. A secret cell shows « s » and is never drawn; a figure built here from several cells (a sum
of agencies, a share of a cohort) is secret as soon as one of its parts is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards import vues
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import B5

SCHEMA_CELLULE: dict[str, pl.DataType] = {
    "indicateur": pl.String, "periode": pl.Date, "niveau": pl.String, "territoire": pl.String,
    "libelle": pl.String, "dimension": pl.String, "modalite": pl.String, "numerateur": pl.Float64,
    "denominateur": pl.Float64, "valeur": pl.Float64, "unite": pl.String, "provisoire": pl.Boolean,
    "secret": pl.Boolean,
}  # fmt: skip


def _cellules(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with exactly the cell columns and types (built frames concatenate with queried ones)."""
    return df.select([pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c)
                      for c, t in SCHEMA_CELLULE.items()])


# ---------------------------------------------------------------------------------------------
# Months


def dernier_definitif(serie: pl.DataFrame) -> dict | None:
    """The latest final (not provisional) cell of a one-territory, one-modality series."""
    definitifs = serie.filter(~pl.col("provisoire")).sort("periode")
    return definitifs.row(-1, named=True) if definitifs.height else None


def cohorte_par_defaut(serie: pl.DataFrame, mois: date) -> date | None:
    """The cohort month to show by default: the latest final month up to ``mois`` (a rate whose
    6-month window is still open is understated), else the latest month up to ``mois``."""
    jusqu_a = serie.filter(pl.col("periode") <= mois)
    cellule = dernier_definitif(jusqu_a)
    if cellule is not None:
        return cellule["periode"]
    return jusqu_a["periode"].max() if jusqu_a.height else None


def dernier_mois(cellules: pl.DataFrame, mois: date) -> pl.DataFrame:
    """Each indicator's cells of its latest month up to ``mois``: the chosen month may have no
    cell yet for some indicators (a window not over, no event so far in the month)."""
    jusqu_a = cellules.filter(pl.col("periode") <= mois)
    return jusqu_a.filter(pl.col("periode") == pl.col("periode").max().over("indicateur"))


def premier_mois_provisoire(serie: pl.DataFrame) -> date | None:
    provisoires = serie.filter(pl.col("provisoire"))
    return provisoires["periode"].min() if provisoires.height else None


# ---------------------------------------------------------------------------------------------
# Cells derived from cells


def part_de_la_cohorte(modalites: pl.DataFrame, ensemble: pl.DataFrame) -> pl.DataFrame:
    """Each modality's share of the cohort, as ratio cells: numerator the modality's population
    (its denominator), denominator the whole cohort's.

    For B8 by ``parcours`` the rate within a modality is 100 % (or 0 % for ``aucun``) by
    construction; what a committee reads is how the cohort splits between the parcours entered
    within 15 days and none. Secret when the modality or the whole cohort is."""
    if modalites.height == 0 or ensemble.height == 0:
        return _cellules(modalites.head(0))
    total = ensemble.row(0, named=True)
    secret = pl.col("secret") | bool(total["secret"]) | pl.lit(fmt.est_vide(total["denominateur"]))
    return _cellules(modalites.with_columns(
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
    valeurs, libelles = vues._graduations(periodes)
    fig.update_xaxes(tickvals=valeurs, ticktext=libelles, title=None)
    vues._axe_valeurs(fig, "taux" if part else (series["unite"].drop_nulls().first() if series.height else None))
    if part:
        fig.update_yaxes(range=[0, 1])
    return vues._mise_en_page(fig, 380)


def ajouter_references(fig: go.Figure, references: Sequence[tuple[float, str]]) -> go.Figure:
    """Horizontal lines of published reference values (several: a pilot region, France)."""
    tirets = ("dash", "dot", "dashdot", "longdash")
    # Shapes and annotations set at once: ``add_hline`` re-validates the figure at each call.
    fig.update_layout(
        shapes=list(fig.layout.shapes) + [
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": v, "y1": v,
             "line": {"color": "#555555", "dash": tirets[rang % len(tirets)], "width": 1}}
            for rang, (v, _) in enumerate(references)
        ],
        annotations=list(fig.layout.annotations) + [
            {"xref": "paper", "x": 0, "y": v, "text": libelle, "showarrow": False, "xanchor": "left",
             "yanchor": "bottom" if rang % 2 == 0 else "top", "font": {"size": 11, "color": "#555555"}}
            for rang, (v, libelle) in enumerate(references)
        ],
    )
    return fig


def ajouter_debut(fig: go.Figure, debut: date | None, libelle: str) -> go.Figure:
    """A vertical line at the start of an experiment, when it falls within the months drawn
    (before the first month, it would only stretch the axis: the page says it in words)."""
    x = [v for t in fig.data for v in (t.x or ()) if isinstance(v, date)]
    if debut is None or not x or not (min(x) <= debut <= max(x)):
        return fig
    fig.update_layout(
        shapes=list(fig.layout.shapes) + [{"type": "line", "x0": debut, "x1": debut, "y0": 0, "y1": 1, "yref": "paper",
                                           "line": {"color": "#000000", "dash": "dash", "width": 1.5}}],
        annotations=list(fig.layout.annotations) + [{"x": debut, "y": 1, "yref": "paper", "text": libelle,
                                                     "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                                                     "font": {"size": 11}}],
    )
    return fig


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


# ---------------------------------------------------------------------------------------------
# Return to employment of RSA beneficiaries and the published reference values


def references_rsa(refs: pl.DataFrame, indicateur: str, dimension: str = "ensemble",
                   modalite: str = "ensemble") -> list[dict]:
    """The published reference values of a return-to-employment rate of RSA beneficiaries in
    renewed accompaniment (by default the whole population; ``parcours``/``EMPLOI`` for the
    professional paths), whatever the territory shown: the pilot region's first, then France's;
    most recent year first."""
    if refs.height == 0:
        return []
    choisies = refs.filter((pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension)
                           & (pl.col("modalite") == modalite))
    return sorted(choisies.to_dicts(), key=lambda r: (r["territoire"] == "FR", -int(r["annee"])))


def lieu_reference(r: Mapping) -> str:
    if r["territoire"] == "FR":
        return "France"
    return "région pilote" if "pilote" in (r.get("commentaire") or "").lower() else f"région {r['territoire']}"


def libelle_reference(r: Mapping) -> str:
    """Short label of a reference line: « 24 % – région pilote (2024) »."""
    return f"{fmt.format_taux(r['valeur'], 0)} – {lieu_reference(r)} ({r['annee']})"


def tableau_rsa(cellules: pl.DataFrame, refs: pl.DataFrame, indicateurs: Sequence[str], nom_territoire: str,
                dico: Mapping | None = None) -> pl.DataFrame:
    """RSA beneficiaries of the territory, everyone of the territory, and the reference values,
    one column per rate. ``cellules``: the cohort's cells (``ensemble`` and ``allocation``)."""
    def valeur(indicateur: str, dimension: str, modalite: str) -> str:
        c = cellules.filter((pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension)
                            & (pl.col("modalite") == modalite))
        if c.height == 0:
            return fmt.VIDE
        ligne = c.row(0, named=True)
        texte = vues.texte_cellule(ligne)
        if ligne.get("secret") or fmt.est_vide(ligne.get("denominateur")):
            return texte
        return f"{texte} ({fmt.format_nombre(ligne['numerateur'])} sur {fmt.format_nombre(ligne['denominateur'])})"

    mois = fmt.format_mois(cellules["periode"].max()) if cellules.height else fmt.VIDE
    lignes = [
        [f"Bénéficiaires du RSA – {nom_territoire}"] + [valeur(i, "allocation", "RSA") for i in indicateurs]
        + [f"Socle, cohorte de {mois}"],
        [f"Toutes les personnes accompagnées – {nom_territoire}"]
        + [valeur(i, "ensemble", "ensemble") for i in indicateurs] + [f"Socle, cohorte de {mois}"],
    ]
    par_lieu: dict[tuple[str, int], dict[str, dict]] = {}
    for indicateur in indicateurs:
        for r in references_rsa(refs, indicateur):
            par_lieu.setdefault((r["territoire"], int(r["annee"])), {})[indicateur] = r
    for (_, annee), par_indicateur in sorted(par_lieu.items(), key=lambda kv: (kv[0][0] == "FR", -kv[0][1])):
        r = next(iter(par_indicateur.values()))
        lignes.append(
            [f"bRSA en accompagnement rénové – {lieu_reference(r)} (référence {annee})"]
            + [fmt.format_taux(par_indicateur[i]["valeur"], 0) if i in par_indicateur else fmt.VIDE
               for i in indicateurs]
            + [r["source"]]
        )
    colonnes = ["Population"] + [fmt.libelle_indicateur(i, dico, avec_numero=True) for i in indicateurs] + ["Source"]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


# ---------------------------------------------------------------------------------------------
# Experiment groups (MSA model 1, model 2, the other agencies of the same regions)

MSA = "MSA"
GROUPES = ("MSA_MODELE_1", "MSA_MODELE_2", "TEMOIN")
TEMOIN = "TEMOIN"
DIMENSION_GROUPE = "groupe_experimentation"

SOURCE_VENTILATION = "Socle : ventilation par groupe d'expérimentation"
SOURCE_SOMME_AGENCES = "Avant le lancement : somme des agences du modèle"
SOURCE_TEMOIN_CORRIGE = "Avant le lancement : toutes les agences moins celles de l'expérimentation"
SOURCE_TEMOIN_BRUT = "Avant le lancement : toutes les agences, y compris les futures expérimentatrices"

_COLONNE_AGENCE = {"REGION": "code_region", "DEPARTEMENT": "code_departement", "BASSIN": "code_ze2020",
                   "AGENCE": "code_agence"}


def agences_experimentation(experimentations: pl.DataFrame, niveau: str, code: str) -> pl.DataFrame:
    """The agencies of the MSA experiment inside a territory (``code_agence, libelle_agence,
    groupe, date_debut``), ``groupe`` being the breakdown's modality (``MSA_MODELE_1``...)."""
    msa = experimentations.filter(pl.col("experimentation") == MSA)
    if niveau in _COLONNE_AGENCE:
        msa = msa.filter(pl.col(_COLONNE_AGENCE[niveau]) == code)
    return msa.select(
        "code_agence", "libelle_agence", ("MSA_" + pl.col("modalite")).alias("groupe"), "date_debut",
    ).sort("groupe", "libelle_agence")


def date_debut(agences: pl.DataFrame) -> date | None:
    """Start of the experiment: its earliest agency's."""
    return agences["date_debut"].min() if agences.height else None


def tableau_agences(agences: pl.DataFrame, listes: Mapping | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        [[a["libelle_agence"] or a["code_agence"], a["code_agence"],
          fmt.libelle_modalite(DIMENSION_GROUPE, a["groupe"], listes), fmt.format_date(a["date_debut"])]
         for a in agences.to_dicts()],
        schema=[(c, pl.String) for c in ("Agence", "Code SAFIR", "Modèle", "Début")], orient="row",
    )


def serie_experimentation(groupes: pl.DataFrame, agences: pl.DataFrame, membres: pl.DataFrame,
                          debut: date | None) -> pl.DataFrame:
    """Monthly cells of the three groups, before and after the start, with a ``source`` column.

    From the start, the socle's breakdown (``groupes``). Before it, the breakdown counts every
    agency as témoin, so: each model is the sum of its agencies' own cells (``agences``, whose
    models ``membres`` gives), and the témoin group is the breakdown's cell minus all those
    agencies — numerators and denominators add up across territories (counts and ratios; not
    medians). When a part is secret the sum is « s »; a témoin ratio or median that cannot be
    corrected keeps the breakdown's cell, said so in ``source``."""
    groupes = _cellules(groupes.filter(pl.col("modalite").is_in(GROUPES)))
    if groupes.height == 0 or debut is None:
        return groupes.with_columns(source=pl.lit(SOURCE_VENTILATION))
    apres = groupes.filter(pl.col("periode") >= debut).with_columns(source=pl.lit(SOURCE_VENTILATION))
    niveau, territoire, libelle = groupes.select("niveau", "territoire", "libelle").row(0)

    # Parts of the rebuilt cells: a count's figure is its value, a ratio's its numerator.
    parts = _cellules(agences).filter((pl.col("periode") < debut) & (pl.col("unite") != "jours")).join(
        membres.select(pl.col("code_agence").alias("territoire"), "groupe"), on="territoire", how="inner",
    ).with_columns(num=pl.when(pl.col("unite") == "nombre").then(pl.col("valeur")).otherwise(pl.col("numerateur")))
    par_modele = parts.group_by("indicateur", "periode", "groupe", "unite").agg(
        num=pl.col("num").sum(), den=pl.col("denominateur").sum(),
        secret=pl.col("secret").any(), provisoire=pl.col("provisoire").any(),
    )

    def figure(num: pl.Expr, den: pl.Expr, secret: pl.Expr) -> dict[str, pl.Expr]:
        nombre = pl.col("unite") == "nombre"
        return {
            "numerateur": pl.when(secret).then(None).otherwise(num),
            "denominateur": pl.when(secret | nombre).then(None).otherwise(den),
            "valeur": pl.when(secret).then(None).when(nombre).then(num)
            .when(den > 0).then(num / den).otherwise(None),
            "secret": secret,
        }

    modeles = par_modele.with_columns(
        niveau=pl.lit(niveau), territoire=pl.lit(territoire), libelle=pl.lit(libelle),
        dimension=pl.lit(DIMENSION_GROUPE), modalite=pl.col("groupe"),
        **figure(pl.col("num"), pl.col("den"), pl.col("secret")),
    )
    modeles = _cellules(modeles).with_columns(source=pl.lit(SOURCE_SOMME_AGENCES))

    retirer = par_modele.group_by("indicateur", "periode").agg(
        m_num=pl.col("num").sum(), m_den=pl.col("den").sum(), m_secret=pl.col("secret").any(),
    )
    temoin = groupes.filter((pl.col("periode") < debut) & (pl.col("modalite") == TEMOIN)).join(
        retirer, on=["indicateur", "periode"], how="left",
    ).with_columns(pl.col("m_num", "m_den").fill_null(0), pl.col("m_secret").fill_null(False))
    sommable = pl.col("unite").is_in(["nombre", "taux"])
    corrigeable = sommable & ~pl.col("secret") & ~pl.col("m_secret")
    base = pl.when(pl.col("unite") == "nombre").then(pl.col("valeur")).otherwise(pl.col("numerateur"))
    corrige = figure(base - pl.col("m_num"), pl.col("denominateur") - pl.col("m_den"), pl.lit(False))
    # A count that would need a secret part is itself « s »: the line must not jump at the start.
    masque = figure(pl.lit(None, pl.Float64), pl.lit(None, pl.Float64), pl.lit(True))
    temoin = temoin.with_columns(
        **{k: pl.when(corrigeable).then(corrige[k])
           .when(pl.col("unite") == "nombre").then(masque[k]).otherwise(pl.col(k)) for k in corrige},
        source=pl.when(corrigeable | (pl.col("unite") == "nombre")).then(pl.lit(SOURCE_TEMOIN_CORRIGE))
        .otherwise(pl.lit(SOURCE_TEMOIN_BRUT)),
    )
    temoin = _cellules(temoin).with_columns(source=temoin["source"])

    rang = {g: i for i, g in enumerate(GROUPES)}
    return (
        pl.concat([apres, modeles, temoin], how="vertical_relaxed")
        .with_columns(_rang=pl.col("modalite").replace_strict(rang, default=len(rang), return_dtype=pl.Int32))
        .sort("indicateur", "_rang", "periode")
        .drop("_rang")
    )


def bilan_avant_apres(serie: pl.DataFrame, debut: date, fin: date) -> pl.DataFrame:
    """Each group's figure before and since the start, over the final months up to ``fin``.

    Ratios pool the months (sum of numerators over sum of denominators); counts and medians are
    the mean of the monthly figures. Secret or empty months are left out and counted
    (``mois_retenus`` of ``mois``). ``ecart_temoin``: the group's change minus the témoin's (a
    difference of differences)."""
    cles = ["indicateur", "unite", "modalite"]
    base = serie.select(cles).unique(maintain_order=True)
    definitifs = serie.filter((pl.col("periode") <= fin) & ~pl.col("provisoire"))
    utilisable = ~pl.col("secret").fill_null(False) & pl.col("valeur").is_not_null()

    def phase(df: pl.DataFrame, suffixe: str) -> pl.DataFrame:
        agreges = df.group_by(cles).agg(
            mois=pl.len(), mois_retenus=utilisable.sum(),
            num=pl.col("numerateur").filter(utilisable).sum(),
            den=pl.col("denominateur").filter(utilisable).sum(),
            moyenne=pl.col("valeur").filter(utilisable).mean(),
        ).with_columns(
            valeur=pl.when(pl.col("mois_retenus") == 0).then(None)
            .when(pl.col("unite") == "taux").then(pl.when(pl.col("den") > 0).then(pl.col("num") / pl.col("den")))
            .otherwise(pl.col("moyenne")),
        )
        return agreges.select(cles + [pl.col(c).alias(f"{c}_{suffixe}") for c in ("valeur", "mois", "mois_retenus")])

    bilan = (
        base.join(phase(definitifs.filter(pl.col("periode") < debut), "avant"), on=cles, how="left")
        .join(phase(definitifs.filter(pl.col("periode") >= debut), "apres"), on=cles, how="left")
        .with_columns(pl.col("^mois.*$").fill_null(0))
        .with_columns(evolution=pl.col("valeur_apres") - pl.col("valeur_avant"))
    )
    temoin = bilan.filter(pl.col("modalite") == TEMOIN).select("indicateur", evolution_temoin="evolution")
    return bilan.join(temoin, on="indicateur", how="left").with_columns(
        ecart_temoin=pl.when(pl.col("modalite") == TEMOIN).then(None)
        .otherwise(pl.col("evolution") - pl.col("evolution_temoin")),
    ).drop("evolution_temoin")


def _mois_retenus(retenus: int, mois: int) -> str:
    if mois == 0:
        return "aucun"
    return str(retenus) if retenus == mois else f"{retenus} sur {mois}"


def tableau_avant_apres(bilan: pl.DataFrame, listes: Mapping | None = None,
                        dico: Mapping | None = None) -> pl.DataFrame:
    """:func:`bilan_avant_apres` formatted: one row per indicator and group."""
    lignes = [
        [
            fmt.libelle_indicateur(b["indicateur"], dico, avec_numero=True),
            fmt.libelle_modalite(DIMENSION_GROUPE, b["modalite"], listes),
            fmt.format_valeur(b["valeur_avant"], b["unite"]), _mois_retenus(b["mois_retenus_avant"], b["mois_avant"]),
            fmt.format_valeur(b["valeur_apres"], b["unite"]), _mois_retenus(b["mois_retenus_apres"], b["mois_apres"]),
            fmt.format_evolution(b["evolution"], b["unite"]),
            "référence" if b["modalite"] == TEMOIN else fmt.format_evolution(b["ecart_temoin"], b["unite"]),
        ]
        for b in bilan.to_dicts()
    ]
    colonnes = ["Indicateur", "Groupe", "Avant le lancement", "Mois retenus (avant)", "Depuis le lancement",
                "Mois retenus (depuis)", "Évolution", "Évolution comparée au témoin"]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def tableau_detail_sources(serie: pl.DataFrame, listes: Mapping | None = None,
                           dico: Mapping | None = None) -> pl.DataFrame:
    """:func:`vues.tableau_detail` of a :func:`serie_experimentation`, with where each figure
    comes from."""
    return vues.tableau_detail(serie, listes, dico).with_columns(
        pl.Series("Source", serie["source"].to_list() if serie.height else [], dtype=pl.String)
    )


def texte_mois_avant(mois_disponibles: Sequence[date], debut: date) -> tuple[int, str]:
    """How many months of data precede the start, and what it means, in words."""
    avant = sorted(m for m in mois_disponibles if m < debut)
    lancement = fmt.format_mois_long(debut)
    if not mois_disponibles:
        return 0, "Aucune donnée pour ce territoire."
    if not avant:
        return 0, (
            f"Les données commencent en {fmt.format_mois(min(mois_disponibles))}, après le lancement de "
            f"l'expérimentation ({lancement}) : aucun mois « avant » n'est disponible. On ne peut lire que "
            "l'évolution depuis le lancement et l'écart entre les modèles et les agences témoins, sans "
            "savoir s'il existait déjà avant."
        )
    periode = f"{fmt.format_mois(avant[0])} – {fmt.format_mois(avant[-1])}"
    if len(avant) < 6:
        return len(avant), (
            f"Seulement {len(avant)} mois avant le lancement ({periode}) : la période de référence est "
            "courte, les écarts avant / depuis le lancement sont à lire avec prudence."
        )
    return len(avant), f"{len(avant)} mois avant le lancement ({periode})."
