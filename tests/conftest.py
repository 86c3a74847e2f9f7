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
# Required outside `socle demo`, at least 32 bytes (pipelines.settings.pseudonymisation_key).
os.environ.setdefault("SOCLE_PSEUDO_KEY", "cle-de-test-ne-pas-utiliser-en-production")
os.environ["DO_NOT_TRACK"] = "1"
# The dbt data tests are proven on the integration build (tests/integration), which turns them
# back on; the suite's other builds (faults, versions, orchestration, demo) test something else.
os.environ["SOCLE_TESTS_DONNEES"] = "non"
for var in ("SOCLE_INBOX", "SOCLE_WAREHOUSE", "SOCLE_DATE_ARRETE"):
    os.environ.pop(var, None)


#: Test files that share a costly session fixture run on one pytest-xdist worker (every other file
#: is its own unit, as with ``--dist loadfile``): the fault suite's builds (tests/faults/conftest.py)
#: are then made once, not once per worker.
_GROUPES = {"tests/faults/": "tests/faults"}
#: Units that take minutes, longest first: dealt first (``--no-loadscope-reorder`` keeps this
#: order), so that they run beside the rest instead of after it.
_LONGS = ("tests/faults", "tests/dbt/test_dbt_spark.py", "tests/versions/test_versions_build.py",
          "tests/browser/test_navigateur_pages.py", "tests/integration/test_integration_build.py",
          "tests/orchestration/test_orchestration_definitions.py")


def _unite(nodeid: str) -> str:
    fichier = nodeid.split("::")[0]
    return next((g for prefixe, g in _GROUPES.items() if fichier.startswith(prefixe)), fichier)


def pytest_collection_modifyitems(config, items):
    rang = {g: i for i, g in enumerate(_LONGS)}
    items.sort(key=lambda item: rang.get(_unite(item.nodeid), len(_LONGS)))


def pytest_xdist_make_scheduler(config, log):
    # pytest-xdist's own ``loadgroup`` renames node ids in a way pytest 9 ignores: one scheduler
    # of our own, by unit as above.
    from xdist.scheduler import LoadScopeScheduling

    class ParUnite(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unite(nodeid)

    return ParUnite(config, log)


@pytest.fixture
def sandbox() -> Path:
    return _SANDBOX


@pytest.fixture(scope="session")
def entrepot_demo(tmp_path_factory, worker_id) -> Path:
    """One small real warehouse for the whole run (Occitanie and PACA, 14 months), built by
    the real ``socle generer`` and ``socle construire``: the dashboards' page and browser tests and
    the CSE reports read it. Read-only for its users: copy it before writing.

    Under pytest-xdist the workers share one build (a file lock, the first one builds), so the
    run pays for it once."""
    from filelock import FileLock
    from typer.testing import CliRunner

    from pipelines.cli import app

    base = tmp_path_factory.getbasetemp()
    racine = (base.parent if worker_id != "master" else base) / "entrepot_demo"
    inbox, warehouse = racine / "inbox", racine / "socle.duckdb"
    with FileLock(str(racine) + ".lock"):
        if not warehouse.exists():
            runner = CliRunner()
            gen = runner.invoke(app, ["generer", "--sortie", str(inbox), "--regions", "76,93", "--mois", "14",
                                      "--personnes", "6000", "--graine", "11"])
            assert gen.exit_code == 0, gen.output
            res = runner.invoke(app, ["construire", "--depot", str(inbox), "--entrepot", str(warehouse)])
            assert res.exit_code == 0, res.output
    return warehouse
