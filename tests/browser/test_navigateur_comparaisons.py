"""Real-browser test of the comparisons of the Synthèse page (issue 16, « comparaisons attendues »):
the series-break marker of January 2025, the comparison with similar territories, the year before
and the 12-month switch, drawn and screenshot in ``<artefacts>/captures/comparaisons/``.

The session's demo warehouse (``entrepot_demo``, November 2024 to December 2025) crosses
January 2025. See docs/tests-navigateur.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.core.indicateurs import LIBELLE_RUPTURE

from .test_navigateur_pages import (
    HAUTEUR,
    HAUTEUR_MAX_CAPTURE,
    JS_HAUTEUR,
    LARGEUR,
    _attendre_graphiques,
    _attendre_pret,
    _attendre_relance,
    _capturer,
    _erreurs,
    _guetter_relance,
    _nouvelle_session,
    _signer,
)

pytestmark = pytest.mark.slow

def _bloc_comparaisons(page):
    """The bordered container of the comparisons: the innermost block holding its controls and
    its list of similar territories."""
    return (page.locator('[data-testid="stMain"] [data-testid="stVerticalBlock"]')
            .filter(has=page.get_by_text("Territoires comparés", exact=True))
            .filter(has=page.get_by_text("Territoires similaires à", exact=False)).last)


def _capturer_bloc(page, bloc, chemin: Path) -> None:
    """A screenshot of one block: the viewport is stretched first (a block taller than the
    window would be cut, Streamlit scrolling inside its main section)."""
    page.set_viewport_size({"width": LARGEUR, "height": min(int(page.evaluate(JS_HAUTEUR)), HAUTEUR_MAX_CAPTURE)})
    page.wait_for_timeout(300)  # charts follow the new layout
    try:
        bloc.screenshot(path=str(chemin), animations="disabled")
    finally:
        page.set_viewport_size({"width": LARGEUR, "height": HAUTEUR})


def _basculer(page, libelle: str) -> None:
    _guetter_relance(page)
    page.get_by_text(libelle, exact=True).click()
    _attendre_relance(page)
    _attendre_pret(page)


def test_rupture_pairs_et_12_mois(navigateur, serveur, artefacts):
    """comite31 (published view; a test account, ``serveur``: Haute-Garonne is the test warehouse's
    densest département, the demo committee's Ariège too small there for its year-before series
    to show): the Synthèse page marks the break on its charts; the
    comparisons show the similar départements (published cells), the year before, then the
    12-month values; no error, every chart drawn."""
    dossier = artefacts / "captures" / "comparaisons"
    contexte, page = _nouvelle_session(navigateur, serveur)
    try:
        _signer(page, "comite31")
        _attendre_graphiques(page, exige=True)
        main = page.locator('[data-testid="stMain"]')
        assert not _erreurs(page), _erreurs(page)
        # the break, on the headline charts over 24 months
        ruptures = main.locator('[data-testid="stPlotlyChart"] .annotation-text', has_text=LIBELLE_RUPTURE)
        assert ruptures.count() >= 1, "aucun graphique ne marque la rupture de série"

        bloc = _bloc_comparaisons(page)
        bloc.scroll_into_view_if_needed()
        # similar territories by default, listed with why
        assert main.get_by_text("Territoires similaires à 31 – Haute-Garonne").count() == 1
        assert bloc.get_by_text("effectif inscrit", exact=False).count() >= 1

        _basculer(page, "Même mois un an plus tôt (N−1)")
        graphiques = _attendre_graphiques(page, exige=True)
        assert graphiques["dessines"] == graphiques["visibles"], graphiques
        graphique = bloc.locator('[data-testid="stPlotlyChart"]').first
        legende = graphique.locator(".legendtext").all_text_contents()
        assert len(legende) >= 4 and any("un an plus tôt" in t for t in legende), legende
        assert graphique.locator(".annotation-text", has_text=LIBELLE_RUPTURE).count() == 1
        _capturer(page, dossier / "01_synthese_comite31.png")
        _capturer_bloc(page, bloc, dossier / "02_comparaisons_annee_precedente.png")

        _basculer(page, "Valeurs sur 12 mois glissants")
        _attendre_graphiques(page, exige=True)
        assert bloc.get_by_text("Valeurs sur 12 mois glissants : chaque point", exact=False).count() == 1
        assert bloc.get_by_text("réunit des mois d'avant et d'après la rupture", exact=False).count() == 1
        _capturer_bloc(page, bloc, dossier / "03_comparaisons_12_mois.png")
        assert not _erreurs(page), _erreurs(page)
    finally:
        contexte.close()
