"""Fixtures of the dbt tests: an empty warehouse built once per session, raw-row helpers."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.core.contract import EXPORTS
from pipelines.core.warehouse import connect, ensure_raw_schema
from pipelines.dbt_runner import run_dbt

#: Default values of the required columns, so that a test row only states what it tests.
_DEFAUTS = {
    "inscriptions": {
        "id_personne": "P0", "date_inscription": date(2025, 1, 1), "categorie": "A",
        "canal_inscription": "EN_LIGNE", "code_agence": "31001", "code_commune": "31555",
        "sexe": "1", "annee_naissance": 1990, "allocation": "ARE", "rqth": False, "qpv": False,
        "zrr": False,
    },
    "diagnostics": {
        "id_personne": "P0", "date_diagnostic": date(2025, 1, 1), "nature": "INITIAL",
        "operateur": "FT", "code_agence": "31001",
    },
}


class Entrepot:
    """A DuckDB warehouse file with helpers to write raw rows as ingestion would."""

    def __init__(self, path: Path, target: Path):
        self.path = path
        self.target = target
        self._chargement = 0

    def inserer(self, export: str, lignes: list[dict], date_extraction: date = date(2025, 3, 31),
                sequence: int = 0, statut: str = "CHARGE") -> None:
        """One delivery file of ``export`` holding ``lignes`` (current contract columns)."""
        self._chargement += 1
        fichier = f"{export}/{export}_{date_extraction:%Y%m%d}_{sequence}_{self._chargement}.csv"
        colonnes = list(EXPORTS[export].column_names)
        meta = ["_id_chargement", "_fichier", "_ligne", "_date_extraction", "_sequence"]
        valeurs = []
        for i, ligne in enumerate(lignes, start=2):
            inconnues = set(ligne) - set(colonnes)
            assert not inconnues, f"colonnes inconnues {inconnues}"
            complete = {"date_maj": datetime(2025, 1, 1), "supprime": False,
                        **_DEFAUTS.get(export, {}), **ligne}
            valeurs.append([complete.get(c) for c in colonnes]
                           + [self._chargement, fichier, i, date_extraction, sequence])
        with connect(self.path) as con:
            marques = ", ".join(["?"] * (len(colonnes) + len(meta)))
            noms = ", ".join(f'"{c}"' for c in colonnes + meta)
            if valeurs:
                con.executemany(f"insert into raw_entrepot.{export} ({noms}) values ({marques})", valeurs)
            con.execute(
                "insert into raw._fichiers values (?, ?, ?, ?, ?, ?, 'csv', ?, ?, 0, ?, null, now(), null)",
                [self._chargement, export, fichier, f"h{self._chargement}", date_extraction,
                 sequence, len(valeurs), len(valeurs) if statut == "CHARGE" else 0, statut],
            )

    def dbt(self, args: list[str], vars: dict | None = None):
        return run_dbt(args, self.path, vars=vars, target_path=self.target,
                       log_path=self.target / "logs")

    def requete(self, sql: str, params=None) -> list[tuple]:
        with connect(self.path, read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def dbt_target(tmp_path_factory) -> Path:
    # One target directory per session: partial parsing is reused between invocations.
    return tmp_path_factory.mktemp("dbt_target")


@pytest.fixture(scope="session")
def entrepot_construit(tmp_path_factory, worker_id, dbt_target) -> Entrepot:
    """An empty warehouse (raw schema only) after ``dbt build`` of the seeds, the models and the
    unit tests (the suite's one run of them; the data tests are proven on the integration build,
    tests/integration). Raises ``DbtError`` if the build fails. Read-only for its users: copy
    it before writing (``entrepot_vide``).

    Under pytest-xdist the workers share one build (a file lock, the first one builds); each
    worker's later dbt calls use its own target directory."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    racine = (base.parent if worker_id != "master" else base) / "entrepot_construit"
    path, fait = racine / "socle.duckdb", racine / "construit"
    with FileLock(str(racine) + ".lock"):
        if not fait.exists():
            shutil.rmtree(racine, ignore_errors=True)  # a build that failed in another worker
            racine.mkdir(parents=True)
            with connect(path) as con:
                ensure_raw_schema(con)
            Entrepot(path, racine / "dbt_target").dbt(["build", "--exclude", "resource_type:test"])
            fait.touch()
    return Entrepot(path, dbt_target)


@pytest.fixture(scope="module")
def entrepot_vide(entrepot_construit, tmp_path_factory) -> Entrepot:
    """A copy of the built empty warehouse (seeds already loaded), to fill with raw rows."""
    path = tmp_path_factory.mktemp("entrepot_rempli") / "socle.duckdb"
    shutil.copy(entrepot_construit.path, path)
    return Entrepot(path, entrepot_construit.target)


# --- what the family tests' independent computations share (the contract's common rules) ----


def dernier_jour(m: date) -> date:
    """The last day of the month of ``m``."""
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def territoires(agences: dict[str, tuple], agence: str) -> list[tuple[str, str]]:
    """Where a cell about people of ``agence`` counts: FR and the agency, and its region,
    département and bassin when the referential knows it (``agences``: agency → (region,
    département, bassin), None outside the referential)."""
    region, dep, bassin = agences[agence]
    out = [("NATIONAL", "FR"), ("AGENCE", agence)]
    if region:
        out += [("REGION", region), ("DEPARTEMENT", dep), ("BASSIN", bassin)]
    return out
