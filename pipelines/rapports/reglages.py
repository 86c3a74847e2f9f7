"""Delivery settings of the CSE reports and of the misuse alerts: SMTP server, the CSE lists of
each region, the alerts' recipients of each establishment.

From the settings (``Settings``, read from the environment), optionally completed by a TOML file
(``SOCLE_RAPPORTS_CONFIG``); the environment wins. Documented in ``docs/rapports.md``:

| variable | rôle | défaut |
| --- | --- | --- |
| ``SOCLE_SMTP_HOTE`` | serveur SMTP (``pipelines.core.mail``, le même pour les alertes) | aucun (envoi impossible) |
| ``SOCLE_SMTP_PORT`` | port | 587 (starttls), 465 (ssl), 25 (aucun) |
| ``SOCLE_SMTP_TLS`` | ``starttls``, ``ssl`` ou ``aucun`` | ``starttls`` |
| ``SOCLE_SMTP_UTILISATEUR``, ``SOCLE_SMTP_MOT_DE_PASSE`` | authentification | aucune |
| ``SOCLE_SMTP_EXPEDITEUR`` | adresse d'expédition | ``socle@<hôte>`` |
| ``SOCLE_CSE_DESTINATAIRES_<région>`` | liste du CSE de la région, séparée par des virgules | aucune |
| ``SOCLE_CSE_REGIONS`` | régions du calendrier Dagster | ``76,93`` |
| ``SOCLE_ALERTES_FINALITE_DESTINATAIRES_<étab.>`` | destinataires des alertes de l'établissement | aucun (fichier) |

The TOML file::

    [smtp]
    hote = "smtp.example.org"
    port = 587
    tls = "starttls"
    utilisateur = "socle"
    expediteur = "socle@example.org"

    [destinataires]
    76 = ["cse.occitanie@example.org"]

    [destinataires_alertes_finalite]
    76 = ["deontologie.occitanie@example.org"]
    DG = ["deontologie.dg@example.org"]

The password is never logged nor recorded; prefer the environment (or a secret store) to the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from pipelines.core import mail
from pipelines.core.settings import PREFIXE_CSE_DESTINATAIRES, PREFIXE_FINALITE_DESTINATAIRES, Settings
from pipelines.rapports.erreurs import ReglagesError

TLS_MODES = mail.TLS_MODES
PREFIXE_DESTINATAIRES = PREFIXE_CSE_DESTINATAIRES
REGIONS_PAR_DEFAUT = ("76", "93")
_ADRESSE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
#: The SMTP server of the reports is the one of every e-mail.
ReglagesSmtp = mail.SmtpServer


@dataclass(frozen=True)
class ReglagesDiffusion:
    smtp: ReglagesSmtp | None
    destinataires: dict[str, list[str]]
    #: Misuse alerts: each establishment's recipients (keys in upper case: ``76``, ``DG``).
    destinataires_alertes: dict[str, list[str]] = field(default_factory=dict)

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

    def destinataires_alertes_de(self, etablissement: str) -> list[str]:
        """The establishment's recipients of the misuse alerts; empty: file only. An address that
        is also on a CSE list is refused: the alerts are never sent to the CSE (alert-rules.md)."""
        liste = self.destinataires_alertes.get(etablissement.upper(), [])
        cse = {a.lower() for adresses in self.destinataires.values() for a in adresses}
        communes = [a for a in liste if a.lower() in cse]
        if communes:
            raise ReglagesError(
                f"Destinataire(s) des alertes de l'établissement {etablissement} aussi sur une liste du CSE : "
                f"{', '.join(communes)}. Les alertes de détournement de finalité ne sont jamais envoyées au CSE "
                f"ni à un comité : corrigez {PREFIXE_FINALITE_DESTINATAIRES}{etablissement} ou "
                "[destinataires_alertes_finalite] du fichier SOCLE_RAPPORTS_CONFIG."
            )
        return liste


def _liste(valeur, source: str) -> list[str]:
    adresses = valeur if isinstance(valeur, list) else str(valeur).replace(";", ",").split(",")
    adresses = [str(a).strip() for a in adresses if str(a).strip()]
    invalides = [a for a in adresses if not _ADRESSE.match(a)]
    if invalides:
        raise ReglagesError(f"Adresse(s) invalide(s) dans {source} : {', '.join(invalides)}.")
    return adresses


def _fichier(settings: Settings) -> dict:
    chemin = settings.rapports_config
    if chemin is None:
        return {}
    try:
        return tomllib.loads(chemin.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReglagesError(f"Fichier de réglages des rapports introuvable : {chemin} (SOCLE_RAPPORTS_CONFIG).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReglagesError(f"Fichier de réglages des rapports illisible ({chemin}) : {exc}.") from None


def lire_reglages(settings: Settings | None = None) -> ReglagesDiffusion:
    """The delivery settings (default: those of the environment now); French error for an invalid
    value (a missing SMTP server is only an error when something is to be sent: see
    :meth:`ReglagesDiffusion.smtp_requis`)."""
    settings = settings or Settings.from_env()
    fichier = _fichier(settings)
    try:
        smtp = mail.smtp_server(settings, fichier.get("smtp", {}) or {})
    except mail.SmtpSettingsError as exc:
        raise ReglagesError(str(exc)) from None
    if smtp is not None:
        _liste(smtp.sender, "SOCLE_SMTP_EXPEDITEUR")

    destinataires = {str(r): _liste(v, f"[destinataires] {r} de SOCLE_RAPPORTS_CONFIG")
                     for r, v in (fichier.get("destinataires", {}) or {}).items()}
    for region, valeur in settings.cse_destinataires.items():
        if valeur.strip():
            destinataires[region] = _liste(valeur, f"{PREFIXE_DESTINATAIRES}{region}")

    alertes = {str(e).upper(): _liste(v, f"[destinataires_alertes_finalite] {e} de SOCLE_RAPPORTS_CONFIG")
               for e, v in (fichier.get("destinataires_alertes_finalite", {}) or {}).items()}
    for etablissement, valeur in settings.finalite_destinataires.items():
        if valeur.strip():
            alertes[etablissement.upper()] = _liste(valeur, f"{PREFIXE_FINALITE_DESTINATAIRES}{etablissement}")
    return ReglagesDiffusion(smtp, destinataires, alertes)


def regions_planifiees(settings: Settings | None = None) -> list[str]:
    """Regions of the Dagster schedule and partitions (``SOCLE_CSE_REGIONS``)."""
    valeur = ((settings or Settings.from_env()).cse_regions or "").strip()
    regions = [r.strip() for r in valeur.split(",") if r.strip()] if valeur else list(REGIONS_PAR_DEFAUT)
    return sorted(dict.fromkeys(regions))
