"""The frames the checks run on, read from the warehouse with DuckDB (then handed to GX as pandas).

Heavy lifting (filters, the month × territory grid, month-over-month changes, averages) is done in
SQL so that GX only sees compact frames. The checks about months (grid, month-over-month changes,
averages over the final months) read the monthly cells only (``type_periode = 'mois'``); those
about every cell (ratios in bounds, published view) read every type of period.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.core import lecture
from pipelines.core.contract import EXPORTS
from pipelines.core.indicateurs import A1, E2
from pipelines.core.settings import SEEDS_DIR
from pipelines.core.warehouse import table_exists
from quality import regles

CELLULE = ", ".join(regles.LOCALISATION_CELLULE)


# ---------------------------------------------------------------------------------------------
# Deliveries
# ---------------------------------------------------------------------------------------------

def chargements_par_export(con: duckdb.DuckDBPyConnection, chargements: list[int]) -> dict[str, list[int]]:
    if not chargements:
        return {}
    rows = con.execute(
        "select export, list(id_chargement order by id_chargement) from raw._fichiers "
        "where statut = 'CHARGE' and id_chargement in (select unnest(?::bigint[])) group by export order by export",
        [list(chargements)],
    ).fetchall()
    return {export: ids for export, ids in rows if export in EXPORTS}


def lignes_chargees(con: duckdb.DuckDBPyConnection, export: str, ids: list[int],
                    max_lignes: int | None = None) -> tuple[pd.DataFrame, int]:
    """Rows loaded by the given loads (contract columns and where they came from), and their
    total count. Above ``max_lignes`` a reproducible sample is returned (a first build loads
    years of history at once; the daily loads are far below)."""
    cols = [f'"{c}"' for c in EXPORTS[export].column_names]
    cols += ["_id_chargement", "_fichier", "_ligne", "_date_extraction"]
    where = "_id_chargement in (select unnest(?::bigint[]))"
    total = con.execute(f"select count(*) from raw.{export} where {where}", [ids]).fetchone()[0]
    sql = f"select {', '.join(cols)} from raw.{export} where {where}"
    if max_lignes is not None and total > max_lignes:
        sql = f"select * from ({sql}) using sample reservoir({int(max_lignes)} rows) repeatable (42)"
    return con.execute(sql, [ids]).df(), total


def cles_chargees(con: duckdb.DuckDBPyConnection, export: str, ids: list[int]) -> pd.DataFrame:
    """Only what key uniqueness needs, for every loaded row (never sampled)."""
    key = EXPORTS[export].key or ()
    cols = [*(f'"{k}"' for k in key), "_id_chargement", "_fichier", "_ligne"]
    return con.execute(
        f"select {', '.join(cols)} from raw.{export} where _id_chargement in (select unnest(?::bigint[]))", [ids]
    ).df()


def volumes(con: duckdb.DuckDBPyConnection, ids: list[int]) -> pd.DataFrame:
    """Each delivery (export × extraction date: the files of one day, sequence numbers included)
    that brought a checked load, beside the median size of the previous deliveries of its export."""
    return con.execute(
        f"""
        with f as (
            select export, date_extraction, sum(lignes_lues) as lignes_lues,
                   string_agg(fichier, ', ' order by coalesce(sequence, 0)) as fichier,
                   bool_or(id_chargement in (select unnest(?::bigint[]))) as controle
            from raw._fichiers where statut = 'CHARGE'
            group by export, date_extraction
        ),
        h as (
            select a.export, a.date_extraction, b.lignes_lues as lignes_avant,
                   row_number() over (partition by a.export, a.date_extraction order by b.date_extraction desc) as rang
            from f a join f b on b.export = a.export and b.date_extraction < a.date_extraction
            where a.controle
        ),
        m as (
            select export, date_extraction, count(*) as historique, median(lignes_avant) as mediane_historique
            from h where rang <= {regles.VOLUME_HISTORIQUE} group by all
        )
        select f.export, f.date_extraction, f.fichier, f.lignes_lues,
               coalesce(m.historique, 0) as historique, m.mediane_historique,
               case when m.historique >= {regles.VOLUME_HISTORIQUE_MIN} and m.mediane_historique > 0
                    then f.lignes_lues / m.mediane_historique end as ratio,
               abs(f.lignes_lues - coalesce(m.mediane_historique, f.lignes_lues)) as ecart_absolu
        from f left join m using (export, date_extraction)
        where f.controle
        order by f.export, f.date_extraction
        """,
        [ids],
    ).df()


def schema_brut(con: duckdb.DuckDBPyConnection, exports: list[str]) -> pd.DataFrame:
    observes = {
        (t, c): ty for t, c, ty in con.execute(
            "select table_name, column_name, data_type from information_schema.columns where table_schema = 'raw'"
        ).fetchall()
    }
    rows = [
        {"export": e, "colonne": c.name, "type_attendu": c.duckdb_type, "type_observe": observes.get((e, c.name), "ABSENTE")}
        for e in exports for c in EXPORTS[e].columns
    ]
    return pd.DataFrame(rows, columns=["export", "colonne", "type_attendu", "type_observe"])


# ---------------------------------------------------------------------------------------------
# Marts
# ---------------------------------------------------------------------------------------------

def _cellules(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A frame of cells, every row (blocking checks are not sampled): the cell's key columns as
    categories (a few distinct values repeated over millions of rows at national scale: as Python
    strings they held gigabytes)."""
    return con.sql(sql).to_arrow_table().to_pandas(strings_to_categorical=True)


def taux(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _cellules(con, f"select {CELLULE}, numerateur, denominateur, valeur from marts.indicateurs where unite = 'taux'")


def grille_a1(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every month × région / département seen for A1, and whether the cell exists."""
    return con.execute(
        f"""
        with a1 as (
            select distinct periode, niveau, territoire from marts.indicateurs
            where indicateur = '{A1}' and type_periode = 'mois' and dimension = 'ensemble'
              and niveau in ('REGION', 'DEPARTEMENT')
        ),
        mois as (
            select unnest(generate_series(min(periode), max(periode), interval 1 month))::date as periode from a1
        ),
        territoires as (select distinct niveau, territoire from a1)
        select t.niveau, t.territoire, m.periode, a1.periode is not null as present
        from territoires t cross join mois m
        left join a1 on a1.niveau = t.niveau and a1.territoire = t.territoire and a1.periode = m.periode
        order by 1, 2, 3
        """
    ).df()


def sauts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Month-over-month change of counts (région, département, ensemble), final months only."""
    return con.execute(
        f"""
        with c as (
            select indicateur, niveau, territoire, periode, valeur,
                   lag(valeur) over w as valeur_precedente, lag(periode) over w as periode_precedente
            from marts.indicateurs
            where unite = 'nombre' and type_periode = 'mois' and dimension = 'ensemble'
              and niveau in ('REGION', 'DEPARTEMENT') and not provisoire
            window w as (partition by indicateur, niveau, territoire order by periode)
        )
        select indicateur, niveau, territoire, periode, valeur_precedente, valeur,
               valeur / valeur_precedente - 1 as variation
        from c
        where periode_precedente = periode - interval 1 month
          and greatest(valeur, valeur_precedente) >= {regles.SAUT_VALEUR_MIN}
          and valeur_precedente > 0
        order by indicateur, niveau, territoire, periode
        """
    ).df()


def valeurs_reference(con: duckdb.DuckDBPyConnection) -> list[dict]:
    refs = lecture.valeurs_reference(con)
    if refs is not None:
        return refs.to_dicts()
    path = Path(SEEDS_DIR) / "nomenclatures" / "valeurs_reference.csv"
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def references(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each reference value beside the average observed over the final months of the same cell
    (a « A|B » modality is the sum of both), plus the national rate of false positives."""
    rows = []
    for ref in valeurs_reference(con):
        modalites = str(ref["modalite"]).split("|")
        observe = con.execute(
            """
            select avg(v) from (
                select periode, sum(valeur) as v from marts.indicateurs
                where indicateur = ? and type_periode = 'mois' and niveau = ? and territoire = ? and dimension = ?
                  and modalite in (select unnest(?::varchar[])) and not provisoire and valeur is not null
                group by periode having count(*) = ?
            )
            """,
            [ref["indicateur"], ref["niveau"], str(ref["territoire"]), ref["dimension"], modalites, len(modalites)],
        ).fetchone()[0]
        reference = float(ref["valeur"])
        bande = max(regles.REFERENCE_ECART_ABSOLU, regles.REFERENCE_ECART_RELATIF * reference)
        rows.append({
            "indicateur": ref["indicateur"], "territoire": str(ref["territoire"]), "modalite": ref["modalite"],
            "reference": reference, "observe": observe,
            "ecart_normalise": None if observe is None else (observe - reference) / bande,
        })
    fp = con.execute(
        f"""select avg(valeur) from marts.indicateurs where indicateur = '{E2}' and type_periode = 'mois'
           and niveau = 'NATIONAL' and dimension = 'ensemble' and not provisoire and valeur is not null"""
    ).fetchone()[0]
    if fp is not None:
        rows.append({"indicateur": E2, "territoire": "FR", "modalite": "ensemble",
                     "reference": None, "observe": fp, "ecart_normalise": None})
    df = pd.DataFrame(rows, columns=["indicateur", "territoire", "modalite", "reference", "observe", "ecart_normalise"])
    return df.astype({"reference": "float64", "observe": "float64", "ecart_normalise": "float64"})


def comptes_publication(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    marts = con.execute("select count(*) from marts.indicateurs").fetchone()[0]
    pub = (con.execute("select count(*) from publication.indicateurs").fetchone()[0]
           if table_exists(con, "publication", "indicateurs") else 0)
    return pd.DataFrame({"lignes_marts": [marts], "lignes_publication": [pub]})


def cellules_secretes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not table_exists(con, "publication", "indicateurs"):
        return pd.DataFrame({c: [] for c in [*regles.LOCALISATION_CELLULE, "valeur_divulguee"]})
    return _cellules(con, f"""select {CELLULE},
                   (valeur is not null or numerateur is not null or denominateur is not null) as valeur_divulguee
            from publication.indicateurs where secret""")
