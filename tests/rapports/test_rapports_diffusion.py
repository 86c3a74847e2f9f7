"""Delivery to the CSE: a real SMTP server on localhost receives the report with its PDF; the
sending is archived and recorded; a second run does not send again, ``forcer`` does; a failed
quality gate sends nothing and raises; missing settings are French errors.

The PDF is the real report of the hand-made warehouse, rendered once for the session
(``rapport_juin``): these tests are about delivery, the rendering has its own."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.formats import format_date
from pipelines.core.settings import Settings
from pipelines.rapports import EnvoiError, QualiteBloquante, ReglagesError, periode
from pipelines.rapports import diffusion as module_diffusion
from pipelines.rapports.archive import chemin_archive, chemin_index, lire_index
from pipelines.rapports.diffusion import diffuser
from pipelines.rapports.reglages import lire_reglages

JUIN = periode("2025-06")


@pytest.fixture
def produits(monkeypatch, rapport_juin):
    """Reports produced during the test (the session's real PDF stands in for the rendering)."""
    appels = []

    def produire(warehouse, region, p):
        appels.append((region, p.cle))
        return rapport_juin

    monkeypatch.setattr(module_diffusion, "produire_rapport", produire)
    return appels


@pytest.fixture
def reglages_socle(copie_entrepot, tmp_path) -> Settings:
    return Settings.from_env(warehouse=copie_entrepot.path, data_dir=tmp_path / "data")


def test_the_cse_list_receives_the_report_archived_and_recorded(serveur_smtp, produits, reglages_socle, rapport_juin):
    resultat = diffuser(reglages_socle, "76", JUIN)

    assert resultat.envoye and len(serveur_smtp.messages) == 1
    expediteur, destinataires, msg = serveur_smtp.messages[0]
    assert expediteur == "socle@dr-occitanie.example"
    assert destinataires == ["cse.occitanie@example.org", "elus@example.org"]
    assert serveur_smtp.connexions == ["socle"]  # authenticated with the configured account
    assert "Occitanie" in msg["Subject"] and "juin 2025" in msg["Subject"]
    corps = msg.get_body(preferencelist=("plain",)).get_content()
    assert format_date(rapport_juin.date_arrete) in corps and "secret statistique" in corps
    (piece,) = list(msg.iter_attachments())
    assert piece.get_content_type() == "application/pdf" and piece.get_filename() == "socle-cse-76-2025-06.pdf"
    contenu = piece.get_payload(decode=True)
    assert contenu == rapport_juin.pdf

    archive = chemin_archive(reglages_socle.data_dir, "76", JUIN)
    assert archive == reglages_socle.data_dir / "rapports" / "76" / "2025-06.pdf"
    assert archive.read_bytes() == contenu
    (entree,) = lire_index(reglages_socle.data_dir)
    assert entree["sha256"] == hashlib.sha256(contenu).hexdigest()
    assert (entree["region"], entree["edition"], entree["periode"], entree["fichier"]) == (
        "76", "mensuelle", "2025-06", "rapports/76/2025-06.pdf")
    assert entree["destinataires"] == destinataires and entree["message_id"] == msg["Message-ID"]
    assert entree["horodatage"] and entree["version_publication"] == rapport_juin.version
    assert "secret-smtp" not in chemin_index(reglages_socle.data_dir).read_text()  # never the password


def test_a_second_run_does_not_send_again_unless_forced(serveur_smtp, produits, reglages_socle):
    premier = diffuser(reglages_socle, "76", JUIN)
    second = diffuser(reglages_socle, "76", JUIN)
    assert not second.envoye and "déjà envoyé" in second.message
    assert second.entree == premier.entree
    assert len(serveur_smtp.messages) == 1 and len(produits) == 1  # not even produced again

    force = diffuser(reglages_socle, "76", JUIN, forcer=True)
    assert force.envoye and len(serveur_smtp.messages) == 2
    assert [e["force"] for e in lire_index(reglages_socle.data_dir)] == [False, True]
    # Another edition of the same months is another report.
    diffuser(reglages_socle, "76", periode("2025-T2", "trimestrielle"))
    assert len(serveur_smtp.messages) == 3


def test_a_failed_quality_gate_sends_nothing_and_raises(serveur_smtp, produits, entrepot_bloque, tmp_path):
    reglages = Settings.from_env(warehouse=entrepot_bloque.path, data_dir=tmp_path / "data")
    with pytest.raises(QualiteBloquante, match="valeurs_dans_les_bornes sur marts.indicateurs"):
        diffuser(reglages, "76", JUIN)
    with pytest.raises(QualiteBloquante):
        diffuser(reglages, "76", JUIN, forcer=True)
    assert serveur_smtp.messages == [] and produits == []
    assert not chemin_archive(reglages.data_dir, "76", JUIN).exists() and lire_index(reglages.data_dir) == []


def test_refused_login_records_nothing(serveur_smtp, produits, reglages_socle, monkeypatch):
    monkeypatch.setenv("SOCLE_SMTP_MOT_DE_PASSE", "mauvais")
    with pytest.raises(EnvoiError, match="refuse l'authentification"):
        diffuser(reglages_socle, "76", JUIN)
    assert serveur_smtp.messages == [] and lire_index(reglages_socle.data_dir) == []


def test_missing_settings_are_french_errors(serveur_smtp, produits, reglages_socle, monkeypatch):
    with pytest.raises(ReglagesError, match="SOCLE_CSE_DESTINATAIRES_93"):
        diffuser(reglages_socle, "93", JUIN)
    monkeypatch.delenv("SOCLE_SMTP_HOTE")
    with pytest.raises(ReglagesError, match="Aucun serveur SMTP configuré"):
        diffuser(reglages_socle, "76", JUIN)
    monkeypatch.setenv("SOCLE_SMTP_HOTE", "localhost")
    monkeypatch.setenv("SOCLE_SMTP_TLS", "peut-etre")
    with pytest.raises(ReglagesError, match="starttls, ssl ou aucun"):
        lire_reglages()
    assert produits == []


def test_settings_from_a_toml_file_with_the_environment_winning(tmp_path):
    fichier = tmp_path / "rapports.toml"
    fichier.write_text('[smtp]\nhote = "smtp.example.org"\ntls = "ssl"\nexpediteur = "socle@example.org"\n'
                       '[destinataires]\n76 = ["a@example.org", "b@example.org"]\n93 = ["c@example.org"]\n',
                       encoding="utf-8")
    reglages = lire_reglages(Settings.from_env({"SOCLE_RAPPORTS_CONFIG": str(fichier),
                                                "SOCLE_CSE_DESTINATAIRES_93": "d@example.org"}))
    assert (reglages.smtp.host, reglages.smtp.port, reglages.smtp.tls) == ("smtp.example.org", 465, "ssl")
    assert reglages.destinataires_de("76") == ["a@example.org", "b@example.org"]
    assert reglages.destinataires_de("93") == ["d@example.org"]
    with pytest.raises(ReglagesError, match="invalide"):
        lire_reglages(Settings.from_env({"SOCLE_CSE_DESTINATAIRES_76": "pas-une-adresse"}))


def test_cli_writes_the_report_and_refuses_a_blocked_publication(monkeypatch, rapport_juin, entrepot_rapport,
                                                                 entrepot_bloque, tmp_path):
    import pipelines.rapports as paquet

    monkeypatch.setattr(paquet, "produire_rapport", lambda warehouse, region, p: rapport_juin)
    runner = CliRunner()
    sortie = tmp_path / "cse" / "rapport.pdf"
    ok = runner.invoke(app, ["rapport", "--region", "76", "--periode", "2025-06", "--entrepot",
                             str(entrepot_rapport.path), "--sortie", str(sortie)])
    assert ok.exit_code == 0, ok.output
    assert sortie.read_bytes() == rapport_juin.pdf and "Rapport écrit" in ok.output

    monkeypatch.undo()  # the real function: the gate is checked before anything is rendered
    bloque = runner.invoke(app, ["rapport", "--region", "76", "--periode", "2025-06", "--entrepot",
                                 str(entrepot_bloque.path), "--sortie", str(tmp_path / "non.pdf")])
    assert bloque.exit_code == 2 and "valeurs_dans_les_bornes" in bloque.output
    assert not (tmp_path / "non.pdf").exists()
    inconnue = runner.invoke(app, ["rapport", "--region", "99", "--periode", "2025-06", "--entrepot",
                                   str(entrepot_rapport.path), "--sortie", str(tmp_path / "non.pdf")])
    assert inconnue.exit_code == 1 and "Région inconnue" in inconnue.output
    sans_sortie = runner.invoke(app, ["rapport", "--region", "76", "--periode", "2025-06"])
    assert sans_sortie.exit_code == 1 and "--sortie" in sans_sortie.output


def test_index_lines_are_json(serveur_smtp, produits, reglages_socle):
    diffuser(reglages_socle, "76", JUIN)
    for ligne in chemin_index(reglages_socle.data_dir).read_text(encoding="utf-8").splitlines():
        assert json.loads(ligne)["sha256"]
