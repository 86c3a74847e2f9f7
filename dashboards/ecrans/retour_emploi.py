"""Retour à l'emploi: the 6-month rates (any employment, durable employment) of the cohorts of
people who started an accompaniment, by cohort month, operator, parcours, modality and
allowance, with RSA beneficiaries compared with the published figures of the renewed
accompaniment."""

from __future__ import annotations

from functools import cached_property

import polars as pl
import streamlit as st

from dashboards import blocs_parcours as blocs
from dashboards import composants, data_metadonnees, vues
from dashboards import vues_parcours as vp
from dashboards import vues_retour_emploi as vre
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import C1, C2

PAGE = "retour_emploi"
MOIS_SERIE = 24
INDICATEURS = (C1, C2)
RSA = "RSA"
VENTILATIONS = {
    "operateur": "Par opérateur",
    "parcours": "Par parcours",
    "modalite": "Par modalité d'accompagnement",
    "allocation": "Par allocation",
}
ONGLET_RSA = "Bénéficiaires du RSA"
CLE_ONGLET = "retour_emploi_onglet"
CLE_COURBE = "retour_emploi_courbe"


class Page(blocs.CellulesDePage):
    def __init__(self, ctx: composants.Contexte) -> None:
        super().__init__(ctx, INDICATEURS, MOIS_SERIE)

    @cached_property
    def refs(self) -> pl.DataFrame:
        return data_metadonnees.valeurs_reference(self.ctx.chemin)

    def fenetre(self) -> None:
        """The 6-month window in words: which cohorts are final, which are not yet."""
        definitif = vp.dernier_definitif(self.ensemble.filter(pl.col("indicateur") == C2))
        provisoire = vre.premier_mois_provisoire(self.ensemble)
        morceaux = [
            "**Une cohorte par mois.** Chaque mois réunit les personnes dont le premier accompagnement a "
            "commencé ce mois-là ; le taux compte celles qui ont commencé un emploi (C1) ou un emploi "
            "durable (C2 : CDI, CDD ou mission d'au moins 6 mois, création d'entreprise) dans les 6 mois "
            "qui suivent le début de leur accompagnement."
        ]
        if provisoire is not None:
            morceaux.append(
                f"À la date d'arrêté ({fmt.format_date(self.ctx.etat.get('date_arrete'))}), ces 6 mois ne sont "
                f"pas écoulés pour les cohortes depuis {fmt.format_mois_long(provisoire)} : elles sont "
                "**provisoires** (pointillés, « (provisoire) ») et leurs taux sont **sous-estimés**, car les "
                "emplois de leurs membres ne sont pas encore tous observés. Comparez des cohortes définitives."
            )
        if definitif is not None:
            morceaux.append(f"Dernière cohorte définitive : {fmt.format_mois_long(definitif['periode'])}.")
        st.info(" ".join(morceaux), icon=":material/schedule:")

    def choix_cohorte(self):
        """The cohort of the charts of one month: by default the latest final one."""
        serie = self.ensemble.filter(pl.col("indicateur") == C2)
        provisoires = dict(zip(serie["periode"].to_list(), serie["provisoire"].to_list()))
        options = sorted(provisoires, reverse=True)
        defaut = vre.cohorte_par_defaut(serie, self.ctx.mois)
        return st.selectbox(
            "Cohorte (mois de début d'accompagnement)", options, index=options.index(defaut),
            format_func=lambda m: fmt.format_mois(m) + (fmt.MENTION_PROVISOIRE if provisoires[m] else ""),
            key=f"retour_cohorte_{self.ctx.territoire.cle}_{self.ctx.mois:%Y-%m}",
            help="Par défaut, la dernière cohorte dont la fenêtre de 6 mois est close.",
        )

    def series(self) -> None:
        colonnes = st.columns(len(INDICATEURS))
        for colonne, indicateur in zip(colonnes, INDICATEURS):
            with colonne:
                blocs.bloc(self.ctx, PAGE, f"retour_serie_{indicateur}", indicateur,
                           blocs.serie_et_parent(self.ensemble, self.parent, indicateur), vues.figure_serie,
                           complement=" – par mois de cohorte", legende=blocs.LEGENDE_SERIE)

    def ventilation(self, dimension: str, cohorte, courbe: str) -> None:
        du = pl.col("dimension") == dimension
        mois = self.cellules.filter(du & (pl.col("periode") == cohorte))
        mise_en_avant = RSA if dimension == "allocation" else None
        blocs.bloc(
            self.ctx, PAGE, f"retour_{dimension}", C2, mois,
            lambda c: vp.figure_barres_groupees(c, self.ctx.listes, self.ctx.dico, mise_en_avant=mise_en_avant),
            intitule=" et ".join(fmt.NUMEROS_INDICATEURS[i] for i in INDICATEURS),
            complement=f" par {fmt.libelle_dimension(dimension).lower()} – cohorte de {fmt.format_mois(cohorte)}",
            legende="Bénéficiaires du RSA encadrés." if mise_en_avant else None,
        )
        serie = self.cellules.filter(du & (pl.col("indicateur") == courbe))
        if mise_en_avant:  # its line first: the thick one
            serie = serie.sort(pl.col("modalite") != mise_en_avant, maintain_order=True)
        blocs.bloc(self.ctx, PAGE, f"retour_{dimension}_serie", courbe, serie,
                   lambda c: vues.figure_serie(c, groupe="modalite", listes=self.ctx.listes),
                   complement=f" par {fmt.libelle_dimension(dimension).lower()} – par mois de cohorte",
                   legende="Pointillés : cohortes provisoires ; une interruption : valeur absente ou secrète.")

    def rsa(self, cohorte) -> None:
        """RSA beneficiaries against the published figures of the renewed accompaniment."""
        rsa = self.cellules.filter(
            ((pl.col("dimension") == "allocation") & (pl.col("modalite") == RSA)) | (pl.col("dimension") == "ensemble"))
        colonnes = st.columns(len(INDICATEURS))
        for colonne, indicateur in zip(colonnes, INDICATEURS):
            references = [(r["valeur"], vre.libelle_reference(r)) for r in vre.references_rsa(self.refs, indicateur)]
            with colonne:
                blocs.bloc(
                    self.ctx, PAGE, f"retour_rsa_{indicateur}", indicateur,
                    rsa.filter(pl.col("indicateur") == indicateur),
                    # bound now: the figure may be drawn after the loop has moved on
                    lambda c, references=references: vre.ajouter_references(
                        vues.figure_serie(c, groupe="modalite", listes=self.ctx.listes), references),
                    complement=" – bénéficiaires du RSA et ensemble",
                    legende="Lignes horizontales : taux publiés pour les bRSA en accompagnement rénové.",
                )
        with st.container(border=True):
            st.markdown(f"**Cohorte de {fmt.format_mois(cohorte)} : le territoire et les valeurs de référence**")
            tableau = vre.tableau_rsa(rsa.filter(pl.col("periode") == cohorte), self.refs, INDICATEURS,
                                     self.ctx.territoire.nom, self.ctx.dico)
            blocs.donnees(self.ctx, PAGE, "retour_rsa_references", C2, tableau, visible=True)
            parcours_emploi = [
                f"{fmt.NUMEROS_INDICATEURS[i]} : " + ", ".join(
                    f"{fmt.format_taux(r['valeur'], 0)} ({vre.lieu_reference(r)})" for r in refs)
                for i in INDICATEURS if (refs := vre.references_rsa(self.refs, i, "parcours", "EMPLOI"))
            ]
            st.caption(
                "Les valeurs de référence portent sur les bénéficiaires du RSA suivis en accompagnement rénové "
                "(15 à 20 heures d'activité par semaine, départements pilotes) : c'est un repère, pas la moyenne "
                "de tous les bRSA. Le socle compte ici tous les bRSA accompagnés du territoire."
                + (f" En parcours emploi, les repères publiés sont {' ; '.join(parcours_emploi)}. Le socle ne "
                   "croise pas allocation et parcours : il n'a pas de chiffre local comparable."
                   if parcours_emploi else "")
            )


def corps(ctx: composants.Contexte) -> None:
    page = Page(ctx)
    if page.ensemble.height == 0:
        composants.vide("Aucune cohorte d'accompagnement pour ce territoire sur les 24 derniers mois.")
        return
    page.fenetre()
    cohorte = page.choix_cohorte()
    blocs.metriques(ctx, page.ensemble, {C1: "hausse_favorable", C2: "hausse_favorable"}, cohorte)
    page.series()

    st.subheader("Selon l'opérateur, le parcours, la modalité, l'allocation ; les bénéficiaires du RSA")
    courbe = st.radio("Taux des courbes par ventilation", INDICATEURS, index=1, horizontal=True, key=CLE_COURBE,
                      format_func=lambda i: ctx.libelle(i, avec_numero=True))
    parties = {libelle: (lambda d=dimension: page.ventilation(d, cohorte, courbe))
               for dimension, libelle in VENTILATIONS.items()}
    parties[ONGLET_RSA] = lambda: page.rsa(cohorte)
    blocs.onglets(parties, CLE_ONGLET)
    composants.notes(ctx)


composants.executer(PAGE, "Retour à l'emploi", corps)
