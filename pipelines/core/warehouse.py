"""DuckDB warehouse: connections and the layout of the raw layer.

DuckDB allows one writer per file across processes, and a read-only connection cannot sit next to
a read-write one in the same process: open a connection, use it, close it (``with connect(...)``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.core.contract import EXPORTS, Export
from pipelines.core.files import copy_file
from pipelines.core.settings import Settings

#: Technical columns added to every raw table (after the contract's columns).
RAW_META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_id_chargement", "BIGINT"),  # the load (row of raw._fichiers) that brought the row
    ("_fichier", "VARCHAR"),  # file name, relative to the inbox
    ("_ligne", "BIGINT"),  # line in the file (CSV: the header is line 1) or row number (Parquet)
    ("_date_extraction", "DATE"),  # from the file name
    ("_sequence", "INTEGER"),  # from the file name (0 when absent)
)
#: Raw column of earlier versions that kept the columns out of the contract as received (names,
#: NIR and e-mails were found in it): dropped, with what it held, from any warehouse opened.
_COLONNE_RETIREE = "_colonnes_extra"


@contextmanager
def connect(path: Path | str, read_only: bool = False, config: dict[str, str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """``config``: DuckDB settings (``Settings.duckdb_config`` in a build: memory limit, threads,
    temp directory)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # fetchall, not fetchone: DuckDB keeps a partly fetched result open on the connection.
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


# ------------------------------------------------------------------------------------------------
# One build at a time, on a private work copy
# ------------------------------------------------------------------------------------------------


class BuildError(RuntimeError):
    """A build step failed; the message (in French) says which step and where."""

    def __init__(self, step: str, message: str):
        super().__init__(f"Échec de l'étape « {step} » : {message}")
        self.step = step


class BuildLocked(BuildError):
    pass


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """One build at a time per warehouse: a second one refuses at once, with a clear message."""
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    lock_path = settings.work_dir / "build.lock"
    fh = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(
                "verrou",
                f"une autre construction de {settings.warehouse} est en cours (verrou {lock_path}) ; "
                "réessayez quand elle sera terminée.",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def prepare_work_warehouse(settings: Settings) -> Path:
    """The build's private copy, the internal warehouse: it keeps the raw layer between builds and
    is never published (the published file holds no person-level row, ``pipelines.versions``).
    If it is missing (first build, or a wiped work dir) the build starts empty and ingests the
    whole inbox; but a published file of earlier versions, the whole warehouse, is its start."""
    work = settings.work_warehouse
    if not work.exists() and settings.warehouse.exists() and entrepot_entier(settings.warehouse):
        copy_file(settings.warehouse, work)
    work.parent.mkdir(parents=True, exist_ok=True)
    return work


def entrepot_entier(path: Path) -> bool:
    """Whether a DuckDB file holds the raw layer: a whole warehouse (as published before the
    publication file existed), not a publication file."""
    with connect(path, read_only=True) as con:
        return table_exists(con, "raw", "_fichiers")


# ------------------------------------------------------------------------------------------------
# The raw layer
# ------------------------------------------------------------------------------------------------


#: Schema of the raw rows kept inside the warehouse file: warehouses of earlier versions (their
#: raw tables are moved there when opened) and rows written directly (tests). The ingestion writes
#: to the lake; ``raw.<export>`` is the view of both.
SCHEMA_RAW_ENTREPOT = "raw_entrepot"
def partition_lac(export: Export) -> str:
    """Partition key of an export's lake folder: the delivery (extraction) date for a log (no key,
    one large file a day: ``date_livraison=AAAA-MM-JJ``), its month for the others
    (``mois_livraison=AAAA-MM``): daily partitions of small daily files would make thousands of
    tiny files (9,392 for the demo, ingestion 13 times slower)."""
    return "date_livraison" if export.key is None else "mois_livraison"


def lac_brut(warehouse: Path | str) -> Path:
    """The raw layer's lake of a warehouse file, beside it (``socle.lac/`` for ``socle.duckdb``):
    ``<export>/<partition>/lot_<first load>_<last load>[_<part>].parquet``, append-only
    (``partition_lac``)."""
    return Path(warehouse).with_suffix(".lac")


def lac_de(con: duckdb.DuckDBPyConnection) -> Path:
    """The raw lake of the warehouse file ``con`` is open on."""
    (chemin,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()  # type: ignore[misc]
    return lac_brut(Path(chemin).resolve())


def texte_sql(valeur: str | Path) -> str:
    """A text (a path) as a quoted SQL literal."""
    return "'" + str(valeur).replace("'", "''") + "'"


def raw_columns(export: Export) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a raw table: the contract's columns, then the technical ones."""
    return [(c.name, c.duckdb_type) for c in export.columns] + list(RAW_META_COLUMNS)


def raw_table_ddl(export: Export) -> str:
    cols = [f'"{n}" {t}' for n, t in raw_columns(export)]
    return f"create table if not exists {SCHEMA_RAW_ENTREPOT}.{export.name} (\n    " + ",\n    ".join(cols) + "\n)"


def _fichiers_lac(lac: Path, export: str) -> list[Path]:
    return sorted((lac / export).glob("*=*/lot_*.parquet"))


def _ids_lot(fichier: Path) -> tuple[int, int]:
    _, premier, dernier, *_ = fichier.stem.split("_")
    return int(premier), int(dernier)


def ecrire_lot_brut(con: duckdb.DuckDBPyConnection, export: Export, relation: str, suffixe: str = "") -> list[Path]:
    """Write the rows of ``relation`` (a registered frame with the raw columns) to the lake, one
    Parquet file per delivery date, typed as the raw table. Rows are visible through
    ``raw.<export>`` only once their loads are in the registry (``rafraichir_vues_brutes``)."""
    lac = lac_de(con)
    ids = con.execute(f"select min(_id_chargement), max(_id_chargement) from {relation}").fetchone()
    if ids is None or ids[0] is None:
        return []
    colonnes = ", ".join(f'cast("{n}" as {t}) as "{n}"' for n, t in raw_columns(export))
    # one pass, every partition at once; the loads' ids in the names (rollback, crash recovery)
    part = partition_lac(export)
    expr = "strftime(_date_extraction, '%Y-%m-%d')" if export.key is None else "strftime(_date_extraction, '%Y-%m')"
    prefixe = f"lot_{ids[0]}_{ids[1]}{'_' + suffixe if suffixe else ''}"
    dossier = lac / export.name
    dossier.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy (select {colonnes}, coalesce({expr}, 'inconnue') as {part} from {relation}) to {texte_sql(str(dossier))} "
        f"(format parquet, partition_by ({part}), filename_pattern '{prefixe}_{{uuid}}', append)"
    )
    ecrits = sorted(dossier.glob(f"*=*/{prefixe}_*.parquet"))
    return ecrits


def supprimer_lots_brut(lac: Path, apres: int) -> int:
    """Remove the lake files of loads after ``apres`` (a rollback, or files a crashed run wrote
    before registering their loads: their ids are given again). Returns the number removed."""
    n = 0
    if not lac.is_dir():
        return 0
    for dossier in sorted(p for p in lac.iterdir() if p.is_dir()):
        for fichier in _fichiers_lac(lac, dossier.name):
            if _ids_lot(fichier)[1] > apres:
                fichier.unlink()
                n += 1
    return n


def rafraichir_vues_brutes(con: duckdb.DuckDBPyConnection, exports: list[Export] | None = None) -> None:
    """``raw.<export>``: the rows kept in the file (``raw_entrepot``) and those of the lake whose
    load is registered as loaded (a file written by a run that crashed before registering its
    loads stays invisible)."""
    lac = lac_de(con)
    for export in EXPORTS.values() if exports is None else exports:
        sql = f"select * from {SCHEMA_RAW_ENTREPOT}.{export.name}"
        if _fichiers_lac(lac, export.name):
            motif = texte_sql(str(lac / export.name / "*=*" / "lot_*.parquet"))
            sql += (
                f"\nunion all by name\nselect * from read_parquet({motif}, union_by_name = true, hive_partitioning = false)"
                "\nwhere _id_chargement in (select id_chargement from raw._fichiers where statut = 'CHARGE')"
            )
        con.execute(f"create or replace view raw.{export.name} as\n{sql}")


def _deplacer_tables_brutes(con: duckdb.DuckDBPyConnection) -> None:
    """Earlier layout: ``raw.<export>`` was a table of the file; its rows move to ``raw_entrepot``
    (and what ``_colonnes_extra`` held goes)."""
    tables = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' and table_type = 'BASE TABLE'"
    ).fetchall()}
    for export in EXPORTS.values():
        if export.name in tables:
            con.execute(f'alter table raw.{export.name} drop column if exists "{_COLONNE_RETIREE}"')
            con.execute(f"insert into {SCHEMA_RAW_ENTREPOT}.{export.name} by name select * from raw.{export.name}")
            con.execute(f"drop table raw.{export.name}")


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and quarantine schemas, tables and views if absent (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute(f"create schema if not exists {SCHEMA_RAW_ENTREPOT}")
    con.execute("create schema if not exists quarantine")
    for export in EXPORTS.values():
        con.execute(raw_table_ddl(export))
    _deplacer_tables_brutes(con)
    con.execute(
        """
        create table if not exists raw._fichiers (
            id_chargement bigint primary key,
            export varchar not null,
            fichier varchar not null,          -- path relative to the inbox
            hash_contenu varchar not null,     -- SHA-256 of the file's bytes
            date_extraction date,
            sequence integer,
            format varchar,
            lignes_lues bigint not null,
            lignes_chargees bigint not null,
            lignes_quarantaine bigint not null,
            statut varchar not null,           -- CHARGE, REJETE
            motif varchar,                     -- reason of a whole-file rejection
            charge_le timestamp not null,
            colonnes_ignorees varchar          -- delivered columns out of the contract, not stored
        )
        """
    )
    # last, as on a registry created before the column existed
    con.execute("alter table raw._fichiers add column if not exists colonnes_ignorees varchar")
    con.execute(
        """
        create table if not exists quarantine.lignes (
            id_chargement bigint not null,
            export varchar not null,
            fichier varchar not null,
            ligne bigint not null,
            colonne varchar,                   -- first faulty column (null: the whole line)
            motif varchar not null,            -- every fault of the line, in French
            contenu json                       -- the line as received, identifiers pseudonymised
        )
        """
    )
    # Lake files of loads never registered (a run killed before registering them, perhaps in the
    # middle of writing one: no Parquet footer) go before any view reads them; their load ids are
    # given again by the next run.
    dernier = con.execute("select coalesce(max(id_chargement), 0) from raw._fichiers").fetchone()[0]  # type: ignore[index]
    supprimer_lots_brut(lac_de(con), dernier)
    rafraichir_vues_brutes(con)
