"""Territoires: a map of the départements for any indicator, and the table of the territories
of the level below the one chosen, sorted on the values."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboards import composants, data_territoires, vues, vues_territoires
from pipelines.core import formats as fmt

PAGE = "territoires"
GEOJSON = Path(__file__).resolve().parents[1] / "assets" / "departements.geojson"


def departements_de_la_carte(ctx: composants.Contexte) -> list[str]:
    """Codes of the départements drawn: those of the chosen territory (a bassin: those of its
    parent), among the départements the user may see (the perimeter's, from the sidebar list)."""
    visibles = ctx.territoires.filter(pl.col("niveau") == "DEPARTEMENT")["code"].to_list()
    niveau, code = ctx.territoire.niveau, ctx.territoire.code
    if niveau == "BASSIN":
        parent = data_territoires.parent(ctx.territoires, niveau, code)
        niveau, code = parent if parent else ("NATIONAL", "FR")
    if niveau == "DEPARTEMENT":
        return [code] if code in visibles else []
    if niveau == "REGION":
        dans_la_region = set(data_territoires.codes_inferieurs(ctx.chemin, "REGION", code, "DEPARTEMENT"))
        return [c for c in visibles if c in dans_la_region]
    return visibles


def bloc_carte(ctx: composants.Contexte, indicateur: str) -> None:
    codes = departements_de_la_carte(ctx)
    unite = (ctx.dico.get(indicateur) or {}).get("unite")
    titre = f"{ctx.libelle(indicateur, avec_numero=True)} par département – {fmt.format_mois(ctx.mois)}"
    with st.container(border=True):
        if not codes:
            st.markdown(f"**{titre}**", help=ctx.definition(indicateur) or None)
            composants.vide("Votre périmètre ne comprend aucun département : pas de carte pour ce territoire.")
            return
        cellules = ctx.extraire([indicateur], niveau="DEPARTEMENT", codes=codes, periode=ctx.mois)
        provisoire = bool(cellules.height and cellules["provisoire"].any())
        st.markdown(f"**{titre}**" + (fmt.MENTION_PROVISOIRE if provisoire else ""),
                    help=ctx.definition(indicateur) or None)
        if cellules.height == 0:
            composants.vide()
            return
        libelles = ctx.territoires.filter(pl.col("niveau") == "DEPARTEMENT").select("code", "libelle")
        cellules = vues_territoires.completer_carte(
            cellules, libelles.filter(pl.col("code").is_in(codes)), ctx.mois, unite, indicateur
        )
        geojson = vues_territoires.geojson_restreint(vues_territoires.charger_geojson(str(GEOJSON)), codes)
        st.plotly_chart(vues.figure_carte(geojson, cellules, fmt.LIBELLES_UNITES.get(unite or "", "")),
                        key="territoires_carte")
        lignes = []
        if len(codes) == 1:
            lignes.append(
                "Votre choix ne couvre qu'un département : la carte le montre seul. La comparaison "
                "avec les autres territoires passe par le tableau ci-dessous et la page Synthèse."
                if not ctx.perimetre.tout and ctx.perimetre.niveau == "DEPARTEMENT"
                else "Le territoire choisi ne couvre qu'un département : la carte le montre seul."
            )
        if any(c.startswith(vues_territoires.PREFIXE_OUTRE_MER) for c in codes) and len(codes) > 1:
            lignes.append("La carte cadre la métropole ; les départements d'outre-mer figurent dans le téléchargement.")
        lignes.append("En gris : département sans valeur ce mois-ci ou couvert par le secret statistique. "
                      "Survol : valeur, numérateur et dénominateur.")
        st.caption("  \n".join(lignes))
        composants.telechargements(ctx, vues.tableau_detail(cellules, ctx.listes, ctx.dico),
                                   f"carte_{indicateur}", "territoires_carte", PAGE, indicateur)


def bloc_tableau(ctx: composants.Contexte, indicateur: str, codes: list[str]) -> None:
    niveau = ctx.niveau_inferieur()
    with st.container(border=True):
        if niveau is None:
            st.markdown("**Territoires du niveau inférieur**")
            composants.vide("Pas de niveau inférieur pour ce territoire.")
            return
        st.markdown(f"**{vues_territoires.LIBELLES_NIVEAUX_PLURIEL.get(niveau, niveau)} de {ctx.territoire.nom} – "
                    f"{fmt.format_mois(ctx.mois)}**")
        gauche, droite = st.columns([3, 1])
        choisis = gauche.multiselect(
            "Indicateurs du tableau", codes, default=[indicateur],
            # Keyed by the map's indicator: choosing another one there starts the table afresh.
            format_func=lambda c: ctx.libelle(c, avec_numero=True), key=f"territoires_tableau_{indicateur}",
        ) or [indicateur]
        ordre = droite.selectbox("Trier par", list(vues_territoires.ORDRES_TRI),
                                 format_func=vues_territoires.ORDRES_TRI.get, key="territoires_tri",
                                 help=f"Tri sur les valeurs de « {ctx.libelle(choisis[0])} » (le premier "
                                 "indicateur choisi) ; « s » et « – » en fin de liste.")
        cellules = ctx.extraire_inferieurs(choisis, periode=ctx.mois)
        if cellules.height == 0:
            composants.vide()
            return
        tableau = vues.tableau_territoires(vues_territoires.trier_territoires(cellules, choisis[0], ordre),
                                           choisis, ctx.dico, avec_codes=True)
        st.dataframe(tableau, hide_index=True, key="territoires_tableau",
                     column_config=vues.colonnes_tableau(choisis, ctx.dico))
        ensemble = vues.cellule_du_mois(ctx.extraire([choisis[0]], periode=ctx.mois), ctx.mois)
        st.caption(
            (f"{ctx.territoire.nom} : {vues.texte_cellule(ensemble)}. " if ensemble else "")
            + "Trier avec « Trier par » : le tri porte sur les nombres, alors que l'en-tête du tableau "
            "trie le texte affiché."
        )
        composants.telechargements(ctx, tableau, f"territoires_{niveau.lower()}", "territoires_tableau", PAGE,
                                   choisis[0])


def corps(ctx: composants.Contexte) -> None:
    codes = vues_territoires.indicateurs_du_dictionnaire(ctx.dico)
    if not codes:
        composants.vide("Le dictionnaire des indicateurs est absent de l'entrepôt publié.")
        return
    indicateur = st.selectbox("Indicateur", codes, format_func=lambda c: ctx.libelle(c, avec_numero=True),
                              key="territoires_indicateur")
    if ctx.definition(indicateur):
        st.caption(ctx.definition(indicateur))
    bloc_carte(ctx, indicateur)
    bloc_tableau(ctx, indicateur, codes)
    composants.notes(ctx)


composants.executer(PAGE, "Territoires", corps)
