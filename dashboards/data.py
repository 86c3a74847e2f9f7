"""Indicator cells of the dashboards: scoped, read-only queries on the published warehouse.

Every function takes the warehouse path first and returns a Polars DataFrame (or a scalar).
Every function returning indicator cells takes the reader's :class:`~dashboards.acces.Perimetre`
second and filters in SQL: the table is the perimeter's (internal or published view) and only the
cells of its territories are read (see :func:`cellules_visibles`). A territory outside the
perimeter gives an empty frame, whatever the caller asks. The pages show months: the monthly
cells are read (``type_periode = 'mois'``), never mixed with the quarters and 12-month totals that
share ``periode`` with their last month; those are read on their own (``extraire(...,
type_periode=...)``) where a window's sum of months is secret but its published total is not.

The queries run through :mod:`dashboards.data_connexion` (one connection per published version,
cached results); the territories' labels and parents come from :mod:`dashboards.data_territoires`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl

from dashboards.acces import Perimetre
from dashboards.data_connexion import lire, requete
from dashboards.data_territoires import NIVEAUX_CHOISIS, TERRITOIRES_SQL, parent

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
        with {cte}, {TERRITOIRES_SQL},
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
        with {cte}, {TERRITOIRES_SQL}
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


def extraire_parent(
    path: Path | str,
    perimetre: Perimetre,
    indicateurs: Sequence[str],
    niveau: str,
    code: str,
    *,
    dimension: str | None = "ensemble",
    type_periode: str = "mois",
) -> pl.DataFrame:
    """Cells of the parent of ``(niveau, code)`` (for comparisons), or an empty frame; the months
    unless ``type_periode`` asks for the quarters or the 12-month totals.

    Inside the perimeter, through it. Above the perimeter's own territory (the région of a
    département's committee, France for a région), only the **published** cells
    (``publication.indicateurs``, after statistical secret: what leaves the direction anyway) of
    that territory's ancestors: nothing of a sibling territory, nothing before secret.
    """
    exiger_perimetre(perimetre)
    df_territoires = requete(path, f"with {TERRITOIRES_SQL} select * from territoires")
    p = parent(df_territoires, niveau, code)
    # The territory itself must be the user's: its parent is never a way into a sibling's.
    if p is None or extraire(path, perimetre, indicateurs, niveau, [code]).height == 0:
        return extraire(path, perimetre, indicateurs, niveau, [], dimension=dimension)
    interne = extraire(path, perimetre, indicateurs, p[0], [p[1]], dimension=dimension, type_periode=type_periode)
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
    return extraire(path, publie, indicateurs, p[0], [p[1]], dimension=dimension, type_periode=type_periode)


#: Levels whose territories are compared with others of the same level (Synthèse, « Comparaisons »).
NIVEAUX_COMPARABLES = ("REGION", "DEPARTEMENT", "BASSIN")


def extraire_comparables(
    path: Path | str,
    perimetre: Perimetre,
    indicateurs: Sequence[str],
    niveau: str,
    codes: Sequence[str] | None = None,
    **kw,
) -> pl.DataFrame:
    """Cells of territories of one level (``codes``, None: all), to compare the chosen territory
    with others of its level: those of the perimeter through it (its table), every other one
    from the **published** cells only (``publication.indicateurs``, after statistical secret:
    what every committee reads anyway), never the internal cells of a territory outside the
    perimeter. ``kw``: as :func:`extraire` (``dimension``, ``periode``, ``depuis``,
    ``type_periode``). Same columns as :func:`extraire`.
    """
    exiger_perimetre(perimetre)
    if niveau not in NIVEAUX_COMPARABLES:
        raise ValueError(f"Pas de comparaison entre territoires du niveau {niveau!r}.")
    propres = extraire(path, perimetre, indicateurs, niveau, codes, **kw)
    if perimetre.tout:
        return propres
    from dashboards.acces import TABLE_PUBLIEE

    # A territory of the perimeter has published rows exactly where it has its own (the same
    # keys, values nulled when secret): reading the others' published rows loses nothing of it.
    publie = Perimetre(table=TABLE_PUBLIEE, publie=True)
    autres = extraire(path, publie, indicateurs, niveau, codes, **kw).filter(
        ~pl.col("territoire").is_in(propres["territoire"].unique().to_list()))
    return pl.concat([propres, autres], how="vertical_relaxed").sort(
        "indicateur", "territoire", "dimension", "modalite", "periode")


# ---------------------------------------------------------------------------------------------
# Alert rules' aggregates (« Règles d'alerte » page): national, or one regional direction


def region_regles_alertes(perimetre: Perimetre) -> str | None:
    """Whose alert aggregates a perimeter reads: None for every region (national), its region's
    code for a regional direction. A published-view perimeter (committee, CSE) or any other
    internal one is refused: these figures are about agents, never shown outside the direction."""
    from dashboards.acces import AccesRefuse

    exiger_perimetre(perimetre)
    if perimetre.publie:
        raise AccesRefuse("Les règles d'alerte sont réservées au niveau national et aux directions régionales.")
    if perimetre.tout:
        return None
    if perimetre.niveau != "REGION" or not perimetre.code:
        raise AccesRefuse("Les règles d'alerte d'un territoire autre qu'une région ne sont pas disponibles.")
    return perimetre.code


def precision_regles(path: Path | str, perimetre: Perimetre) -> pl.DataFrame | None:
    """The rules' precision (all regions together): national only; None for a regional direction
    (not its region's figures) or when the file does not hold it."""
    if region_regles_alertes(perimetre) is not None:
        return None
    return lire(path, "precision_regles")


def simulation_seuils(path: Path | str, perimetre: Perimetre) -> pl.DataFrame | None:
    """The thresholds' what-if (all regions together): national only, as :func:`precision_regles`."""
    if region_regles_alertes(perimetre) is not None:
        return None
    return lire(path, "simulation_seuils")


def equite_jugement_alertes(path: Path | str, perimetre: Perimetre) -> pl.DataFrame | None:
    """Equity of judgement: every region for national, the direction's own region otherwise
    (its row carries the national share and its limits)."""
    region = region_regles_alertes(perimetre)
    return lire(path, "equite_jugement_alertes", None if region is None else (region,))


def volume_alertes(path: Path | str, perimetre: Perimetre) -> pl.DataFrame | None:
    """Alerts per month and establishment: all for national, the direction's region's otherwise."""
    region = region_regles_alertes(perimetre)
    return lire(path, "volume_alertes", None if region is None else (region,))
