"""The Dagster code location of Socle: one ``Definitions``.

Asset graph (groups follow the layers): ``raw/<export>`` (ingestion, one asset per export) →
dbt sources → ``staging`` → ``intermediate`` → ``marts`` → ``publication`` (atomic swap of the
published warehouse). Assets call the same functions as the ``socle`` CLI; loading these
definitions never opens the warehouse (the dbt manifest comes from ``dbt parse``).
"""


import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.core.contract import EXPORTS
from pipelines.core.settings import DBT_PROJECT_DIR, Settings, pseudonymisation_key
from pipelines.dbt_runner import ensure_manifest, environment, environnement_dbt, exclusions
from pipelines.rapports.reglages import regions_planifiees


class SocleConfig(dg.ConfigurableResource):
    """Paths of a build, from the environment (SOCLE_INBOX, SOCLE_WAREHOUSE) with local defaults."""

    inbox: str = ""
    warehouse: str = ""

    def settings(self) -> Settings:
        return Settings.from_env(
            inbox=Path(self.inbox) if self.inbox else None,
            warehouse=Path(self.warehouse) if self.warehouse else None,
        )


def _raw_asset(export: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", export]),
        group_name="raw",
        description=f"Couche brute (append-only) de l'export « {export} » : {EXPORTS[export].description}.",
        kinds={"duckdb", "python"},
    )
    def _ingest(context: dg.AssetExecutionContext, socle: SocleConfig) -> dg.MaterializeResult:
        from pipelines.core.warehouse import prepare_work_warehouse
        from pipelines.ingestion import ingest_export
        from pipelines.ingestion.reading import Limits

        settings = socle.settings()
        # A production path: SOCLE_PSEUDO_KEY is required (no demo key), checked before the work
        # copy is touched; a key other than the warehouse's fails the run (``verifier_cle``).
        key = pseudonymisation_key(settings)
        work = prepare_work_warehouse(settings)

        def on_file(result: Any) -> None:
            context.log.info(
                f"{result.file}: {result.status}, lues {result.rows_read}, chargées {result.rows_loaded}, "
                f"quarantaine {result.rows_quarantined}" + (f" — {result.reason}" if result.reason else "")
            )

        report = ingest_export(work, settings.inbox, export, key, on_file=on_file,
                               limits=Limits.from_settings(settings))
        return dg.MaterializeResult(
            metadata={
                "fichiers": dg.MetadataValue.int(report.files_loaded),
                "lignes_lues": dg.MetadataValue.int(report.rows_read),
                "lignes_chargees": dg.MetadataValue.int(report.rows_loaded),
                "lignes_quarantaine": dg.MetadataValue.int(report.rows_quarantined),
            }
        )

    _ingest.__name__ = f"raw_{export}"
    return _ingest


# every export, the optional ones too (the alert rules read them through dbt's sources); one never
# delivered loads nothing and its raw table stays empty
raw_assets = [_raw_asset(name) for name in EXPORTS]

# The file registry is written by every ingestion asset; dbt reads it (date d'arrêté).
registre_fichiers = dg.AssetSpec(
    key=dg.AssetKey(["raw", "_fichiers"]),
    group_name="raw",
    description="Registre des fichiers reçus : empreinte, lignes lues / chargées / en quarantaine, statut.",
    kinds={"duckdb"},
)


class SocleDbtTranslator(DagsterDbtTranslator):
    """dbt models keyed and grouped by layer: ``staging/stg_x``, ``marts/indicateurs``…"""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema") or "dbt"


DBT_MANIFEST = ensure_manifest()


class MoteurModeles(dg.ConfigurableResource):
    """Where the dbt models run: ``duckdb`` (the internal warehouse, dbt events streamed to
    Dagster) or ``spark`` (``pipelines.moteur_spark``: Parquet lake, Spark session, marts brought
    back). Defaults from the environment (``SOCLE_MOTEUR``, ``SOCLE_SPARK_MAITRE``)."""

    moteur: str = "duckdb"
    spark_maitre: str = ""

    def reglages(self, settings: Settings) -> Settings:
        from dataclasses import replace

        moteur = (self.moteur or settings.moteur).strip().lower()
        return replace(settings, moteur=moteur, spark_maitre=self.spark_maitre or settings.spark_maitre)

    def calculer(self, context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: Settings):
        """The events of the dbt assets: materialisations, and the data tests as asset checks."""
        from pipelines.build import MOTEURS, dbt_vars
        from pipelines.core.warehouse import prepare_work_warehouse

        settings = self.reglages(settings)
        if settings.moteur not in MOTEURS:
            raise dg.Failure(f"moteur inconnu : {settings.moteur!r} (SOCLE_MOTEUR : {' ou '.join(MOTEURS)})")
        work = prepare_work_warehouse(settings)
        if settings.moteur == "spark":
            from pipelines.moteur_spark import construire_modeles

            construire_modeles(work, settings, vars=dbt_vars(settings), journal=context.log.info)
            yield from evenements_spark(context, settings.work_dir / "dbt_target_spark" / "run_results.json")
            return
        # as a CLI build (settings.tests_donnees); dagster-dbt adds its own selection after these, so
        # one --exclude flag per value (repeated flags add up; several values after one do not parse)
        args = ["build", *[a for e in exclusions(settings.tests_donnees) for a in ("--exclude", e)]]
        vars, env = environnement_dbt(work, settings.duckdb_config, dbt_vars(settings))
        if vars:
            args += ["--vars", json.dumps(vars)]
        with environment(**env):
            yield from dbt.cli(args, context=context).stream()


def evenements_spark(context: dg.AssetExecutionContext, run_results: Path):
    """Materialisations of the selected models and results of their data tests, from the
    ``run_results.json`` of the Spark run (the dbt run happened in process, not through
    ``DbtCliResource``, whose events need its own invocation)."""
    resultats = json.loads(run_results.read_text(encoding="utf-8"))["results"] if run_results.exists() else []
    statut = {r["unique_id"]: r["status"] for r in resultats}
    noeuds = json.loads(Path(DBT_MANIFEST).read_text(encoding="utf-8"))["nodes"]
    tests = {noeuds[u]["name"]: s for u, s in statut.items() if u.startswith("test.") and u in noeuds}
    for cle in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
        yield dg.MaterializeResult(asset_key=cle, metadata={"moteur": dg.MetadataValue.text("spark")})
    for cle in sorted(context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        if cle.name in tests:
            yield dg.AssetCheckResult(asset_key=cle.asset_key, check_name=cle.name,
                                      passed=tests[cle.name] in ("pass", "warn"),
                                      metadata={"statut_dbt": dg.MetadataValue.text(tests[cle.name])})


@dbt_assets(manifest=DBT_MANIFEST, dagster_dbt_translator=SocleDbtTranslator(), exclude="test_type:unit")
def socle_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, moteur: MoteurModeles, socle: SocleConfig):
    yield from moteur.calculer(context, dbt, socle.settings())


@dg.asset(
    key=dg.AssetKey(["publication", "indicateurs"]),
    group_name="publication",
    deps=[dg.AssetKey(["marts", "indicateurs"])],
    description="Vue publiée : marts.indicateurs après secret statistique (colonnes secret, motif_secret).",
    kinds={"duckdb", "python"},
)
def indicateurs_publies(context: dg.AssetExecutionContext, socle: SocleConfig) -> dg.MaterializeResult:
    from pipelines.build import publier_vue_secret
    from pipelines.core.warehouse import prepare_work_warehouse

    settings = socle.settings()
    lignes = publier_vue_secret(prepare_work_warehouse(settings), settings.seuil_secret, settings.methode_secret,
                                context.log.info, settings.duckdb_config)
    context.log.info(f"publication.indicateurs : {lignes} cellules, seuil {settings.seuil_secret}, "
                     f"méthode {settings.methode_secret}")
    return dg.MaterializeResult(
        metadata={"cellules": dg.MetadataValue.int(lignes), "seuil": dg.MetadataValue.int(settings.seuil_secret)}
    )


@dg.asset(
    key=dg.AssetKey(["publication", "entrepot"]),
    group_name="publication",
    # The publication file is written from the internal warehouse once all of these are built.
    deps=[
        dg.AssetKey(["publication", "indicateurs"]),
        dg.AssetKey(["marts", "indicateurs"]),
        dg.AssetKey(["marts", "arrete"]),
        *(a.key for a in raw_assets),
    ],
    description=(
        "Fichier publié : indicateurs, vue publiée, dictionnaire, référentiels et qualité (aucune ligne "
        "individuelle), échangé atomiquement et archivé ; lu par les tableaux de bord, rapports et exports."
    ),
    kinds={"duckdb"},
)
def entrepot_publie(context: dg.AssetExecutionContext, socle: SocleConfig) -> dg.MaterializeResult:
    from pipelines.build import publish
    from pipelines.core.warehouse import build_lock

    settings = socle.settings()
    with build_lock(settings):
        publish(settings.work_warehouse, settings.warehouse)
    context.log.info(f"Entrepôt publié : {settings.warehouse}")
    return dg.MaterializeResult(metadata={"chemin": dg.MetadataValue.path(str(settings.warehouse))})


construction_job = dg.define_asset_job(
    "construction_socle",
    # The reports are partitioned and sent on their own schedule, after the publication.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("rapports"),
    description="Ingestion des nouveaux exports, calcul des indicateurs, publication.",
)

construction_quotidienne = dg.ScheduleDefinition(
    name="construction_quotidienne",
    job=construction_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Paris",
    description="Chaque matin à 6 h, après les extractions de la nuit.",
)


def etat_depot(inbox: Path) -> str:
    """A fingerprint of the deliveries in the inbox (name, size, modification time of each file):
    it changes when a file arrives or is replaced, whatever its name."""
    lignes = sorted(
        f"{p.relative_to(inbox)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in inbox.glob("*/*")
        if p.is_file() and not p.name.startswith(("_", ".")) and not p.parent.name.startswith(("_", "."))
    )
    return hashlib.sha256("\n".join(lignes).encode()).hexdigest()


@dg.sensor(
    job=construction_job,
    minimum_interval_seconds=300,
    description="Lance une construction quand de nouveaux fichiers arrivent dans le dépôt.",
)
def nouveaux_exports(context: dg.SensorEvaluationContext, socle: SocleConfig):
    settings = socle.settings()
    if not settings.inbox.is_dir():
        return dg.SkipReason(f"Dossier de dépôt absent : {settings.inbox}")
    etat = etat_depot(settings.inbox)
    if etat == context.cursor:
        return dg.SkipReason("Aucun nouveau fichier.")
    context.update_cursor(etat)
    return dg.RunRequest(run_key=etat)


@dg.run_failure_sensor(
    name="alerte_echec_run",
    description="Alerte (journal, webhook, courriel selon la configuration) quand un run échoue.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alerte_echec_run(context: dg.RunFailureSensorContext) -> None:
    from pipelines.alertes import alerter

    run = context.dagster_run
    cause = context.failure_event.message or "cause inconnue"
    alerter(
        f"Échec du run Dagster « {run.job_name} »",
        f"run {run.run_id} : {cause} (entrepôt publié inchangé)",
        Settings.from_env(),
    )


_PUBLICATION_INDICATEURS = dg.AssetKey(["publication", "indicateurs"])


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "qualite_bloquante",
            asset=_PUBLICATION_INDICATEURS,
            blocking=True,
            description="Contrôles qualité bloquants (livraisons et marts) : un échec empêche la publication.",
        ),
        dg.AssetCheckSpec(
            "qualite_avertissements",
            asset=_PUBLICATION_INDICATEURS,
            description="Contrôles qualité en avertissement : l'entrepôt est publié, les écarts sont signalés.",
        ),
    ],
    description="Suites Great Expectations de quality/ (mêmes fonctions que « socle construire »).",
)
def controles_qualite(context: dg.AssetCheckExecutionContext, socle: SocleConfig):
    from pipelines.core.warehouse import prepare_work_warehouse
    from quality.gates import controler

    settings = socle.settings()
    rapport = controler(prepare_work_warehouse(settings), None, settings.data_dir)
    context.log.info(rapport.resume())

    def _meta(liste) -> dict:
        meta = {f"{r.cible} · {r.controle}": dg.MetadataValue.text(r.details) for r in liste[:50]}
        meta["nombre"] = dg.MetadataValue.int(len(liste))
        if rapport.data_docs:
            meta["data_docs"] = dg.MetadataValue.path(str(rapport.data_docs))
        return meta

    yield dg.AssetCheckResult(
        check_name="qualite_bloquante",
        asset_key=_PUBLICATION_INDICATEURS,
        passed=not rapport.bloquants,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=_meta(rapport.bloquants),
    )
    yield dg.AssetCheckResult(
        check_name="qualite_avertissements",
        asset_key=_PUBLICATION_INDICATEURS,
        passed=not rapport.avertissements,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=_meta(rapport.avertissements),
    )


# --------------------------------------------------------------------------- CSE reports
# One partition per month and region: a missed month is backfilled from the Dagster UI
# (asset rapports/cse_mensuel, « Materialize » on the chosen partitions). The business logic is in
# pipelines/rapports (quality gate, archive, e-mail, idempotent sending record).

rapports_partitions = dg.MultiPartitionsDefinition(
    {
        # Reports exist for months that are over (the current month is not a partition yet).
        "mois": dg.MonthlyPartitionsDefinition(
            start_date=Settings.from_env().premier_mois or "2023-01", fmt="%Y-%m", timezone="Europe/Paris"
        ),
        "region": dg.StaticPartitionsDefinition(regions_planifiees()),
    }
)


class RapportConfig(dg.Config):
    """Run configuration of a report: ``forcer`` sends again a report already sent."""

    forcer: bool = False


@dg.asset(
    key=dg.AssetKey(["rapports", "cse_mensuel"]),
    group_name="rapports",
    partitions_def=rapports_partitions,
    deps=[dg.AssetKey(["publication", "entrepot"])],
    description=(
        "Rapport mensuel au CSE d'une région (PDF) : contrôle qualité de la publication, archive "
        "rapports/<région>/<période>.pdf, envoi par courriel à la liste du CSE, registre des envois "
        "(un seul envoi par région et mois, sauf « forcer »)."
    ),
    kinds={"pdf", "python"},
)
def rapport_cse_mensuel(context: dg.AssetExecutionContext, socle: SocleConfig, config: RapportConfig) -> dg.MaterializeResult:
    from pipelines.rapports.diffusion import diffuser
    from pipelines.rapports.periodes import periode

    cles = context.partition_key.keys_by_dimension
    resultat = diffuser(socle.settings(), cles["region"], periode(cles["mois"]), forcer=config.forcer)
    context.log.info(resultat.message)
    entree = resultat.entree
    return dg.MaterializeResult(
        metadata={
            "envoye": dg.MetadataValue.bool(resultat.envoye),
            "fichier": dg.MetadataValue.path(entree.get("chemin") or ""),
            "sha256": dg.MetadataValue.text(entree.get("sha256") or ""),
            "destinataires": dg.MetadataValue.text(", ".join(entree.get("destinataires") or [])),
            "envoye_le": dg.MetadataValue.text(entree.get("horodatage") or ""),
        }
    )


rapports_job = dg.define_asset_job(
    "rapports_cse",
    selection=dg.AssetSelection.assets(rapport_cse_mensuel),
    description="Rapport mensuel au CSE d'une région et d'un mois : PDF, archive, envoi.",
)


@dg.schedule(
    name="rapports_cse_mensuels",
    job=rapports_job,
    cron_schedule="0 8 * * *",
    execution_timezone="Europe/Paris",
    description=(
        "Chaque matin à 8 h (après la construction de 6 h) : dès que la publication couvre tout le mois "
        "écoulé, un rapport par région ; une fois par mois et par région (clé de run)."
    ),
)
def rapports_cse_mensuels(context: dg.ScheduleEvaluationContext, socle: SocleConfig):
    from pipelines.rapports.calendrier import mois_echu, publication_couvre

    mois = mois_echu(context.scheduled_execution_time)
    couvre, raison = publication_couvre(socle.settings().warehouse, mois)
    if not couvre:
        return dg.SkipReason(raison)
    cle_mois = f"{mois:%Y-%m}"
    return [
        dg.RunRequest(run_key=f"rapport_cse|{cle_mois}|{region}", partition_key=dg.MultiPartitionKey({"mois": cle_mois, "region": region}))
        for region in rapports_partitions.get_partitions_def_for_dimension("region").get_partition_keys()
    ]


# --------------------------------------------------------------------------- misuse alerts
# One run per establishment with new alerts and day (run key): the schedule never dispatches a day
# twice, and the sending record never sends an alert twice to an establishment, whatever runs.
# The logic is in pipelines/rapports/diffusion_alertes.py (``socle alertes`` calls it too).


class AlertesConfig(dg.Config):
    """Run configuration of a dispatch: the establishment (76, DG…), the archive's day (AAAA-MM-JJ;
    empty: today), ``forcer`` to send again alerts already sent, the file's format (csv, xlsx)."""

    etablissement: str
    jour: str = ""
    forcer: bool = False
    format: str = "csv"


@dg.op(
    name="envoyer_alertes_etablissement",
    description=(
        "Nouvelles alertes de détournement de finalité d'un établissement (pseudonymes seulement, examen "
        "obligatoire en tête) : fichier archivé alertes/<établissement>/<jour>, courriel aux destinataires de "
        "l'établissement s'ils sont configurés, registre des envois, journal des accès."
    ),
)
def envoyer_alertes_etablissement(context: dg.OpExecutionContext, socle: SocleConfig, config: AlertesConfig):
    from datetime import date

    from pipelines.rapports.diffusion_alertes import envoyer_alertes

    resultat = envoyer_alertes(socle.settings(), config.etablissement,
                               jour=date.fromisoformat(config.jour) if config.jour else None, forcer=config.forcer,
                               fmt=f".{config.format.lstrip('.')}", qui="dagster", origine="dagster")
    context.log.info(resultat.message)
    return dg.Output(None, metadata={
        "etablissement": dg.MetadataValue.text(resultat.etablissement),
        "alertes": dg.MetadataValue.int(resultat.nb_alertes),
        "courriel": dg.MetadataValue.bool(resultat.courriel),
        "fichier": dg.MetadataValue.path(str(resultat.fichier or "")),
        "sha256": dg.MetadataValue.text(resultat.sha256 or ""),
    })


@dg.job(
    name="alertes_etablissements",
    description="Envoi à un établissement de ses nouvelles alertes de détournement de finalité (une fois chacune).",
)
def alertes_job():
    envoyer_alertes_etablissement()


@dg.schedule(
    name="alertes_etablissements_quotidiennes",
    job=alertes_job,
    cron_schedule="15 8 * * *",
    execution_timezone="Europe/Paris",
    description=(
        "Chaque matin à 8 h 15 (après la construction de 6 h) : un run par établissement qui a de nouvelles "
        "alertes, une fois par établissement et par jour (clé de run)."
    ),
)
def alertes_etablissements_quotidiennes(context: dg.ScheduleEvaluationContext, socle: SocleConfig):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pipelines.rapports.diffusion_alertes import cle_run, etablissements_a_envoyer
    from pipelines.rapports.erreurs import RapportError

    paris = ZoneInfo("Europe/Paris")
    jour = (context.scheduled_execution_time or datetime.now(paris)).astimezone(paris).date().isoformat()
    try:
        etablissements = etablissements_a_envoyer(socle.settings())
    except RapportError as exc:  # no internal warehouse yet, a build in progress: the next day sends them
        return dg.SkipReason(str(exc))
    if not etablissements:
        return dg.SkipReason("Aucune nouvelle alerte à envoyer.")
    return [
        dg.RunRequest(run_key=cle_run(etablissement, jour), tags={"etablissement": etablissement, "jour": jour},
                      run_config={"ops": {"envoyer_alertes_etablissement": {
                          "config": {"etablissement": etablissement, "jour": jour}}}})
        for etablissement in etablissements
    ]


_REGLAGES = Settings.from_env()

defs = dg.Definitions(
    assets=[*raw_assets, registre_fichiers, socle_dbt_models, indicateurs_publies, entrepot_publie, rapport_cse_mensuel],
    asset_checks=[controles_qualite],
    jobs=[construction_job, rapports_job, alertes_job],
    schedules=[construction_quotidienne, rapports_cse_mensuels, alertes_etablissements_quotidiennes],
    sensors=[nouveaux_exports, alerte_echec_run],
    # DuckDB allows one writer per file: the steps of a run go one after the other, in one process.
    executor=dg.in_process_executor,
    resources={
        # the paths of the environment at load time, shown in Dagster's UI (Settings reads them)
        "socle": SocleConfig(inbox=str(_REGLAGES.inbox), warehouse=str(_REGLAGES.warehouse)),
        "dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR)),
        "moteur": MoteurModeles(moteur=_REGLAGES.moteur, spark_maitre=_REGLAGES.spark_maitre),
    },
)
