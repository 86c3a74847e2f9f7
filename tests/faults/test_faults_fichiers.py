"""Faulty files through the real `socle construire`: each accepted or rejected as the contract says,
with a message naming the file, the line and the column; nothing lost; the published indicators
untouched (scenario X, see conftest: it must publish exactly what the clean reference R does)."""

from __future__ import annotations

import pytest

from .conftest import assert_nothing_lost, data_rows_in_file, interne, query

pytestmark = pytest.mark.slow

#: case → sequence number of its file in the scenario (see conftest.build_faulty_files)
CASES = {
    "colonne_obligatoire_absente": 11,
    "colonne_interdite": 12,
    "octets_indecodables": 13,
    "derniere_ligne_tronquee": 14,
    "mauvais_separateur": 15,
    "fichier_vide": 16,
    "en_tete_seul": 17,
    "fins_de_ligne_windows": 18,
    "latin1": 19,
    "cp1252": 20,
}


def _case(scenario, case):
    seq = CASES[case]
    (f,) = [f for f in scenario.x_files if f.name.endswith(f"_{seq}.csv")]
    return f


@pytest.fixture(scope="module")
def x(scenario):
    return scenario.x()


def test_build_goes_on_and_publishes_despite_faulty_files(x):
    assert x["rc"] == 0
    assert "Entrepôt publié" in x["output"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_faulty_file_is_accepted_or_rejected_as_the_contract_says(scenario, x, case):
    f = _case(scenario, case)
    inbox, warehouse = x["inbox"], x["warehouse"]
    reg = query(interne(warehouse), "select statut, motif, lignes_lues, lignes_chargees, lignes_quarantaine "
                           "from raw._fichiers where fichier = ?", [f.rel])
    assert len(reg) == 1, f"{f.rel} must be registered once"
    statut, motif, lues, chargees, quarantaine = reg[0]
    assert statut == f.statut, (f.rel, motif)
    if f.statut == "REJETE":
        # the message names the file and says why (line and column when there is one)
        assert f.motif in motif
        assert f"{f.rel} — {f.motif}" in x["output"].replace("\n", " ")
        # moved whole to the quarantine folder, with its reason; nothing of it in the warehouse
        assert not (inbox / f.rel).exists()
        moved = inbox / "_quarantaine" / f.export / f.name
        assert moved.read_bytes() == f.data
        note = moved.with_name(f.name + ".motif.txt").read_text(encoding="utf-8")
        assert f"fichier : {f.rel}" in note and f.motif in note
        assert (lues, chargees, quarantaine) == (0, 0, 0)
    else:
        assert (inbox / f.rel).exists()  # accepted files stay in the inbox (the archive)
        assert (lues, chargees, quarantaine) == (f.lues, f.chargees, f.quarantaine)
        assert data_rows_in_file(inbox / f.rel) == lues


def test_truncated_last_line_is_quarantined_with_file_and_line(scenario, x):
    f = _case(scenario, "derniere_ligne_tronquee")
    rows = query(interne(x["warehouse"]), "select ligne, colonne, motif, contenu from quarantine.lignes where fichier = ?", [f.rel])
    assert len(rows) == 1
    ligne, colonne, motif, contenu = rows[0]
    assert ligne == f.lues + 1  # header = line 1: the last line of the file
    assert f.motif in motif and "tronquée" in motif
    assert colonne is None  # a short line is misaligned: no column can be trusted (docs/contrat.md)
    # the rows before it are loaded, at their own line numbers
    loaded = query(interne(x["warehouse"]), "select min(_ligne), max(_ligne), count(*) from raw.accompagnements where _fichier = ?",
                   [f.rel])
    assert loaded[0] == (2, f.lues, f.lues - 1)


def test_windows_line_endings_load_the_same_rows_as_the_original(scenario, x):
    f = _case(scenario, "fins_de_ligne_windows")
    original = f.rel.replace("_18.csv", ".csv")
    cols = "* exclude (_id_chargement, _fichier, _sequence)"
    same = query(interne(x["warehouse"]), f"select {cols} from raw.entretiens where _fichier = ? order by _ligne", [f.rel])
    orig = query(interne(x["warehouse"]), f"select {cols} from raw.entretiens where _fichier = ? order by _ligne", [original])
    assert same and same == orig
    assert not any("\r" in str(v) for r in same for v in r)


def test_forbidden_column_values_never_reach_the_warehouse(x):
    hits = query(interne(x["warehouse"]), "select count(*) from quarantine.lignes where contenu like '%Dupont-Fautif%'")
    assert hits == [(0,)]
    cols = query(interne(x["warehouse"]), "select count(*) from information_schema.columns where column_name = 'nom'")
    assert cols == [(0,)]


def test_nothing_lost_per_file_and_in_total(x):
    totals = assert_nothing_lost(x["warehouse"], x["inbox"])
    assert totals["quarantaine"] > 0 and totals["chargees"] > 0


def test_published_indicators_are_those_of_the_clean_reference(scenario, x):
    r = scenario.results["R"]["state"]
    for part in ("marts", "publication", "arrete"):
        assert x["state"][part] == r[part], part
