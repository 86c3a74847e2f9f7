"""The reforms appear when they happened (Loi plein emploi, CRE rénové, MSA)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.synthetic import generate, lecture
from pipelines.synthetic.referentiel import REFERENTIEL_DIR

LPE = "2025-01-01"


def _pilots() -> list[str]:
    exp = pl.read_csv(REFERENTIEL_DIR / "experimentations.csv", infer_schema=False)
    return exp.filter(pl.col("experimentation") == "CRE_RENOVE")["code_agence"].to_list()


def _agency_of_episode(current):
    return current("inscriptions").select("id_inscription", "code_agence")


def test_automatic_registration_and_categories_f_g_only_from_2025(inbox):
    v = inbox.versions("inscriptions")
    before = v.filter(pl.col("date_maj") < LPE)
    assert before.filter(pl.col("canal_inscription") == "AUTOMATIQUE").height == 0
    assert before.filter(pl.col("categorie").is_in(["F", "G"])).height == 0
    after = v.filter(pl.col("date_maj") >= LPE)
    auto = after.filter(pl.col("canal_inscription") == "AUTOMATIQUE")
    assert auto.height > 0 and set(auto["allocation"]) <= {"RSA", "CEJ"}
    assert auto["date_inscription"].min() >= LPE
    assert after.filter(pl.col("categorie") == "F").height > 0 and after.filter(pl.col("categorie") == "G").height > 0


def test_orientation_interviews_and_algorithm(inbox):
    o = inbox.current("orientations")
    assert o.filter(pl.col("mode").str.starts_with("EDO_") & (pl.col("date_orientation") < LPE)
                    & (pl.col("nature") == "INITIALE")).height == 0
    prop = o.filter(pl.col("operateur_propose").is_not_null())
    assert prop.height > 0 and prop["date_orientation"].min() >= "2025-04-01"
    assert inbox.current("entretiens").filter((pl.col("type_entretien") == "EDO") & (pl.col("date_entretien") < LPE)).height == 0


def test_contrats_d_engagement_with_weekly_intensity(inbox):
    acc = inbox.current("accompagnements")
    ce = acc.filter(pl.col("date_signature_ce").is_not_null())
    assert (ce.filter(pl.col("date_signature_ce") < LPE)["modalite"] == "CEJ").all()
    assert ce["intensite_hebdo_heures"].null_count() == 0
    rsa = acc.join(inbox.current("inscriptions").select("id_inscription", "allocation"), on="id_inscription").filter(
        (pl.col("allocation") == "RSA") & (pl.col("date_signature_ce") >= LPE))
    assert rsa.height > 50
    assert rsa.select((pl.col("intensite_hebdo_heures").cast(pl.Float64) >= 15).mean()).item() > 0.7


@pytest.fixture(scope="module")
def bouches_du_rhone(tmp_path_factory):
    """The département of the two CRE pilot agencies (Arles, Châteaurenard), with enough people
    there for transfers before 2025 to occur whatever the random stream (the shared inbox has
    about a hundred episodes in them: a handful of breaches, often none transferred)."""
    out = tmp_path_factory.mktemp("cre") / "inbox"
    generate(out, departements=["13"], start=date(2024, 1, 1), end=date(2025, 3, 31), persons=8_000, seed=7,
             chunk_size=4_000)
    return out


def test_gl_to_cre_transfer_only_in_pilot_agencies_before_2025(inbox, bouches_du_rhone):
    pilots = _pilots()
    for current in (inbox.current, lambda export: lecture.current(bouches_du_rhone, export)):
        ctl = current("controles").join(_agency_of_episode(current), on="id_inscription")
        gl = ctl.filter(pl.col("origine") == "ALERTE_GL")
        early = gl.filter(pl.col("date_ouverture") < LPE)
        assert early["code_agence"].is_in(pilots).all()
        assert early.height == 0 or early["date_ouverture"].min() >= "2024-04-01"
        assert gl.filter(pl.col("date_ouverture") >= LPE)["code_agence"].is_in(pilots).mean() < 0.5
        simple = ctl.filter((pl.col("procedure") == "SIMPLE") & (pl.col("date_ouverture") < LPE))
        assert simple["code_agence"].is_in(pilots).all()
        man = current("manquements").filter((pl.col("suite") == "TRANSMIS_CRE") & (pl.col("date_manquement") < LPE))
        assert man["code_agence"].is_in(pilots).all()
    assert early.height >= 3 and man.height >= 3  # the pilots' transfers, in the Bouches-du-Rhône inbox
