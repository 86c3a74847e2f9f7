"""Streamlit blocks of the Parcours, Retour à l'emploi and Expérimentations pages.

A block is what every chart of these pages needs around it: a bordered container, the
indicator's label with its definition as help, the chart (or an empty state in words), the
numbers behind it (the cells as rows, « s » when secret) and their CSV / Excel downloads. A metric
is a figure of the month with its change and, when the month is still provisional, the latest
final one. The pages only choose what to show and where.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import cached_property

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboards import composants, vues
from dashboards import vues_parcours as vp
from pipelines.core import formats as fmt


def titre(ctx: composants.Contexte, indicateur: str, complement: str = "", provisoire: bool = False,
          intitule: str | None = None) -> None:
    """The block's title: the indicator's label (or ``intitule``) and ``complement``, with the
    indicator's definition as help."""
    st.markdown(
        f"**{intitule or ctx.libelle(indicateur, avec_numero=True)}{complement}**"
        + (fmt.MENTION_PROVISOIRE if provisoire else ""),
        help=ctx.definition(indicateur) or None,
    )


def donnees(ctx: composants.Contexte, page: str, cle: str, indicateur: str | None, tableau: pl.DataFrame,
            visible: bool = False, intitule: str = "Données du graphique") -> None:
    """The numbers behind a chart (shown, or in an expander) and their downloads."""
    if visible:
        st.dataframe(tableau, hide_index=True, height=min(320, 38 + 35 * max(1, tableau.height)), key=f"tableau_{cle}")
    else:
        with st.expander(intitule, icon=":material/table:"):
            st.dataframe(tableau, hide_index=True, key=f"tableau_{cle}")
    composants.telechargements(ctx, tableau, cle, cle, page, indicateur)


def bloc(ctx: composants.Contexte, page: str, cle: str, indicateur: str, cellules: pl.DataFrame,
         figure: Callable[[pl.DataFrame], go.Figure], complement: str = "", legende: str | None = None,
         tableau: pl.DataFrame | None = None, tableau_visible: bool = False,
         vide: str | None = None, intitule: str | None = None) -> None:
    """A bordered block: title, chart of ``figure(cellules)``, caption, the numbers and their
    downloads. A block of one month says « (provisoire) » in its title when the month is."""
    with st.container(border=True):
        un_mois = cellules.height > 0 and cellules["periode"].n_unique() == 1
        titre(ctx, indicateur, complement, provisoire=un_mois and bool(cellules["provisoire"].any()), intitule=intitule)
        if cellules.height == 0:
            composants.vide(vide or "Aucune donnée pour ce territoire et ce mois.")
            return
        if cellules["valeur"].is_null().all():
            # Nothing to draw (every figure secret or not reached yet): say it, keep the numbers.
            composants.vide(TOUT_SECRET if cellules["secret"].any() else RIEN_A_TRACER)
        else:
            st.plotly_chart(figure(cellules), key=f"graphique_{cle}")
        if legende:
            st.caption(legende)
        composants.note_rupture(cellules["periode"].to_list())
        if tableau is None:
            tableau = vues.tableau_detail(cellules, ctx.listes, ctx.dico)
        donnees(ctx, page, cle, indicateur, tableau, visible=tableau_visible)


def legende_mois(ctx: composants.Contexte, cellules: pl.DataFrame, legende: str | None = None) -> str | None:
    """The caption of a chart of one month, saying when it is not the chosen month."""
    if cellules.height == 0 or cellules["periode"][0] == ctx.mois:
        return legende
    texte = (f"Pas encore de donnée de {fmt.format_mois_long(ctx.mois)} pour cet indicateur : dernier mois "
             f"disponible, {fmt.format_mois_long(cellules['periode'][0])}.")
    return f"{legende} {texte}" if legende else texte


def metrique(ctx: composants.Contexte, serie: pl.DataFrame, indicateur: str, mois: date,
             sens: str = "neutre") -> None:
    """One indicator's figure of ``mois`` (``serie``: its ``ensemble`` cells of the territory) or,
    when that month is not computed yet, of the latest month before — or, for an indicator with an
    observation window whose month is provisional (censored), of the latest final month, the
    provisional figure following in words; its change from the month before, and the latest
    final month when the month shown is provisional."""
    s = serie.filter((pl.col("indicateur") == indicateur) & (pl.col("periode") <= mois))
    libelle = ctx.libelle(indicateur, avec_numero=True)
    if s.height and vues.cellule_du_mois(s, mois) is None:
        mois = s["periode"].max()
        libelle += f" – {fmt.format_mois(mois)}"
    # a windowed indicator's provisional month is censored: the figure is the latest final one
    cellule, censure = vues.cellule_phare(s, mois, indicateur)
    if cellule is not None and censure is not None:
        mois = cellule["periode"]
        libelle = f"{ctx.libelle(indicateur, avec_numero=True)} – {fmt.format_mois(mois)}"
    if cellule is None:
        st.metric(libelle, fmt.VIDE, help=ctx.definition(indicateur) or None, border=True)
        st.caption(("Pas encore de mois définitif.  \n" + vues.texte_provisoire_censure(censure)) if censure
                   else fmt.explication_absence(None, False, False))
        return
    ecart, avant = vues.evolution(s, mois, 1)
    delta = fmt.parametres_metric(None if ecart is None else cellule["valeur"],
                                  None if ecart is None else avant["valeur"], cellule["unite"], sens)
    if delta["delta"] is not None:
        delta["delta_description"] = f"par rapport à {fmt.format_mois(vues.mois_decale(mois, 1))}"
    st.metric(
        libelle + (fmt.MENTION_PROVISOIRE if cellule["provisoire"] else ""),
        vues.texte_cellule(cellule).replace(fmt.MENTION_PROVISOIRE, ""),
        help=ctx.definition(indicateur) or None, border=True, **delta,
    )
    lignes = [vues.texte_provisoire_censure(censure)] if censure is not None else []
    if cellule["valeur"] is None and not cellule.get("secret"):
        lignes.append(fmt.explication_absence(cellule["unite"], cellule["provisoire"], True))
    if cellule["provisoire"]:
        # The label may be cut in a narrow column: the provisional state is also said here.
        definitif = vp.dernier_definitif(s)
        lignes.append("Mois provisoire." + ("" if definitif is None else (
            f" Dernier mois définitif ({fmt.format_mois(definitif['periode'])}) : {vues.texte_cellule(definitif)}")))
    if lignes:
        st.caption("  \n".join(lignes))


def onglets(parties: Mapping[str, Callable[[], None]], cle: str) -> None:
    """Tabs of which only the open one runs (its queries and charts): a page of some twenty
    charts stays fast. The open tab is kept in the session under ``cle``, across territories."""
    for onglet, partie in zip(st.tabs(list(parties), on_change="rerun", key=cle), parties.values()):
        if onglet.open:
            with onglet:
                partie()


def metriques(ctx: composants.Contexte, serie: pl.DataFrame, indicateurs: dict[str, str], mois: date) -> None:
    """A row of :func:`metrique` (indicator → how to read its change)."""
    for colonne, (indicateur, sens) in zip(st.columns(len(indicateurs)), indicateurs.items()):
        with colonne:
            metrique(ctx, serie, indicateur, mois, sens)


def serie_et_parent(cellules: pl.DataFrame, parent: pl.DataFrame, indicateur: str) -> pl.DataFrame:
    """One indicator's cells of the territory then of its parent (thick line, then thin)."""
    du = pl.col("indicateur") == indicateur
    return pl.concat([cellules.filter(du), parent.filter(du)], how="vertical_relaxed")


TOUT_SECRET = ("Aucune valeur à tracer : les chiffres de ce territoire sont couverts par le secret statistique "
               "(« s » dans le tableau) ou pas encore connus.")
RIEN_A_TRACER = ("Aucune valeur à tracer pour l'instant (médiane pas encore atteinte ou fenêtre d'observation "
                 "ouverte).")

LEGENDE_SERIE = ("Trait épais : le territoire choisi ; trait fin : le territoire parent. Pointillés et "
                 "points creux : mois provisoires ; une interruption : valeur absente ou secrète.")
LEGENDE_EMPILEE = ("Hachures : mois provisoires ; un segment manquant : valeur couverte par le secret (« s » au "
                   "survol).")
LEGENDE_GROUPES = ("Trait vertical : lancement de l'expérimentation. Pointillés : mois provisoires ; une "
                   "interruption : valeur absente ou secrète.")


class CellulesDePage:
    """The cells a page of series draws, read once per run: every breakdown of ``indicateurs``
    over the ``mois`` months up to the chosen one, their ``ensemble`` cells, and the parent
    territory's cells over the same months (for comparison lines)."""

    def __init__(self, ctx: composants.Contexte, indicateurs, mois: int) -> None:
        self.ctx = ctx
        self.indicateurs = list(indicateurs)
        self.depuis = vues.mois_decale(ctx.mois, mois - 1)

    @cached_property
    def cellules(self) -> pl.DataFrame:
        return self.ctx.extraire(self.indicateurs, dimension=None, depuis=self.depuis).filter(
            pl.col("periode") <= self.ctx.mois)

    @cached_property
    def ensemble(self) -> pl.DataFrame:
        return self.cellules.filter(pl.col("dimension") == "ensemble")

    @cached_property
    def parent(self) -> pl.DataFrame:
        return self.ctx.extraire_parent(self.indicateurs).filter(
            (pl.col("periode") >= self.depuis) & (pl.col("periode") <= self.ctx.mois))
