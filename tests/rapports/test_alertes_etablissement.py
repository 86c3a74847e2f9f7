"""Dispatch of the misuse alerts to an establishment (issue 14, item 4), on a hand-made internal
warehouse: a few rows of ``marts.alertes_generees`` in the build's work copy, no build.

Selection (establishment, national entities, ``depuis``), order (``OBLIGATOIRE`` first), columns
(pseudonyms only), the file (CSV and Excel), archive and hash, the sending record (a second run
sends nothing, ``forcer`` sends again), the e-mail through a real SMTP server on localhost, the
access log, and the French errors of ``socle alertes``."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pwd
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.settings import Settings
from pipelines.core.warehouse import build_lock
from pipelines.rapports import QualiteBloquante, ReglagesError
from pipelines.rapports import alertes_etablissement as alertes
from pipelines.rapports.archive import lire_index
from pipelines.rapports.diffusion_alertes import DOSSIER, envoyer_alertes, etablissements_a_envoyer
from pipelines.rapports.erreurs import AlertesError
from pipelines.rapports.reglages import lire_reglages

JOUR = date(2025, 7, 4)
PARIS = ZoneInfo("Europe/Paris")
#: id, établissement, situation, agent, personne, mois, site, consultations, jours, première, examen
ALERTES = [
    ("al_76_fac_a", "76", "DOSSIER_AGENT", "AGT_01", "PERS_11", date(2025, 6, 1), "31001", 2, 1,
     datetime(2025, 6, 10, 9, 15), "FACULTATIF"),
    ("al_76_obl_elu", "76", "DOSSIER_ELU_CANDIDAT", "AGT_02", "PERS_12", date(2025, 6, 1), "31002", 3, 2,
     datetime(2025, 6, 5, 14, 0), "OBLIGATOIRE"),
    ("al_76_obl_nuit", "76", "HORS_HORAIRES", "AGT_03", None, date(2025, 6, 1), "DR76", 25, 6,
     datetime(2025, 6, 2, 22, 30), "OBLIGATOIRE"),
    ("al_76_mai", "76", "DOSSIER_EX_AGENT", "AGT_04", "PERS_14", date(2025, 5, 1), "34001", 5, 3,
     datetime(2025, 5, 20, 10, 0), "FACULTATIF"),
    ("al_76_fac_b", "76", "DOSSIER_AGENT", "AGT_05", "PERS_15", date(2025, 6, 1), "31001", 2, 2,
     None, "FACULTATIF"),  # no first consultation: dated by its month
    ("al_93", "93", "DOSSIER_AGENT", "AGT_06", "PERS_16", date(2025, 6, 1), "13001", 4, 2,
     datetime(2025, 6, 3, 11, 0), "OBLIGATOIRE"),
    ("al_dsi", "DSI", "DOSSIER_AGENT", "AGT_07", "PERS_17", date(2025, 6, 1), "31001", 1, 1,
     datetime(2025, 6, 4, 16, 0), "FACULTATIF"),  # a national entity's agent on a site of region 76
]
ORDRE_76 = ["al_76_obl_nuit", "al_76_obl_elu", "al_76_mai", "al_76_fac_a", "al_76_fac_b"]
ADRESSES_76 = "deontologie.occitanie@example.org, rh.occitanie@example.org"


def ecrire_entrepot_interne(settings: Settings, lignes=ALERTES) -> None:
    """The internal warehouse as a build leaves it, reduced to what the dispatch reads; the mart
    has one more column, with a name in it, that no file may show."""
    settings.work_warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.work_warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists referentiel")
        con.execute("""create or replace table marts.alertes_generees (id_alerte_generee varchar, situation varchar,
            id_agent varchar, id_personne varchar, mois date, code_site varchar, code_etablissement varchar,
            nb_consultations bigint, nb_jours bigint, premiere_consultation timestamp, derniere_consultation timestamp,
            examen varchar, nom_agent varchar)""")
        con.executemany("insert into marts.alertes_generees values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (i, sit, agt, pers, mois, site, etab, n, j, prem, prem, examen, "Jean Dupont")
            for i, etab, sit, agt, pers, mois, site, n, j, prem, examen in lignes])
        con.execute("create or replace table referentiel.regions as select * from (values ('76', 'Occitanie'), "
                    "('93', 'Provence-Alpes-Côte d''Azur'), ('84', 'Auvergne-Rhône-Alpes')) t(code_region, libelle_region)")
        con.execute("""create or replace table referentiel.listes_codes as select * from (values
            ('alertes_finalite', 'situation', 'DOSSIER_AGENT', 'Dossier d''un agent de France Travail'),
            ('alertes_finalite', 'situation', 'HORS_HORAIRES', 'Consultation hors horaires habituels'),
            ('alertes_finalite', 'examen', 'OBLIGATOIRE', 'Examen obligatoire')) t(export, colonne, code, libelle)""")
    finally:
        con.close()


@pytest.fixture
def reglages(tmp_path, monkeypatch) -> Settings:
    """Settings of a deployment in ``tmp_path`` with its internal warehouse, no SMTP server."""
    for variable in ("SOCLE_SMTP_HOTE", "SOCLE_ALERTE_SMTP_HOTE", "SOCLE_RAPPORTS_CONFIG", "SOCLE_JOURNAL_ACCES",
                     "SOCLE_ALERTES_FINALITE_DEPUIS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "socle.duckdb"))
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "data"))
    settings = Settings.from_env()
    ecrire_entrepot_interne(settings)
    return settings


def _csv(contenu: bytes) -> list[list[str]]:
    assert contenu.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return [ligne.split(";") for ligne in contenu[3:].decode("utf-8").splitlines()]


def _ids(contenu: bytes) -> list[str]:
    return [ligne[0] for ligne in _csv(contenu)[1:]]


def _journal(settings: Settings) -> list[dict]:
    chemin = settings.fichier_journal_acces
    return [json.loads(ligne) for ligne in chemin.read_text().splitlines()] if chemin.exists() else []


# --------------------------------------------------------------------------- selection


def test_selection_obligatoire_d_abord_puis_consultations_puis_identifiant(reglages):
    with alertes.entrepot_interne(reglages) as con:
        table = alertes.ordonner(alertes.lire_alertes(con, "76"))
    assert table["id_alerte_generee"].to_list() == ORDRE_76
    assert set(table["code_etablissement"]) == {"76"}  # nothing of 93 nor of the DSI


def test_une_entite_nationale_recoit_ses_alertes_quel_que_soit_le_site(reglages):
    with alertes.entrepot_interne(reglages) as con:
        assert alertes.lire_alertes(con, "DSI")["id_alerte_generee"].to_list() == ["al_dsi"]
        assert "al_dsi" not in alertes.lire_alertes(con, "76")["id_alerte_generee"].to_list()
        assert alertes.libelle_etablissement(con, "DSI") == "établissement DSI (entité nationale)"
        assert alertes.libelle_etablissement(con, "76") == "établissement 76 (direction régionale Occitanie)"
    assert alertes.normaliser_etablissement(" dsi ") == "DSI"


def test_depuis_date_une_alerte_par_sa_premiere_consultation_sinon_son_mois(reglages):
    with alertes.entrepot_interne(reglages) as con:
        ids = alertes.lire_alertes(con, "76", date(2025, 6, 1))["id_alerte_generee"].to_list()
        assert "al_76_mai" not in ids and "al_76_fac_b" in ids and len(ids) == 4
        tard = alertes.lire_alertes(con, "76", date(2025, 6, 6))["id_alerte_generee"].to_list()
    # fac_b has no first consultation: its month (1 June) is before 6 June
    assert sorted(tard) == ["al_76_fac_a"]


def test_le_fichier_ne_montre_que_des_pseudonymes_et_des_libelles(reglages):
    resultat = envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    lignes = _csv(resultat.fichier.read_bytes())
    assert lignes[0] == list(alertes.ENTETES.values())
    assert "Dupont" not in resultat.fichier.read_text(encoding="utf-8-sig")  # a column outside the list
    premiere = dict(zip(alertes.ENTETES, lignes[1], strict=True))
    assert premiere == {
        "id_alerte_generee": "al_76_obl_nuit", "examen": "OBLIGATOIRE", "libelle_examen": "Examen obligatoire",
        "situation": "HORS_HORAIRES", "libelle_situation": "Consultation hors horaires habituels",
        "id_agent": "AGT_03", "id_personne": "", "mois": "2025-06-01", "code_site": "DR76",
        "nb_consultations": "25", "nb_jours": "6", "premiere_consultation": "2025-06-02 22:30:00",
        "derniere_consultation": "2025-06-02 22:30:00",
    }
    facultative = dict(zip(alertes.ENTETES, lignes[3], strict=True))
    # labels: the code lists of the warehouse, else the project's computed labels, else the code
    assert facultative["libelle_examen"] == "Examen facultatif"
    assert facultative["libelle_situation"] == "DOSSIER_EX_AGENT"


def test_un_classeur_excel_quand_la_sortie_est_xlsx(reglages, tmp_path):
    from openpyxl import load_workbook

    sortie = tmp_path / "alertes.xlsx"
    resultat = envoyer_alertes(reglages, "76", jour=JOUR, sortie=sortie, qui="testeur")
    assert resultat.fichier == reglages.data_dir / "alertes" / "76" / "2025-07-04.xlsx"
    assert sortie.read_bytes() == resultat.fichier.read_bytes()
    feuille = load_workbook(io.BytesIO(sortie.read_bytes()))["Alertes"]
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0] == tuple(alertes.ENTETES.values())
    assert [ligne[0] for ligne in lignes[1:]] == ORDRE_76
    assert lignes[1][9] == 25 and lignes[1][11] == datetime(2025, 6, 2, 22, 30)  # typed cells


# --------------------------------------------------------------------------- dispatch


def test_archive_empreinte_et_registre_sans_serveur_smtp(reglages):
    resultat = envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    archive = reglages.data_dir / "alertes" / "76" / "2025-07-04.csv"
    assert resultat.fichier == archive and resultat.nb_alertes == 5 and not resultat.courriel
    assert resultat.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert _ids(archive.read_bytes()) == ORDRE_76
    assert "pas de courriel : aucun serveur SMTP configuré" in resultat.message
    (entree,) = lire_index(reglages.data_dir, DOSSIER)
    assert (entree["etablissement"], entree["jour"], entree["fichier"], entree["sha256"]) == (
        "76", "2025-07-04", "alertes/76/2025-07-04.csv", resultat.sha256)
    assert entree["alertes"] == ORDRE_76 and entree["nb_obligatoires"] == 2 and entree["courriel"] is False


def test_une_alerte_n_est_jamais_envoyee_deux_fois_sauf_forcer(reglages, serveur_smtp, monkeypatch):
    monkeypatch.setenv("SOCLE_ALERTES_FINALITE_DESTINATAIRES_76", ADRESSES_76)
    reglages = Settings.from_env()
    premier = envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    assert premier.courriel and len(serveur_smtp.messages) == 1
    _, destinataires, msg = serveur_smtp.messages[0]
    assert destinataires == ["deontologie.occitanie@example.org", "rh.occitanie@example.org"]
    assert "Occitanie" in msg["Subject"] and "2 à examen obligatoire" in msg["Subject"]
    (piece,) = list(msg.iter_attachments())
    assert piece.get_filename() == "socle-alertes-76-2025-07-04.csv" and piece.get_content_type() == "text/csv"
    assert piece.get_payload(decode=True) == premier.fichier.read_bytes()
    assert "secret-smtp" not in (reglages.data_dir / "alertes" / "envois.jsonl").read_text()

    second = envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    assert second.nb_alertes == 0 and second.fichier is None and "Aucune nouvelle alerte" in second.message
    assert "5 alerte(s) déjà envoyée(s)" in second.message
    assert len(serveur_smtp.messages) == 1 and len(lire_index(reglages.data_dir, DOSSIER)) == 1
    assert etablissements_a_envoyer(reglages) == ["93", "DSI"]

    # a later build adds an alert: only that one goes, and the day's first file stays under its hash
    ecrire_entrepot_interne(reglages, ALERTES + [
        ("al_76_nouvelle", "76", "DOSSIER_AGENT", "AGT_08", "PERS_18", date(2025, 7, 1), "31001", 1, 1,
         datetime(2025, 7, 2, 8, 0), "FACULTATIF")])
    troisieme = envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    assert _ids(troisieme.fichier.read_bytes()) == ["al_76_nouvelle"] and len(serveur_smtp.messages) == 2
    gardee = troisieme.fichier.parent / f"2025-07-04.{premier.sha256[:12]}.csv"
    assert hashlib.sha256(gardee.read_bytes()).hexdigest() == premier.sha256  # the first file sent, kept

    force = envoyer_alertes(reglages, "76", jour=JOUR, forcer=True, qui="testeur")
    assert force.nb_alertes == 6 and len(serveur_smtp.messages) == 3
    entrees = lire_index(reglages.data_dir, DOSSIER)
    assert [e["force"] for e in entrees] == [False, False, True]


def test_chaque_envoi_est_inscrit_au_journal_des_acces(reglages, tmp_path):
    resultat = envoyer_alertes(reglages, "76", jour=JOUR)
    vide = envoyer_alertes(reglages, "76", jour=JOUR, sortie=tmp_path / "vide.csv", qui="dagster", origine="dagster")
    premier, second = _journal(reglages)
    assert premier["identifiant"] == pwd.getpwuid(os.geteuid()).pw_name  # the OS account, by default
    assert (premier["page"], premier["territoire"], premier["action"]) == (
        "alertes_etablissement", "ETABLISSEMENT:76", "envoi_alertes")
    assert premier["horodatage"].endswith("+00:00") and premier["role"] is None
    assert (premier["nb_alertes"], premier["fichier"], premier["sha256"]) == (
        5, str(resultat.fichier), resultat.sha256)
    assert (second["identifiant"], second["origine"], second["nb_alertes"]) == ("dagster", "dagster", 0)
    assert second["fichier"] == str(tmp_path / "vide.csv") and vide.nb_alertes == 0


def test_une_selection_vide_ecrit_l_en_tete_et_le_dit(reglages, tmp_path):
    sortie = tmp_path / "rien.csv"
    resultat = envoyer_alertes(reglages, "84", jour=JOUR, sortie=sortie, qui="testeur")
    assert resultat.nb_alertes == 0
    assert resultat.message.startswith("Aucune nouvelle alerte pour l'établissement 84 (direction régionale "
                                       "Auvergne-Rhône-Alpes) : rien n'est archivé ni envoyé")
    assert "fichier vide (en-tête seul) écrit" in resultat.message
    assert _csv(sortie.read_bytes()) == [list(alertes.ENTETES.values())]
    assert not (reglages.data_dir / "alertes" / "84").exists() and lire_index(reglages.data_dir, DOSSIER) == []


def test_les_destinataires_d_un_etablissement_dans_le_fichier_de_reglages(reglages, monkeypatch, tmp_path):
    fichier = tmp_path / "diffusion.toml"
    fichier.write_text('[destinataires_alertes_finalite]\nDSI = ["deontologie.dsi@example.org"]\n'
                       '76 = ["a@example.org"]\n', encoding="utf-8")
    monkeypatch.setenv("SOCLE_RAPPORTS_CONFIG", str(fichier))
    monkeypatch.setenv("SOCLE_ALERTES_FINALITE_DESTINATAIRES_76", "b@example.org")  # the environment wins
    lus = lire_reglages(Settings.from_env())
    assert lus.destinataires_alertes_de("dsi") == ["deontologie.dsi@example.org"]
    assert lus.destinataires_alertes_de("76") == ["b@example.org"] and lus.destinataires_alertes_de("93") == []


def test_un_destinataire_du_cse_ne_recoit_jamais_les_alertes(reglages, monkeypatch):
    monkeypatch.setenv("SOCLE_CSE_DESTINATAIRES_76", "cse.occitanie@example.org")
    monkeypatch.setenv("SOCLE_ALERTES_FINALITE_DESTINATAIRES_76", "CSE.Occitanie@example.org")
    with pytest.raises(ReglagesError, match="jamais envoyées au CSE"):
        envoyer_alertes(Settings.from_env(), "76", jour=JOUR, qui="testeur")
    assert lire_index(reglages.data_dir, DOSSIER) == []


def test_une_construction_bloquee_par_la_qualite_n_envoie_rien(reglages):
    con = duckdb.connect(str(reglages.work_warehouse))
    try:
        con.execute("create schema qualite")
        con.execute("""create table qualite.resultats (horodatage timestamp, suite varchar, cible varchar,
            controle varchar, description varchar, severite varchar, succes boolean, details varchar,
            lignes bigint, anomalies bigint)""")
        con.execute("insert into qualite.resultats values ('2025-07-04 06:30', 'marts', 'marts.alertes_generees', "
                    "'unique', 'identifiant unique', 'bloquant', false, '2 doublons', 10, 2)")
    finally:
        con.close()
    with pytest.raises(QualiteBloquante, match="marts.alertes_generees"):
        envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    assert not (reglages.data_dir / "alertes" / "76").exists()


# --------------------------------------------------------------------------- the command


def test_socle_alertes_ecrit_le_fichier_et_dit_ce_qui_est_parti(reglages, tmp_path):
    sortie = tmp_path / "sortie" / "alertes_76.csv"
    res = CliRunner().invoke(app, ["alertes", "--etablissement", "76", "--depuis", "2025-06-01", "--out", str(sortie)])
    assert res.exit_code == 0, res.output
    assert "4 alerte(s) de l'établissement 76 (direction régionale Occitanie), dont 2 à examen obligatoire" in " ".join(
        res.output.split())
    assert _ids(sortie.read_bytes()) == ["al_76_obl_nuit", "al_76_obl_elu", "al_76_fac_a", "al_76_fac_b"]
    again = CliRunner().invoke(app, ["alertes", "--etablissement", "76", "--depuis", "2025-06-01"])
    assert again.exit_code == 0 and "Aucune nouvelle alerte" in again.output


@pytest.mark.parametrize(("arguments", "attendu"), [
    (["--etablissement", "Occitanie"], "Établissement inconnu : « Occitanie »"),
    (["--etablissement", "99"], "Établissement inconnu : « 99 » n'est ni une région du référentiel"),
    (["--etablissement", "76", "--depuis", "2025-13-01"], "Date invalide pour --depuis : « 2025-13-01 »"),
    (["--etablissement", "76", "--out", "alertes.pdf"], "Format inconnu « .pdf »"),
])
def test_socle_alertes_erreurs_en_francais(reglages, arguments, attendu):
    res = CliRunner().invoke(app, ["alertes", *arguments])
    assert res.exit_code == 1 and attendu in " ".join(res.output.split()), res.output
    assert "Traceback" not in res.output


def test_socle_alertes_sans_entrepot_interne_ou_pendant_une_construction(reglages, tmp_path, monkeypatch):
    with build_lock(reglages):
        res = CliRunner().invoke(app, ["alertes", "--etablissement", "76"])
    assert res.exit_code == 1 and "Une construction de" in res.output and "en cours" in res.output, res.output
    assert "lock" not in res.output.lower()
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "ailleurs" / "socle.duckdb"))
    res = CliRunner().invoke(app, ["alertes", "--etablissement", "76"])
    assert res.exit_code == 1 and "Aucun entrepôt interne" in res.output and "socle construire" in res.output
    assert lire_index(reglages.data_dir, DOSSIER) == []


def test_un_processus_qui_ecrit_l_entrepot_interne_sans_le_verrou_donne_la_meme_erreur(reglages):
    # a Dagster step of the build writes the work copy without the CLI's build lock
    ecrivain = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ouvert', flush=True); "
         "time.sleep(60)", str(reglages.work_warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert ecrivain.stdout.readline().strip() == "ouvert"
        with pytest.raises(AlertesError, match="est en cours : les alertes seront lisibles à sa fin"):
            envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    finally:
        ecrivain.kill()
        ecrivain.wait()


# --------------------------------------------------------------------------- Dagster


def _defs():
    from pipelines.definitions import defs

    return defs


def _tick(settings: Settings, quand: datetime):
    from pipelines.definitions import SocleConfig, alertes_etablissements_quotidiennes

    contexte = dg.build_schedule_context(scheduled_execution_time=quand, repository_def=_defs().get_repository_def(),
                                         resources={"socle": SocleConfig(warehouse=str(settings.warehouse))})
    return alertes_etablissements_quotidiennes.evaluate_tick(contexte)


def test_le_job_et_la_planification_des_alertes_se_chargent():
    defs = _defs()
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("alertes_etablissements")
    planning = defs.resolve_schedule_def("alertes_etablissements_quotidiennes")
    assert planning.job_name == "alertes_etablissements" and planning.execution_timezone == "Europe/Paris"
    assert planning.cron_schedule == "15 8 * * *"  # after the 6 o'clock build


def test_la_planification_demande_un_run_par_etablissement_qui_a_de_nouvelles_alertes(reglages):
    matin = datetime(2025, 7, 4, 8, 15, tzinfo=PARIS)
    tick = _tick(reglages, matin)
    demandes = {r.tags["etablissement"]: r for r in tick.run_requests}
    assert sorted(demandes) == ["76", "93", "DSI"]
    assert demandes["76"].run_key == "alertes_etablissement|2025-07-04|76"  # Dagster runs a key once
    assert demandes["DSI"].run_config == {"ops": {"envoyer_alertes_etablissement": {
        "config": {"etablissement": "DSI", "jour": "2025-07-04"}}}}

    envoyer_alertes(reglages, "76", jour=JOUR, qui="testeur")
    assert sorted(r.tags["etablissement"] for r in _tick(reglages, matin).run_requests) == ["93", "DSI"]
    with build_lock(reglages):
        pendant = _tick(reglages, matin)
    assert not pendant.run_requests and "est en cours" in pendant.skip_message


def test_un_run_du_job_envoie_les_alertes_une_fois(reglages):
    from pipelines.definitions import SocleConfig

    job = _defs().resolve_job_def("alertes_etablissements")
    config = {"ops": {"envoyer_alertes_etablissement": {"config": {"etablissement": "93", "jour": "2025-07-04"}}}}
    ressources = {"socle": SocleConfig(warehouse=str(reglages.warehouse))}
    assert job.execute_in_process(run_config=config, resources=ressources).success
    (entree,) = lire_index(reglages.data_dir, DOSSIER)
    assert (entree["etablissement"], entree["alertes"], entree["par"]) == ("93", ["al_93"], "dagster")
    assert (reglages.data_dir / "alertes" / "93" / "2025-07-04.csv").exists()
    assert job.execute_in_process(run_config=config, resources=ressources).success  # again: nothing new
    assert len(lire_index(reglages.data_dir, DOSSIER)) == 1
    assert [(e["identifiant"], e["nb_alertes"]) for e in _journal(reglages)] == [("dagster", 1), ("dagster", 0)]


def test_une_alerte_devenue_obligatoire_est_envoyee_de_nouveau(reglages):
    """The month's consultations go on: an alert sent as FACULTATIF that the next build makes
    OBLIGATOIRE (same id) goes again, once; the others do not."""
    premier = envoyer_alertes(reglages, "76", jour=JOUR)
    assert "al_76_fac_a" in _ids(premier.fichier.read_bytes())
    escalade = [(a[0], *a[1:7], 3, 2, *a[9:10], "OBLIGATOIRE") if a[0] == "al_76_fac_a" else a for a in ALERTES]
    ecrire_entrepot_interne(reglages, escalade)
    assert etablissements_a_envoyer(reglages) == ["76", "93", "DSI"]
    second = envoyer_alertes(reglages, "76", jour=JOUR)
    assert _ids(second.fichier.read_bytes()) == ["al_76_fac_a"]
    assert envoyer_alertes(reglages, "76", jour=JOUR).nb_alertes == 0
