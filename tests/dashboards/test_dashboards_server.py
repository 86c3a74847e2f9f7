"""The server launcher used by ``socle tableau-de-bord``, and the real server it starts."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dashboards import acces, server

from .conftest import construire_entrepot


def test_commande():
    cmd = server.commande(port=8765)
    assert cmd[1:5] == ["-m", "dashboards.demarrage", "run", str(server.APP)]
    assert cmd[4].endswith("dashboards/app.py")
    options = dict(zip(cmd[5::2], cmd[6::2]))
    assert options["--server.headless"] == "true"
    assert options["--server.port"] == "8765"
    assert options["--server.address"] == "127.0.0.1"  # this machine only, unless asked
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--server.enableStaticServing"] == "false"
    assert dict(zip(*[iter(server.commande(adresse="0.0.0.0")[5:])] * 2))["--server.address"] == "0.0.0.0"


def test_environnement(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = server.environnement("relatif.duckdb")
    assert env["SOCLE_WAREHOUSE"] == str(tmp_path / "relatif.duckdb")  # absolute: cwd changes


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Loaded by every Python process of the server (``sitecustomize`` on PYTHONPATH): an audit hook
#: writes down each connection or name lookup towards anything but this machine.
SONDE_RESEAU = '''
import os, sys
_SORTIES = os.environ["SOCLE_TEST_SORTIES_RESEAU"]
_LOCALES = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "", None}

def _sonde(evenement, args):
    if evenement == "socket.connect" and isinstance(args[1], tuple):
        hote = args[1][0]
    elif evenement == "socket.getaddrinfo":
        hote = args[0].decode() if isinstance(args[0], bytes) else args[0]
    else:
        return
    if hote not in _LOCALES:
        with open(_SORTIES, "a", encoding="utf-8") as f:
            f.write(f"{evenement} {hote}\\n")

sys.addaudithook(_sonde)
'''


class Serveur:
    def __init__(self, port: int, sorties: Path, proc: subprocess.Popen):
        self.port, self.sorties, self.proc = port, sorties, proc
        self.url = f"http://127.0.0.1:{port}"

    def get(self, chemin: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + chemin, timeout=2) as r:
                return r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def sorties_reseau(self) -> list[str]:
        return self.sorties.read_text().splitlines() if self.sorties.exists() else []


@pytest.fixture(scope="module")
def serveur(tmp_path_factory):
    """One real server for the module, started as ``socle tableau-de-bord`` starts it (default
    address), with the network probe loaded."""
    dossier = tmp_path_factory.mktemp("serveur")
    entrepot = construire_entrepot(dossier / "socle.duckdb")
    (dossier / "sonde").mkdir()
    (dossier / "sonde" / "sitecustomize.py").write_text(SONDE_RESEAU)
    port = _port_libre()
    env = server.environnement(entrepot.path) | {
        "HOME": str(dossier),
        "PYTHONPATH": str(dossier / "sonde"),
        "SOCLE_TEST_SORTIES_RESEAU": str(dossier / "sorties.txt"),
        "SOCLE_UTILISATEURS": str(dossier / "utilisateurs.toml"),
        "SOCLE_JOURNAL_ACCES": str(dossier / "journal_acces.jsonl"),
    }
    proc = subprocess.Popen(
        server.commande(port), cwd=server.RACINE, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    s = Serveur(port, dossier / "sorties.txt", proc)
    try:
        fin = time.monotonic() + 30
        while time.monotonic() < fin and proc.poll() is None:
            try:
                if s.get("/_stcore/health") == (200, "ok"):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield s
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_le_serveur_demarre(serveur):
    assert serveur.get("/_stcore/health") == (200, "ok")


def _adresses_d_ecoute(port: int) -> set[str]:
    """Local addresses of the listening TCP sockets on ``port`` (Linux ``/proc/net``)."""
    adresses = set()
    for fichier in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(fichier):
            continue
        for ligne in Path(fichier).read_text().splitlines()[1:]:
            champs = ligne.split()
            adresse, _, port_hex = champs[1].partition(":")
            if champs[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                adresses.add(adresse)
    return adresses


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="/proc/net (Linux) requis")
def test_le_serveur_n_ecoute_que_cette_machine(serveur):
    # 0100007F: 127.0.0.1 as /proc/net/tcp writes it; never 0.0.0.0 nor :: (every interface).
    assert _adresses_d_ecoute(serveur.port) == {"0100007F"}


def test_pas_de_metriques_sans_connexion(serveur):
    statut, corps = serveur.get("/_stcore/metrics")
    assert statut == 404 and "session" not in corps
    assert serveur.get("/_stcore/health") == (200, "ok")  # the health check stays, for supervision


def test_aucune_connexion_sortante(serveur):
    """Streamlit looks up the machine's addresses (UDP towards 8.8.8.8, HTTP to
    checkip.amazonaws.com) at start and for a WebSocket from another origin: never here."""
    with socket.create_connection(("127.0.0.1", serveur.port), timeout=5) as s:
        s.sendall(
            f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{serveur.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nOrigin: http://ailleurs.example\r\n\r\n".encode()
        )
        assert s.recv(12).startswith(b"HTTP/1.1 403")  # the foreign origin is refused
    assert serveur.proc.poll() is None
    assert serveur.sorties_reseau() == []


# ---------------------------------------------------------------------------------------------
# Who may sign in: the server refuses to start without it

UN_UTILISATEUR = (
    '[[utilisateurs]]\nidentifiant = "marie"\nrole = "comite"\nterritoire_niveau = "DEPARTEMENT"\n'
    'territoire_code = "31"\ncourriel = "marie.d@exemple.fr"\n'
)


def test_sans_fichier_d_utilisateurs_le_serveur_refuse_de_demarrer(tmp_path, monkeypatch):
    lance = []
    monkeypatch.setattr(server.subprocess, "call", lambda *a, **k: lance.append(a) or 0)
    with pytest.raises(acces.ConnexionNonConfiguree, match="socle demo"):
        server.serve(tmp_path / "w.duckdb")
    assert not lance and not (tmp_path / "utilisateurs.toml").exists()  # no demo account created
    (tmp_path / "utilisateurs.toml").write_text(UN_UTILISATEUR)
    assert server.serve(tmp_path / "w.duckdb") == 0 and len(lance) == 1


def test_oidc_sans_reglages_refuse(tmp_path, monkeypatch):
    (tmp_path / "utilisateurs.toml").write_text(UN_UTILISATEUR)
    monkeypatch.setenv("SOCLE_AUTH", "oidc")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(server, "RACINE", tmp_path)
    with pytest.raises(acces.ConnexionNonConfiguree, match=r"\[auth\]"):
        server.verifier_connexion()
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nclient_id = "socle"\n')
    server.verifier_connexion()


def test_socle_dashboard_sans_utilisateurs(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipelines.cli import app

    (tmp_path / "w.duckdb").touch()
    lance = []
    monkeypatch.setattr(server.subprocess, "call", lambda *a, **k: lance.append(a) or 0)
    res = CliRunner().invoke(app, ["tableau-de-bord", "--entrepot", str(tmp_path / "w.duckdb")])
    assert res.exit_code == 1 and "Aucun fichier d'utilisateurs" in res.output
    assert not lance and not (tmp_path / "utilisateurs.toml").exists()


def test_socle_demo_cree_les_comptes_de_demonstration(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipelines import cli

    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    (tmp_path / "w.duckdb").touch()
    monkeypatch.setattr(cli, "_inbox_has_files", lambda inbox: True)
    monkeypatch.setattr(cli, "do_build", lambda settings: None)
    servis = []
    monkeypatch.setattr(server, "serve", lambda w, port, adresse: servis.append((port, adresse)) or 0)
    res = CliRunner().invoke(cli.app, ["demo"])
    assert res.exit_code == 0, res.output
    assert servis == [(8501, "127.0.0.1")]
    assert acces.authentifier("national", "national") is not None
    assert "national" in res.output


def test_python_m_dashboards(monkeypatch, tmp_path):
    from dashboards import __main__ as principal

    appels = []
    monkeypatch.setattr(principal, "serve", lambda w, port, adresse: appels.append((w, port, adresse)) or 0)
    assert principal.main(["--entrepot", str(tmp_path / "w.duckdb"), "--port", "9000"]) == 0
    assert appels == [(tmp_path / "w.duckdb", 9000, "127.0.0.1")]
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "env.duckdb"))
    principal.main([])
    assert appels[-1] == (tmp_path / "env.duckdb", 8501, "127.0.0.1")
