"""Run the dbt project (``dbt_project/``) in process, against a given DuckDB file.

Used by the CLI build and the tests. dbt reads the warehouse path from ``SOCLE_DBT_DB_PATH``
(see ``dbt_project/profiles.yml``); it is set for the duration of the call only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from pipelines.core.settings import DBT_PROJECT_DIR

#: Statuses of a dbt node result that mean failure (models, seeds, tests, unit tests).
_FAILED_STATUSES = {"error", "fail", "runtime error"}


class DbtError(RuntimeError):
    """dbt failed; the message names the failed nodes (in French)."""

    def __init__(self, message: str, failures: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.failures = failures or []


@contextmanager
def environment(**values: str) -> Iterator[None]:
    # Sets variables for dbt (which reads them itself), then puts the environment back as it was.
    saved = os.environ.copy()
    os.environ.update(values)
    try:
        yield
    finally:
        for k in values:
            if k in saved:
                os.environ[k] = saved[k]
            else:
                os.environ.pop(k, None)


def exclusions(tests_donnees: bool) -> list[str]:
    """What a build leaves out of ``dbt build``: the unit tests (the test suite's), and the data
    tests too when told not to run them (``Settings.tests_donnees``)."""
    return ["test_type:unit"] + ([] if tests_donnees else ["resource_type:test"])


def _valeur_var(v):
    return v.isoformat() if isinstance(v, date) else v


def _vars_json(vars: dict) -> str:
    return json.dumps({k: _valeur_var(v) for k, v in vars.items()})


#: dbt's events that end a node (model, seed, data or unit test), with its rank among the nodes
_FINS_DE_NOEUD = ("LogModelResult", "LogSeedResult", "LogTestResult", "LogSnapshotResult", "LogNodeNoOpResult")


def _rappel(progression: Callable[[int, int], None]) -> Callable:
    def rappel(evenement) -> None:
        if evenement.info.name in _FINS_DE_NOEUD:
            donnees = evenement.data
            total = getattr(donnees, "total", 0) or getattr(donnees, "num_models", 0)
            if total:
                progression(donnees.index, total)

    return rappel


#: dbt vars the models also read from the environment (``var('date_arrete', '') or
#: env_var('SOCLE_DATE_ARRETE', '')``): ``run_dbt`` hands them over that way. dbt parses the whole
#: project again when ``--vars`` change (about 5 s of CPU), but only the files that read an
#: environment variable when its value changes.
_VARS_ENVIRONNEMENT = {"date_arrete": "SOCLE_DATE_ARRETE", "premier_mois": "SOCLE_PREMIER_MOIS"}


def environnement_dbt(db_path: Path, duckdb_config: dict[str, str] | None, vars: dict | None) -> tuple[dict, dict[str, str]]:
    """What a dbt call on the warehouse ``db_path`` reads from the environment
    (``dbt_project/profiles.yml`` and the models), with the ``vars`` left to give as ``--vars``:
    the warehouse's path, DuckDB's settings (``Settings.duckdb_config``) and the vars the models
    also read from the environment (``_VARS_ENVIRONNEMENT``). Returns (vars, environment)."""
    restants = dict(vars or {})
    environnement = {
        "SOCLE_DBT_DB_PATH": str(Path(db_path).resolve()),
        **{f"SOCLE_DBT_DUCKDB_{k.upper()}": v for k, v in (duckdb_config or {}).items()},
        **{_VARS_ENVIRONNEMENT[k]: str(_valeur_var(restants.pop(k)) or "") for k in list(restants) if k in _VARS_ENVIRONNEMENT},
    }
    return restants, environnement


def dbt_args(
    args: list[str],
    vars: dict | None = None,
    target_path: Path | None = None,
    log_path: Path | None = None,
) -> list[str]:
    """The full dbt command line: ``args`` plus project, profiles and optional paths."""
    full = list(args) + [
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
    ]
    if vars:
        full += ["--vars", _vars_json(vars)]
    if target_path is not None:
        full += ["--target-path", str(target_path)]
    if log_path is not None:
        full += ["--log-path", str(log_path)]
    return full


def _failures(result) -> list[tuple[str, str]]:
    failures = []
    for r in getattr(result.result, "results", None) or []:
        status = str(getattr(r.status, "value", r.status)).lower()
        if status in _FAILED_STATUSES:
            node = getattr(r, "node", None)
            name = getattr(node, "unique_id", None) or getattr(node, "name", "?")
            message = (r.message or "").strip()
            if status == "fail" and getattr(r, "failures", None) is not None:
                message = f"{message} ({r.failures} ligne(s) en échec)".strip()
            failures.append((name, message))
    return failures


def _fermer_base_duckdb() -> None:
    # The profile keeps the DuckDB file open for the whole invocation (``keep_open``: reopening it
    # for each of some 350 nodes cost a third of a small build), and dbt-duckdb keeps it open in
    # the process afterwards. Close it, so that the caller can open the file again (with its own
    # configuration) or move it once dbt is done.
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not installed: nothing was opened
        return
    env = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if env is not None:
        env.close()


#: Profile keys that name where the warehouse is, not what the models are: left out of the hash
#: that decides whether dbt may reuse a previous parse (see ``_analyse_partagee``).
_CLES_EMPLACEMENT = ("path", "config_options")
#: Where the parses of the project are kept between builds (one file per warehouse name and vars).
_ANALYSES = DBT_PROJECT_DIR / "target" / "analyses_partielles"


@contextmanager
def _analyse_partagee(target_path: Path | None, base: str, vars: dict | None) -> Iterator[None]:
    """Let a build reuse the parse of an earlier build of the same project.

    Each build has its own target folder, and dbt rejects a saved parse when any profile key
    changes — the warehouse's path and temp folder do, from one build to the next — so every build
    parsed the whole project again (about 5 s of CPU, 40 times in the test suite). Those keys do
    not change what the models are: they are left out of dbt's check (``_CLES_EMPLACEMENT``), and
    the latest parse (``partial_parse.msgpack``) is copied into the build's target folder and back.
    dbt still checks every project file, var and the warehouse's name: a stale copy only means a
    full parse, never a wrong one."""
    if target_path is None:
        yield
        return
    try:
        from dbt.adapters.duckdb.credentials import DuckDBCredentials
    except ImportError:  # another adapter: nothing to share
        yield
        return
    cle = hashlib.sha256(f"{base}|{_vars_json(vars or {})}".encode()).hexdigest()[:16]
    partage = _ANALYSES / f"{cle}.msgpack"
    local = Path(target_path) / "partial_parse.msgpack"
    if partage.exists() and not local.exists():
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(partage, local)
    avant = local.stat().st_mtime_ns if local.exists() else None
    origine = DuckDBCredentials._connection_keys

    def sans_emplacement(self):
        return tuple(k for k in origine(self) if k not in _CLES_EMPLACEMENT)

    DuckDBCredentials._connection_keys = sans_emplacement
    try:
        yield
    finally:
        DuckDBCredentials._connection_keys = origine
        if local.exists() and local.stat().st_mtime_ns != avant:
            # another process may be writing the same file: write beside it, then rename
            _ANALYSES.mkdir(parents=True, exist_ok=True)
            provisoire = _ANALYSES / f".{cle}.{os.getpid()}.tmp"
            shutil.copyfile(local, provisoire)
            os.replace(provisoire, partage)


def run_dbt(
    args: list[str],
    db_path: Path,
    vars: dict | None = None,
    target_path: Path | None = None,
    log_path: Path | None = None,
    duckdb_config: dict[str, str] | None = None,
    progression: Callable[[int, int], None] | None = None,
):
    """Run ``dbt <args>`` on the warehouse ``db_path``; raise :class:`DbtError` on failure.

    dbt prints only its warnings and errors (its per-node lines are in English and go to its log
    file, ``log_path``); ``progression(fait, total)`` is told each node done.

    ``duckdb_config`` (``Settings.duckdb_config``): DuckDB's memory limit and temp directory, given
    to the profile (``dbt_project/profiles.yml``) for the call.

    ``vars`` become ``--vars`` (e.g. ``{"date_arrete": date(2025, 3, 31)}``), but for those the
    models also read from the environment (``_VARS_ENVIRONNEMENT``). Returns dbt's
    result object (``dbtRunnerResult``) on success.
    """
    from dbt.cli.main import dbtRunner  # imported late: dbt is slow to import

    vars, env = environnement_dbt(db_path, duckdb_config, vars)
    full = dbt_args(args, vars, target_path, log_path) + ["--log-level", "warn"]
    with environment(**env), _analyse_partagee(target_path, Path(db_path).stem, vars):
        try:
            result = dbtRunner(callbacks=[_rappel(progression)] if progression else []).invoke(full)
        finally:
            _fermer_base_duckdb()
    if result.success:
        return result
    commande = " ".join(["dbt", *args])
    failures = _failures(result)
    if failures:
        detail = "\n".join(f"  - {name} : {message}" for name, message in failures)
        raise DbtError(f"« {commande} » a échoué sur {len(failures)} nœud(s) :\n{detail}", failures)
    cause = result.exception or "erreur inconnue (voir dbt_project/logs/dbt.log)"
    raise DbtError(f"« {commande} » a échoué : {cause}")


def dictionnaire_indicateurs(manifest_path: Path | None = None) -> dict[str, dict]:
    """The per-indicator data dictionary (French), from the ``meta.dictionnaire`` of the model
    ``indicateurs`` in dbt's ``manifest.json`` (written by ``dbt parse`` or any build)."""
    path = Path(manifest_path) if manifest_path else DBT_PROJECT_DIR / "target" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    noeud = manifest["nodes"]["model.socle.indicateurs"]
    return dict(noeud["config"]["meta"].get("dictionnaire", {}))


def _project_sources_mtime() -> float:
    paths = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for sub in ("models", "macros", "seeds", "tests"):
        paths += [p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.suffix in (".sql", ".yml", ".yaml", ".csv")]
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def ensure_manifest() -> Path:
    """``target/manifest.json``, (re)built with ``dbt parse`` when missing or older than the project.

    ``dbt parse`` never opens the warehouse, so loading Dagster's definitions never takes DuckDB's
    writer lock.
    """
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _project_sources_mtime():
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(dbt_args(["parse", "--quiet"]))
        if not result.success:
            raise DbtError(f"« dbt parse » a échoué : {result.exception or 'voir dbt_project/logs/dbt.log'}")
    return manifest


def generer_documentation(db_path: Path, out_dir: Path) -> Path:
    """The dbt documentation (models, columns, tests and the indicator dictionary) as one static
    HTML page, readable without a server; returns its path."""
    out_dir = Path(out_dir)
    run_dbt(["docs", "generate", "--static"], db_path, target_path=out_dir, log_path=out_dir / "logs")
    return out_dir / "static_index.html"
