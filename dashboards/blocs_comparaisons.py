"""The « Comparaisons » block of the Synthèse page: one indicator of the chosen territory over 24
months beside its parent and territories of the same level (by default the similar ones, listed
with why), the same month a year before (N−1), and the 12-month values of the publication.

Queries through the context (the perimeter; other territories of the level from the published
cells only, ``data.extraire_comparables``), shapes in ``dashboards.vues_comparaisons``.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import blocs_parcours, composants, data, data_territoires, vues
from dashboards import vues_comparaisons as vc
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import A1, A2, A3, B1, B2, C2, D1, D2, F1, F2

#: Indicators offered, the first by default (entries: a flow, with 12-month values, and the
#: first figure the automatic registrations of January 2025 move).
INDICATEURS = (A2, A1, A3, B1, B2, C2, D1, D2, F1, F2)
MOIS_AFFICHES = 24
#: Beyond six lines besides the territory and its parent, a chart of lines no longer reads.
MAX_COMPARES = 6


def _similaires(ctx: composants.Contexte) -> tuple[pl.DataFrame, pl.DataFrame, object]:
    """The similar territories, every territory of the level (``code, libelle, effectif, agences,
    avec_donnees``: whether it has cells), and the month of the registrants compared (the latest
    final one)."""
    definitive = vues.derniere_definitive(ctx.extraire([A1]).filter(pl.col("periode") <= ctx.mois))
    mois = definitive["periode"] if definitive else ctx.mois
    effectifs = ctx.extraire_comparables([A1], periode=mois)
    tailles = vc.tailles_territoires(data_territoires.territoires_du_niveau(ctx.chemin, ctx.territoire.niveau),
                                     effectifs)
    tailles = tailles.with_columns(avec_donnees=pl.col("code").is_in(effectifs["territoire"].to_list()))
    return vc.territoires_similaires(tailles, ctx.territoire.code), tailles, mois


def _choisir_territoires(ctx: composants.Contexte, similaires: pl.DataFrame, candidats: pl.DataFrame) -> list[str]:
    niveau, code = ctx.territoire.niveau, ctx.territoire.code
    options = [c for c in candidats["code"].to_list() if c != code]
    libelles = dict(zip(candidats["code"].to_list(), candidats["libelle"].to_list()))
    cle = f"comparaison_territoires_{niveau}_{code}"
    defaut = similaires["code"].to_list()[:MAX_COMPARES]
    if cle in st.session_state:
        # a kept choice no longer offered (another month's data) is dropped, never an error
        st.session_state[cle] = [c for c in st.session_state[cle] if c in options][:MAX_COMPARES]
        defaut = None
    return st.multiselect(
        "Territoires comparés", options, default=defaut, key=cle, max_selections=MAX_COMPARES,
        format_func=lambda c: fmt.libelle_territoire(niveau, c, libelles.get(c)),
        placeholder="Choisir des territoires", help="Par défaut, les territoires similaires (liste sous le graphique). "
        + "Hors de votre périmètre, seuls les chiffres publiés sont lus.",
    )


def bloc(ctx: composants.Contexte, page: str) -> None:
    st.subheader("Comparaisons")
    comparable = ctx.territoire.niveau in data.NIVEAUX_COMPARABLES
    with st.container(border=True):
        gauche, droite = st.columns([2, 3])
        indicateur = gauche.selectbox("Indicateur", INDICATEURS, key="comparaison_indicateur",
                                      format_func=lambda i: ctx.libelle(i, avec_numero=True))
        similaires, tailles, mois_effectif = _similaires(ctx) if comparable else (None, None, None)
        with droite:
            if comparable:
                choisis = _choisir_territoires(ctx, similaires, tailles.filter(pl.col("avec_donnees")))
            else:
                choisis = []
                st.caption("La France n'a pas de territoire du même niveau : choisissez une région, un département "
                           "ou un bassin pour la comparer à d'autres.")
        gauche, droite = st.columns(2)
        annee_precedente = gauche.toggle("Même mois un an plus tôt (N−1)", key="comparaison_annee_precedente",
                                         help=vc.LECTURE_ANNEE_PRECEDENTE)
        douze = droite.toggle("Valeurs sur 12 mois glissants", key="comparaison_12_mois", help=vc.LECTURE_12_MOIS)

        type_periode = vc.type_periode(douze, indicateur, ctx.dico)
        sur_12_mois = type_periode == "cumul_12_mois"
        if douze and not sur_12_mois:
            st.info(vc.texte_sans_12_mois(ctx.libelle(indicateur)), icon=":material/info:")
        debut = vues.mois_decale(ctx.mois, MOIS_AFFICHES - 1)
        propre = ctx.extraire([indicateur], depuis=vues.mois_decale(debut, 12) if annee_precedente else debut,
                              type_periode=type_periode).filter(pl.col("periode") <= ctx.mois)
        dans_la_fenetre = (pl.col("periode") >= debut) & (pl.col("periode") <= ctx.mois)
        parent = ctx.extraire_parent([indicateur], type_periode=type_periode).filter(dans_la_fenetre)
        # a count of the parent dwarfs its members' and flattens their lines: rates and delays only
        avec_parent = ctx.dico.get(indicateur, {}).get("unite", propre["unite"].drop_nulls().first()) != "nombre"
        parent = parent if avec_parent else parent.head(0)
        autres = (ctx.extraire_comparables([indicateur], choisis, depuis=debut, type_periode=type_periode)
                  .filter(dans_la_fenetre) if choisis else parent.head(0))
        # the chosen order, so that colours follow the list
        series = pl.concat([propre.filter(dans_la_fenetre), parent, *(autres.filter(pl.col("territoire") == c)
                                                                     for c in choisis)], how="vertical_relaxed")

        blocs_parcours.titre(ctx, indicateur, f" : {MOIS_AFFICHES} derniers mois"
                             + (", valeurs sur 12 mois glissants" if sur_12_mois else ""))
        if series.height == 0 or series["valeur"].is_null().all():
            composants.vide("Aucune valeur à comparer pour ce territoire et cet indicateur"
                            + (" sur 12 mois glissants (il faut 12 mois de données)." if sur_12_mois else "."))
        else:
            mois = sorted(series["periode"].unique().to_list())
            figure = vues.figure_serie(series)
            traces = len(figure.data)
            if annee_precedente:
                vc.ajouter_annee_precedente(figure, propre, mois, ctx.territoire.nom)
            st.plotly_chart(figure, key="comparaison_graphique")
            lignes = [f"Trait épais : {ctx.territoire.nom} ; traits fins : "
                      + ("le territoire parent et " if avec_parent else "") + "les territoires comparés. Pointillés : "
                      "mois provisoires ; une interruption : valeur absente ou secrète."]
            if not avec_parent:
                lignes.append(vc.LECTURE_SANS_PARENT)
            if annee_precedente:
                lignes.append(vc.LECTURE_ANNEE_PRECEDENTE if len(figure.data) > traces else vc.SANS_ANNEE_PRECEDENTE)
            if sur_12_mois:
                lignes.append(vc.lecture_12_mois(series["unite"].drop_nulls().first()))
            st.caption("  \n".join(lignes))
            composants.note_rupture(mois, 12 if sur_12_mois else 1, len(figure.data) > traces)
            blocs_parcours.donnees(ctx, page, "synthese_comparaison", indicateur,
                                   vc.tableau_comparaison(series, propre if annee_precedente else None))
        if comparable:
            st.markdown(f"**Territoires similaires à {ctx.territoire.nom}**")
            if similaires.height == 0:
                st.caption("Pas de territoire similaire proposé : l'effectif inscrit de ce territoire n'est pas "
                           "connu (absent ou couvert par le secret statistique).")
            else:
                soi = tailles.filter(pl.col("code") == ctx.territoire.code).row(0, named=True)
                st.dataframe(vc.tableau_similaires(similaires, ctx.territoire.niveau, mois_effectif,
                                                   "Inscrits A1", soi["effectif"], soi["agences"]),
                             hide_index=True, key="comparaison_similaires")
                st.caption(vc.LECTURE_SIMILAIRES)
