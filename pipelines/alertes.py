"""Failure alerts: always logged; also sent to a webhook and/or by e-mail when configured.

Settings (environment):
- ``SOCLE_ALERTE_WEBHOOK``: URL receiving a JSON POST (``text`` makes it readable by Slack /
  Mattermost / Teams-style incoming webhooks; the other keys are for machines).
- ``SOCLE_ALERTE_SMTP_HOTE`` (+ ``SOCLE_ALERTE_SMTP_PORT``, default 25) and
  ``SOCLE_ALERTE_DESTINATAIRES`` (comma-separated): plain-text e-mail;
  ``SOCLE_ALERTE_EXPEDITEUR`` sets the sender.

An alert never raises: a delivery failure is logged, and the failure being reported stays the one
the caller deals with.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
import urllib.request
from datetime import datetime
from email.message import EmailMessage

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


def envoyer_courriel(hote: str, port: int, expediteur: str, destinataires: list[str], titre: str, corps: str) -> bool:
    msg = EmailMessage()
    msg["Subject"] = f"[Socle] {titre}"
    msg["From"] = expediteur
    msg["To"] = ", ".join(destinataires)
    msg.set_content(corps)
    try:
        with smtplib.SMTP(hote, port, timeout=WEBHOOK_TIMEOUT_S) as smtp:
            smtp.send_message(msg)
        return True
    except Exception as exc:  # noqa: BLE001 - an alert must never raise
        logger.error("Alerte non remise par courriel via %s:%s : %s", hote, port, exc)
        return False


def alerter(titre: str, message: str, settings: Settings | None = None) -> dict[str, bool | None]:
    """Report a failure. Returns what was delivered: ``{"journal": True, "webhook": bool | None,
    "courriel": bool | None}`` (None: channel not configured)."""
    logger.error("ALERTE Socle — %s : %s", titre, message)
    sent: dict[str, bool | None] = {"journal": True, "webhook": None, "courriel": None}
    payload = _payload(titre, message, settings)

    url = os.environ.get("SOCLE_ALERTE_WEBHOOK", "").strip()
    if url:
        sent["webhook"] = envoyer_webhook(url, payload)

    hote = os.environ.get("SOCLE_ALERTE_SMTP_HOTE", "").strip()
    destinataires = [d.strip() for d in os.environ.get("SOCLE_ALERTE_DESTINATAIRES", "").split(",") if d.strip()]
    if hote and destinataires:
        try:
            port = int(os.environ.get("SOCLE_ALERTE_SMTP_PORT", "25"))
        except ValueError:
            port = 25
        expediteur = os.environ.get("SOCLE_ALERTE_EXPEDITEUR") or f"socle@{socket.gethostname()}"
        corps = f"{message}\n\nEntrepôt : {payload['entrepot']}\nHôte : {payload['hote']}\nDate : {payload['horodatage']}\n"
        sent["courriel"] = envoyer_courriel(hote, port, expediteur, destinataires, titre, corps)
    return sent
