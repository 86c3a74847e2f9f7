"""The same dbt models on Apache Spark (``socle construire --moteur spark``): a real build on a
local Spark session gives every cell of ``marts.indicateurs``, and the published view, equal to
the DuckDB build of the same inbox. Java comes from Debian's packages when missing."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl
import pytest

from pipelines.build import run_build
from pipelines.core.settings import Settings
from pipelines.synthetic import generate
from pipelines.synthetic.generator import last_day_of_previous_month, start_for_months

pytestmark = pytest.mark.slow

CLE = ["indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite"]


@pytest.fixture(scope="module")
def java() -> str:
    """A Java runtime (Spark runs on the JVM), installed with apt-get when missing."""
    if shutil.which("java") is None:
        if shutil.which("apt-get") is None:
            pytest.fail("Java est absent et apt-get introuvable : installez un JRE (openjdk-17-jre-headless).")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "-o", "DPkg::Lock::Timeout=300", "update"],
                    ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends",
                     "openjdk-17-jre-headless"]):
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
            if res.returncode != 0:
                pytest.fail(f"Installation de Java impossible : `{' '.join(cmd)}` (code {res.returncode}).\n{res.stderr[-2000:]}")
    return shutil.which("java")


#: A short session on tiny data (``SOCLE_SPARK_PROPRIETES``): almost all its CPU goes to planning
#: the queries, JIT-compiled by the driver. C1 only, with a code cache large enough that compiled
#: code is not swept and compiled again, a serial GC, one shuffle partition, no whole-stage code
#: generation: 155 s of CPU instead of 272 for the Spark build (measured alone, 2 cores). No
#: adaptive execution either (it plans each stage again, for data that fits one task): 725 → 439
#: stages, 185 → 154 s.
PROPRIETES_PETITE_SESSION = (
    ("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m -XX:+UseSerialGC"),
    ("spark.sql.shuffle.partitions", "1"),
    ("spark.sql.codegen.wholeStage", "false"),
    ("spark.sql.adaptive.enabled", "false"),
)

#: The alert rules' marts (internal), compared whole between the engines.
MARTS_ALERTES = ("alertes_generees", "precision_regles", "simulation_seuils", "equite_jugement_alertes")


def _ecrire(inbox, export: str, extraction: date, lignes: list[dict]) -> None:
    dossier = inbox / export
    dossier.mkdir(exist_ok=True)
    # sequence 9: beside the generator's file of the same day, never over it
    with (dossier / f"{export}_{extraction:%Y%m%d}_9.csv").open("w", encoding="utf-8", newline="") as fh:
        ecrivain = csv.DictWriter(fh, fieldnames=list(lignes[0]), delimiter=";")
        ecrivain.writeheader()
        ecrivain.writerows(lignes)


def _livrer_journal(inbox, end: date) -> None:
    """Agents, an exposure, consultations and FLUX outcomes in the month of ``end`` (the synthetic
    generator does not write these optional exports yet), so that the alert rules run on both
    engines: a colleague's file, night work, an exposed person, examined outcomes."""
    premier = end.replace(day=1)
    lundi = datetime.combine(premier + timedelta(days=(7 - premier.weekday()) % 7), time())
    maj = f"{end:%Y-%m-%d}T00:00:00"
    agents = [{"id_agent": f"AG{i}", "id_personne": f"PAG{i}", "code_site": "31001" if i < 8 else "DG001",
               "code_etablissement": "76" if i < 8 else "DG", "statut": "ACTIF" if i != 1 else "PARTI",
               "date_sortie": "" if i != 1 else f"{lundi - timedelta(days=30):%Y-%m-%d}",
               "jours_travailles": "1,2,3,4,5", "heure_debut": "08:00", "heure_fin": "18:00",
               "date_maj": maj, "supprime": "0"} for i in range(10)]
    journal = [
        *[(lundi + timedelta(days=j, hours=9 + j), "AG0", "PAG2") for j in range(3)],
        (lundi + timedelta(hours=10), "AG0", "PAG1"),
        *[(lundi + timedelta(days=j % 4, hours=19, minutes=j), "AG2", f"P{j}") for j in range(7)],
        *[(lundi + timedelta(days=i % 5, hours=11), f"AG{i}", "PX") for i in range(3, 10)],
    ]
    consultations = [{"horodatage": f"{h:%Y-%m-%dT%H:%M:%S}", "id_agent": a, "id_personne": p,
                      "application": "DUNE", "code_site": "31001"} for h, a, p in journal]
    issues = [{"id_alerte": f"F{i}", "campagne": "FLUX", "situation": "DOSSIER_ELU_CANDIDAT", "id_agent": f"AG{i}",
               "code_etablissement": "76" if i < 8 else "DG", "code_agence": "31001" if i < 8 else "",
               "examen": "FACULTATIF", "nb_consultations": "1", "date_alerte": f"{lundi:%Y-%m-%d}",
               "conclusion": "NON_AVEREE" if i % 3 else "AVEREE", "date_cloture": f"{end:%Y-%m-%d}",
               "date_maj": maj, "supprime": "0"} for i in range(3, 10)]
    _ecrire(inbox, "agents", end, agents)
    _ecrire(inbox, "personnes_exposees", end, [{"id_exposition": "X1", "id_personne": "PX", "nature": "ELU",
                                                "date_debut": "2020-07-01", "date_fin": "", "date_maj": maj,
                                                "supprime": "0"}])
    _ecrire(inbox, "consultations", end, consultations)
    _ecrire(inbox, "alertes_finalite", end, issues)


def _table(warehouse, table: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        lignes = con.sql(f"select * from {table}").pl()
    return lignes.with_columns(pl.col(c).round(9) for c, t in lignes.schema.items() if t == pl.Float64).sort(lignes.columns)


def _cellules(warehouse, table: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cells = con.sql(f"select * from {table}").pl()
    # sums computed in parallel: equal to 1e-9, not bit for bit
    return cells.with_columns(pl.col(c).round(9) for c in ("numerateur", "denominateur", "valeur")).sort(CLE)


def test_the_models_on_spark_give_the_cells_of_duckdb(tmp_path, java):
    end = last_day_of_previous_month()
    inbox = tmp_path / "inbox"
    # no generated log: the hand-made one below gives known alerts (and a shorter Spark run)
    generate(inbox, regions=["76"], start=start_for_months(end, 2), end=end, persons=300, seed=11, mois_consultations=0)
    _livrer_journal(inbox, end)
    duck = Settings.from_env(data_dir=tmp_path / "duckdb", inbox=inbox, warehouse=tmp_path / "duckdb" / "socle.duckdb")
    spark = Settings.from_env(data_dir=tmp_path / "spark", inbox=inbox, warehouse=tmp_path / "spark" / "socle.duckdb",
                              moteur="spark", spark_maitre="local[1]",
                              # models only: the data tests are proven on DuckDB (each is a Spark job here)
                              tests_donnees=False, spark_proprietes=PROPRIETES_PETITE_SESSION)
    run_build(duck)
    etapes: list[str] = []
    run_build(spark, on_step=etapes.append)
    assert any("sur Spark" in e for e in etapes)
    # Spark reads the exports in the raw layer's own lake; the registry is copied beside it
    (lac,) = [e for e in etapes if e.startswith("Couche brute pour Spark")]
    assert int(lac.split(":")[1].split()[0]) >= 9, lac
    assert (spark.work_dir / "lac" / "fichiers" / "donnees.parquet").exists()
    assert (spark.work_dir / "spark" / "metastore").is_dir()
    # SOCLE_SPARK_PROPRIETES reached the session, over Socle's defaults and beside its JVM option
    (modeles,) = [e for e in etapes if e.startswith("Modèles dbt sur Spark")]
    assert "spark.sql.shuffle.partitions=1," in modeles
    assert f"-XX:+UseSerialGC -Dderby.system.home={spark.work_dir / 'spark'}" in modeles

    attendu, obtenu = _cellules(duck.warehouse, "marts.indicateurs"), _cellules(spark.warehouse, "marts.indicateurs")
    assert obtenu.height == attendu.height > 1000
    assert obtenu.equals(attendu)
    # the rest of the build is the same: disclosure control hides the same cells
    assert _cellules(spark.warehouse, "publication.indicateurs").equals(_cellules(duck.warehouse, "publication.indicateurs"))
    # the alert rules, in the internal warehouse only: the same alerts (same ids), precision,
    # simulation and funnel limits. AG0 on a colleague's and a former colleague's file, AG2 at
    # night, seven agents on PX.
    situations = _table(duck.work_warehouse, "marts.alertes_generees")["situation"].value_counts()
    assert dict(situations.iter_rows()) == {"DOSSIER_AGENT": 1, "DOSSIER_EX_AGENT": 1, "HORS_HORAIRES": 1,
                                            "DOSSIER_ELU_CANDIDAT": 7}
    for table in MARTS_ALERTES:
        assert _table(spark.work_warehouse, f"marts.{table}").equals(_table(duck.work_warehouse, f"marts.{table}")), table
    assert _table(spark.work_warehouse, "marts.volume_alertes").equals(_table(duck.work_warehouse, "marts.volume_alertes"))
    # pair-level alerts never leave the internal warehouse; the aggregates are published (their page)
    with duckdb.connect(str(duck.warehouse), read_only=True) as con:
        publiees = {t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    assert "alertes_generees" not in publiees and {"precision_regles", "volume_alertes"} <= publiees


def test_an_unknown_engine_is_refused_before_anything_is_written(tmp_path):
    from pipelines.core.warehouse import BuildError

    (tmp_path / "inbox").mkdir()
    s = Settings.from_env(data_dir=tmp_path, inbox=tmp_path / "inbox", warehouse=tmp_path / "socle.duckdb", moteur="postgres")
    with pytest.raises(BuildError, match="moteur inconnu : 'postgres'"):
        run_build(s)
    assert not s.work_dir.exists() and not s.warehouse.exists()


def test_a_library_calling_sys_exit_in_a_step_fails_the_build_by_name(tmp_path, monkeypatch):
    """pyspark's import checks call sys.exit(0) when __main__ has no file (pytest-xdist workers,
    ``python -c``): reached through Great Expectations, that ended a build with code 0 and nothing
    published. A step that exits is now a named failure."""
    import sys

    import pipelines.ingestion
    from pipelines.core.warehouse import BuildError

    (tmp_path / "inbox").mkdir()
    monkeypatch.setattr(pipelines.ingestion, "ingest_inbox", lambda *a, **k: sys.exit(0))
    s = Settings.from_env(data_dir=tmp_path, inbox=tmp_path / "inbox", warehouse=tmp_path / "socle.duckdb")
    with pytest.raises(BuildError, match=r"ingestion.*sys\.exit\(0\)"):
        run_build(s)
    assert not s.warehouse.exists()
