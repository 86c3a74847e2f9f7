"""The gate in a real build: a blocking failure stops publication, names the check, exits non-zero."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

pytestmark = pytest.mark.slow


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def construit(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    inbox, warehouse = root / "inbox", root / "socle.duckdb"
    runner = CliRunner()
    gen = runner.invoke(app, ["generer", "--sortie", str(inbox), "--regions", "76", "--mois", "3",
                              "--personnes", "400", "--graine", "3"])
    assert gen.exit_code == 0, gen.output
    mp = pytest.MonkeyPatch()
    mp.setenv("SOCLE_DATA_DIR", str(root / "data"))
    res = runner.invoke(app, ["construire", "--depot", str(inbox), "--entrepot", str(warehouse)])
    assert res.exit_code == 0, res.output
    yield {"root": root, "inbox": inbox, "warehouse": warehouse, "output": res.output}
    mp.undo()


def test_quality_build_runs_the_gate(construit):
    assert "Contrôles qualité" in construit["output"]
    assert (construit["root"] / "data" / "qualite" / "data_docs" / "index.html").exists()
    assert (construit["root"] / "data" / "qualite" / "data_docs" / "sommaire.html").exists()


def test_quality_cli_prints_the_status(construit):
    res = CliRunner().invoke(app, ["qualite", "--entrepot", str(construit["warehouse"])])
    assert res.exit_code == 0, res.output
    assert "Contrôles qualité du" in res.output
    assert "bloquant(s) en échec" in res.output
    assert "Data Docs :" in res.output and "sommaire.html" in res.output


def test_quality_blocking_failure_stops_the_build(construit, monkeypatch):
    from quality import cibles

    avant = _hash(construit["warehouse"])
    vrai_taux = cibles.taux

    def taux_corrompu(con):
        df = vrai_taux(con)
        df.loc[df.index[0], "valeur"] = 1.5  # a ratio above 1 reaches the marts
        return df

    monkeypatch.setenv("SOCLE_DATA_DIR", str(construit["root"] / "data"))
    monkeypatch.setattr(cibles, "taux", taux_corrompu)
    res = CliRunner().invoke(app, ["construire", "--depot", str(construit["inbox"]), "--entrepot", str(construit["warehouse"])])
    assert res.exit_code != 0
    assert "contrôles qualité" in res.output
    assert "taux.entre_0_et_1" in res.output and "marts.indicateurs" in res.output
    assert _hash(construit["warehouse"]) == avant, "le fichier publié a changé"
    # the published status is still the last good one
    statut = CliRunner().invoke(app, ["qualite", "--entrepot", str(construit["warehouse"])])
    assert "taux.entre_0_et_1" not in statut.output
