"""The indicators of the output contract (``indicators.md``), listed once.

Their definitions live in the dbt data dictionary (``meta.dictionnaire`` of ``marts.indicateurs``,
read with ``pipelines.dbt_runner.dictionnaire_indicateurs``); this module only holds what Python
needs without a manifest: each code and its reference number, cited in committees.
"""

from __future__ import annotations

from datetime import date

# The code of each indicator, named after its reference (A1…E4) as committees and the contract
# cite it: ``from pipelines.core.indicateurs import A1, B4`` is the one way to write a code in Python.
A1 = "demandeurs_fin_de_mois"
A2 = "entrees"
A3 = "sorties"
B1 = "delai_inscription_diagnostic_median"
B2 = "taux_diagnostic_30j"
B3 = "en_attente_diagnostic"
B4 = "orientations_initiales"
B5 = "repartition_orientation"
B6 = "taux_ecart_algorithme"
B7 = "taux_contrat_engagement_1_mois"
B8 = "taux_entree_parcours_15j"
B9 = "en_attente_parcours"
B10 = "accompagnements_en_cours"
B11 = "part_accompagnement_intensif"
B12 = "reorientations"
C1 = "taux_retour_emploi_6m"
C2 = "taux_retour_emploi_durable_6m"
D1 = "controles_decides"
D2 = "taux_sanction_cre"
D3 = "delai_controle_median"
D4 = "taux_sanction_manquements"
# indicators-rpe.md: the sanction scale of 2025
D5 = "sanctions_prononcees"
D6 = "taux_recours_sanctions"
D7 = "taux_rapo_acceptes"
# indicators-rpe.md: the law's deadlines
G1 = "taux_contrat_engagement_stock"
# indicators-rpe.md: the réseau pour l'emploi indicators
F1 = "taux_acces_emploi_6m"
F2 = "taux_acces_emploi_durable_6m"
F3 = "taux_presence_emploi_6m"
F4 = "delai_inscription_accompagnement_median"
F5 = "taux_couverture_diagnostic"
F6 = "taux_actualisation_diagnostic_6m"
F7 = "taux_diagnostic_avec_freins"
F8 = "taux_rupture_accompagnement"
# indicators-rpe.md: advisers' workload
H1 = "taille_portefeuille_moyenne"
H2 = "part_portefeuilles_plus_de_70"
H3 = "entretiens_realises"
H4 = "taux_absence_entretiens"
H5 = "duree_entretien_moyenne"
H6 = "controles_par_plateforme"
E1 = "alertes"
E2 = "taux_faux_positifs"
E3 = "taux_examen_alertes"
E4 = "delai_traitement_alerte_median"

#: The indicators of the contract (indicators.md, indicators-rpe.md), code → reference (A1…E4, D5…). The family is the first letter.
INDICATEURS: dict[str, str] = {
    A1: "A1", A2: "A2", A3: "A3",
    B1: "B1", B2: "B2", B3: "B3", B4: "B4", B5: "B5", B6: "B6",
    B7: "B7", B8: "B8", B9: "B9", B10: "B10", B11: "B11", B12: "B12",
    C1: "C1", C2: "C2",
    D1: "D1", D2: "D2", D3: "D3", D4: "D4", D5: "D5", D6: "D6", D7: "D7",
    E1: "E1", E2: "E2", E3: "E3", E4: "E4",
    F1: "F1", F2: "F2", F3: "F3", F4: "F4", F5: "F5", F6: "F6", F7: "F7", F8: "F8",
    G1: "G1",
    H1: "H1", H2: "H2", H3: "H3", H4: "H4", H5: "H5", H6: "H6",
}  # fmt: skip


def famille(code: str) -> str | None:
    """The family letter (A…H) of an indicator code, None when the code is not in the contract."""
    numero = INDICATEURS.get(code)
    return numero[0] if numero else None


#: The indicators of the réseau pour l'emploi list (Comité national pour l'emploi, arrêté of 14
#: March 2025) that the exports cannot support (indicators-rpe.md): what each is, and the source it
#: would need. Shown on the Méthodologie page as « non calculé : source non livrée ».
RPE_NON_CALCULES: tuple[tuple[str, str], ...] = (
    ("Satisfaction des personnes accompagnées",
     "Enquêtes de satisfaction des demandeurs d'emploi et des personnes accompagnées par les partenaires"),
    ("Satisfaction des employeurs", "Enquêtes de satisfaction des employeurs"),
    ("Taux de pourvoi des offres d'emploi", "Export des offres d'emploi (dépôt, pourvoi, annulation)"),
    ("Délai de pourvoi des offres d'emploi", "Export des offres d'emploi (dates de dépôt et de pourvoi)"),
    ("Entrées en formation des personnes inscrites", "Export des entrées en formation (financeurs, dates)"),
    ("Sorties de formation et accès à l'emploi après formation",
     "Export des sorties de formation (dates, résultat), rapproché des emplois"),
    ("Recours des employeurs au réseau pour l'emploi",
     "Export des services rendus aux entreprises (recrutements accompagnés, employeurs servis)"),
    ("Avancement des fiches actions des comités territoriaux",
     "Fiches actions des comités France Travail (suivi des plans d'action)"),
)


#: Indicators read at the end of an observation window that runs past their month (a delay to
#: an event, a rate within 15, 30 days or 6 months): while the window is open the figure is
#: censored — people not yet observed to the end count as not having reached the event — so a
#: provisional month is never a headline (issue 16: « honest headlines »).
A_FENETRE = frozenset({B1, B2, B7, B8, C1, C2, F1, F2, F3, F4})


#: Series break: from 1 January 2025 (loi du 18 décembre 2023 pour le plein emploi) the RSA
#: recipients, the young people followed by the missions locales and the disabled people followed
#: by Cap emploi are registered at France Travail automatically. Registrations, stocks and every
#: rate over registrants change level that month: figures before and after are not comparable as
#: such. One date, marked on every chart and table of months that crosses it.
RUPTURE_SERIE = date(2025, 1, 1)
LIBELLE_RUPTURE = "Rupture de série : janvier 2025"


def traverse_rupture(premier, dernier) -> bool:
    """True when months from ``premier`` to ``dernier`` lie on both sides of the series break."""
    return premier is not None and dernier is not None and premier < RUPTURE_SERIE <= dernier


NOTE_RUPTURE = (
    "Rupture de série en janvier 2025 : depuis le 1er janvier 2025 (loi pour le plein emploi), les "
    "allocataires du RSA, les jeunes accompagnés par les missions locales et les personnes suivies par "
    "Cap emploi sont inscrits automatiquement à France Travail. Les inscriptions, l'effectif inscrit et "
    "les taux calculés sur les inscrits changent de niveau ce mois-là : les chiffres d'avant et d'après "
    "ne se comparent pas directement."
)
