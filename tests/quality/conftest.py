"""Hand-made warehouses and frames for the quality suites."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.core.warehouse import ensure_raw_schema

# type_periode last in the tuples (tests index them by position), after periode in the table
COLS = ("indicateur, periode, niveau, territoire, dimension, modalite, numerateur, denominateur, valeur, unite, "
        "provisoire, type_periode")


@pytest.fixture(scope="session")
def validateur():
    from quality.moteur import Validateur

    return Validateur(None)


def ligne_marts(indicateur, periode, niveau, territoire, valeur, *, num=None, den=None, unite="nombre",
                dimension="ensemble", modalite="ensemble", provisoire=False, type_periode="mois"):
    return (indicateur, periode, niveau, territoire, dimension, modalite, num, den, valeur, unite, provisoire,
            type_periode)


def bonnes_cellules() -> list[tuple]:
    rows = []
    for m in range(1, 7):
        p = date(2025, m, 1)
        rows.append(ligne_marts("demandeurs_fin_de_mois", p, "REGION", "76", 1000 + m))
        rows.append(ligne_marts("demandeurs_fin_de_mois", p, "DEPARTEMENT", "31", 400 + m))
        rows.append(ligne_marts("taux_sanction_cre", p, "NATIONAL", "FR", 0.17, num=17, den=100, unite="taux"))
    return rows


def creer_entrepot(path: Path, cellules: list[tuple], *, secret_avec_valeur: bool = False,
                   publication_manquante: int = 0) -> Path:
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        con.execute("create schema marts")
        con.execute("""create table marts.indicateurs (indicateur varchar, periode date, type_periode varchar,
            niveau varchar, territoire varchar, dimension varchar, modalite varchar, numerateur double,
            denominateur double, valeur double, unite varchar, provisoire boolean)""")
        con.executemany(f"insert into marts.indicateurs ({COLS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cellules)
        con.execute("create schema publication")
        con.execute("""create table publication.indicateurs as
            select *, false as secret, null::varchar as motif_secret from marts.indicateurs""")
        con.execute("update publication.indicateurs set secret = true, valeur = null, numerateur = null, "
                    "denominateur = null, motif_secret = 'primaire_effectif' where niveau = 'DEPARTEMENT'")
        if secret_avec_valeur:
            con.execute("update publication.indicateurs set valeur = 12 where niveau = 'DEPARTEMENT' "
                        "and periode = date '2025-03-01'")
        if publication_manquante:
            con.execute(f"delete from publication.indicateurs where rowid in "
                        f"(select rowid from publication.indicateurs limit {publication_manquante})")
    finally:
        con.close()
    return path


def enregistrer_fichier(con, id_chargement: int, export: str, jour: date, lignes: int, statut: str = "CHARGE") -> None:
    con.execute(
        "insert into raw._fichiers values (?, ?, ?, ?, ?, 0, 'csv', ?, ?, 0, ?, null, ?, null)",
        [id_chargement, export, f"{export}/{export}_{jour:%Y%m%d}.csv", f"h{id_chargement}", jour, lignes,
         lignes if statut == "CHARGE" else 0, statut, datetime(2025, 1, 1)],
    )
