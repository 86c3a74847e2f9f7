"""The consultation log, the staff and exposed persons, and the FLUX outcomes: a known truth.

The alert rules of ``shared/contract/alert-rules.md`` are computed here again, from the delivered
files only (``_alertes_du_journal``), so that the generator's own evaluation is checked against
the contract and not against itself.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.core import contract as C
from pipelines.ingestion import ingest_inbox
from pipelines.synthetic import consultations as K
from pipelines.synthetic import generate, lecture
from pipelines.synthetic.agents import jours_ouvres
from pipelines.synthetic.referentiel import REFERENTIEL_DIR, day_number

START, END = date(2025, 6, 1), date(2025, 11, 30)
DEPARTEMENTS = ["05", "48"]  # two small départements of two regions (93, 76): colleagues share agencies
PERSONS = 3_000
ALERTES = ("agents", "personnes_exposees", "consultations")
KEY = b"cle-de-test-des-consultations-synthetiques"


class Boite:
    def __init__(self, out, summary):
        self.out, self.summary = out, summary
        self.log = pl.concat([pl.read_parquet(p).with_columns(pl.lit(p.name).alias("_fichier"))
                              for p in lecture.delivery_files(out, "consultations")])
        self.agents = lecture.current(out, "agents")
        self.verite = pl.read_csv(out / K.VERITE_FILE, separator=";", infer_schema=False)
        self.w0 = date.fromisoformat(summary["consultations"]["debut"])


@pytest.fixture(scope="module")
def boite(tmp_path_factory) -> Boite:
    out = tmp_path_factory.mktemp("consultations") / "inbox"
    summary = generate(out, departements=DEPARTEMENTS, start=START, end=END, persons=PERSONS, seed=3,
                       mois_consultations=3)
    return Boite(out, summary)


def _d(c):
    return pl.col(c).str.to_date()


def _secondes(c):
    return pl.col(c).str.slice(0, 2).cast(pl.Int32) * 3600 + pl.col(c).str.slice(3, 2).cast(pl.Int32) * 60


def _avec_horaires(b: Boite) -> pl.DataFrame:
    """The log with the consulting agent's usual days and hours, and whether the row is within them."""
    ag = b.agents.select("id_agent", pl.col("code_site").alias("site"), "jours_travailles",
                         _secondes("heure_debut").alias("debut"), _secondes("heure_fin").alias("fin"))
    t = pl.col("horodatage")
    sec = t.dt.hour().cast(pl.Int32) * 3600 + t.dt.minute().cast(pl.Int32) * 60 + t.dt.second().cast(pl.Int32)
    return b.log.join(ag, on="id_agent").with_columns(
        t.dt.date().alias("jour"), t.dt.truncate("1mo").dt.date().alias("mois"),
        (pl.col("jours_travailles").str.split(",").list.contains(t.dt.weekday().cast(pl.String))
         & (sec >= pl.col("debut")) & (sec < pl.col("fin"))).alias("dans_horaires"))


def _alertes_du_journal(b: Boite) -> pl.DataFrame:
    """The contract's rules, default thresholds, on the delivered files (current records)."""
    cols = ["horodatage", "id_agent", "id_personne", "application", "code_site", "jour", "mois", "site", "situation"]
    c = _avec_horaires(b).unique(subset=list(C.EXPORTS["consultations"].column_names))
    hors = c.filter(~pl.col("dans_horaires")).with_columns(
        pl.lit(K.HORS).alias("situation"), pl.lit(None, pl.String).alias("id_personne"))
    dossiers = b.agents.filter(pl.col("id_personne").is_not_null()).select(
        pl.col("id_agent").alias("b"), "id_personne", "statut", _d("date_sortie").alias("sortie"))
    collegues = c.join(dossiers, on="id_personne").filter(pl.col("b") != pl.col("id_agent")).with_columns(
        pl.when((pl.col("statut") == "ACTIF") | (pl.col("sortie") > pl.col("jour"))).then(pl.lit(K.AGENT))
        .when(pl.col("sortie") < pl.col("jour")).then(pl.lit(K.EX_AGENT)).alias("situation")
    ).filter(pl.col("situation").is_not_null())
    expo = lecture.current(b.out, "personnes_exposees").select("id_personne", _d("date_debut").alias("e0"),
                                                                _d("date_fin").alias("e1"))
    exposes = c.join(expo, on="id_personne").filter(
        (pl.col("e0") <= pl.col("jour")) & (pl.col("e1").is_null() | (pl.col("e1") >= pl.col("jour")))
    ).with_columns(pl.lit(K.ELU).alias("situation"))
    personnes = pl.concat([collegues.select(cols), exposes.select(cols)]).unique()
    liens = pl.concat([
        lecture.current(b.out, "inscriptions").select("id_personne", pl.col("code_agence").alias("site"),
                                                      _d("date_inscription").alias("l0"), _d("date_fin").alias("l1")),
        lecture.current(b.out, "accompagnements").select("id_personne", pl.col("code_agence").alias("site"),
                                                         _d("date_debut").alias("l0"), _d("date_fin").alias("l1")),
    ])
    legitimes = personnes.join(liens, on=["id_personne", "site"]).filter(
        (pl.col("l0") <= pl.col("jour")) & (pl.col("l1").is_null() | (pl.col("l1") >= pl.col("jour")))
    ).select(cols).unique()
    touts = pl.concat([personnes.join(legitimes, on=cols, how="anti"), hors.select(cols)])
    seuils = pl.DataFrame([(s, *v) for s, v in K.SEUILS.items()], orient="row",
                          schema=["situation", "seuil", "obl_n", "obl_j"])
    return (touts.group_by("situation", "id_agent", "id_personne", "mois")
            .agg(pl.len().alias("nb_consultations"), pl.col("jour").n_unique().alias("nb_jours"))
            .join(seuils, on="situation").filter(pl.col("nb_consultations") >= pl.col("seuil"))
            .with_columns(pl.when((pl.col("nb_consultations") >= pl.col("obl_n")) & (pl.col("nb_jours") >= pl.col("obl_j")))
                          .then(pl.lit("OBLIGATOIRE")).otherwise(pl.lit("FACULTATIF")).alias("examen"))
            .select("situation", "id_agent", "id_personne", "mois", "nb_consultations", "nb_jours", "examen"))


@pytest.fixture(scope="module")
def alertes(boite) -> pl.DataFrame:
    return _alertes_du_journal(boite)


def _verite_alertes(b: Boite) -> pl.DataFrame:
    return b.verite.filter(pl.col("alerte") == "1").select(
        "situation", "id_agent", "id_personne", pl.col("mois").str.to_date(),
        pl.col("nb_consultations").cast(pl.UInt32), pl.col("nb_jours").cast(pl.UInt32), "examen")


# ---------------------------------------------------------------------------------------------


def _hashes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_meme_graine_memes_octets_autre_graine_autre_journal(tmp_path):
    def run(name, seed):
        generate(tmp_path / name, departements=["48"], start=date(2025, 9, 1), end=date(2025, 11, 30), persons=500,
                 seed=seed, mois_consultations=2)
        return _hashes(tmp_path / name)

    a, b, c = run("a", 5), run("b", 5), run("c", 6)
    assert a == b
    journal = [n for n in a if n.startswith("consultations/")]
    assert journal and all(n.endswith(".parquet") for n in journal)
    assert {"agents", "personnes_exposees", K.VERITE_FILE} <= {n.split("/")[0] for n in a}
    assert all(a[n] != c[n] for n in journal if n in c)


def test_les_fichiers_passent_la_validation_de_l_ingestion(boite, tmp_path):
    wh = tmp_path / "socle.duckdb"
    report = ingest_inbox(wh, boite.out, KEY, exports=["inscriptions", *ALERTES, "alertes_finalite"],
                          quarantine_dir=tmp_path / "quarantaine")
    par_export = {e.export: e for e in report.exports}
    for export in (*ALERTES, "alertes_finalite"):
        er = par_export[export]
        assert er.files_rejected == 0 and er.rows_quarantined == 0, export
        assert er.rows_loaded == boite.summary["lignes"][export] > 0, export
    with duckdb.connect(str(wh), read_only=True) as con:
        def hors(sql):
            return con.execute(sql).fetchone()[0]
        # same pseudonym space: agents' own files are generated persons, the log names known agents and persons
        assert hors("select count(*) from raw.agents where id_personne is not null") > 0
        assert hors("select count(*) from raw.agents a where id_personne is not null and id_personne not in "
                    "(select id_personne from raw.inscriptions)") == 0
        assert hors("select count(*) from raw.consultations where id_agent not in (select id_agent from raw.agents)") == 0
        assert hors("select count(*) from raw.consultations where id_personne not in "
                    "(select id_personne from raw.inscriptions)") == 0


def test_un_fichier_par_jour_ouvre_extrait_la_nuit_suivante(boite):
    ouvres = jours_ouvres(day_number(boite.w0), day_number(END))
    attendus = [C.delivery_name("consultations", date(1970, 1, 1) + timedelta(days=int(d) + 1), 0, "parquet")
                for d in ouvres]
    files = [p.name for p in lecture.delivery_files(boite.out, "consultations")]
    assert files == attendus
    assert date(2025, 11, 11) not in {date(1970, 1, 1) + timedelta(days=int(d)) for d in ouvres}  # a holiday
    # each file holds the days since the previous extraction, up to the working day it follows
    par_fichier = boite.log.group_by("_fichier").agg(pl.col("horodatage").dt.date().max().alias("dernier"))
    for f, dernier in par_fichier.iter_rows():
        assert C.parse_delivery_name(f).date_extraction == dernier + timedelta(days=1)
    # a log without key: some rows delivered twice
    assert boite.log.height - boite.log.unique(subset=list(C.EXPORTS["consultations"].column_names)).height > 0


def test_environ_60_consultations_par_agent_et_jour_dans_ses_horaires(boite):
    c = _avec_horaires(boite)
    fond = c.filter(pl.col("dans_horaires"))
    par_jour = fond.group_by("id_agent", "jour").len()
    assert 50 <= par_jour["len"].mean() <= 70
    assert c["dans_horaires"].mean() > 0.99
    # every consultation outside the usual hours belongs to a planted out-of-hours case of that agent-month
    plantes = boite.verite.filter(pl.col("cas").is_in(["NUIT_WEEKEND", "TRAVAIL_TARDIF"])).select(
        "id_agent", pl.col("mois").str.to_date()).unique()
    hors = c.filter(~pl.col("dans_horaires")).select("id_agent", "mois").unique()
    assert hors.height > 0 and hors.join(plantes, on=["id_agent", "mois"], how="anti").height == 0
    # mostly files followed at the agent's agency: the share of distinct persons is well below the volume
    assert fond.select(pl.col("id_personne").n_unique()).item() < PERSONS


def test_agents_rattaches_aux_agences_avec_partis_et_temps_partiel(boite):
    ag = boite.agents
    assert abs(ag.height - PERSONS / 70) <= 2
    agences = pl.read_csv(REFERENTIEL_DIR / "agences.csv", infer_schema=False).select(
        pl.col("code_agence").alias("code_site"), pl.col("code_region").alias("region"))
    en_agence = ag.join(agences, on="code_site")
    assert (en_agence["region"] == en_agence["code_etablissement"]).all()
    hors_agence = ag.join(agences, on="code_site", how="anti")
    assert hors_agence.height >= 1 and (hors_agence["code_site"] == hors_agence["code_etablissement"]).all()
    assert (ag["jours_travailles"] != "1,2,3,4,5").any()
    partis = ag.filter(pl.col("statut") == "PARTI")
    assert partis.height >= 1 and partis["date_sortie"].null_count() == 0
    # nobody consults after leaving
    sortie = partis.select("id_agent", _d("date_sortie").alias("sortie"))
    apres = boite.log.join(sortie, on="id_agent").filter(pl.col("horodatage").dt.date() >= pl.col("sortie"))
    assert apres.height == 0


def test_expositions_autour_des_elections(boite):
    ex = lecture.current(boite.out, "personnes_exposees").with_columns(
        _d("date_debut").alias("d0"), _d("date_fin").alias("d1"))
    assert set(ex["nature"]) == {"CANDIDAT", "ELU"}
    cand = ex.filter(pl.col("nature") == "CANDIDAT")
    assert cand["d1"].null_count() == 0 and (cand["d1"].dt.weekday() == 7).all()  # until an election Sunday
    assert ((cand["d1"] - cand["d0"]).dt.total_days() > 0).all()
    assert (ex.filter(pl.col("nature") == "ELU")["d0"].dt.weekday() == 7).all()
    assert ex.filter(pl.col("nature") == "ELU")["d1"].null_count() > 0  # still in office
    assert ex.select(pl.col("id_personne").n_unique()).item() <= PERSONS * 8 / 1000 + 2


def test_chaque_cas_plante_et_chaque_sosie_existe(boite, alertes):
    v = boite.verite.with_columns(pl.col("mois").str.to_date())
    assert set(v["cas"]) == set(K.CAS)
    assert (v["lignes"].cast(pl.Int64) > 0).all()
    # the rows of each case with a named file are in the log, in its month
    nommes = v.filter(pl.col("id_personne").is_not_null()).select("id_agent", "id_personne", "mois").unique()
    vus = boite.log.select("id_agent", "id_personne", pl.col("horodatage").dt.truncate("1mo").dt.date().alias("mois")).unique()
    assert nommes.join(vus, on=["id_agent", "id_personne", "mois"], how="anti").height == 0
    cle = ["id_agent", "id_personne", "mois"]
    al = alertes.with_columns(pl.lit(True).alias("alerte_journal"))
    for cas, situations in {"COLLEGUE": {K.AGENT}, "EX_COLLEGUE": {K.EX_AGENT}, "ELU_CANDIDAT": {K.ELU},
                            "REMPLACEMENT": {K.AGENT, K.EX_AGENT, K.ELU},
                            "ACCIDENTELLE": {K.AGENT, K.EX_AGENT, K.ELU}}.items():
        j = v.filter(pl.col("cas") == cas).join(al, on=cle)
        assert j.height == v.filter(pl.col("cas") == cas).height, cas
        assert set(j["situation_right"]) <= situations, cas
    assert (v.filter(pl.col("cas") == "ACCIDENTELLE").join(al, on=cle)["nb_consultations"] == 1).all()
    # look-alikes with a legitimate link: files of a colleague or an elected person, and no alert
    for cas in ("COLLEGUE_SUIVI", "ELU_SUIVI"):
        assert v.filter(pl.col("cas") == cas).join(al, on=cle).height == 0, cas
    suivis = set(v.filter(pl.col("cas") == "COLLEGUE_SUIVI")["id_personne"])
    assert suivis and suivis <= set(boite.agents["id_personne"].drop_nulls())
    # out of hours: night or weekend browsing and working late both raise HORS_HORAIRES alerts
    hors = alertes.filter(pl.col("situation") == K.HORS).select("id_agent", "mois")
    for cas in ("NUIT_WEEKEND", "TRAVAIL_TARDIF"):
        plantes = v.filter((pl.col("cas") == cas) & (pl.col("lignes").cast(pl.Int64) >= K.SEUILS[K.HORS][0]))
        assert plantes.height > 0 and plantes.join(hors, on=["id_agent", "mois"], how="anti").height == 0, cas


def test_les_alertes_du_journal_sont_celles_de_la_verite(boite, alertes):
    cle = ["situation", "id_agent", "id_personne", "mois"]
    assert alertes.height > 0
    assert alertes.sort(cle).equals(_verite_alertes(boite).sort(cle))
    # one alert at most per situation, agent and month: an outcome designates a single alert
    assert alertes.select(["situation", "id_agent", "mois"]).is_duplicated().sum() == 0
    assert set(alertes["examen"]) == {"OBLIGATOIRE", "FACULTATIF"}


def test_les_resultats_flux_designent_des_alertes_du_journal(boite, alertes):
    al = lecture.current(boite.out, "alertes_finalite").filter(pl.col("campagne") == "FLUX").with_columns(
        _d("date_alerte").alias("da"), _d("date_entretien").alias("de"), _d("date_cloture").alias("dc"))
    res = al.filter(pl.col("da") >= boite.w0)
    assert res.height == boite.summary["consultations"]["resultats_flux"] > 0
    assert res.height <= alertes.height
    res = res.with_columns(pl.col("da").dt.truncate("1mo").alias("mois"))
    j = res.join(alertes, on=["situation", "id_agent", "mois"], how="left")
    assert j["nb_consultations_right"].null_count() == 0
    assert (j["nb_consultations"].cast(pl.Int64) == j["nb_consultations_right"].cast(pl.Int64)).all()
    assert (j["examen"] == j["examen_right"]).all()
    assert (res["da"] <= END).all()
    # the establishment and agency are the agent's
    ag = boite.agents.select("id_agent", "code_site", "code_etablissement")
    k = res.join(ag, on="id_agent")
    assert (k["code_etablissement"] == k["code_etablissement_right"]).all()
    assert ((k["code_agence"] == k["code_site"]) | k["code_agence"].is_null()).all()
    # states and dates agree
    conclues = res.filter(pl.col("conclusion").is_in(["AVEREE", "NON_AVEREE"]))
    assert conclues["de"].null_count() == 0 and conclues["dc"].null_count() == 0 and conclues["suite"].null_count() == 0
    assert (res.filter(pl.col("conclusion") == "NON_EXAMINEE")["de"].null_count()
            == res.filter(pl.col("conclusion") == "NON_EXAMINEE").height)
    assert res.filter(pl.col("conclusion") == "EN_COURS")["dc"].null_count() == res.filter(
        pl.col("conclusion") == "EN_COURS").height
    assert {"AVEREE", "NON_AVEREE"} <= set(res["conclusion"])
    # the outcome of a planted case follows its truth more often than not
    v = boite.verite.filter(pl.col("id_alerte").is_not_null() & pl.col("conclusion").is_in(["AVEREE", "NON_AVEREE"]))
    assert (v["verite"] == v["conclusion"]).mean() > 0.5


def test_le_bruit_d_examen_differe_selon_la_region():
    n = 20_000
    rng = np.random.default_rng(1)
    parts = {}
    for region in ("76", "93", "84", "DG"):
        etab = np.full(n, region)
        benins = K.conclure(np.zeros(n, bool), etab, rng).mean()
        averes = K.conclure(np.ones(n, bool), etab, rng).mean()
        fp, sens, _ = K.profil_examen(region)
        assert abs(benins - fp) < 0.015 and abs(averes - sens) < 0.015
        assert averes > benins
        parts[region] = benins
    assert max(parts.values()) - min(parts.values()) > 0.1


def test_les_campagnes_restent_et_le_flux_sans_journal_s_arrete_a_la_fenetre(tmp_path):
    def run(name, mois):
        s = generate(tmp_path / name, regions=["76"], start=date(2025, 3, 1), end=date(2025, 11, 30), persons=2_000,
                     seed=9, mois_consultations=mois)
        return s, lecture.current(tmp_path / name, "alertes_finalite").select(C.EXPORTS["alertes_finalite"].column_names)

    s0, a0 = run("sans", 0)
    s2, a2 = run("avec", 2)
    w0 = date.fromisoformat(s2["consultations"]["debut"])
    assert s0["consultations"] is None and not any((tmp_path / "sans" / e).exists() for e in ALERTES)
    assert all((tmp_path / "avec" / e).is_dir() for e in ALERTES)

    def avant(df):
        return df.filter((pl.col("campagne") != "FLUX") | (_d("date_alerte") < w0)).sort("id_alerte")

    assert avant(a0).height > 0 and avant(a0).equals(avant(a2))
    apres = a2.filter((pl.col("campagne") == "FLUX") & (_d("date_alerte") >= w0))
    assert apres.height == s2["consultations"]["resultats_flux"]


def test_option_mois_consultations_de_socle_generer(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    runner = CliRunner()
    base = ["generer", "--departements", "48", "--mois", "2", "--personnes", "400"]
    res = runner.invoke(app, [*base, "--sortie", str(tmp_path / "sans"), "--mois-consultations", "0"])
    assert res.exit_code == 0, res.output
    assert lecture.summary(tmp_path / "sans")["parametres"]["mois_consultations"] == 0
    assert not (tmp_path / "sans" / "consultations").exists()
    res = runner.invoke(app, [*base, "--sortie", str(tmp_path / "avec"), "--mois-consultations", "1"])
    assert res.exit_code == 0, res.output
    assert "Journal des consultations" in res.output
    resume = lecture.summary(tmp_path / "avec")
    assert resume["parametres"]["mois_consultations"] == resume["consultations"]["mois"] == 1
    assert runner.invoke(app, [*base, "--sortie", str(tmp_path / "x"), "--mois-consultations", "-1"]).exit_code != 0
