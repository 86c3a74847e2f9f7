"""Parcours: from registration to accompaniment, for the chosen territory and month.

Entries and stock, waiting for a diagnostic and for a parcours, delays, orientation by operator
and parcours, the algorithm's proposal against the decision, the contrat d'engagement within a
month, re-orientations, accompaniments in progress and their intensity.
"""

from __future__ import annotations

from functools import cached_property

import polars as pl
import streamlit as st

from dashboards import blocs_parcours as blocs
from dashboards import composants, data_metadonnees, vues
from dashboards import vues_parcours as vp
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import A1, A2, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, G1

PAGE = "parcours"
CLE_ONGLET = "parcours_onglet"
MOIS_SERIE = 24
#: How far back a chart of one month looks for its latest computed month.
MOIS_RECUL = 3

#: Indicators drawn over months for the territory (``ensemble``).
SERIES = (A1, A2, B1, B2, B3, B4, B6, B7, B8, B9, B10, B11, G1)
#: Ratios and delays, also drawn for the parent territory (counts are not comparable).
COMPARES = (B1, B2, B6, B7, B8, B11)
#: Breakdowns drawn over months (stacked bars).
SERIES_VENTILEES = {B3: "attente", B5: "operateur_retenu", B12: "motif_reorientation"}
#: Indicators drawn for the month by breakdown.
DU_MOIS = (B5, B6, B7, B8, B9, B10, B11, G1)


def _ventilation(cellules: pl.DataFrame, indicateur: str, dimension: str) -> pl.DataFrame:
    return cellules.filter((pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension))


class Page:
    """The blocks of the page and the cells they draw, each read once and only when a block of
    the open tab needs it."""

    def __init__(self, ctx: composants.Contexte) -> None:
        self.ctx = ctx
        self.depuis = vues.mois_decale(ctx.mois, MOIS_SERIE - 1)
        self.jusqu_a = pl.col("periode") <= ctx.mois

    @cached_property
    def serie(self) -> pl.DataFrame:
        return self.ctx.extraire(SERIES, depuis=self.depuis).filter(self.jusqu_a)

    @cached_property
    def parent(self) -> pl.DataFrame:
        return self.ctx.extraire_parent(COMPARES).filter((pl.col("periode") >= self.depuis) & self.jusqu_a)

    @cached_property
    def ventilees(self) -> pl.DataFrame:
        cellules = self.ctx.extraire(list(SERIES_VENTILEES), dimension=None, depuis=self.depuis).filter(self.jusqu_a)
        return pl.concat([_ventilation(cellules, i, d) for i, d in SERIES_VENTILEES.items()])

    @cached_property
    def du_mois(self) -> pl.DataFrame:
        """The breakdowns of the chosen month, or of the latest month computed before it."""
        recents = self.ctx.extraire(DU_MOIS, dimension=None, depuis=vues.mois_decale(self.ctx.mois, MOIS_RECUL))
        return vp.dernier_mois(recents, self.ctx.mois)

    @cached_property
    def refs(self) -> pl.DataFrame:
        return data_metadonnees.valeurs_reference(self.ctx.chemin)

    # Blocks --------------------------------------------------------------------------------

    def serie_seule(self, indicateur: str, cle: str) -> None:
        cellules = self.serie.filter(pl.col("indicateur") == indicateur)
        blocs.bloc(self.ctx, PAGE, cle, indicateur, cellules, vues.figure_serie,
                   complement=" – évolution sur 24 mois")

    def serie_comparee(self, indicateur: str, cle: str) -> None:
        cellules = blocs.serie_et_parent(self.serie, self.parent, indicateur)
        blocs.bloc(self.ctx, PAGE, cle, indicateur, cellules, vues.figure_serie,
                   complement=" – évolution sur 24 mois", legende=blocs.LEGENDE_SERIE)

    def empilee(self, indicateur: str, cle: str, part: bool = False) -> None:
        dimension = SERIES_VENTILEES[indicateur]
        cellules = _ventilation(self.ventilees, indicateur, dimension)
        blocs.bloc(self.ctx, PAGE, cle, indicateur, cellules,
                   lambda c: vp.figure_empilee(c, self.ctx.listes, part=part),
                   complement=f" par {fmt.libelle_dimension(dimension).lower()} – 24 mois",
                   legende=blocs.LEGENDE_EMPILEE)

    def barres(self, indicateur: str, dimension: str, cle: str, references: dict | None = None,
               legende: str | None = None, cellules: pl.DataFrame | None = None, complement: str | None = None,
               tableau: pl.DataFrame | None = None) -> None:
        if cellules is None:
            cellules = _ventilation(self.du_mois, indicateur, dimension)
        complement = complement or f" par {fmt.libelle_dimension(dimension).lower()}"
        if cellules.height:
            complement += f" – {fmt.format_mois(cellules['periode'][0])}"
        blocs.bloc(self.ctx, PAGE, cle, indicateur, cellules,
                   lambda c: vp.figure_barres_groupees(c, self.ctx.listes, self.ctx.dico, references=references),
                   complement=complement, legende=blocs.legende_mois(self.ctx, cellules, legende), tableau=tableau)

    # Tabs ----------------------------------------------------------------------------------

    def entrees_et_stock(self) -> None:
        blocs.metriques(self.ctx, self.serie, {A1: "neutre", A2: "neutre", B3: "baisse_favorable",
                                               B9: "baisse_favorable"}, self.ctx.mois)
        gauche, droite = st.columns(2)
        with gauche:
            self.serie_seule(A1, "parcours_a1")
        with droite:
            self.serie_seule(A2, "parcours_a2")

    def attente_et_delais(self) -> None:
        blocs.metriques(self.ctx, self.serie, {B1: "baisse_favorable", B2: "hausse_favorable",
                                               B8: "hausse_favorable"}, self.ctx.mois)
        gauche, droite = st.columns(2)
        with gauche:
            self.empilee(B3, "parcours_b3_attente")
            self.serie_comparee(B1, "parcours_b1")
            self.serie_comparee(B8, "parcours_b8")
        with droite:
            self.serie_seule(B9, "parcours_b9")
            self.serie_comparee(B2, "parcours_b2")
            parts = vp.part_de_la_cohorte(_ventilation(self.du_mois, B8, "parcours"),
                                          _ventilation(self.du_mois, B8, "ensemble"))
            self.barres(B8, "parcours", "parcours_b8_parcours", cellules=parts,
                        tableau=vp.tableau_part_cohorte(parts, self.ctx.listes, self.ctx.dico),
                        complement=" : parcours d'entrée (part de la cohorte)",
                        legende="Cohorte des premiers diagnostics du mois, selon le parcours commencé "
                        "dans les 15 jours (« Aucun parcours » : pas d'entrée dans ce délai).")

    def orientation(self) -> None:
        references, source = vp.references_repartition(self.refs, self.ctx.territoire.code)
        legende = None
        if source is not None:
            lieu = "France" if source["territoire"] == "FR" else "la région"
            legende = f"Losanges : répartition publiée pour {lieu} ({source['commentaire']}, {source['source']})."
        gauche, droite = st.columns(2)
        with gauche:
            self.barres(B5, "operateur_retenu", "parcours_b5_operateur", references=references, legende=legende)
            self.serie_seule(B4, "parcours_b4")
            self.barres(B6, "operateur_propose", "parcours_b6_operateur",
                        legende="Part des orientations dont l'opérateur ou le parcours retenu diffère de "
                        "la proposition de l'algorithme, selon l'opérateur proposé.")
        with droite:
            self.barres(B5, "parcours_retenu", "parcours_b5_parcours")
            self.empilee(B5, "parcours_b5_serie", part=True)
            self.serie_comparee(B6, "parcours_b6")

    def contrat_et_reorientations(self) -> None:
        gauche, droite = st.columns(2)
        with gauche:
            self.barres(B7, "operateur_retenu", "parcours_b7_operateur")
        with droite:
            self.serie_comparee(B7, "parcours_b7")
        self.empilee(B12, "parcours_b12_motif")
        st.caption("La corde de rappel est la revue périodique (tous les 6 mois) qui peut conduire à "
                   "réorienter la personne.")

    def accompagnements(self) -> None:
        blocs.metriques(self.ctx, self.serie, {B10: "neutre", B11: "neutre"}, self.ctx.mois)
        gauche, droite = st.columns(2)
        with gauche:
            self.serie_seule(B10, "parcours_b10")
            self.barres(B10, "parcours", "parcours_b10_parcours")
            self.barres(B11, "operateur", "parcours_b11_operateur")
        with droite:
            self.barres(B10, "operateur", "parcours_b10_operateur")
            self.barres(B10, "modalite", "parcours_b10_modalite")
            self.barres(B11, "parcours", "parcours_b11_parcours")
        self.serie_comparee(B11, "parcours_b11")

    def suivi_rsa(self) -> None:
        st.caption("Les étapes du parcours selon l'allocation de la personne : le suivi des "
                   "allocataires du RSA que demandent les comités départementaux (contrat d'engagement, "
                   "entrée en parcours, attente, accompagnement intensif), et la progression vers "
                   "l'échéance du 1er janvier 2027, où chaque inscrit doit avoir signé son contrat "
                   "d'engagement.")
        gauche, droite = st.columns(2)
        with gauche:
            self.serie_seule(G1, "parcours_g1")
        with droite:
            self.barres(G1, "allocation", "parcours_g1_allocation")
        gauche, droite = st.columns(2)
        with gauche:
            self.barres(B7, "allocation", "parcours_b7_allocation")
            self.barres(B9, "allocation", "parcours_b9_allocation")
            self.barres(B11, "allocation", "parcours_b11_allocation")
        with droite:
            self.barres(B8, "allocation", "parcours_b8_allocation")
            self.barres(B10, "allocation", "parcours_b10_allocation")


def corps(ctx: composants.Contexte) -> None:
    page = Page(ctx)
    if page.serie.height == 0:  # nothing about people in this territory (A1 defines the months)
        composants.vide()
        return
    parties = {
        "Entrées et demandeurs": page.entrees_et_stock,
        "Attente et délais": page.attente_et_delais,
        "Orientation": page.orientation,
        "Contrat et réorientations": page.contrat_et_reorientations,
        "Accompagnements": page.accompagnements,
        "Suivi du RSA": page.suivi_rsa,
    }
    blocs.onglets(parties, CLE_ONGLET)
    composants.notes(ctx)


composants.executer(PAGE, "Parcours", corps)
