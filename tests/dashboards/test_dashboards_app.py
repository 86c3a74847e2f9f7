"""The Streamlit app, run headless with AppTest on a hand-made warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import navigation
from dashboards.acces import Utilisateur
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import A1, B1

from .conftest import MOIS, construire_entrepot

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT = 60  # the first run imports Plotly and Polars: far beyond AppTest's 3 s default

NBSP = "\u00a0"

NATIONAL = Utilisateur("national", "National", "national", "NATIONAL", "FR")
DR76 = Utilisateur("dr76", "DR Occitanie", "direction_regionale", "REGION", "76")
COMITE31 = Utilisateur("c31", "Comité 31", "comite", "DEPARTEMENT", "31")
CSE84 = Utilisateur("cse84", "CSE 84", "cse", "REGION", "84")


def _jours(n: float) -> str:
    return f"{round(n)}{NBSP}j"


def _app(utilisateur: Utilisateur | None = NATIONAL, **params) -> AppTest:
    """The app with a signed-in user (as the sign-in form leaves it in the session)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if utilisateur is not None:
        at.session_state["utilisateur"] = utilisateur
    for k, v in params.items():
        at.query_params[k] = v
    return at


def _lancer(monkeypatch, warehouse: Path, utilisateur=NATIONAL, **params) -> AppTest:
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(warehouse))
    at = _app(utilisateur, **params).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrique(at: AppTest, numero: str):
    """The metric of one indicator (by its contract number, A1…E4)."""
    return next(m for m in at.metric if m.label.startswith(f"{numero} – "))


def test_page_par_defaut(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    assert at.title[0].value == "Synthèse"
    assert "15 avril 2025" in at.caption[0].value  # the date d'arrêté, in French
    assert not at.error
    assert at.selectbox(key="sel_niveau").value == "NATIONAL"
    mois = at.selectbox(key="sel_mois_NATIONAL_FR").value
    # Default month: the latest one whose A1 is final (the last month is provisional).
    assert mois == max(m for m in MOIS if not entrepot.provisoire(A1, "NATIONAL", "FR", m))
    # The address follows the choice (a link to send before a committee).
    assert at.query_params["niveau"] == "NATIONAL" and at.query_params["mois"] == mois.strftime("%Y-%m")


def test_metrique_et_evolution_d_une_region(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path, niveau="REGION", territoire="76")
    assert at.selectbox(key="sel_territoire_REGION").value == "76"
    mois = at.selectbox(key="sel_mois_REGION_76").value
    # B1 of that month is still provisional (its 90-day window is open): a censored median is no
    # headline; the metric is the latest final month's, named, and the provisional one follows in words
    assert entrepot.provisoire(B1, "REGION", "76", mois)
    final = max(m for m in MOIS if m <= mois and not entrepot.provisoire(B1, "REGION", "76", m))
    b1, b1_avant = (entrepot.valeur(B1, "REGION", "76", m) for m in (final, MOIS[MOIS.index(final) - 1]))
    m = _metrique(at, "B1")
    assert m.value == _jours(b1) and m.label.endswith(fmt.format_mois(final))
    assert m.delta == ("+" if b1 > b1_avant else "-") + _jours(abs(b1 - b1_avant))
    provisoire = _jours(entrepot.valeur(B1, "REGION", "76", mois))
    assert any(c.value.startswith(f"{fmt.format_mois(mois)} : {provisoire}, provisoire") for c in at.caption)
    # Indicators without data in this warehouse: an empty state, not an error.
    assert any("Aucune donnée" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 1


def test_comparaison_au_parent(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path, niveau="DEPARTEMENT", territoire="31")
    mois = at.selectbox(key="sel_mois_DEPARTEMENT_31").value
    final = max(m for m in MOIS if m <= mois and not entrepot.provisoire(B1, "DEPARTEMENT", "31", m))
    assert _metrique(at, "B1").value == _jours(entrepot.valeur(B1, "DEPARTEMENT", "31", final))
    attendu = f"Occitanie : {_jours(entrepot.valeur(B1, 'REGION', '76', final))}"
    assert any(attendu in c.value for c in at.caption)


def test_changer_de_territoire_et_de_mois(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    at.selectbox(key="sel_niveau").set_value("DEPARTEMENT").run()
    at.selectbox(key="sel_territoire_DEPARTEMENT").set_value("34").run()
    assert not at.exception
    assert "34 – Hérault" in at.caption[0].value
    at.selectbox(key="sel_mois_DEPARTEMENT_34").set_value(MOIS[1]).run()
    assert _metrique(at, "B1").value == _jours(entrepot.valeur(B1, "DEPARTEMENT", "34", MOIS[1]))
    assert "avr. 2025 (provisoire)" in at.selectbox(key="sel_mois_DEPARTEMENT_34").options


def test_entrepot_absent(tmp_path, monkeypatch):
    absent = tmp_path / "pas_encore.duckdb"
    at = _lancer(monkeypatch, absent)
    assert at.title[0].value == "Synthèse"
    assert len(at.error) == 1
    assert "Aucun entrepôt publié" in at.error[0].value and "socle construire" in at.error[0].value
    assert not at.metric
    assert not absent.exists()


def test_publication_prise_en_compte_sans_redemarrer(tmp_path, monkeypatch):
    """The warehouse appears after the page was opened: the next run shows it."""
    chemin = tmp_path / "socle.duckdb"
    at = _lancer(monkeypatch, chemin)
    assert at.error
    construire_entrepot(chemin)
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="sel_niveau").value == "NATIONAL"


def test_mediane_non_atteinte_expliquee(entrepot, monkeypatch):
    """B1 null (median not reached) shows « – » and says why, instead of a blank (a final month:
    a provisional one is never B1's headline)."""
    import duckdb

    con = duckdb.connect(str(entrepot.path))
    con.execute(
        "update marts.indicateurs set valeur = null where indicateur = ? and niveau = 'REGION' "
        "and territoire = '76' and periode = ?",
        [B1, MOIS[1]],
    )
    con.close()
    at = _lancer(monkeypatch, entrepot.path, niveau="REGION", territoire="76")
    assert at.selectbox(key="sel_mois_REGION_76").value == MOIS[2]
    assert _metrique(at, "B1").value == "–"
    assert any("Médiane non atteinte" in c.value for c in at.caption)


@pytest.mark.parametrize("u", [NATIONAL, DR76, COMITE31, CSE84], ids=lambda u: u.identifiant)
def test_chaque_page_pour_chaque_role(entrepot, monkeypatch, u):
    """Every page of the role's menu runs on sparse data (two indicators): titles, no
    exception, empty states in words."""
    at = _lancer(monkeypatch, entrepot.path, u)
    for page in navigation.pages_pour(u.role):
        at.switch_page(page.relatif).run()
        assert not at.exception, (page.titre, [e.value for e in at.exception])
        assert at.title[0].value == page.titre
        assert not any("Connexion requise" in e.value for e in at.error)


def test_le_choix_suit_l_utilisateur_de_page_en_page(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    at.selectbox(key="sel_niveau").set_value("DEPARTEMENT").run()
    at.selectbox(key="sel_territoire_DEPARTEMENT").set_value("34").run()
    at.selectbox(key="sel_mois_DEPARTEMENT_34").set_value(MOIS[0]).run()
    for page in navigation.pages_pour(NATIONAL.role)[1:3] + navigation.pages_pour(NATIONAL.role)[:1]:
        at.switch_page(page.relatif).run()
        assert not at.exception
        choix = {s.key: s.value for s in at.selectbox if s.key and s.key.startswith("sel_")}
        assert choix == {"sel_niveau": "DEPARTEMENT", "sel_territoire_DEPARTEMENT": "34",
                         "sel_mois_DEPARTEMENT_34": MOIS[0]}, page.titre
