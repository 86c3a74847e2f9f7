"""« Note d'évaluation » of the MSA experiment (``socle rapport --edition evaluation-msa``) on a
tiny hand-made warehouse: 6 agencies of model 1 with a planted +15 pt effect on B2, 2 of model 2,
20 witnesses, one agency of another experiment (never a witness), 30 months. The internal view
uses every agency; the published view leaves out the secret cells, and the note says on how many
agencies each estimate rests."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.indicateurs import B2
from pipelines.rapports.evaluation import produire_note

MOIS = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(30)]
DEBUT = date(2024, 4, 1)


@pytest.fixture(scope="module")
def entrepot_evaluation(tmp_path_factory):
    chemin = tmp_path_factory.mktemp("evaluation") / "socle.duckdb"
    rng = np.random.default_rng(11)
    agences = ([(f"M1{i}", "MSA", "MODELE_1") for i in range(6)] + [(f"M2{i}", "MSA", "MODELE_2") for i in range(2)]
               + [(f"T{i:02d}", None, None) for i in range(20)] + [("RSA0", "RSA_RENOVE", None)])
    con = duckdb.connect(str(chemin))
    for schema in ("referentiel", "marts", "publication"):
        con.execute(f"create schema {schema}")
    con.execute("create table referentiel.agences (code_agence varchar, libelle_agence varchar, code_region varchar)")
    con.executemany("insert into referentiel.agences values (?, ?, '76')", [(a, f"Agence {a}") for a, _, _ in agences])
    con.execute("create table referentiel.regions as select '76' as code_region, 'Occitanie' as libelle_region")
    con.execute("create table referentiel.experimentations (code_agence varchar, experimentation varchar, "
                "modalite varchar, date_debut date)")
    con.executemany("insert into referentiel.experimentations values (?, ?, ?, ?)",
                    [(a, e, m, DEBUT) for a, e, m in agences if e])
    lignes = []
    for a, _e, m in agences:
        niveau = rng.normal(0.5, 0.05)
        for i, mois in enumerate(MOIS):
            den = int(rng.integers(40, 80))
            p = niveau + 0.03 * np.sin(i) + (0.15 if m == "MODELE_1" and mois >= DEBUT else 0.0)
            num = int(rng.binomial(den, min(max(p, 0.0), 1.0)))
            # model 1's first two agencies are secret in the published view every month
            secret = a in ("M10", "M11")
            lignes.append((B2, mois, "mois", "AGENCE", a, "ensemble", "ensemble", num / den, num, den, "taux", False, secret))
    con.execute("create table marts.indicateurs (indicateur varchar, periode date, type_periode varchar, niveau varchar, "
                "territoire varchar, dimension varchar, modalite varchar, valeur double, numerateur double, "
                "denominateur double, unite varchar, provisoire boolean, secret boolean)")
    con.executemany("insert into marts.indicateurs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lignes)
    con.execute("create table publication.indicateurs as select * replace ("
                "case when secret then null else valeur end as valeur, "
                "case when secret then null else numerateur end as numerateur, "
                "case when secret then null else denominateur end as denominateur) from marts.indicateurs")
    con.execute("alter table marts.indicateurs drop column secret")
    con.execute(f"create table marts.dictionnaire as select '{B2}' as indicateur, 2 as numero, 'Part des inscrits diagnostiqués "
                "sous 30 jours' as libelle, 'Cohorte des inscrits du mois.' as definition")
    con.execute("create table marts.arrete as select date '2025-07-15' as date_arrete")
    con.close()
    return chemin


def _texte(pages: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(pages))


def test_note_interne_et_publiee(entrepot_evaluation, pdf_texte, artefacts):
    interne = produire_note(entrepot_evaluation, "76", "interne")
    (artefacts / "note-evaluation-msa-interne.pdf").write_bytes(interne.pdf)
    texte = _texte(pdf_texte(interne.pdf))
    assert "Expérimentation MSA note d'évaluation" in texte and "Occitanie" in texte
    assert "vue interne" in texte
    # the planted +15 pt on B2 is found for model 1, on its 6 agencies against 20 witnesses
    # (the agency of the renewed RSA is not a witness, and the annex says why)
    ligne = texte[texte.index("B2 – Part des inscrits diagnostiqués sous 30 jours modèle 1"):][:160]
    assert "6 / 20" in ligne and "écart établi" in ligne
    effet = float(ligne.split("modèle 1 ")[1].split(" pt")[0].replace(",", ".").replace("+", ""))
    assert 11 <= effet <= 19
    assert "Agence RSA0 (RSA0) : RSA_RENOVE" in texte
    # model 2 has no effect planted and only 2 agencies: the reading says it is indicative
    assert "Seulement 2 agences dans le modèle" in texte
    # other indicators have no cells: said, not drawn
    assert "aucune cellule définitive publiée" in texte

    publiee = _texte(pdf_texte(produire_note(entrepot_evaluation, "76", "publiee").pdf))
    assert "vue publiée" in publiee
    ligne = publiee[publiee.index("B2 – Part des inscrits diagnostiqués sous 30 jours modèle 1"):][:160]
    assert "4 / 20" in ligne  # the two secret agencies are left out


def test_commande(entrepot_evaluation, tmp_path):
    sortie = tmp_path / "note.pdf"
    res = CliRunner().invoke(app, ["rapport", "--edition", "evaluation-msa", "--entrepot", str(entrepot_evaluation),
                                   "--sortie", str(sortie)])
    assert res.exit_code == 0, res.output
    assert sortie.read_bytes().startswith(b"%PDF")
    res = CliRunner().invoke(app, ["rapport", "--edition", "evaluation-msa", "--entrepot", str(entrepot_evaluation),
                                   "--sortie", str(sortie), "--region", "99"])
    assert res.exit_code == 1 and "Région inconnue" in res.output
    res = CliRunner().invoke(app, ["rapport", "--edition", "mensuelle", "--entrepot", str(entrepot_evaluation),
                                   "--sortie", str(sortie)])
    assert res.exit_code == 1 and "Précisez --region et --periode" in res.output
