"""The Dagster code location loads, and its asset graph runs from raw exports to the marts."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb
import pytest

from pipelines.core.contract import CORE_EXPORTS
from pipelines.core.settings import Settings


def _graph():
    from pipelines.definitions import defs

    return defs, defs.resolve_asset_graph()


def test_definitions_load_and_validate():
    defs, _ = _graph()
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("construction_socle") is not None
    assert defs.resolve_schedule_def("construction_quotidienne") is not None
    assert defs.resolve_sensor_def("nouveaux_exports") is not None


def test_asset_graph_goes_from_raw_exports_to_marts():
    _, graph = _graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for export in CORE_EXPORTS:
        assert f"raw/{export}" in keys
        assert f"staging/stg_{export}" in keys
    assert {"marts/indicateurs", "marts/arrete", "publication/entrepot"} <= keys

    # staging reads raw; the published warehouse depends (transitively) on every raw export
    stg = graph.get(dg.AssetKey(["staging", "stg_inscriptions"]))
    assert dg.AssetKey(["raw", "inscriptions"]) in stg.parent_keys
    seen, todo = set(), [dg.AssetKey(["publication", "entrepot"])]
    while todo:
        key = todo.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    assert {dg.AssetKey(["raw", e]) for e in CORE_EXPORTS} <= seen


def test_assets_are_grouped_by_layer():
    _, graph = _graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys() if graph.has(k) and graph.get(k).is_materializable}
    assert {"raw", "staging", "intermediate", "marts", "publication"} <= groups


def test_every_asset_has_a_layer_group():
    _, graph = _graph()
    assert all(graph.get(k).group_name != "default" for k in graph.get_all_asset_keys())


@pytest.mark.slow
def test_the_job_materialises_raw_to_publication(tmp_path):
    """The Dagster job runs the same functions as the CLI, end to end, on a small inbox."""
    from dagster_dbt import DbtCliResource

    from pipelines.core.settings import DBT_PROJECT_DIR
    from pipelines.definitions import SocleConfig, defs
    from pipelines.synthetic import generate

    inbox, warehouse = tmp_path / "inbox", tmp_path / "socle.duckdb"
    generate(inbox, regions=["76"], start=date(2025, 1, 1), end=date(2025, 2, 28), persons=300, seed=3)
    job = defs.resolve_job_def("construction_socle")
    result = job.execute_in_process(
        resources={
            "socle": SocleConfig(inbox=str(inbox), warehouse=str(warehouse)),
            "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR)),
        }
    )
    assert result.success
    # as a CLI build, the dbt data tests follow SOCLE_TESTS_DONNEES (off in the suite: tests/conftest.py);
    # the quality gate's checks run always
    assert {e.check_name for e in result.get_asset_check_evaluations()} == {"qualite_bloquante", "qualite_avertissements"}
    # the raw layer stays in the internal warehouse (the work copy); readers get the cells
    with duckdb.connect(str(Settings.from_env(warehouse=warehouse).work_warehouse), read_only=True) as con:
        (files,) = con.execute("select count(*) from raw._fichiers where statut = 'CHARGE'").fetchone()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (cells,) = con.execute("select count(*) from marts.indicateurs where niveau = 'REGION'").fetchone()
    assert files > 0 and cells > 0


def test_inbox_sensor_requests_a_build_only_when_deliveries_change(tmp_path):
    from pipelines.definitions import SocleConfig, nouveaux_exports

    inbox = tmp_path / "inbox"
    (inbox / "inscriptions").mkdir(parents=True)
    resources = {"socle": SocleConfig(inbox=str(inbox), warehouse=str(tmp_path / "w.duckdb"))}

    def evaluate(cursor):
        ctx = dg.build_sensor_context(cursor=cursor, resources=resources)
        return nouveaux_exports.evaluate_tick(ctx)

    (inbox / "inscriptions" / "inscriptions_20250101.csv").write_text("a;b\n")
    first = evaluate(None)
    assert len(first.run_requests) == 1
    again = evaluate(first.cursor)
    assert not again.run_requests  # nothing new
    # a file replaced under the same name is a new delivery
    (inbox / "inscriptions" / "inscriptions_20250101.csv").write_text("a;b\n1;2\n")
    assert len(evaluate(first.cursor).run_requests) == 1
    # the quarantine folder is not a delivery
    (inbox / "_quarantaine").mkdir()
    (inbox / "_quarantaine" / "x.csv").write_text("x")
    replaced = evaluate(first.cursor).cursor
    assert not evaluate(replaced).run_requests


def test_the_engine_resource_runs_the_models_on_spark_and_reports_their_tests(tmp_path, monkeypatch):
    """``MoteurModeles(moteur="spark")``: the dbt assets call the Spark engine on the internal
    warehouse (not dbt on DuckDB) and report the selected models and their data tests from that
    run's results. The Spark run itself is proven in tests/dbt/test_dbt_spark.py."""
    import json

    from dagster_dbt import DbtCliResource

    import pipelines.moteur_spark as moteur_spark
    from pipelines.core.settings import DBT_PROJECT_DIR
    from pipelines.definitions import MoteurModeles, SocleConfig, socle_dbt_models

    appels = []

    def faux_spark(work, settings, vars=None, journal=None):
        appels.append((work, settings.moteur, settings.spark_maitre))
        cible = settings.work_dir / "dbt_target_spark"
        cible.mkdir(parents=True)
        (cible / "run_results.json").write_text(json.dumps({"results": [
            {"unique_id": "model.socle.arrete", "status": "success"},
            {"unique_id": "test.socle.unique_arrete_date_arrete.e8441da592", "status": "fail"},
        ]}))

    monkeypatch.setattr(moteur_spark, "construire_modeles", faux_spark)
    warehouse = tmp_path / "socle.duckdb"
    result = dg.materialize(
        [socle_dbt_models],
        selection=[dg.AssetKey(["marts", "arrete"])],
        resources={
            "socle": SocleConfig(inbox=str(tmp_path / "inbox"), warehouse=str(warehouse)),
            "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR)),
            "moteur": MoteurModeles(moteur="spark", spark_maitre="local[1]"),
        },
        raise_on_error=False,
    )
    assert appels == [(Settings.from_env(warehouse=warehouse).work_warehouse, "spark", "local[1]")]
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {dg.AssetKey(["marts", "arrete"])}
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["unique_arrete_date_arrete"] is False


def test_an_unknown_engine_fails_the_dbt_step_with_its_name(tmp_path):
    from dagster_dbt import DbtCliResource

    from pipelines.core.settings import DBT_PROJECT_DIR
    from pipelines.definitions import MoteurModeles, SocleConfig, socle_dbt_models

    result = dg.materialize(
        [socle_dbt_models],
        selection=[dg.AssetKey(["marts", "arrete"])],
        resources={
            "socle": SocleConfig(inbox=str(tmp_path / "inbox"), warehouse=str(tmp_path / "socle.duckdb")),
            "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR)),
            "moteur": MoteurModeles(moteur="hadoop"),
        },
        raise_on_error=False,
    )
    assert not result.success
    echec = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "moteur inconnu : 'hadoop'" in str(echec.event_specific_data.error)
