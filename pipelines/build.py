"""One build: ingest what is new in the inbox, compute the models, publish.

Write, then publish: the build works on a private copy of the warehouse (``Settings.work_warehouse``);
only a build that went through is copied next to the published file and swapped in with an atomic
``os.replace``. Readers (dashboards, reports, exports) only ever open the published file, read-only,
so they never meet DuckDB's writer lock nor a half-built state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.core.settings import CleDePseudonymisationError, Settings, pseudonymisation_key
from pipelines.core.warehouse import BuildError, build_lock, connect, prepare_work_warehouse


@dataclass
class BuildResult:
    warehouse: Path
    ingestion: object | None = None
    durations: dict[str, float] = field(default_factory=dict)
    #: peak resident memory of the process (MB) at the end of each step: the step whose figure
    #: rises is the one that raised the peak (benchmarks/bench_build.py prints them)
    pics_memoire: dict[str, float] = field(default_factory=dict)
    publication: dict | None = None  # journal entry of the published version


def publish(work: Path, published: Path, settings: Settings | None = None) -> dict:
    """Copy the built warehouse beside the published one, swap it in atomically, archive it as a
    version and journal it (``pipelines.versions.publier_version``). The caller holds the build
    lock. Returns the journal entry."""
    from pipelines.versions import publier_version

    if settings is None or Path(settings.warehouse) != Path(published):
        settings = replace(settings or Settings.from_env(), warehouse=Path(published))
    return publier_version(settings, Path(work))


def publier_vue_secret(work: Path, seuil: int, methode: str = "optimiseur", journal=None,
                       config: dict[str, str] | None = None) -> int:
    """``publication.indicateurs`` (the view after statistical disclosure control) in ``work``.

    With the optimiser, the independent audit then gates the view (``auditer_secret``: raises
    ``BuildError``). Not with the group rule, known to fail it (docs/secret-statistique.md):
    gating it would stop every publication. The optimiser's LPs run on as many processes as
    DuckDB has threads (``config``: the settings' ``SOCLE_DUCKDB_FILS``, one per core by default)."""
    from pipelines.publication import publier_vue
    from pipelines.secret.protection import RegleProtection

    journal = journal or (lambda _m: None)
    regle = RegleProtection(processus=int(config["threads"])) if config and config.get("threads") else None
    with connect(work, config=config) as con:
        lignes = publier_vue(con, seuil, methode, journal, regle=regle)
    if methode == "optimiseur":
        journal("Audit du secret statistique (équations de la vue publiée)")
        journal(auditer_secret(work, seuil))
    return lignes


def auditer_secret(work: Path, seuil: int) -> str:
    """The independent disclosure audit as a gate of the publication: raises ``BuildError`` when
    an outsider can recover a secret quantity closer than the protection rule allows (the
    published warehouse then stays the last good one). Returns the audit's summary."""
    import duckdb

    from pipelines.secret.audit import auditer

    con = duckdb.connect(str(work), read_only=True)
    try:
        res = auditer(con, seuil)
    finally:
        con.close()
    if res.violations:
        raise BuildError("audit du secret", f"{len(res.violations)} quantité(s) secrète(s) retrouvable(s) à moins "
                         f"de l'écart de la règle ({res.par_niveau()}) ; rien n'est publié. {res.resume()}")
    return res.resume()


def _pic_memoire() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: Where the dbt models can run (``Settings.moteur``).
MOTEURS = ("duckdb", "spark")


def dbt_vars(settings: Settings) -> dict:
    return {"date_arrete": settings.date_arrete.isoformat()} if settings.date_arrete else {}


def _raison(exc: BaseException) -> str:
    """What a failed step says: the exception's message; a library calling ``sys.exit`` inside a
    step (pyspark's import checks do, when ``__main__`` has no file) is named as such, so that it
    fails the build instead of ending it with code 0 and nothing published."""
    if isinstance(exc, SystemExit):
        return f"arrêt demandé par une bibliothèque (sys.exit({exc.code!r})) ; rien n'est publié"
    return str(exc)


def run_build(
    settings: Settings,
    *,
    on_file: Callable | None = None,
    on_step: Callable[[str], None] | None = None,
    on_dbt: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Ingest, compute, publish. Raises ``BuildError`` naming the failed step. ``on_dbt(fait,
    total)``: each dbt node done (models, seeds, data tests)."""
    from pipelines.dbt_runner import DbtError, exclusions, run_dbt
    from pipelines.ingestion import ingest_inbox
    from pipelines.ingestion.reading import Limits

    step = on_step or (lambda _msg: None)
    result = BuildResult(warehouse=settings.warehouse)
    if settings.moteur not in MOTEURS:
        raise BuildError("dbt", f"moteur inconnu : {settings.moteur!r} (--moteur ou SOCLE_MOTEUR : {' ou '.join(MOTEURS)})")
    if not settings.inbox.is_dir():
        raise BuildError("ingestion", f"le dossier de dépôt {settings.inbox} n'existe pas")
    try:
        # before the lock and the work copy: a build without a valid key touches nothing
        key = pseudonymisation_key(settings)
    except CleDePseudonymisationError as exc:
        raise BuildError("ingestion", str(exc)) from None

    with build_lock(settings):
        work = prepare_work_warehouse(settings)

        t0 = time.perf_counter()
        step(f"Ingestion des exports de {settings.inbox}")
        try:
            report = ingest_inbox(work, settings.inbox, key, on_file=on_file, limits=Limits.from_settings(settings),
                                  config=settings.duckdb_config)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - re-raised with the step named
            raise BuildError("ingestion", _raison(exc)) from exc
        result.ingestion = report
        result.durations["ingestion"] = time.perf_counter() - t0
        result.pics_memoire["ingestion"] = _pic_memoire()

        t0 = time.perf_counter()
        step(f"Calcul des indicateurs (dbt{', sur Spark' if settings.moteur == 'spark' else ''})")
        try:
            if settings.moteur == "spark":
                from pipelines.moteur_spark import MoteurSparkIndisponible, construire_modeles

                try:
                    construire_modeles(work, settings, vars=dbt_vars(settings), journal=step, progression=on_dbt)
                except MoteurSparkIndisponible as exc:
                    raise BuildError("dbt", str(exc)) from None
            else:
                # dbt unit tests run in the test suite; a production build runs models and data tests
                # (unless told not to: settings.tests_donnees).
                run_dbt(
                    ["build", "--exclude", *exclusions(settings.tests_donnees)], work, vars=dbt_vars(settings),
                    # dbt's artefacts beside the build's copy: builds of two warehouses never share them
                    target_path=settings.work_dir / "dbt_target", log_path=settings.work_dir / "dbt_logs",
                    duckdb_config=settings.duckdb_config, progression=on_dbt,
                )
        except DbtError as exc:
            raise BuildError("dbt", str(exc)) from exc
        except SystemExit as exc:
            raise BuildError("dbt", _raison(exc)) from exc
        result.durations["dbt"] = time.perf_counter() - t0
        result.pics_memoire["dbt"] = _pic_memoire()

        t0 = time.perf_counter()
        step(f"Secret statistique (seuil {settings.seuil_secret})")
        try:
            publier_vue_secret(work, settings.seuil_secret, settings.methode_secret, step, settings.duckdb_config)
        except BuildError:
            raise  # the audit's gate names its step
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - re-raised with the step named
            raise BuildError("secret statistique", _raison(exc)) from exc
        result.durations["secret"] = time.perf_counter() - t0
        result.pics_memoire["secret"] = _pic_memoire()

        # Quality gate: delivery suites on the new loads, mart suites; a blocking failure stops
        # the build here, so the published warehouse stays the last good one.
        t0 = time.perf_counter()
        step("Contrôles qualité")
        from quality.gates import controler

        try:
            rapport = controler(work, None, settings.data_dir, config=settings.duckdb_config)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - re-raised with the step named
            raise BuildError("contrôles qualité", f"les contrôles n'ont pas pu s'exécuter : {_raison(exc)}") from exc
        result.durations["qualite"] = time.perf_counter() - t0
        result.pics_memoire["qualite"] = _pic_memoire()
        if rapport.bloquants:
            raise BuildError("contrôles qualité", rapport.message_blocage())
        if rapport.avertissements:
            step(f"Contrôles qualité : {len(rapport.avertissements)} avertissement(s), publié quand même "
                 f"(détail : socle qualite ; Data Docs : {rapport.data_docs})")

        t0 = time.perf_counter()
        step(f"Publication de {settings.warehouse}")
        try:
            result.publication = publish(work, settings.warehouse, settings)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - re-raised with the step named
            raise BuildError("publication", _raison(exc)) from exc
        result.durations["publication"] = time.perf_counter() - t0
        result.pics_memoire["publication"] = _pic_memoire()
    return result
