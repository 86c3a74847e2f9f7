"""The Streamlit app, run headless with AppTest on a hand-made warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.acces import Utilisateur
from dashboards.format import A1, B1

from .conftest import DEPARTEMENTS_AVEC_DONNEES, MOIS

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT = 60  # the first run imports Plotly and Polars: far beyond AppTest's 3 s default

NNBSP, NBSP = "\u202f", "\u00a0"


def _milliers(n: float) -> str:
    """Independent of dashboards.format: Python's grouping, French separator."""
    return f"{round(n):,}".replace(",", NNBSP)


def _jours(n: float) -> str:
    return f"{round(n)}{NBSP}j"


NATIONAL = Utilisateur("national", "National", "national", "NATIONAL", "FR")


def _app(utilisateur: Utilisateur | None = NATIONAL) -> AppTest:
    """The app with a signed-in user (as the sign-in form leaves it in the session)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if utilisateur is not None:
        at.session_state["utilisateur"] = utilisateur
    return at


def _lancer(monkeypatch, warehouse: Path) -> AppTest:
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(warehouse))
    at = _app().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    """Label (without the provisional mention) -> (value, delta)."""
    return {m.label.replace(" (provisoire)", ""): (m.value, m.delta) for m in at.metric}


LIB_A1 = "Demandeurs d'emploi en fin de mois"
LIB_B1 = "Délai médian entre l'inscription et le diagnostic"


def test_page_par_defaut(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    assert at.title[0].value == "Synthèse territoriale"
    assert "15 avril 2025" in at.caption[0].value  # the date d'arrêté, in French
    assert not at.error

    region = at.selectbox(key="region").value
    mois = at.selectbox(key=f"mois_{region}").value
    # Default month: the latest one whose A1 is final (the last month is provisional).
    assert mois == max(m for m in MOIS if not entrepot.provisoire(A1, "REGION", region, m))

    metrics = _metrics(at)
    a1, a1_avant = (entrepot.valeur(A1, "REGION", region, m) for m in (mois, MOIS[MOIS.index(mois) - 1]))
    assert metrics[LIB_A1][0] == _milliers(a1)
    assert metrics[LIB_A1][1] == ("+" if a1 > a1_avant else "-") + _milliers(abs(a1 - a1_avant))
    b1 = entrepot.valeur(B1, "REGION", region, mois)
    assert metrics[LIB_B1][0] == _jours(b1)
    # B1 of that month is still provisional: the metric says so.
    assert entrepot.provisoire(B1, "REGION", region, mois)
    assert any(m.label == f"{LIB_B1} (provisoire)" for m in at.metric)


def test_tableau_region_et_departements(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    at.selectbox(key="region").set_value("76").run()
    assert not at.exception
    mois = at.selectbox(key="mois_76").value
    tableau = at.dataframe[0].value
    assert list(tableau.columns) == ["Territoire", "Niveau", LIB_A1, LIB_B1]
    territoires = tableau["Territoire"].tolist()
    assert territoires[0] == "Occitanie"
    assert len(territoires) == 1 + len(DEPARTEMENTS_AVEC_DONNEES["76"])
    assert any("Haute-Garonne" in t for t in territoires) and any("Hérault" in t for t in territoires)
    assert tableau["Niveau"].tolist() == ["Région", "Département", "Département"]
    ligne_31 = tableau[tableau["Territoire"].str.contains("Haute-Garonne")].iloc[0]
    assert ligne_31[LIB_A1] == _milliers(entrepot.valeur(A1, "DEPARTEMENT", "31", mois))
    assert ligne_31[LIB_B1] == _jours(entrepot.valeur(B1, "DEPARTEMENT", "31", mois)) + " (provisoire)"


def test_changer_de_region_change_les_chiffres(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    codes = list(DEPARTEMENTS_AVEC_DONNEES)
    vus = {}
    for code in codes:
        at.selectbox(key="region").set_value(code).run()
        assert not at.exception
        mois = at.selectbox(key=f"mois_{code}").value
        vus[code] = _metrics(at)
        assert vus[code][LIB_A1][0] == _milliers(entrepot.valeur(A1, "REGION", code, mois))
        assert at.dataframe[0].value["Territoire"].tolist()[0] == dict(
            [("76", "Occitanie"), ("84", "Auvergne-Rhône-Alpes")]
        )[code]
    assert vus[codes[0]] != vus[codes[1]]


def test_changer_de_mois(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    at.selectbox(key="region").set_value("76").run()
    at.selectbox(key="mois_76").set_value(MOIS[0]).run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics[LIB_A1][0] == _milliers(entrepot.valeur(A1, "REGION", "76", MOIS[0]))
    assert metrics[LIB_A1][1] == ""  # no previous month: no change shown
    # The provisional month is offered, marked as such.
    assert "avr. 2025 (provisoire)" in at.selectbox(key="mois_76").options


def test_graphiques(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path)
    assert len(at.get("plotly_chart")) == 2
    at.toggle(key="avec_departements").set_value(True).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    # A methodological caption per indicator.
    assert any("dernier jour du mois" in c.value for c in at.caption)
    assert any("90 jours" in c.value and "Médiane" in c.value for c in at.caption)


def test_entrepot_absent(tmp_path, monkeypatch):
    absent = tmp_path / "pas_encore.duckdb"
    at = _lancer(monkeypatch, absent)
    assert at.title[0].value == "Synthèse territoriale"
    assert len(at.error) == 1
    assert "Aucun entrepôt publié" in at.error[0].value and "socle build" in at.error[0].value
    assert not at.metric
    assert not absent.exists()


def test_publication_prise_en_compte_sans_redemarrer(tmp_path, monkeypatch):
    """The warehouse appears after the page was opened: the next run shows it."""
    from .conftest import construire_entrepot

    chemin = tmp_path / "socle.duckdb"
    at = _lancer(monkeypatch, chemin)
    assert at.error
    construire_entrepot(chemin)
    at.run()
    assert not at.exception and not at.error
    assert len(at.metric) == 2


def test_lien_vers_une_region(entrepot, monkeypatch):
    """``?region=76`` opens the page on that region (links sent to a territorial committee)."""
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(entrepot.path))
    at = _app()
    defaut = _app().run().selectbox(key="region").value
    autre = next(c for c in DEPARTEMENTS_AVEC_DONNEES if c != defaut)
    at.query_params["region"] = autre
    at.run()
    assert not at.exception
    assert at.selectbox(key="region").value == autre


def test_mediane_non_atteinte_expliquee(entrepot, monkeypatch):
    """B1 null (median not reached) shows « – » and says why, instead of a blank."""
    import duckdb

    con = duckdb.connect(str(entrepot.path))
    con.execute(
        "update marts.indicateurs set valeur = null where indicateur = ? and niveau = 'REGION' "
        "and territoire = '76' and periode = ?",
        [B1, MOIS[2]],
    )
    con.close()
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(entrepot.path))
    at = _app()
    at.query_params["region"] = "76"
    at.run()
    assert not at.exception
    assert at.selectbox(key="mois_76").value == MOIS[2]
    assert _metrics(at)[LIB_B1][0] == "–"
    assert any("Médiane pas encore atteinte" in c.value for c in at.caption)
