"""The same dbt models on Apache Spark (``socle construire --moteur spark``): a real build on a
local Spark session gives every cell of ``marts.indicateurs``, and the published view, equal to
the DuckDB build of the same inbox. Java comes from Debian's packages when missing."""

from __future__ import annotations

import os
import shutil
import subprocess

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


def _cellules(warehouse, table: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cells = con.sql(f"select * from {table}").pl()
    # sums computed in parallel: equal to 1e-9, not bit for bit
    return cells.with_columns(pl.col(c).round(9) for c in ("numerateur", "denominateur", "valeur")).sort(CLE)


def test_the_models_on_spark_give_the_cells_of_duckdb(tmp_path, java):
    end = last_day_of_previous_month()
    inbox = tmp_path / "inbox"
    generate(inbox, regions=["76"], start=start_for_months(end, 2), end=end, persons=300, seed=11)
    duck = Settings.from_env(data_dir=tmp_path / "duckdb", inbox=inbox, warehouse=tmp_path / "duckdb" / "socle.duckdb")
    spark = Settings.from_env(data_dir=tmp_path / "spark", inbox=inbox, warehouse=tmp_path / "spark" / "socle.duckdb",
                              moteur="spark", spark_maitre="local[2]")
    run_build(duck)
    etapes: list[str] = []
    run_build(spark, on_step=etapes.append)
    assert any("sur Spark" in e for e in etapes) and any("Lac Parquet" in e for e in etapes)
    # the lake and the metastore stay in the build's work dir
    assert (spark.work_dir / "lac" / "fichiers" / "donnees.parquet").exists()
    assert (spark.work_dir / "spark" / "metastore").is_dir()

    attendu, obtenu = _cellules(duck.warehouse, "marts.indicateurs"), _cellules(spark.warehouse, "marts.indicateurs")
    assert obtenu.height == attendu.height > 1000
    assert obtenu.equals(attendu)
    # the rest of the build is the same: disclosure control hides the same cells
    assert _cellules(spark.warehouse, "publication.indicateurs").equals(_cellules(duck.warehouse, "publication.indicateurs"))


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
