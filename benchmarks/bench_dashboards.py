"""Rendering time of each dashboard page, per role, on a published warehouse.

    uv run python benchmarks/bench_dashboards.py                       # data/socle.duckdb (demo)
    uv run python benchmarks/bench_dashboards.py --warehouse F --repetitions 5

Each page is run headless by Streamlit's AppTest (the script the server runs for a browser,
without the network): « à froid » is the first run after ``st.cache_data`` was cleared (every
query reads the warehouse), « à chaud » the median of the next runs (queries served from the
cache, as for a user clicking around). The target is under a second on the demo data. A
benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entrepot", type=Path, default=RACINE / "data" / "socle.duckdb")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--roles", default="dr76,comite09", help="identifiants des comptes de démonstration")
    args = parser.parse_args()
    if not args.entrepot.exists():
        sys.exit(f"Entrepôt introuvable : {args.entrepot} (lancez d'abord `socle demo --sans-servir`).")

    dossier = Path(tempfile.mkdtemp(prefix="bench-tableaux-"))
    os.environ["SOCLE_WAREHOUSE"] = str(args.entrepot.resolve())
    os.environ["SOCLE_UTILISATEURS"] = str(dossier / "utilisateurs.toml")
    os.environ["SOCLE_JOURNAL_ACCES"] = str(dossier / "journal.jsonl")

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboards import acces, navigation

    utilisateurs = {u.identifiant: u for u in acces.UTILISATEURS_DEMO}
    app = RACINE / "dashboards" / "app.py"
    print(f"Entrepôt : {args.entrepot} ({args.entrepot.stat().st_size / 1e6:.0f} Mo)")
    print(f"{'rôle':<10} {'page':<28} {'à froid (s)':>12} {'à chaud (s)':>12}")
    for identifiant in args.roles.split(","):
        u = utilisateurs[identifiant]
        for page in navigation.pages_pour(u.role):
            at = AppTest.from_file(str(app), default_timeout=120)
            at.session_state["utilisateur"] = u
            at.run()  # the default page, imports: not measured
            st.cache_data.clear()
            t0 = time.perf_counter()
            at.switch_page(page.relatif).run()
            froid = time.perf_counter() - t0
            chauds = []
            for _ in range(args.repetitions):
                t0 = time.perf_counter()
                at.run()
                chauds.append(time.perf_counter() - t0)
            erreur = " ERREUR : " + at.exception[0].value[:80] if at.exception else ""
            print(f"{identifiant:<10} {page.titre:<28} {froid:>12.2f} {statistics.median(chauds):>12.2f}{erreur}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
