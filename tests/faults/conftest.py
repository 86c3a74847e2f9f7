"""The fault suite's scenario: a few real `socle construire` runs, in subprocesses, shared by the modules.

One small synthetic inbox (Normandie, Q1 2025, 300 persons) is generated once and split at
``CUTOFF`` into an *earlier* and a *later* half. Builds (each a real ``python -m pipelines.cli
build`` with its own dbt target directory, so that runs never share dbt's state):

* ``R`` — the reference: the whole clean inbox, one uninterrupted build;
* ``A`` — the later half only (with a tombstone of the record ``K``): "the last good publication";
* ``X`` — ``A`` + the earlier half (deliveries out of order) + a bundle of faulty files, a
  delivery sent twice, a tombstone for a key never seen and the correction of ``K``: every
  addition is neutral, so ``X`` must publish exactly the indicators of ``R``;
* the interruption chain (``test_faults_arrets``) replays ``X`` from a copy of ``A`` while being
  killed, and must end in ``X``'s state.

R and A run side by side; X runs in the background while the interruption chain runs.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.core.contract import EXPORTS, parse_delivery_name
from pipelines.core.settings import PROJECT_ROOT, Settings, pseudonymisation_key
from pipelines.ingestion import pseudonymise

SEED = 20250401
CUTOFF = date(2025, 2, 15)  # files extracted after this day form the later half
BUILD_TIMEOUT = 600

#: Phase markers printed by `socle construire` (one line each, on stderr), in order.
PHASES = {
    "ingestion": "• Ingestion",
    "dbt": "• Calcul des indicateurs",
    "secret": "• Secret statistique",
    "publication": "• Publication",
}
PUBLISHED_OK = "Entrepôt publié"


# ------------------------------------------------------------------------------------------------
# Running `socle construire` in a subprocess, watching its phases
# ------------------------------------------------------------------------------------------------


class BuildProcess:
    """A `socle construire` subprocess; a reader thread timestamps the phase lines as they come."""

    def __init__(self, inbox: Path, warehouse: Path, dbt_dir: Path):
        env = dict(os.environ)  # HOME, DAGSTER_HOME, XDG_CONFIG_HOME, SOCLE_PSEUDO_KEY: tests/conftest.py
        env.update(
            PYTHONUNBUFFERED="1",
            COLUMNS="250",  # rich wraps at the terminal width: keep each message on one line
            DBT_TARGET_PATH=str(dbt_dir / "target"),
            DBT_LOG_PATH=str(dbt_dir / "logs"),
            SOCLE_DATA_DIR=str(dbt_dir.parent / "data"),  # quality results and Data Docs, per build
        )
        for var in ("SOCLE_INBOX", "SOCLE_WAREHOUSE", "SOCLE_DATE_ARRETE"):
            env.pop(var, None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "construire", "--depot", str(inbox), "--entrepot", str(warehouse)],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        self.lines: list[str] = []
        self.marks: dict[str, float] = {}
        self._events = {p: threading.Event() for p in PHASES}
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            for phase, marker in PHASES.items():
                if line.startswith(marker) and phase not in self.marks:
                    self.marks[phase] = time.monotonic()
                    self._events[phase].set()
        self.marks["fin"] = time.monotonic()
        self._done.set()
        for e in self._events.values():
            e.set()  # nobody waits forever for a phase that will never come

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_phase(self, phase: str, timeout: float = BUILD_TIMEOUT) -> bool:
        """Wait until ``phase`` has started; False if the process ended before it."""
        self._events[phase].wait(timeout)
        return phase in self.marks

    def wait(self, timeout: float = BUILD_TIMEOUT) -> int:
        rc = self.proc.wait(timeout)
        self._done.wait(30)
        return rc

    def kill(self) -> int:
        """SIGKILL (no cleanup, no `finally`): what a power cut or the OOM killer does."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        return self.wait(60)

    def phase_now(self) -> str:
        """The phase the process was last seen in."""
        seen = [p for p in PHASES if p in self.marks]
        return seen[-1] if seen else "démarrage"

    def durations(self) -> dict[str, float]:
        order = [*PHASES, "fin"]
        return {p: self.marks[n] - self.marks[p] for p, n in zip(order, order[1:]) if p in self.marks and n in self.marks}


# ------------------------------------------------------------------------------------------------
# Reading a warehouse: what readers see, and the accounting of every row
# ------------------------------------------------------------------------------------------------


def _rounded(rows: list[tuple]) -> list[tuple]:
    # ratios are computed in parallel by DuckDB: compare at 1e-9, not bit for bit
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows]


def published_state(warehouse: Path) -> dict:
    """What readers get: the indicators, before and after statistical disclosure control."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "marts": _rounded(con.execute("select * from marts.indicateurs order by all").fetchall()),
            "publication": _rounded(con.execute("select * from publication.indicateurs order by all").fetchall()),
            "arrete": con.execute("select * from marts.arrete").fetchall(),
        }
    finally:
        con.close()


def interne(warehouse: Path) -> Path:
    """The internal warehouse (the build's work copy) beside a published file: the raw layer,
    the quarantine and the models live there, never in the published file."""
    return Settings.from_env(warehouse=warehouse).work_warehouse


def full_state(warehouse: Path) -> dict:
    """Published indicators + registry + quarantine + raw counts (load ids and clock times aside)."""
    state = published_state(warehouse)
    con = duckdb.connect(str(interne(warehouse)), read_only=True)
    try:
        state["fichiers"] = con.execute(
            "select export, fichier, hash_contenu, date_extraction, sequence, format, lignes_lues, "
            "lignes_chargees, lignes_quarantaine, statut, motif from raw._fichiers order by fichier, hash_contenu"
        ).fetchall()
        state["quarantaine"] = con.execute(
            "select export, fichier, ligne, colonne, motif, contenu from quarantine.lignes order by all"
        ).fetchall()
        state["raw"] = {e: con.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in EXPORTS
                        if con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                                       "and table_name = ?", [e]).fetchone()[0]}
    finally:
        con.close()
    return state


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def data_rows_in_file(path: Path) -> int:
    """Rows of a delivered file counted independently of the ingestion (non-blank lines - header)."""
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.ParquetFile(str(path)).metadata.num_rows
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    lines = [ln for ln in data.split(b"\n") if ln.strip(b"\r\n\xef\xbb\xbf ")]
    return max(len(lines) - 1, 0)


def assert_nothing_lost(warehouse: Path, inbox: Path) -> dict:
    """Per file and in total: rows read = rows loaded + rows quarantined, and the three counts
    agree with the rows really present (raw, quarantine) and with the file as delivered."""
    con = duckdb.connect(str(interne(warehouse)), read_only=True)
    try:
        reg = con.execute(
            "select id_chargement, export, fichier, lignes_lues, lignes_chargees, lignes_quarantaine, statut "
            "from raw._fichiers"
        ).fetchall()
        raw_by_load: dict[int, int] = {}
        for e in EXPORTS:
            has = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                              "and table_name = ?", [e]).fetchone()[0]
            if has:
                raw_by_load.update(dict(con.execute(
                    f"select _id_chargement, count(*) from raw.{e} group by 1").fetchall()))
        quar_by_load = dict(con.execute("select id_chargement, count(*) from quarantine.lignes group by 1").fetchall())
    finally:
        con.close()
    ids = [r[0] for r in reg]
    assert len(ids) == len(set(ids)), "an id_chargement is registered twice"
    assert len({r[2] for r in reg}) == len(reg), "a file is registered twice"
    totals = {"lues": 0, "chargees": 0, "quarantaine": 0}
    for load_id, _export, fichier, lues, chargees, quar, statut in reg:
        if statut == "REJETE":
            assert (lues, chargees, quar) == (0, 0, 0), fichier
            assert raw_by_load.get(load_id, 0) == 0 and quar_by_load.get(load_id, 0) == 0, fichier
            continue
        assert statut == "CHARGE", (fichier, statut)
        assert lues == chargees + quar, f"{fichier} : {lues} lues ≠ {chargees} + {quar}"
        assert raw_by_load.get(load_id, 0) == chargees, f"{fichier} : raw ≠ lignes_chargees"
        assert quar_by_load.get(load_id, 0) == quar, f"{fichier} : quarantine.lignes ≠ lignes_quarantaine"
        delivered = inbox / fichier
        if delivered.exists():
            assert data_rows_in_file(delivered) == lues, f"{fichier} : lignes du fichier ≠ lignes_lues"
        totals["lues"] += lues
        totals["chargees"] += chargees
        totals["quarantaine"] += quar
    assert totals["lues"] == totals["chargees"] + totals["quarantaine"]
    assert sum(raw_by_load.values()) == totals["chargees"], "raw rows without a registered file"
    assert sum(quar_by_load.values()) == totals["quarantaine"], "quarantine rows without a registered file"
    return totals


# ------------------------------------------------------------------------------------------------
# Inbox material
# ------------------------------------------------------------------------------------------------


def delivery_date(path: Path) -> date:
    return parse_delivery_name(path.name).date_extraction


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return rows[0], [r for r in rows[1:] if r]


def write_csv(header: list[str], rows: list[list[str]], *, sep: str = ";", eol: str = "\n") -> str:
    return eol.join(sep.join(r) for r in [header, *rows]) + eol


def _ts(value: str, seconds: int) -> str:
    return (datetime.fromisoformat(value) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Fichier:
    """One file added by the scenario, with what the contract says must become of it."""

    export: str
    name: str
    data: bytes
    statut: str  # CHARGE, REJETE or DEJA_CHARGE
    motif: str | None = None  # expected (part of the) reason, for a rejected file
    lues: int | None = None
    chargees: int | None = None
    quarantaine: int | None = None

    @property
    def rel(self) -> str:
        return f"{self.export}/{self.name}"


@dataclass
class Scenario:
    root: Path
    master: Path  # the generated inbox (never built on)
    earlier: list[Path] = field(default_factory=list)  # relative paths
    later: list[Path] = field(default_factory=list)
    key: str = ""  # id_inscription of K as stored (pseudonymised, like every identifier)
    key_person_hash: str = ""
    ghost: str = ""  # id_inscription of the tombstone for a key never delivered, as stored
    tombstone: Fichier | None = None
    correction: Fichier | None = None
    correction_row: dict = field(default_factory=dict)
    x_files: list[Fichier] = field(default_factory=list)  # everything added on top of A (besides the earlier half)
    results: dict = field(default_factory=dict)
    _x: BuildProcess | None = None

    # -- directories -----------------------------------------------------------------------------

    def dirs(self, name: str) -> tuple[Path, Path, Path]:
        base = self.root / name
        return base / "inbox", base / "wh" / "socle.duckdb", base / "dbt"

    def start(self, name: str) -> BuildProcess:
        inbox, warehouse, dbt_dir = self.dirs(name)
        return BuildProcess(inbox, warehouse, dbt_dir)

    def copy_inbox(self, name: str, rels: list[Path]) -> Path:
        inbox = self.dirs(name)[0]
        for rel in rels:
            (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.master / rel, inbox / rel)
        return inbox

    def clone(self, src: str, dst: str) -> None:
        """A copy of a build's whole directory (inbox, published file, work dir, dbt target)."""
        shutil.copytree(self.root / src, self.root / dst)

    def add(self, name: str, files: list[Fichier]) -> None:
        inbox = self.dirs(name)[0]
        for f in files:
            p = inbox / f.export / f.name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(f.data)

    def add_x_delivery(self, name: str) -> None:
        self.copy_inbox(name, self.earlier)
        self.add(name, self.x_files)

    # -- X in the background ---------------------------------------------------------------------

    def start_x(self) -> None:
        if self._x is None:
            self.clone("A", "X")
            self.add_x_delivery("X")
            self._x = self.start("X")

    def x(self) -> dict:
        """X's result (started if need be), waited for once."""
        if "X" not in self.results:
            self.start_x()
            assert self._x is not None
            rc = self._x.wait()
            inbox, warehouse, _ = self.dirs("X")
            assert rc == 0, self._x.output[-5000:]
            self.results["X"] = {"rc": rc, "output": self._x.output, "durations": self._x.durations(),
                                 "state": full_state(warehouse), "inbox": inbox, "warehouse": warehouse}
        return self.results["X"]


def _pick_key(master: Path, earlier: list[Path], later: list[Path]) -> tuple[str, dict, list[str]]:
    """K: an inscription whose every version lies in the later half, alive at its last version."""
    seen_early = set()
    for rel in earlier:
        if rel.parts[0] == "inscriptions":
            seen_early.update(r[0] for r in read_csv(master / rel)[1])
    versions: dict[str, list[dict]] = {}
    for rel in sorted(later):
        if rel.parts[0] != "inscriptions":
            continue
        header, rows = read_csv(master / rel)
        for r in rows:
            versions.setdefault(r[header.index("id_inscription")], []).append(dict(zip(header, r)))
    candidates = sorted(
        k for k, vs in versions.items()
        if k not in seen_early and vs[-1]["supprime"] == "0" and vs[-1]["motif_fin"] != "14"
        and all(v["date_maj"] for v in vs)
    )
    assert candidates, "no inscription entirely in the later half"
    k = candidates[len(candidates) // 2]
    last = max(versions[k], key=lambda v: v["date_maj"])
    return k, last, list(EXPORTS["inscriptions"].column_names)


def _largest(master: Path, rels: list[Path], export: str) -> Path:
    """The largest CSV of ``export`` among ``rels`` without a row the generator spoiled on purpose."""
    import json

    spoiled = {i["fichier"] for i in json.loads((master / "_generation.json").read_text())["lignes_invalides"]}
    files = [r for r in rels if r.parts[0] == export and r.name.endswith(".csv") and r.as_posix() not in spoiled]
    return max(files, key=lambda r: (len(read_csv(master / r)[1]), str(r)))


def build_faulty_files(s: Scenario) -> list[Fichier]:
    """The faulty deliveries of the issue, each made from a real earlier-half file so that what is
    accepted re-delivers existing rows (neutral for the indicators)."""
    m = s.master
    out: list[Fichier] = []

    def src(export: str) -> tuple[Path, list[str], list[list[str]]]:
        rel = _largest(m, s.earlier, export)
        header, rows = read_csv(m / rel)
        assert len(rows) >= 3, rel
        return rel, header, rows

    def name(rel: Path, seq: int) -> str:
        d = delivery_date(rel)
        return f"{rel.parts[0]}_{d:%Y%m%d}_{seq}.csv"

    # 1. a required column missing: the whole file is rejected
    rel, header, rows = src("orientations")
    i = header.index("mode")
    drop = lambda r: r[:i] + r[i + 1:]  # noqa: E731
    out.append(Fichier("orientations", name(rel, 11), write_csv(drop(header), [drop(r) for r in rows]).encode(),
                       "REJETE", "colonne obligatoire absente : mode (ligne 1, en-tête)"))
    # 2. a forbidden personal column: rejected whole, its values never ingested
    rel, header, rows = src("inscriptions")
    out.append(Fichier("inscriptions", name(rel, 12),
                       write_csv(header + ["nom"], [r + ["Dupont-Fautif"] for r in rows]).encode(),
                       "REJETE", "colonne interdite (donnée personnelle, jamais ingérée) : nom (ligne 1, en-tête)"))
    # 3. undecodable bytes on line 3, in the column code_agence
    rel, header, rows = src("entretiens")
    text = write_csv(header, rows).encode("utf-8")
    lines = text.split(b"\n")
    fields = lines[2].split(b";")
    col = header.index("code_agence")
    fields[col] = b"\xff\xfe" + fields[col]
    lines[2] = b";".join(fields)
    out.append(Fichier("entretiens", name(rel, 13), b"\n".join(lines), "REJETE",
                       "encodage invalide : octet 0xff non UTF-8 ligne 3, colonne code_agence"))
    # 4. the last line truncated (the transfer stopped mid-line, no final newline)
    rel, header, rows = src("accompagnements")
    body = write_csv(header, rows)
    last = ";".join(rows[-1])
    cut = body[: len(body) - 1 - len(last) + len(last) // 2]
    n_fields = cut.split("\n")[-1].count(";") + 1
    out.append(Fichier("accompagnements", name(rel, 14), cut.encode(), "CHARGE",
                       f"nombre de champs incorrect : {n_fields} au lieu de {len(header)}",
                       lues=len(rows), chargees=len(rows) - 1, quarantaine=1))
    # 5. the wrong separator
    rel, header, rows = src("diagnostics")
    out.append(Fichier("diagnostics", name(rel, 15), write_csv(header, rows, sep=",").encode(), "REJETE",
                       "séparateur attendu ';' : l'en-tête semble séparé par ',' (ligne 1, en-tête)"))
    # 6. an empty file
    rel, header, rows = src("manquements")
    out.append(Fichier("manquements", name(rel, 16), b"", "REJETE", "fichier vide (0 octet)"))
    # 7. a header only: accepted, zero rows
    out.append(Fichier("manquements", name(rel, 17), write_csv(header, []).encode(), "CHARGE",
                       lues=0, chargees=0, quarantaine=0))
    # 8. Windows line endings (and a BOM): accepted, every row loaded
    rel, header, rows = src("entretiens")
    out.append(Fichier("entretiens", name(rel, 18), b"\xef\xbb\xbf" + write_csv(header, rows, eol="\r\n").encode(),
                       "CHARGE", lues=len(rows), chargees=len(rows), quarantaine=0))
    # 9. latin-1: an extra (unknown) column with an accented value → not UTF-8, rejected whole
    rel, header, rows = src("orientations")
    out.append(Fichier("orientations", name(rel, 19),
                       write_csv(header + ["libelle_site"], [r + ["Agence de Béziers"] for r in rows]).encode("latin-1"),
                       "REJETE", "encodage invalide : octet 0xe9 non UTF-8 ligne 2, colonne libelle_site"))
    # 10. cp1252: a typographic apostrophe (0x92)
    rel, header, rows = src("inscriptions")
    out.append(Fichier("inscriptions", name(rel, 20),
                       write_csv(header + ["libelle_site"], [r + ["Site d’Alès"] for r in rows]).encode("cp1252"),
                       "REJETE", "encodage invalide : octet 0x92 non UTF-8 ligne 2, colonne libelle_site"))
    return out


def build_scenario(root: Path) -> Scenario:
    from pipelines.synthetic import generate

    master = root / "master"
    generate(master, regions=["76"], start=date(2025, 1, 1), end=date(2025, 3, 31), persons=300, seed=SEED)
    s = Scenario(root=root, master=master)
    for p in sorted(master.glob("*/*")):
        rel = p.relative_to(master)
        (s.later if delivery_date(p) > CUTOFF else s.earlier).append(rel)

    # K, its tombstone (delivered with A) and its correction (delivered with X, after the tombstone)
    k, last, cols = _pick_key(master, s.earlier, s.later)
    s.key = pseudonymise(k, pseudonymisation_key())  # the builds' key: tests/conftest.py
    day = max(delivery_date(master / r) for r in s.later)
    tomb = {**last, "supprime": "1", "date_maj": _ts(last["date_maj"], 1)}
    corr = {**last, "date_maj": _ts(last["date_maj"], 2)}
    assert corr["date_maj"][:10] <= day.isoformat()
    s.tombstone = Fichier("inscriptions", f"inscriptions_{day:%Y%m%d}_8.csv",
                          write_csv(cols, [[tomb[c] for c in cols]]).encode(), "CHARGE", lues=1, chargees=1, quarantaine=0)
    s.correction = Fichier("inscriptions", f"inscriptions_{day:%Y%m%d}_9.csv",
                           write_csv(cols, [[corr[c] for c in cols]]).encode(), "CHARGE", lues=1, chargees=1, quarantaine=0)
    s.correction_row = corr

    # a tombstone for a key never delivered
    ghost = {**last, "id_inscription": "I99999999990", "id_personne": "P9999999990", "supprime": "1"}
    s.ghost = pseudonymise(ghost["id_inscription"], pseudonymisation_key())
    jamais_vu = Fichier("inscriptions", f"inscriptions_{day:%Y%m%d}_6.csv",
                        write_csv(cols, [[ghost[c] for c in cols]]).encode(), "CHARGE", lues=1, chargees=1, quarantaine=0)

    # the same delivery twice: every file of one later-half day (already loaded by A), again
    days = sorted({delivery_date(master / r) for r in s.later})
    again_day = days[len(days) // 2]
    again = [
        Fichier(r.parts[0], r.name.replace(f"_{again_day:%Y%m%d}.", f"_{again_day:%Y%m%d}_7."),
                (master / r).read_bytes(), "DEJA_CHARGE", motif=f"contenu identique à {r.as_posix()} (déjà chargé)")
        for r in s.later if delivery_date(master / r) == again_day and parse_delivery_name(r.name).sequence == 0
    ]
    assert again

    s.x_files = build_faulty_files(s) + again + [jamais_vu, s.correction]
    return s


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> Scenario:
    """The inbox and the base builds R and A (side by side); X starts on demand."""
    s = build_scenario(tmp_path_factory.mktemp("fautes"))
    s.copy_inbox("R", s.earlier + s.later)
    s.copy_inbox("A", s.later)
    s.add("A", [s.tombstone])
    r, a = s.start("R"), s.start("A")
    for name, p in (("R", r), ("A", a)):
        rc = p.wait()
        assert rc == 0, f"build {name}:\n{p.output[-5000:]}"
        inbox, warehouse, _ = s.dirs(name)
        s.results[name] = {"output": p.output, "durations": p.durations(), "state": full_state(warehouse),
                           "inbox": inbox, "warehouse": warehouse}
    return s


@pytest.fixture(scope="session")
def rng() -> random.Random:
    return random.Random(SEED)
