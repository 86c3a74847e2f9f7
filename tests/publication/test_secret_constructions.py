"""The optimiser on real builds of generated data, several seeds: ``socle construire`` protects the
view and its audit gate passes; the exact audit (two LPs per secret quantity left without a
certificate) then finds no violation and leaves no bound unproven.

Lozère at its real size (``--departements 48``: about 4 800 registered people, as dense as a real
département): a sparse build (a few hundred people over a whole region) would test the
publication plan, which then publishes almost nothing, more than the optimiser."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.secret.audit import auditer
from pipelines.synthetic import generate


@pytest.mark.parametrize("graine", [1, 2, 3])
def test_a_generated_build_protected_by_the_optimiser_passes_the_exact_audit(tmp_path, monkeypatch, graine):
    inbox, entrepot = tmp_path / "inbox", tmp_path / "socle.duckdb"
    generate(inbox, departements=["48"], start=date(2025, 6, 1), end=date(2025, 9, 30), seed=graine, mois_consultations=0)
    monkeypatch.setenv("SOCLE_SECRET_METHODE", "optimiseur")
    res = CliRunner().invoke(app, ["construire", "--depot", str(inbox), "--entrepot", str(entrepot)])
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(entrepot), read_only=True)
    try:
        assert con.execute("select methode from publication.methode_secret").fetchall() == [("optimiseur",)]
        audit = auditer(con, 11, exact=True)
        secretes = con.execute("select count(*) from publication.indicateurs where secret").fetchall()[0][0]
    finally:
        con.close()
    assert audit.violations == [], audit.resume()
    assert audit.non_prouvees == 0, audit.resume()
    assert audit.quantites_auditees > 100 and secretes > 0, audit.resume()  # something was protected
