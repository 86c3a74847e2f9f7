"""Failure alerts: log always, webhook when configured (a real HTTP server on 127.0.0.1), never raise."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace

import dagster as dg
from typer.testing import CliRunner

from pipelines.alertes import alerter
from pipelines.cli import app


def test_alert_is_logged_and_posted_to_the_webhook(webhook, settings, caplog):
    settings = replace(settings, alerte_webhook=webhook["url"])
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


def test_unreachable_webhook_is_logged_never_raised(settings, caplog):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = replace(settings, alerte_webhook=f"http://127.0.0.1:{port}/x")
    with caplog.at_level(logging.ERROR, logger="socle.alertes"):
        sent = alerter("Test", "message", settings)
    assert sent["webhook"] is False
    assert "non remise au webhook" in caplog.text


def test_no_channel_configured_only_logs(settings, caplog):
    settings = replace(settings, alerte_webhook=None, alerte_destinataires=(), smtp_hote=None)
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


def test_one_smtp_server_with_the_alerts_variables_of_earlier_versions_as_fallbacks():
    from pipelines.core.mail import smtp_server
    from pipelines.core.settings import Settings

    anciens = {"SOCLE_ALERTE_SMTP_HOTE": "relais.local", "SOCLE_ALERTE_SMTP_PORT": "2525",
               "SOCLE_ALERTE_EXPEDITEUR": "alertes@dr.example", "SOCLE_ALERTE_DESTINATAIRES": "a@x.fr, b@x.fr"}
    reglages = Settings.from_env(anciens)
    # the alerts' server of earlier versions, as it was: no TLS, no login
    serveur = smtp_server(reglages)
    assert (serveur.host, serveur.port, serveur.tls, serveur.user, serveur.sender) == (
        "relais.local", 2525, "aucun", None, "alertes@dr.example")
    assert reglages.alerte_destinataires == ("a@x.fr", "b@x.fr")
    assert smtp_server(Settings.from_env({"SOCLE_ALERTE_SMTP_HOTE": "relais.local"})).port == 25
    # the one set of variables wins
    serveur = smtp_server(Settings.from_env({**anciens, "SOCLE_SMTP_HOTE": "smtp.dr.example",
                                             "SOCLE_SMTP_EXPEDITEUR": "socle@dr.example"}))
    assert (serveur.host, serveur.port, serveur.tls, serveur.sender) == (
        "smtp.dr.example", 587, "starttls", "socle@dr.example")
    assert smtp_server(Settings.from_env({})) is None


def test_alert_e_mail_goes_through_the_one_client(settings, monkeypatch):
    from pipelines.core import mail

    envoyes = []
    monkeypatch.setattr(mail, "send", lambda serveur, msg, timeout: envoyes.append((serveur, msg)) or {})
    settings = replace(settings, alerte_webhook=None, smtp_hote="smtp.dr.example", smtp_tls="aucun",
                       alerte_destinataires=("exploitation@dr.example",))
    assert alerter("Titre", "corps", settings)["courriel"] is True
    ((serveur, msg),) = envoyes
    assert serveur.host == "smtp.dr.example" and msg["To"] == "exploitation@dr.example"
    assert msg["Subject"] == "[Socle] Titre"
    # an invalid setting is logged, never raised
    assert alerter("Titre", "corps", replace(settings, smtp_tls="peut-etre"))["courriel"] is False
