"""Fixtures of the real-browser test of the dashboards (see docs/tests-navigateur.md).

- ``chromium``: Debian's Chromium, installed with apt when missing (a fresh CI machine has none);
  Playwright drives it (its own browser download does not work on the project's machines).
- ``artefacts``: where screenshots and the server log go (``SOCLE_ARTEFACTS``, else
  ``<repo>/artefacts/``).
- ``serveur``: one Streamlit server for the module, on a free port, reading the session's demo
  warehouse (``entrepot_demo``), with throwaway users file and access log.
- ``navigateur``: one headless Chromium for the module; each test opens its own context.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from dashboards import acces, server

RACINE = server.RACINE

#: Flags Chromium needs here: root (no sandbox), no GPU, and no background traffic (the closed
#: network refuses it and the page loads stall).
OPTIONS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

#: Development only: ``SOCLE_NAVIGATEUR_ENTREPOT=data/socle.duckdb`` skips the ~90 s build of
#: ``entrepot_demo`` and serves an existing warehouse (opened read-only).
VAR_ENTREPOT = "SOCLE_NAVIGATEUR_ENTREPOT"


def _trouver_chromium() -> str | None:
    for candidat in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidat and os.access(candidat, os.X_OK):
            return candidat
    return None


def _installer_chromium() -> None:
    """``apt-get install chromium`` (Debian); fails the session with a clear message otherwise."""
    if shutil.which("apt-get") is None:
        pytest.fail(
            "Chromium est absent et apt-get introuvable : installez le paquet Debian `chromium` "
            "(Chromium is missing and apt-get is not available: install Debian's `chromium`)."
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Wait for apt's lock rather than fail (another process, or xdist workers, may hold it).
    attente = ["-o", "DPkg::Lock::Timeout=300"]
    for cmd in (
        ["apt-get", *attente, "update"],
        ["apt-get", *attente, "install", "-y", "--no-install-recommends", "chromium"],
    ):
        try:
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Installation de Chromium : `{' '.join(cmd)}` dure plus de 15 min.")
        if res.returncode != 0:
            droits = "" if os.geteuid() == 0 else " (il faut être root / root is required)"
            pytest.fail(
                f"Installation de Chromium impossible{droits} : `{' '.join(cmd)}` a échoué "
                f"(code {res.returncode}). Installez `chromium` à la main "
                f"(`apt-get install -y chromium`).\n{res.stderr[-2000:]}"
            )


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of the system Chromium, installed from Debian's registry if needed."""
    chemin = _trouver_chromium()
    if chemin is None:
        _installer_chromium()
        chemin = _trouver_chromium()
        if chemin is None:
            pytest.fail("apt-get a installé `chromium` mais aucun exécutable chromium n'est trouvé.")
    return chemin


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """``SOCLE_ARTEFACTS``, else ``<repo>/artefacts/`` (created)."""
    dossier = Path(os.environ.get("SOCLE_ARTEFACTS") or RACINE / "artefacts").resolve()
    dossier.mkdir(parents=True, exist_ok=True)
    return dossier


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _attendre_sante(url: str, proc: subprocess.Popen, journal: Path, delai: float = 60) -> None:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if proc.poll() is not None:
            pytest.fail(
                f"Le serveur Streamlit s'est arrêté (code {proc.returncode}) avant de répondre ; "
                f"journal : {journal}\n{journal.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(
        f"Le serveur Streamlit ne répond pas « ok » sur {url}/_stcore/health après {delai:.0f} s ; "
        f"journal : {journal}\n{journal.read_text(errors='replace')[-3000:]}"
    )


@pytest.fixture(scope="module")
def entrepot_navigateur(request) -> Path:
    """The warehouse the server reads: ``entrepot_demo`` (or ``SOCLE_NAVIGATEUR_ENTREPOT`` while
    developing)."""
    surcharge = os.environ.get(VAR_ENTREPOT)
    if surcharge:
        return Path(surcharge).resolve()
    return request.getfixturevalue("entrepot_demo")


@pytest.fixture(scope="module")
def serveur(entrepot_navigateur, artefacts):
    """Start the dashboards on 127.0.0.1:<free port>; yields the base URL; stops the server."""
    port = _port_libre()
    temp = Path(tempfile.mkdtemp(prefix="socle-navigateur-"))
    env = server.environnement(entrepot_navigateur) | {
        "SOCLE_UTILISATEURS": str(temp / "utilisateurs.toml"),
        "SOCLE_JOURNAL_ACCES": str(temp / "journal_acces.jsonl"),
        "PYTHONUNBUFFERED": "1",
    }
    acces.ecrire_utilisateurs_demo(temp / "utilisateurs.toml")  # as `socle demo` does
    # and a committee of Haute-Garonne, the test warehouse's densest département (comparisons)
    with open(temp / "utilisateurs.toml", "a", encoding="utf-8") as f:
        f.write('\n[[utilisateurs]]\nidentifiant = "comite31"\nnom = "Test – comité Haute-Garonne"\nrole = "comite"\n'
                f'territoire_niveau = "DEPARTEMENT"\nterritoire_code = "31"\nmot_de_passe = "{acces.hacher("comite31")}"\n')
    journal = artefacts / "serveur-streamlit.log"
    with open(journal, "w", encoding="utf-8") as sortie:
        # No file watcher: the pages the test opens are the ones present when it started.
        commande = server.commande(port, "127.0.0.1") + ["--server.fileWatcherType", "none"]
        proc = subprocess.Popen(
            commande, cwd=RACINE, env=env,
            stdout=sortie, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _attendre_sante(url, proc, journal)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def navigateur(chromium):
    """One headless Chromium (Playwright driving the system binary) for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # ``launch`` gives Chromium a fresh temporary profile (--user-data-dir) of its own.
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=OPTIONS_CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()
