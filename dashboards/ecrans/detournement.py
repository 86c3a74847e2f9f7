"""Détournement de finalité: alerts of possible misuse of personal data by situation,
examination level and campaign, the share of alerts not confirmed (false positives), the share
examined and the delay to a conclusion."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import acces, composants, navigation, vues, vues_controle
from dashboards import blocs_controle as blocs
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import E1, E2, E3, E4

PAGE = "detournement"

NOTE_RATTACHEMENT = (
    "Rattachement des alertes : à l'agence de l'agent quand elle est renseignée (puis à son "
    "bassin, son département, sa région) ; sinon à la direction régionale seule ; les alertes des "
    "entités nationales (DG, DSI, PES) ne comptent qu'au niveau national. Une région peut donc "
    "compter plus d'alertes que la somme de ses départements, et la France plus que la somme de "
    "ses régions."
)
LECTURE_FAUX_POSITIFS = (
    "Une alerte non avérée est un faux positif de la détection : l'examen (entretien managérial, "
    "constat) a conclu qu'il n'y avait pas de détournement de finalité."
)


def _ecart_rattachement(ctx: composants.Contexte) -> str | None:
    """Alerts counted at the territory but in none of its parts (the month chosen), internal
    view only: on the published view a small difference would be a cell the secret never saw."""
    if ctx.perimetre.publie or ctx.territoire.niveau not in ("REGION", "NATIONAL"):
        return None
    total = vues.cellule_du_mois(ctx.extraire([E1], periode=ctx.mois), ctx.mois)
    niveau = "DEPARTEMENT" if ctx.territoire.niveau == "REGION" else "REGION"
    parties = ctx.extraire_inferieurs([E1], niveau_inferieur=niveau, periode=ctx.mois)
    ecart = vues_controle.ecart_au_total(total, parties)
    if ecart is None:
        return None
    if ctx.territoire.niveau == "REGION":
        return (f"En {fmt.format_mois(ctx.mois)}, {fmt.format_nombre(ecart)} alerte(s) rattachée(s) à la seule "
                "direction régionale (agence non renseignée), absentes des départements.")
    return (f"En {fmt.format_mois(ctx.mois)}, {fmt.format_nombre(ecart)} alerte(s) comptée(s) au seul niveau "
            "national (entités nationales, établissement hors région).")


def section_alertes(ctx: composants.Contexte, debut, fin) -> None:
    st.subheader(ctx.libelle(E1))
    cellules = blocs.ventilations(ctx, E1, debut, fin)
    campagnes = cellules.filter(pl.col("dimension") == "campagne")["modalite"].unique().to_list()
    listes = vues_controle.listes_avec_campagnes(ctx.listes, campagnes)
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, E1, "detournement_e1", avec_parent=False, legende=_ecart_rattachement(ctx))
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, E1, "situation", debut, fin, "detournement_e1_situation")
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_barres(ctx, PAGE, cellules, E1, "examen", debut, fin, "detournement_e1_examen",
                          legende="Examen obligatoire : les situations au risque le plus élevé ; "
                          "facultatif : à l'initiative de la région.")
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, E1, "campagne", debut, fin, "detournement_e1_campagne", listes=listes)


def section_faux_positifs(ctx: composants.Contexte, debut, fin) -> None:
    st.subheader(ctx.libelle(E2))
    cellules = blocs.ventilations(ctx, E2, debut, fin)
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, E2, "detournement_e2", legende=LECTURE_FAUX_POSITIFS
                         + " Trait épais : le territoire ; trait fin : le territoire parent.")
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, E2, "situation", debut, fin, "detournement_e2_situation")
    gauche, _ = st.columns(2)
    with gauche:
        blocs.bloc_barres(ctx, PAGE, cellules, E2, "examen", debut, fin, "detournement_e2_examen")


def section_examen(ctx: composants.Contexte, debut, fin) -> None:
    st.subheader("Examen des alertes et délai de conclusion")
    cellules = blocs.ventilations(ctx, E3, debut, fin)
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, E3, "detournement_e3",
                         legende="Le taux d'un mois clos peut encore croître à mesure que ses alertes sont conclues.")
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, E3, "examen", debut, fin, "detournement_e3_examen")
    gauche, _ = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, E4, "detournement_e4",
                         legende="Médiane basse du délai entre l'alerte et sa clôture, alertes conclues dans le mois.")


def section_campagnes(ctx: composants.Contexte) -> None:
    st.subheader("Bilan par campagne")
    cellules = ctx.extraire([E1, E2], dimension="campagne").filter(pl.col("periode") <= ctx.mois)
    with st.container(border=True):
        if cellules.height == 0:
            blocs.titre_bloc("Alertes et faux positifs par campagne")
            composants.vide("Aucune alerte pour ce territoire jusqu'à ce mois.")
            return
        debut = cellules["periode"].min()
        cumuls = vues_controle.cumuler(cellules, debut, ctx.mois)
        listes = vues_controle.listes_avec_campagnes(ctx.listes, cumuls["modalite"].unique().to_list())
        provisoire = bool(cumuls["provisoire"].any())
        blocs.titre_bloc(f"Alertes et faux positifs par campagne – {vues_controle.texte_periode(debut, ctx.mois)}",
                         ctx.definition(E2), provisoire)
        faux_positifs = cumuls.filter(pl.col("indicateur") == E2)
        if faux_positifs.height:
            st.plotly_chart(vues.figure_barres(faux_positifs, listes), key="detournement_campagnes_barres",
                            height=max(220, 60 + 34 * faux_positifs.height))
        tableau = vues_controle.tableau_campagnes(cumuls.filter(pl.col("indicateur") == E1), faux_positifs,
                                                  listes, ctx.dico, E1, E2)
        st.dataframe(tableau, hide_index=True, key="detournement_campagnes_tableau")
        st.caption(
            "Tous les mois jusqu'au mois choisi additionnés : alertes par mois d'alerte, conclusions par "
            f"mois de clôture. {ctx.libelle(E3)} et {ctx.libelle(E4).lower()} ne sont pas ventilés par "
            "campagne dans le contrat d'indicateurs."
            + (" Vue publiée : une campagne dont un mois est couvert par le secret statistique reste « s »."
               if ctx.perimetre.publie else "")
        )
        composants.telechargements(ctx, tableau, "campagnes", "detournement_campagnes", PAGE, E2)


def corps(ctx: composants.Contexte) -> None:
    st.info(NOTE_RATTACHEMENT, icon=":material/account_tree:")
    if ctx.utilisateur.role in acces.ROLES_REGLES_ALERTES:  # never a committee nor the CSE
        regles = navigation.page("regles_alertes")
        st.page_link(regles.relatif, label="Règles d'alerte : précision des règles, simulation des seuils, "
                     "équité de jugement entre régions", icon=regles.icone)
    debut, fin = blocs.fenetre_des_ventilations(ctx, "detournement_fenetre")
    section_alertes(ctx, debut, fin)
    section_faux_positifs(ctx, debut, fin)
    section_examen(ctx, debut, fin)
    section_campagnes(ctx)
    blocs.notes_des_courbes(ctx)


composants.executer(PAGE, "Détournement de finalité", corps)
