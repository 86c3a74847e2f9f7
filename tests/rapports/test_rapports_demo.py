"""On a real warehouse built by ``socle generer`` and ``socle construire`` (Occitanie and PACA): the
report of each region matches the published view table by table, pages are rendered to PNG in the
artefacts, and the Dagster job delivers the real PDF to a local SMTP server."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import duckdb
import pytest

from pipelines.rapports import periode, produire_rapport
from pipelines.rapports.periodes import ajouter_mois
from pipelines.rapports.sections import SECTIONS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dernier_mois(entrepot_demo) -> date:
    """The last month the demo's publication covers entirely."""
    con = duckdb.connect(str(entrepot_demo), read_only=True)
    try:
        arrete = con.execute("select max(date_arrete) from marts.arrete").fetchall()[0][0]
    finally:
        con.close()
    return ajouter_mois(date(arrete.year, arrete.month, 1), -1)


@pytest.fixture(scope="module")
def rapports(entrepot_demo, dernier_mois, pdf_texte):
    p = periode(f"{dernier_mois:%Y-%m}")
    produits = {region: produire_rapport(entrepot_demo, region, p) for region in ("76", "93")}
    return {region: (r, pdf_texte(r.pdf)) for region, r in produits.items()}


@pytest.mark.parametrize("region", ["76", "93"])
def test_every_table_by_departement_matches_the_published_view(entrepot_demo, dernier_mois, rapports, attendu, region):
    _, pages = rapports[region]
    lignes = {ligne.strip() for page in pages for ligne in page.splitlines()}
    secretes = 0
    for section in SECTIONS:
        if not section.departements:
            continue
        for ligne in attendu.lignes(entrepot_demo, region, section.departements, [dernier_mois]):
            assert any(x.startswith(ligne) for x in lignes), f"{section.ident} : ligne absente du PDF : {ligne!r}"
            secretes += f"{ligne} ".count(" s ")
    assert secretes > 0  # the demo has secret cells: the « s » of the PDF were checked too


def test_two_pages_of_each_report_are_rendered_to_png(rapports, pdftoppm, artefacts):
    for produit, pages in rapports.values():
        pdf = artefacts / f"demo-{produit.nom_fichier}"
        pdf.write_bytes(produit.pdf)
        for numero in (1, 2):  # the cover and the summary
            png = artefacts / f"{pdf.stem}-page{numero}"
            subprocess.run([pdftoppm, "-png", "-r", "80", "-f", str(numero), "-l", str(numero), "-singlefile",
                            str(pdf), str(png)], check=True)
            assert png.with_suffix(".png").stat().st_size > 10_000
        assert pages[0].count(produit.libelle_region) >= 1 and pages[1].startswith("Synthèse")


def test_quarterly_edition_of_the_demo_matches_the_rule(entrepot_demo, dernier_mois, attendu, pdf_texte):
    trimestre = periode(f"{dernier_mois:%Y-%m}", "trimestrielle")
    mois = [m for m in trimestre.mois if m <= dernier_mois]
    if len(mois) < 3:  # the quarter of the last month is not over: take the one before
        trimestre = trimestre.precedente
        mois = trimestre.mois
    pages = pdf_texte(produire_rapport(entrepot_demo, "93", trimestre).pdf)
    lignes = {ligne.strip() for page in pages for ligne in page.splitlines()}
    section = next(s for s in SECTIONS if s.ident == "inscriptions")
    for ligne in attendu.lignes(entrepot_demo, "93", section.departements, mois):
        assert any(x.startswith(ligne) for x in lignes), f"ligne absente du PDF : {ligne!r}"


def test_the_dagster_job_delivers_the_real_report(entrepot_demo, dernier_mois, serveur_smtp, monkeypatch, tmp_path,
                                                 pdf_texte):
    from pipelines.definitions import SocleConfig, defs

    copie = tmp_path / "socle.duckdb"
    shutil.copy(entrepot_demo, copie)
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "data"))
    resultat = defs.resolve_job_def("rapports_cse").execute_in_process(
        partition_key=f"{dernier_mois:%Y-%m}|76", resources={"socle": SocleConfig(warehouse=str(copie))})
    assert resultat.success
    (_, _, message), = serveur_smtp.messages
    (piece,) = list(message.iter_attachments())
    contenu = piece.get_payload(decode=True)
    assert (tmp_path / "data" / "rapports" / "76" / f"{dernier_mois:%Y-%m}.pdf").read_bytes() == contenu
    assert "Occitanie" in pdf_texte(contenu)[0]
