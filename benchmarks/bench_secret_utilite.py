"""Utility of the published view: what the statistical secret hides, on a published warehouse.

    uv run python benchmarks/bench_secret_utilite.py                       # data/socle.duckdb (demo)
    uv run python benchmarks/bench_secret_utilite.py --warehouse F --perimetres 10

Prints the figures of ``socle qualite``'s utility summary (share of secret monthly cells by level
and family, committees' visibility on the latest 12-month period, the départements' figure
against the 90 % target), the least visible committee perimeters, and the time the measure took
(warehouse opened read-only, never written). A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entrepot", type=Path, default=RACINE / "data" / "socle.duckdb")
    parser.add_argument("--perimetres", type=int, default=10, help="nombre de périmètres les moins visibles affichés")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    if not args.entrepot.exists():
        sys.exit(f"Entrepôt introuvable : {args.entrepot} (lancez d'abord `socle demo --sans-servir`).")

    import polars as pl

    from pipelines.core.warehouse import connect
    from pipelines.secret.utilite import mesurer, pourcentage, resume_utilite

    print(f"Entrepôt : {args.entrepot} ({args.entrepot.stat().st_size / 1e6:.0f} Mo)")
    durees = []
    for _ in range(max(1, args.repetitions)):
        t0 = time.perf_counter()
        with connect(args.entrepot, read_only=True) as con:  # opening included: what socle qualite pays
            u = mesurer(con)
        durees.append(time.perf_counter() - t0)
    print(resume_utilite(u))
    if u.comites.perimetres.height:
        print(f"Périmètres les moins visibles sur 12 mois ({args.perimetres} au plus) :")
        moins = u.comites.perimetres.sort(pl.col("part_visible").fill_null(-1.0), "niveau", "territoire")
        for r in moins.head(args.perimetres).to_dicts():
            print(f"  {r['niveau']:<12} {r['territoire']:<8} {r['visibles']:>3} sur {r['indicateurs']:>3}  "
                  f"{pourcentage(r['part_visible'])}")
    print(f"Mesure : {durees[0]:.3f} s la première fois, {min(durees):.3f} s au mieux "
          f"({len(durees)} mesure(s), ouverture de l'entrepôt comprise)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
