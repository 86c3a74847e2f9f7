"""The server launcher used by ``socle dashboard``."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

from dashboards import server


def test_commande():
    cmd = server.commande(port=8765)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert cmd[4].endswith("dashboards/app.py")
    options = dict(zip(cmd[5::2], cmd[6::2]))
    assert options["--server.headless"] == "true"
    assert options["--server.port"] == "8765"
    assert options["--browser.gatherUsageStats"] == "false"
    assert "--server.address" not in options
    assert server.commande(adresse="127.0.0.1")[-2:] == ["--server.address", "127.0.0.1"]


def test_environnement(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = server.environnement("relatif.duckdb")
    assert env["SOCLE_WAREHOUSE"] == str(tmp_path / "relatif.duckdb")  # absolute: cwd changes


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_le_serveur_demarre(entrepot, tmp_path):
    port = _port_libre()
    env = server.environnement(entrepot.path) | {"HOME": str(tmp_path)}
    proc = subprocess.Popen(
        server.commande(port, "127.0.0.1"), cwd=server.RACINE, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        fin = time.monotonic() + 30
        etat = None
        while time.monotonic() < fin and etat != "ok":
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    etat = r.read().decode()
            except OSError:
                time.sleep(0.3)
        assert etat == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_python_m_dashboards(monkeypatch, tmp_path):
    from dashboards import __main__ as principal

    appels = []
    monkeypatch.setattr(principal, "serve", lambda w, port, adresse: appels.append((w, port, adresse)) or 0)
    assert principal.main(["--warehouse", str(tmp_path / "w.duckdb"), "--port", "9000"]) == 0
    assert appels == [(tmp_path / "w.duckdb", 9000, None)]
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "env.duckdb"))
    principal.main([])
    assert appels[-1] == (tmp_path / "env.duckdb", 8501, None)
