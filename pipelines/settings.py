"""Settings in one place: every entry point (CLI, Dagster, Streamlit) reads them from here.

Values come from the environment with local defaults under ``data/`` (git-ignored).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

#: Secret threshold of statistical disclosure control; never below 11 for families D and E.
SEUIL_SECRET_MIN = 11


def _default_key_file() -> Path:
    # Outside the repository and outside the warehouse: the user's config directory.
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "socle" / "cle_pseudonymisation"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox: Path
    warehouse: Path
    pseudo_key_file: Path
    date_arrete: date | None
    seuil_secret: int
    #: Published versions kept under ``<warehouse dir>/versions/`` for ``socle rollback``.
    versions_conservees: int = 5
    #: Secondary suppression: ``groupes`` (the group rule, default for now) or ``optimiseur``
    #: (LP over every published equation, ``pipelines.secret``; see docs/secret-statistique.md).
    methode_secret: str = "groupes"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        data_dir = Path(os.environ.get("SOCLE_DATA_DIR", DEFAULT_DATA_DIR))
        arrete = os.environ.get("SOCLE_DATE_ARRETE") or None
        s = cls(
            data_dir=data_dir,
            inbox=Path(os.environ.get("SOCLE_INBOX", data_dir / "inbox")),
            warehouse=Path(os.environ.get("SOCLE_WAREHOUSE", data_dir / "socle.duckdb")),
            pseudo_key_file=Path(os.environ.get("SOCLE_PSEUDO_KEY_FILE", _default_key_file())),
            date_arrete=date.fromisoformat(arrete) if arrete else None,
            seuil_secret=int(os.environ.get("SOCLE_SEUIL_SECRET", SEUIL_SECRET_MIN)),
            versions_conservees=int(os.environ.get("SOCLE_VERSIONS_CONSERVEES", 5)),
            methode_secret=os.environ.get("SOCLE_SECRET_METHODE", "groupes"),
        )
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(s, **overrides) if overrides else s

    @property
    def work_dir(self) -> Path:
        """Where a build works before publication (next to the published file)."""
        return self.warehouse.parent / f".{self.warehouse.stem}-travail"

    @property
    def work_warehouse(self) -> Path:
        return self.work_dir / self.warehouse.name


def pseudonymisation_key(settings: Settings | None = None) -> bytes:
    """The HMAC key. ``SOCLE_PSEUDO_KEY`` wins; else a local demo key, created on first use.

    The key is never logged nor written to the warehouse.
    """
    env_key = os.environ.get("SOCLE_PSEUDO_KEY")
    if env_key:
        return env_key.encode("utf-8")
    path = (settings or Settings.from_env()).pseudo_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")
