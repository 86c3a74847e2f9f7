"""Méthodologie: the data dictionary by family, the date d'arrêté and the quality status of the
publication, the disclosure rule and what it hides (share of secret cells, committees' visibility
on 12 months) and how to read provisional months. No chart, no territory
(the header and the logged view still go through ``composants.executer``)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import composants, data_metadonnees, vues_methodologie
from pipelines.core import formats as fmt

PAGE = "methodologie"
SEUIL_CONTRAT = 11

LECTURE_PROVISOIRE = (
    "Un mois est marqué « provisoire » quand la fenêtre d'observation de l'indicateur n'est pas close "
    "à la date d'arrêté (par exemple 90 jours après la fin du mois pour le délai jusqu'au diagnostic, "
    "6 mois après l'entrée en accompagnement pour le retour à l'emploi). Les personnes pas encore "
    "observées jusqu'au bout comptent comme n'ayant pas franchi l'étape : un taux provisoire peut "
    "encore monter, une médiane « – » apparaître. Sur les courbes, les mois provisoires sont en "
    "pointillés, avec des points creux. Le mois proposé par défaut est le dernier mois définitif."
)
LECTURE_ARRETE = (
    "La date d'arrêté est celle des données : la dernière extraction reçue. Ce qui est daté après "
    "elle (une décision, une clôture, une embauche) n'est pas encore observé."
)


def section_publication(ctx: composants.Contexte) -> None:
    st.subheader("Publication et qualité")
    etat = ctx.etat
    statut = etat.get("statut_qualite")
    gauche, droite = st.columns(2)
    gauche.metric("Date d'arrêté", fmt.format_date(etat.get("date_arrete")),
                  help="La date des données : la dernière extraction reçue.")
    droite.metric("Statut qualité", vues_methodologie.LIBELLES_STATUTS_QUALITE.get(statut, statut or fmt.VIDE))
    st.caption(f"Version publiée : {etat.get('version') or fmt.VIDE}, publiée le "
               f"{vues_methodologie.texte_horodatage(etat.get('publie_le'))}.")
    # The details quote internal rows of every territory: national users only.
    avec_details = ctx.perimetre.tout
    resultats = vues_methodologie.tableau_qualite(data_metadonnees.resultats_qualite(ctx.chemin, ctx.perimetre), avec_details)
    echecs = resultats.filter(pl.col("Résultat") == "échec")
    with st.container(border=True):
        st.markdown("**Contrôles de qualité de la version publiée** (échecs en premier)")
        if etat.get("controles") is not None:
            st.caption(
                f"{fmt.format_nombre(etat['controles'])} contrôles : {fmt.format_nombre(etat.get('bloquants'))} "
                f"bloquant(s) en échec, {fmt.format_nombre(etat.get('avertissements'))} avertissement(s). Un "
                "contrôle bloquant en échec empêche la publication ; un avertissement est publié et signalé ici."
                + ("" if avec_details else " Le nombre et le détail des anomalies, comptés sur tous les "
                   "territoires avant secret statistique, sont réservés au niveau national.")
            )
        if resultats.height == 0:
            composants.vide("Aucun résultat de contrôle de qualité dans l'entrepôt publié.")
            return
        if echecs.height:
            st.dataframe(echecs, hide_index=True, key="methodologie_qualite_echecs")
        else:
            st.success("Tous les contrôles de qualité sont réussis.", icon=":material/check_circle:")
        with st.expander(f"Tous les contrôles ({resultats.height})"):
            st.dataframe(resultats, hide_index=True, key="methodologie_qualite")
        composants.telechargements(ctx, resultats, "controles_qualite", "methodologie_qualite", PAGE)


def section_lecture(ctx: composants.Contexte) -> None:
    st.subheader("Lire les chiffres")
    seuil = data_metadonnees.seuil_secret_publie(ctx.chemin)
    gauche, droite = st.columns(2)
    with gauche, st.container(border=True):
        st.markdown("**Secret statistique**")
        st.markdown(vues_methodologie.texte_regle_secret(seuil or SEUIL_CONTRAT))
        st.caption(
            f"Seuil appliqué à cette version : {seuil}." if seuil
            else f"Seuil du contrat d'indicateurs : {SEUIL_CONTRAT} (la version publiée ne l'indique pas)."
        )
    with droite, st.container(border=True):
        st.markdown("**Mois provisoires**")
        st.markdown(LECTURE_PROVISOIRE)
        st.markdown("**Date d'arrêté**")
        st.markdown(LECTURE_ARRETE)
        st.markdown("**Vues**")
        st.markdown(
            "Les directions (nationale, régionales) voient les chiffres avant secret (vue interne) ; tout ce "
            "qui sort de la direction — comités territoriaux, CSE, exports — lit la vue publiée, après secret."
        )


def section_utilite(ctx: composants.Contexte) -> None:
    u = data_metadonnees.utilite_secret(ctx.chemin, ctx.perimetre)
    with st.container(border=True):
        st.markdown("**Ce que le secret statistique masque dans la version publiée**")
        if u is None or u.vide:
            composants.vide("La version publiée ne contient aucune cellule : rien à mesurer.")
            return
        st.caption("Part des cellules mensuelles secrètes (« s ») de la vue publiée, par niveau et par famille "
                   "d'indicateurs, toutes ventilations comprises.")
        st.dataframe(vues_methodologie.tableau_part_secret(u.part_secret), hide_index=True, key="methodologie_part_secret")
        non_diffuses = vues_methodologie.tableau_non_diffuses(data_metadonnees.tableaux_non_diffuses(ctx.chemin),
                                                             data_metadonnees.dictionnaire(ctx.chemin))
        st.markdown("**Tableaux non diffusés**")
        if non_diffuses.height == 0:
            st.caption("Tous les tableaux sont diffusés : chaque indicateur, à chaque niveau et sur chaque période.")
        else:
            st.caption(
                "Un tableau (un indicateur, une ventilation, un niveau, une période) dont plus d'une cellule non nulle "
                "sur cinq tomberait sous le seuil du secret n'est pas publié du tout, ni ses cumuls 12 mois quand c'est "
                "un tableau mensuel : ses cellules sont toutes « s ». "
                "Le lire un niveau au-dessus ou sur une période plus longue."
            )
            with st.expander(f"Tableaux non diffusés ({non_diffuses.height} indicateurs et ventilations)"):
                st.dataframe(non_diffuses, hide_index=True, key="methodologie_non_diffuses")
        st.markdown("**Visibilité des comités sur 12 mois**")
        st.caption(vues_methodologie.texte_visibilite_departements(u.comites.periode, u.comites.synthese))
        if u.comites.periode is None:
            return
        st.dataframe(vues_methodologie.tableau_visibilite_comites(u.comites.synthese), hide_index=True,
                     key="methodologie_visibilite_comites")
        perimetres = vues_methodologie.tableau_visibilite_perimetres(u.comites.perimetres, ctx.territoires)
        if perimetres.height:
            with st.expander(f"Par périmètre ({perimetres.height}, les moins visibles en premier)"):
                st.dataframe(perimetres, hide_index=True, key="methodologie_visibilite_perimetres")


def _fiche(fiche: dict) -> None:
    st.markdown(fiche.get("definition") or fmt.VIDE)
    lignes = [
        f"**Unité** : {fmt.LIBELLES_UNITES.get(fiche.get('unite') or '', fiche.get('unite') or fmt.VIDE)}"
        f" · **Statut** : {fiche.get('statut') or fmt.VIDE} · **Code** : `{fiche.get('indicateur')}`",
        f"**Population** : {fiche.get('population') or fmt.VIDE}",
        f"**Fenêtre d'observation** : {fiche.get('fenetre') or fmt.VIDE}",
        f"**Ventilations** : {vues_methodologie.libelles_ventilations(fiche.get('ventilations'))}",
        f"**Exports sources** : {fiche.get('exports_sources') or fmt.VIDE}",
        f"**Rattachement territorial** : {fiche.get('territoire') or fmt.VIDE}",
    ]
    st.markdown("  \n".join(lignes))
    choix = vues_methodologie.choix_en_liste(fiche.get("choix"))
    if choix:
        st.markdown("**Choix de calcul**\n\n" + "\n".join(f"- {c}" for c in choix))


def section_dictionnaire(ctx: composants.Contexte) -> None:
    st.subheader("Dictionnaire des indicateurs")
    dico = data_metadonnees.dictionnaire(ctx.chemin)
    if dico.height == 0:
        composants.vide("Le dictionnaire des indicateurs est absent de l'entrepôt publié.")
        return
    recherche = st.text_input("Rechercher un indicateur", key="methodologie_recherche",
                              placeholder="code, libellé ou mot de la définition").strip().lower()
    affiche = dico
    if recherche:
        texte = pl.concat_str([pl.col(c).fill_null("") for c in ("numero", "indicateur", "libelle", "definition")],
                              separator=" ").str.to_lowercase()
        affiche = dico.filter(texte.str.contains(recherche, literal=True))
    if affiche.height == 0:
        composants.vide("Aucun indicateur ne correspond à cette recherche.")
    for famille, fiches in vues_methodologie.par_famille(affiche):
        st.markdown(f"##### {famille}")
        for fiche in fiches:
            with st.expander(f"{fiche.get('numero')} – {fiche.get('libelle')}", expanded=bool(recherche)):
                _fiche(fiche)
    tableau = vues_methodologie.tableau_dictionnaire(affiche)
    st.caption(f"Téléchargement : le dictionnaire tel qu'affiché ({tableau.height} indicateurs).")
    composants.telechargements(ctx, tableau, "dictionnaire", "methodologie_dictionnaire", PAGE)


def section_rpe_non_calcules(ctx: composants.Contexte) -> None:
    st.markdown("##### Réseau pour l'emploi : indicateurs non calculés")
    st.caption(
        "La liste d'indicateurs du Comité national pour l'emploi (arrêté du 14 mars 2025) compte aussi des "
        "indicateurs que les exports reçus ne permettent pas de calculer. Les indicateurs calculés sont ceux "
        "de la famille F ci-dessus (et la synthèse « Réseau pour l'emploi »)."
    )
    tableau = vues_methodologie.tableau_rpe_non_calcules()
    st.dataframe(tableau, hide_index=True, key="methodologie_rpe_non_calcules")
    composants.telechargements(ctx, tableau, "rpe_non_calcules", "methodologie_rpe_non_calcules", PAGE)


def corps(ctx: composants.Contexte) -> None:
    section_publication(ctx)
    section_lecture(ctx)
    section_utilite(ctx)
    section_dictionnaire(ctx)
    section_rpe_non_calcules(ctx)


composants.executer(PAGE, "Méthodologie", corps)
