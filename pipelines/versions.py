"""Published versions: the publication file, archive, journal, rollback.

The published file is not the warehouse: it is a **publication file** written from the build's
work copy with only what readers need (``ecrire_fichier_publication``: indicator cells, internal
and published, dictionary, date d'arrêté, quality results, references, the disclosure method and
its proofs, the journal, the agencies' hierarchy) and no person-level row. The raw, staging and
intermediate layers stay in the build's work copy (``Settings.work_warehouse``, the internal
warehouse), which is never published nor archived.

Every publication keeps a byte-identical copy of the published file in ``<warehouse dir>/versions/``
(``<stem>_<id>.duckdb``, the last ``Settings.versions_conservees`` are kept) and appends one line to
the journal ``<warehouse dir>/publications.jsonl``: id, time, date d'arrêté, files included, quality
status, secret threshold, SHA-256 of the file. The same record (without the hash, which a file cannot
hold about itself) is written into the warehouse before publication, table ``publication.journal``,
so that a published file carries its own lineage.

``restaurer`` puts an archived version back, with the same atomic swap as a publication, under the
build lock, and takes the work copy back to it: the loads after that version leave its raw layer,
so the next build starts from the restored state (files loaded after that version are seen as new
again and re-ingested — ingestion is idempotent — and a file removed from the inbox meanwhile is
really gone).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipelines.core import lecture
from pipelines.core.files import append_jsonl, copy_hashed, fsync_dir, read_jsonl, sha256_file
from pipelines.core.settings import Settings
from pipelines.core.warehouse import (
    SCHEMA_RAW_ENTREPOT,
    build_lock,
    ensure_raw_schema,
    entrepot_entier,
    lac_brut,
    supprimer_lots_brut,
    table_exists,
    texte_sql,
)

JOURNAL_NAME = "publications.jsonl"
VERSIONS_DIRNAME = "versions"

#: What the publication file holds: every table of these schemas of the work copy — the
#: published view and its journal (``publication``), quality results (``qualite``), references
#: (``referentiel``), the optimiser's proofs (``secret``, cell-level) — and, by name, the marts
#: readers open (cells, internal for the regional directors; dictionary; date d'arrêté; not the
#: per-family marts, the same cells again, nor any later mart before it is listed here) and the
#: agencies' hierarchy the disclosure audit rebuilds its equations from, and the alert rules'
#: aggregates of the « Règles d'alerte » page (no person, agent nor alert identifier in them).
#: Nothing of ``raw``, ``quarantine``, ``staging`` nor the rest of ``intermediate``, and never
#: ``marts.alertes_generees`` (one row per agent and person): rows about persons, episodes or
#: agents never leave the work copy.
SCHEMAS_PUBLIES = ("publication", "qualite", "referentiel", "secret")
TABLES_PUBLIEES = (
    ("marts", "indicateurs"),
    ("marts", "dictionnaire"),
    ("marts", "arrete"),
    ("marts", "precision_regles"),
    ("marts", "simulation_seuils"),
    ("marts", "equite_jugement_alertes"),
    ("marts", "volume_alertes"),
    ("intermediate", "int_territoires__agences"),
)
#: Schemas whose rows carry the load that brought them: a rollback removes the later loads.
_SCHEMAS_CHARGEMENTS = ("raw", SCHEMA_RAW_ENTREPOT, "quarantine", "qualite")


class VersionError(RuntimeError):
    """A versioning operation cannot be done; the message (in French) says why."""


@dataclass
class Version:
    """An archived published version (a file in ``versions/``) and what the journal says of it."""

    id: str
    chemin: Path
    horodatage: datetime | None = None
    date_arrete: date | None = None
    fichiers: int | None = None
    qualite: str | None = None
    seuil_secret: int | None = None
    sha256: str | None = None
    courante: bool = False
    entree: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- paths and journal


def versions_dir(settings: Settings) -> Path:
    return settings.warehouse.parent / VERSIONS_DIRNAME


def journal_path(settings: Settings) -> Path:
    return settings.warehouse.parent / JOURNAL_NAME


def version_path(settings: Settings, version_id: str) -> Path:
    return versions_dir(settings) / f"{settings.warehouse.stem}_{version_id}{settings.warehouse.suffix}"


def lire_journal(settings: Settings) -> list[dict]:
    """Journal entries of this warehouse, oldest first (a truncated last line — crash — is skipped)."""
    # Several warehouses may share a directory: keep the entries of this one.
    return [e for e in read_jsonl(journal_path(settings)) if e.get("entrepot") == settings.warehouse.name]


def _append_journal(settings: Settings, entry: dict) -> None:
    append_jsonl(journal_path(settings), entry)


def _new_id(settings: Settings, now: datetime) -> str:
    base = now.strftime("%Y%m%dT%H%M%S")
    taken = {e.get("id") for e in lire_journal(settings)}
    candidate, n = base, 1
    while candidate in taken or version_path(settings, candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# --------------------------------------------------------------------------- file operations


def _a_cote(published: Path) -> Path:
    """Where a new published file is written before it takes the published name (same folder:
    the rename is atomic)."""
    published.parent.mkdir(parents=True, exist_ok=True)
    return published.with_name(f".{published.name}.publication")


def _installer(tmp: Path, published: Path) -> None:
    """Rename ``tmp`` (written by ``_a_cote``) over ``published``: readers see the old file or the
    new one, never a partial one (a reader that has the old file open keeps reading it)."""
    os.replace(tmp, published)
    fsync_dir(published.parent)


def _swap_in(src: Path, published: Path) -> str:
    """Copy ``src`` beside ``published`` then rename it over (``_installer``); returns its hash."""
    tmp = _a_cote(published)
    try:
        digest = copy_hashed(src, tmp)
        _installer(tmp, published)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def ecrire_fichier_publication(work: Path, dest: Path) -> Path:
    """Write ``dest`` (a new DuckDB file) with the tables of ``work`` that readers need
    (``SCHEMAS_PUBLIES``, ``TABLES_PUBLIEES``), under the same names. Returns ``dest``."""
    import duckdb

    dest.unlink(missing_ok=True)
    dest.with_name(dest.name + ".wal").unlink(missing_ok=True)
    con = duckdb.connect(str(dest))
    try:
        con.execute(f"attach {texte_sql(work)} as interne (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'interne' "
            "and (schema_name in (select unnest(?::varchar[])) "
            "or (schema_name, table_name) in (select unnest(?::varchar[]), unnest(?::varchar[]))) "
            "order by schema_name, table_name",
            [list(SCHEMAS_PUBLIES), [s for s, _ in TABLES_PUBLIEES], [t for _, t in TABLES_PUBLIEES]],
        ).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select * from interne."{schema}"."{table}"')
        con.execute("detach interne")
        con.execute("checkpoint")
    finally:
        con.close()
    return dest


def _ramener_copie_de_travail(work: Path, restauree: Path, dernier_id_chargement: int | None) -> None:
    """Take the work copy back to a restored version: the loads after its last one leave the raw
    layer, the quarantine and the quality gates' record (seen as new, they are ingested and
    checked again), and the journal in the work copy becomes the restored file's. Models and
    view are recomputed by the next build anyway."""
    import duckdb

    dernier = -1 if dernier_id_chargement is None else int(dernier_id_chargement)
    con = duckdb.connect(str(work))
    try:
        colonnes = con.execute(
            "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.table_schema in (select unnest(?::varchar[])) "
            "and c.column_name in ('id_chargement', '_id_chargement')",
            [list(_SCHEMAS_CHARGEMENTS)],
        ).fetchall()
        for schema, table, colonne in colonnes:
            con.execute(f'delete from "{schema}"."{table}" where "{colonne}" > ?', [dernier])
        supprimer_lots_brut(lac_brut(work), dernier)
        ensure_raw_schema(con)
        con.execute(f"attach {texte_sql(restauree)} as restauree (read_only)")
        con.execute(_JOURNAL_DDL)
        con.execute("delete from publication.journal")
        if con.execute(
            "select count(*) from information_schema.tables where table_catalog = 'restauree' "
            "and table_schema = 'publication' and table_name = 'journal'"
        ).fetchall()[0][0]:
            con.execute("insert into publication.journal select * from restauree.publication.journal")
        con.execute("detach restauree")
        con.execute("checkpoint")
    finally:
        con.close()


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"taille": st.st_size, "mtime_ns": st.st_mtime_ns}


# --------------------------------------------------------------------------- what a version holds


def resume_qualite(con) -> dict | None:
    """Quality status of the last quality run in the warehouse (as the journal records it), or
    None if the gates did not run (:func:`pipelines.core.lecture.statut_qualite`)."""
    s = lecture.statut_qualite(con)
    return s.resume() if s else None


def decrire_entrepot(path: Path) -> dict:
    """Date d'arrêté, files loaded (count, fingerprint, list) and quality summary of a warehouse."""
    with lecture.ouvrir(path) as con:
        return _decrire(con)


def _decrire(con) -> dict:
    arrete = lecture.date_arrete(con)
    fichiers: list[tuple] = []
    if table_exists(con, "raw", "_fichiers"):
        fichiers = con.execute(
            "select id_chargement, fichier, hash_contenu from raw._fichiers "
            "where statut = 'CHARGE' order by id_chargement"
        ).fetchall()
    empreinte = hashlib.sha256("\n".join(f"{i}:{f}:{h}" for i, f, h in fichiers).encode()).hexdigest()
    return {
        "date_arrete": arrete.isoformat() if arrete else None,
        "fichiers": [{"id_chargement": i, "fichier": f, "hash_contenu": h} for i, f, h in fichiers],
        "fichiers_empreinte": empreinte,
        "qualite": resume_qualite(con),
    }


_JOURNAL_DDL = """
create schema if not exists publication;
create table if not exists publication.journal (
    id varchar not null,
    type varchar not null,
    horodatage timestamp not null,
    version_precedente varchar,
    date_arrete date,
    fichiers_nombre bigint,
    fichiers_empreinte varchar,
    dernier_id_chargement bigint,
    qualite json,
    seuil_secret integer
)
"""


def _inscrire_dans_entrepot(work: Path, entry: dict, published_ids: set[str] | None) -> None:
    """Write the publication's record into ``publication.journal`` of the work copy (before the
    copy is published). Records of publications that never completed (a crash between this write
    and the swap) are dropped: the JSON Lines journal is the authority on what was published."""
    import duckdb

    con = duckdb.connect(str(work))
    try:
        con.execute(_JOURNAL_DDL)
        if published_ids is not None:
            con.execute(
                "delete from publication.journal where id not in (select unnest(?::varchar[]))",
                [sorted(published_ids)],
            )
        con.execute(
            "insert into publication.journal values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                entry["id"], entry["type"], entry["horodatage"], entry.get("version_precedente"),
                entry["date_arrete"], entry["fichiers"]["nombre"], entry["fichiers"]["empreinte"],
                entry["fichiers"]["dernier_id_chargement"],
                json.dumps(entry["qualite"], ensure_ascii=False) if entry["qualite"] is not None else None,
                entry["seuil_secret"],
            ],
        )
        con.execute("checkpoint")
    finally:
        con.close()


def _retirer_de_entrepot(work: Path, version_id: str) -> None:
    import duckdb

    try:
        con = duckdb.connect(str(work))
        try:
            con.execute("delete from publication.journal where id = ?", [version_id])
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - best effort on the error path; the original error matters
        pass


# --------------------------------------------------------------------------- public API


def version_courante(settings: Settings, entries: list[dict] | None = None) -> str | None:
    """Id of the version the published file is, or None if unknown.

    The last journal entry says it; its size and mtime are checked against the file (cheap). When
    they differ (the file was replaced by something else), the file's hash is matched against the
    archived versions."""
    entries = lire_journal(settings) if entries is None else entries
    published = settings.warehouse
    if not published.exists():
        return None
    if entries:
        last = entries[-1]
        if last.get("fichier_publie") == _stamp(published):
            return last.get("version")
    digest = sha256_file(published)
    for e in reversed(entries):
        if e.get("sha256") == digest:
            return e.get("version")
    return None


def publier_version(settings: Settings, work_path: Path) -> dict:
    """Publish ``work_path`` as the new warehouse, archive it, journal it, prune old versions.

    The caller holds the build lock. Returns the journal entry."""
    work_path = Path(work_path)
    now = datetime.now().replace(microsecond=0)
    entries = lire_journal(settings)
    version_id = _new_id(settings, now)
    info = decrire_entrepot(work_path)
    precedente = version_courante(settings, entries) if settings.warehouse.exists() else None
    # Files loaded since the version this build started from: ids of the registry only grow
    # within one lineage (the work copy descends from the published file).
    dernier_precedent = -1
    for e in reversed(entries):
        if e.get("version") == precedente and e.get("type") == "publication":
            dernier_precedent = e["fichiers"].get("dernier_id_chargement") or -1
            break
    fichiers = info["fichiers"]
    entry = {
        "id": version_id,
        "type": "publication",
        "version": version_id,
        "entrepot": settings.warehouse.name,
        "horodatage": now.isoformat(),
        "version_precedente": precedente,
        "date_arrete": info["date_arrete"],
        "fichiers": {
            "nombre": len(fichiers),
            "empreinte": info["fichiers_empreinte"],
            "dernier_id_chargement": max((f["id_chargement"] for f in fichiers), default=None),
            # The full list is in the file itself (raw._fichiers); the journal keeps what is new.
            "nouveaux": [f for f in fichiers if f["id_chargement"] > dernier_precedent],
        },
        "qualite": info["qualite"],
        "seuil_secret": settings.seuil_secret,
    }
    published_ids = {e["id"] for e in entries if e.get("type") == "publication"}
    # Without a journal next to an existing published file (journal moved away), keep the
    # file's lineage as it is rather than wipe it.
    _inscrire_dans_entrepot(
        work_path, entry, published_ids if (published_ids or not settings.warehouse.exists()) else None
    )
    archive = version_path(settings, version_id)
    archive_tmp = archive.with_name(archive.name + ".copie")
    # written beside the published file, then renamed over it: no second copy
    fichier = _a_cote(settings.warehouse)
    try:
        ecrire_fichier_publication(work_path, fichier)
        # The archive is copied first (under a temporary name), so that a failure leaves the
        # published file untouched; it takes its final name once the swap is done.
        digest = copy_hashed(fichier, archive_tmp)
        _installer(fichier, settings.warehouse)
        os.replace(archive_tmp, archive)
        fsync_dir(archive.parent)
    except BaseException:
        archive_tmp.unlink(missing_ok=True)
        _retirer_de_entrepot(work_path, version_id)
        raise
    finally:
        fichier.unlink(missing_ok=True)
    entry["sha256"] = digest
    entry["archive"] = archive.name
    entry["fichier_publie"] = _stamp(settings.warehouse)
    _append_journal(settings, entry)
    elaguer(settings)
    return entry


def elaguer(settings: Settings) -> list[Path]:
    """Delete archived versions beyond the last ``versions_conservees`` (never the current one)."""
    for stale in versions_dir(settings).glob(f"{settings.warehouse.stem}_*.copie"):
        stale.unlink(missing_ok=True)  # left by a publication killed midway
    keep = max(1, settings.versions_conservees)
    courante = version_courante(settings)
    versions = _archives(settings)
    removed = []
    for vid, path in sorted(versions.items())[:-keep] if len(versions) > keep else []:
        if vid == courante:
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _archives(settings: Settings) -> dict[str, Path]:
    folder = versions_dir(settings)
    if not folder.is_dir():
        return {}
    stem, suffix = re.escape(settings.warehouse.stem), re.escape(settings.warehouse.suffix)
    pattern = re.compile(rf"^{stem}_(\d{{8}}T\d{{6}}(?:-\d+)?){suffix}$")
    out = {}
    for p in folder.iterdir():
        m = pattern.match(p.name)
        if m:
            out[m.group(1)] = p
    return out


def lister_versions(settings: Settings) -> list[Version]:
    """Archived versions, newest first, with what the journal says of each and the current marker."""
    entries = lire_journal(settings)
    by_id = {e["id"]: e for e in entries if e.get("type") == "publication"}
    courante = version_courante(settings, entries)
    out = []
    for vid, path in sorted(_archives(settings).items(), reverse=True):
        e = by_id.get(vid, {})
        q = e.get("qualite")
        out.append(
            Version(
                id=vid,
                chemin=path,
                horodatage=datetime.fromisoformat(e["horodatage"]) if e.get("horodatage") else None,
                date_arrete=date.fromisoformat(e["date_arrete"]) if e.get("date_arrete") else None,
                fichiers=(e.get("fichiers") or {}).get("nombre"),
                qualite=q.get("statut") if isinstance(q, dict) else None,
                seuil_secret=e.get("seuil_secret"),
                sha256=e.get("sha256"),
                courante=vid == courante,
                entree=e,
            )
        )
    return out


def restaurer(settings: Settings, version_id: str | None = None) -> dict:
    """Put an archived version back as the published warehouse (default: the one before the
    current). Atomic swap under the build lock; the work copy is reset from the restored file.
    Journals a ``retour_arriere`` entry and returns it. Raises ``VersionError`` (French)."""
    with build_lock(settings):
        versions = lister_versions(settings)
        if not versions:
            raise VersionError(
                f"aucune version archivée de {settings.warehouse.name} dans {versions_dir(settings)} : "
                "rien à restaurer."
            )
        courante = next((v for v in versions if v.courante), None)
        if version_id is None:
            if courante is None:
                raise VersionError(
                    "la version actuellement publiée est inconnue du journal ; précisez la version "
                    "à restaurer (--version, voir « socle publications »)."
                )
            older = [v for v in versions if v.id < courante.id]
            if not older:
                raise VersionError(
                    f"aucune version antérieure à la version courante {courante.id} : rien à restaurer."
                )
            cible = older[0]
        else:
            cible = next((v for v in versions if v.id == version_id), None)
            if cible is None:
                ids = ", ".join(v.id for v in versions)
                raise VersionError(f"version {version_id} introuvable ; versions disponibles : {ids}.")
            if courante is not None and cible.id == courante.id:
                raise VersionError(f"la version {cible.id} est déjà la version publiée.")

        # Never put back a damaged archive: check it against the hash recorded at publication.
        if cible.sha256 and sha256_file(cible.chemin) != cible.sha256:
            raise VersionError(
                f"l'archive {cible.chemin} ne correspond plus à l'empreinte enregistrée à sa "
                "publication (fichier altéré) : restauration refusée."
            )
        digest = _swap_in(cible.chemin, settings.warehouse)
        # The next build starts from the restored state, not from the work copy of the version
        # being withdrawn (which may hold the bad delivery).
        work = settings.work_warehouse
        if entrepot_entier(settings.warehouse):
            # a version published before the publication file: the whole warehouse, copied back.
            # A stale write-ahead log of the old work copy would be replayed onto it: removed first.
            work.with_name(work.name + ".wal").unlink(missing_ok=True)
            work_tmp = work.with_name(work.name + ".copie")
            copy_hashed(settings.warehouse, work_tmp)
            os.replace(work_tmp, work)
            # its raw rows are all in the file: the lake's (same loads, or later ones) go
            supprimer_lots_brut(lac_brut(work), -1)
        elif work.exists():
            _ramener_copie_de_travail(work, settings.warehouse, (cible.entree.get("fichiers") or {}).get("dernier_id_chargement"))

        now = datetime.now().replace(microsecond=0)
        entry = {
            "id": _new_id(settings, now),
            "type": "retour_arriere",
            "version": cible.id,
            "entrepot": settings.warehouse.name,
            "horodatage": now.isoformat(),
            "version_precedente": courante.id if courante else None,
            "date_arrete": cible.date_arrete.isoformat() if cible.date_arrete else None,
            "sha256": digest,
            "fichier_publie": _stamp(settings.warehouse),
        }
        _append_journal(settings, entry)
        return entry
