"""Page Règles d'alerte, run with AppTest on the real demo warehouse (whose consultation log
gives alerts): national sees every section, a regional direction its region's aggregates only,
committees and the CSE neither in their menu nor by address."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data, navigation

from . import aide_pages as aide

pytestmark = pytest.mark.slow

PAGE = "regles_alertes"
FICHIER = Path(__file__).resolve().parents[2] / "dashboards" / "ecrans" / f"{PAGE}.py"


def _ouvrir(monkeypatch, warehouse, identifiant: str) -> AppTest:
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(str(aide.APP), default_timeout=aide.TIMEOUT)
    at.session_state["utilisateur"] = aide.UTILISATEURS[identifiant]
    at.run()
    at.switch_page(f"ecrans/{PAGE}.py")
    at.run()
    aide.verifier_sans_erreur(at)
    return at


def _tableau(at: AppTest, colonne: str):
    return next(t for t in aide.tableaux(at) if colonne in t.columns)


def test_page_national(entrepot_demo, monkeypatch):
    at = _ouvrir(monkeypatch, entrepot_demo, "national")
    assert at.title[0].value == "Règles d'alerte"
    assert [s.value for s in at.subheader] == ["Précision des règles", "Simulation des seuils",
                                               "Équité de jugement entre régions", "Volume d'alertes par établissement"]
    assert {"regles_precision", "regles_entonnoir", "regles_volume",
            "regles_simulation_HORS_HORAIRES"} <= aide.cles_graphiques(at)
    assert any("biais de sélection" in c.value for c in at.caption)
    # precision: the table adds up the mart's rows
    precision = aide.requete(entrepot_demo, "select sum(alertes) as a, sum(examinees) as e from marts.precision_regles")
    tableau = _tableau(at, "Précision")
    assert sum(int(v.replace("\u202f", "")) for v in tableau["Alertes générées"]) == precision["a"][0]
    assert sum(int(v.replace("\u202f", "")) for v in tableau["Alertes examinées"]) == precision["e"][0]
    # every region of the demo in the funnel and in the volume
    assert set(_tableau(at, "Part nationale")["Région"]) <= {"Occitanie", "Provence-Alpes-Côte d'Azur"}
    assert {"Occitanie", "Provence-Alpes-Côte d'Azur"} <= set(_tableau(at, "Mois").columns)


def test_simulation_d_un_seuil(entrepot_demo, monkeypatch):
    at = _ouvrir(monkeypatch, entrepot_demo, "national")
    en_vigueur = aide.requete(entrepot_demo, "select seuil_alerte from marts.simulation_seuils "
                                             "where situation = 'HORS_HORAIRES' and est_seuil_en_vigueur")["seuil_alerte"][0]
    curseur = at.slider(key="regles_seuil_HORS_HORAIRES")
    assert curseur.value == en_vigueur
    curseur.set_value(30).run()
    aide.verifier_sans_erreur(at)
    attendu = aide.requete(entrepot_demo, "select alertes_par_mois from marts.simulation_seuils "
                                          "where situation = 'HORS_HORAIRES' and seuil_alerte = 30")["alertes_par_mois"][0]
    from pipelines.core import formats as fmt

    valeurs = [m.value for m in at.metric if m.label == "Alertes par mois"]
    assert fmt.format_nombre(attendu, 1) in valeurs


def test_page_direction_regionale_sa_seule_region(entrepot_demo, monkeypatch):
    at = _ouvrir(monkeypatch, entrepot_demo, "dr76")
    assert "Précision des règles" not in [s.value for s in at.subheader]
    assert not {"regles_precision", "regles_simulation_HORS_HORAIRES"} & aide.cles_graphiques(at)
    assert any("réservées au niveau national" in i.value for i in at.info)
    # the data layer gives the direction its region's rows only (the mart has the others)
    u = aide.UTILISATEURS["dr76"]
    assert set(aide.requete(entrepot_demo, "select distinct code_region from marts.equite_jugement_alertes")
               ["code_region"]) == {"76", "93"}
    assert set(data.equite_jugement_alertes(entrepot_demo, u.perimetre)["code_region"]) == {"76"}
    assert set(data.volume_alertes(entrepot_demo, u.perimetre)["code_region"]) == {"76"}
    assert data.precision_regles(entrepot_demo, u.perimetre) is None
    # a period, situation and examen where the region has examined alerts
    p = aide.requete(entrepot_demo, "select type_periode, debut_periode, fin_periode, situation, examen "
                                    "from marts.equite_jugement_alertes where code_region = '76' "
                                    "order by type_periode, debut_periode desc limit 1").row(0)
    at.selectbox(key="regles_equite_periode").set_value(p[:3]).run()
    at.selectbox(key="regles_equite_situation").set_value(p[3]).run()
    at.selectbox(key="regles_equite_examen").set_value(p[4]).run()
    aide.verifier_sans_erreur(at)
    assert set(_tableau(at, "Part nationale")["Région"]) == {"Occitanie"}
    assert "regles_entonnoir" in aide.cles_graphiques(at)
    assert list(_tableau(at, "Mois").columns) == ["Mois", "Occitanie"]
    assert not any("Provence" in t for t in aide.textes(at))


@pytest.mark.parametrize("identifiant", ["comite31", "cse93"])
def test_comite_et_cse_sans_acces(entrepot_demo, monkeypatch, identifiant):
    u = aide.UTILISATEURS[identifiant]
    assert PAGE not in [p.url for p in navigation.pages_pour(u.role)]
    # the E indicators' page links to the rules for the direction only
    at = aide.ouvrir(monkeypatch, entrepot_demo, identifiant, "detournement")
    assert not at.get("page_link")
    # reached by its address: refused, nothing read
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(entrepot_demo))
    at = AppTest.from_file(str(FICHIER), default_timeout=aide.TIMEOUT)
    at.session_state["utilisateur"] = u
    at.run()
    assert not at.exception
    assert at.error and "national et aux directions régionales" in at.error[0].value
    assert not at.get("plotly_chart") and not at.dataframe


def test_detournement_renvoie_aux_regles(entrepot_demo, monkeypatch):
    at = aide.ouvrir(monkeypatch, entrepot_demo, "dr76", "detournement")
    liens = at.get("page_link")
    assert len(liens) == 1 and "Règles d'alerte" in liens[0].proto.label
