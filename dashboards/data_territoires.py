"""Territories of the referential: their labels and parents, the levels a user can choose, the
territories below a territory.

Referential only (public: no indicator cell), not filtered by perimeter: the cells are then read
through the perimeter (:mod:`dashboards.data`), so a territory outside it gives nothing.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboards.data_connexion import requete

#: Levels a user can choose in the sidebar (agencies are reached through the tables below).
NIVEAUX_CHOISIS = ("NATIONAL", "REGION", "DEPARTEMENT", "BASSIN")

#: Labels of every territory of the referential (public: no indicator cell), with its parent in
#: the comparisons: a région's is FR, a département's its région, a bassin's the département (else
#: the région) holding all its agencies, else FR; an agency's its département.
TERRITOIRES_SQL = """
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
    """The parent (niveau, code) of a territory in the frame of :func:`dashboards.data.territoires`."""
    ligne = territoires_df.filter((pl.col("niveau") == niveau) & (pl.col("code") == code))
    if ligne.height == 0 or ligne["parent_niveau"][0] is None:
        return None
    return ligne["parent_niveau"][0], ligne["parent_code"][0]


def territoires_du_niveau(path: Path | str, niveau: str) -> pl.DataFrame:
    """Every territory of ``niveau`` (REGION, DEPARTEMENT or BASSIN) in the referential, with its
    label and its number of agencies (``code, libelle, agences``), by code: the size beside the
    registered population when similar territories are chosen. Referential only (public)."""
    if niveau not in _COLONNE_AGENCE_DE:
        raise ValueError(f"Pas de liste des territoires du niveau {niveau!r}.")
    return requete(
        path,
        f"""
        with {TERRITOIRES_SQL},
        agences as (
            select {_COLONNE_AGENCE_DE[niveau]} as code, count(*) as agences
            from referentiel.agences group by 1
        )
        select t.code, t.libelle, coalesce(a.agences, 0)::bigint as agences
        from territoires t left join agences a on a.code = t.code
        where t.niveau = ?
        order by t.code
        """,
        [niveau],
    )
