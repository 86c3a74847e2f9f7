"""Launch the dashboards server (``socle dashboard --warehouse FILE`` calls :func:`serve`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
RACINE = APP.parent.parent


def commande(port: int = 8501, adresse: str | None = None) -> list[str]:
    """The ``streamlit run`` command line (headless, no usage statistics)."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if adresse:
        cmd += ["--server.address", adresse]
    return cmd


def environnement(warehouse: Path | str) -> dict[str, str]:
    env = dict(os.environ)
    env["SOCLE_WAREHOUSE"] = str(Path(warehouse).resolve())
    return env


def serve(warehouse: Path | str, port: int = 8501, adresse: str | None = None) -> int:
    """Run the Streamlit server on ``warehouse`` (opened read-only) until it stops.

    Run from the project root so that ``.streamlit/config.toml`` (theme) applies. Returns the
    server's exit code.
    """
    if not Path(warehouse).exists():
        print(
            f"Attention : aucun entrepôt publié en {warehouse} ; le tableau de bord l'indiquera "
            "jusqu'au prochain `socle build`.",
            file=sys.stderr,
        )
    return subprocess.call(commande(port, adresse), cwd=RACINE, env=environnement(warehouse))
