"""The access log (``Settings.fichier_journal_acces``): one JSON line per access to person-level or
protected data, append-only, never in the warehouse (the published file is replaced at each
publication and opened read-only).

Written by the dashboards (page views, downloads, sign-in attempts: ``dashboards.journal``) and by
the dispatch of misuse alerts to an establishment (``pipelines.rapports.diffusion_alertes``): here,
below both layers, so that every writer keeps one format.
"""

from __future__ import annotations

import os
import pwd
from datetime import UTC, datetime
from pathlib import Path

from pipelines.core.files import append_jsonl

#: The keys every event has, in this order (a writer may add its own after them).
COLONNES = ("horodatage", "identifiant", "role", "page", "territoire", "indicateur", "action")
#: The "page" and action of a dispatch of misuse alerts to an establishment (territory
#: ``ETABLISSEMENT:<code>``; details ``nb_alertes``, ``fichier``, ``sha256``, ``destinataires``,
#: ``origine``, ``force``).
PAGE_ALERTES = "alertes_etablissement"
ACTION_ENVOI_ALERTES = "envoi_alertes"


def ajouter(chemin: Path, identifiant: str, role: str | None, page: str, territoire: str | None,
            indicateur: str | None, action: str, **details) -> dict:
    """Append one event (UTC time to the millisecond) and return it.

    One ``write`` of one line in append mode, flushed and synced: concurrent writers never
    interleave within a line and an event survives a crash right after it."""
    evenement = {
        "horodatage": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "identifiant": identifiant,
        "role": role,
        "page": page,
        "territoire": territoire,
        "indicateur": indicateur,
        "action": action,
        **details,
    }
    append_jsonl(Path(chemin), evenement)
    return evenement


def utilisateur_systeme() -> str:
    """The OS account running this process: from the password database, not from ``$USER``
    (which anyone can set to anything before a command)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # an uid without an entry (some containers)
        return f"uid:{os.geteuid()}"
