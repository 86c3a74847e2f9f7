"""Launch the dashboards server (``socle tableau-de-bord --entrepot FILE`` calls :func:`serve`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from dashboards import acces

APP = Path(__file__).resolve().parent / "app.py"
RACINE = APP.parent.parent

#: Listen on this machine only; another address (``--adresse``) is a deliberate choice, e.g. behind
#: a reverse proxy on another host (docs/exploitation.md).
ADRESSE_DEFAUT = "127.0.0.1"


def commande(port: int = 8501, adresse: str = ADRESSE_DEFAUT) -> list[str]:
    """The command line of the server: ``streamlit run`` through :mod:`dashboards.demarrage` (no
    outbound connection, no metrics route), headless, without usage statistics nor static files."""
    return [
        sys.executable, "-m", "dashboards.demarrage", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", adresse,
        "--browser.gatherUsageStats", "false",
        "--server.enableStaticServing", "false",
    ]  # fmt: skip


def environnement(warehouse: Path | str) -> dict[str, str]:
    env = dict(os.environ)
    env["SOCLE_WAREHOUSE"] = str(Path(warehouse).resolve())
    return env


def _secrets_streamlit() -> list[Path]:
    """Where Streamlit reads ``secrets.toml`` for a server run from the project root."""
    return [Path.home() / ".streamlit" / "secrets.toml", RACINE / ".streamlit" / "secrets.toml"]


def verifier_connexion() -> None:
    """Refuse to start when nobody could sign in, or anybody could with demo accounts.

    The users file is required in both modes (with OpenID Connect it maps each e-mail to a role);
    with ``SOCLE_AUTH=oidc`` the provider's settings (``[auth]`` of ``secrets.toml``) too.
    Raises :class:`~dashboards.acces.ConnexionNonConfiguree` with a French message.
    """
    acces.exiger_fichier_utilisateurs()
    if acces.mode_authentification() != "oidc":
        return
    for chemin in _secrets_streamlit():
        if chemin.is_file():
            with open(chemin, "rb") as f:
                if tomllib.load(f).get("auth"):
                    return
    raise acces.ConnexionNonConfiguree(
        "SOCLE_AUTH=oidc mais aucune section [auth] (fournisseur OpenID Connect) dans "
        f"{' ni '.join(str(c) for c in _secrets_streamlit())} : voir docs/acces.md, « Connexion en "
        "production »."
    )


def url(adresse: str, port: int) -> str:
    """What to open in a browser, for the address the server listens on."""
    if adresse in ("0.0.0.0", "::"):
        return f"http://<nom de la machine>:{port} (à l'écoute sur toutes les interfaces, {adresse})"
    return f"http://[{adresse}]:{port}" if ":" in adresse else f"http://{adresse}:{port}"


def serve(warehouse: Path | str, port: int = 8501, adresse: str = ADRESSE_DEFAUT) -> int:
    """Run the Streamlit server on ``warehouse`` (opened read-only) until it stops.

    Checks first that users can sign in (:func:`verifier_connexion`, which raises). Runs from the
    project root so that ``.streamlit/config.toml`` (theme) applies. Returns the server's exit
    code.
    """
    verifier_connexion()
    if not Path(warehouse).exists():
        print(
            f"Attention : aucun entrepôt publié en {warehouse} ; le tableau de bord l'indiquera "
            "jusqu'au prochain `socle construire`.",
            file=sys.stderr,
        )
    print(f"Tableau de bord : {url(adresse, port)}  (Ctrl+C pour arrêter)", flush=True)
    return subprocess.call(commande(port, adresse), cwd=RACINE, env=environnement(warehouse))
