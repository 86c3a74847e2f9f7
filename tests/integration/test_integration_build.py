"""End to end: a small generated inbox → `socle construire` → published warehouse."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.settings import Settings

pytestmark = pytest.mark.slow

LEVELS = {"NATIONAL", "REGION", "DEPARTEMENT", "BASSIN", "AGENCE", "PLATEFORME"}
CONTRACT_COLUMNS = [
    "indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite",
    "numerateur", "denominateur", "valeur", "unite", "provisoire",
]


@pytest.fixture(scope="module")
def built(entrepot_integration):
    """The suite's end-to-end build (tests/conftest.py: the one with the dbt data tests)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOCLE_DATA_DIR", str(entrepot_integration["root"] / "data"))  # its quality results and Data Docs
    yield entrepot_integration
    mp.undo()


def interne(warehouse: Path) -> Path:
    """The internal warehouse (the build's work copy): raw layer, quarantine and models live there."""
    return Settings.from_env(warehouse=warehouse).work_warehouse


def query(warehouse: Path, sql: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_indicator_table_follows_the_contract(built):
    cols = [r[0] for r in query(built["warehouse"], "describe marts.indicateurs")]
    assert cols == CONTRACT_COLUMNS
    levels = {r[0] for r in query(built["warehouse"], "select distinct niveau from marts.indicateurs")}
    assert levels == LEVELS
    # the CRE platforms' own level holds H6 only
    (plateformes,) = query(built["warehouse"], "select list(distinct indicateur) from marts.indicateurs "
                                               "where niveau = 'PLATEFORME'")[0]
    assert plateformes == ["controles_par_plateforme"]
    codes = {r[0] for r in query(built["warehouse"], "select distinct indicateur from marts.indicateurs")}
    assert {"demandeurs_fin_de_mois", "delai_inscription_diagnostic_median"} <= codes
    (arrete,) = query(built["warehouse"], "select date_arrete from marts.arrete")[0]
    (latest,) = query(interne(built["warehouse"]), "select max(date_extraction) from raw._fichiers where statut = 'CHARGE'")[0]
    assert arrete == latest


def test_the_build_runs_the_dbt_data_tests_on_generated_data(built):
    """The data tests of every model pass on generated data (the other builds of the suite run
    without them: SOCLE_TESTS_DONNEES=non)."""
    resultats = json.loads((Settings.from_env(warehouse=built["warehouse"]).work_dir
                            / "dbt_target" / "run_results.json").read_text())["results"]
    tests = [r for r in resultats if r["unique_id"].startswith("test.")]
    assert len(tests) > 300 and {r["status"] for r in tests} == {"pass"}


def test_the_build_runs_the_quality_gate_and_its_status_is_printed(built):
    assert "Contrôles qualité" in built["output"]
    docs = built["root"] / "data" / "qualite" / "data_docs"
    assert (docs / "index.html").exists() and (docs / "sommaire.html").exists()
    res = CliRunner().invoke(app, ["qualite", "--entrepot", str(built["warehouse"])])
    assert res.exit_code == 0, res.output
    assert "Contrôles qualité du" in res.output and "bloquant(s) en échec" in res.output
    assert "Data Docs :" in res.output and "sommaire.html" in res.output


def test_region_equals_sum_of_departements_for_registrants(built):
    rows = query(built["warehouse"], """
        with d as (
            select periode, sum(valeur) as total from marts.indicateurs
            where indicateur = 'demandeurs_fin_de_mois' and niveau = 'DEPARTEMENT' and dimension = 'ensemble'
            group by periode
        ), r as (
            select periode, valeur from marts.indicateurs
            where indicateur = 'demandeurs_fin_de_mois' and niveau = 'REGION' and territoire = '76'
              and dimension = 'ensemble'
        )
        select r.periode, r.valeur, d.total from r join d using (periode) where r.valeur <> d.total
    """)
    assert rows == []
    (n,) = query(
        built["warehouse"], "select count(*) from marts.indicateurs where indicateur = 'demandeurs_fin_de_mois' and niveau = 'REGION'"
    )[0]
    assert n > 0


def test_nothing_lost_and_bad_rows_quarantined(built):
    bad = query(
        interne(built["warehouse"]),
        """
        select count(*) from raw._fichiers
        where statut = 'CHARGE' and lignes_lues <> lignes_chargees + lignes_quarantaine
    """,
    )[0][0]
    assert bad == 0
    quarantined = {(r[0], r[1]) for r in query(interne(built["warehouse"]), "select fichier, ligne from quarantine.lignes")}
    injected = {(r["fichier"], r["ligne"]) for r in built["generation"]["lignes_invalides"]}
    assert injected, "the generator should inject bad rows"
    # exactly the injected rows, no more, no less
    assert quarantined == injected


def test_no_raw_identifier_in_the_warehouse(built):
    # Source pseudonyms from the generated files must never reach the warehouse file.
    sample = set()
    for path in sorted((built["inbox"] / "inscriptions").glob("*.csv"))[:5]:
        for line in path.read_text(encoding="utf-8-sig").splitlines()[1:50]:
            sample.update(re.findall(r"P\d{6,}", line))
    assert sample
    con = duckdb.connect(str(built["warehouse"]), read_only=True)
    try:
        cols = con.execute("""
            select table_schema, table_name, column_name from information_schema.columns
            where data_type in ('VARCHAR', 'JSON') and table_schema not in ('information_schema', 'pg_catalog')
        """).fetchall()
        # a whole token, not a substring of another identifier (EMP000… contains P000…)
        pattern = "(^|[^A-Za-z0-9])(" + "|".join(sorted(sample)[:50]) + ")([^0-9]|$)"
        probe = sorted(sample)[0]
        assert con.execute("select regexp_matches(?, ?)", [f'{{"id_personne":"{probe}"}}', pattern]).fetchone()[0]
        for schema, table, column in cols:
            (hits,) = con.execute(
                f'select count(*) from "{schema}"."{table}" where regexp_matches(cast("{column}" as varchar), ?)',
                [pattern],
            ).fetchone()
            assert hits == 0, f"{schema}.{table}.{column} holds a raw identifier"
    finally:
        con.close()


def test_build_failure_names_the_step(tmp_path):
    res = CliRunner().invoke(app, ["construire", "--depot", str(tmp_path / "absent"), "--entrepot", str(tmp_path / "w.duckdb")])
    assert res.exit_code != 0
    assert "ingestion" in res.output
    assert not (tmp_path / "w.duckdb").exists()


def test_the_english_names_of_before_the_language_rule_still_work(tmp_path):
    # hidden aliases (CONTRIBUTING.md): a script written with « socle build --inbox » keeps running
    res = CliRunner().invoke(app, ["build", "--inbox", str(tmp_path / "absent"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert res.exit_code != 0 and "ingestion" in res.output
    aide = CliRunner().invoke(app, ["--help"])
    assert "construire" in aide.output and " build " not in aide.output


def test_documentation_is_one_static_page_with_the_dictionary(built):
    out = built["root"] / "documentation"
    res = CliRunner().invoke(app, ["documentation", "--entrepot", str(built["warehouse"]), "--sortie", str(out)])
    assert res.exit_code == 0, res.output
    page = (out / "static_index.html").read_text(encoding="utf-8")
    assert "taux_sanction_cre" in page and "dictionnaire" in page
