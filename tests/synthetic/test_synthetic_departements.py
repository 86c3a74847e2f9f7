"""`departements=` / `socle generer --departements`: one or a few départements, at their real size."""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.synthetic import generate, lecture, personnes_reference
from pipelines.synthetic.referentiel import REFERENTIEL_DIR

START, END = date(2025, 1, 1), date(2025, 4, 30)
AGENT_EXPORTS = ("orientations", "diagnostics", "entretiens", "accompagnements", "manquements")


def _ref(name):
    return pl.read_csv(REFERENTIEL_DIR / name, infer_schema=False)


def _agences(*deps):
    return set(_ref("agences.csv").filter(pl.col("code_departement").is_in(deps))["code_agence"])


def _defm_a_e(dep):
    defm = _ref("defm_departement.csv")
    last = defm.filter((pl.col("mois") == defm["mois"].max()) & (pl.col("code_departement") == dep))
    assert sorted(last["categorie"]) == ["A", "B", "C", "D", "E"]
    return int(last["demandeurs"].cast(pl.Int64).sum())


def _hashes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def haute_garonne_gers(tmp_path_factory):
    out = tmp_path_factory.mktemp("departements") / "inbox"
    summary = generate(out, departements=["31", "32"], start=START, end=END, persons=2_000, seed=5,
                       chunk_size=1_000)
    return out, summary


def test_only_and_all_agencies_of_the_departements(haute_garonne_gers):
    out, summary = haute_garonne_gers
    attendues = _agences("31", "32")
    ins = lecture.current(out, "inscriptions")
    assert set(ins["code_agence"]) == attendues  # every agency of the two départements, no other
    com = _ref("communes.csv").select("code_commune", "code_departement")
    assert set(ins.join(com, on="code_commune", how="left")["code_departement"]) == {"31", "32"}
    for export in AGENT_EXPORTS:
        assert set(lecture.current(out, export)["code_agence"]) <= attendues, export
    # controls (no agency column): through their registration episode
    ctl = lecture.current(out, "controles").join(
        ins.select("id_inscription", "code_agence"), on="id_inscription", how="left")
    assert ctl.height > 0 and ctl["code_agence"].null_count() == 0
    # CRE platforms as in the whole-region simulation: 31 and 32 are the 5th and 6th
    # départements of Occitanie (09, 11, 12, 30, 31, 32…), platforms 2 and 3 of three.
    plateformes = dict(ctl.join(_ref("agences.csv").select("code_agence", "code_departement"), on="code_agence")
                       .select("code_departement", "code_plateforme").unique().rows())
    assert plateformes == {"31": "PF76-2", "32": "PF76-3"}
    alertes = lecture.current(out, "alertes_finalite")
    assert set(alertes["code_agence"]) - {None, ""} <= attendues
    assert set(alertes["code_etablissement"]) <= {"76", "DG", "DSI", "PES"}
    emplois = lecture.current(out, "emplois")
    assert emplois.height > 0 and set(emplois["id_personne"]) <= set(ins["id_personne"])
    p = summary["parametres"]
    assert (p["departements"], p["departements_demandes"], p["regions"]) == (["31", "32"], ["31", "32"], ["76"])
    assert p["personnes"] == 2_000 and p["personnes_reference"] is None


def test_default_persons_is_the_real_number_of_registered_people(tmp_path):
    # 31: DEFM categories A to E of the latest month of the referential (2016-06)
    assert personnes_reference(["31"]) == (_defm_a_e("31"), "2016-06")
    assert 100_000 <= personnes_reference(["31"])[0] <= 200_000
    assert personnes_reference(["31", "32"])[0] == _defm_a_e("31") + _defm_a_e("32")
    assert personnes_reference(["2a"])[0] == _defm_a_e("2A")
    # a small département, generated end to end at its default size
    out = tmp_path / "lozere"
    summary = generate(out, departements=["48"], start=date(2025, 3, 1), end=date(2025, 4, 30), seed=3)
    reel = _defm_a_e("48")
    assert summary["parametres"]["personnes"] == reel
    assert summary["parametres"]["personnes_reference"] == {
        "source": "defm_departement.csv", "mois": "2016-06", "categories": "A+B+C+D+E", "personnes": reel}
    ins = lecture.current(out, "inscriptions")
    assert ins["id_personne"].n_unique() <= reel
    assert set(ins["code_agence"]) == _agences("48")
    # an explicit --persons wins
    assert generate(tmp_path / "x", departements=["48"], start=date(2025, 4, 1), end=date(2025, 4, 30),
                    persons=150)["parametres"]["personnes"] == 150


def test_cli_default_size(tmp_path):
    res = CliRunner().invoke(app, ["generer", "--sortie", str(tmp_path / "cli"), "--departements", "48",
                                   "--mois", "1"])
    assert res.exit_code == 0, res.output
    parametres = lecture.summary(tmp_path / "cli")["parametres"]
    assert parametres["personnes"] == parametres["personnes_reference"]["personnes"] == _defm_a_e("48")
    assert parametres["departements"] == ["48"] and parametres["regions"] == ["76"]
    nombre = f"{_defm_a_e('48'):,}".replace(",", " ")
    assert f"{nombre} personnes (inscrits DEFM A à E de 2016-06" in " ".join(res.output.split())


def test_same_seed_same_bytes(tmp_path):
    def run(name, seed, deps=("31",)):
        generate(tmp_path / name, departements=list(deps), start=date(2024, 12, 1), end=date(2025, 2, 28),
                 persons=1_200, seed=seed, chunk_size=500)
        return _hashes(tmp_path / name)

    a, b, c, d = run("a", 11), run("b", 11), run("c", 12), run("d", 11, ("32",))
    assert a == b
    assert a != c and a != d


def test_unknown_departement_is_named(tmp_path):
    with pytest.raises(ValueError, match="Département inconnu : 99 "):
        generate(tmp_path / "x", departements=["31", "99"], end=date(2024, 2, 29), persons=10)
    with pytest.raises(ValueError, match="Départements inconnus : 100, 99 "):
        personnes_reference(["99", "100"])
    with pytest.raises(ValueError, match="hors métropole : 971"):
        generate(tmp_path / "y", departements=["971"], end=date(2024, 2, 29), persons=10)
    assert not (tmp_path / "x").exists()  # refused before anything is written
    res = CliRunner().invoke(app, ["generer", "--sortie", str(tmp_path / "z"), "--departements", "31,99"])
    assert res.exit_code == 1
    assert "Département inconnu : 99" in " ".join(res.output.split())
    assert not (tmp_path / "z").exists()


def test_regions_and_departements_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match="--regions et --departements ne peuvent pas être utilisées ensemble"):
        generate(tmp_path / "x", regions=["76"], departements=["31"], end=date(2024, 2, 29), persons=10)
    with pytest.raises(ValueError, match="ne peuvent pas être utilisées ensemble"):
        generate(tmp_path / "x", regions=None, departements=["31"], end=date(2024, 2, 29), persons=10)
    res = CliRunner().invoke(app, ["generer", "--sortie", str(tmp_path / "z"), "--regions", "76",
                                   "--departements", "31", "--personnes", "10"])
    assert res.exit_code == 1
    assert "--regions et --departements ne peuvent pas être utilisées ensemble" in " ".join(res.output.split())
    assert not (tmp_path / "z").exists()
