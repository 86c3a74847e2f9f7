"""Archive of the reports sent and the sending record (``<data dir>/rapports/``).

- ``rapports/<région>/<période>.pdf``: the last report produced for a region and period
  (``2025-06``, ``2025-T2``, ``2025``). When a forced sending replaces a file that had been sent
  with other contents, the earlier file is kept beside it as ``<période>.<sha256 12>.pdf``: every
  file ever sent stays retrievable from its hash in the index.
- ``rapports/envois.jsonl``: one JSON line per sending (who, when, which file, its SHA-256, the
  publication it came from). It is what makes the delivery idempotent: a region, period and
  edition already in it is not sent again unless forced.

Sendings are serialised by a file lock (``rapports/.envois.lock``): two runs for the same
partition cannot both find "not sent yet" and both send.

The misuse alerts sent to the establishments (``pipelines.rapports.diffusion_alertes``) use the same
machinery in their own folder (``nom="alertes"``: ``alertes/envois.jsonl``, ``alertes/.envois.lock``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.core.files import append_jsonl, read_jsonl
from pipelines.rapports.periodes import Periode

DOSSIER = "rapports"
INDEX = "envois.jsonl"


def dossier(data_dir: Path, nom: str = DOSSIER) -> Path:
    return Path(data_dir) / nom


def chemin_archive(data_dir: Path, region: str, periode: Periode) -> Path:
    return dossier(data_dir) / region / f"{periode.cle}.pdf"


def chemin_index(data_dir: Path, nom: str = DOSSIER) -> Path:
    return dossier(data_dir, nom) / INDEX


def sha256(contenu: bytes) -> str:
    return hashlib.sha256(contenu).hexdigest()


def lire_index(data_dir: Path, nom: str = DOSSIER) -> list[dict]:
    """Every sending recorded, oldest first (a line cut by a crash is skipped)."""
    return read_jsonl(chemin_index(data_dir, nom))


def dernier_envoi(data_dir: Path, region: str, periode: Periode) -> dict | None:
    for entree in reversed(lire_index(data_dir)):
        if (entree.get("region"), entree.get("edition"), entree.get("periode")) == (region, periode.edition, periode.cle):
            return entree
    return None


def _ecrire(chemin: Path, contenu: bytes) -> None:
    """Write beside then rename: a reader never sees half a file."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    tmp = chemin.with_name(f".{chemin.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(contenu)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, chemin)


def archiver(data_dir: Path, region: str, periode: Periode, contenu: bytes) -> tuple[Path, str]:
    """Archive a report; returns its path and SHA-256."""
    chemin = chemin_archive(data_dir, region, periode)
    return chemin, archiver_fichier(chemin, contenu, lire_index(data_dir))


def archiver_fichier(chemin: Path, contenu: bytes, index: list[dict]) -> str:
    """Write ``contenu`` at ``chemin``; returns its SHA-256. A file already there that was sent
    (its hash is in ``index``) with other contents is kept beside it as
    ``<stem>.<sha256 12><suffix>``."""
    empreinte = sha256(contenu)
    if chemin.exists():
        ancienne = sha256(chemin.read_bytes())
        if ancienne != empreinte and ancienne in {e.get("sha256") for e in index}:
            os.replace(chemin, chemin.with_name(f"{chemin.stem}.{ancienne[:12]}{chemin.suffix}"))
    _ecrire(chemin, contenu)
    return empreinte


def enregistrer_envoi(data_dir: Path, entree: dict, nom: str = DOSSIER) -> None:
    append_jsonl(chemin_index(data_dir, nom), entree)


@contextmanager
def verrou(data_dir: Path, nom: str = DOSSIER) -> Iterator[None]:
    chemin = dossier(data_dir, nom) / ".envois.lock"
    chemin.parent.mkdir(parents=True, exist_ok=True)
    with open(chemin, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
