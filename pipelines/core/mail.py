"""The one SMTP client: CSE reports (``pipelines.rapports.envoi``) and failure alerts
(``pipelines.alertes``) send through it, with one set of settings (``SOCLE_SMTP_*``, read in
``pipelines.core.settings``).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from pipelines.core.settings import Settings

TLS_MODES = ("starttls", "ssl", "aucun")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "aucun": 25}


class SmtpSettingsError(ValueError):
    """An SMTP setting is invalid; the message (French) names the variable."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str  # starttls, ssl (implicit TLS) or aucun
    user: str | None
    password: str | None = field(repr=False)
    sender: str


def smtp_server(settings: Settings, fichier: Mapping | None = None) -> SmtpServer | None:
    """The SMTP server of the settings (``SOCLE_SMTP_*``), completed by the ``[smtp]`` section of a
    file (``fichier``; the environment wins); None without a host. Invalid values raise
    :class:`SmtpSettingsError`."""
    fichier = fichier or {}

    def lire(valeur: str | None, cle: str) -> str | None:
        v = (valeur or "").strip() or fichier.get(cle)
        return str(v).strip() if v not in (None, "") else None

    host = lire(settings.smtp_hote, "hote")
    if not host:
        return None
    tls = (lire(settings.smtp_tls, "tls") or "starttls").lower()
    if tls not in TLS_MODES:
        raise SmtpSettingsError(f"SOCLE_SMTP_TLS vaut « {tls} » : attendu starttls, ssl ou aucun.")
    port_text = lire(settings.smtp_port, "port") or str(DEFAULT_PORTS[tls])
    try:
        port = int(port_text)
    except ValueError:
        raise SmtpSettingsError(f"SOCLE_SMTP_PORT vaut « {port_text} » : un numéro de port est attendu.") from None
    user = lire(settings.smtp_utilisateur, "utilisateur")
    password = settings.smtp_mot_de_passe or fichier.get("mot_de_passe")
    if user and not password:
        raise SmtpSettingsError("SOCLE_SMTP_UTILISATEUR est défini sans SOCLE_SMTP_MOT_DE_PASSE.")
    sender = lire(settings.smtp_expediteur, "expediteur") or f"socle@{socket.gethostname()}"
    return SmtpServer(host, port, tls, user, password, sender)


def send(server: SmtpServer, msg: EmailMessage, timeout: float) -> dict[str, tuple]:
    """Send ``msg``; returns the recipients the server refused (empty when all accepted). SMTP and
    network errors are raised as they come (``smtplib.SMTPException``, ``OSError``)."""
    context = ssl.create_default_context()
    if server.tls == "ssl":
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with client:
        if server.tls == "starttls":
            client.starttls(context=context)
        if server.user:
            client.login(server.user, server.password or "")
        return client.send_message(msg)
