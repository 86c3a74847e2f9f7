"""Disclosure control on a built warehouse: protection, then the independent audit, with figures.

    uv run python benchmarks/bench_secret.py                                  # data/socle.duckdb (demo)
    uv run python benchmarks/bench_secret.py --warehouse F --methode optimiseur --region 76

Reads ``marts.indicateurs`` and the agencies' hierarchy of a built warehouse (opened read-only,
never written), protects the cells with the chosen method into a scratch warehouse (a temporary
directory: marts, published view, proofs), then audits that view (propagation, the optimiser's
certificates checked on the audit's own system). Prints: cells, primary-secret cells, hidden
share by level, durations of each step, the audit's figures and its violations by level and
reason, the utility figures. ``--region`` keeps one region (its cells, its départements, bassins
and agencies; the national level goes, as the sum of regions no longer holds). A benchmark prints
figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))


def _cellules(warehouse: Path, region: str | None):
    import polars as pl

    from pipelines.core.warehouse import connect
    from pipelines.publication import COLONNES_CONTRAT

    with connect(warehouse, read_only=True) as con:
        cells = con.sql(f"select {', '.join(COLONNES_CONTRAT)} from marts.indicateurs "
                        "order by indicateur, periode, type_periode, niveau, territoire, dimension, modalite").pl()
        hier = con.sql("select code_agence, code_bassin, code_departement, code_region "
                       "from intermediate.int_territoires__agences").pl()
    if region:
        h = hier.filter(pl.col("code_region") == region)
        if h.height == 0:
            sys.exit(f"Région {region} absente de l'entrepôt.")
        garder = set(h["code_agence"]) | set(h["code_bassin"]) | set(h["code_departement"]) | {region}
        cells = cells.filter(pl.col("territoire").is_in(sorted(garder)) & (pl.col("niveau") != "NATIONAL"))
        hier = h
    return cells, hier


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entrepot", type=Path, default=RACINE / "data" / "socle.duckdb")
    parser.add_argument("--methode", choices=["groupes", "optimiseur"], default="optimiseur")
    parser.add_argument("--seuil", type=int, default=11)
    parser.add_argument("--region", default=None, help="une seule région (code INSEE)")
    parser.add_argument("--part-non-diffusion", type=float, default=None,
                        help="optimiseur : part de cellules secrètes primaires au-delà de laquelle un tableau "
                             "n'est pas diffusé (défaut : celui de RegleProtection) ; négatif : tout diffuser")
    parser.add_argument("--garder", type=Path, default=None,
                        help="fichier DuckDB où garder la vue protégée et ses preuves (défaut : dossier temporaire)")
    args = parser.parse_args()
    if not args.entrepot.exists():
        sys.exit(f"Entrepôt introuvable : {args.entrepot} (lancez d'abord `socle demo --sans-servir`).")

    import duckdb

    from pipelines.publication import publier_vue
    from pipelines.secret.audit import auditer
    from pipelines.secret.utilite import mesurer, resume_utilite

    t0 = time.perf_counter()
    cells, hier = _cellules(args.entrepot, args.region)
    print(f"Entrepôt : {args.entrepot} ; {cells.height} cellules "
          f"({', '.join(f'{r[0]} {r[1]}' for r in cells.group_by('type_periode').len().sort('type_periode').rows())}) ; "
          f"lecture {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory(prefix="socle-bench-secret-") as tmp:
        if args.garder:
            args.garder.parent.mkdir(parents=True, exist_ok=True)
            args.garder.unlink(missing_ok=True)
        con = duckdb.connect(str(args.garder or Path(tmp) / "w.duckdb"))
        try:
            for schema in ("marts", "intermediate"):
                con.execute(f"create schema {schema}")
            con.register("c", cells.to_arrow())
            con.execute("create table marts.indicateurs as select * from c")
            con.register("h", hier.to_arrow())
            con.execute("create table intermediate.int_territoires__agences as select * from h")
            debut = time.perf_counter()

            def journal(message: str) -> None:
                print(f"  {time.perf_counter() - debut:7.1f} s  {message}", flush=True)

            t0 = time.perf_counter()
            regle = None
            if args.part_non_diffusion is not None:
                from pipelines.secret.protection import RegleProtection

                part = args.part_non_diffusion
                regle = RegleProtection(part_non_diffusion=None if part < 0 else part)
            publier_vue(con, args.seuil, args.methode, journal, regle)
            duree_protection = time.perf_counter() - t0
            print(f"Protection ({args.methode}) : {duree_protection:.1f} s")
            part = con.sql("select niveau, avg(secret::int) as part, count(*) as n from publication.indicateurs "
                           "where type_periode = 'mois' group by niveau order by n").pl()
            print("Cellules mensuelles secrètes : " + ", ".join(
                f"{r['niveau']} {100 * r['part']:.1f} %" for r in part.to_dicts()))
            t0 = time.perf_counter()
            res = auditer(con, args.seuil, hierarchie=hier)
            print(f"Audit : {time.perf_counter() - t0:.1f} s")
            print(res.resume())
            if res.violations:
                t = res.table().group_by("niveau", "type_periode", "raison").len().sort("len", descending=True)
                for r in t.head(15).to_dicts():
                    print(f"  {r['len']:>7}  {r['niveau']:<12} {r['type_periode']:<14} {r['raison']}")
            print(resume_utilite(mesurer(con)))
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
