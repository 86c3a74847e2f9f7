"""The PDF of a hand-made warehouse: its figures are the published view's, secret cells read « s »,
no hidden value appears anywhere, the quarterly edition aggregates without leaking, the charts are
drawn. Expected figures are read from the warehouse with SQL in the test, never typed in."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import duckdb
import pypdf
import pytest

from pipelines.core.formats import format_mois, format_taux, format_valeur
from pipelines.equite import AU_DESSUS_998
from pipelines.rapports import RapportError, periode, produire_rapport
from pipelines.rapports.sections import SECTIONS

INSCRIPTIONS = next(s for s in SECTIONS if s.ident == "inscriptions")
CONTROLE = next(s for s in SECTIONS if s.ident == "controle")
DELAIS = next(s for s in SECTIONS if s.ident == "delais")


@pytest.fixture(scope="module")
def mensuel(rapport_juin, pdf_texte):
    return rapport_juin, pdf_texte(rapport_juin.pdf)


@pytest.fixture(scope="module")
def trimestriel(entrepot_rapport, pdf_texte):
    produit = produire_rapport(entrepot_rapport.path, "76", periode("2025-T2", "trimestrielle"))
    return produit, pdf_texte(produit.pdf)


def _lignes(pages: list[str]) -> set[str]:
    return {ligne.strip() for page in pages for ligne in page.splitlines()}


@pytest.mark.parametrize("section", [INSCRIPTIONS, DELAIS, CONTROLE], ids=lambda s: s.ident)
def test_monthly_tables_by_departement_are_the_published_cells(entrepot_rapport, mensuel, section, attendu):
    _, pages = mensuel
    attendues = attendu.lignes(entrepot_rapport.path, "76", section.departements, [date(2025, 6, 1)])
    lignes = _lignes(pages)
    # Rows print their cells in the table's column order: compare the start of each row.
    for attendue in attendues:
        assert any(ligne.startswith(attendue) for ligne in lignes), f"ligne absente du PDF : {attendue!r}"


def test_secret_cells_read_s_and_hidden_values_appear_nowhere(entrepot_rapport, mensuel, normalise):
    produit, pages = mensuel
    texte = "\n".join(pages)
    con = duckdb.connect(str(entrepot_rapport.path), read_only=True)
    try:
        publies = {normalise(format_valeur(v, u)) for v, u in con.execute(
            "select valeur, unite from publication.indicateurs where not secret and valeur is not null").fetchall()}
        internes = con.execute(
            "select m.valeur, m.unite from marts.indicateurs m join publication.indicateurs p using "
            "(indicateur, periode, type_periode, niveau, territoire, dimension, modalite) where p.secret").fetchall()
    finally:
        con.close()
    # The test means something: the hidden values are distinctive, no published figure reads like them.
    assert not set(entrepot_rapport.fuites) & publies
    assert {normalise(format_valeur(v, u)) for v, u in internes} & set(entrepot_rapport.fuites)
    for fuite in entrepot_rapport.fuites:
        assert fuite not in texte, f"valeur secrète « {fuite} » présente dans le rapport"
    # The rows of the hidden cells say « s » where the figure would be.
    assert any(ligne.startswith("34 – Hérault ") and " s " in f"{ligne} " for ligne in _lignes(pages))


def test_the_quarterly_edition_aggregates_published_months_only(entrepot_rapport, trimestriel, normalise, attendu):
    produit, pages = trimestriel
    mois = [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]
    lignes = _lignes(pages)
    for section in (INSCRIPTIONS, CONTROLE):
        for attendue in attendu.lignes(entrepot_rapport.path, "76", section.departements, mois):
            assert any(ligne.startswith(attendue) for ligne in lignes), f"ligne absente du PDF : {attendue!r}"
    # B4 in Hérault: April and June are published, May is secret; the quarter is « s », and the sum
    # of the two published months (from which May could be subtracted back) appears nowhere.
    con = duckdb.connect(str(entrepot_rapport.path), read_only=True)
    try:
        avril, juin = (con.execute(
            "select valeur from publication.indicateurs where indicateur = 'orientations_initiales' and niveau = "
            "'DEPARTEMENT' and territoire = '34' and dimension = 'ensemble' and periode = ? "
            "and type_periode = 'mois'", [m]).fetchall()[0][0]
            for m in (mois[0], mois[2]))
    finally:
        con.close()
    assert normalise(format_valeur(avril + juin, "nombre")) not in "\n".join(pages)
    assert "2e trimestre 2025" in pages[0]
    # stocks and medians say which month they show
    assert f"(fin {format_mois(mois[-1])})" in "\n".join(pages)


def test_summary_compares_with_previous_period_year_before_and_references(entrepot_rapport, mensuel, normalise):
    _, pages = mensuel
    synthese = next(p for p in pages if p.startswith("Synthèse"))
    con = duckdb.connect(str(entrepot_rapport.path), read_only=True)
    try:
        def region(ind, mois, dim="ensemble", mod="ensemble"):
            return con.execute("select valeur from publication.indicateurs where indicateur = ? and niveau = 'REGION' "
                               "and territoire = '76' and periode = ? and dimension = ? and modalite = ? "
                               "and type_periode = 'mois'",
                               [ind, mois, dim, mod]).fetchall()[0][0]
        ft = region("repartition_orientation", date(2025, 6, 1), "operateur_retenu", "FT")
        ref = con.execute("select valeur from referentiel.valeurs_reference where indicateur = 'repartition_orientation' "
                          "and territoire = '76' and modalite = 'FT'").fetchall()[0][0]
        d2 = [region("taux_sanction_cre", m) for m in (date(2025, 6, 1), date(2025, 5, 1), date(2024, 6, 1))]
    finally:
        con.close()
    from pipelines.core.formats import format_evolution
    assert normalise(f"Orientations vers France Travail {format_taux(ft)}") in synthese
    assert normalise(f"{format_taux(ref, 0)} (régional, 2025)") in synthese
    d2_ligne = format_taux(d2[0]) + " " + format_evolution(d2[0] - d2[1], "taux") + " " + format_evolution(d2[0] - d2[2], "taux")
    assert normalise(d2_ligne) in synthese


def test_orientation_split_uses_national_references_when_the_region_has_none(copie_entrepot):
    """The national reference groups CD and Cap emploi (3 %): their shares are summed to compare."""
    from pipelines.rapports import contenu
    from pipelines.rapports.donnees import lire_donnees

    con = duckdb.connect(str(copie_entrepot.path))
    con.execute("delete from referentiel.valeurs_reference where territoire = '76'")
    cd, cap, total = (con.execute(
        "select numerateur, denominateur from publication.indicateurs where indicateur = 'repartition_orientation' "
        "and niveau = 'REGION' and territoire = '76' and periode = '2025-06-01' and modalite = ? "
        "and type_periode = 'mois'", [m]).fetchall()[0]
        for m in ("CD", "CAP_EMPLOI", "ensemble"))
    con.close()
    lignes = contenu.repartition_b5(lire_donnees(copie_entrepot.path, "76", periode("2025-06")), periode("2025-06"))
    groupe = [(v, r) for libelle, v, r in lignes if libelle == "Conseil départemental et Cap emploi"]
    assert groupe, [libelle for libelle, _, _ in lignes]
    (v, r), = groupe
    assert v.valeur == pytest.approx((cd[0] + cap[0]) / total[1]) and r["territoire"] == "FR"


def test_funnel_plot_places_agencies_and_names_the_outlier(mensuel):
    _, pages = mensuel
    controle = "\n".join(p for p in pages if "Équité de traitement" in p or "Agences hors des limites" in p)
    assert "Toulouse Centre" in controle and AU_DESSUS_998 in controle
    assert "5 agence(s) placée(s) sur 5" in controle


def test_annex_has_the_dictionary_definitions_and_the_disclosure_rule(mensuel):
    _, pages = mensuel
    annexe = "\n".join(pages[[i for i, p in enumerate(pages) if p.startswith("Annexe")][0]:])
    assert "Définition de B1 tirée du dictionnaire." in annexe
    assert "Secret statistique" in annexe and "Valeurs provisoires" in annexe
    assert "Sources" in annexe and "3 juillet 2025" in annexe


def test_reads_only_the_published_view_and_says_when_the_dictionary_is_missing(copie_entrepot, pdf_texte):
    con = duckdb.connect(str(copie_entrepot.path))
    con.execute("drop table marts.dictionnaire")
    con.execute("drop table marts.indicateurs")  # the report never needs the internal table
    con.close()
    pages = pdf_texte(produire_rapport(copie_entrepot.path, "76", periode("2025-06")).pdf)
    assert "dictionnaire des données (marts.dictionnaire) est absent" in " ".join(pages).replace("\n", " ")


@pytest.mark.parametrize("region, mois, message", [
    ("99", "2025-06", "Région inconnue « 99 »"),
    ("11", "2025-06", "Aucune donnée publiée pour Île-de-France"),
    ("76", "2023-06", "la vue publiée couvre Occitanie de janv. 2024 à juin 2025"),
])
def test_unknown_region_or_period_without_data_is_a_french_error(entrepot_rapport, region, mois, message):
    with pytest.raises(RapportError, match=message):
        produire_rapport(entrepot_rapport.path, region, periode(mois))


def test_same_publication_gives_the_same_file(entrepot_rapport, mensuel):
    produit, _ = mensuel
    assert produire_rapport(entrepot_rapport.path, "76", periode("2025-06")).pdf == produit.pdf


def test_pages_render_to_png_with_their_charts(mensuel, pdftoppm, artefacts):
    """Two pages in the artefacts: the summary (sparklines) and the first section (charts)."""
    from PIL import Image

    produit, pages = mensuel
    reader = pypdf.PdfReader(io.BytesIO(produit.pdf))

    def dessins(numero: int) -> int:
        """Drawings (form XObjects: the SVG charts) the page's content stream paints."""
        return len(re.findall(rb"/\w+ Do\b", reader.pages[numero - 1].get_contents().get_data()))

    synthese = next(i for i, p in enumerate(pages, 1) if p.startswith("Synthèse"))
    section = next(i for i, p in enumerate(pages, 1) if p.startswith("Inscriptions et orientations"))
    assert dessins(1) == 0  # the cover has no chart: the count below means something
    assert dessins(synthese) > 0 and dessins(section) > 0  # charts are embedded SVG drawings
    prefixe = artefacts / "rapport-fabrique-76-2025-06"
    prefixe.with_suffix(".pdf").write_bytes(produit.pdf)
    for numero in (synthese, section):
        png = artefacts / f"{prefixe.name}-page{numero}"
        subprocess.run([pdftoppm, "-png", "-r", "80", "-f", str(numero), "-l", str(numero), "-singlefile",
                        str(prefixe.with_suffix(".pdf")), str(png)], check=True)
        image = Image.open(f"{png}.png").convert("HSV")
        # Text and tables are grey or black; only the charts are in colour.
        couleur = sum(1 for h, s, v in image.get_flattened_data() if s > 120 and v > 60)
        assert couleur > 200, f"page {numero} sans graphique visible ({couleur} pixels colorés)"


def test_the_series_break_is_said_under_the_summary_and_marked_on_the_trends(mensuel):
    """June 2025: the 13 trend months (June 2024 → June 2025) cross January 2025."""
    _, pages = mensuel
    synthese = " ".join(next(p for p in pages if p.startswith("Synthèse")).split())
    assert "Rupture de série en janvier 2025" in synthese and "trait vertical" in synthese


def test_the_trend_chart_marks_the_break_only_when_it_crosses_it():
    import base64

    from pipelines.rapports import graphiques

    def svg(mois: list[date]) -> str:
        dessin = graphiques.courbes({"Occitanie": [(m, 10.0 + i, False) for i, m in enumerate(mois)]}, "nombre")
        return base64.b64decode(str(dessin).split(",", 1)[1]).decode("utf-8")

    assert "rupture de série" in svg([date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)])
    assert "rupture de série" not in svg([date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)])
