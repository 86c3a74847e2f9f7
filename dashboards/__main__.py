"""``python -m dashboards [--warehouse FILE] [--port N]``: launch the dashboards server."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboards.data import chemin_entrepot
from dashboards.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description="Tableaux de bord du socle")
    parser.add_argument("--warehouse", type=Path, default=None, help="entrepôt publié (DuckDB)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--adresse", default=None, help="adresse d'écoute (défaut : celle de Streamlit)")
    args = parser.parse_args(argv)
    return serve(args.warehouse or chemin_entrepot(), port=args.port, adresse=args.adresse)


if __name__ == "__main__":
    raise SystemExit(main())
