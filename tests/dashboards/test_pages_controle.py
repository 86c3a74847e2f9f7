"""Page Contrôle, run with AppTest on the real demo warehouse, for every demo role."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards import vues_controle
from pipelines import equite

from . import aide_pages as aide

pytestmark = pytest.mark.slow

PAGE = "controle"
D2 = "taux_sanction_cre"
MOIS_COMPARAISON = vues_controle.FENETRE_COMPARAISON_DEFAUT


@pytest.mark.parametrize("identifiant", list(aide.UTILISATEURS))
def test_page_par_role(entrepot_marque, monkeypatch, identifiant):
    at = aide.ouvrir(monkeypatch, entrepot_marque, identifiant, PAGE)
    assert at.title[0].value == "Contrôle"
    assert [s.value for s in at.subheader][-1] == "Équité de traitement entre agences"
    cles = aide.cles_graphiques(at)
    assert {"controle_d1_serie", "controle_d1_issue_barres", "controle_d5_sanction_barres",
            "controle_d5_duree_barres"} <= cles
    # a series with nothing to draw (every month secret for a committee, no RAPO decided in 24
    # months) says why instead of drawing empty axes
    aide.series_ou_pourquoi(at, {"controle_d2_serie", "controle_d3_serie", "controle_d4_sans_sanction_serie",
                                 "controle_d6_serie", "controle_d7_serie"})
    assert "Barème des sanctions (2025) et recours" in [s.value for s in at.subheader]
    secrets = aide.barres_coherentes(at)
    assert any("les agences" in c.value and "plateforme" in c.value for c in at.caption)
    if aide.UTILISATEURS[identifiant].perimetre.publie:
        assert not aide.marques_vues(at), "valeur interne d'une cellule secrète affichée"
        affiches = [v for t in aide.tableaux(at) for v in t.astype(str).to_numpy().ravel()]
        assert secrets or "s" in affiches
        assert any("secret statistique" in c.value for c in at.caption)
    else:
        assert "controle_funnel" in cles
        # The check sees the internal values when they may be shown.
        assert aide.marques_vues(at)


def _fenetre(path, mois_fin):
    return vues_controle.bornes_fenetre(mois_fin, MOIS_COMPARAISON)


def _agences(path, region: str) -> list[str]:
    return aide.requete(path, "select code_agence from referentiel.agences where code_region = ?",
                        [region])["code_agence"].to_list()


def _sommes(path, table: str, niveau: str, codes: list[str], debut, fin) -> pl.DataFrame:
    return aide.requete(
        path,
        f"""select territoire, sum(numerateur) as numerateur, sum(denominateur) as denominateur,
                   bool_or(coalesce({'secret' if table.startswith('publication') else 'false'}, false)) as secret
            from {table} where indicateur = ? and type_periode = 'mois' and niveau = ? and dimension = 'ensemble'
              and list_contains(?, territoire) and periode between ? and ?
            group by territoire""",
        [D2, niveau, codes, debut, fin],
    )


def test_entonnoir_vue_interne(entrepot_demo, monkeypatch):
    """dr76: the agencies outside the limits are those computed here from marts.indicateurs."""
    at = aide.ouvrir(monkeypatch, entrepot_demo, "dr76", PAGE)
    mois = aide.mois_affiche(at)
    debut, fin = _fenetre(entrepot_demo, mois)
    unites = _sommes(entrepot_demo, "marts.indicateurs", "AGENCE", _agences(entrepot_demo, "76"), debut, fin)
    region = _sommes(entrepot_demo, "marts.indicateurs", "REGION", ["76"], debut, fin).row(0, named=True)
    p = region["numerateur"] / region["denominateur"]
    attendues = equite.positionner(unites, p)
    hors = set(attendues.filter(pl.col("position").is_in(equite.HORS_LIMITES))["territoire"])

    entonnoir = [f for f in aide.figures(at) if any(t.get("name") == "limites à 95 %" for t in f["data"])]
    assert len(entonnoir) == 1
    points = [t for t in entonnoir[0]["data"] if t.get("mode") == "markers"]
    assert sum(len(t["x"]) for t in points) == attendues.height
    assert any(vues_controle.texte_periode(debut, fin) in m.value for m in at.markdown)
    tables = aide.tableaux(at)
    toutes = max(tables, key=len)
    assert len(toutes) == attendues.height and "s" not in set(toutes.iloc[:, 4])
    affichees_hors = set(tables[0]["Code"]) if len(tables) == 2 else set()
    assert affichees_hors == hors


def test_entonnoir_vue_publiee_laisse_de_cote_les_agences_secretes(entrepot_demo, monkeypatch):
    """cse93: an agency with a secret month in the window reads « s » and is not drawn; the
    others show the sums of their published months."""
    at = aide.ouvrir(monkeypatch, entrepot_demo, "cse93", PAGE)
    mois = aide.mois_affiche(at)
    debut, fin = _fenetre(entrepot_demo, mois)
    publiees = {r["territoire"]: r for r in _sommes(entrepot_demo, "publication.indicateurs", "AGENCE",
                                                    _agences(entrepot_demo, "93"), debut, fin).to_dicts()}
    toutes = max(aide.tableaux(at), key=len)
    assert len(toutes) == len(publiees)
    for ligne in toutes.to_dict("records"):
        attendu = publiees[ligne["Code"]]
        valeurs = [ligne[c] for c in toutes.columns[2:5]]
        if attendu["secret"]:
            assert valeurs == ["s", "s", "s"] and ligne["Position"] == vues_controle.POSITION_SECRETE
        else:
            assert valeurs[0].replace("\u202f", "") == str(int(attendu["denominateur"]))
    dessinees = [t for f in aide.figures(at) for t in f["data"] if t.get("mode") == "markers"
                 and t.get("name", "").startswith(("dans", "au-dessus", "en dessous"))]
    nb_publiables = sum(not r["secret"] for r in publiees.values())
    assert sum(len(t["x"]) for t in dessinees) <= nb_publiables


def test_periode_de_comparaison(entrepot_demo, monkeypatch):
    at = aide.ouvrir(monkeypatch, entrepot_demo, "national", PAGE)
    mois = aide.mois_affiche(at)
    at.button_group(key="controle_fenetre_equite").set_value(3).run()
    aide.verifier_sans_erreur(at)
    debut, fin = vues_controle.bornes_fenetre(mois, 3)
    assert any(f"par agence – {vues_controle.texte_periode(debut, fin)}" in m.value for m in at.markdown)
    at.button_group(key="controle_fenetre").set_value(6).run()
    aide.verifier_sans_erreur(at)
    debut6, _ = vues_controle.bornes_fenetre(mois, 6)
    assert any(vues_controle.texte_periode(debut6, fin) in m.value and "par issue" in m.value for m in at.markdown)
