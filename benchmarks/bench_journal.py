"""The consultation log at its real size (issue 14): ingestion into the raw lake and the alert
rules' models, a first national day then the following days one at a time (incremental).

    uv run python benchmarks/bench_journal.py                      # 1 day then 1 more, 55 000 agents
    uv run python benchmarks/bench_journal.py --jours 21           # a month of working days
    uv run python benchmarks/bench_journal.py --agents 5000 --jours 3

Writes, in a temporary directory, the agents file (national: ``--agents`` agents over the
referential's agencies, a few who left, some with their own job-seeker file), a few exposed
persons, and for each working day one Parquet file of the log (about 60 consultations per agent,
within hours for most, some in the evening, a few consultations of colleagues' files). Then, day
by day: ingestion of that day's file (raw lake, partition ``date_livraison``), and
``dbt run --select +alertes_generees`` (the first run on an empty model, the next ones
incremental). Prints, per day: rows, ingestion time, dbt time, the process's peak memory, the
lake's size, the candidates and alerts kept. A benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))


def _jours_ouvres(debut: date, n: int) -> list[date]:
    jours, d = [], debut
    while len(jours) < n:
        if d.isoweekday() <= 5:
            jours.append(d)
        d += timedelta(days=1)
    return jours


def _agents(dossier: Path, n: int, rng) -> tuple[list[str], list[str], list[str]]:
    import numpy as np
    import polars as pl

    from pipelines.core.settings import DBT_PROJECT_DIR

    agences = pl.read_csv(DBT_PROJECT_DIR / "seeds" / "referentiel" / "agences.csv", infer_schema_length=0)
    sites = rng.choice(np.array(agences["code_agence"].to_list()), n)
    regions = dict(zip(agences["code_agence"].to_list(), agences["code_region"].to_list(), strict=True))
    ids = [f"AG{i:06d}" for i in range(n)]
    parti = rng.random(n) < 0.05
    avec_dossier = rng.random(n) < 0.02
    df = pl.DataFrame({
        "id_agent": ids,
        "id_personne": [f"PAG{i:06d}" if d else None for i, d in enumerate(avec_dossier)],
        "code_site": sites.tolist(),
        "code_etablissement": [regions[s] for s in sites.tolist()],
        "statut": np.where(parti, "PARTI", "ACTIF").tolist(),
        "date_sortie": [date(2026, 6, 30) if p else None for p in parti],
        "jours_travailles": np.where(rng.random(n) < 0.2, "1,2,4,5", "1,2,3,4,5").tolist(),
        "heure_debut": "08:30",
        "heure_fin": "17:30",
        "date_maj": datetime(2026, 11, 1),
        "supprime": False,
    })
    (dossier / "agents").mkdir(parents=True)
    df.write_parquet(dossier / "agents" / "agents_20261101.parquet")
    expo = pl.DataFrame({
        "id_exposition": [f"X{i}" for i in range(200)],
        "id_personne": [f"P{i * 977:08d}" for i in range(200)],
        "nature": "ELU", "date_debut": date(2026, 3, 22), "date_fin": None,
        "date_maj": datetime(2026, 11, 1), "supprime": False,
    })
    (dossier / "personnes_exposees").mkdir()
    expo.write_parquet(dossier / "personnes_exposees" / "personnes_exposees_20261101.parquet")
    return ids, [p for p in df["id_personne"].to_list() if p], sites.tolist()


def _journee(dossier: Path, jour: date, agents: list[str], dossiers_agents: list[str], sites: list[str],
             par_agent: int, rng) -> int:
    import numpy as np
    import polars as pl

    n = len(agents) * par_agent
    a = rng.integers(0, len(agents), n)
    # within 08:30-17:30 for most, a few in the evening
    minutes = np.where(rng.random(n) < 0.01, rng.integers(18 * 60, 22 * 60, n), rng.integers(8 * 60 + 30, 17 * 60 + 30, n))
    secondes = minutes * 60 + rng.integers(0, 60, n)
    personnes = rng.integers(0, 6_000_000, n)
    ids_personnes = pl.Series(personnes).cast(pl.String).str.zfill(8)
    collegue = rng.random(n) < 0.0005
    df = pl.DataFrame({
        "horodatage": pl.Series(secondes * 1_000_000 + int(datetime.combine(jour, datetime.min.time()).timestamp() * 1e6))
        .cast(pl.Datetime("us")),
        "id_agent": pl.Series(np.array(agents)[a]),
        "id_personne": pl.Series(np.where(collegue, np.array(dossiers_agents)[rng.integers(0, len(dossiers_agents), n)],
                                          ("P" + ids_personnes).to_numpy())),
        "application": pl.Series(np.array(["DUNE", "AUDE", "MAP"])[rng.integers(0, 3, n)]),
        "code_site": pl.Series(np.array(sites)[a]),
    })
    (dossier / "consultations").mkdir(exist_ok=True)
    df.write_parquet(dossier / "consultations" / f"consultations_{jour + timedelta(days=1):%Y%m%d}.parquet")
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=55_000)
    parser.add_argument("--par-agent", type=int, default=60, help="consultations par agent et jour ouvré")
    parser.add_argument("--jours", type=int, default=2, help="jours ouvrés livrés un à un")
    parser.add_argument("--dossier", type=Path, default=None, help="dossier de travail (défaut : temporaire)")
    args = parser.parse_args()

    import numpy as np

    from pipelines.core.warehouse import connect, lac_brut
    from pipelines.dbt_runner import run_dbt
    from pipelines.ingestion import ingest_inbox

    base = args.dossier or Path(tempfile.mkdtemp(prefix="socle-bench-journal-"))
    inbox, entrepot = base / "inbox", base / "socle.duckdb"
    shutil.rmtree(inbox, ignore_errors=True)
    entrepot.unlink(missing_ok=True)
    shutil.rmtree(lac_brut(entrepot), ignore_errors=True)
    rng = np.random.default_rng(14)
    agents, dossiers, sites = _agents(inbox, args.agents, rng)
    cle = b"cle-de-banc-d-essai-du-journal-32-octets"
    jours = _jours_ouvres(date(2026, 11, 2), args.jours)
    cible = base / "dbt_target"
    run_dbt(["seed"], entrepot, target_path=cible, log_path=cible / "logs")
    print(f"{args.agents} agents, {args.par_agent} consultations par agent et jour ; dossier {base}")
    print("jour        lignes      ingestion   dbt        pic mémoire  lac        candidats  alertes")
    for jour in jours:
        t0 = time.perf_counter()
        lignes = _journee(inbox, jour, agents, dossiers, sites, args.par_agent, rng)
        generation = time.perf_counter() - t0
        t0 = time.perf_counter()
        ingest_inbox(entrepot, inbox, cle)
        ingestion = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_dbt(["run", "--select", "+alertes_generees"], entrepot,
                vars={"premier_mois": "2026-11", "date_arrete": f"{jour + timedelta(days=1)}"},
                target_path=cible, log_path=cible / "logs")
        dbt = time.perf_counter() - t0
        with connect(entrepot, read_only=True) as con:
            (candidats,) = con.execute("select count(*) from intermediate.int_consultations__candidats").fetchone()
            (alertes,) = con.execute("select count(*) from marts.alertes_generees").fetchone()
        lac = sum(f.stat().st_size for f in lac_brut(entrepot).rglob("*.parquet")) / 1e6
        pic = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{jour}  {lignes:>10,}  {ingestion:8.1f} s  {dbt:7.1f} s  {pic:8.0f} Mo  {lac:7.0f} Mo  "
              f"{candidats:>9,}  {alertes:>7,}   (génération {generation:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
