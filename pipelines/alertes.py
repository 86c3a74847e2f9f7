"""Failure alerts: always logged; also sent to a webhook and/or by e-mail when configured.

Settings (``Settings``, from the environment):
- ``SOCLE_ALERTE_WEBHOOK``: URL receiving a JSON POST (``text`` makes it readable by Slack /
  Mattermost / Teams-style incoming webhooks; the other keys are for machines).
- the SMTP server of every e-mail (``SOCLE_SMTP_*``, ``pipelines.core.mail``) and
  ``SOCLE_ALERTE_DESTINATAIRES`` (comma-separated): plain-text e-mail.

An alert never raises: a delivery failure is logged, and the failure being reported stays the one
the caller deals with.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.request
from datetime import datetime
from email.message import EmailMessage

from pipelines.core import mail
from pipelines.core.settings import Settings

logger = logging.getLogger("socle.alertes")

WEBHOOK_TIMEOUT_S = 5


def _payload(titre: str, message: str, settings: Settings | None) -> dict:
    return {
        "source": "socle",
        "titre": titre,
        "message": message,
        "entrepot": str(settings.warehouse) if settings else None,
        "hote": socket.gethostname(),
        "horodatage": datetime.now().isoformat(timespec="seconds"),
        "text": f"[Socle] {titre} — {message}",
    }


def envoyer_webhook(url: str, payload: dict) -> bool:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT_S) as resp:
            ok = 200 <= resp.status < 300
        if not ok:
            logger.error("Alerte non remise au webhook %s : réponse HTTP %s", url, resp.status)
        return ok
    except Exception as exc:  # noqa: BLE001 - an alert must never raise
        logger.error("Alerte non remise au webhook %s : %s", url, exc)
        return False


def envoyer_courriel(serveur: mail.SmtpServer, destinataires: list[str], titre: str, corps: str) -> bool:
    msg = EmailMessage()
    msg["Subject"] = f"[Socle] {titre}"
    msg["From"] = serveur.sender
    msg["To"] = ", ".join(destinataires)
    msg.set_content(corps)
    try:
        mail.send(serveur, msg, timeout=WEBHOOK_TIMEOUT_S)
        return True
    except Exception as exc:  # noqa: BLE001 - an alert must never raise
        logger.error("Alerte non remise par courriel via %s:%s : %s", serveur.host, serveur.port, exc)
        return False


def alerter(titre: str, message: str, settings: Settings | None = None) -> dict[str, bool | None]:
    """Report a failure. Returns what was delivered: ``{"journal": True, "webhook": bool | None,
    "courriel": bool | None}`` (None: channel not configured)."""
    logger.error("ALERTE Socle — %s : %s", titre, message)
    sent: dict[str, bool | None] = {"journal": True, "webhook": None, "courriel": None}
    payload = _payload(titre, message, settings)
    reglages = settings or Settings.from_env()

    if reglages.alerte_webhook:
        sent["webhook"] = envoyer_webhook(reglages.alerte_webhook, payload)

    if reglages.alerte_destinataires:
        try:
            serveur = mail.smtp_server(reglages)
        except mail.SmtpSettingsError as exc:
            logger.error("Alerte non remise par courriel : %s", exc)
            serveur, sent["courriel"] = None, False
        if serveur is not None:
            corps = f"{message}\n\nEntrepôt : {payload['entrepot']}\nHôte : {payload['hote']}\nDate : {payload['horodatage']}\n"
            sent["courriel"] = envoyer_courriel(serveur, list(reglages.alerte_destinataires), titre, corps)
    return sent
