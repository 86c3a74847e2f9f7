"""Page Territoires, run with AppTest on the real demo warehouse, for every role."""

from __future__ import annotations

import json

import pytest

from pipelines.core import formats as fmt

from . import aide_pages as aide

pytestmark = pytest.mark.slow

PAGE = "territoires"
A1, D2 = "demandeurs_fin_de_mois", "taux_sanction_cre"


def _departements_dessines(at) -> list[str]:
    carte = next(f for f in aide.figures(at) if any(t.get("fill") == "toself" for t in f["data"]))
    return [t["name"] for t in carte["data"] if t.get("fill") == "toself"]


@pytest.mark.parametrize("identifiant", list(aide.UTILISATEURS))
def test_page_par_role(entrepot_marque, monkeypatch, identifiant):
    u = aide.UTILISATEURS[identifiant]
    at = aide.ouvrir(monkeypatch, entrepot_marque, identifiant, PAGE)
    assert at.title[0].value == "Territoires"
    # An indicator with secret cells below the region (sanction rate of few controls).
    at.selectbox(key="territoires_indicateur").set_value(D2).run()
    aide.verifier_sans_erreur(at)
    assert "territoires_carte" in aide.cles_graphiques(at)
    dessines = _departements_dessines(at)
    if u.territoire_niveau == "DEPARTEMENT":
        # A département's committee sees its département alone, and is told so.
        assert dessines == ["31 – Haute-Garonne"]
        assert any("ne couvre qu'un département" in c.value for c in at.caption)
    elif u.territoire_niveau == "REGION":
        codes = aide.requete(entrepot_marque, "select code_departement from referentiel.departements "
                             "where code_region = ?", [u.territoire_code])["code_departement"].to_list()
        assert dessines and all(n.split(" – ")[0] in codes for n in dessines)
    if u.perimetre.publie:
        assert not aide.marques_vues(at), "valeur interne d'une cellule secrète affichée"
    else:
        assert aide.marques_vues(at)


@pytest.mark.parametrize("identifiant", ["cse93", "comite31"])
def test_tableau_du_niveau_inferieur_secret(entrepot_demo, monkeypatch, identifiant):
    """Published view: a territory reads « s » exactly when its cell is secret in the publication."""
    u = aide.UTILISATEURS[identifiant]
    at = aide.ouvrir(monkeypatch, entrepot_demo, identifiant, PAGE)
    at.selectbox(key="territoires_indicateur").set_value(D2).run()
    aide.verifier_sans_erreur(at)
    mois = aide.mois_affiche(at)
    tableau = next(t for t in aide.tableaux(at) if "Code" in t.columns)
    niveau = "DEPARTEMENT" if u.territoire_niveau == "REGION" else "AGENCE"
    publies = {r["territoire"]: r for r in aide.cellules(entrepot_demo, "publication.indicateurs", indicateur=D2,
                                                          niveau=niveau, dimension="ensemble", periode=mois).to_dicts()}
    colonne = tableau.columns[-1]
    assert len(tableau)
    for ligne in tableau.to_dict("records"):
        cellule = publies.get(ligne["Code"])
        if cellule is None:
            assert ligne[colonne] == fmt.VIDE
        else:
            assert ligne[colonne] == fmt.format_cellule(cellule["valeur"], "taux", cellule["provisoire"],
                                                        cellule["secret"])


def test_tri_sur_les_valeurs(entrepot_demo, monkeypatch):
    at = aide.ouvrir(monkeypatch, entrepot_demo, "dr76", PAGE)
    mois = aide.mois_affiche(at)
    for ordre, inverse in (("valeur_decroissante", True), ("valeur_croissante", False)):
        at.selectbox(key="territoires_tri").set_value(ordre).run()
        aide.verifier_sans_erreur(at)
        tableau = next(t for t in aide.tableaux(at) if "Code" in t.columns)
        valeurs = {r["territoire"]: r["valeur"] for r in aide.cellules(
            entrepot_demo, "marts.indicateurs", indicateur=A1, niveau="DEPARTEMENT", dimension="ensemble",
            periode=mois).to_dicts()}
        codes = tableau["Code"].tolist()
        assert codes == sorted(codes, key=lambda c: valeurs[c], reverse=inverse)


def test_carte_en_francais_et_survol(entrepot_demo, monkeypatch):
    at = aide.ouvrir(monkeypatch, entrepot_demo, "national", PAGE)
    carte = next(f for f in aide.figures(at) if any(t.get("fill") == "toself" for t in f["data"]))
    assert carte["layout"]["separators"] == ",\u202f"
    survols = [t["text"] for t in carte["data"] if t.get("fill") == "toself"]
    assert survols and all("<b>" in s for s in survols)
    json.dumps(carte)
