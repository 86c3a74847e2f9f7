"""Display pieces of the Expérimentations page: the MSA experiment's groups (model 1, model 2,
the other agencies of the same regions) before and since the launch.

Pure functions, like ``dashboards.vues`` (whose helpers they reuse). A figure built here from
several cells (a sum of agencies) is secret as soon as one of its parts is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards import vues
from pipelines.core import formats as fmt
from pipelines.evaluation.panel import NOMS_MODELES

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
    groupes = vues.en_cellules(groupes.filter(pl.col("modalite").is_in(GROUPES)))
    if groupes.height == 0 or debut is None:
        return groupes.with_columns(source=pl.lit(SOURCE_VENTILATION))
    apres = groupes.filter(pl.col("periode") >= debut).with_columns(source=pl.lit(SOURCE_VENTILATION))
    niveau, territoire, libelle = groupes.select("niveau", "territoire", "libelle").row(0)

    # Parts of the rebuilt cells: a count's figure is its value, a ratio's its numerator.
    parts = vues.en_cellules(agences).filter((pl.col("periode") < debut) & (pl.col("unite") != "jours")).join(
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
    modeles = vues.en_cellules(modeles).with_columns(source=pl.lit(SOURCE_SOMME_AGENCES))

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
    temoin = vues.en_cellules(temoin).with_columns(source=temoin["source"])

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


# ---------------------------------------------------------------------------------------------
# Evaluation (difference-in-differences, pipelines.evaluation)

#: The models as the readings name them.
NOTE_EVALUATION = (
    "Méthode : chaque modèle est comparé aux autres agences des mêmes régions (témoins), hors agences d'une "
    "autre expérimentation (RSA rénové, CRE rénové), sur les cellules mensuelles définitives de chaque agence ; "
    "effets fixes agence et mois, pondération par les personnes concernées, intervalles à 95 % par grappes "
    "d'agences. « Effet minimal détectable » : l'effet que la comparaison détecterait 8 fois sur 10. "
    "« Tendances avant (p) » : test que les écarts avant le lancement sont nuls (sous 0,05, prudence). "
    "Vue publiée : les cellules secrètes sont écartées.")
COULEURS_MODELES = {"MODELE_1": "#000091", "MODELE_2": "#c9191e"}


def _intervalle(bas, haut, unite: str) -> str:
    if bas is None or haut is None:
        return fmt.VIDE
    return f"{fmt.format_evolution(bas, unite)} à {fmt.format_evolution(haut, unite)}"


def _conclusion(e) -> str:
    if e.effet is None:
        return "pas d'estimation"
    if e.significatif:
        return "écart établi (hausse)" if e.effet > 0 else "écart établi (baisse)"
    return "pas de conclusion possible"


def tableau_evaluation(estimations: pl.DataFrame, dico: Mapping | None = None) -> pl.DataFrame:
    """The estimates, one row per indicator and model, in French: gap, 95 % interval, minimum
    detectable effect, agencies and people behind it, pre-trend test, what one can conclude."""
    from pipelines.evaluation import did
    from pipelines.evaluation.panel import unite_effectif

    lignes = []
    for ligne in estimations.to_dicts():
        e = did.depuis_tableau(ligne)
        lignes.append([
            fmt.libelle_indicateur(e.indicateur, dico, avec_numero=True),
            NOMS_MODELES.get(e.modele, e.modele),
            fmt.format_evolution(e.effet, e.unite),
            _intervalle(e.ic_bas, e.ic_haut, e.unite),
            fmt.VIDE if e.ecart_detectable is None else fmt.format_evolution(abs(e.ecart_detectable), e.unite).lstrip("+"),
            f"{e.agences_traitees} / {e.agences_temoins}",
            fmt.VIDE if e.effet is None else f"{fmt.format_nombre(e.effectif_traite)} {unite_effectif(e.indicateur)}",
            fmt.VIDE if e.p_tendances is None else fmt.format_nombre(e.p_tendances, 2),
            _conclusion(e),
        ])
    colonnes = ["Indicateur", "Modèle", "Écart estimé", "Intervalle à 95 %", "Effet minimal détectable",
                "Agences (modèle / témoins)", "Effectif du modèle depuis le lancement",
                "Tendances avant (p)", "Conclusion"]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def lectures_evaluation(estimations: pl.DataFrame, indicateur: str) -> list[str]:
    """The plain-French reading of each model's estimate for one indicator."""
    from pipelines.evaluation import did

    return [did.lecture(did.depuis_tableau(ligne), NOMS_MODELES.get(ligne["modele"], ligne["modele"]))
            for ligne in estimations.filter(pl.col("indicateur") == indicateur).to_dicts()]


def figure_etude(effets: pl.DataFrame, unite: str) -> go.Figure | None:
    """Event study: each model's effect by month relative to the start, with its 95 % interval
    (the month before the start is the reference, 0). None when there is nothing to draw."""
    if effets.height == 0:
        return None
    echelle = 100.0 if unite == "taux" else 1.0
    fig = go.Figure()
    for modele in [m for m in NOMS_MODELES if m in set(effets["modele"].to_list())]:
        e = effets.filter(pl.col("modele") == modele).sort("relatif")
        fig.add_trace(go.Scatter(
            x=e["relatif"].to_list(), y=(e["effet"] * echelle).to_list(), mode="markers+lines",
            name=NOMS_MODELES[modele], line={"color": COULEURS_MODELES[modele], "width": 1},
            error_y={"type": "data", "symmetric": False, "array": ((e["ic_haut"] - e["effet"]) * echelle).to_list(),
                     "arrayminus": ((e["effet"] - e["ic_bas"]) * echelle).to_list(), "thickness": 1},
        ))
    fig.add_hline(y=0, line={"color": "#666666", "width": 1})
    fig.add_vline(x=-0.5, line={"color": "#000000", "dash": "dash", "width": 1.5},
                  annotation_text="lancement", annotation_position="top right")
    fig.update_layout(
        xaxis_title="Mois depuis le lancement (−1 : mois de référence ; les extrémités regroupent les mois plus éloignés)",
        yaxis_title="Écart au témoin (points)" if unite == "taux" else "Écart au témoin (jours)",
        legend={"orientation": "h", "y": -0.3}, margin={"t": 30, "b": 10}, height=380,
    )
    return fig
