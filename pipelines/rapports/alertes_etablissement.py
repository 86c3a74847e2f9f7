"""The misuse alerts of one establishment, read from the internal warehouse, as a CSV or Excel file.

``marts.alertes_generees`` (contract ``alert-rules.md``) is internal: it is not in the published
file (``pipelines.versions.TABLES_PUBLIEES``) but only in the build's work copy
(``Settings.work_warehouse``). It is read here read-only, under the build lock (``build_lock``), so
that a build never rewrites it mid-read; a build in progress is a French error, not a DuckDB lock.

- **Establishment**: the agent's ``code_etablissement``, the regional direction that employs the
  agent (``76``…) or a national entity (``DG``, ``DSI``, ``PES``). A national entity's alerts go to
  that entity whatever the agent's site, never to the region of the site: the manager who holds
  the interview is the agent's own establishment's.
- **Since** (``depuis``): an alert is dated by its first consultation (its month when absent).
- **Order**: ``OBLIGATOIRE`` first, then ``nb_consultations`` descending, then the id.
- **Columns**: the alert's own, pseudonyms only (agent, person), each code followed by its French
  label (code lists of the exports, ``referentiel.listes_codes``; formats of ``pipelines.core``).

The dispatch itself (what was sent already, archive, e-mail, access log) is
``pipelines.rapports.diffusion_alertes``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import duckdb
import polars as pl

from pipelines.core import lecture
from pipelines.core.contract import ENTITES_NATIONALES, PATTERN_ETABLISSEMENT
from pipelines.core.formats import libelle_modalite
from pipelines.core.settings import Settings
from pipelines.core.warehouse import BuildLocked, build_lock, table_exists
from pipelines.export import LIGNES_MAX_EXCEL, ecrire_csv
from pipelines.rapports.erreurs import AlertesError

TABLE = "marts.alertes_generees"
#: The alert's columns read (pseudonyms only: no column of the mart identifies a person).
COLONNES = ("id_alerte_generee", "situation", "id_agent", "id_personne", "mois", "code_site", "nb_consultations",
            "nb_jours", "premiere_consultation", "derniere_consultation", "examen")
#: The file's columns, in order, and their French headers: each code followed by its label.
ENTETES = {
    "id_alerte_generee": "Identifiant de l'alerte",
    "examen": "Examen (code)",
    "libelle_examen": "Niveau d'examen",
    "situation": "Situation (code)",
    "libelle_situation": "Situation à risque",
    "id_agent": "Agent (pseudonyme)",
    "id_personne": "Personne consultée (pseudonyme)",
    "mois": "Mois",
    "code_site": "Site de l'agent",
    "nb_consultations": "Consultations",
    "nb_jours": "Jours de consultation",
    "premiere_consultation": "Première consultation",
    "derniere_consultation": "Dernière consultation",
}
#: Formats of the file (from the extension) and their MIME type (the e-mail's attachment).
FORMATS = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
OBLIGATOIRE = "OBLIGATOIRE"


def normaliser_etablissement(code: str) -> str:
    """``dg`` → ``DG``; a code that cannot be an establishment is refused before anything is read."""
    valeur = (code or "").strip().upper()
    if not re.match(PATTERN_ETABLISSEMENT, valeur):
        raise AlertesError(f"Établissement inconnu : « {code} ». Attendu le code d'une direction régionale "
                           f"(76, 93…) ou une entité nationale ({', '.join(ENTITES_NATIONALES)}).")
    return valeur


def lire_depuis(valeur: str | date | None) -> date | None:
    if valeur is None or isinstance(valeur, date):
        return valeur
    try:
        return date.fromisoformat(valeur.strip()) if valeur.strip() else None
    except ValueError:
        raise AlertesError(f"Date invalide pour --depuis : « {valeur} » (attendu AAAA-MM-JJ, par exemple "
                           "2025-07-01).") from None


def format_de(extension: str) -> str:
    fmt = extension.lower()
    if fmt not in FORMATS:
        raise AlertesError(f"Format inconnu « {extension} » : utilisez .csv ou .xlsx.")
    return fmt


@contextmanager
def entrepot_interne(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the internal warehouse, under the build lock."""
    chemin = settings.work_warehouse
    if not chemin.exists():
        raise AlertesError(f"Aucun entrepôt interne en {chemin} : les alertes sont calculées par la construction, "
                           "lancez d'abord « socle construire ».")
    en_cours = (f"Une construction de {settings.warehouse} est en cours : les alertes seront lisibles à sa fin ; "
                "réessayez dans un moment.")
    try:
        with build_lock(settings):
            try:
                con = duckdb.connect(str(chemin), read_only=True)
            except duckdb.IOException as exc:
                # a Dagster step writes the work copy without the CLI's lock: same meaning
                if "lock" in str(exc).lower():
                    raise AlertesError(en_cours) from None
                raise AlertesError(f"Impossible d'ouvrir l'entrepôt interne {chemin} : {exc}") from None
            try:
                con.execute("set python_enable_replacements = false")
                if not table_exists(con, *TABLE.split(".")):
                    raise AlertesError(f"L'entrepôt interne {chemin} ne contient pas encore {TABLE} : relancez "
                                       "« socle construire » (avec le journal des consultations et les agents).")
                yield con
            finally:
                con.close()
    except BuildLocked:
        raise AlertesError(en_cours) from None


def etablissements_connus(con: duckdb.DuckDBPyConnection) -> set[str]:
    """National entities, the regions of the reference, and any establishment that has alerts."""
    connus = set(ENTITES_NATIONALES)
    if table_exists(con, "referentiel", "regions"):
        connus |= {r for (r,) in con.execute("select code_region from referentiel.regions").fetchall()}
    connus |= {e for (e,) in con.execute(f"select distinct code_etablissement from {TABLE} "
                                         "where code_etablissement is not null").fetchall()}
    return connus


def verifier_etablissement(con: duckdb.DuckDBPyConnection, etablissement: str) -> None:
    if etablissement not in etablissements_connus(con):
        raise AlertesError(f"Établissement inconnu : « {etablissement} » n'est ni une région du référentiel ni une "
                           f"entité nationale ({', '.join(ENTITES_NATIONALES)}), et n'a aucune alerte.")


def libelle_etablissement(con: duckdb.DuckDBPyConnection, etablissement: str) -> str:
    """« établissement 76 (direction régionale Occitanie) », « établissement DSI (entité nationale) »."""
    if etablissement in ENTITES_NATIONALES:
        return f"établissement {etablissement} (entité nationale)"
    if table_exists(con, "referentiel", "regions"):
        rows = con.execute("select libelle_region from referentiel.regions where code_region = ?",
                           [etablissement]).fetchall()
        if rows:
            return f"établissement {etablissement} (direction régionale {rows[0][0]})"
    return f"établissement {etablissement}"


def lire_alertes(con: duckdb.DuckDBPyConnection, etablissement: str | None = None,
                 depuis: date | None = None) -> pl.DataFrame:
    """The alerts (``COLONNES`` and ``code_etablissement``) of one establishment (all: None) dated
    on or after ``depuis``, unordered."""
    conditions, params = ["true"], []
    if etablissement is not None:
        conditions.append("code_etablissement = ?")
        params.append(etablissement)
    if depuis is not None:
        conditions.append("coalesce(cast(premiere_consultation as date), mois) >= ?")
        params.append(depuis)
    colonnes = ", ".join(COLONNES)
    return con.sql(f"select {colonnes}, code_etablissement from {TABLE} where {' and '.join(conditions)}",
                   params=params).pl()


def ordonner(alertes: pl.DataFrame) -> pl.DataFrame:
    """``OBLIGATOIRE`` first, then the most consultations, then the id (a stable order)."""
    return alertes.sort([pl.col("examen") != OBLIGATOIRE, "nb_consultations", "id_alerte_generee"],
                        descending=[False, True, False], nulls_last=True)


def libeller(con: duckdb.DuckDBPyConnection, alertes: pl.DataFrame) -> pl.DataFrame:
    """The file's columns (``ENTETES``), in order: each code followed by its French label."""
    codes = lecture.libelles_codes(con) or {}

    def libelle(colonne: str) -> pl.Expr:
        return pl.col(colonne).map_elements(lambda c: libelle_modalite(colonne, c, codes), return_dtype=pl.String)

    return alertes.with_columns(libelle("examen").alias("libelle_examen"),
                                libelle("situation").alias("libelle_situation")).select(list(ENTETES))


def contenu_fichier(alertes: pl.DataFrame, fmt: str) -> bytes:
    """The file's bytes (header only when there is no alert): CSV with the exports' French
    conventions (``;``, UTF-8 with BOM), or an Excel sheet « Alertes » with typed cells."""
    tampon = io.BytesIO()
    if format_de(fmt) == ".csv":
        ecrire_csv(_texte(alertes).rename(ENTETES), tampon)
        return tampon.getvalue()
    from openpyxl import Workbook

    if alertes.height > LIGNES_MAX_EXCEL:
        raise AlertesError(f"{alertes.height} alertes : au-delà de la limite d'Excel ({LIGNES_MAX_EXCEL}) ; "
                           "utilisez .csv ou --depuis.")
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Alertes")
    feuille.append([ENTETES[c] for c in alertes.columns])
    for ligne in alertes.iter_rows():
        feuille.append(list(ligne))
    classeur.save(tampon)
    return tampon.getvalue()


def _texte(alertes: pl.DataFrame) -> pl.DataFrame:
    """Dates ``AAAA-MM-JJ`` and times ``AAAA-MM-JJ HH:MM:SS`` (as the exports), empty for none."""
    return alertes.with_columns(
        pl.col(c).map_elements(_horodatage, return_dtype=pl.String)
        for c in ("mois", "premiere_consultation", "derniere_consultation")
    )


def _horodatage(valeur: date | datetime | None) -> str | None:
    if isinstance(valeur, datetime):
        return f"{valeur:%Y-%m-%d %H:%M:%S}"
    return valeur.isoformat() if isinstance(valeur, date) else None
