"""Shapes of the Méthodologie page (no Streamlit): the dictionary, the quality checks, the
disclosure rule, the utility of the published view."""

from __future__ import annotations

import polars as pl

from dashboards import vues_methodologie

from .aide_cellules import M3, NBSP


def test_dictionnaire_ordre_familles_et_telechargement():
    dico = pl.DataFrame({
        "indicateur": ["reorientations", "en_attente_parcours", "alertes"],
        "numero": ["B12", "B9", "E1"],
        "famille": ["B. Réalisation", "B. Réalisation", "E. Détournement de finalité"],
        "libelle": ["Réorientations", "En attente de parcours", "Alertes"],
        "ventilations": ["motif_reorientation", "", "situation, examen, campagne"],
        "choix": ["Un.\nDeux.", None, ""],
    })
    familles = vues_methodologie.par_famille(dico)
    assert [f for f, _ in familles] == ["B. Réalisation", "E. Détournement de finalité"]
    assert [x["numero"] for x in familles[0][1]] == ["B9", "B12"]  # B12 after B9, not before
    assert vues_methodologie.libelles_ventilations("situation, examen") == "Situation à risque, Niveau d'examen"
    assert vues_methodologie.libelles_ventilations("") == "aucune"
    assert vues_methodologie.choix_en_liste("Un.\n\nDeux.") == ["Un.", "Deux."]
    tableau = vues_methodologie.tableau_dictionnaire(dico)
    assert tableau.columns[:2] == ["Numéro", "Code"] and tableau["Numéro"].to_list() == ["B9", "B12", "E1"]


def test_tableau_qualite_echecs_en_premier_et_details_reserves():
    resultats = pl.DataFrame([
        {"suite": "s", "cible": "c", "controle": "ok", "description": "", "severite": "bloquant", "succes": True,
         "details": "", "lignes": 10, "anomalies": 0},
        {"suite": "s", "cible": "c", "controle": "avert", "description": "", "severite": "avertissement",
         "succes": False, "details": "territoire 76, valeur 3", "lignes": 10, "anomalies": 1},
        {"suite": "s", "cible": "c", "controle": "bloq", "description": "", "severite": "bloquant", "succes": False,
         "details": "x", "lignes": 1234, "anomalies": 1},
    ])
    tableau = vues_methodologie.tableau_qualite(resultats)
    assert tableau["Contrôle"].to_list() == ["bloq", "avert", "ok"]
    # internal values and counts of every territory: national view only
    assert not {"Lignes", "Anomalies", "Détails"} & set(tableau.columns)
    complet = vues_methodologie.tableau_qualite(resultats, avec_details=True)
    assert complet["Lignes"][0] == "1\u202f234" and "Détails" in complet.columns


def test_regle_du_secret_et_horodatage():
    from datetime import datetime

    texte = vues_methodologie.texte_regle_secret(11)
    assert "entre 1 et 10" in texte and "inférieur à 11" in texte and "Secret secondaire" in texte
    assert vues_methodologie.texte_horodatage(datetime(2026, 12, 1, 23, 5)) == "1er décembre 2026 à 23 h 05"


def test_tableaux_de_l_utilite_du_secret():
    from pipelines.secret import utilite

    part = utilite.calculer_part_secret(pl.DataFrame({
        "niveau": ["AGENCE", "DEPARTEMENT", "DEPARTEMENT", "AGENCE"],
        "indicateur": ["demandeurs_fin_de_mois", "demandeurs_fin_de_mois", "alertes", "alertes"],
        "cellules": [1200, 10, 4, 3], "secretes": [300, 1, 2, 0],
    }))
    tableau = vues_methodologie.tableau_part_secret(part)
    assert tableau.columns == ["Niveau", "Cellules mensuelles", "Secrètes", "Part secrète", "Famille A", "Famille E"]
    assert tableau.rows() == [
        ("Département", "14", "3", f"21,4{NBSP}%", f"10,0{NBSP}%", f"50,0{NBSP}%"),
        ("Agence", "1\u202f203", "300", f"24,9{NBSP}%", f"25,0{NBSP}%", f"0,0{NBSP}%"),
    ]
    assert vues_methodologie.tableau_part_secret(part.clear()).height == 0

    v = utilite.calculer_visibilite(pl.DataFrame({
        "niveau": ["DEPARTEMENT", "DEPARTEMENT", "BASSIN"], "territoire": ["31", "34", "7601"],
        "periode": [M3] * 3, "indicateurs": [10, 20, 0], "visibles": [9, 10, 0],
    }))
    comites = vues_methodologie.tableau_visibilite_comites(v.synthese)
    assert comites["Périmètres"].to_list() == ["Départements", "Bassins d'emploi"]
    assert comites.row(0) == ("Départements", "2", f"70,0{NBSP}%", f"50,0{NBSP}%", f"1 (50,0{NBSP}%)",
                              f"63,3{NBSP}% (19 sur 30)")
    assert comites.columns[4] == f"À 90{NBSP}% ou plus"
    territoires = pl.DataFrame({"niveau": ["DEPARTEMENT"], "code": ["31"], "libelle": ["Haute-Garonne"]})
    detail = vues_methodologie.tableau_visibilite_perimetres(v.perimetres, territoires)
    # least visible first, no share (no 12-month cell) before all
    assert detail["Territoire"].to_list() == ["Bassin d'emploi 7601", "Département 34", "31 – Haute-Garonne"]
    assert detail["Part visible"].to_list() == ["–", f"50,0{NBSP}%", f"90,0{NBSP}%"]
    texte = vues_methodologie.texte_visibilite_departements(v.periode, v.synthese)
    assert "mars 2025" in texte and f"63,3{NBSP}%" in texte and "19 sur 30" in texte and f"objectif de 90{NBSP}% non atteint)" in texte
    assert "n'est pas mesurée" in vues_methodologie.texte_visibilite_departements(None, v.synthese)


def test_tableaux_non_diffuses_par_indicateur_et_ventilation():
    plan = pl.DataFrame({
        "indicateur": ["entrees", "entrees", "entrees", "taux_sanction_cre", "inconnu"],
        "dimension": ["tranche_age", "tranche_age", "tranche_age", "ensemble", "ensemble"],
        "niveau": ["AGENCE", "BASSIN", "AGENCE", "AGENCE", "REGION"],
        "type_periode": ["mois", "mois", "cumul_12_mois", "trimestre", "mois"],
    })
    dico = pl.DataFrame({"indicateur": ["taux_sanction_cre", "entrees"], "numero": ["D2", "A2"],
                         "libelle": ["Taux de sanction", "Entrées"]})
    t = vues_methodologie.tableau_non_diffuses(plan, dico)
    assert t.columns == ["Indicateur", "Ventilation", "Non diffusé pour", "Périodes"]
    # by number, levels from the top, periods from the shortest; a code missing from the dictionary as is
    assert t.rows() == [
        ("A2 – Entrées", "Tranche d'âge", "Bassin d'emploi, Agence", "mois, 12 mois glissants"),
        ("D2 – Taux de sanction", "ensemble", "Agence", "trimestre"),
        ("inconnu", "ensemble", "Région", "mois"),
    ]
    assert vues_methodologie.tableau_non_diffuses(plan.head(0), dico).height == 0
