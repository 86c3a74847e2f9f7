"""Ingestion speed on many small generated files (a sanity check, not a test).

    uv run python benchmarks/bench_ingestion.py [--days 1000] [--rows 150] [--exports 9]

Writes ``days`` daily CSV files of ``rows`` valid rows for each of the first ``exports`` core
exports in a temporary inbox, ingests it twice (the second run must load nothing) and prints
files/s, rows/s and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from pipelines.core import contract
from pipelines.core.contract import CORE_EXPORTS, EXPORTS
from pipelines.ingestion import ingest_inbox

_PATTERNS = {
    contract.PATTERN_AGENCE: "13001",
    contract.PATTERN_COMMUNE: "75056",
    contract.PATTERN_HEURE: "09:00",
    contract.PATTERN_JOURS: "1,2,3,4,5",
    contract.PATTERN_CAMPAGNE: "2024-V1",
    contract.PATTERN_ETABLISSEMENT: "76",
}


def _value(c: contract.Column, i: int, day: date) -> str:
    if c.codes:
        return c.codes[i % len(c.codes)]
    if c.pattern:
        return _PATTERNS[c.pattern]
    if c.type == "string":
        return f"{c.name[:4]}{i % 50_000}"
    if c.type == "date":
        return (day - timedelta(days=i % 30)).isoformat()
    if c.type == "timestamp":
        return f"{day.isoformat()}T08:{i % 60:02d}:00"
    if c.type == "integer":
        return "1985" if c.name == "annee_naissance" else str(int(c.min_value or 0) + i % 5)
    if c.type == "decimal":
        return "0.5"
    return str(i % 2)


def generate(inbox: Path, days: int, rows: int, exports: list[str]) -> int:
    start = date(2023, 1, 1)
    n = 0
    for name in exports:
        export = EXPORTS[name]
        folder = inbox / name
        folder.mkdir(parents=True, exist_ok=True)
        header = ";".join(export.column_names)
        for d in range(days):
            day = start + timedelta(days=d)
            lines = [header]
            for r in range(rows):
                i = d * rows + r
                vals = [_value(c, i, day) for c in export.columns]
                if name in contract.DATE_ORDER_RULES:  # keep date pairs in order
                    pos = {c: k for k, c in enumerate(export.column_names)}
                    for a, b in contract.DATE_ORDER_RULES[name]:
                        vals[pos[b]] = vals[pos[a]]
                lines.append(";".join(vals))
            (folder / contract.delivery_name(name, day)).write_text("\n".join(lines) + "\n")
            n += rows
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=150)
    ap.add_argument("--exports", type=int, default=9)
    args = ap.parse_args()
    exports = list(CORE_EXPORTS[: args.exports])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        total = generate(root / "inbox", args.days, args.rows, exports)
        print(f"génération : {len(exports) * args.days} fichiers, {total} lignes en {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        rep = ingest_inbox(root / "socle.duckdb", root / "inbox", b"cle-de-banc-d-essai")
        s = time.perf_counter() - t
        nf = rep.files_loaded
        print(rep.summary().splitlines()[0])
        print(f"ingestion : {s:.1f} s — {nf / s:,.0f} fichiers/s, {rep.rows_read / s:,.0f} lignes/s")
        t = time.perf_counter()
        rep2 = ingest_inbox(root / "socle.duckdb", root / "inbox", b"cle-de-banc-d-essai")
        assert rep2.files_loaded == 0 and rep2.files_skipped == nf
        print(f"seconde passe (rien à charger) : {time.perf_counter() - t:.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"mémoire maximale du processus : {peak:,.0f} Mo")


if __name__ == "__main__":
    main()
