"""Test-wide isolation: no test writes to the user's home, config or data directories."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set at import time (before any test module imports dagster or the settings): Dagster writes
# under $HOME/.dagster even with telemetry off, and the demo pseudonymisation key lives under
# XDG_CONFIG_HOME. Tests get throwaway ones.
_SANDBOX = Path(tempfile.mkdtemp(prefix="socle-tests-"))
for var, sub in (("HOME", "home"), ("DAGSTER_HOME", "dagster_home"), ("XDG_CONFIG_HOME", "config")):
    (_SANDBOX / sub).mkdir(parents=True, exist_ok=True)
    os.environ[var] = str(_SANDBOX / sub)
os.environ["SOCLE_DATA_DIR"] = str(_SANDBOX / "data")
os.environ.setdefault("SOCLE_PSEUDO_KEY", "cle-de-test-ne-pas-utiliser-en-production")
os.environ["DO_NOT_TRACK"] = "1"
for var in ("SOCLE_INBOX", "SOCLE_WAREHOUSE", "SOCLE_DATE_ARRETE"):
    os.environ.pop(var, None)


@pytest.fixture
def sandbox() -> Path:
    return _SANDBOX
