"""Synthèse: the headline indicators of the chosen territory and month, and the réseau pour
l'emploi block (the indicators of the national RPE list that the exports support)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import blocs_comparaisons, blocs_parcours, composants, data_metadonnees, vues
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import B1, B5, C2, D2, E2, F1, F2, F3, F4, F5, F6, F7, F8

PAGE = "synthese"

#: Headline indicators (single figure) and how to read their change.
PHARES = {
    B1: "baisse_favorable",
    C2: "hausse_favorable",
    D2: "neutre",  # neither more nor fewer sanctions is a goal in itself
    E2: "baisse_favorable",
}
REPARTITION = B5
MOIS_TENDANCE = 24

#: The réseau pour l'emploi indicators the exports support (family F), in two rows, and how to read
#: their change; labels are the dictionary's (the official ones).
RPE = (
    {F1: "hausse_favorable", F2: "hausse_favorable", F3: "hausse_favorable", F4: "baisse_favorable"},
    {F5: "hausse_favorable", F6: "hausse_favorable", F7: "neutre", F8: "baisse_favorable"},
)
LECTURE_RPE = (
    "Indicateurs de la liste du Comité national pour l'emploi (arrêté du 14 mars 2025), publiés sur le "
    "tableau de bord national du réseau pour l'emploi, que les exports reçus permettent de calculer, avec "
    "la même définition. Les taux à 6 mois (F1 à F3) ne sont définitifs que 6 mois après le mois de la "
    "cohorte : un mois provisoire est suivi du dernier mois définitif. Les indicateurs de la liste qui "
    "demandent d'autres sources sont listés sur la page Méthodologie."
)


def bloc_indicateur(ctx: composants.Contexte, indicateur: str, sens: str, refs: pl.DataFrame) -> None:
    depuis = vues.mois_decale(ctx.mois, MOIS_TENDANCE - 1)
    serie = ctx.extraire([indicateur], depuis=depuis)
    serie = serie.filter(pl.col("periode") <= ctx.mois)
    parent = ctx.extraire_parent([indicateur]).filter(
        (pl.col("periode") >= depuis) & (pl.col("periode") <= ctx.mois)
    )
    with st.container(border=True):
        # a windowed indicator's provisional month is censored: the headline is the latest final one
        cellule, censure = vues.cellule_phare(serie, ctx.mois, indicateur)
        if cellule is None and censure is None:
            st.markdown(f"**{ctx.libelle(indicateur, avec_numero=True)}**")
            composants.vide()
            return
        if cellule is None:
            st.metric(ctx.libelle(indicateur, avec_numero=True), fmt.VIDE, help=ctx.definition(indicateur) or None)
            st.caption("Pas encore de mois définitif.  \n" + vues.texte_provisoire_censure(censure))
            return
        mois = cellule["periode"]
        ecart, avant = vues.evolution(serie, mois, 1)
        delta = fmt.parametres_metric(
            None if ecart is None else cellule["valeur"], None if ecart is None else avant["valeur"],
            cellule["unite"], sens,
        )
        if delta["delta"] is not None:
            delta["delta_description"] = f"par rapport à {fmt.format_mois(vues.mois_decale(mois, 1))}"
        st.metric(
            ctx.libelle(indicateur, avec_numero=True)
            + (f" – {fmt.format_mois(mois)}" if mois != ctx.mois else "")
            + (fmt.MENTION_PROVISOIRE if cellule["provisoire"] else ""),
            vues.texte_cellule(cellule).replace(fmt.MENTION_PROVISOIRE, ""),
            help=ctx.definition(indicateur) or None,
            **delta,
        )
        lignes = [vues.texte_provisoire_censure(censure)] if censure is not None else []
        ecart_an, avant_an = vues.evolution(serie, mois, 12)
        if avant_an is not None:
            lignes.append(
                f"Il y a un an ({fmt.format_mois(avant_an['periode'])}) : {vues.texte_cellule(avant_an)}"
                + (f", soit {fmt.format_evolution(ecart_an, cellule['unite'])}" if ecart_an is not None else "")
            )
        cellule_parent = vues.cellule_du_mois(parent, mois)
        if cellule_parent is not None:
            nom = fmt.libelle_territoire(cellule_parent["niveau"], cellule_parent["territoire"], cellule_parent["libelle"])
            lignes.append(f"{nom} : {vues.texte_cellule(cellule_parent)}")
        for r in vues.references(refs, indicateur, ctx.territoire.code)[:2]:
            lignes.append(f"Référence publiée : {vues.texte_reference(r)}")
        if cellule["provisoire"]:
            # A provisional month's figure may still move a lot (a 6-month window barely
            # started): give the latest final one beside it.
            definitive = vues.derniere_definitive(serie)
            if definitive is not None:
                lignes.append(f"Dernier mois définitif ({fmt.format_mois(definitive['periode'])}) : "
                              f"{vues.texte_cellule(definitive)}")
        if cellule["valeur"] is None and not cellule.get("secret"):
            lignes.append(fmt.explication_absence(cellule["unite"], cellule["provisoire"], True))
        st.caption("  \n".join(lignes) if lignes else " ")
        tendance = pl.concat([serie, parent], how="vertical_relaxed")
        st.plotly_chart(vues.figure_serie(tendance), key=f"tendance_{indicateur}", height=260)
        composants.telechargements(ctx, vues.tableau_detail(tendance, ctx.listes, ctx.dico),
                                   indicateur, f"synthese_{indicateur}", PAGE, indicateur)


def bloc_repartition(ctx: composants.Contexte, refs: pl.DataFrame) -> None:
    cellules = ctx.extraire([REPARTITION], dimension="operateur_retenu", periode=ctx.mois)
    with st.container(border=True):
        titre = ctx.libelle(REPARTITION, avec_numero=True) + " par opérateur"
        provisoire = bool(cellules.height and cellules["provisoire"].any())
        st.markdown(f"**{titre}**" + (fmt.MENTION_PROVISOIRE if provisoire else ""), help=ctx.definition(REPARTITION) or None)
        if cellules.height == 0:
            composants.vide()
            return
        # Reference split: the region's own if published, else the national one.
        refs_op = refs.filter((pl.col("indicateur") == REPARTITION) & (pl.col("dimension") == "operateur_retenu"))
        propres = refs_op.filter(pl.col("territoire") == ctx.territoire.code)
        choisies = propres if propres.height else refs_op.filter(pl.col("territoire") == "FR")
        references = {r["modalite"]: r["valeur"] for r in choisies.to_dicts() if "|" not in r["modalite"]}
        st.plotly_chart(vues.figure_barres(cellules, ctx.listes, references=references),
                        key="repartition_operateur", height=260)
        if choisies.height:
            r = choisies.row(0, named=True)
            lieu = "France" if r["territoire"] == "FR" else "la région"
            st.caption(f"Losanges : répartition publiée pour {lieu} ({r['commentaire']}, {r['source']}).")
        composants.telechargements(ctx, vues.tableau_detail(cellules, ctx.listes, ctx.dico),
                                   REPARTITION, "synthese_repartition", PAGE, REPARTITION)


def bloc_rpe(ctx: composants.Contexte) -> None:
    st.subheader("Réseau pour l'emploi")
    st.caption(LECTURE_RPE)
    codes = [i for ligne in RPE for i in ligne]
    serie = ctx.extraire(codes, depuis=vues.mois_decale(ctx.mois, MOIS_TENDANCE - 1)).filter(
        pl.col("periode") <= ctx.mois)
    for ligne in RPE:
        blocs_parcours.metriques(ctx, serie, ligne, ctx.mois)


def corps(ctx: composants.Contexte) -> None:
    refs = data_metadonnees.valeurs_reference(ctx.chemin)
    gauche, droite = st.columns(2)
    colonnes = [gauche, droite]
    blocs = [(B1, PHARES[B1]), (REPARTITION, None)] + [(i, s) for i, s in PHARES.items() if i != B1]
    for rang, (indicateur, sens) in enumerate(blocs):
        with colonnes[rang % 2]:
            if indicateur == REPARTITION:
                bloc_repartition(ctx, refs)
            else:
                bloc_indicateur(ctx, indicateur, sens, refs)
    blocs_comparaisons.bloc(ctx, PAGE)
    bloc_rpe(ctx)
    composants.notes(ctx)
    st.caption("Trait plein épais : le territoire choisi ; trait fin : le territoire parent. "
               "Pointillés et points creux : mois provisoires ; une interruption de la courbe : "
               "valeur absente ou couverte par le secret statistique.")
    debut = vues.mois_decale(ctx.mois, MOIS_TENDANCE - 1)
    composants.note_rupture([m for m in ctx.selection.mois_disponibles if debut <= m <= ctx.mois])


composants.executer(PAGE, "Synthèse", corps)
