"""The « Comparaisons » block of the Synthèse page under AppTest, on the hand-made warehouse:
similar territories by default, the year before, the 12-month switch, the series-break note."""

from __future__ import annotations

import json

import duckdb
import pytest

from dashboards import blocs_comparaisons, vues
from pipelines.core.indicateurs import A1, B1, NOTE_RUPTURE

from .conftest import MOIS, _lignes_plusieurs_mois
from .test_dashboards_app import COMITE31, NATIONAL, _lancer


def _un_an_avant(entrepot) -> dict:
    """B1 of département 31 a year before the fixture's months (it starts in January 2025), in both
    tables; returns the values written, by month."""
    valeurs = {vues.mois_decale(m, 12): 50.0 + i for i, m in enumerate(MOIS)}
    con = duckdb.connect(str(entrepot.path))
    try:
        for table in ("marts.indicateurs", "publication.indicateurs"):
            con.execute(f"""insert into {table} by name
                select indicateur, periode - interval 12 month as periode, type_periode, niveau, territoire,
                       dimension, modalite, numerateur, denominateur, valeur, unite, false as provisoire
                from {table} where indicateur = ? and niveau = 'DEPARTEMENT' and territoire = '31'
                  and type_periode = 'mois'""", [B1])
            con.execute(f"update {table} set valeur = 50 + month(periode) - 1 where indicateur = ? "
                        "and territoire = '31' and year(periode) = 2024", [B1])
    finally:
        con.close()
    return valeurs


def _ouvrir(monkeypatch, entrepot, utilisateur):
    at = _lancer(monkeypatch, entrepot.path, utilisateur, niveau="DEPARTEMENT", territoire="31")
    at.selectbox(key="sel_mois_DEPARTEMENT_31").set_value(MOIS[3]).run()  # the month of the 12-month cells
    at.selectbox(key="comparaison_indicateur").set_value(B1).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _graphique(at) -> dict:
    return json.loads(next(n for n in at.get("plotly_chart") if n.key == "comparaison_graphique").proto.spec)


@pytest.mark.parametrize("u", [NATIONAL, COMITE31], ids=lambda u: u.identifiant)
def test_comparaisons_de_la_synthese(entrepot, monkeypatch, u):
    avant = _un_an_avant(entrepot)
    at = _ouvrir(monkeypatch, entrepot, u)
    # similar territories by default (a committee reads the others' published cells), listed with why
    choix = at.multiselect(key="comparaison_territoires_DEPARTEMENT_31")
    assert choix.value == ["34", "69"]  # Hérault is nearer in registrants than the Rhône
    similaires = next(d.value for d in at.dataframe if "Pourquoi" in d.value.columns)
    assert list(similaires["Territoire"]) == ["34 – Hérault", "69 – Rhône"]
    assert all(p.startswith("effectif inscrit comparable") or "plus élevé" in p for p in similaires["Pourquoi"])
    noms = [t["name"] for t in _graphique(at)["data"] if t.get("showlegend") is not False]
    assert noms == ["31 – Haute-Garonne", "Occitanie", "34 – Hérault", "69 – Rhône"]

    # the fixture's months and the year before: the chart crosses the series break, marked, with its note
    figure = _graphique(at)
    assert [s for s in figure["layout"]["shapes"] if s.get("name") == "rupture_serie"]
    assert [c.value for c in at.caption if c.value.startswith(NOTE_RUPTURE)] == [NOTE_RUPTURE]

    # the same month a year before: a dashed line under each month, and what the comparison crosses
    at.toggle(key="comparaison_annee_precedente").set_value(True).run()
    figure = _graphique(at)
    n1 = figure["data"][-1]
    assert n1["name"] == "31 – Haute-Garonne, un an plus tôt"
    assert dict(zip(n1["x"], n1["y"])) == {m.isoformat(): avant.get(vues.mois_decale(m, 12))
                                           for m in sorted(avant) + MOIS}
    assert any(c.value.startswith(NOTE_RUPTURE) and "un an plus tôt" in c.value for c in at.caption)

    # 12-month values: the publication's own 12-month cells, said what they are
    at.toggle(key="comparaison_12_mois").set_value(True).run()
    douze = {r[8] for r in _lignes_plusieurs_mois() if r[0] == B1 and r[-1] == "cumul_12_mois"}
    valeurs = {v for t in _graphique(at)["data"] for v in t["y"] if v is not None}
    assert valeurs == douze and douze.isdisjoint(entrepot.valeur(B1, "DEPARTEMENT", "31", m) for m in MOIS)
    assert any("Valeurs sur 12 mois glissants : " in c.value and "médiane" in c.value for c in at.caption)

    # a stock has no 12-month value: its months, and why
    at.selectbox(key="comparaison_indicateur").set_value(A1).run()
    assert any("stock" in i.value for i in at.info)
    mois = {(t["x"][i], v) for t in _graphique(at)["data"][:1] for i, v in enumerate(t["y"])}
    assert (MOIS[0].isoformat(), entrepot.valeur(A1, "DEPARTEMENT", "31", MOIS[0])) in mois
    # a count: the parent's would flatten the others, it is not drawn (and the caption says so)
    assert "Occitanie" not in [t["name"] for t in _graphique(at)["data"]]
    assert any("le territoire parent n'est pas tracé" in c.value for c in at.caption)
    assert not at.exception and not at.error


def test_pas_de_territoire_similaire_pour_la_france(entrepot, monkeypatch):
    at = _lancer(monkeypatch, entrepot.path, NATIONAL)
    assert not [m for m in at.multiselect if m.key.startswith("comparaison_territoires")]
    assert any("choisissez une région, un département ou un bassin" in c.value for c in at.caption)
    assert blocs_comparaisons.INDICATEURS[0] == at.selectbox(key="comparaison_indicateur").value
