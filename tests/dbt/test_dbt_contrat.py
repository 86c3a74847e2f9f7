"""The dbt project cannot drift from pipelines.core.contract: sources, code lists, staging columns."""

from __future__ import annotations

import csv

import yaml

from pipelines.core.contract import ENTITES_NATIONALES, EXPORTS, code_lists
from pipelines.core.settings import DBT_PROJECT_DIR
from pipelines.core.warehouse import RAW_META_COLUMNS

MODELS = DBT_PROJECT_DIR / "models"


def _sources() -> dict[str, list[dict]]:
    doc = yaml.safe_load((MODELS / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    (raw,) = [s for s in doc["sources"] if s["name"] == "raw"]
    assert raw["schema"] == "raw"
    return {t["name"]: t.get("columns", []) for t in raw["tables"]}


def test_dbt_sources_egales_au_contrat():
    sources = _sources()
    # the optional exports too: their raw tables exist (empty) even when never delivered
    assert set(sources) == set(EXPORTS) | {"_fichiers"}
    meta = [n for n, _ in RAW_META_COLUMNS]
    for name in EXPORTS:
        export = EXPORTS[name]
        colonnes = [c["name"] for c in sources[name]]
        assert colonnes == list(export.column_names) + meta, name
        types = {c["name"]: c["data_type"] for c in sources[name]}
        for col in export.columns:
            assert types[col.name] == col.duckdb_type.lower(), (name, col.name)


def test_dbt_sources_fichiers_egales_au_registre(tmp_path):
    from pipelines.core.warehouse import connect, ensure_raw_schema

    with connect(tmp_path / "w.duckdb") as con:
        ensure_raw_schema(con)
        reel = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = '_fichiers' order by ordinal_position").fetchall()]
    assert [c["name"] for c in _sources()["_fichiers"]] == reel


def test_dbt_listes_codes_egales_au_contrat():
    chemin = DBT_PROJECT_DIR / "seeds" / "nomenclatures" / "listes_codes.csv"
    with chemin.open(encoding="utf-8", newline="") as fh:
        lignes = list(csv.DictReader(fh))
    assert sorted((r["export"], r["colonne"], r["code"]) for r in lignes) == sorted(code_lists())
    assert all(r["libelle"].strip() for r in lignes), "libellé vide"


def test_dbt_staging_liste_les_colonnes_du_contrat():
    # each staging model selects every contract column except the tombstone flag; an export
    # without a key (the consultation log) has no version to choose: every row with its load (the
    # exact duplicates collapse where the new loads are read, int_consultations__candidats)
    for name, export in EXPORTS.items():
        sql = (MODELS / "staging" / f"stg_{name}.sql").read_text(encoding="utf-8")
        alias = "versions_courantes" if export.key else name
        for col in export.column_names:
            present = f"{alias}.{col}," in sql or f"{alias}.{col}\n" in sql
            assert present == (col != "supprime"), (name, col)
        assert f"source('raw', '{name}')" in sql
        if export.key:
            assert repr(list(export.key)) in sql, "clé de version courante"
        else:
            assert "_id_chargement as id_chargement" in sql, "chargement de chaque ligne"


def test_dbt_entites_nationales_egales_au_contrat():
    macro = (DBT_PROJECT_DIR / "macros" / "entites_nationales.sql").read_text(encoding="utf-8")
    assert "(" + ", ".join(f"'{e}'" for e in ENTITES_NATIONALES) + ")" in macro


def test_dbt_valeurs_reference_bien_formees():
    chemin = DBT_PROJECT_DIR / "seeds" / "nomenclatures" / "valeurs_reference.csv"
    with chemin.open(encoding="utf-8", newline="") as fh:
        lignes = list(csv.DictReader(fh))
    assert {"indicateur", "territoire", "modalite", "valeur", "source", "annee"} <= set(lignes[0])
    for r in lignes:
        assert 0 <= float(r["valeur"]) <= 1
        assert r["source"] and r["niveau"] in {"NATIONAL", "REGION"}
    assert {r["indicateur"] for r in lignes} == {
        "repartition_orientation", "taux_sanction_cre", "taux_retour_emploi_durable_6m",
        "taux_retour_emploi_6m", "taux_sanction_manquements"}
