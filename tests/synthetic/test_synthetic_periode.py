"""The default period of the synthetic data: from January 2023, twelve months before the April 2024
pilots, with the stock of registered people already there on the first day."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from pipelines import cli
from pipelines.synthetic import lecture
from pipelines.synthetic.generator import DEFAULT_PERSONS, DEFAULT_START


def test_la_demo_commence_en_janvier_2023_avec_le_stock_deja_inscrit(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOCLE_INBOX", raising=False)
    monkeypatch.delenv("SOCLE_UTILISATEURS", raising=False)
    monkeypatch.setattr(cli, "do_build", lambda settings: None)  # the build is tested elsewhere
    res = CliRunner().invoke(cli.app, ["demo", "--sans-servir", "--regions", "76", "--personnes", "300",
                                       "--mois-consultations", "0"])
    assert res.exit_code == 0, res.output
    inbox = tmp_path / "inbox"
    assert DEFAULT_START == date(2023, 1, 1)
    assert lecture.summary(inbox)["parametres"]["debut"] == "2023-01-01"
    assert min(p.name for p in (inbox / "inscriptions").iterdir()) == "inscriptions_20230101.csv"

    # text columns: ISO dates compare as strings
    jour = DEFAULT_START.isoformat()
    inscriptions = lecture.current(inbox, "inscriptions")["date_inscription"]
    assert (inscriptions < jour).sum() > 0  # the initial load carries the stock: it does not start from zero
    assert inscriptions.filter(inscriptions >= jour).min().startswith("2023-01")
    entretiens = lecture.read_export(inbox, "entretiens")["date_entretien"]
    assert entretiens.filter(entretiens >= jour).min().startswith("2023-01")


def test_l_aide_annonce_les_valeurs_par_defaut():
    personnes = f"{DEFAULT_PERSONS:,}".replace(",", " ")
    aides = {commande: " ".join(CliRunner().invoke(cli.app, [commande, "--help"], env={"COLUMNS": "400"}).output.split())
             for commande in ("generer", "demo")}
    assert all(f"janvier {DEFAULT_START.year}" in aide for aide in aides.values())
    assert f"défaut : {personnes}" in aides["generer"]
    # the demo: départements at their real size, whole regions at the generator's default
    assert cli.DEMO_DEPARTEMENTS in aides["demo"] and f"{personnes} avec --regions" in aides["demo"]


def test_la_demo_previent_quand_elle_reprend_des_donnees_de_regions_entieres(monkeypatch, tmp_path):
    import json

    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOCLE_INBOX", raising=False)
    monkeypatch.delenv("SOCLE_UTILISATEURS", raising=False)
    monkeypatch.setattr(cli, "do_build", lambda settings: None)  # the build is tested elsewhere
    monkeypatch.setattr(cli, "_inbox_has_files", lambda inbox: True)
    (tmp_path / "inbox").mkdir()
    resume = tmp_path / "inbox" / "_generation.json"

    def demo(methode: str, **parametres) -> str:
        resume.write_text(json.dumps({"parametres": parametres}), encoding="utf-8")
        monkeypatch.setenv("SOCLE_SECRET_METHODE", methode)
        res = CliRunner().invoke(cli.app, ["demo", "--sans-servir"], env={"COLUMNS": "400"})
        assert res.exit_code == 0, res.output
        return " ".join(res.output.split())

    # an old demo (whole regions, sparse) with the optimiser: told, with both ways out
    texte = demo("optimiseur", regions_demandees=["76", "93"], departements_demandes=None, personnes=63000,
                 personnes_reference=None)
    assert "régions entières (63 000 personnes)" in texte and "SOCLE_SECRET_METHODE=groupes" in texte
    # the demo of today (départements at their real size), or the group rule: nothing to say
    assert "régions entières" not in demo("optimiseur", departements_demandes=["09"], personnes=16200,
                                          personnes_reference={"personnes": 16200})
    assert "régions entières" not in demo("groupes", regions_demandees=["76"], personnes=300, personnes_reference=None)
