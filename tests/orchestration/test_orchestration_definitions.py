"""The Dagster code location loads, and its asset graph runs from raw exports to the marts."""

from __future__ import annotations

import dagster as dg

from pipelines.contract import CORE_EXPORTS


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
