"""Streamlit blocks shared by the Contrôle and Détournement de finalité pages: a choice of
window, a monthly series with the parent territory, bars of one breakdown over a window.

Thin code over ``composants`` (context, downloads), ``vues`` and ``vues_controle`` (shapes):
every block is a bordered container with its title, its chart, a caption and the downloads of
what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

import polars as pl
import streamlit as st

from dashboards import blocs_parcours, composants, vues, vues_controle
from pipelines.core import formats as fmt

#: Months of the trend charts.
MOIS_TENDANCE = 24


def choisir_fenetre(cle: str, options: Sequence[int], defaut: int, libelle: str, aide: str) -> int:
    """A segmented choice of window (months); the default when the user clears it."""
    choix = st.segmented_control(
        libelle, list(options), default=defaut, format_func=vues_controle.libelle_fenetre,
        key=cle, help=aide,
    )
    return int(choix) if choix else defaut


def fenetre_des_ventilations(ctx: composants.Contexte, cle: str) -> tuple[date, date]:
    """The page's choice of window for its bars: first and last month."""
    mois = choisir_fenetre(
        cle, vues_controle.FENETRES_VENTILATION, 1, "Période des ventilations",
        "Les barres portent sur le mois choisi ou sur les derniers mois additionnés ; les courbes "
        f"montrent toujours les {MOIS_TENDANCE} derniers mois.",
    )
    return vues_controle.bornes_fenetre(ctx.mois, mois)


def notes_des_courbes(ctx: composants.Contexte) -> None:
    composants.notes(ctx)
    st.caption("Courbes : pointillés et points creux pour les mois provisoires ; une interruption : "
               "valeur absente ou couverte par le secret statistique. Survol : numérateur et dénominateur.")


def titre_bloc(titre: str, aide: str | None = None, provisoire: bool = False) -> None:
    st.markdown(f"**{titre}**" + (fmt.MENTION_PROVISOIRE if provisoire else ""), help=aide or None)


def bloc_serie(ctx: composants.Contexte, page: str, indicateur: str, cle: str, *,
               avec_parent: bool = True, reference: Mapping | None = None,
               transformer: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
               titre: str | None = None, legende: str | None = None) -> None:
    """The indicator's last ``MOIS_TENDANCE`` months for the territory (and its parent), with
    an optional published reference (``{"valeur", "libelle"}``). ``transformer`` reshapes the
    cells (e.g. ``vues_controle.complement``) and ``titre`` then names the result."""
    depuis = vues.mois_decale(ctx.mois, MOIS_TENDANCE - 1)
    serie = ctx.extraire([indicateur], depuis=depuis).filter(pl.col("periode") <= ctx.mois)
    if avec_parent:
        parent = ctx.extraire_parent([indicateur]).filter(
            (pl.col("periode") >= depuis) & (pl.col("periode") <= ctx.mois)
        )
        serie = pl.concat([serie, parent], how="vertical_relaxed")
    if transformer is not None:
        serie = transformer(serie)
    nom = titre or ctx.libelle(indicateur, avec_numero=True)
    with st.container(border=True):
        titre_bloc(f"{nom} : {MOIS_TENDANCE} derniers mois", ctx.definition(indicateur))
        if serie.filter(pl.col("territoire") == ctx.territoire.code).height == 0:
            composants.vide()
            return
        cellule = vues.cellule_du_mois(serie.filter(pl.col("territoire") == ctx.territoire.code), ctx.mois)
        lignes = [f"{fmt.format_mois(ctx.mois)} : {vues.texte_cellule(cellule) if cellule else fmt.VIDE}"]
        if reference is not None:
            lignes.append(f"Tirets : {reference['libelle']}")
        if legende:
            lignes.append(legende)
        if note := vues.note_rupture(serie["periode"].to_list()):
            lignes.append(note)
        st.caption("  \n".join(lignes))
        if serie["valeur"].is_null().all():
            # nothing to draw (every figure secret or not observable yet): say it, no empty axes
            composants.vide(blocs_parcours.TOUT_SECRET if serie["secret"].any() else blocs_parcours.RIEN_A_TRACER)
            return
        st.plotly_chart(
            vues.figure_serie(serie, reference=None if reference is None else reference["valeur"],
                              libelle_reference=None if reference is None else reference.get("court")),
            key=f"{cle}_serie", height=280,
        )
        detail = vues.tableau_detail(serie, ctx.listes, ctx.dico)
        if titre:
            detail = detail.with_columns(pl.lit(titre).alias("Indicateur"))
        composants.telechargements(ctx, detail, cle, f"{cle}_serie", page, indicateur)


def ventilations(ctx: composants.Contexte, indicateur: str, debut: date, fin: date) -> pl.DataFrame:
    """All the breakdowns of one indicator for the territory over a window (one query), one
    cell per modality, and the ``ensemble`` cell (several months summed, see
    ``vues_controle.cumuler``)."""
    if debut == fin:
        cellules = ctx.extraire([indicateur], dimension=None, periode=fin)
    else:
        cellules = ctx.extraire([indicateur], dimension=None, depuis=debut).filter(pl.col("periode") <= fin)
    somme = vues_controle.sur_fenetre(cellules, debut, fin)
    type_agrege = vues_controle.type_agrege(debut, fin)
    if type_agrege and somme.height and somme["secret"].any():  # the published total of the window, if any
        somme = vues_controle.avec_agreges(
            somme, ctx.extraire([indicateur], dimension=None, periode=fin, type_periode=type_agrege))
    return somme


def bloc_barres(ctx: composants.Contexte, page: str, cellules: pl.DataFrame, indicateur: str, dimension: str,
                debut: date, fin: date, cle: str, *, listes: Mapping | None = None,
                references: Mapping[str, float] | None = None, titre: str | None = None,
                legende: str | None = None) -> None:
    """Bars of one breakdown (``cellules`` from :func:`ventilations`) over the window."""
    listes = ctx.listes if listes is None else listes
    choisies = cellules.filter(pl.col("dimension") == dimension)
    provisoire = bool(choisies.height and choisies["provisoire"].fill_null(False).any())
    nom = titre or f"{ctx.libelle(indicateur, avec_numero=True)} par {fmt.libelle_dimension(dimension).lower()}"
    with st.container(border=True):
        titre_bloc(f"{nom} – {vues_controle.texte_periode(debut, fin)}", ctx.definition(indicateur), provisoire)
        if choisies.height == 0:
            composants.vide("Aucune donnée pour ce territoire et cette période.")
            return
        st.plotly_chart(vues.figure_barres(choisies, listes, references=references),
                        key=f"{cle}_barres", height=max(220, 60 + 34 * choisies.height))
        ensemble = cellules.filter(pl.col("dimension") == "ensemble")
        lignes = ([f"Ensemble du territoire : {vues.texte_cellule(ensemble.row(0, named=True))}"]
                  if ensemble.height else [])
        st.caption("  \n".join(lignes + ([legende] if legende else [])) or " ")
        affiche = pl.concat([choisies, ensemble.head(1)], how="vertical_relaxed")
        composants.telechargements(
            ctx, vues_controle.tableau_fenetre(affiche, debut, fin, listes, ctx.dico),
            cle, f"{cle}_barres", page, indicateur,
        )
