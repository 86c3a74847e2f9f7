"""Charge des conseillers: portfolio sizes and the share over 70 (H1, H2) by agency and
modality, interviews held, no-shows and interview length by type (H3–H5), and the CRE platforms'
controls (H6, national). Committees and the CSE read the published cells."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import blocs_parcours as blocs
from dashboards import composants, vues
from dashboards import vues_charge as vc
from dashboards import vues_parcours as vp
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import H1, H2, H3, H4, H5, H6

PAGE = "charge"
MOIS_SERIE = 13
INDICATEURS = vc.PORTEFEUILLES + vc.ENTRETIENS
CLE_ONGLET = "charge_onglet"


class Page(blocs.CellulesDePage):
    def __init__(self, ctx: composants.Contexte) -> None:
        super().__init__(ctx, INDICATEURS, MOIS_SERIE)

    def serie(self, indicateur: str) -> None:
        blocs.bloc(self.ctx, PAGE, f"charge_serie_{indicateur}", indicateur,
                   blocs.serie_et_parent(self.ensemble, self.parent, indicateur), vues.figure_serie,
                   legende=blocs.LEGENDE_SERIE)

    def barres(self, indicateur: str, dimension: str) -> None:
        cellules = vp.dernier_mois(self.cellules.filter(
            (pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension)), self.ctx.mois)
        blocs.bloc(self.ctx, PAGE, f"charge_{indicateur}_{dimension}", indicateur, cellules,
                   lambda c: vues.figure_barres(c, self.ctx.listes),
                   complement=f" par {fmt.libelle_dimension(dimension).lower()}",
                   legende=blocs.legende_mois(self.ctx, cellules))

    def agences(self, indicateurs: tuple[str, ...], cle: str) -> None:
        """The agencies (or the level below) of the territory, one column per indicator."""
        cellules = self.ctx.extraire_inferieurs(indicateurs, periode=self.ctx.mois)
        with st.container(border=True):
            st.markdown(f"**Par territoire – {fmt.format_mois(self.ctx.mois)}**")
            if cellules.height == 0:
                composants.vide("Aucune donnée des territoires de niveau inférieur ce mois-ci.")
                return
            tableau = vues.tableau_territoires(cellules, indicateurs, self.ctx.dico)
            st.dataframe(tableau, hide_index=True, column_config=vues.colonnes_tableau(indicateurs, self.ctx.dico),
                         key=f"tableau_{cle}")
            composants.telechargements(self.ctx, tableau, cle, cle, PAGE, None)

    def portefeuilles(self) -> None:
        st.caption(vc.LECTURE_PORTEFEUILLES)
        gauche, droite = st.columns(2)
        with gauche:
            self.serie(H1)
        with droite:
            self.serie(H2)
        self.barres(H1, "modalite")
        self.agences(vc.PORTEFEUILLES, "charge_agences_portefeuilles")

    def entretiens(self) -> None:
        gauche, droite = st.columns(2)
        with gauche:
            self.serie(H3)
        with droite:
            self.serie(H4)
        gauche, droite = st.columns(2)
        with gauche:
            self.barres(H3, "type_entretien")
        with droite:
            self.barres(H4, "type_entretien")
        gauche, droite = st.columns(2)
        with gauche:
            self.barres(H5, "type_entretien")
        with droite:
            self.barres(H3, "modalite_contact")
        self.agences(vc.ENTRETIENS, "charge_agences_entretiens")

    def plateformes(self) -> None:
        if not self.ctx.perimetre.tout:
            st.info(vc.PLATEFORMES_NATIONALES, icon=":material/info:")
            return
        mois = self.ctx.extraire([H6], "PLATEFORME", periode=self.ctx.mois)
        cumul = self.ctx.extraire([H6], "PLATEFORME", periode=self.ctx.mois, type_periode="cumul_12_mois")
        with st.container(border=True):
            blocs.titre(self.ctx, H6, f" – {fmt.format_mois(self.ctx.mois)}")
            st.caption(vc.PLATEFORMES_NATIONALES)
            if mois.height == 0 and cumul.height == 0:
                composants.vide("Aucun contrôle décidé ce mois-ci ni sur les 12 derniers mois.")
                return
            tableau = vc.tableau_plateformes(mois, cumul)
            blocs.donnees(self.ctx, PAGE, "charge_plateformes", H6, tableau, visible=True)


def corps(ctx: composants.Contexte) -> None:
    page = Page(ctx)
    if page.ensemble.height == 0:
        composants.vide("Aucune donnée de charge des conseillers pour ce territoire sur les 13 derniers mois.")
        return
    blocs.metriques(ctx, page.ensemble, vc.SENS, ctx.mois)
    blocs.onglets({
        "Portefeuilles": page.portefeuilles,
        "Entretiens": page.entretiens,
        "Plateformes de contrôle": page.plateformes,
    }, CLE_ONGLET)
    composants.notes(ctx)


composants.executer(PAGE, "Charge des conseillers", corps)
