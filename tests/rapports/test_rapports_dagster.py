"""The monthly reports in Dagster: partitions (month × region) and the schedule load in the one
``Definitions``; the schedule asks for last month's reports once the publication covers it; a run
of the job for one partition delivers the report."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.rapports import diffusion as module_diffusion
from pipelines.rapports.archive import lire_index

PARIS = ZoneInfo("Europe/Paris")


def _defs():
    from pipelines.definitions import defs

    return defs


def test_report_job_schedule_and_partitions_load():
    defs = _defs()
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("rapports_cse")
    partitions = job.partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    assert {d.name for d in partitions.partitions_defs} == {"mois", "region"}
    cles = partitions.get_partition_keys()
    assert "2025-06|76" in cles and "2025-06|93" in cles and "2024-01|76" in cles
    ce_mois = datetime.now(PARIS).strftime("%Y-%m")
    assert not any(c.startswith(ce_mois) for c in cles)  # a month is reported once it is over
    planning = defs.resolve_schedule_def("rapports_cse_mensuels")
    assert planning.job_name == "rapports_cse" and planning.execution_timezone == "Europe/Paris"
    # The daily build does not include the partitioned reports.
    construction = defs.resolve_job_def("construction_socle")
    assert dg.AssetKey(["rapports", "cse_mensuel"]) not in construction.asset_layer.executable_asset_keys


def _tick(warehouse, quand: datetime):
    from pipelines.definitions import SocleConfig, rapports_cse_mensuels

    contexte = dg.build_schedule_context(scheduled_execution_time=quand, repository_def=_defs().get_repository_def(),
                                         resources={"socle": SocleConfig(warehouse=str(warehouse))})
    return rapports_cse_mensuels.evaluate_tick(contexte)


def test_schedule_requests_last_month_once_the_publication_covers_it(entrepot_rapport):
    # Date d'arrêté 3 July 2025: June is covered, July is not yet.
    tick = _tick(entrepot_rapport.path, datetime(2025, 7, 4, 8, 0, tzinfo=PARIS))
    assert sorted(r.partition_key for r in tick.run_requests) == ["2025-06|76", "2025-06|93"]
    assert len({r.run_key for r in tick.run_requests}) == 2  # Dagster runs each key once
    attente = _tick(entrepot_rapport.path, datetime(2025, 8, 1, 8, 0, tzinfo=PARIS))
    assert not attente.run_requests and "ne couvre pas encore tout juillet 2025" in attente.skip_message


def test_a_run_of_the_job_for_one_partition_sends_the_report(entrepot_rapport, serveur_smtp, rapport_juin,
                                                           monkeypatch, tmp_path):
    from pipelines.definitions import SocleConfig

    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(module_diffusion, "produire_rapport", lambda warehouse, region, p: rapport_juin)
    job = _defs().resolve_job_def("rapports_cse")
    ressources = {"socle": SocleConfig(warehouse=str(entrepot_rapport.path))}
    resultat = job.execute_in_process(partition_key="2025-06|76", resources=ressources)
    assert resultat.success
    assert len(serveur_smtp.messages) == 1
    (entree,) = lire_index(tmp_path / "data")
    assert (entree["region"], entree["periode"]) == ("76", "2025-06")
    materialisation = resultat.asset_materializations_for_node("rapports__cse_mensuel")[0]
    assert materialisation.metadata["envoye"].value is True
    # Run again (a backfill over a month already sent): success, nothing sent.
    again = job.execute_in_process(partition_key="2025-06|76", resources=ressources)
    assert again.success and len(serveur_smtp.messages) == 1
    # Forced from the launchpad's run configuration.
    force = job.execute_in_process(partition_key="2025-06|76", resources=ressources,
                                   run_config={"ops": {"rapports__cse_mensuel": {"config": {"forcer": True}}}})
    assert force.success and len(serveur_smtp.messages) == 2


@pytest.mark.parametrize("region", ["76"])
def test_a_blocked_publication_fails_the_run(entrepot_bloque, serveur_smtp, monkeypatch, tmp_path, region):
    from pipelines.definitions import SocleConfig

    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "data"))
    resultat = _defs().resolve_job_def("rapports_cse").execute_in_process(
        partition_key=f"2025-06|{region}", resources={"socle": SocleConfig(warehouse=str(entrepot_bloque.path))},
        raise_on_error=False)
    assert not resultat.success and serveur_smtp.messages == []
    echec = next(e for e in resultat.all_events if e.is_step_failure)
    assert "valeurs_dans_les_bornes" in echec.step_failure_data.error.to_string()
