"""Every page, for every demo role, on a real warehouse built by ``socle build`` (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import acces, navigation

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


@pytest.mark.parametrize("u", acces.UTILISATEURS_DEMO, ids=lambda u: u.identifiant)
def test_chaque_page_de_chaque_role(entrepot_demo, monkeypatch, tmp_path, u):
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(entrepot_demo))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["utilisateur"] = u
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    vus_secret = False
    for page in navigation.pages_pour(u.role):
        at.switch_page(page.relatif).run()
        assert not at.exception, (page.titre, [e.value for e in at.exception])
        assert at.title[0].value == page.titre
        assert not at.error, (page.titre, [e.value for e in at.error])
        if page.graphique:
            assert at.get("plotly_chart"), f"aucun graphique sur la page {page.titre}"
        textes = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
        textes += [m.value for m in at.metric]
        vus_secret |= "s" in textes
        if not u.perimetre.publie:
            assert "s" not in textes, page.titre  # the internal view has no secret cell
    # The published view of a département or a region of the demo has small cells somewhere.
    assert vus_secret == u.perimetre.publie
    # Every page view is in the access log, with the territory of the perimeter.
    lignes = [json.loads(l) for l in (tmp_path / "journal_acces.jsonl").read_text().splitlines()]
    assert {l["page"] for l in lignes} >= {p.url for p in navigation.pages_pour(u.role) if p.url != "journal_acces"}
    if not u.perimetre.tout:
        assert all(l["territoire"] is None or l["territoire"].startswith(("REGION:", "DEPARTEMENT:", "BASSIN:"))
                   for l in lignes)
