"""Advisers' workload (indicators H1, H2, H4, H5, F8): teams sized on the agencies, plausible
portfolios at any scale, an adviser in one agency only, no-shows and ruptures."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from pipelines.synthetic import generate, lecture
from pipelines.synthetic.referentiel import load_scope
from pipelines.synthetic.simulation import Equipes

START, END = date(2025, 1, 1), date(2025, 12, 31)


def _month_end(y: int, m: int) -> date:
    return date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)


@pytest.fixture(scope="module")
def gers(tmp_path_factory):
    """Gers (3 agencies), 4,000 persons over a year: a few advisers per agency, cheap."""
    out = tmp_path_factory.mktemp("conseillers") / "inbox"
    generate(out, departements=["32"], start=START, end=END, persons=4_000, seed=3, chunk_size=2_000)
    acc = lecture.current(out, "accompagnements").with_columns(
        pl.col("date_debut").str.to_date(), pl.col("date_fin").str.to_date())
    return out, acc


def _portefeuilles(acc: pl.DataFrame, L: date) -> pl.DataFrame:
    """Accompaniments in progress on L with a référent, per (agency, adviser) (H1's population)."""
    return (acc.filter((pl.col("date_debut") <= L) & (pl.col("date_fin").is_null() | (pl.col("date_fin") > L))
                       & pl.col("id_conseiller").is_not_null())
            .group_by("code_agence", "id_conseiller").len())


def test_portfolios_per_agency_are_plausible(gers):
    _, acc = gers
    for L in (_month_end(2025, 6), _month_end(2025, 12)):
        port = _portefeuilles(acc, L)
        h1 = port.group_by("code_agence").agg((pl.col("len").sum() / pl.len()).alias("h1"))
        assert h1.height == 3
        assert h1["h1"].is_between(40, 130).all(), (L, h1)
        assert port.height >= 9  # several advisers per agency
        over = (port["len"] > 70).mean()  # H2: some advisers above 70, not all
        assert 0.1 < over < 0.9, (L, over)


def test_an_adviser_belongs_to_one_agency(inbox, gers):
    """Within a generation (numbers are given anew by each generation)."""
    for frames in ([inbox.current("accompagnements"), inbox.current("entretiens")],
                   [gers[1], lecture.current(gers[0], "entretiens")]):
        pairs = pl.concat([f.select("id_conseiller", "code_agence") for f in frames]).drop_nulls().unique()
        assert pairs["code_agence"].n_unique() >= 3
        shared = pairs.group_by("id_conseiller").len().filter(pl.col("len") > 1)
        assert shared.height == 0, shared.head()


def test_follow_ups_are_held_by_the_referent(inbox):
    acc = inbox.current("accompagnements").filter(pl.col("id_conseiller").is_not_null())
    ref = acc.sort("date_debut", "id_accompagnement").unique("id_inscription", keep="first")
    suivi = inbox.current("entretiens").filter(pl.col("type_entretien") == "SUIVI").join(
        ref.select("id_inscription", pl.col("id_conseiller").alias("ref")), on="id_inscription")
    assert suivi.height > 500
    assert (suivi["id_conseiller"] == suivi["ref"]).all()


def test_teams_follow_the_scale():
    """Expected mean portfolio per agency stays in 50–125 from 200,000 to 20 million persons;
    adviser numbers are disjoint ranges, one per agency; same seed, same teams."""
    scope = load_scope(["76"])
    for persons in (200_000, 2_000_000, 20_000_000):
        eq = Equipes.dimensionner(scope, persons, date(2024, 1, 1), date(2026, 11, 30), seed=42)
        h1 = eq.attendus / eq.taille
        assert 50 < h1.mean() < 125 and h1.min() > 40 and h1.max() < 160, (persons, h1.min(), h1.max())
        assert h1.std() > 5  # agencies differ
        assert (eq.debut[1:] == eq.debut[:-1] + eq.taille[:-1]).all() and (eq.taille >= 1).all()
        agence = np.repeat(np.arange(len(eq.taille)), 50)
        num = eq.tirer(np.random.default_rng(0), agence)
        assert len(set(zip(num.tolist(), agence.tolist()))) == len(set(num.tolist()))
    again = Equipes.dimensionner(scope, 20_000_000, date(2024, 1, 1), date(2026, 11, 30), seed=42)
    assert (again.taille == eq.taille).all() and np.array_equal(again.cumul, eq.cumul)


def test_no_show_rate_and_ruptures(inbox):
    ent = inbox.current("entretiens").filter(pl.col("statut").is_in(["REALISE", "ABSENT"]))
    monthly = (ent.group_by(pl.col("date_entretien").str.slice(0, 7).alias("mois"))
               .agg((pl.col("statut") == "ABSENT").mean().alias("taux"), pl.len())
               .filter((pl.col("len") >= 300) & (pl.col("mois") >= "2024-02")))
    assert monthly.height >= 12
    assert monthly["taux"].is_between(0.13, 0.25).all(), monthly.sort("taux")
    minutes = ent.filter(pl.col("statut") == "REALISE")["duree_minutes"].cast(pl.Int64)
    assert 30 <= minutes.mean() <= 50 and minutes.min() >= 15 and minutes.max() <= 90
    ended = inbox.current("accompagnements").filter(pl.col("date_fin").is_not_null())
    assert 0.03 < (ended["motif_fin"] == "ABANDON").mean() < 0.15
