"""Failure alerts: log always, webhook when configured (a real HTTP server on 127.0.0.1), never raise."""

from __future__ import annotations

import logging
import socket

import dagster as dg
from typer.testing import CliRunner

from pipelines.alertes import alerter
from pipelines.cli import app


def test_alert_is_logged_and_posted_to_the_webhook(webhook, settings, monkeypatch, caplog):
    monkeypatch.setenv("SOCLE_ALERTE_WEBHOOK", webhook["url"])
    with caplog.at_level(logging.ERROR, logger="socle.alertes"):
        sent = alerter("Échec de la construction", "étape « dbt » : modèle en erreur", settings)
    assert sent == {"journal": True, "webhook": True, "courriel": None}
    assert "Échec de la construction" in caplog.text
    (req,) = webhook["received"]
    assert req["path"] == "/alerte"
    assert req["headers"]["Content-Type"].startswith("application/json")
    body = req["json"]
    assert body["titre"] == "Échec de la construction"
    assert body["message"] == "étape « dbt » : modèle en erreur"
    assert body["entrepot"] == str(settings.warehouse)
    assert "Échec de la construction" in body["text"]


def test_unreachable_webhook_is_logged_never_raised(settings, monkeypatch, caplog):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SOCLE_ALERTE_WEBHOOK", f"http://127.0.0.1:{port}/x")
    with caplog.at_level(logging.ERROR, logger="socle.alertes"):
        sent = alerter("Test", "message", settings)
    assert sent["webhook"] is False
    assert "non remise au webhook" in caplog.text


def test_no_channel_configured_only_logs(settings, monkeypatch, caplog):
    for var in ("SOCLE_ALERTE_WEBHOOK", "SOCLE_ALERTE_SMTP_HOTE", "SOCLE_ALERTE_DESTINATAIRES"):
        monkeypatch.delenv(var, raising=False)
    with caplog.at_level(logging.ERROR, logger="socle.alertes"):
        assert alerter("Titre", "corps", settings) == {"journal": True, "webhook": None, "courriel": None}
    assert "ALERTE Socle — Titre : corps" in caplog.text


def test_failed_cli_build_raises_an_alert(webhook, tmp_path, monkeypatch):
    monkeypatch.setenv("SOCLE_ALERTE_WEBHOOK", webhook["url"])
    res = CliRunner().invoke(app, ["construire", "--depot", str(tmp_path / "absent"),
                                   "--entrepot", str(tmp_path / "socle.duckdb")])
    assert res.exit_code == 1
    (req,) = webhook["received"]
    assert "ingestion" in req["json"]["message"] and "absent" in req["json"]["message"]


def test_run_failure_sensor_is_defined_and_alerts(webhook, monkeypatch):
    from pipelines.definitions import alerte_echec_run, defs

    sensor = defs.resolve_sensor_def("alerte_echec_run")
    assert isinstance(sensor, dg.RunStatusSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    # A real failed run, in process, fed to the sensor.
    @dg.op
    def casse():
        raise RuntimeError("panne simulée")

    @dg.job
    def job_en_echec():
        casse()

    monkeypatch.setenv("SOCLE_ALERTE_WEBHOOK", webhook["url"])
    with dg.instance_for_test() as instance:
        result = job_en_echec.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="alerte_echec_run", dagster_event=failure, dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        alerte_echec_run(context)
    (req,) = webhook["received"]
    assert "job_en_echec" in req["json"]["titre"]
    assert result.run_id in req["json"]["message"]
