"""Time and peak memory of a whole build against its floor, at several scales (issue 13).

    uv run python benchmarks/bench_build.py                                   # demo scale (50 000 personnes)
    uv run python benchmarks/bench_build.py --personnes 300000,1000000 --regions all
    uv run python benchmarks/bench_build.py --departements 59,62,80,60,02,13,83,84 --mois 13   # 1 million, densité réelle
    SOCLE_DUCKDB_MEMOIRE=12GB uv run python benchmarks/bench_build.py --personnes 6000000 --regions all

For each scale: generates an inbox (kept under --dossier, reused by later runs), measures the
**floor** — every delivered file read once into DuckDB tables, no transformation — then runs
``socle construire`` in a child process on a fresh warehouse and prints the wall time of each step,
the total, the ratio to the floor, the child's peak resident memory (ingestion, dbt, disclosure
control and quality all run in that one process) and the sizes of the published file and of the
internal warehouse, and the disclosure control step (protection and audit: ``secret``) against the
rest of the build. ``--departements``: whole départements at their real size (the registered
people of the referential, unless ``--personnes`` says otherwise), as dense as real territories —
where the optimiser is measured (issue 10). DuckDB's resources come from ``SOCLE_DUCKDB_MEMOIRE``, ``SOCLE_DUCKDB_FILS``,
``SOCLE_DUCKDB_TEMP`` as in a real build. A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]

_BUILD_AND_REPORT = """
import resource, sys
from pathlib import Path
from pipelines.build import run_build
from pipelines.core.settings import Settings
r = run_build(Settings.from_env(inbox=Path(sys.argv[1]), warehouse=Path(sys.argv[2])))
print("ETAPES=" + ", ".join(f"{k} {v:.1f} s (pic {r.pics_memoire[k]:.0f} Mo)" for k, v in r.durations.items()))
print(f"PIC_RSS_KO={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"""

_PLANCHER = """
import resource, sys, time
from pathlib import Path
import duckdb
inbox, base = Path(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
con = duckdb.connect(base, config={"preserve_insertion_order": False})
con.execute("set enable_progress_bar = false")
for dossier in sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith("_")):
    csv = sorted(str(f) for f in dossier.iterdir() if f.name.endswith((".csv", ".csv.gz")))
    parquet = sorted(str(f) for f in dossier.iterdir() if f.name.endswith(".parquet"))
    if csv:
        con.execute(f"create table {dossier.name}_csv as select * from read_csv(?, delim=';', header=true, "
                    "all_varchar=true)", [csv])
    if parquet:
        con.execute(f"create table {dossier.name}_parquet as select * from read_parquet(?)", [parquet])
con.execute("checkpoint")
con.close()
print(f"PLANCHER_S={time.perf_counter() - t0:.3f}")
print(f"PIC_RSS_KO={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"""


def run(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    # a build needs a pseudonymisation key: a fixed one for generated data, unless one is set
    env = {"SOCLE_PSEUDO_KEY": "banc-d-essai-" + "0" * 40, **os.environ}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=RACINE, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"échec de {' '.join(cmd[:4])} :\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout + proc.stderr


def _pic(out: str) -> float:
    return float(re.search(r"PIC_RSS_KO=(\d+)", out).group(1)) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--personnes", default=None,
                   help="effectifs séparés par des virgules, ex. 300000,1000000,6000000 (défaut : 50000 ; "
                        "avec --departements, leur nombre réel d'inscrits)")
    p.add_argument("--regions", default="76,93", help="codes région séparés par des virgules, ou « all »")
    p.add_argument("--departements", default=None,
                   help="codes département séparés par des virgules, à leur taille réelle (au lieu de --regions)")
    p.add_argument("--mois", type=int, default=None, help="mois générés jusqu'au mois dernier (défaut : depuis janvier 2023)")
    p.add_argument("--dossier", type=Path, default=RACINE / "data" / "bench", help="où garder les dépôts générés")
    p.add_argument("--mois-consultations", type=int, default=0,
                   help="mois du journal des consultations générés (défaut 0, comme les mesures de docs/performance.md ; "
                        "3 comme `socle generer` : plusieurs centaines de millions de lignes à 6 millions de personnes)")
    args = p.parse_args()

    socle = [sys.executable, "-m", "pipelines.cli"]
    perimetre = ["--departements", args.departements] if args.departements else ["--regions", args.regions]
    nom = f"d{args.departements}" if args.departements else args.regions
    nom = nom.replace(",", "-") + (f"_m{args.mois}" if args.mois else "")
    effectifs = args.personnes or ("reel" if args.departements else "50000")
    for persons in effectifs.split(","):
        inbox = args.dossier / f"inbox_{persons}_{nom}_c{args.mois_consultations}"
        if not (inbox / "_generation.json").exists():
            shutil.rmtree(inbox, ignore_errors=True)
            t_gen, _ = run([*socle, "generer", "--sortie", str(inbox), *perimetre,
                            *([] if persons == "reel" else ["--personnes", persons]),
                            *(["--mois", str(args.mois)] if args.mois else []),
                            "--mois-consultations", str(args.mois_consultations)])
            print(f"[{persons} personnes] génération {t_gen:.1f} s", flush=True)
        if persons == "reel":
            persons = json.loads((inbox / "_generation.json").read_text())["parametres"]["personnes"]
        persons = int(persons)
        taille_depot = sum(f.stat().st_size for f in inbox.rglob("*") if f.is_file()) / 1e9

        with tempfile.TemporaryDirectory(dir=args.dossier) as tmp:
            _, out = run([sys.executable, "-c", _PLANCHER, str(inbox), str(Path(tmp) / "plancher.duckdb")])
        plancher = float(re.search(r"PLANCHER_S=([\d.]+)", out).group(1))
        print(f"[{persons:,} personnes] plancher {plancher:.1f} s (dépôt {taille_depot:.2f} Go lu une fois, "
              f"pic {_pic(out):.0f} Mo)", flush=True)

        warehouse = args.dossier / f"socle_{persons}.duckdb"
        for stale in args.dossier.glob(f"*socle_{persons}*"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
        env_note = ", ".join(f"{k}={v}" for k, v in os.environ.items() if k.startswith("SOCLE_DUCKDB_")) or "réglages DuckDB par défaut"
        t_build, out = run([sys.executable, "-c", _BUILD_AND_REPORT, str(inbox), str(warehouse)])
        steps = re.search(r"ETAPES=(.*)", out)
        durees = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) ([\d.]+) s \(pic", steps.group(1))} if steps else {}
        interne = warehouse.parent / f".{warehouse.stem}-travail" / warehouse.name
        print(f"[{persons:,} personnes] construction {t_build:.1f} s ({steps.group(1) if steps else 'étapes inconnues'}) ; "
              f"{t_build / plancher:.1f} × le plancher ; pic mémoire {_pic(out):.0f} Mo ({env_note}) ; "
              f"fichier publié {warehouse.stat().st_size / 1e6:.0f} Mo, entrepôt interne {interne.stat().st_size / 1e6:.0f} Mo",
              flush=True)
        if "secret" in durees:
            reste = sum(v for k, v in durees.items() if k != "secret")
            print(f"[{persons:,} personnes] secret statistique (protection et audit) {durees['secret']:.1f} s : "
                  f"{durees['secret'] / reste:.1f} × le reste de la construction ({reste:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
