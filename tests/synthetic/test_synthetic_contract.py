"""The synthetic inbox follows the export contract, except exactly the bad rows it declares."""

from __future__ import annotations

import gzip

import polars as pl
import pyarrow.parquet as pq

from pipelines.core import contract as C
from pipelines.synthetic import lecture
from pipelines.synthetic.delivery import FORMATS


def _header(path) -> list[str]:
    if path.name.endswith(".parquet"):
        return pq.read_schema(path).names
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return fh.readline().rstrip("\n").lstrip("\ufeff").split(";")


def test_file_names_parse_and_match_their_folder(inbox):
    exports = set()
    for export_dir in inbox.out.iterdir():
        if export_dir.name.startswith("_"):
            continue
        assert export_dir.is_dir()
        for f in export_dir.iterdir():
            dn = C.parse_delivery_name(f.name)
            assert dn.export == export_dir.name
            assert dn.extension == FORMATS.get(dn.export, "csv")
            exports.add(dn.export)
    # the nine core exports, and with the default consultation window the three of the alert rules
    assert exports == set(C.CORE_EXPORTS) | {"agents", "personnes_exposees", "consultations"}
    assert exports == set(inbox.summary["fichiers"])
    assert not (inbox.out / "_staging").exists()
    assert (inbox.out / "_generation.json").is_file()


def test_extraction_dates_within_the_period(inbox):
    from datetime import date
    first = date.fromisoformat(inbox.summary["parametres"]["debut"])
    last = date.fromisoformat(inbox.summary["parametres"]["derniere_extraction"])
    for export in C.CORE_EXPORTS:
        days = [C.parse_delivery_name(p.name).date_extraction for p in lecture.delivery_files(inbox.out, export)]
        assert min(days) >= first and max(days) <= last


def test_headers_have_exactly_the_contract_columns(inbox):
    orders, boms = set(), 0
    for export in C.CORE_EXPORTS:
        for path in lecture.delivery_files(inbox.out, export):
            cols = _header(path)
            assert sorted(cols) == sorted(C.EXPORTS[export].column_names), path.name
            if export == "orientations":
                orders.add(tuple(cols))
            if not path.name.endswith((".gz", ".parquet")):
                boms += path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(orders) > 1, "some orientations files must use another column order"
    assert boms > 0, "some files start with a BOM"


def test_no_empty_files(inbox):
    for export in C.CORE_EXPORTS:
        per_file = inbox.raw(export).group_by("_fichier").len()
        assert per_file.height == len(lecture.delivery_files(inbox.out, export))
        assert per_file["len"].min() > 0


def _invalid_cells(df: pl.DataFrame, export: str) -> list[tuple[str, int, str]]:
    """(file, line, column) of every value that breaks the contract's types, codes or requirements."""
    bad = []
    for c in C.EXPORTS[export].columns:
        v = pl.col(c.name)
        present = v.is_not_null() & (v != "")
        checks = []
        if c.required:
            checks.append(~present)
        if c.type == "date":
            checks.append(present & (v.str.to_date(C.DATE_FORMAT, strict=False).is_null() | ~v.str.contains(r"^\d{4}-\d{2}-\d{2}$")))
        elif c.type == "timestamp":
            checks.append(present & v.str.to_datetime(C.TIMESTAMP_FORMAT, strict=False).is_null())
        elif c.type == "integer":
            checks.append(present & v.cast(pl.Int64, strict=False).is_null())
        elif c.type == "decimal":
            checks.append(present & v.cast(pl.Float64, strict=False).is_null())
        elif c.type == "boolean":
            checks.append(present & ~v.is_in(["0", "1"]))
        if c.codes:
            if c.multi_sep:
                checks.append(present & ~v.str.split(c.multi_sep).list.eval(pl.element().is_in(list(c.codes))).list.all())
            else:
                checks.append(present & ~v.is_in(list(c.codes)))
        if c.pattern:
            checks.append(present & ~v.str.contains(c.pattern))
        if c.min_value is not None:
            checks.append(present & (v.cast(pl.Float64, strict=False) < c.min_value))
        if c.max_value is not None:
            checks.append(present & (v.cast(pl.Float64, strict=False) > c.max_value))
        if not checks:
            continue
        cond = pl.any_horizontal(checks).fill_null(False)
        for f, ln in df.filter(cond).select("_fichier", "_ligne").rows():
            bad.append((f, ln, c.name))
    return bad


def test_types_and_codes_hold_except_declared_bad_rows(inbox):
    declared = {(b["fichier"], b["ligne"], b["colonne"]) for b in inbox.summary["lignes_invalides"]}
    found = set()
    for export in C.CORE_EXPORTS:
        found |= set(_invalid_cells(inbox.raw(export), export))
    assert found == declared
    kinds = {b["type"] for b in inbox.summary["lignes_invalides"]}
    assert {"code_inconnu", "date_impossible", "valeur_manquante"} <= kinds


def test_declared_bad_rows_point_at_the_right_line(inbox):
    for b in inbox.summary["lignes_invalides"]:
        path = inbox.out / b["fichier"]
        df = lecture.read_file(path)
        row = df.filter(pl.col("_ligne") == b["ligne"])
        assert row.height == 1
        assert (row[b["colonne"]].item() or "") == b["valeur"]


def test_date_order_rules_hold_on_current_records(inbox):
    for export, rules in C.DATE_ORDER_RULES.items():
        if export not in C.CORE_EXPORTS:
            continue
        df = inbox.current(export)
        for a, b in rules:
            wrong = df.filter(pl.col(b).str.to_date() < pl.col(a).str.to_date())
            assert wrong.height == 0, (export, a, b, wrong.head(3))


def test_versions_of_a_key_increase_over_deliveries(inbox):
    dup = {d["copie"] for d in inbox.summary["fichiers_dupliques"]}
    for export in C.CORE_EXPORTS:
        key = C.EXPORTS[export].key[0]
        df = inbox.versions(export).filter(~pl.col("_fichier").is_in(list(dup)))
        df = df.sort([key, "_date_extraction", "_sequence", "_ligne"])
        wrong = df.filter(pl.col("date_maj") <= pl.col("date_maj").shift(1).over(key))
        assert wrong.height == 0, (export, wrong.head(3))
        # a version is never delivered before it exists (extraction the night after date_maj)
        late = df.filter(pl.col("date_maj").str.slice(0, 10).str.to_date() >= pl.col("_date_extraction"))
        assert late.height == 0


def test_identifiers_are_recognisable_source_pseudonyms(inbox):
    patterns = {"id_personne": r"^P\d{10}$", "id_conseiller": r"^C\d{6}$", "id_agent": r"^A\d{7}$"}
    for export in C.CORE_EXPORTS:
        df = inbox.versions(export)
        for col, pat in patterns.items():
            if col in df.columns:
                vals = df.filter(pl.col(col).is_not_null() & (pl.col(col) != ""))[col]
                assert vals.len() > 0 and vals.str.contains(pat).all(), (export, col)


def test_summary_counts_match_the_files(inbox):
    for export in C.CORE_EXPORTS:
        files = lecture.delivery_files(inbox.out, export)
        assert inbox.summary["fichiers"][export] == len(files)
        assert inbox.summary["lignes"][export] == inbox.raw(export).height


def test_duplicated_file_has_identical_bytes(inbox):
    dups = inbox.summary["fichiers_dupliques"]
    assert dups
    for d in dups:
        a, b = inbox.out / d["original"], inbox.out / d["copie"]
        assert a.read_bytes() == b.read_bytes()
        da, db = C.parse_delivery_name(a.name), C.parse_delivery_name(b.name)
        assert da.date_extraction == db.date_extraction and db.sequence > da.sequence


def test_late_file_holds_only_superseded_versions(inbox):
    late = inbox.summary["fichiers_en_retard"]
    assert late
    for item in late:
        export = item["export"]
        key = C.EXPORTS[export].key[0]
        rows = lecture.read_file(inbox.out / item["fichier"])
        assert rows.height == item["lignes"] > 0
        others = inbox.versions(export).filter(pl.col("_fichier") != item["fichier"])
        newest = others.group_by(key).agg(pl.col("date_maj").max().alias("newest"))
        j = rows.join(newest, on=key, how="left")
        assert (j["newest"] > j["date_maj"]).all()


def test_tombstones_and_resurrections_are_delivered(inbox):
    stones = inbox.summary["suppressions"]
    assert stones and any(s["resurrection"] for s in stones)
    for s in stones:
        key = C.EXPORTS[s["export"]].key[0]
        v = inbox.versions(s["export"]).filter(pl.col(key) == s["cle"])
        assert v.filter((pl.col("date_maj") == s["date_maj"]) & (pl.col("supprime") == "1")).height == 1
        cur = inbox.current(s["export"]).filter(pl.col(key) == s["cle"])
        assert cur.height == (1 if s["resurrection"] else 0)


def test_corrections_are_the_latest_versions(inbox):
    corr = inbox.summary["corrections"]
    assert {c["export"] for c in corr} == {"inscriptions", "diagnostics"}
    for c in corr:
        key = C.EXPORTS[c["export"]].key[0]
        cur = inbox.current(c["export"]).filter(pl.col(key) == c["cle"])
        assert cur.height == 1
        assert cur["date_maj"].item() == c["date_maj"] and cur[c["colonne"]].item() == c["apres"]
        older = inbox.versions(c["export"]).filter((pl.col(key) == c["cle"]) & (pl.col("date_maj") < c["date_maj"]))
        assert c["avant"] in older[c["colonne"]].to_list()


def test_doublon_episodes_are_declared(inbox):
    ins = inbox.current("inscriptions")
    dbl = sorted(ins.filter(pl.col("motif_fin") == "14")["id_inscription"].to_list())
    assert dbl and dbl == inbox.summary["doublons"]
