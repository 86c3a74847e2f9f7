"""Settings in one place: every entry point (CLI, Dagster, Streamlit) reads them from here.

Values come from the environment with local defaults under ``data/`` (git-ignored). This is the
only module that reads environment variables (``tests/architecture`` checks it); a module that
starts a child process may still pass a copy of the environment to it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"

#: Secret threshold of statistical disclosure control; never below 11 for families D and E.
SEUIL_SECRET_MIN = 11

#: Caps on one delivered file (``pipelines.ingestion.reading.Limits``): bytes once decompressed,
#: compression ratio of a ``.csv.gz``, bytes of one line. Far above any real export (a daily file
#: of a whole region is a few hundred MB, compresses about 10 times, has lines under 1 KB).
MAX_DECOMPRESSED_BYTES = 8 * 1024**3
MAX_GZIP_RATIO = 200
MAX_LINE_BYTES = 8 * 1024**2


#: Prefix of the variables holding a region's CSE list (``SOCLE_CSE_DESTINATAIRES_76``).
PREFIXE_CSE_DESTINATAIRES = "SOCLE_CSE_DESTINATAIRES_"
#: Prefix of the variables holding an establishment's recipients of the misuse alerts
#: (``SOCLE_ALERTES_FINALITE_DESTINATAIRES_76``, ``…_DG``).
PREFIXE_FINALITE_DESTINATAIRES = "SOCLE_ALERTES_FINALITE_DESTINATAIRES_"


def proprietes_spark(texte: str) -> tuple[tuple[str, str], ...]:
    """``clé=valeur`` pairs separated by ``;`` or new lines (a value may hold spaces and ``=``)."""
    paires = []
    for morceau in texte.replace("\n", ";").split(";"):
        if not morceau.strip():
            continue
        cle, egal, valeur = morceau.partition("=")
        if not egal or not cle.strip() or not valeur.strip():
            raise ValueError(f"SOCLE_SPARK_PROPRIETES : « {morceau.strip()} » n'est pas de la forme clé=valeur")
        paires.append((cle.strip(), valeur.strip()))
    return tuple(paires)


def _default_key_file(env: Mapping[str, str]) -> Path:
    # Outside the repository and outside the warehouse: the user's config directory.
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "socle" / "cle_pseudonymisation"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox: Path
    warehouse: Path
    pseudo_key_file: Path
    date_arrete: date | None
    seuil_secret: int
    #: Published versions kept under ``<warehouse dir>/versions/`` for ``socle restaurer``.
    versions_conservees: int = 5
    #: Secondary suppression: ``optimiseur`` (default: LP over every published equation, then the
    #: independent audit as a gate, ``pipelines.secret``) or ``groupes`` (the old group rule, fast,
    #: known to leak: see docs/secret-statistique.md).
    methode_secret: str = "optimiseur"
    #: DuckDB's resources in a build (``SOCLE_DUCKDB_MEMOIRE``, e.g. ``12GB`` or ``60%``;
    #: ``SOCLE_DUCKDB_FILS``; ``SOCLE_DUCKDB_TEMP``): past the memory limit DuckDB spills to the
    #: temp directory instead of failing. None: half the RAM (the Polars frames of the disclosure
    #: step and the quality checks share the process), a thread per core, temp files in the
    #: build's work dir.
    duckdb_memoire: str | None = None
    #: Where the dbt models run (``SOCLE_MOTEUR``): ``duckdb`` (default) or ``spark``
    #: (``pipelines.moteur_spark``), and the Spark master (``SOCLE_SPARK_MAITRE``, default
    #: ``local[*]``: a local session on every core).
    moteur: str = "duckdb"
    spark_maitre: str = "local[*]"
    #: Spark properties added to the session (``SOCLE_SPARK_PROPRIETES``: ``clé=valeur`` pairs
    #: separated by ``;`` or new lines), e.g. the executors' memory on a cluster, or the driver's
    #: JVM options (``spark.driver.extraJavaOptions``, kept beside Socle's own).
    spark_proprietes: tuple[tuple[str, str], ...] = ()
    #: Whether a build also runs the dbt data tests (``SOCLE_TESTS_DONNEES``, default yes; ``non``:
    #: seeds and models only). Socle's quality gates run whatever this says. On Spark each test is
    #: a job (more than half of a small build); the test suite proves them on its integration and
    #: demo builds, and runs its other builds (faults, versions, orchestration) without them.
    tests_donnees: bool = True
    duckdb_fils: int | None = None
    duckdb_temp: Path | None = None
    #: Set by ``socle demo`` only (never from the environment): the one mode in which a missing
    #: ``SOCLE_PSEUDO_KEY`` is replaced by a local demo key (``pseudonymisation_key``).
    demo: bool = False
    #: Caps on one delivered file (``SOCLE_GZIP_MAX_BYTES``, ``SOCLE_GZIP_MAX_RATIO``,
    #: ``SOCLE_LINE_MAX_BYTES``), see ``MAX_DECOMPRESSED_BYTES`` above.
    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES
    max_gzip_ratio: int = MAX_GZIP_RATIO
    max_line_bytes: int = MAX_LINE_BYTES
    #: The SMTP server of every e-mail, CSE reports and alerts (``SOCLE_SMTP_HOTE``, ``_PORT``,
    #: ``_TLS``, ``_UTILISATEUR``, ``_MOT_DE_PASSE``, ``_EXPEDITEUR``), as written: checked by
    #: ``pipelines.core.mail.smtp_server`` (French errors). The alerts' variables of earlier
    #: versions (``SOCLE_ALERTE_SMTP_HOTE``, ``SOCLE_ALERTE_SMTP_PORT``, ``SOCLE_ALERTE_EXPEDITEUR``)
    #: are read when these are absent; their server had no TLS.
    smtp_hote: str | None = None
    smtp_port: str | None = None
    smtp_tls: str | None = None
    smtp_utilisateur: str | None = None
    smtp_mot_de_passe: str | None = field(default=None, repr=False)
    smtp_expediteur: str | None = None
    #: Failure alerts: webhook (``SOCLE_ALERTE_WEBHOOK``) and e-mail recipients
    #: (``SOCLE_ALERTE_DESTINATAIRES``, comma-separated).
    alerte_webhook: str | None = None
    alerte_destinataires: tuple[str, ...] = ()
    #: CSE reports: the TOML settings file (``SOCLE_RAPPORTS_CONFIG``), each region's list
    #: (``SOCLE_CSE_DESTINATAIRES_<région>``, as written) and the scheduled regions
    #: (``SOCLE_CSE_REGIONS``, as written; checked by ``pipelines.rapports.reglages``).
    rapports_config: Path | None = None
    cse_destinataires: Mapping[str, str] = field(default_factory=dict)
    cse_regions: str | None = None
    #: First month of the report partitions in Dagster (``SOCLE_PREMIER_MOIS``, AAAA-MM); dbt reads
    #: the same variable itself.
    premier_mois: str | None = None
    #: Misuse alerts sent to the establishments (``pipelines.rapports.diffusion_alertes``): each
    #: establishment's recipients (``SOCLE_ALERTES_FINALITE_DESTINATAIRES_<établissement>``, as
    #: written) and the first date dispatched by default (``SOCLE_ALERTES_FINALITE_DEPUIS``,
    #: AAAA-MM-JJ, as written; checked where it is used).
    finalite_destinataires: Mapping[str, str] = field(default_factory=dict)
    finalite_depuis: str | None = None
    #: Dashboards: users file (``SOCLE_UTILISATEURS``), sign-in mode (``SOCLE_AUTH``: ``fichier``
    #: or ``oidc``), access log (``SOCLE_JOURNAL_ACCES``); None: the file of that name under
    #: ``data_dir`` (``fichier_utilisateurs``, ``fichier_journal_acces``).
    utilisateurs: Path | None = None
    auth: str = "fichier"
    journal_acces: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """The settings of the environment (``environ``: another mapping, for tests), then the
        overrides that are not None."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SOCLE_DATA_DIR", DEFAULT_DATA_DIR))
        arrete = env.get("SOCLE_DATE_ARRETE") or None
        # One SMTP server; the alerts' own variables of earlier versions when it is not set.
        ancien_smtp = not (env.get("SOCLE_SMTP_HOTE") or "").strip() and (env.get("SOCLE_ALERTE_SMTP_HOTE") or "").strip()
        s = cls(
            data_dir=data_dir,
            inbox=Path(env.get("SOCLE_INBOX", data_dir / "inbox")),
            warehouse=Path(env.get("SOCLE_WAREHOUSE", data_dir / "socle.duckdb")),
            pseudo_key_file=Path(env.get("SOCLE_PSEUDO_KEY_FILE", _default_key_file(env))),
            date_arrete=date.fromisoformat(arrete) if arrete else None,
            seuil_secret=int(env.get("SOCLE_SEUIL_SECRET", SEUIL_SECRET_MIN)),
            versions_conservees=int(env.get("SOCLE_VERSIONS_CONSERVEES", 5)),
            methode_secret=env.get("SOCLE_SECRET_METHODE", "optimiseur"),
            duckdb_memoire=(env.get("SOCLE_DUCKDB_MEMOIRE") or "").strip() or None,
            moteur=(env.get("SOCLE_MOTEUR") or "duckdb").strip().lower(),
            spark_maitre=(env.get("SOCLE_SPARK_MAITRE") or "local[*]").strip(),
            spark_proprietes=proprietes_spark(env.get("SOCLE_SPARK_PROPRIETES") or ""),
            tests_donnees=(env.get("SOCLE_TESTS_DONNEES") or "oui").strip().lower() not in ("non", "0", "false"),
            duckdb_fils=int(v) if (v := (env.get("SOCLE_DUCKDB_FILS") or "").strip()) else None,
            duckdb_temp=Path(v) if (v := (env.get("SOCLE_DUCKDB_TEMP") or "").strip()) else None,
            max_decompressed_bytes=int(env.get("SOCLE_GZIP_MAX_BYTES", MAX_DECOMPRESSED_BYTES)),
            max_gzip_ratio=int(env.get("SOCLE_GZIP_MAX_RATIO", MAX_GZIP_RATIO)),
            max_line_bytes=int(env.get("SOCLE_LINE_MAX_BYTES", MAX_LINE_BYTES)),
            smtp_hote=env.get("SOCLE_ALERTE_SMTP_HOTE") if ancien_smtp else env.get("SOCLE_SMTP_HOTE"),
            smtp_port=env.get("SOCLE_SMTP_PORT") or (env.get("SOCLE_ALERTE_SMTP_PORT") if ancien_smtp else None),
            smtp_tls=env.get("SOCLE_SMTP_TLS") or ("aucun" if ancien_smtp else None),
            smtp_utilisateur=env.get("SOCLE_SMTP_UTILISATEUR"),
            smtp_mot_de_passe=env.get("SOCLE_SMTP_MOT_DE_PASSE"),
            smtp_expediteur=env.get("SOCLE_SMTP_EXPEDITEUR") or env.get("SOCLE_ALERTE_EXPEDITEUR"),
            alerte_webhook=(env.get("SOCLE_ALERTE_WEBHOOK") or "").strip() or None,
            alerte_destinataires=tuple(
                d.strip() for d in (env.get("SOCLE_ALERTE_DESTINATAIRES") or "").split(",") if d.strip()
            ),
            rapports_config=Path(c) if (c := (env.get("SOCLE_RAPPORTS_CONFIG") or "").strip()) else None,
            cse_destinataires={k.removeprefix(PREFIXE_CSE_DESTINATAIRES): v for k, v in env.items()
                               if k.startswith(PREFIXE_CSE_DESTINATAIRES)},
            cse_regions=env.get("SOCLE_CSE_REGIONS"),
            premier_mois=env.get("SOCLE_PREMIER_MOIS") or None,
            finalite_destinataires={k.removeprefix(PREFIXE_FINALITE_DESTINATAIRES): v for k, v in env.items()
                                    if k.startswith(PREFIXE_FINALITE_DESTINATAIRES)},
            finalite_depuis=(env.get("SOCLE_ALERTES_FINALITE_DEPUIS") or "").strip() or None,
            utilisateurs=Path(v) if (v := env.get("SOCLE_UTILISATEURS")) is not None else None,
            auth=env.get("SOCLE_AUTH", "fichier").strip().lower(),
            journal_acces=Path(v) if (v := env.get("SOCLE_JOURNAL_ACCES")) is not None else None,
        )
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(s, **overrides) if overrides else s

    @property
    def fichier_utilisateurs(self) -> Path:
        return self.utilisateurs or self.data_dir / "utilisateurs.toml"

    @property
    def fichier_journal_acces(self) -> Path:
        return self.journal_acces or self.data_dir / "journal_acces.jsonl"

    @property
    def work_dir(self) -> Path:
        """Where a build works before publication (next to the published file)."""
        return self.warehouse.parent / f".{self.warehouse.stem}-travail"

    @property
    def work_warehouse(self) -> Path:
        return self.work_dir / self.warehouse.name

    @property
    def duckdb_config(self) -> dict[str, str]:
        """DuckDB settings of the build's connections (``connect(..., config=)``, and dbt's
        profile through ``pipelines.dbt_runner``)."""
        config = {"memory_limit": self.duckdb_memoire or "50%",
                  "temp_directory": str(self.duckdb_temp or self.work_dir / "duckdb_temp")}
        config["threads"] = str(self.duckdb_fils or os.cpu_count() or 1)
        return config


#: Shortest key accepted, in bytes (UTF-8). Whoever holds the warehouse and one identifier in clear
#: can test guessed keys against its pseudonym, then re-identify everyone: the key must be too
#: long to guess (``token_hex(32)`` gives 64 random characters).
LONGUEUR_CLE_MIN = 32

#: How to make a key, quoted in the error messages.
COMMANDE_CLE = 'python -c "import secrets; print(secrets.token_hex(32))"'


class CleDePseudonymisationError(ValueError):
    """The pseudonymisation key is missing or too short; the message (French) says what to do and
    never quotes the key."""


def pseudonymisation_key(settings: Settings | None = None) -> bytes:
    """The HMAC key: ``SOCLE_PSEUDO_KEY``, at least ``LONGUEUR_CLE_MIN`` bytes.

    Without it, only ``socle demo`` (``settings.demo``) uses a local demo key, created on first
    use: anywhere else a generated key would silently give the same people new pseudonyms
    (issue 11), so it is an error. The key is never logged nor written to the warehouse.
    """
    settings = settings or Settings.from_env()
    env_key = os.environ.get("SOCLE_PSEUDO_KEY")
    if env_key:
        return _long_enough(env_key.encode("utf-8"), "la clé SOCLE_PSEUDO_KEY")
    if not settings.demo:
        raise CleDePseudonymisationError(
            "SOCLE_PSEUDO_KEY est obligatoire : c'est la clé secrète de pseudonymisation (au moins "
            f"{LONGUEUR_CLE_MIN} octets), la même à chaque construction. Pour en créer une : "
            f"{COMMANDE_CLE} ; gardez-la hors du dépôt et hors de l'entrepôt (docs/exploitation.md). "
            "Seule « socle demo » crée une clé de démonstration."
        )
    path = settings.pseudo_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return _long_enough(path.read_text().strip().encode("utf-8"), f"la clé de démonstration ({path})")


def _long_enough(key: bytes, source: str) -> bytes:
    if len(key) < LONGUEUR_CLE_MIN:
        # the length only: the key itself is never quoted
        raise CleDePseudonymisationError(
            f"{source} est trop courte : {len(key)} octets, il en faut au moins {LONGUEUR_CLE_MIN}. "
            f"Pour créer une clé : {COMMANDE_CLE}."
        )
    return key
