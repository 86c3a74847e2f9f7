"""DuckDB's resources come from the settings: memory limit, threads and temp directory, and past
the limit a query spills to that directory instead of failing (issue 13)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.core.settings import Settings
from pipelines.core.warehouse import connect


def test_duckdb_resources_are_read_from_the_environment(tmp_path):
    s = Settings.from_env(environ={"SOCLE_DATA_DIR": str(tmp_path), "SOCLE_DUCKDB_MEMOIRE": "256MB",
                                   "SOCLE_DUCKDB_FILS": "1", "SOCLE_DUCKDB_TEMP": str(tmp_path / "deborde")})
    assert s.duckdb_config == {"memory_limit": "256MB", "threads": "1", "temp_directory": str(tmp_path / "deborde")}
    # defaults: DuckDB's memory share, one thread per core, temp files in the build's work dir
    d = Settings.from_env(environ={"SOCLE_DATA_DIR": str(tmp_path)})
    assert d.duckdb_config["memory_limit"] == "50%"
    assert d.duckdb_config["temp_directory"].startswith(str(d.work_dir))


def test_a_query_past_the_memory_limit_spills_to_the_temp_directory(tmp_path):
    s = Settings.from_env(environ={"SOCLE_DATA_DIR": str(tmp_path), "SOCLE_DUCKDB_MEMOIRE": "48MB",
                                   "SOCLE_DUCKDB_FILS": "1", "SOCLE_DUCKDB_TEMP": str(tmp_path / "deborde")})
    # a sort of ~100 MB of rows under a 48 MB limit
    trier = "select count(*), min(h) from (select h from t order by h)"
    with connect(tmp_path / "w.duckdb", config=s.duckdb_config) as con:
        assert con.execute("select current_setting('threads'), current_setting('temp_directory')").fetchone() == (
            1, str(tmp_path / "deborde"))
        con.execute("create table t as select md5(i::varchar) as h from range(2000000) r(i)")
        assert con.execute(trier).fetchone()[0] == 2_000_000
    # the same limit without a temp directory: DuckDB cannot spill, and fails
    with connect(tmp_path / "w.duckdb", config={**s.duckdb_config, "temp_directory": ""}) as con:
        with pytest.raises(duckdb.OutOfMemoryException):
            con.execute(trier).fetchone()


def test_spark_properties_are_pairs_and_a_malformed_one_is_named():
    env = {"SOCLE_SPARK_PROPRIETES": "spark.executor.memory=4g ;\n spark.driver.extraJavaOptions=-Xss4m -Da=b"}
    assert Settings.from_env(env).spark_proprietes == (
        ("spark.executor.memory", "4g"), ("spark.driver.extraJavaOptions", "-Xss4m -Da=b"))
    assert Settings.from_env({}).spark_proprietes == ()
    with pytest.raises(ValueError, match="« spark.executor.memory » n'est pas de la forme clé=valeur"):
        Settings.from_env({"SOCLE_SPARK_PROPRIETES": "spark.executor.memory"})
