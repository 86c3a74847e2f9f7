"""Time and peak memory of a whole build (ingestion → dbt → secret statistique → publication).

    uv run python benchmarks/bench_build.py                      # demo scale (50 000 personnes)
    uv run python benchmarks/bench_build.py --echelles 1,10      # demo and a 10× larger inbox

For each scale: generates an inbox (kept under --dossier to be reused by later runs), then runs
``socle construire`` in a child process on a fresh warehouse and prints the wall time of each step,
the total and the child's peak resident memory. A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEMO_PERSONS = 50_000


_BUILD_AND_REPORT = """
import resource, sys
from pipelines.cli import app
try:
    app(["construire", "--depot", sys.argv[1], "--entrepot", sys.argv[2]], standalone_mode=False)
finally:
    print(f"PIC_RSS_KO={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"""


def run(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"échec de {' '.join(cmd)} :\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout + proc.stderr


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--echelles", default="1", help="multiples de l'échelle de démonstration, ex. 1,10")
    p.add_argument("--regions", default="76,93")
    p.add_argument("--dossier", type=Path, default=Path("data/bench"), help="où garder les dépôts générés")
    args = p.parse_args()

    socle = [sys.executable, "-m", "pipelines.cli"]
    for echelle in (int(e) for e in args.echelles.split(",")):
        persons = DEMO_PERSONS * echelle
        inbox = args.dossier / f"inbox_{persons}"
        if not (inbox / "_generation.json").exists():
            shutil.rmtree(inbox, ignore_errors=True)
            t_gen, _ = run([*socle, "generer", "--sortie", str(inbox), "--personnes", str(persons),
                            "--regions", args.regions])
            print(f"[{persons:,} personnes] génération {t_gen:.1f} s")
        warehouse = args.dossier / f"socle_{persons}.duckdb"
        for stale in args.dossier.glob(f"*socle_{persons}*"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
        # the child reports its own peak (ingestion and dbt run in that one process)
        t_build, out = run([sys.executable, "-c", _BUILD_AND_REPORT, str(inbox), str(warehouse)])
        peak = float(re.search(r"PIC_RSS_KO=(\d+)", out).group(1)) / 1024
        steps = re.search(r"Entrepôt publié : .*?\((.*?)\)", out.replace("\n", " "), re.S)
        size = warehouse.stat().st_size / 1e6
        print(f"[{persons:,} personnes] construction {t_build:.1f} s "
              f"({steps.group(1) if steps else 'étapes inconnues'}) ; pic mémoire {peak:.0f} Mo ; "
              f"entrepôt {size:.0f} Mo")


if __name__ == "__main__":
    main()
