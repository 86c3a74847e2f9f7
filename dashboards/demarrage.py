"""Process of the dashboards server: ``python -m dashboards.demarrage run dashboards/app.py ...``
is ``streamlit run`` with two things closed that Streamlit has no setting for.

- **No outbound connection.** To print its « Network / External URL » and to check the origin of
  a WebSocket coming from another site, Streamlit looks up the machine's addresses: a UDP socket
  towards 8.8.8.8 (internal address) and an HTTP request to checkip.amazonaws.com (external
  address), at start and again for each such WebSocket. Here both are « unknown », which
  Streamlit handles: no such URL printed, and an origin is accepted if it is the page's own,
  localhost, ``server.address``, ``browser.serverAddress`` or in ``server.corsAllowedOrigins``.
- **No ``/_stcore/metrics``.** It serves the server's session and cache counters to anyone,
  signed in or not; its routes answer 404 (removing them would not do: the app's pages are served
  for any unknown path). ``/_stcore/health`` stays (supervision).

This must run in the server's process before the server starts: the app script runs too late.
Each replaced function must exist, so that a Streamlit upgrade that renames one stops the server
instead of silently reopening the gap (tests/dashboards/test_dashboards_server.py checks both
through a real server).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any


def _fonction(module: ModuleType, nom: str) -> Callable:
    """``module.nom``, which this module replaces: it must exist (see the module's docstring)."""
    fonction = getattr(module, nom, None)
    if not callable(fonction):
        import streamlit

        raise RuntimeError(
            f"Streamlit {streamlit.__version__} : {module.__name__}.{nom} est introuvable ; "
            "dashboards/demarrage.py doit être revu pour cette version."
        )
    return fonction


def _adresse_inconnue() -> None:
    """What Streamlit's lookups give when they fail: no address."""
    return None


def _introuvables(creer_routes: Callable[..., list]) -> Callable[..., list]:
    """Streamlit's metrics routes, same paths and methods, each answering 404."""

    def routes(runtime: Any, base_url: str | None) -> list:
        from starlette.responses import Response
        from starlette.routing import Route

        async def introuvable(request: Any) -> Response:
            return Response(status_code=404)

        return [Route(r.path, introuvable, methods=r.methods) for r in creer_routes(runtime, base_url)]

    return routes


def fermer() -> None:
    """Turn off the address lookups and the metrics route of Streamlit, for this process."""
    from streamlit import net_util
    from streamlit.web.server.starlette import starlette_app

    for nom in ("get_internal_ip", "get_external_ip"):
        _fonction(net_util, nom)
        setattr(net_util, nom, _adresse_inconnue)
    starlette_app.create_metrics_routes = _introuvables(_fonction(starlette_app, "create_metrics_routes"))


def main() -> None:
    fermer()
    from streamlit.web.cli import main as streamlit

    # Same program name as ``python -m streamlit``: Streamlit reads it back from the command line.
    streamlit(prog_name="streamlit")


if __name__ == "__main__":
    main()
