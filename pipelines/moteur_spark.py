"""The dbt models on Apache Spark (``socle construire --moteur spark``, docs/exploitation.md).

The build stays the same around them: ingestion writes the raw layer (its Parquet lake beside the
internal warehouse, and the registry in it), then this module

1. points Spark at that lake, export by export; what is not there (the registry, rows kept in the
   warehouse file by an earlier layout) is copied as Parquet under ``<work dir>/lac/<table>/``;
2. opens a Spark session (local by default: ``SOCLE_SPARK_MAITRE``, e.g. ``local[2]``) whose
   metastore and warehouse live in the build's work dir, and declares each lake folder as the
   table ``raw.<table>`` the dbt sources name;
3. runs the same dbt project on the ``spark`` target (dbt-spark, session method): seeds, models,
   data tests;
4. brings back into the internal warehouse what the rest of the build reads — the marts, the
   referential seeds and the agencies' hierarchy — so that disclosure control, quality gates and
   publication run unchanged.

Needs the ``spark`` extra (``pyspark``, ``dbt-spark[session]``) and a Java runtime.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from pipelines.core.contract import EXPORTS
from pipelines.core.settings import Settings
from pipelines.core.warehouse import SCHEMA_RAW_ENTREPOT, connect, lac_brut, texte_sql
from pipelines.dbt_runner import exclusions, run_dbt

#: What comes back from Spark into the internal warehouse: every table of these schemas, and these
#: tables by name (the rest of the build reads nothing else of the models).
SCHEMAS_RAPATRIES = ("marts", "referentiel")
TABLES_RAPATRIEES = (("intermediate", "int_territoires__agences"),)


class MoteurSparkIndisponible(RuntimeError):
    """pyspark, dbt-spark or Java is missing; the message (French) says what to install."""


def _dossier_lac(table: str) -> str:
    # Spark skips files and folders whose name starts with "_" or "." (raw._fichiers)
    return table.lstrip("_.")


def session(settings: Settings):
    """The Spark session of a build: ``SOCLE_SPARK_MAITRE`` (default ``local[*]``), metastore and
    tables under the work dir (never in the current directory), ``SOCLE_SPARK_PROPRIETES`` last."""
    if shutil.which("java") is None:
        raise MoteurSparkIndisponible(
            "moteur Spark : aucun Java trouvé (installer un JRE, par exemple « apt-get install "
            "openjdk-17-jre-headless »)."
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MoteurSparkIndisponible(
            "moteur Spark : pyspark n'est pas installé (« uv sync --extra spark »)."
        ) from None
    base = settings.work_dir / "spark"
    base.mkdir(parents=True, exist_ok=True)
    proprietes = dict(settings.spark_proprietes)  # SOCLE_SPARK_PROPRIETES: over the defaults below
    jvm = " ".join(filter(None, [proprietes.pop("spark.driver.extraJavaOptions", ""), f"-Dderby.system.home={base}"]))
    builder = (
        SparkSession.builder.master(settings.spark_maitre)
        .appName("socle")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # the build shows its own progress
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.warehouse.dir", str(base / "tables"))
        .config("spark.driver.extraJavaOptions", jvm)
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={base / 'metastore'};create=true")
        .enableHiveSupport()
    )
    for cle, valeur in proprietes.items():
        builder = builder.config(cle, valeur)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def ecrire_lac(work: Path, lac: Path) -> dict[str, Path]:
    """Where Spark reads each raw table of ``work``: the raw layer's own lake (``lac_brut``) for an
    export whose rows are all there — within a build, right after the ingestion, every file of it
    belongs to a registered load (files of a crashed run are removed when the next one starts) —
    and otherwise a Parquet copy of the table under ``lac`` (the registry ``raw._fichiers``, rows
    kept in the warehouse file by an earlier layout). Returns table -> folder."""
    lac.mkdir(parents=True, exist_ok=True)
    brut = lac_brut(work)
    dossiers: dict[str, Path] = {}
    with connect(work, read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1").fetchall()]
        for table in tables:
            if table in EXPORTS and (brut / table).is_dir() and not con.execute(
                f"select count(*) from {SCHEMA_RAW_ENTREPOT}.{table}"
            ).fetchall()[0][0]:
                dossiers[table] = brut / table
                continue
            dossier = lac / _dossier_lac(table)
            shutil.rmtree(dossier, ignore_errors=True)
            dossier.mkdir()
            con.execute(f'copy raw."{table}" to {texte_sql(dossier / "donnees.parquet")} (format parquet)')
            dossiers[table] = dossier
    return dossiers


def construire_modeles(
    work: Path,
    settings: Settings,
    vars: dict | None = None,
    journal: Callable[[str], None] | None = None,
    progression: Callable[[int, int], None] | None = None,
) -> None:
    """Run the dbt project on Spark from the raw layer of ``work`` and bring the marts back into
    ``work`` (see the module's docstring). Raises ``DbtError`` as a DuckDB build would."""
    journal = journal or (lambda _m: None)
    lac = settings.work_dir / "lac"
    dossiers = ecrire_lac(work, lac)
    directs = sum(1 for d in dossiers.values() if not d.is_relative_to(lac))
    journal(f"Couche brute pour Spark : {directs} table(s) lue(s) dans le lac brut, {len(dossiers) - directs} copiée(s) dans {lac}")
    spark = session(settings)
    spark.sql("create database if not exists raw")
    for table, dossier in dossiers.items():
        spark.sql(f"drop table if exists raw.`{table}`")
        # partition folders (mois_livraison=…) become a column the models never select
        spark.sql(f"create table raw.`{table}` using parquet location '{dossier}'")
        if not dossier.is_relative_to(lac):  # a partitioned folder: its partitions registered
            spark.sql(f"alter table raw.`{table}` recover partitions")
    conf = spark.sparkContext.getConf()
    reglees = ", ".join(f"{cle}={conf.get(cle)}" for cle, _v in settings.spark_proprietes)
    journal(f"Modèles dbt sur Spark ({settings.spark_maitre}{' ; ' + reglees if reglees else ''})")
    # seeds and models always; the data tests unless told not to (unit tests: the test suite's)
    run_dbt(
        ["build", "--exclude", *exclusions(settings.tests_donnees), "--target", "spark"], work, vars=vars,
        target_path=settings.work_dir / "dbt_target_spark", log_path=settings.work_dir / "dbt_logs",
        progression=progression,
    )
    n = rapatrier(spark, work)
    journal(f"{n} tables des marts et du référentiel rapatriées dans l'entrepôt interne")
    spark.stop()


def rapatrier(spark, work: Path) -> int:
    """Copy the Spark tables the rest of the build reads into ``work`` (replaced). Returns the
    number of tables."""
    tables = [
        (schema, t.name)
        for schema in SCHEMAS_RAPATRIES
        for t in spark.catalog.listTables(schema)
        if not t.isTemporary
    ] + [(s, t) for s, t in TABLES_RAPATRIEES]
    with connect(work) as con:
        for schema, table in tables:
            donnees = spark.table(f"{schema}.{table}").toArrow()
            con.execute(f'create schema if not exists "{schema}"')
            con.register("_spark", donnees)
            try:
                con.execute(f'create or replace table "{schema}"."{table}" as select * from _spark')
            finally:
                con.unregister("_spark")
        con.execute("checkpoint")
    return len(tables)
