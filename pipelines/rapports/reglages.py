"""Delivery settings of the CSE reports: SMTP server and the CSE lists of each region.

From the environment, optionally completed by a TOML file (``SOCLE_RAPPORTS_CONFIG``); the
environment wins. Documented in ``docs/rapports.md``:

| variable | rôle | défaut |
| --- | --- | --- |
| ``SOCLE_SMTP_HOTE`` | serveur SMTP | aucun (envoi impossible) |
| ``SOCLE_SMTP_PORT`` | port | 587 (starttls), 465 (ssl), 25 (aucun) |
| ``SOCLE_SMTP_TLS`` | ``starttls``, ``ssl`` ou ``aucun`` | ``starttls`` |
| ``SOCLE_SMTP_UTILISATEUR``, ``SOCLE_SMTP_MOT_DE_PASSE`` | authentification | aucune |
| ``SOCLE_SMTP_EXPEDITEUR`` | adresse d'expédition | ``socle@<hôte>`` |
| ``SOCLE_CSE_DESTINATAIRES_<région>`` | liste du CSE de la région, séparée par des virgules | aucune |
| ``SOCLE_CSE_REGIONS`` | régions du calendrier Dagster | ``76,93`` |

The TOML file::

    [smtp]
    hote = "smtp.example.org"
    port = 587
    tls = "starttls"
    utilisateur = "socle"
    expediteur = "socle@example.org"

    [destinataires]
    76 = ["cse.occitanie@example.org"]

The password is never logged nor recorded; prefer the environment (or a secret store) to the file.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.rapports.erreurs import ReglagesError

TLS_MODES = ("starttls", "ssl", "aucun")
_PORTS = {"starttls": 587, "ssl": 465, "aucun": 25}
PREFIXE_DESTINATAIRES = "SOCLE_CSE_DESTINATAIRES_"
REGIONS_PAR_DEFAUT = ("76", "93")
_ADRESSE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True)
class ReglagesSmtp:
    hote: str
    port: int
    tls: str
    utilisateur: str | None
    mot_de_passe: str | None = field(repr=False)
    expediteur: str


@dataclass(frozen=True)
class ReglagesDiffusion:
    smtp: ReglagesSmtp | None
    destinataires: dict[str, list[str]]

    def smtp_requis(self) -> ReglagesSmtp:
        if self.smtp is None:
            raise ReglagesError(
                "Aucun serveur SMTP configuré pour l'envoi des rapports au CSE : définissez SOCLE_SMTP_HOTE "
                "(et au besoin SOCLE_SMTP_PORT, SOCLE_SMTP_TLS, SOCLE_SMTP_UTILISATEUR, SOCLE_SMTP_MOT_DE_PASSE, "
                "SOCLE_SMTP_EXPEDITEUR) ou la section [smtp] du fichier SOCLE_RAPPORTS_CONFIG (docs/rapports.md)."
            )
        return self.smtp

    def destinataires_de(self, region: str) -> list[str]:
        liste = self.destinataires.get(region)
        if not liste:
            raise ReglagesError(
                f"Aucun destinataire CSE configuré pour la région {region} : définissez "
                f"{PREFIXE_DESTINATAIRES}{region}=adresse1,adresse2 ou [destinataires] \"{region}\" dans le "
                "fichier SOCLE_RAPPORTS_CONFIG."
            )
        return liste


def _liste(valeur, source: str) -> list[str]:
    adresses = valeur if isinstance(valeur, list) else str(valeur).replace(";", ",").split(",")
    adresses = [str(a).strip() for a in adresses if str(a).strip()]
    invalides = [a for a in adresses if not _ADRESSE.match(a)]
    if invalides:
        raise ReglagesError(f"Adresse(s) invalide(s) dans {source} : {', '.join(invalides)}.")
    return adresses


def _fichier(env: Mapping[str, str]) -> dict:
    chemin = env.get("SOCLE_RAPPORTS_CONFIG", "").strip()
    if not chemin:
        return {}
    try:
        return tomllib.loads(Path(chemin).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReglagesError(f"Fichier de réglages des rapports introuvable : {chemin} (SOCLE_RAPPORTS_CONFIG).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReglagesError(f"Fichier de réglages des rapports illisible ({chemin}) : {exc}.") from None


def lire_reglages(env: Mapping[str, str] | None = None) -> ReglagesDiffusion:
    """The delivery settings; French error for an invalid value (a missing SMTP server is only an
    error when something is to be sent: see :meth:`ReglagesDiffusion.smtp_requis`)."""
    env = os.environ if env is None else env
    fichier = _fichier(env)
    smtp_f = fichier.get("smtp", {}) or {}

    def lire(variable: str, cle: str) -> str | None:
        valeur = env.get(variable, "").strip() or smtp_f.get(cle)
        return str(valeur).strip() if valeur not in (None, "") else None

    smtp = None
    hote = lire("SOCLE_SMTP_HOTE", "hote")
    if hote:
        tls = (lire("SOCLE_SMTP_TLS", "tls") or "starttls").lower()
        if tls not in TLS_MODES:
            raise ReglagesError(f"SOCLE_SMTP_TLS vaut « {tls} » : attendu starttls, ssl ou aucun.")
        port_texte = lire("SOCLE_SMTP_PORT", "port") or str(_PORTS[tls])
        try:
            port = int(port_texte)
        except ValueError:
            raise ReglagesError(f"SOCLE_SMTP_PORT vaut « {port_texte} » : un numéro de port est attendu.") from None
        utilisateur = lire("SOCLE_SMTP_UTILISATEUR", "utilisateur")
        mot_de_passe = env.get("SOCLE_SMTP_MOT_DE_PASSE") or smtp_f.get("mot_de_passe")
        if utilisateur and not mot_de_passe:
            raise ReglagesError("SOCLE_SMTP_UTILISATEUR est défini sans SOCLE_SMTP_MOT_DE_PASSE.")
        expediteur = lire("SOCLE_SMTP_EXPEDITEUR", "expediteur") or f"socle@{socket.gethostname()}"
        _liste(expediteur, "SOCLE_SMTP_EXPEDITEUR")
        smtp = ReglagesSmtp(hote, port, tls, utilisateur, mot_de_passe, expediteur)

    destinataires = {str(r): _liste(v, f"[destinataires] {r} de SOCLE_RAPPORTS_CONFIG")
                     for r, v in (fichier.get("destinataires", {}) or {}).items()}
    for variable, valeur in env.items():
        if variable.startswith(PREFIXE_DESTINATAIRES) and valeur.strip():
            destinataires[variable[len(PREFIXE_DESTINATAIRES):]] = _liste(valeur, variable)
    return ReglagesDiffusion(smtp, destinataires)


def regions_planifiees(env: Mapping[str, str] | None = None) -> list[str]:
    """Regions of the Dagster schedule and partitions (``SOCLE_CSE_REGIONS``)."""
    env = os.environ if env is None else env
    valeur = env.get("SOCLE_CSE_REGIONS", "").strip()
    regions = [r.strip() for r in valeur.split(",") if r.strip()] if valeur else list(REGIONS_PAR_DEFAUT)
    return sorted(dict.fromkeys(regions))
