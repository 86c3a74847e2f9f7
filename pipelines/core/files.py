"""File helpers shared by every layer: hashing, durable copies, JSON Lines journals.

"Durable" means on disk before the function returns (``fsync`` of the file, and of its directory
after a rename): a journal line or a published file must survive a crash right after it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

CHUNK = 4 * 1024 * 1024


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (memory bounded whatever the size)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def copy_hashed(src: Path, dst: Path) -> str:
    """Copy ``src`` to ``dst`` (fsynced), returning the SHA-256 of the bytes written."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(CHUNK):
            h.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return h.hexdigest()


def copy_file(src: Path, dst: Path) -> None:
    """Copy ``src`` over ``dst`` through a temporary file and a rename: ``dst`` is the old file or
    the whole new one, never a partial copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".copie")
    shutil.copyfile(src, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dst)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON Lines file, oldest first; a line cut by a crash is skipped."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def append_jsonl(path: Path, entry: dict) -> None:
    """Append one record to a JSON Lines file, on disk before returning (fsync)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
