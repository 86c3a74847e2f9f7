"""Calibration on published figures, and the MSA experiment visible in the data."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.synthetic.referentiel import REFERENTIEL_DIR


def d(col):
    return pl.col(col).str.to_date()


def _msa():
    exp = pl.read_csv(REFERENTIEL_DIR / "experimentations.csv", infer_schema=False)
    return exp.filter(pl.col("experimentation") == "MSA").select("code_agence", pl.col("modalite").alias("msa"))


def _episodes(inbox):
    return inbox.current("inscriptions").filter(pl.col("motif_fin").fill_null("") != "14")


def _first_initial_orientations(inbox):
    return (inbox.current("orientations").filter(pl.col("nature") == "INITIALE")
            .sort("date_orientation", "id_orientation").unique("id_inscription", keep="first"))


def test_orientation_split_near_occitanie_figures(inbox):
    o = _first_initial_orientations(inbox).filter(d("date_orientation") >= date(2025, 1, 1))
    share = dict(o["operateur_retenu"].value_counts(normalize=True).rows())
    assert abs(share["FT"] - 0.80) < 0.04
    assert abs(share["ML"] - 0.15) < 0.03
    assert abs(share["CAP_EMPLOI"] - 0.02) < 0.015
    assert abs(share["CD"] - 0.03) < 0.02


def test_rsa_parcours_split(inbox):
    o = _first_initial_orientations(inbox).join(_episodes(inbox).select("id_inscription", "allocation"), on="id_inscription")
    share = dict(o.filter(pl.col("allocation") == "RSA")["parcours_retenu"].value_counts(normalize=True).rows())
    assert abs(share["EMPLOI"] - 0.44) < 0.05
    assert abs(share["SOCIO_PRO"] - 0.24) < 0.05
    assert abs(share["SOCIAL"] - 0.32) < 0.05


def test_algorithm_proposals_mostly_followed(inbox):
    o = _first_initial_orientations(inbox).filter(pl.col("operateur_propose").is_not_null())
    gap = o.select(((pl.col("operateur_propose") != pl.col("operateur_retenu"))
                    | (pl.col("parcours_propose") != pl.col("parcours_retenu"))).mean()).item()
    assert 0.05 < gap < 0.30


def test_control_sanction_share_and_breaches_without_sanction(inbox):
    ctl = inbox.current("controles")
    decided = ctl.filter(pl.col("issue").is_in(["RECHERCHE_ACTIVE", "REDYNAMISATION", "SANCTION"]))
    assert decided.height > 200
    assert abs(decided.select((pl.col("issue") == "SANCTION").mean()).item() - 0.17) < 0.04
    man = inbox.current("manquements").join(ctl.select("id_controle", "issue"), on="id_controle", how="left")
    known = man.filter((pl.col("suite") != "EN_COURS") & ((pl.col("suite") != "TRANSMIS_CRE") | (
        pl.col("issue").is_not_null() & (pl.col("issue") != "EN_COURS"))))
    sanctioned = known.select(((pl.col("suite") == "SANCTION") | (pl.col("issue") == "SANCTION").fill_null(False)).mean()).item()
    assert abs((1 - sanctioned) - 0.80) < 0.06


def test_alerts_mostly_false_positives(inbox):
    al = inbox.current("alertes_finalite").filter(pl.col("conclusion").is_in(["AVEREE", "NON_AVEREE"]))
    assert al.height >= 20
    rate = al.select((pl.col("conclusion") == "NON_AVEREE").mean()).item()
    assert 0.75 <= rate <= 0.98


def _diagnostic_delays(inbox):
    dia = (inbox.current("diagnostics").filter(pl.col("nature") == "INITIAL")
           .sort("date_diagnostic").unique("id_inscription", keep="first"))
    return (_episodes(inbox).filter(d("date_inscription").is_between(date(2024, 1, 1), date(2025, 3, 31)))
            .join(dia.select("id_inscription", "date_diagnostic"), on="id_inscription", how="left")
            .join(_msa(), on="code_agence", how="left")
            .with_columns((d("date_diagnostic") - d("date_inscription")).dt.total_days().alias("delai")))


def test_diagnostic_delays_look_real(inbox):
    c = _diagnostic_delays(inbox)
    assert 14 <= c["delai"].median() <= 28
    assert 0.02 < c.select((pl.col("delai") > 90).mean()).item() < 0.15
    assert 0.02 < c["delai"].null_count() / c.height < 0.20  # some never diagnosed


def _returns_to_employment(inbox):
    acc = inbox.current("accompagnements").sort("date_debut", "id_accompagnement").unique("id_inscription", keep="first")
    c = (acc.join(_episodes(inbox).select("id_inscription", "allocation"), on="id_inscription")
         .join(_msa(), on="code_agence", how="left")
         .filter(d("date_debut").is_between(date(2024, 4, 1), date(2025, 3, 31))))
    j = c.join(inbox.current("emplois"), on="id_personne", how="left", suffix="_e").with_columns(
        d("date_debut_e").alias("de"), d("date_debut").alias("da"), d("date_fin_previsionnelle").alias("fp"))
    j = j.with_columns(
        ((pl.col("de") >= pl.col("da")) & (pl.col("de") <= pl.col("da").dt.offset_by("6mo"))).fill_null(False).alias("win"),
        (pl.col("nature_contrat").is_in(["01", "07", "08", "09", "50", "82", "91", "CREA"])
         | (pl.col("nature_contrat").is_in(["02", "03", "10", "92"])
            & (pl.col("fp") >= pl.col("de").dt.offset_by("6mo") - pl.duration(days=1)))).fill_null(False).alias("durable"))
    j = j.with_columns((pl.col("durable") | (~pl.col("nature_contrat").is_in(["29", "70", "80", "81", "89"])
                        & (pl.col("fp") >= pl.col("de").dt.offset_by("1mo") - pl.duration(days=1)))).fill_null(False).alias("emploi"))
    return j.group_by("id_accompagnement", "allocation", "msa").agg(
        (pl.col("win") & pl.col("emploi")).any().alias("emploi"), (pl.col("win") & pl.col("durable")).any().alias("durable"))


def test_rsa_return_to_employment_within_6_months(inbox):
    r = _returns_to_employment(inbox).filter(pl.col("allocation") == "RSA")
    assert r.height > 200
    assert abs(r["emploi"].mean() - 0.50) < 0.10
    assert abs(r["durable"].mean() - 0.25) < 0.07


def test_msa_agencies_behave_differently_after_april_2024(inbox):
    c = _diagnostic_delays(inbox).filter(d("date_inscription") >= date(2024, 4, 1))
    med = {k: v for k, v in c.group_by("msa").agg(pl.col("delai").median()).rows()}
    assert med["MODELE_2"] < med["MODELE_1"] < med[None]  # faster diagnostic
    r = _returns_to_employment(inbox)
    rate = {k: v for k, v in r.group_by("msa").agg(pl.col("emploi").mean()).rows()}
    assert rate["MODELE_2"] > rate[None] + 0.03  # better return to employment
    # model 1 segments: more re-orientations; model 2 accompanies more intensively
    ori = inbox.current("orientations").join(_msa(), on="code_agence", how="left").filter(
        d("date_orientation") >= date(2024, 6, 1))
    reo = {k: v for k, v in ori.group_by("msa").agg((pl.col("nature") == "REORIENTATION").mean()).rows()}
    assert reo["MODELE_1"] > 1.5 * reo[None]
    acc = inbox.current("accompagnements").join(_msa(), on="code_agence", how="left").filter(
        d("date_debut") >= date(2024, 4, 1))
    intens = {k: v for k, v in acc.group_by("msa").agg((pl.col("modalite") == "INTENSIF").mean()).rows()}
    assert intens["MODELE_2"] > 0.2 and intens.get(None, 0) < 0.02
