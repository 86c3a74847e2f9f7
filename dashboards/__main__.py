"""``python -m dashboards [--entrepot FILE] [--port N] [--adresse A]``: launch the dashboards server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboards.acces import ConnexionNonConfiguree
from dashboards.data_connexion import chemin_entrepot
from dashboards.server import ADRESSE_DEFAUT, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description="Tableaux de bord du socle")
    parser.add_argument("--entrepot", "--warehouse", dest="warehouse", type=Path, default=None,
                        help="entrepôt publié (DuckDB)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--adresse", default=ADRESSE_DEFAUT,
                        help=f"adresse d'écoute (défaut : {ADRESSE_DEFAUT}, cette machine seulement)")
    args = parser.parse_args(argv)
    try:
        return serve(args.warehouse or chemin_entrepot(), port=args.port, adresse=args.adresse)
    except ConnexionNonConfiguree as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
