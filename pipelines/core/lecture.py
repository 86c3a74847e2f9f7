"""The reader of the published file: cells, dictionary, references, date d'arrêté, journal and
quality status, read-only.

Dashboards, reports, exports, quality and versions read the warehouse through this module: one way
to open it (:func:`ouvrir`, :func:`connexion`), one query per thing read. The functions take an open
connection (or a cursor of one) and return Polars frames, dicts or scalars; a table the file does
not hold gives ``None`` (the caller says what that means to its user). Scoping to a reader's
perimeter is not done here: ``dashboards.data`` applies it on top of these queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.core.warehouse import table_exists

#: The published view (after statistical secret) and the internal table of figures.
TABLE_PUBLIEE = "publication.indicateurs"
TABLE_INTERNE = "marts.indicateurs"
#: Columns of a cell (the indicator contract), in the contract's order; ``secret`` is added on the
#: published view. ``motif_secret`` is never read: telling primary from secondary secret would say
#: which hidden cells are small.
COLONNES_CELLULE = ("indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite",
                    "numerateur", "denominateur", "valeur", "unite", "provisoire")
#: Order of the types of period: the months, then the quarters, then the 12-month totals.
ORDRE_TYPES_PERIODE = ("mois", "trimestre", "cumul_12_mois")

#: Quality statuses of a run (``qualite.executions.statut``).
OK, AVERTISSEMENTS, BLOQUE = "OK", "AVERTISSEMENTS", "BLOQUE"
#: Severities of a quality check (``qualite.resultats.severite``).
SEVERITE_BLOQUANT, SEVERITE_AVERTISSEMENT = "bloquant", "avertissement"


class EntrepotIndisponible(RuntimeError):
    """The warehouse cannot be read; the message is for the user, in French."""


# --------------------------------------------------------------------------------------------
# Opening the file


def entrepot_absent(path: Path) -> EntrepotIndisponible:
    """The error of a missing published file (what to run, and where the file was expected)."""
    return EntrepotIndisponible(
        "Aucun entrepôt publié : lancez `socle construire` pour construire et publier l'entrepôt "
        f"(fichier attendu : {path})."
    )


def connexion(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file (the caller closes it); French errors. Nothing is
    created: a missing file is an error, never an empty warehouse."""
    path = Path(path)
    if not path.exists():
        raise entrepot_absent(path)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise EntrepotIndisponible(
                f"L'entrepôt {path} est verrouillé par un autre processus (un traitement écrit "
                "dedans). Les traitements publient une copie : ouvrez le fichier publié, ou "
                "réessayez dans un instant."
            ) from exc
        raise EntrepotIndisponible(f"Impossible d'ouvrir l'entrepôt {path} : {exc}") from exc
    except duckdb.Error as exc:
        raise EntrepotIndisponible(f"Impossible d'ouvrir l'entrepôt {path} : {exc}") from exc
    # A missing table must be an error, never a Python variable of the same name.
    con.execute("set python_enable_replacements = false")
    return con


@contextmanager
def ouvrir(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """``with ouvrir(path) as con``: the file read-only, closed on exit."""
    con = connexion(path)
    try:
        yield con
    finally:
        con.close()


def table_existe(con, nom: str) -> bool:
    """Whether the file holds ``schema.table``."""
    schema, table = nom.split(".")
    return table_exists(con, schema, table)


def _frame(con, sql: str, params: Sequence = ()) -> pl.DataFrame:
    return con.sql(sql, params=list(params)).pl()


# --------------------------------------------------------------------------------------------
# Cells


def cellules(
    con,
    *,
    publie: bool = True,
    indicateurs: Sequence[str] | None = None,
    niveaux: Sequence[str] | None = None,
    territoires: Sequence[str] | None = None,
    types_periode: Sequence[str] | None = None,
    depuis: date | None = None,
) -> pl.DataFrame:
    """Cells of the published view (``publie``, with its ``secret`` column) or of the internal
    table, filtered (every filter is a SQL parameter; None: no filter), ordered by indicator, type
    of period, period, level, territory, breakdown, modality."""
    table = TABLE_PUBLIEE if publie else TABLE_INTERNE
    colonnes = [*COLONNES_CELLULE, "secret"] if publie else list(COLONNES_CELLULE)
    ordre_type = " ".join(f"when '{t}' then {i}" for i, t in enumerate(ORDRE_TYPES_PERIODE))
    listes = (("indicateur", indicateurs), ("niveau", niveaux), ("territoire", territoires),
              ("type_periode", types_periode))
    conditions = " and ".join(f"(?::varchar[] is null or list_contains(?::varchar[], {c}))" for c, _ in listes)
    params: list = []
    for _, valeurs in listes:
        v = None if valeurs is None else list(valeurs)
        params += [v, v]
    return _frame(
        con,
        f"""select {', '.join(colonnes)} from {table}
            where {conditions} and (?::date is null or periode >= ?)
            order by indicateur, case type_periode {ordre_type} end, periode, niveau, territoire,
                     dimension, modalite""",
        params + [depuis, depuis],
    )


# --------------------------------------------------------------------------------------------
# What surrounds the cells


def date_arrete(con) -> date | None:
    """The date d'arrêté of the file (``marts.arrete``); None when absent."""
    if not table_existe(con, "marts.arrete"):
        return None
    rows = con.execute("select max(date_arrete) from marts.arrete").fetchall()
    return rows[0][0] if rows else None


def dictionnaire(con) -> pl.DataFrame | None:
    """The data dictionary (``marts.dictionnaire``: one row per indicator, by number); None for a
    file built before the dictionary was a table."""
    if not table_existe(con, "marts.dictionnaire"):
        return None
    return _frame(con, "select * from marts.dictionnaire order by numero")


def tableaux_non_diffuses(con) -> pl.DataFrame | None:
    """The tables the publication plan does not publish (``publication.plan_diffusion``, public:
    the design of the publication); None for a file published before the plan."""
    if not table_existe(con, "publication.plan_diffusion"):
        return None
    return _frame(con, "select indicateur, dimension, niveau, type_periode from publication.plan_diffusion "
                       "where not diffuse order by all")


def valeurs_reference(con) -> pl.DataFrame | None:
    """Published reference values (``referentiel.valeurs_reference``), with their source."""
    if not table_existe(con, "referentiel.valeurs_reference"):
        return None
    return _frame(con, "select * from referentiel.valeurs_reference order by indicateur, niveau, territoire, annee")


def libelles_codes(con) -> dict[tuple[str, str], str] | None:
    """Labels of the export code lists (``referentiel.listes_codes``), by (column, code)."""
    if not table_existe(con, "referentiel.listes_codes"):
        return None
    # in the seed's order (a report lists modalities in this order: it must not vary between runs)
    rows = con.execute("select colonne, code, any_value(libelle order by export) from referentiel.listes_codes "
                       "group by colonne, code order by min(rowid)").fetchall()
    return {(c, k): v for c, k, v in rows}


def journal(con) -> pl.DataFrame | None:
    """The publication record the file carries (``publication.journal``), oldest first."""
    if not table_existe(con, "publication.journal"):
        return None
    return _frame(con, "select * from publication.journal order by horodatage, id")


def derniere_publication(con) -> dict | None:
    """The latest record of ``publication.journal`` (its ``qualite`` decoded), or None. A journal
    written before a column existed simply lacks the key."""
    if not table_existe(con, "publication.journal"):
        return None
    cur = con.execute("select * from publication.journal order by horodatage desc limit 1")
    noms = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        return None
    ligne = dict(zip(noms, rows[0]))
    if isinstance(ligne.get("qualite"), str):
        ligne["qualite"] = json.loads(ligne["qualite"])
    return ligne


# --------------------------------------------------------------------------------------------
# Quality status


def statut(bloquants: int, avertissements: int) -> str:
    """The one definition of a quality status: blocked by any failed blocking check, else with
    warnings by any failed warning, else OK."""
    return BLOQUE if bloquants else (AVERTISSEMENTS if avertissements else OK)


@dataclass(frozen=True)
class StatutQualite:
    """The last quality run of a file (``qualite.executions``)."""

    statut: str  # OK, AVERTISSEMENTS, BLOQUE
    controles: int
    bloquants: int
    avertissements: int
    horodatage: datetime | None = None
    data_docs: str | None = None
    chargements: list[int] = field(default_factory=list)

    def resume(self) -> dict:
        """As the publication journal records it (JSON)."""
        return {
            "statut": self.statut,
            "controles": self.controles,
            "bloquants": self.bloquants,
            "avertissements": self.avertissements,
            "horodatage": self.horodatage.isoformat() if self.horodatage else None,
            "data_docs": self.data_docs,
        }


def statut_qualite(con) -> StatutQualite | None:
    """The status of the last quality run, or None if the gates never ran on this file.

    ``qualite.executions`` says it; a file holding only ``qualite.resultats`` (no run record) is
    summarised from the results of its latest run."""
    if table_existe(con, "qualite.executions"):
        rows = con.execute(
            "select statut, controles, bloquants, avertissements, horodatage, data_docs, chargements "
            "from qualite.executions order by horodatage desc limit 1"
        ).fetchall()
        if not rows:
            return None
        s, controles, bloquants, avertissements, horodatage, docs, chargements = rows[0]
        return StatutQualite(s, controles, bloquants, avertissements, horodatage, docs, list(chargements or []))
    if not table_existe(con, "qualite.resultats"):
        return None
    n, bloquants, avertissements, horodatage = con.execute(
        f"""select count(*),
                   count(*) filter (where not succes and severite = '{SEVERITE_BLOQUANT}'),
                   count(*) filter (where not succes and severite <> '{SEVERITE_BLOQUANT}'),
                   max(horodatage)
            from qualite.resultats
            where horodatage = (select max(horodatage) from qualite.resultats)"""
    ).fetchall()[0]
    return StatutQualite(statut(bloquants, avertissements), n, bloquants, avertissements, horodatage)


def resultats_qualite(con, horodatage: datetime | None) -> pl.DataFrame:
    """Results of one quality run (``qualite.resultats``), by suite, target and check; empty when
    the run or the table is absent."""
    colonnes = ("suite", "cible", "controle", "description", "severite", "succes", "details", "lignes", "anomalies")
    if horodatage is None or not table_existe(con, "qualite.resultats"):
        return pl.DataFrame(schema=dict.fromkeys(colonnes, pl.String))
    return _frame(con, f"select {', '.join(colonnes)} from qualite.resultats where horodatage = ? "
                       "order by suite, cible, controle", [horodatage])


# --------------------------------------------------------------------------------------------
# Alert rules' aggregates (contract alert-rules.md; never ``marts.alertes_generees``, which
# the publication file does not hold)

TABLE_PRECISION_REGLES = "marts.precision_regles"
TABLE_SIMULATION_SEUILS = "marts.simulation_seuils"
TABLE_EQUITE_ALERTES = "marts.equite_jugement_alertes"
TABLE_VOLUME_ALERTES = "marts.volume_alertes"
#: Order of the situations and bands (the contract's), for stable tables and charts.
ORDRE_SITUATIONS = ("DOSSIER_AGENT", "DOSSIER_EX_AGENT", "DOSSIER_ELU_CANDIDAT", "HORS_HORAIRES")
ORDRE_TRANCHES = ("1", "2", "3_5", "6_19", "20_plus")


def _ordre(colonne: str, valeurs: Sequence[str]) -> str:
    """``case`` ranking a column by a fixed list (fixed SQL: values are the contract's codes)."""
    return "case " + colonne + " " + " ".join(f"when '{v}' then {i}" for i, v in enumerate(valeurs)) + " else 99 end"


def precision_regles(con) -> pl.DataFrame | None:
    """``marts.precision_regles`` by situation, band, quarter and examen; None when absent."""
    if not table_existe(con, TABLE_PRECISION_REGLES):
        return None
    return _frame(con, f"select * from {TABLE_PRECISION_REGLES} order by {_ordre('situation', ORDRE_SITUATIONS)}, "
                       f"{_ordre('tranche_consultations', ORDRE_TRANCHES)}, trimestre, examen")


def simulation_seuils(con) -> pl.DataFrame | None:
    """``marts.simulation_seuils`` by situation and candidate threshold; None when absent."""
    if not table_existe(con, TABLE_SIMULATION_SEUILS):
        return None
    return _frame(con, f"select * from {TABLE_SIMULATION_SEUILS} "
                       f"order by {_ordre('situation', ORDRE_SITUATIONS)}, seuil_alerte")


def _par_region(con, table: str, libelle: str, repli: str, ordre: str, regions: Sequence[str] | None):
    """``table`` (alias ``t``) with a label column (``libelle``: SQL on ``referentiel.regions``,
    ``repli`` without it), restricted to ``regions`` by ``code_region`` when given; None when
    the table is absent."""
    if not table_existe(con, table):
        return None
    if not table_existe(con, "referentiel.regions"):
        libelle = repli
    v = None if regions is None else list(regions)
    return _frame(con, f"""select t.*, {libelle} from {table} t
                           where ?::varchar[] is null or list_contains(?::varchar[], t.code_region)
                           order by {ordre}""", [v, v])


def equite_jugement_alertes(con, regions: Sequence[str] | None = None) -> pl.DataFrame | None:
    """``marts.equite_jugement_alertes`` (of ``regions`` only, when given) with the regions'
    labels (``libelle_region``); None when absent."""
    return _par_region(
        con, TABLE_EQUITE_ALERTES,
        "(select any_value(r.libelle_region) from referentiel.regions r where r.code_region = t.code_region) "
        "as libelle_region",
        "cast(null as varchar) as libelle_region",
        f"t.type_periode, t.debut_periode, {_ordre('t.situation', ORDRE_SITUATIONS)}, t.examen, t.code_region",
        regions,
    )


def volume_alertes(con, regions: Sequence[str] | None = None) -> pl.DataFrame | None:
    """``marts.volume_alertes`` (of ``regions`` only, when given: the alerts of no region, national
    entities', are then left out) with the establishment's label (``libelle_etablissement``: its
    region's when the code is one); None when absent."""
    return _par_region(
        con, TABLE_VOLUME_ALERTES,
        "coalesce((select any_value(r.libelle_region) from referentiel.regions r "
        "where r.code_region = t.code_etablissement), t.code_etablissement) as libelle_etablissement",
        "t.code_etablissement as libelle_etablissement",
        f"t.mois, t.code_etablissement, {_ordre('t.situation', ORDRE_SITUATIONS)}, t.examen",
        regions,
    )
