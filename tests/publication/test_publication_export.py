"""``socle export`` and ``publier_vue``: each format read back, filters, French Excel conventions."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.export import COLONNES_DICTIONNAIRE, ENTETES, ExportError, exporter
from pipelines.publication import COLONNES_PUBLICATION, publier_vue


@pytest.fixture
def entrepot(tmp_path, outils):
    rows = []
    for periode in (date(2025, 1, 1), date(2025, 2, 1)):
        rows += [
            outils.cellule("NATIONAL", "FR", 120, periode=periode),
            outils.cellule("REGION", "76", 100, periode=periode),
            outils.cellule("REGION", "93", 20, periode=periode),
            outils.cellule("REGION", "76", 4, periode=periode, indicateur="entrees"),
            outils.cellule("REGION", "76", unite="taux", indicateur="taux_diagnostic_30j", numerateur=12,
                           denominateur=40, periode=periode),
        ]
    path = tmp_path / "socle.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.register("c", outils.cellules(rows).to_arrow())
    con.execute("create table marts.indicateurs as select * from c")
    n = publier_vue(con, 11)
    # the dictionary the build writes (marts.dictionnaire): the export reads it, never dbt's manifest
    con.execute(f"create table marts.dictionnaire ({', '.join(f'{c} varchar' for c in COLONNES_DICTIONNAIRE)})")
    con.executemany(f"insert into marts.dictionnaire values ({', '.join('?' for _ in COLONNES_DICTIONNAIRE)})", [
        ["demandeurs_fin_de_mois", "A1", "A. Captation", "Demandeurs inscrits en fin de mois", "nombre",
         "disponible", "Épisodes ouverts le dernier jour du mois.", "", "", "categorie, sexe", "mois",
         "inscriptions", "", "Premier choix.\nSecond choix."],
        ["entrees", "A2", "A. Captation", "Entrées", "nombre", "disponible", None, None, None, "", "mois, trimestre",
         "inscriptions", None, ""],
    ])
    con.close()
    assert n == len(rows)
    return path


def test_publier_vue_writes_the_published_table(entrepot):
    con = duckdb.connect(str(entrepot), read_only=True)
    cols = [r[0] for r in con.execute("describe publication.indicateurs").fetchall()]
    secrets = con.execute("select count(*), count(valeur) from publication.indicateurs where secret").fetchone()
    con.close()
    assert cols == COLONNES_PUBLICATION
    assert secrets == (2, 0)  # entrees = 4, each month


def test_csv_is_excel_french(entrepot, tmp_path):
    out = tmp_path / "export.csv"
    n = exporter(entrepot, out)
    brut = out.read_bytes()
    assert brut.startswith(b"\xef\xbb\xbf")
    lignes = brut.decode("utf-8-sig").splitlines()
    assert lignes[0].split(";") == [ENTETES[c] for c in ENTETES]
    assert len(lignes) == n + 1 == 11
    df = pl.read_csv(out, separator=";", infer_schema=False)
    entrees = df.filter(pl.col("Indicateur") == "entrees")
    assert entrees["Valeur"].to_list() == ["s", "s"] and entrees["Secret"].to_list() == ["oui", "oui"]
    taux = df.filter(pl.col("Indicateur") == "taux_diagnostic_30j")["Valeur"].to_list()
    assert taux == ["0,3", "0,3"]
    assert "motif" not in brut.decode("utf-8-sig").lower()


def test_filters(entrepot, tmp_path):
    out = tmp_path / "f.parquet"
    assert exporter(entrepot, out, niveaux=["REGION"], depuis="2025-02") == 4
    df = pl.read_parquet(out)
    assert set(df["niveau"]) == {"REGION"} and set(df["periode"]) == {date(2025, 2, 1)}
    assert exporter(entrepot, out, territoires=["93"], indicateurs=["demandeurs_fin_de_mois"]) == 2
    assert exporter(entrepot, out, indicateurs=["inexistant"]) == 0
    with pytest.raises(ExportError, match="AAAA-MM"):
        exporter(entrepot, out, depuis="février")


def test_parquet_keeps_types_and_nulls_secret_values(entrepot, tmp_path):
    out = tmp_path / "e.parquet"
    exporter(entrepot, out)
    df = pl.read_parquet(out)
    assert df.columns == [*COLONNES_PUBLICATION[:-1]]
    assert df.schema["valeur"] == pl.Float64 and df.schema["periode"] == pl.Date
    assert df.filter(pl.col("secret"))["valeur"].null_count() == 2


def test_interne_reads_the_marts(entrepot, tmp_path):
    out = tmp_path / "i.parquet"
    exporter(entrepot, out, publie=False, indicateurs=["entrees"])
    df = pl.read_parquet(out)
    assert "secret" not in df.columns and df["valeur"].to_list() == [4.0, 4.0]


def test_xlsx_has_data_and_dictionary(entrepot, tmp_path):
    out = tmp_path / "e.xlsx"
    exporter(entrepot, out)
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Indicateurs", "Dictionnaire"]
    rows = list(wb["Indicateurs"].iter_rows(values_only=True))
    assert list(rows[0]) == list(ENTETES.values())
    entrees = [r for r in rows[1:] if r[0] == "entrees"]
    assert all(r[6] == "s" and r[8] == "s" and r[11] == "oui" for r in entrees)
    nombres = [r[8] for r in rows[1:] if r[0] == "demandeurs_fin_de_mois"]
    assert all(isinstance(v, (int, float)) for v in nombres)
    dico = list(wb["Dictionnaire"].iter_rows(values_only=True))
    assert dico[0][0] == "Indicateur"
    assert "demandeurs_fin_de_mois" in {r[0] for r in dico[1:]}


def test_xlsx_dictionary_is_the_warehouse_s_without_dbt(entrepot, tmp_path, monkeypatch):
    import pipelines.dbt_runner as dbt_runner

    def interdit(*a, **k):
        raise AssertionError("l'export ne lit pas le manifeste de dbt et ne lance pas dbt")

    for nom in ("ensure_manifest", "dictionnaire_indicateurs", "run_dbt"):
        monkeypatch.setattr(dbt_runner, nom, interdit)
    out = tmp_path / "d.xlsx"
    exporter(entrepot, out)
    dico = list(load_workbook(out)["Dictionnaire"].iter_rows(values_only=True))
    assert list(dico[0]) == ["Indicateur", "Numero", "Famille", "Libelle", "Unite", "Statut", "Definition",
                             "Population", "Fenetre", "Ventilations", "Types periode", "Exports sources",
                             "Territoire", "Choix"]
    a1, a2 = dico[1:]  # by number
    assert a1[:4] == ("demandeurs_fin_de_mois", "A1", "A. Captation", "Demandeurs inscrits en fin de mois")
    assert a1[9] == "categorie, sexe" and a1[13] == "Premier choix.\nSecond choix."
    assert a1[7] is None and a2[13] is None  # empty text is an empty cell
    # a warehouse built before the dictionary was a table: the sheet has its headers only
    con = duckdb.connect(str(entrepot))
    con.execute("drop table marts.dictionnaire")
    con.close()
    exporter(entrepot, out)
    dico = list(load_workbook(out)["Dictionnaire"].iter_rows(values_only=True))
    assert len(dico) == 1 and dico[0][:2] == ("Indicateur", "Numero")


def test_cli_export(entrepot, tmp_path):
    out = tmp_path / "cli.csv"
    res = CliRunner().invoke(app, ["export", "--entrepot", str(entrepot), "--sortie", str(out),
                                   "--niveau", "REGION", "--niveau", "NATIONAL", "--depuis", "2025-01"])
    assert res.exit_code == 0, res.output
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 11
    res = CliRunner().invoke(app, ["export", "--entrepot", str(entrepot), "--sortie", str(tmp_path / "x.json")])
    assert res.exit_code == 1 and "Format inconnu" in res.output
