"""Comparisons of the Synthèse page (no Streamlit): similar territories, the same month a year
before, the 12-month switch."""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from dashboards import vues
from dashboards import vues_comparaisons as vc
from pipelines.core.indicateurs import A1, A2, B1

NBSP = "\u00a0"


def _tailles(*lignes) -> pl.DataFrame:
    return pl.DataFrame(lignes, schema={"code": pl.String, "libelle": pl.String, "effectif": pl.Float64,
                                        "agences": pl.Int64}, orient="row")


def _cellule(periode: date, valeur, territoire: str = "31", secret: bool = False, **kw) -> dict:
    return {"indicateur": A2, "periode": periode, "niveau": "DEPARTEMENT", "territoire": territoire,
            "libelle": {"31": "Haute-Garonne", "34": "Hérault"}.get(territoire), "dimension": "ensemble",
            "modalite": "ensemble", "numerateur": None if secret else valeur, "denominateur": None,
            "valeur": None if secret else valeur, "unite": "nombre", "provisoire": False, "secret": secret} | kw


def _mois(debut: date, n: int) -> list[date]:
    return [vues.mois_decale(debut, -i) for i in range(n)]


def test_territoires_similaires_au_plus_pres_sur_les_logarithmes():
    tailles = _tailles(
        ("31", "Haute-Garonne", 40_000.0, 20),
        ("34", "Hérault", 44_000.0, 20),     # +10 % of registrants, same agencies
        ("13", "Bouches-du-Rhône", 36_400.0, 22),  # -9 %, +10 % agencies
        ("33", "Gironde", 80_000.0, 20),     # twice as many
        ("46", "Lot", 4_000.0, 2),           # ten times smaller
        ("69", "Rhône", None, 20),           # A1 secret or absent: no size, never proposed
        ("75", "Paris", 40_000.0, 0),        # no agency in the referential: no size
        ("32", "Gers", 4_000.0, 2),          # tie with the Lot: by code
    )
    similaires = vc.territoires_similaires(tailles, "31", k=4)
    assert similaires["code"].to_list() == ["34", "13", "33", "32"]
    assert similaires["distance"][0] == math.log(1.1)
    assert math.isclose(similaires["distance"][1], math.hypot(math.log(0.91), math.log(1.1)))
    assert similaires["ecart_effectif"][0] == 44_000 / 40_000 - 1
    # why: the size, said honestly when the nearest is still far (beyond 1,5 times or 2/3)
    assert similaires["raison"].to_list() == [
        "effectif inscrit comparable", "effectif inscrit comparable",
        "parmi les plus proches en taille, effectif inscrit nettement plus élevé",
        "parmi les plus proches en taille, effectif inscrit nettement plus faible"]
    assert vc.territoires_similaires(tailles, "31")["code"].to_list() == ["34", "13", "33", "32", "46"]
    # a territory whose own size is unknown gets no proposal (not a ranking on nothing)
    assert vc.territoires_similaires(tailles, "69").height == 0
    assert vc.territoires_similaires(tailles, "99").height == 0


def test_tailles_un_effectif_secret_ne_donne_pas_de_taille():
    territoires = _tailles(("31", "Haute-Garonne", None, 20), ("34", "Hérault", None, 10),
                           ("46", "Lot", None, 2)).drop("effectif")
    effectifs = pl.DataFrame([_cellule(date(2025, 6, 1), 400.0), _cellule(date(2025, 6, 1), None, "34", secret=True)])
    tailles = vc.tailles_territoires(territoires, effectifs)
    assert tailles.rows() == [("31", "Haute-Garonne", 400.0, 20), ("34", "Hérault", None, 10), ("46", "Lot", None, 2)]


def test_tableau_des_similaires():
    similaires = vc.territoires_similaires(_tailles(("31", "Haute-Garonne", 400.0, 20), ("34", "Hérault", 420.0, 18)),
                                           "31")
    tableau = vc.tableau_similaires(similaires, "DEPARTEMENT", date(2025, 6, 1), "A1 – Demandeurs", 400.0, 20)
    assert tableau.columns == ["Territoire", "A1 – Demandeurs (juin 2025, contre 400)", "Écart d'inscrits",
                               "Agences (contre 20)", "Pourquoi"]
    assert tableau.row(0) == ("34 – Hérault", "420", f"+5{NBSP}%", "18", "effectif inscrit comparable")


def test_bascule_sur_12_mois_seulement_pour_les_indicateurs_qui_en_ont():
    dico = {A1: {"types_periode": "mois"}, A2: {"types_periode": "mois, trimestre, cumul_12_mois"},
            B1: {"types_periode": ["mois", "trimestre", "cumul_12_mois"]}}
    assert vc.type_periode(True, A2, dico) == "cumul_12_mois"
    assert vc.type_periode(True, B1, dico) == "cumul_12_mois"
    assert vc.type_periode(False, A2, dico) == "mois"
    # a stock has no 12-month value: its months are shown, and the page says why
    assert vc.type_periode(True, A1, dico) == "mois"
    assert "stock" in vc.texte_sans_12_mois("Demandeurs en fin de mois")
    # what a point is, by unit: a sum, a pooled rate, a pooled median
    assert "somme des 12 mois" in vc.lecture_12_mois("nombre")
    assert "numérateurs et dénominateurs additionnés" in vc.lecture_12_mois("taux")
    assert "médiane des personnes des 12 mois réunies" in vc.lecture_12_mois("jours")


def test_annee_precedente_sous_le_mois_compare():
    mois = _mois(date(2025, 1, 1), 4)
    avant = [_cellule(vues.mois_decale(m, 12), 100.0 + i) for i, m in enumerate(mois)]
    avant[2] = _cellule(vues.mois_decale(mois[2], 12), None, secret=True)
    serie = pl.DataFrame(avant + [_cellule(m, 200.0 + i) for i, m in enumerate(mois)])
    fig = vc.ajouter_annee_precedente(vues.figure_serie(serie.filter(pl.col("periode") >= mois[0])), serie, mois,
                                      "31 – Haute-Garonne")
    n1 = fig.data[-1]
    assert n1.name == "31 – Haute-Garonne, un an plus tôt" and n1.line.dash == "dash"
    assert list(n1.x) == mois and list(n1.y) == [100.0, 101.0, None, 103.0]  # a secret month is a gap
    assert "janvier 2024 : 100" in n1.text[0] and n1.text[2].endswith(": s")
    tableau = vc.tableau_comparaison(serie.filter(pl.col("periode") >= mois[0]), serie)
    assert tableau.columns == ["Mois", "31 – Haute-Garonne", "31 – Haute-Garonne, un an plus tôt"]
    assert tableau.row(0) == ("janv. 2025", "200", "100") and tableau.row(2)[2] == "s"


def test_tableau_comparaison_une_colonne_par_territoire_dans_l_ordre():
    m = date(2025, 3, 1)
    series = pl.DataFrame([_cellule(m, 200.0), _cellule(m, None, "34", secret=True),
                           _cellule(vues.mois_decale(m, 1), 150.0)])
    tableau = vc.tableau_comparaison(series)
    assert tableau.columns == ["Mois", "31 – Haute-Garonne", "34 – Hérault"]
    assert tableau.rows() == [("févr. 2025", "150", "–"), ("mars 2025", "200", "s")]
