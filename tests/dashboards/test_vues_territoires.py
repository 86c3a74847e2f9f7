"""Shapes of the Territoires page (no Streamlit): territories sorted on their values, the map."""

from __future__ import annotations

import json

import polars as pl
import pytest

from dashboards import vues, vues_territoires

from .aide_cellules import D2, E1, M1, NBSP, cellule, frame, secrete


def test_tri_des_territoires_sur_les_nombres():
    cellules = frame(
        cellule(territoire="09", niveau="DEPARTEMENT", valeur=0.095),
        cellule(territoire="31", niveau="DEPARTEMENT", valeur=0.10),
        secrete(territoire="11", niveau="DEPARTEMENT"),
        cellule(territoire="34", niveau="DEPARTEMENT", valeur=0.5),
        cellule(territoire="09", niveau="DEPARTEMENT", indicateur=E1, unite="nombre", valeur=7.0),
    )
    ordre = lambda o: list(dict.fromkeys(vues_territoires.trier_territoires(cellules, D2, o)["territoire"]))  # noqa: E731
    # As text « 9,5 % » would come after « 10,0 % »: the sort is on the numbers.
    assert ordre("valeur_decroissante") == ["34", "31", "09", "11"]
    assert ordre("valeur_croissante") == ["09", "31", "34", "11"]  # secret last either way
    assert ordre("territoire") == ["09", "11", "31", "34"]
    tableau = vues.tableau_territoires(vues_territoires.trier_territoires(cellules, D2, "valeur_decroissante"), [D2, E1])
    assert tableau["Territoire"][-1] == "11 – Labège"
    assert tableau[D2].to_list() == [f"50,0{NBSP}%", f"10,0{NBSP}%", f"9,5{NBSP}%", "s"]
    with pytest.raises(ValueError):
        vues_territoires.trier_territoires(cellules, D2, "hasard")


def _carre(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


def _geojson() -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code_departement": c, "libelle_departement": c, "code_region": "76"},
         "geometry": _carre(x, 43)} for c, x in (("31", 1), ("32", 0), ("34", 3), ("971", -61))
    ]}


def test_carte_departements_visibles_et_secret():
    cellules = frame(
        cellule(niveau="DEPARTEMENT", territoire="31", libelle="Haute-Garonne"),
        secrete(niveau="DEPARTEMENT", territoire="34", libelle="Hérault"),
    )
    visibles = pl.DataFrame({"code": ["31", "34", "09"], "libelle": ["Haute-Garonne", "Hérault", "Ariège"]})
    completes = vues_territoires.completer_carte(cellules, visibles, M1, "taux", D2)
    assert completes["territoire"].to_list() == ["31", "34", "09"]
    assert completes.filter(pl.col("territoire") == "09")["valeur"].to_list() == [None]
    geo = vues_territoires.geojson_restreint(_geojson(), ["31", "34", "09"])
    assert [f["properties"]["code_departement"] for f in geo["features"]] == ["31", "34"]
    fig = vues.figure_carte(geo, completes, "%")
    formes = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in formes] == ["31 – Haute-Garonne", "34 – Hérault"]  # 09 has no polygon here
    assert formes[1].fillcolor == "#dddddd" and "s" in formes[1].text and "sur" not in formes[1].text
    assert f"15,0{NBSP}%" in formes[0].text and "3 sur 20" in formes[0].text
    assert not [t for t in fig.data if t.mode == "markers"]  # one value: no colour scale
    deux = frame(cellule(niveau="DEPARTEMENT", territoire="31"),
                 cellule(niveau="DEPARTEMENT", territoire="34", valeur=0.3))
    echelle = [t for t in vues.figure_carte(geo, deux, "%").data if t.mode == "markers"]
    assert echelle[0].marker.showscale and echelle[0].marker.colorbar.tickformat == ".0%"
    json.dumps(fig.to_plotly_json(), default=str)  # serialisable as Streamlit sends it


def test_carte_outre_mer_avec_la_metropole():
    cellules = frame(cellule(niveau="DEPARTEMENT", territoire="31", libelle="Haute-Garonne"),
                     cellule(niveau="DEPARTEMENT", territoire="971", libelle="Guadeloupe"))
    # Together, the metropole only (else France would be a dot); alone, the overseas département.
    fig = vues.figure_carte(_geojson(), cellules, "%")
    assert [t.name for t in fig.data if t.fill == "toself"] == ["31 – Haute-Garonne"]
    seule = vues.figure_carte(_geojson(), cellules.filter(pl.col("territoire") == "971"), "%")
    assert [t.name for t in seule.data if t.fill == "toself"] == ["971 – Guadeloupe"]


def test_indicateurs_dans_l_ordre_du_contrat():
    codes = {"reorientations": {"numero": "B12"}, "en_attente_parcours": {"numero": "B9"}, "alertes": {"numero": "E1"}}
    assert vues_territoires.indicateurs_du_dictionnaire(codes) == ["en_attente_parcours", "reorientations", "alertes"]
