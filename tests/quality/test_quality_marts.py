"""Mart suites, volumes and the gate on hand-made warehouses (no build)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from quality import cibles, regles
from quality.gates import controler, lire_statut

from .conftest import bonnes_cellules, creer_entrepot, enregistrer_fichier, ligne_marts


def _controler(path: Path, data_dir: Path | None = None):
    return controler(path, [], data_dir)


def test_quality_good_marts_pass(tmp_path):
    rapport = _controler(creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules()), tmp_path / "data")
    assert rapport.bloquants == [] and rapport.avertissements == [], rapport.resume()
    assert rapport.statut == "OK"
    assert rapport.data_docs is not None and rapport.data_docs.exists()
    docs = tmp_path / "data" / "qualite" / "data_docs"
    assert rapport.data_docs == docs / "sommaire.html"
    assert (docs / "index.html").exists()  # GX's own site beside it
    sommaire = rapport.data_docs.read_text(encoding="utf-8")
    # readable offline: no external script or style, every GX validation page linked
    assert "http" not in sommaire.split("<h2>")[0].replace("href='index.html'", "")
    pages = list((docs / "validations").rglob("*.html"))
    assert pages and all(p.relative_to(docs).as_posix() in sommaire for p in pages)
    assert list((tmp_path / "data" / "qualite" / "validations").glob("validation_*.json"))


def test_quality_ratio_out_of_range_blocks(tmp_path):
    cells = bonnes_cellules() + [ligne_marts("taux_diagnostic_30j", date(2025, 2, 1), "REGION", "76", 1.4,
                                             num=14, den=10, unite="taux")]
    rapport = _controler(creer_entrepot(tmp_path / "w.duckdb", cells))
    noms = {r.controle for r in rapport.bloquants}
    assert noms == {"taux.entre_0_et_1", "taux.numerateur_inferieur_denominateur"}
    detail = next(r.details for r in rapport.bloquants if r.controle == "taux.entre_0_et_1")
    assert "taux_diagnostic_30j" in detail and "2025-02-01" in detail
    assert "taux.entre_0_et_1" in rapport.message_blocage()


def test_quality_secret_cell_with_value_blocks(tmp_path):
    rapport = _controler(creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules(), secret_avec_valeur=True))
    assert [r.controle for r in rapport.bloquants] == ["publication.secret_sans_valeur"]


def test_quality_publication_row_count_blocks(tmp_path):
    rapport = _controler(creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules(), publication_manquante=2))
    assert [r.controle for r in rapport.bloquants] == ["publication.memes_cellules"]


def test_quality_grid_gap_and_jump_warn(tmp_path):
    cells = [c for c in bonnes_cellules() if not (c[2] == "DEPARTEMENT" and c[1] == date(2025, 3, 1))]
    cells = [ligne_marts(*c[:4], 2500) if (c[0] == "demandeurs_fin_de_mois" and c[2] == "REGION"
                                            and c[1] == date(2025, 5, 1)) else c for c in cells]
    rapport = _controler(creer_entrepot(tmp_path / "w.duckdb", cells))
    assert rapport.bloquants == []
    warn = {r.controle: r for r in rapport.avertissements}
    assert set(warn) == {"grille.a1_sans_trou", "sauts.variation_mensuelle"}
    assert "31" in warn["grille.a1_sans_trou"].details and "2025-03-01" in warn["grille.a1_sans_trou"].details
    # the jump up to May and the fall back in June
    assert warn["sauts.variation_mensuelle"].anomalies == 2
    assert "2025-05-01" in warn["sauts.variation_mensuelle"].details


def test_quality_reference_band(tmp_path):
    path = creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules())
    with duckdb.connect(str(path), read_only=True) as con:
        refs = cibles.references(con)
    ligne = refs[refs.indicateur == "taux_sanction_cre"].iloc[0]
    assert abs(ligne.observe - 0.17) < 1e-9 and abs(ligne.ecart_normalise) < 1e-9
    cells = [ligne_marts("taux_sanction_cre", c[1], "NATIONAL", "FR", 0.6, num=60, den=100, unite="taux")
             if c[0] == "taux_sanction_cre" else c for c in bonnes_cellules()]
    rapport = _controler(creer_entrepot(tmp_path / "w2.duckdb", cells))
    assert [r.controle for r in rapport.avertissements] == ["references.bande_plausible"]
    assert "taux_sanction_cre" in rapport.avertissements[0].details


def test_quality_monthly_checks_read_monthly_cells_only(tmp_path):
    """A quarter and a 12-month total share periode with their last month: the checks about
    months (jumps, A1 grid, reference averages) ignore them; the ratio bounds check them too."""
    plusieurs_mois = [
        ligne_marts("demandeurs_fin_de_mois", date(2025, 3, 1), "REGION", "76", 9000, type_periode="trimestre"),
        ligne_marts("demandeurs_fin_de_mois", date(2025, 6, 1), "DEPARTEMENT", "32", 9000, type_periode="trimestre"),
        ligne_marts("taux_sanction_cre", date(2025, 3, 1), "NATIONAL", "FR", 0.9, num=270, den=300, unite="taux",
                    type_periode="trimestre"),
        ligne_marts("taux_sanction_cre", date(2025, 6, 1), "NATIONAL", "FR", 0.8, num=480, den=600, unite="taux",
                    type_periode="cumul_12_mois"),
    ]
    path = creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules() + plusieurs_mois)
    rapport = _controler(path)
    assert rapport.bloquants == [] and rapport.avertissements == [], rapport.resume()
    with duckdb.connect(str(path), read_only=True) as con:
        refs = cibles.references(con)
    assert abs(refs[refs.indicateur == "taux_sanction_cre"].iloc[0].observe - 0.17) < 1e-9

    hors_bornes = ligne_marts("taux_sanction_cre", date(2025, 6, 1), "NATIONAL", "FR", 1.2, num=120, den=100,
                              unite="taux", type_periode="trimestre")
    rapport = _controler(creer_entrepot(tmp_path / "w2.duckdb", bonnes_cellules() + [hors_bornes]))
    assert {r.controle for r in rapport.bloquants} == {"taux.entre_0_et_1", "taux.numerateur_inferieur_denominateur"}
    assert "trimestre" in next(r.details for r in rapport.bloquants if r.controle == "taux.entre_0_et_1")


def test_quality_volume_check(tmp_path, validateur):
    path = creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules())
    d0 = date(2025, 1, 1)
    with duckdb.connect(str(path)) as con:
        for i in range(10):
            enregistrer_fichier(con, i + 1, "inscriptions", d0 + timedelta(days=i), 100 + i)
        enregistrer_fichier(con, 11, "inscriptions", d0 + timedelta(days=10), 110)  # normal
        enregistrer_fichier(con, 12, "inscriptions", d0 + timedelta(days=11), 5)  # sudden drop
        enregistrer_fichier(con, 13, "inscriptions", d0 + timedelta(days=12), 2000)  # surge
        enregistrer_fichier(con, 14, "orientations", d0, 3)  # no history: not judged
        v = cibles.volumes(con, [11, 12, 13, 14])
    res = validateur.valider("volumes", "raw._fichiers", v, regles.suite_volumes())[0]
    assert not res.succes and res.severite == regles.AVERTISSEMENT
    assert res.anomalies == 2
    assert "inscriptions_20250112.csv" in res.details and "inscriptions_20250113.csv" in res.details
    ok = validateur.valider("volumes", "raw._fichiers", v[v.fichier.str.contains("20250111|orientations")],
                            regles.suite_volumes())[0]
    assert ok.succes


def test_quality_results_stored_and_read_back(tmp_path):
    path = creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules(), secret_avec_valeur=True)
    rapport = controler(path, None, tmp_path / "data")
    with duckdb.connect(str(path), read_only=True) as con:
        n, echecs = con.execute("select count(*), count(*) filter (where not succes) from qualite.resultats").fetchone()
        statut = con.execute("select statut from qualite.executions").fetchone()[0]
    assert n == len(rapport.resultats) and echecs == 1 and statut == "BLOQUE"
    relu = lire_statut(path)
    assert relu is not None and [r.controle for r in relu.bloquants] == ["publication.secret_sans_valeur"]
    assert relu.data_docs == rapport.data_docs
    assert "BLOQUÉ" in relu.resume() and "publication.secret_sans_valeur" in relu.resume()


def test_quality_loads_checked_once_passed(tmp_path):
    path = creer_entrepot(tmp_path / "w.duckdb", bonnes_cellules())
    with duckdb.connect(str(path)) as con:
        enregistrer_fichier(con, 1, "inscriptions", date(2025, 1, 1), 0)
    assert controler(path, None, None).chargements == [1]
    assert controler(path, None, None).chargements == []
