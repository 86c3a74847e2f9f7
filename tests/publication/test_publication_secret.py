"""Statistical disclosure control on hand-made cells: each primary rule, the threshold, the
secondary rules (breakdown, territories, levels) and their iteration."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.publication import appliquer_secret, appliquer_secret_detail, famille, seuil_effectif


def secret_de(df: pl.DataFrame, **filtre) -> dict:
    rows = df.filter(*(pl.col(k) == v for k, v in filtre.items())).to_dicts()
    assert len(rows) == 1, filtre
    return rows[0]


def _appliquer(outils, rows, seuil=11, detail=False):
    f = appliquer_secret_detail if detail else appliquer_secret
    return f(outils.cellules(rows), seuil, outils.HIERARCHIE)


# ---- primary rules --------------------------------------------------------------------------


@pytest.mark.parametrize("valeur, secret", [(0, False), (1, True), (10, True), (11, False), (250, False)])
def test_count_between_1_and_10_is_secret(outils, valeur, secret):
    out = _appliquer(outils, [outils.cellule("NATIONAL", "FR", valeur)])
    row = out.row(0, named=True)
    assert row["secret"] is secret
    assert row["motif_secret"] == ("primaire_effectif" if secret else None)
    assert (row["valeur"] is None) is secret


@pytest.mark.parametrize(
    "num, den, motif",
    [(0, 10, "primaire_denominateur"), (5, 10, "primaire_denominateur"), (0, 11, None), (1, 11, "primaire_numerateur"),
     (10, 40, "primaire_numerateur"), (11, 40, None), (11, 11, None)],
)
def test_ratio_rules(outils, num, den, motif):
    row = _appliquer(outils, [outils.cellule("NATIONAL", "FR", unite="taux", indicateur="taux_diagnostic_30j",
                                             numerateur=num, denominateur=den)]).row(0, named=True)
    assert row["motif_secret"] == motif
    assert row["secret"] is (motif is not None)


@pytest.mark.parametrize("population, secret", [(3, True), (10, True), (11, False)])
def test_median_secret_on_population(outils, population, secret):
    row = _appliquer(outils, [outils.cellule("NATIONAL", "FR", 12.0, unite="jours",
                                             indicateur="delai_inscription_diagnostic_median",
                                             numerateur=2, denominateur=population)]).row(0, named=True)
    assert row["secret"] is secret
    assert row["motif_secret"] == ("primaire_population" if secret else None)


def test_secret_rows_keep_their_row_with_values_nulled(outils):
    rows = [outils.cellule("NATIONAL", "FR", 4), outils.cellule("NATIONAL", "FR", 40, indicateur="entrees"),
            outils.cellule("NATIONAL", "FR", unite="taux", indicateur="taux_diagnostic_30j", numerateur=3, denominateur=50)]
    out = _appliquer(outils, rows)
    assert out.height == 3
    assert out.columns[:12] == list(outils.SCHEMA) and out.columns[12:] == ["secret", "motif_secret"]
    for r in out.filter(pl.col("secret")).to_dicts():
        assert r["numerateur"] is None and r["denominateur"] is None and r["valeur"] is None
    assert secret_de(out, indicateur="entrees")["valeur"] == 40


# ---- threshold --------------------------------------------------------------------------------


def test_threshold_is_a_setting(outils):
    rows = [outils.cellule("NATIONAL", "FR", v, indicateur=i) for i, v in (("entrees", 4), ("sorties", 5))]
    out = _appliquer(outils, rows, seuil=5)
    assert secret_de(out, indicateur="entrees")["secret"] and not secret_de(out, indicateur="sorties")["secret"]
    out = _appliquer(outils, [outils.cellule("NATIONAL", "FR", 15)], seuil=20)
    assert out["secret"].to_list() == [True]


@pytest.mark.parametrize("code", ["controles_decides", "alertes"])
def test_families_d_and_e_never_go_below_11(outils, code):
    out = _appliquer(outils, [outils.cellule("NATIONAL", "FR", 10, indicateur=code)], seuil=5)
    assert out["secret"].to_list() == [True]
    assert seuil_effectif(code, 5) == 11 and seuil_effectif(code, 15) == 15
    assert seuil_effectif("entrees", 5) == 5
    ratio = outils.cellule("NATIONAL", "FR", unite="taux", indicateur="taux_sanction_cre", numerateur=3, denominateur=8)
    assert _appliquer(outils, [ratio], seuil=3)["secret"].to_list() == [True]


def test_family_mapping_and_unknown_codes_get_the_floor():
    assert famille("demandeurs_fin_de_mois") == "A" and famille("delai_traitement_alerte_median") == "E"
    assert famille("taux_retour_emploi_6m") == "C" and famille("inconnu") is None
    assert seuil_effectif("inconnu", 5) == 11


@pytest.mark.parametrize("seuil", [0, -3])
def test_threshold_below_1_is_refused(outils, seuil):
    with pytest.raises(ValueError, match="Seuil de secret statistique invalide"):
        _appliquer(outils, [outils.cellule("NATIONAL", "FR", 4)], seuil=seuil)


def test_unknown_unit_is_refused(outils):
    with pytest.raises(ValueError, match="Unité inconnue"):
        _appliquer(outils, [outils.cellule("NATIONAL", "FR", 4, unite="pourcent")])


# ---- secondary: within a breakdown ----------------------------------------------------------


def _ventilation(outils, ensemble, modalites, **kw):
    rows = [outils.cellule("NATIONAL", "FR", ensemble, **kw)]
    rows += [outils.cellule("NATIONAL", "FR", v, dimension="sexe", modalite=m, **kw) for m, v in modalites.items()]
    return rows


def test_breakdown_hides_the_smallest_other_non_zero_modality(outils):
    out = _appliquer(outils, _ventilation(outils, 100, {"a": 5, "b": 30, "c": 20, "d": 45, "z": 0}))
    assert secret_de(out, modalite="a")["motif_secret"] == "primaire_effectif"
    assert secret_de(out, modalite="c")["motif_secret"] == "secondaire_modalites"
    assert not any(secret_de(out, modalite=m)["secret"] for m in ("b", "d", "z", "ensemble"))


def test_zero_is_never_the_complement(outils):
    out = _appliquer(outils, _ventilation(outils, 100, {"a": 5, "z": 0, "y": 0, "b": 40, "c": 55}))
    assert [r["modalite"] for r in out.filter(pl.col("secret")).to_dicts()] == ["a", "b"]


def test_two_secret_modalities_need_nothing_more(outils):
    out = _appliquer(outils, _ventilation(outils, 100, {"a": 5, "b": 7, "c": 88}))
    assert out["secret"].sum() == 2


def test_breakdown_of_a_secret_ensemble_needs_nothing_more(outils):
    out = _appliquer(outils, _ventilation(outils, 8, {"a": 8, "b": 0}))
    assert out.filter(pl.col("secret"))["modalite"].to_list() == ["ensemble", "a"]


def test_ratio_complement_is_the_smallest_denominator(outils):
    kw = dict(unite="taux", indicateur="taux_diagnostic_30j")
    rows = [outils.cellule("NATIONAL", "FR", numerateur=60, denominateur=200, **kw)]
    for m, (n, d) in {"a": (5, 50), "b": (20, 40), "c": (35, 110)}.items():
        rows.append(outils.cellule("NATIONAL", "FR", dimension="allocation", modalite=m, numerateur=n, denominateur=d, **kw))
    out = _appliquer(outils, rows)
    assert secret_de(out, modalite="a")["motif_secret"] == "primaire_numerateur"
    assert secret_de(out, modalite="b")["motif_secret"] == "secondaire_modalites"
    assert not secret_de(out, modalite="c")["secret"]


def test_lone_secret_modality_without_other_non_zero_hides_the_ensemble(outils):
    # Not additive (ensemble 15, modalities 5 + 0): the only cell left to protect it is the total.
    out = _appliquer(outils, _ventilation(outils, 15, {"a": 5, "z": 0}))
    assert secret_de(out, modalite="ensemble")["motif_secret"] == "secondaire_modalites"
    assert not secret_de(out, modalite="z")["secret"]


# ---- secondary: among territories -----------------------------------------------------------


def test_departements_of_a_region(outils):
    rows = [outils.cellule("REGION", "R1", 100), outils.cellule("DEPARTEMENT", "D1", 5),
            outils.cellule("DEPARTEMENT", "D2", 40), outils.cellule("DEPARTEMENT", "D3", 55)]
    out = _appliquer(outils, rows)
    assert secret_de(out, territoire="D2")["motif_secret"] == "secondaire_territoires"
    assert not secret_de(out, territoire="D3")["secret"] and not secret_de(out, territoire="R1")["secret"]


def test_agencies_of_a_bassin(outils):
    rows = [outils.cellule("BASSIN", "B1", 50), outils.cellule("AGENCE", "a11", 3),
            outils.cellule("AGENCE", "a12", 20), outils.cellule("AGENCE", "a21", 27)]
    out = _appliquer(outils, rows)
    assert secret_de(out, territoire="a12")["motif_secret"] == "secondaire_territoires"
    assert not secret_de(out, territoire="a21")["secret"]


def test_agencies_of_a_departement_and_regions_of_fr(outils):
    rows = [outils.cellule("DEPARTEMENT", "D1", 60), outils.cellule("AGENCE", "a11", 4),
            outils.cellule("AGENCE", "a12", 30), outils.cellule("AGENCE", "a13", 26),
            outils.cellule("NATIONAL", "FR", 30), outils.cellule("REGION", "R1", 22), outils.cellule("REGION", "R2", 8)]
    out = _appliquer(outils, rows)
    assert secret_de(out, territoire="a13")["motif_secret"] == "secondaire_territoires"
    assert secret_de(out, territoire="R1")["motif_secret"] == "secondaire_territoires"


def test_hidden_parent_is_protected_among_its_children(outils):
    # D2 is hidden to protect D1 in R1; D2's agencies all published would give D2 back: one goes.
    rows = [outils.cellule("REGION", "R1", 100), outils.cellule("DEPARTEMENT", "D1", 5),
            outils.cellule("DEPARTEMENT", "D2", 40), outils.cellule("DEPARTEMENT", "D3", 55),
            outils.cellule("AGENCE", "a21", 25), outils.cellule("AGENCE", "a22", 15)]
    out = _appliquer(outils, rows, detail=True)
    assert secret_de(out, territoire="D2")["tour_secret"] == 1
    a22 = secret_de(out, territoire="a22")
    assert a22["motif_secret"] == "secondaire_niveaux" and a22["tour_secret"] == 2
    assert outils.attaquer(_appliquer(outils, rows).to_dicts(), outils.HIERARCHIE) == {}


def test_iterates_until_no_group_has_a_single_secret(outils):
    """A complement chosen in a breakdown (D1 H) is alone in the region's H group: a second round
    hides another département's H."""
    rows = []
    for ter, niv, f, h in (("R1", "REGION", 150, 150), ("D1", "DEPARTEMENT", 5, 95),
                           ("D2", "DEPARTEMENT", 60, 20), ("D3", "DEPARTEMENT", 85, 35)):
        rows += [outils.cellule(niv, ter, f + h), outils.cellule(niv, ter, f, dimension="sexe", modalite="F"),
                 outils.cellule(niv, ter, h, dimension="sexe", modalite="H")]
    out = _appliquer(outils, rows, detail=True)
    assert secret_de(out, territoire="D1", modalite="H")["motif_secret"] == "secondaire_modalites"
    assert secret_de(out, territoire="D2", modalite="F")["motif_secret"] == "secondaire_territoires"
    second = out.filter(pl.col("tour_secret") >= 2)
    assert second.height >= 1
    assert outils.attaquer(_appliquer(outils, rows).to_dicts(), outils.HIERARCHIE) == {}


def _table_aleatoire(graine: int, indicateur: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cells of one indicator over two months (agencies × modalities, ensembles, départements) with
    random small counts, and their agencies' hierarchy."""
    import numpy as np

    rng = np.random.default_rng(graine)
    lignes = []
    for periode in ("2025-01-01", "2025-02-01"):
        for _dep, agences in (("31", ["A1", "A2", "A3"]), ("32", ["A4", "A5"])):
            for agence in agences:
                for mod in ("x", "y", "z"):
                    lignes.append(("AGENCE", agence, "d", mod, periode, float(rng.integers(0, 25))))
    cells = pl.DataFrame(lignes, schema=["niveau", "territoire", "dimension", "modalite", "periode", "valeur"], orient="row")
    # ensemble = sum of modalities; départements and region = sums of agencies
    agg = cells.group_by("niveau", "territoire", "periode").agg(pl.col("valeur").sum()).with_columns(
        pl.lit("ensemble").alias("dimension"), pl.lit("ensemble").alias("modalite"))
    cells = pl.concat([cells, agg.select(cells.columns)])
    dep_of = {"A1": "31", "A2": "31", "A3": "31", "A4": "32", "A5": "32"}
    deps = (cells.filter(pl.col("niveau") == "AGENCE")
            .with_columns(pl.col("territoire").replace_strict(dep_of).alias("territoire"), pl.lit("DEPARTEMENT").alias("niveau"))
            .group_by("niveau", "territoire", "dimension", "modalite", "periode").agg(pl.col("valeur").sum()))
    cells = pl.concat([cells, deps.select(cells.columns)]).with_columns(
        pl.lit(indicateur).alias("indicateur"), pl.col("periode").str.to_date(), pl.lit("mois").alias("type_periode"),
        pl.col("valeur").alias("numerateur"), pl.lit(None, dtype=pl.Float64).alias("denominateur"),
        pl.lit("nombre").alias("unite"), pl.lit(False).alias("provisoire"))
    hierarchie = pl.DataFrame({"code_agence": list(dep_of), "code_bassin": ["B1"] * 5,
                               "code_departement": list(dep_of.values()), "code_region": ["76"] * 5})
    return cells, hierarchie


def test_secret_ne_depend_pas_de_l_ordre_des_lignes():
    """Same cells in another order: same secret cells, same motifs (a rebuild must not move them)."""
    cells, hierarchie = _table_aleatoire(5, "entrees")
    cle = ["indicateur", "periode", "niveau", "territoire", "dimension", "modalite"]
    a = appliquer_secret(cells, 11, hierarchie).sort(cle)
    b = appliquer_secret(cells.sample(fraction=1.0, shuffle=True, seed=9), 11, hierarchie).sort(cle)
    assert a["secret"].sum() > 0
    assert a.equals(b)


def test_published_view_written_one_indicator_at_a_time_is_the_view_of_all_cells_at_once():
    """``publier_vue`` applies the group rule indicator by indicator (memory of the largest one,
    not of all): its equations never leave an indicator, so the view is the same."""
    import duckdb

    from pipelines.publication import COLONNES_CONTRAT, COLONNES_PUBLICATION, publier_vue

    parts = [_table_aleatoire(graine, ind) for graine, ind in ((5, "entrees"), (6, "sorties"), (7, "demandeurs_fin_de_mois"))]
    cells = pl.concat([c for c, _ in parts]).select(COLONNES_CONTRAT)
    hierarchie = parts[0][1]
    con = duckdb.connect()
    con.execute("create schema marts; create schema intermediate")
    con.register("c", cells.to_arrow())
    con.register("h", hierarchie.to_arrow())
    con.execute("create table marts.indicateurs as select * from c")
    con.execute("create table intermediate.int_territoires__agences as select * from h")
    assert publier_vue(con, 11, "groupes") == cells.height
    cle = ["indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite"]
    vue = con.sql("select * from publication.indicateurs").pl().sort(cle)
    attendu = appliquer_secret(cells, 11, hierarchie).select(COLONNES_PUBLICATION).sort(cle)
    assert vue["secret"].sum() > 0
    assert vue.equals(attendu)
