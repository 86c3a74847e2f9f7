"""The Parcours, Retour à l'emploi and Expérimentations pages.

Pure tests of ``dashboards.vues_parcours``, ``vues_retour_emploi`` and ``vues_experimentations``
on hand-made frames; then the pages run headless (AppTest) for every role on the hand-made
warehouse of ``conftest`` completed with the indicators of these pages (fast), and on the real
demo warehouse (slow). For the published view, every table row that is a warehouse cell shows
what ``publication.indicateurs`` says — « s » where the cell is secret, never the value of
``marts.indicateurs`` — and a point whose hover says « s » is not drawn.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data, data_metadonnees, vues
from dashboards import vues_experimentations as vx
from dashboards import vues_parcours as vp
from dashboards import vues_retour_emploi as vre
from dashboards.acces import COMITE, TABLE_PUBLIEE, UTILISATEURS_DEMO, Perimetre, Utilisateur

from .conftest import A1_AGENCES, MOIS, construire_entrepot

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "nomenclatures"
TIMEOUT = 60
NBSP = "\u00a0"

C1, C2 = "taux_retour_emploi_6m", "taux_retour_emploi_durable_6m"
A1, B1 = "demandeurs_fin_de_mois", "delai_inscription_diagnostic_median"
G = vx.DIMENSION_GROUPE
#: Labels without a dictionary: the code after its number.
L_C1, L_C2, L_A1 = (f"{n} – {c}" for n, c in (("C1", C1), ("C2", C2), ("A1", A1)))
#: the demo accounts, but for the committee a test one of Haute-Garonne, the département of the
#: hand-made warehouse and the densest of the test demo warehouse (far sparser than the demo)
UTILISATEURS = {u.identifiant: u for u in UTILISATEURS_DEMO if u.role != COMITE}
UTILISATEURS["comite31"] = Utilisateur("comite31", "Test – comité Haute-Garonne", COMITE, "DEPARTEMENT", "31")

# =============================================================================================
# Pure functions, hand-made frames


def cellule(indicateur=C2, periode=MOIS[0], modalite="ensemble", dimension=None, numerateur=None,
            denominateur=None, valeur=None, unite="taux", provisoire=False, secret=False,
            niveau="DEPARTEMENT", territoire="31", libelle="Haute-Garonne") -> dict:
    """One cell; a ratio's value is computed from its parts unless given."""
    if valeur is None and not secret and numerateur is not None:
        valeur = numerateur if unite == "nombre" else (numerateur / denominateur if denominateur else None)
    return {
        "indicateur": indicateur, "periode": periode, "niveau": niveau, "territoire": territoire,
        "libelle": libelle, "dimension": dimension or ("ensemble" if modalite == "ensemble" else G),
        "modalite": modalite, "numerateur": None if secret else numerateur,
        "denominateur": None if secret else denominateur, "valeur": None if secret else valeur,
        "unite": unite, "provisoire": provisoire, "secret": secret,
    }


def cadre(lignes: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(lignes, schema=vues.SCHEMA_CELLULE)


def test_mois_definitifs_et_cohorte_par_defaut():
    serie = cadre([cellule(periode=m, numerateur=10, denominateur=40, provisoire=i >= 2) for i, m in enumerate(MOIS)])
    assert vp.dernier_definitif(serie)["periode"] == MOIS[1]
    assert vre.premier_mois_provisoire(serie) == MOIS[2]
    # The default cohort is the latest final one, not the chosen (provisional) month...
    assert vre.cohorte_par_defaut(serie, MOIS[3]) == MOIS[1]
    assert vre.cohorte_par_defaut(serie, MOIS[0]) == MOIS[0]
    # ...unless every month is provisional.
    assert vre.cohorte_par_defaut(serie.with_columns(provisoire=pl.lit(True)), MOIS[3]) == MOIS[3]
    assert vre.cohorte_par_defaut(serie.head(0), MOIS[3]) is None


def test_dernier_mois_par_indicateur():
    cellules = cadre([cellule(indicateur="a", periode=MOIS[1], numerateur=1, denominateur=20),
                      cellule(indicateur="a", periode=MOIS[2], numerateur=1, denominateur=20),
                      cellule(indicateur="b", periode=MOIS[1], numerateur=1, denominateur=20),
                      cellule(indicateur="a", periode=MOIS[3], numerateur=1, denominateur=20)])
    choisies = vp.dernier_mois(cellules, MOIS[2])
    assert sorted(zip(choisies["indicateur"], choisies["periode"])) == [("a", MOIS[2]), ("b", MOIS[1])]


def test_part_de_la_cohorte():
    ensemble = cadre([cellule(modalite="ensemble", numerateur=60, denominateur=100)])
    modalites = cadre([
        cellule(modalite="EMPLOI", dimension="parcours", numerateur=60, denominateur=60),
        cellule(modalite="aucun", dimension="parcours", numerateur=0, denominateur=32),
        cellule(modalite="SOCIAL", dimension="parcours", secret=True),
    ])
    parts = {c["modalite"]: c for c in vp.part_de_la_cohorte(modalites, ensemble).to_dicts()}
    assert parts["EMPLOI"]["valeur"] == pytest.approx(0.6)
    assert (parts["aucun"]["numerateur"], parts["aucun"]["denominateur"]) == (32, 100)
    assert parts["SOCIAL"]["secret"] and parts["SOCIAL"]["valeur"] is None
    # A secret whole cohort makes every share secret (its denominator is unknown).
    secret = vp.part_de_la_cohorte(modalites, cadre([cellule(secret=True)]))
    assert secret["secret"].all() and secret["valeur"].is_null().all()
    tableau = vp.tableau_part_cohorte(vp.part_de_la_cohorte(modalites, ensemble))
    assert set(tableau["Ventilation"]) == {"Parcours (part de la cohorte)"}
    assert vp.part_de_la_cohorte(modalites, ensemble.head(0)).height == 0


def test_barres_groupees_secret_mise_en_avant_et_survol():
    cellules = cadre([
        cellule(indicateur=C1, modalite="RSA", dimension="allocation", numerateur=40, denominateur=100),
        cellule(indicateur=C1, modalite="ARE", dimension="allocation", secret=True),
        cellule(indicateur=C2, modalite="RSA", dimension="allocation", numerateur=20, denominateur=100),
        cellule(indicateur=C2, modalite="ARE", dimension="allocation", numerateur=30, denominateur=120),
    ])
    fig = vp.figure_barres_groupees(cellules, mise_en_avant="RSA")
    assert [t.name for t in fig.data] == [L_C1, L_C2]
    c1 = fig.data[0]
    assert list(c1.y) == ["ARE", "<b>RSA</b>"]
    assert c1.x[0] is None and c1.text[0] == "s"  # secret: no bar...
    assert [(a.text, a.y) for a in fig.layout.annotations] == [("s", -0.2)]  # ...« s » in its place
    assert c1.x[1] == pytest.approx(0.4) and c1.text[1] == f"40,0{NBSP}%"
    assert "40 sur 100" in c1.hovertext[1]
    assert list(c1.marker.line.width) == [0, 2.5]
    # Room after the longest bar for its label.
    assert fig.layout.xaxis.range[1] > 0.4


def test_empilee_ordre_provisoire_et_secret():
    serie = cadre([
        cellule(indicateur="en_attente_diagnostic", periode=m, dimension="attente", modalite=mod,
                numerateur=v, unite="nombre", provisoire=m == MOIS[1], secret=v < 11)
        for m in MOIS[:2] for mod, v in (("90j_plus", 40), ("moins_30j", 120), ("30_89j", 5))
    ])
    fig = vp.figure_empilee(serie)
    # Waiting bands in their natural order, not by code.
    assert [t.name for t in fig.data] == ["Moins de 30 jours", "30 à 89 jours", "90 jours et plus"]
    assert list(fig.data[1].y) == [None, None] and all(" : s" in h for h in fig.data[1].hovertext)
    assert list(fig.data[0].marker.pattern.shape) == ["", "/"]
    assert fig.layout.barmode == "stack"
    assert list(fig.layout.xaxis.ticktext) == ["janv. 2025", "févr. 2025"]


def test_references_et_lancement_sur_une_serie():
    serie = cadre([cellule(periode=m, numerateur=10, denominateur=40) for m in MOIS])
    fig = vre.ajouter_references(vues.figure_serie(serie), [(0.24, "région pilote"), (0.17, "France")])
    assert [s.y0 for s in fig.layout.shapes] == [0.24, 0.17]
    assert [a.text for a in fig.layout.annotations] == ["région pilote", "France"]
    assert len(vx.ajouter_debut(vues.figure_serie(serie), MOIS[2], "lancement").layout.shapes) == 1
    # A start outside the months drawn adds nothing (the page says it in words).
    assert not vx.ajouter_debut(vues.figure_serie(serie), date(2024, 4, 1), "lancement").layout.shapes


REFS = pl.DataFrame([
    {"indicateur": C2, "territoire": "93", "modalite": "ensemble", "valeur": 0.24, "source": "CSE PACA",
     "annee": 2024, "niveau": "REGION", "dimension": "ensemble", "commentaire": "bRSA, région pilote"},
    {"indicateur": C2, "territoire": "FR", "modalite": "ensemble", "valeur": 0.17, "source": "CSE PACA",
     "annee": 2024, "niveau": "NATIONAL", "dimension": "ensemble", "commentaire": "bRSA"},
    {"indicateur": C2, "territoire": "FR", "modalite": "EMPLOI", "valeur": 0.21, "source": "CSE PACA",
     "annee": 2024, "niveau": "NATIONAL", "dimension": "parcours", "commentaire": "bRSA, parcours emploi"},
    {"indicateur": C1, "territoire": "FR", "modalite": "ensemble", "valeur": 0.43, "source": "CSE PACA",
     "annee": 2024, "niveau": "NATIONAL", "dimension": "ensemble", "commentaire": "bRSA"},
    {"indicateur": "repartition_orientation", "territoire": "FR", "modalite": "FT", "valeur": 0.74,
     "source": "FT", "annee": 2025, "niveau": "NATIONAL", "dimension": "operateur_retenu", "commentaire": "janv."},
    {"indicateur": "repartition_orientation", "territoire": "FR", "modalite": "CD|CAP_EMPLOI", "valeur": 0.03,
     "source": "FT", "annee": 2025, "niveau": "NATIONAL", "dimension": "operateur_retenu", "commentaire": "janv."},
    {"indicateur": "repartition_orientation", "territoire": "76", "modalite": "FT", "valeur": 0.80,
     "source": "CSE", "annee": 2025, "niveau": "REGION", "dimension": "operateur_retenu", "commentaire": "janv."},
])


def test_references_rsa_et_tableau():
    assert [vre.lieu_reference(r) for r in vre.references_rsa(REFS, C2)] == ["région pilote", "France"]
    assert [r["valeur"] for r in vre.references_rsa(REFS, C2, "parcours", "EMPLOI")] == [0.21]
    assert vre.libelle_reference(vre.references_rsa(REFS, C2)[0]) == f"24{NBSP}% – région pilote (2024)"
    cellules = cadre([
        cellule(indicateur=C2, modalite="RSA", dimension="allocation", numerateur=30, denominateur=120),
        cellule(indicateur=C1, modalite="RSA", dimension="allocation", secret=True),
        cellule(indicateur=C2, numerateur=90, denominateur=300),
    ])
    tableau = vre.tableau_rsa(cellules, REFS, [C1, C2], "31 – Haute-Garonne")
    lignes = {r["Population"]: r for r in tableau.to_dicts()}
    rsa = lignes["Bénéficiaires du RSA – 31 – Haute-Garonne"]
    assert rsa[L_C1] == "s" and rsa[L_C2] == f"25,0{NBSP}% (30 sur 120)"
    assert lignes["Toutes les personnes accompagnées – 31 – Haute-Garonne"][L_C1] == "–"
    pilote = lignes["bRSA en accompagnement rénové – région pilote (référence 2024)"]
    assert (pilote[L_C1], pilote[L_C2]) == ("–", f"24{NBSP}%")
    assert lignes["bRSA en accompagnement rénové – France (référence 2024)"][L_C1] == f"43{NBSP}%"
    assert list(tableau["Population"])[-1].endswith("France (référence 2024)")


def test_references_de_la_repartition():
    valeurs, source = vp.references_repartition(REFS, "76")
    assert valeurs == {"FT": 0.80} and source["territoire"] == "76"
    valeurs, source = vp.references_repartition(REFS, "31")
    assert valeurs == {"FT": 0.74} and source["territoire"] == "FR"  # « CD|CAP_EMPLOI » applies to none
    assert vp.references_repartition(REFS.head(0), "76") == ({}, None)


EXPERIMENTATIONS = pl.DataFrame({
    "code_agence": ["31001", "31002", "34001", "13050"],
    "libelle_agence": ["Toulouse", "Muret", "Pézenas", "Marseille"],
    "experimentation": ["MSA", "MSA", "MSA", "RSA_RENOVE"],
    "modalite": ["MODELE_1", "MODELE_2", "MODELE_1", None],
    "date_debut": [MOIS[2], MOIS[2], MOIS[2], MOIS[1]],
    "code_region": ["76", "76", "76", "93"], "code_departement": ["31", "31", "34", "13"],
    "code_ze2020": ["7601", "7602", "7601", "9312"],
})


def test_agences_de_l_experimentation_par_territoire():
    assert vx.agences_experimentation(EXPERIMENTATIONS, "NATIONAL", "FR").height == 3  # MSA only
    membres = vx.agences_experimentation(EXPERIMENTATIONS, "DEPARTEMENT", "31")
    assert dict(zip(membres["code_agence"], membres["groupe"])) == {"31001": "MSA_MODELE_1", "31002": "MSA_MODELE_2"}
    assert vx.agences_experimentation(EXPERIMENTATIONS, "BASSIN", "7601")["code_agence"].to_list() == ["34001", "31001"]
    assert vx.agences_experimentation(EXPERIMENTATIONS, "REGION", "93").height == 0
    assert vx.date_debut(membres) == MOIS[2] and vx.date_debut(membres.head(0)) is None
    tableau = vx.tableau_agences(membres)
    assert tableau.row(0) == ("Toulouse", "31001", "MSA modèle 1", "1er mars 2025")


MEMBRES = vx.agences_experimentation(EXPERIMENTATIONS, "DEPARTEMENT", "31")
DEBUT = MOIS[2]


def _groupes_et_agences(secret_31002: bool = False):
    """Two months before the start (only TEMOIN in the breakdown), two after."""
    groupes, agences = [], []
    for m in MOIS:
        if m < DEBUT:
            groupes.append(cellule(periode=m, modalite="TEMOIN", numerateur=100, denominateur=400))
            groupes.append(cellule(indicateur=A1, periode=m, modalite="TEMOIN", numerateur=1000, unite="nombre"))
            groupes.append(cellule(indicateur=B1, periode=m, modalite="TEMOIN", numerateur=300, denominateur=400,
                                   valeur=25.0, unite="jours"))
            for code, num, den, a1 in (("31001", 30, 100, 300), ("31002", 3, 9, 8)):
                secret = secret_31002 and code == "31002"
                agences.append(cellule(periode=m, niveau="AGENCE", territoire=code, numerateur=num,
                                       denominateur=den, secret=secret))
                agences.append(cellule(indicateur=A1, periode=m, niveau="AGENCE", territoire=code, numerateur=a1,
                                       unite="nombre", secret=secret))
                agences.append(cellule(indicateur=B1, periode=m, niveau="AGENCE", territoire=code, numerateur=5,
                                       denominateur=9, valeur=20.0, unite="jours"))
        else:
            for groupe, num, den in (("MSA_MODELE_1", 40, 100), ("MSA_MODELE_2", 5, 10), ("TEMOIN", 70, 290)):
                groupes.append(cellule(periode=m, modalite=groupe, numerateur=num, denominateur=den,
                                       provisoire=m == MOIS[3]))
    return cadre(groupes), cadre(agences)


def test_serie_experimentation_avant_le_lancement():
    groupes, agences = _groupes_et_agences()
    serie = vx.serie_experimentation(groupes, agences, MEMBRES, DEBUT)
    avant = {(c["indicateur"], c["modalite"]): c for c in serie.filter(pl.col("periode") == MOIS[0]).to_dicts()}
    # Each model before the start: the sum of its agencies.
    assert (avant[(C2, "MSA_MODELE_1")]["numerateur"], avant[(C2, "MSA_MODELE_1")]["denominateur"]) == (30, 100)
    assert avant[(C2, "MSA_MODELE_2")]["valeur"] == pytest.approx(3 / 9)
    assert avant[(C2, "MSA_MODELE_1")]["source"] == vx.SOURCE_SOMME_AGENCES
    assert (avant[(C2, "MSA_MODELE_1")]["niveau"], avant[(C2, "MSA_MODELE_1")]["territoire"]) == ("DEPARTEMENT", "31")
    # The témoin before the start: every agency minus the experiment's.
    temoin = avant[(C2, "TEMOIN")]
    assert (temoin["numerateur"], temoin["denominateur"]) == (100 - 33, 400 - 109)
    assert temoin["valeur"] == pytest.approx(67 / 291) and temoin["source"] == vx.SOURCE_TEMOIN_CORRIGE
    assert avant[(A1, "TEMOIN")]["valeur"] == 1000 - 308 and avant[(A1, "MSA_MODELE_2")]["valeur"] == 8
    assert avant[(A1, "TEMOIN")]["denominateur"] is None
    # A median does not add up: no model before the start, the témoin keeps every agency.
    assert (B1, "MSA_MODELE_1") not in avant
    assert avant[(B1, "TEMOIN")]["valeur"] == 25.0 and avant[(B1, "TEMOIN")]["source"] == vx.SOURCE_TEMOIN_BRUT
    # Since the start: the breakdown as it is, groups in their order.
    apres = serie.filter((pl.col("periode") == MOIS[2]) & (pl.col("indicateur") == C2))
    assert apres["modalite"].to_list() == list(vx.GROUPES)
    assert set(apres["source"]) == {vx.SOURCE_VENTILATION}
    assert apres["numerateur"].to_list() == [40, 5, 70]


def test_serie_experimentation_secret_d_une_agence():
    groupes, agences = _groupes_et_agences(secret_31002=True)
    serie = vx.serie_experimentation(groupes, agences, MEMBRES, DEBUT)
    avant = {(c["indicateur"], c["modalite"]): c for c in serie.filter(pl.col("periode") == MOIS[0]).to_dicts()}
    # The model made of a secret agency is « s », and so is a count that would need it...
    for cle in ((C2, "MSA_MODELE_2"), (A1, "MSA_MODELE_2"), (A1, "TEMOIN")):
        assert avant[cle]["secret"] and avant[cle]["valeur"] is None and avant[cle]["numerateur"] is None, cle
    # ...while a ratio keeps the breakdown's cell of every agency, said so.
    assert avant[(C2, "TEMOIN")]["valeur"] == pytest.approx(0.25)
    assert avant[(C2, "TEMOIN")]["source"] == vx.SOURCE_TEMOIN_BRUT
    assert not avant[(C2, "MSA_MODELE_1")]["secret"]
    detail = vx.tableau_detail_sources(serie)
    assert detail.columns[-1] == "Source" and detail.height == serie.height
    assert "s" in detail.filter(pl.col("Source") == vx.SOURCE_SOMME_AGENCES)["Valeur"].to_list()


def test_serie_experimentation_sans_mois_avant():
    groupes, agences = _groupes_et_agences()
    serie = vx.serie_experimentation(groupes, agences, MEMBRES, MOIS[0])
    assert set(serie["source"]) == {vx.SOURCE_VENTILATION} and serie.height == groupes.height
    assert vx.serie_experimentation(groupes.head(0), agences, MEMBRES, DEBUT).height == 0


def test_bilan_avant_apres():
    groupes, agences = _groupes_et_agences()
    serie = vx.serie_experimentation(groupes, agences, MEMBRES, DEBUT)
    bilan = {(b["indicateur"], b["modalite"]): b for b in vx.bilan_avant_apres(serie, DEBUT, MOIS[3]).to_dicts()}
    m1, temoin = bilan[(C2, "MSA_MODELE_1")], bilan[(C2, "TEMOIN")]
    # Ratios pool the months; the provisional month after the start is left out.
    assert m1["valeur_avant"] == pytest.approx(60 / 200) and m1["valeur_apres"] == pytest.approx(0.4)
    assert (m1["mois_avant"], m1["mois_retenus_avant"], m1["mois_apres"]) == (2, 2, 1)
    assert temoin["valeur_avant"] == pytest.approx(134 / 582) and temoin["valeur_apres"] == pytest.approx(70 / 290)
    assert m1["evolution"] == pytest.approx(0.1)
    assert m1["ecart_temoin"] == pytest.approx(0.1 - (70 / 290 - 134 / 582))
    assert temoin["ecart_temoin"] is None
    assert bilan[(A1, "TEMOIN")]["valeur_avant"] == 692  # counts: the monthly mean
    assert bilan[(A1, "TEMOIN")]["valeur_apres"] is None and bilan[(A1, "TEMOIN")]["mois_apres"] == 0
    tableau = {(r["Indicateur"], r["Groupe"]): r for r in
               vx.tableau_avant_apres(vx.bilan_avant_apres(serie, DEBUT, MOIS[3])).to_dicts()}
    ligne = tableau[(L_C2, "MSA modèle 1")]
    assert (ligne["Avant le lancement"], ligne["Depuis le lancement"]) == (f"30,0{NBSP}%", f"40,0{NBSP}%")
    assert ligne["Évolution"] == f"+10,0{NBSP}pt" and ligne["Mois retenus (depuis)"] == "1"
    assert tableau[(L_A1, "Autres agences des mêmes régions (témoin)")]["Mois retenus (depuis)"] == "aucun"
    temoin = tableau[(L_C2, "Autres agences des mêmes régions (témoin)")]
    assert temoin["Évolution comparée au témoin"] == "référence"


def test_bilan_mois_secrets_ecartes():
    groupes, agences = _groupes_et_agences(secret_31002=True)
    serie = vx.serie_experimentation(groupes, agences, MEMBRES, DEBUT)
    b = vx.bilan_avant_apres(serie, DEBUT, MOIS[3]).filter(
        (pl.col("indicateur") == C2) & (pl.col("modalite") == "MSA_MODELE_2")).row(0, named=True)
    assert (b["mois_avant"], b["mois_retenus_avant"], b["valeur_avant"]) == (2, 0, None)
    tableau = vx.tableau_avant_apres(vx.bilan_avant_apres(serie, DEBUT, MOIS[3]))
    ligne = tableau.filter((pl.col("Indicateur") == L_C2) & (pl.col("Groupe") == "MSA modèle 2")).row(0, named=True)
    assert ligne["Mois retenus (avant)"] == "0 sur 2" and ligne["Avant le lancement"] == "–"


def test_texte_des_mois_avant_le_lancement():
    debut = date(2024, 4, 1)
    n, texte = vx.texte_mois_avant([date(2025, 10, 1), date(2025, 11, 1)], debut)
    assert n == 0 and "aucun mois « avant »" in texte and "oct. 2025" in texte
    n, texte = vx.texte_mois_avant([date(2024, m, 1) for m in range(1, 8)], debut)
    assert n == 3 and "Seulement 3 mois" in texte and "janv. 2024 – mars 2024" in texte
    n, texte = vx.texte_mois_avant([date(2023, m, 1) for m in range(1, 13)], debut)
    assert n == 12 and texte.startswith("12 mois avant le lancement")
    assert vx.texte_mois_avant([], debut)[0] == 0


# =============================================================================================
# The pages in AppTest

#: Indicators and breakdowns added to the hand-made warehouse (A1 and B1 ``ensemble`` are there).
OPERATEURS = ["FT", "ML", "CD", "CAP_EMPLOI"]
PARCOURS = ["EMPLOI", "SOCIO_PRO", "SOCIAL"]
ALLOCATIONS = ["RSA", "ARE", "ASS"]
AJOUTS = {
    "entrees": ("nombre", {"canal_inscription": ["EN_LIGNE", "AGENCE", "PARTENAIRE"]}),
    "taux_diagnostic_30j": ("taux", {G: None}),
    "en_attente_diagnostic": ("nombre", {"attente": ["moins_30j", "30_89j", "90j_plus"]}),
    "orientations_initiales": ("nombre", {"operateur_retenu": OPERATEURS}),
    "repartition_orientation": ("taux", {"operateur_retenu": OPERATEURS, "parcours_retenu": PARCOURS}),
    "taux_ecart_algorithme": ("taux", {"operateur_propose": OPERATEURS}),
    "taux_contrat_engagement_1_mois": ("taux", {"operateur_retenu": OPERATEURS, "allocation": ALLOCATIONS}),
    "taux_entree_parcours_15j": ("taux", {"parcours": PARCOURS + ["aucun"], G: None, "allocation": ALLOCATIONS}),
    "en_attente_parcours": ("nombre", {"allocation": ALLOCATIONS}),
    "accompagnements_en_cours": ("nombre", {"operateur": OPERATEURS, "parcours": PARCOURS,
                                            "modalite": ["SUIVI", "GUIDE", "RENFORCE"], "allocation": ALLOCATIONS}),
    "part_accompagnement_intensif": ("taux", {"operateur": OPERATEURS, "parcours": PARCOURS, "allocation": ALLOCATIONS}),
    "taux_contrat_engagement_stock": ("taux", {"allocation": ALLOCATIONS}),
    "reorientations": ("nombre", {"motif_reorientation": ["DIAGNOSTIC", "CORDE_DE_RAPPEL", "DEMANDE_PERSONNE"]}),
    C1: ("taux", {"operateur": OPERATEURS, "parcours": PARCOURS, "allocation": ALLOCATIONS, G: None}),
    C2: ("taux", {"operateur": OPERATEURS, "parcours": PARCOURS, "allocation": ALLOCATIONS, G: None}),
    A1: ("nombre", {G: None}),
    B1: ("jours", {G: None}),
}
#: Population of each territory (a size, then split among modalities: the last one small).
TAILLES = {("NATIONAL", "FR"): 900, ("REGION", "76"): 600, ("DEPARTEMENT", "31"): 380,
           ("DEPARTEMENT", "34"): 220, ("REGION", "84"): 300, ("DEPARTEMENT", "69"): 300}
AGENCES_MSA = {"31001": ("MSA_MODELE_1", 300), "31002": ("MSA_MODELE_2", 9)}  # 31002: secret figures
PARTS = (0.6, 0.25, 0.13, 0.02)


def _secret(unite: str, num, den, valeur) -> bool:
    """The contract's primary rule (threshold 11)."""
    if unite == "nombre":
        return valeur is not None and 1 <= valeur <= 10
    if unite == "taux":
        return den < 11 or 1 <= num <= 10
    return den < 11


def _ligne(indicateur, unite, periode, niveau, territoire, dimension, modalite, taille, rang, prov):
    taux = min(0.95, 0.3 + 0.05 * rang + 0.02 * MOIS.index(periode))
    if unite == "nombre":
        num, den, valeur = float(taille), None, float(taille)
    elif unite == "jours":
        num, den, valeur = round(taille * 0.8), float(taille), 20.0 + rang
    else:
        num, den = float(round(taille * taux)), float(taille)
        valeur = num / den if den else None
    return {"indicateur": indicateur, "periode": periode, "niveau": niveau, "territoire": territoire,
            "dimension": dimension, "modalite": modalite, "numerateur": num, "denominateur": den,
            "valeur": valeur, "unite": unite, "provisoire": prov}


def _groupes(niveau: str, territoire: str, taille: int, periode: date) -> list[tuple[str, int]]:
    """Experiment groups of a territory and their sizes (MSA agencies of 31 only)."""
    if (niveau, territoire) in (("REGION", "84"), ("DEPARTEMENT", "69")):
        return [("HORS_PERIMETRE", taille)]
    dedans = [] if territoire == "34" else list(AGENCES_MSA.values())
    if periode < DEBUT or not dedans:
        return [("TEMOIN", taille)]
    return dedans + [("TEMOIN", taille - sum(t for _, t in dedans))]


def completer_entrepot(path: Path) -> None:
    """Add the cells of these pages (internal and published), the experiment's agencies and the
    reference values to the hand-made warehouse."""
    lignes = []
    for indicateur, (unite, ventilations) in AJOUTS.items():
        for periode in MOIS:
            prov = periode == MOIS[-1] or (indicateur in (C1, C2) and periode >= MOIS[2])
            for (niveau, territoire), taille in TAILLES.items():
                if indicateur not in (A1, B1) and not (indicateur == "entrees" and niveau == "REGION"):
                    lignes.append(_ligne(indicateur, unite, periode, niveau, territoire, "ensemble", "ensemble",
                                         taille, 0, prov))
                for dimension, modalites in ventilations.items():
                    paires = (_groupes(niveau, territoire, taille, periode) if modalites is None else
                              [(m, max(1, round(taille * p))) for m, p in zip(modalites, PARTS)])
                    for rang, (modalite, part) in enumerate(paires):
                        lignes.append(_ligne(indicateur, unite, periode, niveau, territoire, dimension, modalite,
                                             part, rang, prov))
            if unite == "taux" and G in ventilations:  # the agencies, for the months before the start
                for code, (_, taille) in AGENCES_MSA.items():
                    lignes.append(_ligne(indicateur, unite, periode, "AGENCE", code, "ensemble", "ensemble",
                                         taille, 0, prov))
    schema = {k: v for k, v in vues.SCHEMA_CELLULE.items() if k not in ("libelle", "secret")}
    internes = pl.DataFrame(lignes, schema=schema).with_columns(type_periode=pl.lit("mois"))
    publiees = internes.with_columns(
        secret=pl.Series([_secret(r["unite"], r["numerateur"], r["denominateur"], r["valeur"]) for r in lignes])
    ).with_columns([pl.when(pl.col("secret")).then(None).otherwise(pl.col(c)).alias(c)
                    for c in ("numerateur", "denominateur", "valeur")])
    con = duckdb.connect(str(path))
    try:
        con.register("internes", internes.to_arrow())
        con.register("publiees", publiees.to_arrow())
        con.execute("insert into marts.indicateurs by name select * from internes")
        con.execute("insert into publication.indicateurs by name select * from publiees")
        con.execute("create table if not exists referentiel.experimentations (code_agence varchar, "
                    "libelle_agence varchar, experimentation varchar, modalite varchar, date_debut date)")
        con.executemany("insert into referentiel.experimentations values (?, ?, 'MSA', ?, ?)",
                        [[code, f"Agence {code}", groupe.removeprefix("MSA_"), DEBUT]
                         for code, (groupe, _) in AGENCES_MSA.items()])
        for nom, texte in (("valeurs_reference", False), ("listes_codes", True)):
            con.execute(f"create table if not exists referentiel.{nom} as select * from read_csv(?, all_varchar = ?)",
                        [str(SEEDS / f"{nom}.csv"), texte])
    finally:
        con.close()


@pytest.fixture(scope="module")
def entrepot_parcours(tmp_path_factory) -> Path:
    """Built once for the module: the pages only read it."""
    chemin = tmp_path_factory.mktemp("parcours") / "socle.duckdb"
    construire_entrepot(chemin)
    completer_entrepot(chemin)
    return chemin


PAGES = {
    "parcours": ("Parcours", "parcours_onglet",
                 ["Entrées et demandeurs", "Attente et délais", "Orientation", "Contrat et réorientations",
                  "Accompagnements", "Suivi du RSA"]),
    "retour_emploi": ("Retour à l'emploi", "retour_emploi_onglet",
                      ["Par opérateur", "Par parcours", "Par modalité d'accompagnement", "Par allocation",
                       "Bénéficiaires du RSA"]),
    "experimentations": ("Expérimentations", "experimentations_onglet",
                         ["Délai jusqu'au diagnostic", "Entrée en parcours", "Retour à l'emploi", "Volumes"]),
}


def ouvrir(monkeypatch, warehouse: Path, identifiant: str, page: str, mois: date | None = None) -> AppTest:
    """The app signed in as a demo user, on ``page``, for the month ``mois`` (else the default)."""
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["utilisateur"] = UTILISATEURS[identifiant]
    at.run()
    at.switch_page(f"ecrans/{page}.py").run()
    if mois is not None and at.sidebar.selectbox:
        at.sidebar.selectbox[-1].set_value(mois).run()
    return at


#: The indicators of the three pages.
INDICATEURS_PAGES = sorted(set(AJOUTS) | {"entrees"})
COLONNES_DETAIL = ["Indicateur", "Territoire", "Mois", "Ventilation", "Modalité"]


def cellules_publiees(warehouse: Path, utilisateur) -> pl.DataFrame:
    """The published cells a page can show to ``utilisateur``: its territory's and its parent's
    (all breakdowns), with the territories' labels."""
    publie = Perimetre(table=TABLE_PUBLIEE, publie=True)
    niveau, code = utilisateur.territoire_niveau, utilisateur.territoire_code
    parent = data.extraire_parent(warehouse, publie, INDICATEURS_PAGES, niveau, code, dimension=None)
    return pl.concat([data.extraire(warehouse, publie, INDICATEURS_PAGES, niveau, [code], dimension=None), parent])


def verifier_publie(at: AppTest, warehouse: Path, utilisateur) -> tuple[int, int]:
    """Every displayed row that is a published cell shows its published figure (« s » when
    secret); every point whose hover says « s » is not drawn. Returns the numbers of secret
    rows and of secret points seen."""
    dico = {r["indicateur"]: r for r in data_metadonnees.dictionnaire(warehouse).to_dicts()}
    publiees = cellules_publiees(warehouse, utilisateur)
    attendu = vues.tableau_detail(publiees, data_metadonnees.libelles_modalites(warehouse), dico)
    attendu = {tuple(r[c] for c in COLONNES_DETAIL): r for r in attendu.to_dicts()}
    lignes_secretes = 0
    for tableau in at.dataframe:
        df = tableau.value
        if not set(COLONNES_DETAIL) <= set(df.columns):
            continue
        for r in df.to_dict("records"):
            if r.get("Source") not in (None, vx.SOURCE_VENTILATION) or r["Ventilation"].endswith("de la cohorte)"):
                continue  # built from several cells: their secret is tested on hand-made frames
            cle = tuple(r[c] for c in COLONNES_DETAIL)
            assert cle in attendu, cle
            for colonne in ("Valeur", "Numérateur", "Dénominateur"):
                assert r[colonne] == attendu[cle][colonne], (cle, colonne, r[colonne], attendu[cle][colonne])
            lignes_secretes += r["Valeur"] == "s"
    points_secrets = 0
    for graphique in at.get("plotly_chart"):
        for trace in json.loads(graphique.proto.spec)["data"]:
            survols = trace.get("hovertext") or trace.get("text") or []
            valeurs = trace.get("x") if trace.get("orientation") == "h" else trace.get("y")
            for survol, valeur in zip(survols if isinstance(survols, list) else [], valeurs or []):
                if isinstance(survol, str) and " : s" in survol:
                    assert valeur is None, survol
                    points_secrets += 1
    return lignes_secretes, points_secrets


def parcourir(at: AppTest, page: str):
    """Run every tab of the page (only the open one is drawn); yields the tab's label."""
    _, cle, onglets = PAGES[page]
    for onglet in onglets:
        if cle is not None:
            at.session_state[cle] = onglet
            at.run()
        yield onglet


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("identifiant", ["national", "dr76", "comite31"])
def test_page_pour_chaque_role(entrepot_parcours, monkeypatch, identifiant, page):
    titre = PAGES[page][0]
    at = ouvrir(monkeypatch, entrepot_parcours, identifiant, page, mois=MOIS[3])
    secrets = [0, 0]
    for onglet in parcourir(at, page):
        assert not at.exception, (onglet, [e.value for e in at.exception])
        assert not at.error, (onglet, [e.value for e in at.error])
        assert at.title[0].value == titre
        assert at.get("plotly_chart"), (onglet, "aucun graphique")
        if UTILISATEURS[identifiant].perimetre.publie:
            vus = verifier_publie(at, entrepot_parcours, UTILISATEURS[identifiant])
            secrets = [a + b for a, b in zip(secrets, vus)]
    if UTILISATEURS[identifiant].perimetre.publie:
        # The small cells of the fixture (agency 31002, the last modality) were really met.
        assert secrets[0] > 0 and secrets[1] > 0, secrets
    else:
        assert "s" not in {v for t in at.dataframe for v in t.value.get("Valeur", [])}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_sans_donnee_pour_le_perimetre(entrepot_parcours, monkeypatch, page):
    """The CSE of PACA has no cell in the hand-made warehouse: words, no chart, no error."""
    at = ouvrir(monkeypatch, entrepot_parcours, "cse93", page)
    assert not at.exception and at.title[0].value == PAGES[page][0]
    assert not at.get("plotly_chart")
    assert any("Aucune donnée" in i.value for i in at.info)


def test_parcours_barres_du_mois_et_parts_de_cohorte(entrepot_parcours, monkeypatch):
    at = ouvrir(monkeypatch, entrepot_parcours, "dr76", "parcours", mois=MOIS[3])
    at.session_state["parcours_onglet"] = "Attente et délais"
    at.run()
    titres = [m.value for m in at.markdown]
    assert any("B8" in t and "part de la cohorte" in t and "avr. 2025" in t for t in titres), titres
    # A windowed indicator's provisional month is censored: its metric is the latest final month,
    # named, and the provisional figure follows in words, « not a result ».
    assert any(m.label.startswith("B8 – ") and m.label.endswith("– mars 2025") for m in at.metric)
    assert any(c.value.startswith("avr. 2025 : ") and "ce n'est pas un résultat" in c.value for c in at.caption)


def test_retour_emploi_cohorte_definitive_par_defaut(entrepot_parcours, monkeypatch):
    at = ouvrir(monkeypatch, entrepot_parcours, "dr76", "retour_emploi", mois=MOIS[3])
    cohorte = at.selectbox(key="retour_cohorte_REGION:76_2025-04")
    assert cohorte.value == MOIS[1]  # C1 and C2 are provisional from March
    fenetre = at.info[0].value
    assert "mars 2025" in fenetre and "sous-estimés" in fenetre and "février 2025" in fenetre
    assert any("cohorte de févr. 2025" in m.value for m in at.markdown)
    at.session_state["retour_emploi_onglet"] = "Par allocation"
    at.run()
    assert any("Bénéficiaires du RSA encadrés" in c.value for c in at.caption)
    at.session_state["retour_emploi_onglet"] = "Bénéficiaires du RSA"
    at.run()
    tableau = next(t.value for t in at.dataframe if "Population" in t.value.columns)
    assert tableau["Population"].tolist()[0] == "Bénéficiaires du RSA – Occitanie"
    assert any("référence" in p for p in tableau["Population"])
    # The reference lines of the published figures are drawn (region pilot and France).
    lignes = [f for g in at.get("plotly_chart") for f in json.loads(g.proto.spec)["layout"].get("shapes", [])]
    assert lignes and all(f["xref"] == "paper" for f in lignes)


def test_experimentations_avant_et_apres(entrepot_parcours, monkeypatch):
    at = ouvrir(monkeypatch, entrepot_parcours, "dr76", "experimentations", mois=MOIS[3])
    assert any("Seulement 2 mois avant le lancement" in w.value for w in at.warning)
    bilan = next(t.value for t in at.dataframe if "Évolution comparée au témoin" in t.value.columns)
    assert set(bilan["Groupe"]) == {"MSA modèle 1", "MSA modèle 2", "Autres agences des mêmes régions (témoin)"}
    assert bilan["Indicateur"].str[:2].unique().tolist() == ["B1", "B2", "B8", "C1", "C2", "A1"]  # reading order
    sources, graphiques = set(), 0
    for _ in parcourir(at, "experimentations"):
        sources |= {s for t in at.dataframe if "Source" in t.value.columns for s in t.value["Source"]}
        graphiques += len(at.get("plotly_chart"))
        # Every chart has the start line.
        assert all(json.loads(g.proto.spec)["layout"].get("shapes") for g in at.get("plotly_chart"))
    assert graphiques == 6
    assert {vx.SOURCE_VENTILATION, vx.SOURCE_SOMME_AGENCES, vx.SOURCE_TEMOIN_CORRIGE} <= sources
    # Internal view: model 1's figure before the start is its agency's.
    a1 = next(t.value for t in at.dataframe if "Source" in t.value.columns)
    avant = a1[(a1["Mois"] == "janv. 2025") & (a1["Modalité"] == "MSA modèle 1")]
    assert avant["Valeur"].tolist() == [f"{A1_AGENCES['31001']:,.0f}".replace(",", "\u202f")]


def test_experimentations_hors_des_regions(entrepot_parcours, monkeypatch):
    at = ouvrir(monkeypatch, entrepot_parcours, "national", "experimentations")
    at.sidebar.selectbox(key="sel_niveau").set_value("REGION").run()
    at.sidebar.selectbox(key="sel_territoire_REGION").set_value("84").run()
    assert not at.exception
    assert any("d'autres régions" in i.value for i in at.info)


# =============================================================================================
# The real demo warehouse (built once per session, ~90 s)


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("identifiant", list(UTILISATEURS))
def test_page_sur_l_entrepot_demo(entrepot_demo, monkeypatch, identifiant, page):
    at = ouvrir(monkeypatch, entrepot_demo, identifiant, page)
    publie = UTILISATEURS[identifiant].perimetre.publie
    for onglet in parcourir(at, page):
        assert not at.exception, (onglet, [e.value for e in at.exception])
        assert not at.error, (onglet, [e.value for e in at.error])
        assert at.title[0].value == PAGES[page][0]
        assert at.get("plotly_chart"), (onglet, "aucun graphique")
        if publie:
            verifier_publie(at, entrepot_demo, UTILISATEURS[identifiant])
    if page == "experimentations":
        # The demo starts after April 2024: no month before the start, said in words.
        assert any("aucun mois « avant »" in w.value for w in at.warning)
        # The evaluation: one row per indicator and model for a region or France (none can be
        # estimated without a month before the start), a sentence for a committee's territory.
        if UTILISATEURS[identifiant].perimetre.niveau in (None, "REGION"):
            evaluation = next(t.value for t in at.dataframe if "Écart estimé" in t.value.columns)
            assert len(evaluation) == 30 and set(evaluation["Conclusion"]) == {"pas d'estimation"}
        else:
            assert any("se lit sur une région ou sur la France" in i.value for i in at.info)
