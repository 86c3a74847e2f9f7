"""Règles d'alerte: the misuse-alert rules measured (precision by band), the thresholds'
what-if, the equity of judgement between regions and the volume per establishment. National
users see every region; a regional direction its own region's aggregates; committees and the
CSE never (not in their menu, refused here if reached by address)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import acces, composants, data, data_connexion, data_metadonnees, journal
from dashboards import vues_regles_alertes as vra
from pipelines.core import formats as fmt
from pipelines.core.lecture import ORDRE_SITUATIONS

PAGE = "regles_alertes"
EXAMENS = ("OBLIGATOIRE", "FACULTATIF")

LECTURE_PRECISION = (
    "La précision d'une règle est la part des alertes avérées parmi les alertes **examinées** "
    "(conclues avérées ou non avérées par l'établissement). Elle ne dit rien des alertes qui n'ont "
    "pas été examinées : si les établissements examinent d'abord les alertes les plus suspectes "
    "(l'examen obligatoire), la précision mesurée est plus haute que celle de l'ensemble des alertes "
    "(biais de sélection). L'intervalle de confiance à 95 % (Wilson) traduit seulement l'incertitude "
    "due au petit nombre d'alertes examinées, pas ce biais. Elle ne dit pas non plus combien de "
    "détournements échappent aux règles : une consultation qui ne remplit aucune situation n'est "
    "jamais une alerte."
)
LECTURE_SIMULATION = (
    "Ce que donnerait chaque seuil sur les 12 derniers mois complets, à partir de toutes les "
    "paires-mois, même sous le seuil en vigueur. Faux positifs attendus : les alertes de chaque "
    "tranche multipliées par un moins la précision observée dans la tranche ; « inconnu » quand le "
    "seuil lève des alertes dans une tranche où aucune alerte n'a été examinée. Changer un seuil : "
    "le fichier parametres/seuils_alertes.csv, puis une construction (docs/regles-alertes.md)."
)
LECTURE_ENTONNOIR = (
    "Chaque point est une région : la part de ses alertes examinées conclues non avérées, selon le "
    "nombre d'alertes examinées. Les limites entourent la part nationale pour la même situation et "
    "le même niveau d'examen (loi binomiale exacte) : une région qui jugerait comme l'ensemble a 95 % "
    "(ou 99,8 %) de chances de se trouver entre elles. Un écart appelle un échange sur les "
    "pratiques d'examen, pas un verdict."
)


def _sans_donnees(df: pl.DataFrame | None, message: str) -> bool:
    """A sentence instead of an empty chart; True when there is nothing to draw."""
    if df is None or df.height == 0:
        st.info(message, icon=":material/info:")
        return True
    return False


def section_precision(chemin, perimetre, listes) -> None:
    st.subheader("Précision des règles")
    precision = data.precision_regles(chemin, perimetre)
    with st.container(border=True):
        if _sans_donnees(precision, "Aucune alerte générée dans l'entrepôt publié : la précision n'est pas mesurable."):
            return
        gauche, droite = st.columns(2)
        trimestres = vra.trimestres(precision)
        trimestre = gauche.selectbox(
            "Trimestre des alertes", [None, *trimestres], key="regles_precision_trimestre",
            format_func=lambda t: "Tous les trimestres" if t is None else
            f"Trimestre {(t.month - 1) // 3 + 1} {t.year}",
        )
        examen = droite.selectbox("Niveau d'examen", [None, *EXAMENS], key="regles_precision_examen",
                                  format_func=lambda e: "Tous" if e is None else vra.libelle_examen(e, listes))
        agrege = vra.precision_par_tranche(precision, trimestre, examen)
        st.markdown("**Précision par situation et tranche de consultations, avec son intervalle à 95 %**")
        if agrege.height == 0 or agrege["examinees"].sum() == 0:
            st.info("Aucune alerte générée n'a encore été examinée sur cette sélection : la précision "
                    "n'est pas mesurable.", icon=":material/info:")
        else:
            st.plotly_chart(vra.figure_precision(agrege, listes), key="regles_precision", height=380)
        st.dataframe(vra.tableau_precision(agrege, listes), hide_index=True, key="regles_precision_tableau")
        st.caption(LECTURE_PRECISION)


def _bloc_simulation(simulation: pl.DataFrame, situation: str, listes) -> None:
    en_vigueur = vra.seuil_en_vigueur(simulation, situation)
    with st.container(border=True):
        st.markdown(f"**{vra.libelle_situation(situation, listes)}** · seuil en vigueur : "
                    f"{fmt.VIDE if en_vigueur is None else en_vigueur}")
        seuil = st.slider("Seuil d'alerte (consultations dans le mois)", 1, 30, en_vigueur or 1,
                          key=f"regles_seuil_{situation}")
        resultat = vra.simuler(simulation, situation, seuil)
        if resultat is None:
            st.info("Pas de simulation pour ce seuil.", icon=":material/info:")
            return
        if not resultat["nb_mois"]:
            st.info("Aucun mois complet observé : la simulation n'est pas encore possible.", icon=":material/info:")
            return
        textes = resultat["textes"]
        compare = seuil != en_vigueur  # no « +0 » under the threshold in force

        def delta(cle: str, taux: bool = False) -> str | None:
            return vra.ecart(resultat[cle], resultat[f"{cle}_en_vigueur"], taux=taux) if compare else None

        c1, c2, c3 = st.columns(3)
        c1.metric("Alertes par mois", textes["alertes_par_mois"], delta=delta("alertes_par_mois"), delta_color="off")
        c2.metric("Faux positifs attendus par mois", textes["faux_positifs_attendus"],
                  delta=delta("faux_positifs_attendus"), delta_color="inverse")
        c3.metric("Alertes avérées encore levées", textes["averees_conservees"],
                  delta=delta("averees_conservees", taux=True),
                  help="Part des alertes conclues avérées sur la période que ce seuil lèverait encore.")
        st.plotly_chart(vra.figure_simulation(simulation, situation, seuil), key=f"regles_simulation_{situation}",
                        height=280)
        st.caption(vra.texte_fenetre(resultat) + " · écarts : par rapport au seuil en vigueur.")


def section_simulation(chemin, perimetre, listes) -> None:
    st.subheader("Simulation des seuils")
    simulation = data.simulation_seuils(chemin, perimetre)
    if _sans_donnees(simulation, "Pas de simulation des seuils dans l'entrepôt publié."):
        return
    st.caption(LECTURE_SIMULATION)
    situations = [s for s in ORDRE_SITUATIONS if s in set(simulation["situation"].to_list())]
    for debut in range(0, len(situations), 2):
        colonnes = st.columns(2)
        for colonne, situation in zip(colonnes, situations[debut:debut + 2]):
            with colonne:
                _bloc_simulation(simulation, situation, listes)


def section_equite(chemin, perimetre, listes) -> None:
    st.subheader("Équité de jugement entre régions")
    equite_ = data.equite_jugement_alertes(chemin, perimetre)
    with st.container(border=True):
        if _sans_donnees(equite_, "Aucune alerte examinée pour l'instant : pas de comparaison des régions possible."):
            return
        c1, c2, c3 = st.columns(3)
        periode = c1.selectbox("Période", vra.periodes(equite_), format_func=vra.libelle_periode,
                               key="regles_equite_periode")
        # only the situations and examens with examined alerts in the period: never an empty funnel
        de_la_periode = equite_.filter((pl.col("type_periode") == periode[0]) & (pl.col("debut_periode") == periode[1]))
        presentes = set(de_la_periode["situation"].to_list())
        situation = c2.selectbox("Situation", [s for s in ORDRE_SITUATIONS if s in presentes]
                                 + sorted(presentes - set(ORDRE_SITUATIONS)),
                                 format_func=lambda s: vra.libelle_situation(s, listes), key="regles_equite_situation")
        examens = set(de_la_periode.filter(pl.col("situation") == situation)["examen"].to_list())
        examen = c3.selectbox("Niveau d'examen", [e for e in EXAMENS if e in examens] + sorted(examens - set(EXAMENS)),
                              format_func=lambda e: vra.libelle_examen(e, listes), key="regles_equite_examen")
        regions = vra.selection_equite(equite_, periode, situation, examen)
        st.markdown(f"**Part des alertes examinées non avérées par région – {vra.libelle_periode(periode)}**")
        if regions.height == 0:
            st.info("Aucune alerte examinée pour cette situation, ce niveau d'examen et cette période.",
                    icon=":material/info:")
            return
        st.plotly_chart(vra.figure_entonnoir(regions), key="regles_entonnoir", height=420)
        st.dataframe(vra.tableau_equite(regions), hide_index=True, key="regles_equite_tableau")
        st.caption(LECTURE_ENTONNOIR + (" Vous voyez votre seule région, face à la part nationale."
                                        if not perimetre.tout else ""))


def section_volume(chemin, perimetre, listes) -> None:
    st.subheader("Volume d'alertes par établissement")
    volume = data.volume_alertes(chemin, perimetre)
    with st.container(border=True):
        if _sans_donnees(volume, "Aucune alerte générée pour ce périmètre."):
            return
        gauche, droite = st.columns(2)
        presentes = set(volume["situation"].to_list())
        situations = gauche.multiselect(
            "Situations", [s for s in ORDRE_SITUATIONS if s in presentes] + sorted(presentes - set(ORDRE_SITUATIONS)),
            format_func=lambda s: vra.libelle_situation(s, listes), key="regles_volume_situations",
            placeholder="Toutes")
        examens = droite.multiselect("Niveaux d'examen", EXAMENS, format_func=lambda e: vra.libelle_examen(e, listes),
                                     key="regles_volume_examens", placeholder="Tous")
        mensuel = vra.volume_mensuel(volume, situations, examens)
        st.markdown("**Alertes générées par mois et établissement**")
        if mensuel.height == 0:
            st.info("Aucune alerte pour cette sélection.", icon=":material/info:")
            return
        st.plotly_chart(vra.figure_volume(mensuel), key="regles_volume", height=340)
        st.dataframe(vra.tableau_volume(mensuel), hide_index=True, key="regles_volume_tableau")
        composants.note_rupture(mensuel["mois"].to_list())
        st.caption("Établissement : la direction régionale de l'agent, ou l'entité nationale (DG, DSI, PES) "
                   "qui l'emploie. Le mois de la date d'arrêté est en cours : ses alertes peuvent encore croître.")


utilisateur = acces.exiger_role(
    *acces.ROLES_REGLES_ALERTES,
    motif="Accès refusé : cette page est réservée au niveau national et aux directions régionales.",
)
st.title("Règles d'alerte")
try:
    chemin = data_connexion.chemin_entrepot()
    perimetre = utilisateur.perimetre
    region = data.region_regles_alertes(perimetre)
    etat = data_metadonnees.etat_publication(chemin)
    listes = data_metadonnees.libelles_modalites(chemin)
except acces.AccesRefuse as exc:
    st.error(str(exc), icon=":material/block:")
    st.stop()
except data_connexion.EntrepotIndisponible as exc:
    st.error(str(exc), icon=":material/database_off:")
    st.stop()

journal.journaliser_vue_une_fois(utilisateur, PAGE, territoire="NATIONAL:FR" if region is None else f"REGION:{region}")
st.caption(
    f"**{vra.nom_perimetre(region, data.territoires(chemin, perimetre))}**"
    + f" · données arrêtées au {fmt.format_date(etat.get('date_arrete'))}"
    + " · alertes de détournement de finalité générées sur le journal des consultations ; vue interne, "
    "jamais montrée à un comité ni au CSE"
)
try:
    if region is None:
        section_precision(chemin, perimetre, listes)
        section_simulation(chemin, perimetre, listes)
    else:
        st.info("La précision des règles et la simulation des seuils portent sur l'ensemble des régions : "
                "elles sont réservées au niveau national. Vous voyez ici les agrégats de votre région.",
                icon=":material/info:")
    section_equite(chemin, perimetre, listes)
    section_volume(chemin, perimetre, listes)
except data_connexion.EntrepotIndisponible as exc:
    st.error(str(exc), icon=":material/database_off:")
