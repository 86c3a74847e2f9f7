"""Discovery of the inbox: the export folders to process, the files of one export folder in order
(extraction date, sequence, name), and what is left alone (links, sub-folders, unknown folders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.core.contract import EXPORTS, DeliveryName, parse_delivery_name


@dataclass
class Task:
    folder: str  # the export folder the file lies in
    path: Path
    rel: str  # path relative to the inbox, with '/'
    name: DeliveryName | None
    name_error: str | None

    @property
    def sort_key(self):
        if self.name is None:
            return (date.min, -1, self.path.name)
        return (self.name.date_extraction, self.name.sequence, self.path.name)


_LIEN_REFUSE = "lien symbolique refusé (jamais suivi) : déposez le fichier lui-même"


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def discover(inbox: Path, folder: str) -> tuple[list[Task], list[tuple[str, str]]]:
    tasks: list[Task] = []
    ignored: list[tuple[str, str]] = []
    root = inbox / folder
    if root.is_symlink():
        return tasks, [(folder, _LIEN_REFUSE)]
    if not root.is_dir():
        return tasks, ignored
    for p in root.iterdir():
        if _hidden(p.name):
            continue
        rel = f"{folder}/{p.name}"
        if p.is_symlink():
            # never followed: a link can point anywhere on the machine (a system file was read)
            ignored.append((rel, _LIEN_REFUSE))
            continue
        if p.is_dir():
            ignored.append((rel, "sous-dossier ignoré"))
            continue
        if not p.is_file():
            ignored.append((rel, "pas un fichier ordinaire (tube, périphérique…) : ignoré"))
            continue
        try:
            name = parse_delivery_name(p.name)
        except ValueError as exc:
            tasks.append(Task(folder, p, rel, None, str(exc)))
            continue
        if name.export != folder:
            tasks.append(
                Task(folder, p, rel, name,
                      f"{p.name} : fichier de l'export {name.export!r} déposé dans le dossier {folder!r}")
            )
            continue
        tasks.append(Task(folder, p, rel, name, None))
    tasks.sort(key=lambda t: t.sort_key)
    return tasks, ignored


def export_folders(inbox: Path, exports: Iterable[str] | None) -> tuple[list[str], list[tuple[str, str]]]:
    ignored: list[tuple[str, str]] = []
    if exports is not None:
        wanted = list(exports)
        unknown = [e for e in wanted if e not in EXPORTS]
        if unknown:
            raise ValueError("export(s) inconnu(s) : " + ", ".join(unknown))
        return [e for e in EXPORTS if e in wanted], ignored
    folders: list[str] = []
    if inbox.is_dir():
        for p in sorted(inbox.iterdir()):
            if _hidden(p.name):
                continue
            if p.is_symlink():
                ignored.append((p.name, _LIEN_REFUSE))
                continue
            if p.is_dir() and p.name in EXPORTS:
                continue
            ignored.append((p.name, "dossier inconnu (pas un export du contrat)" if p.is_dir()
                            else "fichier hors d'un dossier d'export"))
    # contract order: episodes first; a linked folder is never entered
    folders = [e for e in EXPORTS if (inbox / e).is_dir() and not (inbox / e).is_symlink()]
    return folders, ignored
