"""Data access of the dashboards: scoped, read-only queries on the published warehouse.

The server holds **one read-only DuckDB connection per published version** of the file, and each
query runs on a cursor of its own (DuckDB cursors may be used from the sessions' threads). The
published file is replaced atomically by a build (never written in place), so a reader never
meets the writer's lock; when the file's identity (inode, size, modification time) changes, the
old connection is closed and the next query opens the new version. Opening the file costs far
more than the small queries of a page (tens of milliseconds each), hence the one connection.
Results are cached with ``st.cache_data`` keyed on that identity too: a new publication changes
the key, so it shows without restarting the server.

Every function takes the warehouse path first and returns a Polars DataFrame (or a scalar).
Every function returning indicator cells takes the reader's :class:`~dashboards.acces.Perimetre`
second and filters in SQL: the table is the perimeter's (internal or published view) and only the
cells of its territories are read (see :func:`cellules_visibles`). A territory outside the
perimeter gives an empty frame, whatever the caller asks. The pages show months: the monthly
cells are read (``type_periode = 'mois'``), never mixed with the quarters and 12-month totals that
share ``periode`` with their last month; those are read on their own (``extraire(...,
type_periode=...)``) where a window's sum of months is secret but its published total is not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from dashboards.acces import Perimetre
from pipelines.core import lecture
from pipelines.core.settings import Settings

#: The internal table of figures (see the indicator contract); the perimeter picks the table.
TABLE_INDICATEURS = lecture.TABLE_INTERNE
TABLE_ARRETE = "marts.arrete"


#: Column used to pick the agencies of a perimeter's territory, by level (fixed SQL, never input).
_COLONNE_AGENCES = {
    "REGION": "code_region",
    "DEPARTEMENT": "code_departement",
    "BASSIN": "code_ze2020",
}


#: Period types a query may read (``type_periode`` of the contract); months unless asked.
TYPES_PERIODE = ("mois", "trimestre", "cumul_12_mois")


def exiger_perimetre(perimetre: Perimetre) -> None:
    """A query that reads figures refuses to run without the reader's perimeter."""
    if not isinstance(perimetre, Perimetre):
        raise TypeError("Un périmètre d'accès (dashboards.acces.Perimetre) est obligatoire.")


def cellules_visibles(perimetre: Perimetre, type_periode: str = "mois") -> tuple[str, list]:
    """SQL of two CTEs (``visibles``, ``cellules``) and their parameters.

    ``cellules`` is the perimeter's table restricted to its territories and to one type of period
    (the monthly cells unless asked), with a ``secret`` column (always false on the internal
    view). Queries read ``cellules``, never a table directly. Only the level picks among fixed SQL
    fragments; codes and the period type are parameters.
    """
    exiger_perimetre(perimetre)
    if type_periode not in TYPES_PERIODE:
        raise ValueError(f"Type de période inconnu : {type_periode!r}")
    secret = "secret" if perimetre.publie else "false"
    colonnes = (
        "indicateur, periode, niveau, territoire, dimension, modalite, numerateur, denominateur, "
        f"valeur, unite, provisoire, {secret} as secret"
    )
    if perimetre.tout:
        visibles = "visibles as (select null::varchar as niveau, null::varchar as territoire where false)"
        return (
            f"{visibles}, cellules as (select {colonnes} from {perimetre.table} where type_periode = ?)",
            [type_periode],
        )
    niveau = perimetre.niveau
    if niveau not in _COLONNE_AGENCES:
        raise ValueError(f"Niveau de périmètre inconnu : {niveau!r}")
    colonne = _COLONNE_AGENCES[niveau]
    params: list = [perimetre.code, niveau, perimetre.code]
    # The levels made only of the territory's agencies (a bassin straddling its edge is not).
    morceaux = [
        "select ?::varchar as niveau, ?::varchar as territoire",
        "select 'AGENCE', code_agence from agences_t",
    ]
    if niveau in ("REGION", "DEPARTEMENT"):
        morceaux.append(
            "select 'BASSIN', code_ze2020 from referentiel.agences group by code_ze2020 "
            "having bool_and(code_agence in (select code_agence from agences_t))"
        )
    if niveau == "REGION":
        morceaux.append(
            "select 'DEPARTEMENT', code_departement from referentiel.departements where code_region = ?"
        )
        params.append(perimetre.code)
    sql = f"""
        agences_t as (select code_agence from referentiel.agences where {colonne} = ?),
        visibles as ({" union ".join(morceaux)}),
        cellules as (
            select {colonnes} from {perimetre.table} c
            where c.type_periode = ? and exists (
                select 1 from visibles v where v.niveau = c.niveau and v.territoire = c.territoire
            )
        )"""
    # Parameter order follows the text: agences_t's code, the territory itself, the départements,
    # the period type.
    return sql, params + [type_periode]


#: The warehouse cannot be read; the message is for the user, in French.
EntrepotIndisponible = lecture.EntrepotIndisponible


def chemin_entrepot() -> Path:
    """The published warehouse: ``SOCLE_WAREHOUSE``, else the project's default (settings)."""
    return Settings.from_env().warehouse


def _signature(path: Path) -> tuple[int, int, int]:
    """Identity of one published version of the file: an atomic replace changes the inode and
    the modification time, so it changes the cache key."""
    try:
        s = path.stat()
    except FileNotFoundError:
        raise EntrepotIndisponible(
            "Aucun entrepôt publié : lancez `socle construire` pour construire et publier l'entrepôt "
            f"(fichier attendu : {path})."
        ) from None
    return (s.st_ino, s.st_size, s.st_mtime_ns)


_CONNEXIONS: dict[str, tuple[tuple[int, int, int], duckdb.DuckDBPyConnection]] = {}
_VERROU = threading.Lock()


def _connexion(path: Path, signature: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    """The read-only connection of this published version; a new version closes the old one
    first (DuckDB shares one database instance per path in a process: the old one must go)."""
    cle = str(path)
    with _VERROU:
        actuelle = _CONNEXIONS.get(cle)
        if actuelle is not None and actuelle[0] == signature:
            return actuelle[1]
        if actuelle is not None:
            actuelle[1].close()
            del _CONNEXIONS[cle]
        con = lecture.connexion(path)
        _CONNEXIONS[cle] = (signature, con)
        return con


def fermer_connexions() -> None:
    """Close the held connections (tests, and before a process writes the same file)."""
    with _VERROU:
        for _, con in _CONNEXIONS.values():
            con.close()
        _CONNEXIONS.clear()


def _executer(path: Path, signature: tuple[int, int, int], sql: str, params: Sequence) -> pl.DataFrame:
    """Run one query on a cursor of the version's read-only connection. DuckDB errors become
    French messages."""
    curseur = _connexion(path, signature).cursor()
    try:
        return curseur.sql(sql, params=list(params)).pl()
    except duckdb.CatalogException as exc:
        raise _incomplet(path, exc) from exc
    finally:
        curseur.close()


def _incomplet(path: Path, detail) -> EntrepotIndisponible:
    return EntrepotIndisponible(
        f"L'entrepôt {path} ne contient pas les tables attendues "
        f"({TABLE_INDICATEURS}, {TABLE_ARRETE}, referentiel.*) : il n'a sans doute pas été "
        f"construit jusqu'au bout. Lancez `socle construire`. Détail : {detail}"
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _requete_en_cache(chemin: str, signature: tuple[int, int, int], sql: str, params: tuple) -> pl.DataFrame:
    return _executer(Path(chemin), signature, sql, params)


def requete(path: Path | str, sql: str, params: Iterable = ()) -> pl.DataFrame:
    """Run a read-only query on the warehouse, cached until the file is replaced."""
    path = Path(path)
    return _requete_en_cache(str(path), _signature(path), sql, tuple(params))


@st.cache_data(show_spinner=False, max_entries=64)
def _lecture_en_cache(chemin: str, signature: tuple[int, int, int], fonction: str, args: tuple):
    curseur = _connexion(Path(chemin), signature).cursor()
    try:
        return getattr(lecture, fonction)(curseur, *args)
    finally:
        curseur.close()


def lire(path: Path | str, fonction: str, *args):
    """``pipelines.core.lecture.<fonction>`` on the version's connection, cached until the file is
    replaced (as :func:`requete`)."""
    path = Path(path)
    return _lecture_en_cache(str(path), _signature(path), fonction, args)


def vider_cache() -> None:
    """Forget the cached results and close the connections."""
    _requete_en_cache.clear()
    _lecture_en_cache.clear()
    fermer_connexions()


# ---------------------------------------------------------------------------------------------
# Queries of the pages


def date_arrete(path: Path | str) -> date | None:
    return lire(path, "date_arrete")


def cellules(path: Path | str, perimetre: Perimetre, indicateur: str | None = None) -> pl.DataFrame:
    """Every monthly cell of the perimeter (all dimensions), optionally of one indicator: what
    the access tests check the perimeters against."""
    cte, params = cellules_visibles(perimetre)
    return requete(
        path,
        f"""
        with {cte}
        select * from cellules
        where ?::varchar is null or indicateur = ?
        order by indicateur, niveau, territoire, dimension, modalite, periode
        """,
        params + [indicateur, indicateur],
    )


# ---------------------------------------------------------------------------------------------
# Generic queries of the pages: any territory of the perimeter, any indicator and breakdown.

#: Levels a user can choose in the sidebar (agencies are reached through the tables below).
NIVEAUX_CHOISIS = ("NATIONAL", "REGION", "DEPARTEMENT", "BASSIN")

#: Labels of every territory of the referential (public: no indicator cell), with its parent in
#: the comparisons: a région's is FR, a département's its région, a bassin's the département (else
#: the région) holding all its agencies, else FR; an agency's its département.
_TERRITOIRES_SQL = """
    territoires as (
        select 'NATIONAL' as niveau, 'FR' as code, 'France' as libelle,
               cast(null as varchar) as parent_niveau, cast(null as varchar) as parent_code
        union all
        select 'REGION', code_region, libelle_region, 'NATIONAL', 'FR' from referentiel.regions
        union all
        select 'DEPARTEMENT', code_departement, libelle_departement, 'REGION', code_region
        from referentiel.departements
        union all
        select 'BASSIN', code_ze2020, any_value(libelle_ze2020),
               case when count(distinct code_departement) = 1 then 'DEPARTEMENT'
                    when count(distinct code_region) = 1 then 'REGION' else 'NATIONAL' end,
               case when count(distinct code_departement) = 1 then any_value(code_departement)
                    when count(distinct code_region) = 1 then any_value(code_region) else 'FR' end
        from referentiel.agences group by code_ze2020
        union all
        select 'AGENCE', code_agence, libelle_agence, 'DEPARTEMENT', code_departement
        from referentiel.agences
    )"""

_COLONNES_SORTIE = (
    "c.indicateur, c.periode, c.niveau, c.territoire, t.libelle, c.dimension, c.modalite, "
    "c.numerateur, c.denominateur, c.valeur, c.unite, c.provisoire, c.secret"
)


def territoires(path: Path | str, perimetre: Perimetre) -> pl.DataFrame:
    """Territories the user may choose (``niveau, code, libelle, parent_niveau, parent_code``):
    those of the perimeter's levels ``NIVEAUX_CHOISIS`` that have cells, by level then code."""
    cte, params = cellules_visibles(perimetre)
    return requete(
        path,
        f"""
        with {cte}, {_TERRITOIRES_SQL},
        presents as (
            select distinct niveau, territoire from cellules
            where dimension = 'ensemble' and list_contains(?, niveau)
        )
        select p.niveau, p.territoire as code,
               coalesce(t.libelle, p.territoire) as libelle, t.parent_niveau, t.parent_code
        from presents p
        left join territoires t on t.niveau = p.niveau and t.code = p.territoire
        order by list_position(?, p.niveau), p.territoire
        """,
        params + [list(NIVEAUX_CHOISIS), list(NIVEAUX_CHOISIS)],
    )


def extraire(
    path: Path | str,
    perimetre: Perimetre,
    indicateurs: Sequence[str],
    niveau: str,
    codes: Sequence[str] | None = None,
    *,
    dimension: str | None = "ensemble",
    periode: date | None = None,
    depuis: date | None = None,
    type_periode: str = "mois",
) -> pl.DataFrame:
    """Cells of the perimeter for some indicators at one level, with the territories' labels.

    ``codes`` restricts the territories (None: every territory of the level in the perimeter);
    ``dimension`` one breakdown (``ensemble`` by default; None: all breakdowns); ``periode`` one
    month, ``depuis`` the months from that one; ``type_periode`` the months (default), the
    quarters or the 12-month totals (``periode``: their last month). Ordered by indicator,
    territory, breakdown, month.
    """
    cte, params = cellules_visibles(perimetre, type_periode)
    return requete(
        path,
        f"""
        with {cte}, {_TERRITOIRES_SQL}
        select {_COLONNES_SORTIE}
        from cellules c
        left join territoires t on t.niveau = c.niveau and t.code = c.territoire
        where list_contains(?, c.indicateur) and c.niveau = ?
          and (?::varchar[] is null or list_contains(?::varchar[], c.territoire))
          and (?::varchar is null or c.dimension = ?)
          and (?::date is null or c.periode = ?)
          and (?::date is null or c.periode >= ?)
        order by c.indicateur, c.territoire, c.dimension, c.modalite, c.periode
        """,
        params + [
            list(indicateurs), niveau,
            None if codes is None else list(codes), None if codes is None else list(codes),
            dimension, dimension, periode, periode, depuis, depuis,
        ],
    )


#: Level below each level in the tables and the map ("the territories of the level below").
NIVEAU_INFERIEUR = {"NATIONAL": "REGION", "REGION": "DEPARTEMENT", "DEPARTEMENT": "AGENCE", "BASSIN": "AGENCE"}

#: Column of ``referentiel.agences`` that ties an agency to a territory of each level.
_COLONNE_AGENCE_DE = {"REGION": "code_region", "DEPARTEMENT": "code_departement", "BASSIN": "code_ze2020"}


def codes_inferieurs(path: Path | str, niveau: str, code: str, niveau_inferieur: str | None = None) -> list[str]:
    """Codes of the territories of ``niveau_inferieur`` (default: the level below) inside
    ``(niveau, code)``, per the referential. Referential only: the cells are then read through
    the perimeter, so a code outside it gives nothing."""
    cible = niveau_inferieur or NIVEAU_INFERIEUR.get(niveau)
    if cible is None:
        return []
    if niveau == "NATIONAL":
        sql = {
            "REGION": "select code_region from referentiel.regions",
            "DEPARTEMENT": "select code_departement from referentiel.departements",
            "AGENCE": "select code_agence from referentiel.agences",
        }[cible]
        params: list = []
    elif cible == "DEPARTEMENT" and niveau == "REGION":
        sql, params = "select code_departement from referentiel.departements where code_region = ?", [code]
    elif cible == "AGENCE" and niveau in _COLONNE_AGENCE_DE:
        sql = f"select code_agence from referentiel.agences where {_COLONNE_AGENCE_DE[niveau]} = ?"
        params = [code]
    else:
        raise ValueError(f"Pas de niveau {cible} sous le niveau {niveau}.")
    df = requete(path, f"select * from ({sql}) order by 1", params)
    return df.to_series(0).to_list()


def parent(territoires_df: pl.DataFrame, niveau: str, code: str) -> tuple[str, str] | None:
    """The parent (niveau, code) of a territory in the frame of :func:`territoires`."""
    ligne = territoires_df.filter((pl.col("niveau") == niveau) & (pl.col("code") == code))
    if ligne.height == 0 or ligne["parent_niveau"][0] is None:
        return None
    return ligne["parent_niveau"][0], ligne["parent_code"][0]


def extraire_parent(
    path: Path | str,
    perimetre: Perimetre,
    indicateurs: Sequence[str],
    niveau: str,
    code: str,
    *,
    dimension: str | None = "ensemble",
) -> pl.DataFrame:
    """Cells of the parent of ``(niveau, code)`` (for comparisons), or an empty frame.

    Inside the perimeter, through it. Above the perimeter's own territory (the région of a
    département's committee, France for a région), only the **published** cells
    (``publication.indicateurs``, after statistical secret: what leaves the direction anyway) of
    that territory's ancestors: nothing of a sibling territory, nothing before secret.
    """
    exiger_perimetre(perimetre)
    df_territoires = requete(path, f"with {_TERRITOIRES_SQL} select * from territoires")
    p = parent(df_territoires, niveau, code)
    # The territory itself must be the user's: its parent is never a way into a sibling's.
    if p is None or extraire(path, perimetre, indicateurs, niveau, [code]).height == 0:
        return extraire(path, perimetre, indicateurs, niveau, [], dimension=dimension)
    interne = extraire(path, perimetre, indicateurs, p[0], [p[1]], dimension=dimension)
    if interne.height or perimetre.tout:
        return interne
    # Ancestors of the perimeter's own territory (never of a territory the user cannot see).
    ancetres = set()
    courant = (perimetre.niveau, perimetre.code)
    while (courant := parent(df_territoires, *courant)) is not None:
        ancetres.add(courant)
    if p not in ancetres:
        return interne
    from dashboards.acces import TABLE_PUBLIEE

    publie = Perimetre(table=TABLE_PUBLIEE, publie=True)
    return extraire(path, publie, indicateurs, p[0], [p[1]], dimension=dimension)


def dictionnaire(path: Path | str) -> pl.DataFrame:
    """The data dictionary (``marts.dictionnaire``: one row per indicator); public metadata.

    A warehouse built before the dictionary was a table gives an empty frame."""
    dico = lire(path, "dictionnaire")
    if dico is None:
        return pl.DataFrame(schema={"indicateur": pl.String, "numero": pl.String, "libelle": pl.String})
    return dico


def libelles_modalites(path: Path | str) -> dict[tuple[str, str], str]:
    """Labels of the export code lists (``referentiel.listes_codes``), by (column, code): a
    breakdown named after an export column (``operateur_retenu``, ``origine``...) reads them."""
    libelles = lire(path, "libelles_codes")
    if libelles is None:
        raise _incomplet(Path(path), "referentiel.listes_codes absente")
    return libelles


def valeurs_reference(path: Path | str) -> pl.DataFrame:
    """Published reference values (``referentiel.valeurs_reference``), with their source."""
    refs = lire(path, "valeurs_reference")
    if refs is None:
        raise _incomplet(Path(path), "referentiel.valeurs_reference absente")
    return refs


def etat_publication(path: Path | str) -> dict:
    """Date d'arrêté, version and quality status of the published warehouse (for the pages'
    headers and the methodology page). Missing tables give None values, not an error."""
    etat = {"date_arrete": date_arrete(path), "version": None, "publie_le": None,
            "statut_qualite": None, "avertissements": None, "bloquants": None, "controles": None}
    publication = lire(path, "derniere_publication")
    if publication:
        etat["version"], etat["publie_le"] = publication.get("id"), publication.get("horodatage")
    qualite = lire(path, "statut_qualite")
    if qualite is not None:
        etat.update(statut_qualite=qualite.statut, avertissements=qualite.avertissements,
                    bloquants=qualite.bloquants, controles=qualite.controles)
    return etat


def resultats_qualite(path: Path | str, perimetre: Perimetre) -> pl.DataFrame:
    """Results of the quality checks of the published build (failed first).

    ``details`` quotes rows of the internal table (values before secret, of any territory) and
    ``lignes`` / ``anomalies`` count rows of every territory; no column ties a result to a
    territory, so they cannot be scoped: national users read them, the others get them null
    (the checks and their verdicts stay)."""
    exiger_perimetre(perimetre)
    valeurs = (
        "details, lignes, anomalies" if perimetre.tout
        else "null::varchar as details, null::bigint as lignes, null::bigint as anomalies"
    )
    try:
        return requete(
            path,
            f"select suite, cible, controle, description, severite, succes, {valeurs} "
            "from qualite.resultats order by succes, severite, suite, cible, controle",
        )
    except EntrepotIndisponible:
        return pl.DataFrame()


def experimentations(path: Path | str) -> pl.DataFrame:
    """Agencies of the experiments (``referentiel.experimentations``) with their région,
    département and bassin: ``code_agence, libelle_agence, experimentation, modalite,
    date_debut, code_region, code_departement, code_ze2020``. Referential only (public: the CSE
    notes name these agencies), no indicator cell: not filtered by perimeter. A warehouse
    without the table gives an empty frame."""
    try:
        return requete(
            path,
            """
            select e.code_agence, e.libelle_agence,
                   e.experimentation, e.modalite, e.date_debut,
                   a.code_region, a.code_departement, a.code_ze2020
            from referentiel.experimentations e
            left join referentiel.agences a on a.code_agence = e.code_agence
            order by e.experimentation, e.modalite, e.code_agence
            """,
        )
    except EntrepotIndisponible:
        return pl.DataFrame(schema={
            "code_agence": pl.String, "libelle_agence": pl.String, "experimentation": pl.String,
            "modalite": pl.String, "date_debut": pl.Date, "code_region": pl.String,
            "code_departement": pl.String, "code_ze2020": pl.String,
        })


def seuil_secret_publie(path: Path | str) -> int | None:
    """Threshold of statistical secret applied to the published version (the latest row of
    ``publication.journal``), for the methodology page; None when the journal does not say."""
    publication = lire(path, "derniere_publication") or {}  # a journal written before the column: None
    return None if publication.get("seuil_secret") is None else int(publication["seuil_secret"])


def utilite_secret(path: Path | str, perimetre: Perimetre):
    """Utility figures of the published view (:mod:`pipelines.secret.utilite`): share of secret
    monthly cells by level and family, committees' visibility on the latest 12-month period.

    Aggregates of the published view (what leaves the direction anyway), the same for every
    reader; the per-territory rows (``comites.perimetres``) are only those of the perimeter's
    territories (all for a national reader). None when the warehouse has no published view."""
    from dataclasses import replace

    from dashboards.acces import TABLE_PUBLIEE
    from pipelines.secret import utilite

    exiger_perimetre(perimetre)
    try:
        u = utilite.depuis_comptes(
            requete(path, utilite.sql_comptes_mensuels(TABLE_PUBLIEE)),
            requete(path, utilite.sql_visibilite_12_mois(TABLE_PUBLIEE)),
        )
    except EntrepotIndisponible:
        return None
    if perimetre.tout:
        return u
    cte, params = cellules_visibles(perimetre)
    # the CTE reads its table only in ``cellules``, which is not queried here: the territories only
    visibles = requete(path, f"with {cte} select distinct niveau, territoire from visibles", params)
    perimetres = u.comites.perimetres.join(visibles, on=["niveau", "territoire"], how="semi")
    return replace(u, comites=replace(u.comites, perimetres=perimetres))
