"""Referential and internal consistency of the synthetic exports."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.synthetic.referentiel import REFERENTIEL_DIR

EVENTS = {
    "orientations": "date_orientation",
    "diagnostics": "date_diagnostic",
    "entretiens": "date_entretien",
    "accompagnements": "date_debut",
    "manquements": "date_manquement",
    "controles": "date_ouverture",
}


def d(col):
    return pl.col(col).str.to_date()


def _ref(name):
    return pl.read_csv(REFERENTIEL_DIR / name, infer_schema=False)


def test_agencies_and_communes_exist_and_agree_on_departement(inbox):
    ins = inbox.current("inscriptions")
    ag = _ref("agences.csv").select("code_agence", pl.col("code_departement").alias("dep_agence"), "code_region")
    com = _ref("communes.csv").select("code_commune", pl.col("code_departement").alias("dep_commune"), "type_commune")
    j = ins.join(ag, on="code_agence", how="left").join(com, on="code_commune", how="left")
    assert j["dep_agence"].null_count() == 0
    assert j["dep_commune"].null_count() == 0
    assert (j["dep_agence"] == j["dep_commune"]).all()
    assert set(j["code_region"].unique()) == {"76", "93"}
    # Marseille residents are coded by arrondissement, never as the whole commune
    assert "13055" not in set(j["code_commune"]) and (j["type_commune"] == "ARM").any()
    for export in ("orientations", "diagnostics", "entretiens", "accompagnements", "manquements"):
        codes = set(inbox.current(export)["code_agence"].unique())
        assert codes <= set(ag["code_agence"]), export


def test_each_agency_carries_the_employment_zone_of_its_commune():
    """The warehouse takes an agency's bassin from the agencies' seed (the communes' zones are
    not loaded): it must be the zone d'emploi of the agency's commune, where the file has it."""
    ag = _ref("agences.csv").select("code_agence", "code_commune", "code_ze2020", "libelle_ze2020")
    ze = _ref("communes_ze2020.csv").select("code_commune", pl.col("code_ze2020").alias("ze_commune"),
                                             pl.col("libelle_ze2020").alias("libelle_commune"))
    avec_commune = ag.filter(pl.col("code_commune").is_not_null())
    j = avec_commune.join(ze, on="code_commune", how="left")
    # every agency with a commune is in the file (only Saint-Pierre-et-Miquelon and Saint-Martin,
    # outside the zones d'emploi, have neither commune nor zone)
    assert j["ze_commune"].null_count() == 0 and ag.height - avec_commune.height == 2
    assert j.filter((pl.col("code_ze2020") != pl.col("ze_commune"))
                    | (pl.col("libelle_ze2020") != pl.col("libelle_commune"))).height == 0


def test_volumes_follow_departement_weights(inbox):
    ins = inbox.current("inscriptions").join(
        _ref("agences.csv").select("code_agence", "code_departement"), on="code_agence")
    share = ins.group_by("code_departement").len().with_columns(pl.col("len") / pl.col("len").sum())
    s = dict(share.rows())
    defm = _ref("defm_departement.csv")
    deps = _ref("departements.csv").filter(pl.col("code_region").is_in(["76", "93"]))["code_departement"]
    stock = defm.filter((pl.col("mois") == defm["mois"].max()) & pl.col("categorie").is_in(["A", "B", "C"])
                        & pl.col("code_departement").is_in(deps.to_list())).group_by("code_departement").agg(
        pl.col("demandeurs").cast(pl.Int64).sum())
    expected = {k: v / stock["demandeurs"].sum() for k, v in stock.rows()}
    assert set(s) == set(expected)
    for dep, share_expected in expected.items():
        assert abs(s[dep] - share_expected) < 0.015, dep
    assert s["13"] > s["31"] > s["48"]


def test_events_reference_an_episode_of_the_same_person_within_it(inbox):
    end = date.fromisoformat(inbox.summary["parametres"]["fin"])
    ins = inbox.current("inscriptions").select(
        "id_inscription", pl.col("id_personne").alias("p_ins"), d("date_inscription").alias("deb"),
        d("date_fin").fill_null(date(2100, 1, 1)).alias("fin"))
    for export, col in EVENTS.items():
        ev = inbox.current(export).join(ins, on="id_inscription", how="left")
        assert ev["p_ins"].null_count() == 0, export
        assert (ev["p_ins"] == ev["id_personne"]).all(), export
        dated = ev.with_columns(d(col).alias("x"))
        assert dated.filter(pl.col("x") < pl.col("deb")).height == 0, export
        assert dated.filter(pl.col("x") > pl.col("fin")).height == 0, export
        if export != "entretiens":  # planned appointments may lie after the end of the period
            assert dated.filter(pl.col("x") > end).height == 0, export


def test_business_rules_of_records(inbox):
    ctl = inbox.current("controles")
    s = ctl.filter(pl.col("issue") == "SANCTION")
    assert s.height > 0
    assert s["sanction"].null_count() == 0 and s["sanction_duree_mois"].null_count() == 0
    assert s["sanction_taux"].cast(pl.Int64).is_between(30, 100).all()
    assert ctl.filter(pl.col("issue") != "SANCTION")["sanction"].null_count() == ctl.filter(pl.col("issue") != "SANCTION").height
    assert ctl.filter(pl.col("issue") == "EN_COURS")["date_decision"].null_count() == ctl.filter(pl.col("issue") == "EN_COURS").height
    ent = inbox.current("entretiens")
    assert ent.filter(pl.col("statut") == "REALISE")["duree_minutes"].null_count() == 0
    assert ent.filter(pl.col("statut") != "REALISE")["duree_minutes"].null_count() == ent.filter(pl.col("statut") != "REALISE").height
    man = inbox.current("manquements")
    tr = man.filter(pl.col("suite") == "TRANSMIS_CRE")
    assert tr.height > 0 and tr["id_controle"].null_count() == 0
    assert set(tr["id_controle"]) <= set(ctl["id_controle"])
    assert (ctl.filter(pl.col("id_controle").is_in(tr["id_controle"].to_list()))["origine"] == "ALERTE_GL").all()
    # platforms belong to the region of the person's agency
    reg = inbox.current("inscriptions").join(_ref("agences.csv").select("code_agence", "code_region"), on="code_agence")
    j = ctl.join(reg.select("id_inscription", "code_region"), on="id_inscription")
    assert (j["code_plateforme"].str.slice(2, 2) == j["code_region"]).all()


def test_employment_starts_after_registration_and_matches_exit_reason(inbox):
    ins = inbox.current("inscriptions").filter(pl.col("motif_fin").fill_null("") != "14")
    emp = inbox.current("emplois")
    first = ins.group_by("id_personne").agg(d("date_inscription").min().alias("first"))
    j = emp.join(first, on="id_personne", how="left")
    assert j["first"].null_count() == 0
    assert j.filter(pl.col("date_debut").str.to_date() < pl.col("first")).height == 0
    # an exit for "reprise d'emploi" has an employment start shortly before it; other exits rarely
    ended = ins.filter(pl.col("date_fin").is_not_null()).select("id_personne", "id_inscription", "motif_fin", d("date_fin").alias("fin"))
    m = ended.join(emp.select("id_personne", d("date_debut").alias("de")), on="id_personne", how="left")
    m = m.with_columns(
        ((pl.col("de") <= pl.col("fin")) & (pl.col("de") >= pl.col("fin") - pl.duration(days=30))).fill_null(False).alias("near")
    )
    rate = (
        m.group_by("id_inscription", "motif_fin").agg(pl.col("near").any()).group_by(pl.col("motif_fin") == "01").agg(pl.col("near").mean())
    )
    r = dict(rate.rows())
    assert r[True] > 0.9 and r[False] < 0.2


def test_alert_establishments(inbox):
    al = inbox.current("alertes_finalite")
    assert al.height > 0
    nat = al.filter(pl.col("code_etablissement").is_in(["DG", "DSI", "PES"]))
    assert nat.height > 0 and nat["code_agence"].null_count() == nat.height
    reg = al.filter(~pl.col("code_etablissement").is_in(["DG", "DSI", "PES"]))
    assert set(reg["code_etablissement"]) <= {"76", "93"}
    j = reg.filter(pl.col("code_agence").is_not_null()).join(
        _ref("agences.csv").select("code_agence", "code_region"), on="code_agence", how="left"
    )
    assert (j["code_region"] == j["code_etablissement"]).all()
    assert set(al["campagne"]) >= {"2024-V1", "2024-V2", "2025-V1", "FLUX"}
