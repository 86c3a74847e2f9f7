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
    generate(inbox, regions=["76"], start=date(2025, 1, 1), end=date(2025, 4, 30), persons=800, seed=3)
    job = defs.resolve_job_def("construction_socle")
    result = job.execute_in_process(
        resources={
            "socle": SocleConfig(inbox=str(inbox), warehouse=str(warehouse)),
            "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR)),
        }
    )
    assert result.success
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
