"""CPU of the test suite, per test file and over time: where the CI's 12 minutes go.

    rm -rf data/cpu_suite && PYTHONPATH=benchmarks uv run pytest -p cpu_suite   # records, as a pytest plugin
    uv run python benchmarks/cpu_suite.py                                      # prints the figures

As a plugin, each test process appends one line per test phase (setup, call, teardown) to
``data/cpu_suite/<worker>.tsv``: its wall time and the CPU it used, its own and that of the child
processes it waited for (builds in subprocesses, the LP pools, Spark's JVM, the Streamlit server:
counted when they end). As a script, prints the CPU by unit of the scheduler (a file; the fault
suite is one unit), the CPU by worker, and the cores used minute by minute: a suite that leaves
cores idle gains from more workers, one that fills them only from less CPU. A benchmark prints
figures; it asserts nothing.
"""

from __future__ import annotations

import collections
import os
import resource
import time
from pathlib import Path

DOSSIER = Path(__file__).resolve().parents[1] / "data" / "cpu_suite"


def _cpu() -> float:
    moi, enfants = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return moi.ru_utime + moi.ru_stime + enfants.ru_utime + enfants.ru_stime


def _ecrire(item, phase: str, debut: float, cpu: float) -> None:
    DOSSIER.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "principal")
    with (DOSSIER / f"{worker}.tsv").open("a", encoding="utf-8") as fh:
        fh.write(f"{item.nodeid}\t{phase}\t{time.time():.1f}\t{time.monotonic() - debut:.2f}\t{_cpu() - cpu:.2f}\n")


try:
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(item):
        t, c = time.monotonic(), _cpu()
        yield
        _ecrire(item, "setup", t, c)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(item):
        t, c = time.monotonic(), _cpu()
        yield
        _ecrire(item, "call", t, c)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(item):
        t, c = time.monotonic(), _cpu()
        yield
        _ecrire(item, "teardown", t, c)
except ImportError:  # the script needs no pytest
    pass


def _unite(nodeid: str) -> str:
    fichier = nodeid.split("::")[0]
    return "tests/faults" if fichier.startswith("tests/faults/") else fichier


def main() -> None:
    lignes = []
    for f in sorted(DOSSIER.glob("*.tsv")):
        for ligne in f.read_text(encoding="utf-8").splitlines():
            nodeid, _phase, fin, duree, cpu = ligne.split("\t")
            lignes.append((f.stem, nodeid, float(fin) - float(duree), float(fin), float(cpu)))
    if not lignes:
        raise SystemExit(f"Aucune mesure sous {DOSSIER} : lancez d'abord la suite avec « -p cpu_suite ».")
    par_unite, mur, par_worker = collections.Counter(), collections.Counter(), collections.Counter()
    for worker, nodeid, debut, fin, cpu in lignes:
        par_unite[_unite(nodeid)] += cpu
        mur[_unite(nodeid)] += fin - debut
        par_worker[worker] += cpu
    t0, t1 = min(r[2] for r in lignes), max(r[3] for r in lignes)
    print(f"CPU des tests : {sum(par_unite.values()):.0f} s en {t1 - t0:.0f} s ; par processus : "
          + ", ".join(f"{w} {c:.0f} s" for w, c in sorted(par_worker.items())))
    print("Unités les plus coûteuses (CPU, durée) :")
    for unite, cpu in par_unite.most_common(25):
        print(f"  {cpu:7.1f} s  {mur[unite]:7.1f} s  {unite}")
    # the CPU of a phase spread evenly over its wall time, minute by minute
    minutes = collections.Counter()
    for _w, _n, debut, fin, cpu in lignes:
        d = max(fin - debut, 1e-6)
        k = int((debut - t0) // 60)
        while t0 + 60 * k < fin:
            recouvre = min(fin, t0 + 60 * (k + 1)) - max(debut, t0 + 60 * k)
            minutes[k] += cpu * max(recouvre, 0) / d
            k += 1
    print("Cœurs utilisés, minute par minute : " + " ".join(f"{minutes[k] / 60:.1f}" for k in sorted(minutes)))


if __name__ == "__main__":
    main()
