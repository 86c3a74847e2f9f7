"""Time and peak memory of the synthetic generation.

    uv run python benchmarks/bench_generation.py --persons 200000 --regions all --out /tmp/inbox

Prints the time, the peak resident memory (whole process) and the memory after each chunk, so
that one can check that memory stays flat when the number of people grows (generation is
streamed by chunks of ``--chunk-size`` people).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from pipelines.synthetic import generate
from pipelines.synthetic.generator import DEFAULT_PERSONS


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--personnes", type=int, default=DEFAULT_PERSONS)
    p.add_argument("--regions", default="76,93", help="codes séparés par des virgules, ou 'all'")
    p.add_argument("--chunk-size", type=int, default=20_000)
    p.add_argument("--graine", type=int, default=42)
    p.add_argument("--sortie", type=Path, default=None, help="dossier de sortie (défaut : temporaire, supprimé)")
    args = p.parse_args()

    out = args.sortie or Path(tempfile.mkdtemp(prefix="socle-bench-"))
    regions = None if args.regions == "all" else args.regions.split(",")
    samples: list[tuple[int, float]] = []

    def progress(done: int, total: int) -> None:
        samples.append((done, rss_mb()))
        print(f"  {done:>9,} / {total:,} personnes   RSS {samples[-1][1]:7.0f} Mo   {time.time() - t0:6.1f} s", flush=True)

    t0 = time.time()
    summary = generate(out, regions=regions, persons=args.personnes, seed=args.graine,
                       chunk_size=args.chunk_size, progress=progress, overwrite=True)
    elapsed = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    files = sum(summary["fichiers"].values())
    rows = sum(summary["lignes"].values())
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
    print(f"personnes {args.personnes:,}  régions {','.join(summary['parametres']['regions'])}")
    print(f"durée {elapsed:.1f} s   pic RSS {peak:.0f} Mo   {files:,} fichiers   {rows:,} lignes   {size:.0f} Mo")
    if len(samples) >= 2:
        print(f"RSS après le 1er lot {samples[0][1]:.0f} Mo, après le dernier {samples[-1][1]:.0f} Mo")
    if args.sortie is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
