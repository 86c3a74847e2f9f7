"""Tables and figures of the pages (no Streamlit)."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboards import data, vues
from dashboards.format import A1, B1

from .conftest import MOIS


def test_tableau_territoires_cellule_absente_et_provisoire(entrepot, perimetre_national):
    cellules = data.indicateurs_territoires(entrepot.path, perimetre_national, "76", MOIS[0], [A1, B1])
    tableau = vues.tableau_territoires(cellules, [A1, B1])
    lignes = {r["Territoire"]: r for r in tableau.to_dicts()}
    # The fixture's B1 of département 34 in January is null (median not reached).
    assert entrepot.valeur(B1, "DEPARTEMENT", "34", MOIS[0]) is None
    assert lignes["34 – Hérault"]["Délai médian entre l'inscription et le diagnostic"] == "–"
    assert list(lignes) == ["Occitanie", "31 – Haute-Garonne", "34 – Hérault"]


def test_tableau_indicateur_sans_cellule():
    cellules = pl.DataFrame(
        [{"niveau": "REGION", "territoire": "76", "libelle": "Occitanie", "indicateur": A1,
          "periode": date(2025, 1, 1), "numerateur": 5.0, "denominateur": None,
          "valeur": 12345.0, "unite": "nombre", "provisoire": True}]
    )  # fmt: skip
    tableau = vues.tableau_territoires(cellules, [A1, B1])
    ligne = tableau.row(0, named=True)
    assert ligne["Demandeurs d'emploi en fin de mois"] == "12\u202f345 (provisoire)"
    assert ligne["Délai médian entre l'inscription et le diagnostic"] == "–"


def test_tableau_vide():
    vide = pl.DataFrame(schema={c: pl.String for c in ["niveau", "territoire", "libelle", "indicateur"]})
    assert vues.tableau_territoires(vide, [A1]).height == 0


def test_figure_points_provisoires_distingues(entrepot, perimetre_national):
    series = data.series_region(entrepot.path, perimetre_national, "84", B1)
    fig = vues.figure_serie(series, B1)
    pleines = [t for t in fig.data if t.line.dash == "solid"]
    pointillees = [t for t in fig.data if t.line.dash == "dot"]
    assert len(pleines) == 1 and len(pointillees) == 1
    definitifs = [m for m in MOIS if not entrepot.provisoire(B1, "REGION", "84", m)]
    provisoires = [m for m in MOIS if entrepot.provisoire(B1, "REGION", "84", m)]
    assert list(pleines[0].x) == definitifs
    # The dotted part starts at the last final month so that the line stays continuous.
    assert list(pointillees[0].x) == definitifs[-1:] + provisoires
    assert list(pointillees[0].marker.symbol) == ["circle"] + ["circle-open"] * len(provisoires)
    assert all("(provisoire)" in t for t in pointillees[0].text[1:])
    # French months on the axis.
    assert list(fig.layout.xaxis.ticktext) == ["janv. 2025", "févr. 2025", "mars 2025", "avr. 2025"]


def test_figure_avec_departements(entrepot, perimetre_national):
    series = data.series_region(entrepot.path, perimetre_national, "76", A1, avec_departements=True)
    fig = vues.figure_serie(series, A1)
    noms = {t.name for t in fig.data if t.showlegend is not False}
    assert noms == {"Occitanie", "31 – Haute-Garonne", "34 – Hérault"}
    region = next(t for t in fig.data if t.name == "Occitanie")
    assert region.line.width > next(t for t in fig.data if t.name == "31 – Haute-Garonne").line.width


def test_graduations_limitees_garde_le_dernier_mois():
    periodes = [date(2023 + (i // 12), i % 12 + 1, 1) for i in range(30)]
    valeurs, libelles = vues._graduations(periodes)
    assert len(valeurs) <= 12 and valeurs[-1] == periodes[-1]
    assert libelles[-1] == "juin 2025"
