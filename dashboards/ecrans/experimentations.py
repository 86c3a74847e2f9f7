"""Expérimentations: the MSA experiment — model 1 (« segmentation par besoins »), model 2
(« alliance de travail ») and the other agencies of the same regions (témoin), before and since
its start, on the indicators where it should show: delays to the diagnostic, entry into a
parcours, return to employment, and the volumes of job seekers. Each chart has its numbers
under it, with where each figure comes from."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboards import blocs_parcours as blocs
from dashboards import composants, data_evaluation, data_metadonnees, vues
from dashboards import vues_experimentations as vx
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import A1, B1, B2, B8, C1, C2

PAGE = "experimentations"
#: Months drawn before the start (the demo data may have fewer).
MOIS_AVANT = 12
CLE_ONGLET = "experimentations_onglet"

#: Indicators where the experiment should show, in reading order, and what each one is about.
INDICATEURS = {
    B1: "Délai jusqu'au diagnostic",
    B2: "Délai jusqu'au diagnostic",
    B8: "Entrée en parcours",
    C1: "Retour à l'emploi",
    C2: "Retour à l'emploi",
    A1: "Volumes",
}
LEGENDES = {
    B1: (
        "Une médiane ne s'additionne pas entre agences : avant le lancement, seule la médiane de toutes "
        "les agences des régions (y compris les futures expérimentatrices) est connue."),
    C1: (
        "Cohortes par mois de début d'accompagnement : celles des mois précédant le lancement sont suivies "
        "6 mois, donc en partie après lui."),
    A1: "Volumes : les agences témoins sont bien plus nombreuses que celles des deux modèles.",
}
LEGENDES[C2] = LEGENDES[C1]


def presentation(ctx: composants.Contexte, membres: pl.DataFrame, debut: date) -> None:
    st.markdown(
        f"Expérimentation des nouvelles modalités de suivi et d'accompagnement (MSA), lancée en "
        f"{fmt.format_mois_long(debut)} : **modèle 1** « segmentation par besoins » (parcours, modalité, "
        "objectif et durée dans le contrat d'engagement), **modèle 2** « alliance de travail » "
        "(accompagnement intensif par un référent de parcours, limité dans le temps, pour le plus grand "
        "nombre). Le **groupe témoin** réunit les autres agences des mêmes régions."
    )
    with st.expander(f"Agences de l'expérimentation dans ce territoire ({membres.height})", icon=":material/store:"):
        if membres.height == 0:
            composants.vide("Aucune agence de l'expérimentation MSA dans ce territoire.")
        else:
            blocs.donnees(ctx, PAGE, "experimentations_agences", None, vx.tableau_agences(membres, ctx.listes),
                          visible=True)


def methode(ctx: composants.Contexte, debut: date) -> None:
    n_avant, texte = vx.texte_mois_avant(ctx.selection.mois_disponibles, debut)
    if n_avant < 6:
        st.warning(texte, icon=":material/history_toggle_off:")
    else:
        st.caption(texte)
    if ctx.mois < debut:
        st.info(f"Le mois choisi ({fmt.format_mois_long(ctx.mois)}) précède le lancement : choisissez un mois "
                "plus récent pour voir la période de l'expérimentation.", icon=":material/info:")
    st.caption(
        "**Lecture.** Depuis le lancement, chaque groupe vient de la ventilation du socle par groupe "
        "d'expérimentation. Avant, cette ventilation compte toutes les agences comme témoins : chaque modèle y "
        "est donc la somme des chiffres de ses propres agences, et le témoin, toutes les agences moins celles "
        "de l'expérimentation (colonne « Source » des tableaux). Les mois provisoires sont exclus du bilan ; "
        "« Évolution comparée au témoin » : l'évolution du groupe moins celle du témoin (différence de "
        "différences), une indication, pas une évaluation."
    )


def corps(ctx: composants.Contexte) -> None:
    referentiel = data_metadonnees.experimentations(ctx.chemin)
    membres = vx.agences_experimentation(referentiel, ctx.territoire.niveau, ctx.territoire.code)
    debut = vx.date_debut(membres) or vx.date_debut(vx.agences_experimentation(referentiel, "NATIONAL", "FR"))
    if debut is None:
        composants.vide("Le référentiel ne contient aucune agence de l'expérimentation MSA.")
        return
    presentation(ctx, membres, debut)
    depuis = vues.mois_decale(debut, MOIS_AVANT)
    groupes = ctx.extraire(list(INDICATEURS), dimension=vx.DIMENSION_GROUPE, depuis=depuis).filter(
        (pl.col("periode") <= ctx.mois) & pl.col("modalite").is_in(vx.GROUPES))
    if groupes.height == 0:
        composants.vide("Aucune donnée des groupes de l'expérimentation pour ce territoire et ces mois : "
                        "l'expérimentation MSA porte sur d'autres régions.")
        return
    methode(ctx, debut)
    evaluation(ctx)
    if membres.height == 0:
        st.info("Aucune agence de l'expérimentation dans ce territoire : seules des agences témoins y sont "
                "suivies. Pour comparer les modèles, choisissez la région.", icon=":material/info:")
    # The experiment's agencies are read only for the months before the start.
    avant = [m for m in ctx.selection.mois_disponibles if depuis <= m < debut]
    agences = groupes.head(0)
    if avant and membres.height:
        agences = ctx.extraire(list(INDICATEURS), niveau="AGENCE", codes=membres["code_agence"].to_list(),
                               depuis=depuis).filter(pl.col("periode") < debut)
    serie = vx.serie_experimentation(groupes, agences, membres, debut)

    with st.container(border=True):
        st.markdown(f"**Avant et depuis le lancement ({fmt.format_mois(debut)}), jusqu'à "
                    f"{fmt.format_mois(ctx.mois)}**")
        rang = {i: r for r, i in enumerate(INDICATEURS)}
        bilan = vx.bilan_avant_apres(serie, debut, ctx.mois).sort(
            pl.col("indicateur").replace_strict(rang, default=len(rang)), maintain_order=True)
        blocs.donnees(ctx, PAGE, "experimentations_bilan", None, vx.tableau_avant_apres(bilan, ctx.listes, ctx.dico),
                      visible=True)
        st.caption("Taux : tous les mois définitifs réunis (somme des numérateurs sur somme des dénominateurs) ; "
                   "délais et volumes : moyenne des valeurs mensuelles. « Mois retenus » : mois définitifs dont la "
                   "valeur est publiée (ni absente ni secrète).")

    def theme(sujet: str) -> None:
        for indicateur in (i for i, s in INDICATEURS.items() if s == sujet):
            graphique(ctx, serie.filter(pl.col("indicateur") == indicateur), indicateur, debut)

    blocs.onglets({s: (lambda s=s: theme(s)) for s in dict.fromkeys(INDICATEURS.values())}, CLE_ONGLET)
    composants.notes(ctx)


def evaluation(ctx: composants.Contexte) -> None:
    """The decision-grade comparison: each model against the witness agencies of its regions
    (difference-in-differences, pipelines.evaluation), with its interval, event study and reading."""
    from pipelines.evaluation import panel as pn

    with st.container(border=True):
        st.markdown("**Évaluation : écart de chaque modèle aux agences témoins (différence de différences)**")
        niveau = ctx.territoire.niveau
        if niveau not in ("NATIONAL", "REGION"):
            st.info("L'évaluation compare les agences de chaque modèle aux agences témoins de leurs régions : elle se "
                    "lit sur une région ou sur la France (la note d'évaluation PDF en donne les résultats).",
                    icon=":material/info:")
            return
        regions = None if niveau == "NATIONAL" else (ctx.territoire.code,)
        estimations = data_evaluation.estimations(ctx.chemin, ctx.perimetre, regions)
        if estimations.height == 0:
            composants.vide("Aucune agence de l'expérimentation MSA dans ce territoire : rien à évaluer.")
            return
        blocs.donnees(ctx, PAGE, "experimentations_evaluation", None, vx.tableau_evaluation(estimations, ctx.dico),
                      visible=True)
        st.caption(vx.NOTE_EVALUATION)
        codes = [i for i in pn.INDICATEURS if i in set(estimations["indicateur"].to_list())]
        choix = st.selectbox("Lecture et étude d'événement de l'indicateur", codes, key="experimentations_evaluation_ind",
                             format_func=lambda c: fmt.libelle_indicateur(c, ctx.dico, avec_numero=True))
        for texte in vx.lectures_evaluation(estimations, choix):
            st.markdown(f"- {texte}")
        unite = estimations.filter(pl.col("indicateur") == choix)["unite"][0]
        figure = vx.figure_etude(data_evaluation.etude_evenement(ctx.chemin, ctx.perimetre, regions, choix), unite)
        if figure is None:
            composants.vide("Pas d'étude d'événement : trop peu d'agences du modèle ou des témoins ont des valeurs "
                            "publiées pour cet indicateur.")
        else:
            st.plotly_chart(figure, key="experimentations_etude_evenement")
            st.caption("Étude d'événement : écart de chaque modèle au témoin, mois par mois autour du lancement, avec "
                       "son intervalle à 95 %. Avant le lancement, les écarts doivent rester proches de 0 (tendances "
                       "parallèles) pour que l'estimation soit crédible.")


def graphique(ctx: composants.Contexte, cellules: pl.DataFrame, indicateur: str, debut: date) -> None:
    blocs.bloc(
        ctx, PAGE, f"experimentations_{indicateur}", indicateur, cellules,
        lambda c: vx.ajouter_debut(vues.figure_serie(c, groupe="modalite", listes=ctx.listes), debut, "lancement MSA"),
        complement=" – par groupe d'expérimentation",
        legende=" ".join(t for t in (LEGENDES.get(indicateur), blocs.LEGENDE_GROUPES) if t),
        tableau=vx.tableau_detail_sources(cellules, ctx.listes, ctx.dico), tableau_visible=True,
        vide="Aucune donnée de cet indicateur pour les groupes de l'expérimentation.",
    )


composants.executer(PAGE, "Expérimentations", corps)
