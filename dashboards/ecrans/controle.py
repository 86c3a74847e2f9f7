"""Contrôle: decided job-search controls (CRE) and their outcome, the sanction rate, delays, the
2025 sanction scale and appeals, breaches and their outcome, and the comparison of agencies for
equity of treatment."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import blocs_controle as blocs
from dashboards import composants, data_metadonnees, vues, vues_controle
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import D1, D2, D3, D4, D5, D6, D7

PAGE = "controle"

VENTILATIONS_D2 = ("origine", "procedure", "allocation", "tranche_age", "sexe")

LECTURE_FUNNEL = (
    "Les limites entourent le taux du territoire : une agence qui appliquerait exactement ce taux "
    "a 95 % (ou 99,8 %) de chances de se trouver entre elles, compte tenu de son nombre de "
    "contrôles ; l'entonnoir se resserre quand le volume croît. Parmi beaucoup d'agences, environ "
    "une sur vingt sort des limites à 95 % par le seul hasard, une sur cinq cents de celles à "
    "99,8 %. Un écart appelle un examen des pratiques, pas un verdict : le taux n'est pas ajusté "
    "sur la composition des contrôles (origine, procédure, publics)."
)
UNITES_FUNNEL = (
    "Unités comparées : les agences (agence de l'inscription de la personne contrôlée). Les "
    "contrôles sont menés par les plateformes CRE : leurs volumes (H6) sont sur la page « Charge "
    "des conseillers », au niveau national (une plateforme sert plusieurs territoires)."
)
NOTE_SECRET_FUNNEL = (
    "Vue publiée : une agence dont au moins un mois de la période est couvert par le secret "
    "statistique n'est représentée que si son total de la période (cumul 12 mois, trimestre) est "
    "publié ; sinon elle figure dans la liste avec « s » (la somme des mois, moins les mois "
    "publiés, redonnerait le mois secret)."
)


def section_controles(ctx: composants.Contexte, debut, fin) -> None:
    st.subheader("Contrôles décidés et leur issue")
    cellules = blocs.ventilations(ctx, D1, debut, fin)
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, D1, "controle_d1", avec_parent=False)
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, D1, "issue", debut, fin, "controle_d1_issue")
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_barres(ctx, PAGE, cellules, D1, "origine", debut, fin, "controle_d1_origine")
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, D1, "procedure", debut, fin, "controle_d1_procedure")


def section_sanctions(ctx: composants.Contexte, refs: pl.DataFrame, debut, fin) -> None:
    st.subheader(ctx.libelle(D2) + " et délai de décision")
    reference = vues_controle.reference_publiee(refs, D2, ctx.territoire.code)
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, D2, "controle_d2", reference=reference,
                         legende="Trait épais : le territoire ; trait fin : le territoire parent.")
    with droite:
        dimension = st.selectbox("Ventilation de la part des sanctions", VENTILATIONS_D2,
                                 format_func=fmt.libelle_dimension, key="controle_d2_dimension")
        cellules = blocs.ventilations(ctx, D2, debut, fin)
        blocs.bloc_barres(ctx, PAGE, cellules, D2, dimension, debut, fin, "controle_d2")
    gauche, _ = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, D3, "controle_d3", legende="Médiane basse du délai entre l'ouverture et "
                         "la décision des contrôles décidés dans le mois.")


def section_bareme(ctx: composants.Contexte, debut, fin) -> None:
    st.subheader("Barème des sanctions (2025) et recours")
    cellules = blocs.ventilations(ctx, D5, debut, fin)
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_barres(ctx, PAGE, cellules, D5, "sanction", debut, fin, "controle_d5_sanction")
    with droite:
        blocs.bloc_barres(ctx, PAGE, cellules, D5, "duree", debut, fin, "controle_d5_duree")
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(ctx, PAGE, D6, "controle_d6", legende="Recours formés (en cours ou tranchés) "
                         "parmi les sanctions décidées dans le mois ; le taux d'un mois passé monte "
                         "encore quand des recours arrivent.")
    with droite:
        blocs.bloc_serie(ctx, PAGE, D7, "controle_d7", legende="RAPO acceptés parmi les RAPO tranchés, "
                         "au mois de la décision de sanction.")


def section_manquements(ctx: composants.Contexte, refs: pl.DataFrame, debut, fin) -> None:
    st.subheader("Manquements et leur suite")
    numero = fmt.NUMEROS_INDICATEURS.get(D4, D4)
    reference = vues_controle.reference_publiee(refs, D4, ctx.territoire.code, complementaire=True)
    commentaire = f" ({reference['commentaire']})" if reference and reference.get("commentaire") else ""
    gauche, droite = st.columns(2)
    with gauche:
        blocs.bloc_serie(
            ctx, PAGE, D4, "controle_d4_sans_sanction", reference=reference,
            transformer=vues_controle.complement, titre=f"Part des manquements sans sanction (1 − {numero})",
            legende=f"Complément de « {ctx.libelle(D4)} », parmi les manquements dont la suite est connue"
            + commentaire + ".",
        )
    with droite:
        cellules = blocs.ventilations(ctx, D4, debut, fin)
        blocs.bloc_barres(ctx, PAGE, cellules, D4, "type_manquement", debut, fin, "controle_d4")


def section_equite(ctx: composants.Contexte) -> None:
    st.subheader("Équité de traitement entre agences")
    mois = blocs.choisir_fenetre(
        "controle_fenetre_equite", vues_controle.FENETRES_COMPARAISON, vues_controle.FENETRE_COMPARAISON_DEFAUT,
        "Période de comparaison",
        "Numérateurs et dénominateurs de chaque agence additionnés sur les derniers mois jusqu'au "
        "mois choisi : un seul mois compte trop peu de contrôles par agence pour une comparaison.",
    )
    debut, fin = vues_controle.bornes_fenetre(ctx.mois, mois)
    agences = ctx.extraire_inferieurs([D2], niveau_inferieur="AGENCE", depuis=debut).filter(pl.col("periode") <= fin)
    territoire = ctx.extraire([D2], depuis=debut).filter(pl.col("periode") <= fin)
    unites, reference = vues_controle.cumuler(agences, debut, fin), vues_controle.cumuler(territoire, debut, fin)
    type_agrege = vues_controle.type_agrege(debut, fin)
    if type_agrege:  # a sum with a secret month: its published 12-month (or quarter) cell if any
        unites = vues_controle.avec_agreges(unites, ctx.extraire_inferieurs(
            [D2], niveau_inferieur="AGENCE", periode=fin, type_periode=type_agrege))
        reference = vues_controle.avec_agreges(reference, ctx.extraire([D2], periode=fin, type_periode=type_agrege))
    comp = vues_controle.comparer_unites(unites, reference)
    colonnes = (ctx.libelle(D1), "Sanctions", ctx.libelle(D2))
    periode = vues_controle.texte_periode(debut, fin)
    with st.container(border=True):
        blocs.titre_bloc(f"{ctx.libelle(D2, avec_numero=True)} par agence – {periode}", ctx.definition(D2),
                         comp.provisoire)
        if comp.positions.height == 0 and comp.secretes.height == 0:
            composants.vide("Aucun contrôle décidé dans les agences de ce territoire sur la période.")
            return
        if comp.taux_reference is None:
            st.info(
                "Le taux du territoire sur la période est couvert par le secret statistique : les "
                "limites ne peuvent pas être tracées." if comp.reference_secrete
                else "Pas de taux du territoire sur la période : les limites ne peuvent pas être tracées.",
                icon=":material/info:",
            )
        else:
            st.plotly_chart(vues.figure_funnel(comp.positions, comp.taux_reference, ctx.territoire.nom),
                            key="controle_funnel", height=440)
        resume = vues_controle.resume_comparaison(comp)
        phrase = (
            f"{resume['representees']} agence(s) représentée(s) ; {resume['hors_95']} hors des limites à 95 %, "
            f"dont {resume['hors_998']} hors des limites à 99,8 %."
        )
        if resume["secretes"]:
            phrase += f" {resume['secretes']} agence(s) non représentée(s) : secret statistique."
        st.caption("  \n".join([phrase, LECTURE_FUNNEL, UNITES_FUNNEL]
                               + ([NOTE_SECRET_FUNNEL] if ctx.perimetre.publie and resume["secretes"] else [])))
        toutes = vues_controle.tableau_comparaison(comp, *colonnes)
        composants.telechargements(ctx, toutes, "equite_agences", "controle_funnel", PAGE, D2)

    with st.container(border=True):
        blocs.titre_bloc(f"Agences hors des limites – {periode}")
        hors = vues_controle.tableau_comparaison(comp, *colonnes, seulement_hors_limites=True)
        if hors.height == 0:
            composants.vide("Aucune agence hors des limites à 95 % sur la période."
                            if comp.taux_reference is not None else "Pas de comparaison possible sur la période.")
        else:
            st.dataframe(hors, hide_index=True, key="controle_hors_limites",
                         column_config={"Agence": st.column_config.TextColumn(pinned=True)})
            composants.telechargements(ctx, hors, "equite_hors_limites", "controle_hors_limites", PAGE, D2)
    with st.expander(f"Toutes les agences de la comparaison ({toutes.height})"):
        st.dataframe(toutes, hide_index=True, key="controle_toutes_agences",
                     column_config={"Agence": st.column_config.TextColumn(pinned=True)})
        composants.telechargements(ctx, toutes, "equite_toutes_agences", "controle_toutes_agences", PAGE, D2)


def corps(ctx: composants.Contexte) -> None:
    refs = data_metadonnees.valeurs_reference(ctx.chemin)
    debut, fin = blocs.fenetre_des_ventilations(ctx, "controle_fenetre")
    section_controles(ctx, debut, fin)
    section_sanctions(ctx, refs, debut, fin)
    section_bareme(ctx, debut, fin)
    section_manquements(ctx, refs, debut, fin)
    section_equite(ctx)
    blocs.notes_des_courbes(ctx)


composants.executer(PAGE, "Contrôle", corps)
