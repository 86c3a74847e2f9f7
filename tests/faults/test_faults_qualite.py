"""A quality gate that fails, through the real `socle construire`: nothing is published, the command
exits non-zero and says which check failed and on what; nothing already loaded is lost.

The fault: the raw layer of the build's private copy drifted from the contract (a column retyped
by hand, as a careless migration would); a new delivery of that export arrives — ingestion and dbt
go through, the blocking check « schema.types_du_contrat » of the quality gate (`quality.gates`)
must stop the publication.
"""

from __future__ import annotations

import hashlib

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app

from .conftest import assert_nothing_lost, delivery_date, published_state

pytestmark = pytest.mark.slow

quality_gates = pytest.importorskip("quality.gates", reason="pas encore de contrôles qualité (quality.gates)")


def _hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def blocked(scenario):
    s = scenario
    s.clone("R", "Q")
    inbox, warehouse, _ = s.dirs("Q")
    work = warehouse.parent / f".{warehouse.stem}-travail" / warehouse.name
    assert work.exists()
    con = duckdb.connect(str(work))
    try:
        # a drift of the raw layer's types (rows kept in the file: a text column is then what
        # raw.controles shows, the lake's decimals included)
        con.execute("alter table raw_entrepot.controles alter column sanction_taux type varchar")
    finally:
        con.close()
    # a new delivery of controles (the rows of a delivered file again, plus a blank line: a new
    # content, neutral), so that the gate checks that export
    rel = sorted(r for r in s.earlier + s.later if r.parts[0] == "controles" and r.name.endswith(".csv"))[-1]
    src = s.master / rel
    d = delivery_date(src)
    (inbox / "controles" / f"controles_{d:%Y%m%d}_5.csv").write_bytes(src.read_bytes() + b"\n")
    before = _hash(warehouse)
    p = s.start("Q")
    rc = p.wait()
    return {"rc": rc, "output": p.output, "before": before, "inbox": inbox, "warehouse": warehouse}


def test_failed_gate_exits_non_zero_naming_the_check_and_its_target(blocked):
    assert blocked["rc"] != 0, blocked["output"][-3000:]
    out = blocked["output"]
    assert "contrôles qualité" in out
    assert "schema.types_du_contrat" in out
    assert "sanction_taux" in out and "controles" in out
    assert "Entrepôt publié" not in out and "• Publication" not in out


def test_failed_gate_publishes_nothing(scenario, blocked):
    assert _hash(blocked["warehouse"]) == blocked["before"], "the published file changed"
    got = published_state(blocked["warehouse"])
    ref = scenario.results["R"]["state"]
    assert got == {k: ref[k] for k in ("marts", "publication", "arrete")}
    assert_nothing_lost(blocked["warehouse"], blocked["inbox"])
    # the published quality status is still the last good one
    statut = CliRunner().invoke(app, ["qualite", "--entrepot", str(blocked["warehouse"])])
    assert statut.exit_code == 0, statut.output
    assert "Contrôles qualité du" in statut.output and "schema.types_du_contrat" not in statut.output
