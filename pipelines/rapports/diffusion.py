"""Deliver a report: quality gate, idempotence, PDF, archive, e-mail, sending record.

The one function the Dagster asset and ``socle rapport --envoyer`` call. In order:

1. the settings (SMTP server, the region's CSE list): nothing is produced without them;
2. the quality gate of the publication: a publication whose blocking checks failed sends nothing
   and raises :class:`QualiteBloquante`;
3. idempotence: a region, period and edition already sent is not sent again unless ``forcer``;
4. the PDF, archived under ``rapports/<région>/<période>.pdf``, then the e-mail, then one line in
   ``rapports/envois.jsonl`` — under a lock, so that two runs never both send.

A crash between the SMTP server's acceptance and the record would send the report again at the
next run: the delivery is "at least once", and the record says exactly what went out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.core.settings import Settings
from pipelines.rapports import RapportProduit, produire_rapport
from pipelines.rapports.archive import archiver, dernier_envoi, enregistrer_envoi, verrou
from pipelines.rapports.envoi import envoyer, message
from pipelines.rapports.periodes import Periode
from pipelines.rapports.qualite import controler_publication
from pipelines.rapports.reglages import ReglagesDiffusion, lire_reglages

logger = logging.getLogger("socle.rapports")


@dataclass(frozen=True)
class ResultatDiffusion:
    envoye: bool
    entree: dict  # the sending record: the new one, or the earlier one when nothing was sent
    message: str  # what happened, in French

    @property
    def fichier(self) -> Path | None:
        return Path(self.entree["chemin"]) if self.entree.get("chemin") else None


def diffuser(settings: Settings, region: str, periode: Periode, *, forcer: bool = False,
             reglages: ReglagesDiffusion | None = None) -> ResultatDiffusion:
    reglages = reglages or lire_reglages()
    smtp = reglages.smtp_requis()
    destinataires = reglages.destinataires_de(region)
    quoi = f"Rapport CSE de la région {region}, {periode.libelle}"
    controler_publication(settings.warehouse, quoi)
    with verrou(settings.data_dir):
        deja = dernier_envoi(settings.data_dir, region, periode)
        if deja and not forcer:
            texte = (f"{quoi} déjà envoyé le {deja['horodatage']} à {', '.join(deja['destinataires'])} "
                     f"(SHA-256 {deja['sha256'][:12]}…) : pas de second envoi (forcer pour renvoyer).")
            logger.info(texte)
            return ResultatDiffusion(False, deja, texte)
        rapport: RapportProduit = produire_rapport(settings.warehouse, region, periode)
        chemin, empreinte = archiver(settings.data_dir, region, periode, rapport.pdf)
        msg = message(rapport, smtp.sender, destinataires)
        refuses = envoyer(smtp, msg)
        entree = {
            "horodatage": datetime.now().astimezone().isoformat(timespec="seconds"),
            "region": region,
            "libelle_region": rapport.libelle_region,
            "edition": periode.edition,
            "periode": periode.cle,
            "fichier": str(chemin.relative_to(settings.data_dir)),
            "chemin": str(chemin),
            "sha256": empreinte,
            "octets": len(rapport.pdf),
            "expediteur": smtp.sender,
            "destinataires": destinataires,
            "refuses": sorted(refuses),
            "message_id": msg["Message-ID"],
            "serveur": f"{smtp.host}:{smtp.port}",
            "force": bool(forcer and deja),
            "date_arrete": rapport.date_arrete.isoformat() if rapport.date_arrete else None,
            "version_publication": rapport.version,
            "qualite": rapport.qualite,
        }
        enregistrer_envoi(settings.data_dir, entree)
    texte = f"{quoi} envoyé à {', '.join(destinataires)} ({chemin}, SHA-256 {empreinte[:12]}…)."
    if refuses:
        texte += f" Destinataires refusés par le serveur : {', '.join(sorted(refuses))}."
    logger.info(texte)
    return ResultatDiffusion(True, entree, texte)
