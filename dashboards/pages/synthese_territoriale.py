"""Synthèse territoriale: headline figures of a region and its départements for one month."""

from __future__ import annotations

import streamlit as st

from dashboards import acces, data, journal, vues
from dashboards import format as fmt

#: The indicators of this page and how to read their change (see ``fmt.parametres_metric``).
INDICATEURS = {
    fmt.A1: "neutre",  # more registrants is neither good nor bad in itself
    fmt.B1: "baisse_favorable",  # a shorter delay is better
}

PAGE = "synthese_territoriale"

utilisateur = acces.exiger_utilisateur()
st.title("Synthèse territoriale")


def page(chemin, utilisateur: acces.Utilisateur) -> None:
    perimetre = utilisateur.perimetre
    arrete = data.date_arrete(chemin)
    regions = data.regions(chemin, perimetre)

    if perimetre.publie:
        mention = "Chiffres publiés, après secret statistique (valeur couverte par le secret : « – »)."
    else:
        mention = "Chiffres avant secret statistique : usage interne à la direction régionale."
    st.caption(
        f"Données arrêtées au **{fmt.format_date(arrete)}** · source : entrepôt du socle commun "
        f"d'indicateurs. {mention}"
    )

    if regions.height == 0:
        journal.journaliser_vue_une_fois(utilisateur, PAGE)
        if perimetre.tout:
            st.warning("L'entrepôt ne contient encore aucun indicateur régional.")
        else:
            st.info(
                "Cette page présente une région et ses départements ; votre périmètre n'en "
                "contient aucune avec des données."
            )
        return

    libelles_regions = dict(zip(regions["code"], regions["libelle"]))
    col_region, col_mois = st.columns(2)
    # ``?region=76`` in the address opens the page on a region (a link sent before a committee);
    # the address follows the choice. Codes, not labels, so the link stays short and stable.
    codes = list(libelles_regions)
    demandee = st.query_params.get("region")
    region = col_region.selectbox(
        "Région",
        options=codes,
        index=codes.index(demandee) if demandee in codes else 0,
        format_func=lambda code: libelles_regions[code],
        key="region",
    )
    st.query_params["region"] = region
    journal.journaliser_vue_une_fois(utilisateur, PAGE, territoire=f"REGION:{region}")

    mois_df = data.mois_disponibles(chemin, perimetre, region)
    if mois_df.height == 0:
        st.warning("Aucune donnée pour cette région.")
        return

    provisoire_par_mois = dict(zip(mois_df["periode"], mois_df["provisoire"]))
    options_mois = list(provisoire_par_mois)  # most recent first
    defaut = data.mois_par_defaut(mois_df)
    mois = col_mois.selectbox(
        "Mois",
        options=options_mois,
        index=options_mois.index(defaut),
        format_func=lambda m: fmt.format_mois(m)
        + (fmt.MENTION_PROVISOIRE if provisoire_par_mois.get(m) else ""),
        help="Par défaut, le dernier mois dont l'effectif des demandeurs en fin de mois est "
        "définitif. Les délais des mois récents restent provisoires tant que leur fenêtre "
        "d'observation n'est pas close à la date d'arrêté.",
        key=f"mois_{region}",
    )

    # ---- Headline figures of the region
    st.subheader(f"{libelles_regions[region]} – {fmt.format_mois_long(mois)}")
    colonnes = st.columns(len(INDICATEURS))
    for colonne, (indicateur, sens) in zip(colonnes, INDICATEURS.items()):
        v = data.valeur_du_mois(data.serie(chemin, perimetre, "REGION", region, indicateur), mois)
        evolution = fmt.parametres_metric(v.valeur, v.precedente, v.unite, sens)
        if evolution["delta"] is not None:
            evolution["delta_description"] = (
                f"par rapport à {fmt.format_mois(data.mois_precedent(mois))}"
            )
        colonne.metric(
            fmt.libelle_indicateur(indicateur) + (fmt.MENTION_PROVISOIRE if v.provisoire else ""),
            fmt.format_valeur(v.valeur, v.unite),
            help=fmt.DEFINITIONS_INDICATEURS.get(indicateur),
            border=True,
            **evolution,
        )
        if v.valeur is None:
            colonne.caption(fmt.explication_absence(v.unite, v.provisoire, v.presente))

    # ---- Region and its départements
    st.subheader("Région et départements")
    cellules = data.indicateurs_territoires(chemin, perimetre, region, mois, list(INDICATEURS))
    tableau = vues.tableau_territoires(cellules, list(INDICATEURS))
    st.dataframe(
        tableau,
        hide_index=True,
        width="stretch",
        height="content",  # every département visible, no inner scroll
        column_config=vues.colonnes_tableau(list(INDICATEURS)),
        key="tableau_territoires",
    )
    st.caption(
        "« (provisoire) » : la fenêtre d'observation de l'indicateur n'est pas close à la date "
        "d'arrêté ; le chiffre peut encore évoluer. « – » : pas de valeur (par exemple, moins de la "
        "moitié de la cohorte diagnostiquée dans les 90 jours)."
    )

    # ---- Evolution over time
    st.subheader("Évolution mensuelle")
    avec_departements = st.toggle("Afficher les départements", value=False, key="avec_departements")
    for indicateur in INDICATEURS:
        st.markdown(f"**{fmt.libelle_indicateur(indicateur, avec_numero=True)}**")
        series = data.series_region(chemin, perimetre, region, indicateur, avec_departements)
        if series.height == 0:
            st.info("Pas encore de données pour cet indicateur.")
            continue
        st.plotly_chart(vues.figure_serie(series, indicateur), key=f"graphique_{indicateur}")
        st.caption(
            fmt.DEFINITIONS_INDICATEURS.get(indicateur, "")
            + " Trait pointillé et points creux : mois provisoires."
        )


# Any failure to read the warehouse (absent, being replaced, incomplete) is a French message,
# never a traceback.
try:
    page(data.chemin_entrepot(), utilisateur)
except data.EntrepotIndisponible as exc:
    st.error(str(exc), icon=":material/database_off:")
