"""The independent audit finds what an outsider recovers from the published view, on hand-made
tables that reproduce the leaks of the issue, and finds nothing once the optimiser has protected
them (exact LP audit: two LPs per primary-secret quantity)."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.publication import appliquer_secret_detail
from pipelines.secret.audit import auditer
from pipelines.secret.protection import RegleProtection, proteger
from pipelines.secret.relations import ANNUELS

_spec = importlib.util.spec_from_file_location("aide_secret", Path(__file__).with_name("aide_secret.py"))
aide = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(aide)

JUIN = date(2026, 6, 1)
#: three agencies of Haute-Garonne: two in bassin 7601, one in 7602
AGENCES_31 = {"31001": ("7601", "31", "76"), "31002": ("7601", "31", "76"), "31003": ("7602", "31", "76")}


def _audit(tmp_path, cells, hier, publiee, zeros_masques):
    chemin = aide.entrepot(tmp_path / "w.duckdb", cells, hier, publiee)
    con = duckdb.connect(str(chemin), read_only=True)
    try:
        return auditer(con, 11, exact=True, zeros_masques=zeros_masques)
    finally:
        con.close()


def _ancienne(cells, hier):
    return appliquer_secret_detail(cells, 11, hier).select(*aide.COLONNES, "secret")


#: the optimiser's equations on hand-made tables too small for the publication plan, which would
#: not publish them at all (``test_publication_plan_*`` test the plan)
TOUT_DIFFUSER = RegleProtection(part_non_diffusion=None)


def _nouvelle(cells, hier, regle=TOUT_DIFFUSER):
    out, bilan = proteger(cells, hier, 11, regle)
    assert bilan.non_proteges == 0, bilan
    return out.select(*aide.COLONNES, "secret", "motif_secret")


def _douze_entrants():
    """Six agencies of one département and one bassin; 12 entrants, one per (agency, age) cell in
    12 of the 18 cells, the others 0 (the issue's example: entrées, June 2026, département 06)."""
    agences = {f"06{i:03d}": ("0601", "06", "93") for i in range(6)}
    hier = aide.hierarchie(agences)
    ages = ["moins_26", "26_49", "50_plus"]
    feuilles = {(a, m): int(k < 12) for k, (a, m) in enumerate(aide.grille(list(agences), ages))}
    return aide.comptes("entrees", JUIN, feuilles, hier, ["tranche_age"]), hier


def test_twelve_ones_recovered_from_the_old_view_when_zeros_are_shown(tmp_path):
    cells, hier = _douze_entrants()
    res = _audit(tmp_path, cells, hier, _ancienne(cells, hier), zeros_masques=False)
    agence_age = res.table().filter((pl.col("niveau") == "AGENCE") & (pl.col("dimension") == "tranche_age"))
    # each hidden agency × age cell is pinned at its value 1
    assert agence_age.height == 12
    assert (agence_age["min"] == 1).all() and (agence_age["max"] == 1).all()


def test_twelve_ones_protected_by_the_optimiser(tmp_path):
    cells, hier = _douze_entrants()
    res = _audit(tmp_path, cells, hier, _nouvelle(cells, hier), zeros_masques=True)
    assert res.violations == []
    assert res.quantites_auditees > 0
    # the narrowest interval, as the summary prints it: an LP's bound of -0 reads 0, and a lower
    # end at the rule's own floor (0, above n - 3) is not said to come from the structure
    e = res.plus_etroit
    assert e["min"] == 0 and not e["minimum_structurel"]
    assert f"intervalle le plus étroit : [0 ; {e['max']:g}] pour une valeur {e['valeur']:g}" in res.resume()
    assert "structure" not in res.resume()


def test_the_summary_says_when_the_narrowest_interval_starts_at_the_structural_minimum():
    """A département's denominator hidden with its six agencies' rate cells: each exists, so each
    denominator is at least 1, and the département's at least 6, whatever is published. With a true
    value of 7, [6 ; 10] is narrower than ±3 but admitted by the rule: the summary says why."""
    from pipelines.secret.audit import ResultatAudit

    ligne = {"indicateur": "taux_diagnostic_30j", "niveau": "DEPARTEMENT", "territoire": "32", "periode": "2023-11-01",
             "valeur": 7.0, "min": 6.0, "max": 10.0}
    res = ResultatAudit(plus_etroit=ligne | {"minimum_structurel": True})
    assert ("intervalle le plus étroit : [6 ; 10] pour une valeur 7 (taux_diagnostic_30j, DEPARTEMENT 32, 2023-11-01 ; "
            "son minorant est le minimum que la seule structure des tableaux impose") in res.resume()
    assert "structure" not in ResultatAudit(plus_etroit=ligne | {"minimum_structurel": False}).resume()


def test_an_audit_told_that_zeros_are_shown_does_not_trust_it_when_a_zero_is_hidden(tmp_path):
    """A view with hidden zeros audited as if every zero were shown (a view older than
    ``publication.methode_secret``): « a hidden count is at least 1 » would be false, and the
    system inconsistent; the audit leaves it out, says so, and finds the protected view sound."""
    cells, hier = _douze_entrants()
    res = _audit(tmp_path, cells, hier, _nouvelle(cells, hier), zeros_masques=False)
    assert res.zeros_caches_inattendus > 0 and "écartée" in res.resume()
    assert res.violations == []


def _stock_flux():
    """Agency 06362, January 2026: A1 = 17, A1 of December = 14, exits 0 → entries 3."""
    agences = {"06362": ("0601", "06", "93"), "06363": ("0601", "06", "93"), "06364": ("0602", "06", "93")}
    hier = aide.hierarchie(agences)
    dec, jan = date(2025, 12, 1), date(2026, 1, 1)
    parts = [
        aide.comptes("demandeurs_fin_de_mois", dec, {("06362",): 14, ("06363",): 40, ("06364",): 55}, hier, []),
        aide.comptes("demandeurs_fin_de_mois", jan, {("06362",): 17, ("06363",): 42, ("06364",): 60}, hier, []),
        aide.comptes("entrees", jan, {("06362",): 3, ("06363",): 2, ("06364",): 5}, hier, []),
        aide.comptes("sorties", jan, {("06362",): 0, ("06363",): 0, ("06364",): 0}, hier, []),
    ]
    return pl.concat(parts), hier


def test_stock_and_flows_give_away_entries_in_the_old_view(tmp_path):
    cells, hier = _stock_flux()
    res = _audit(tmp_path, cells, hier, _ancienne(cells, hier), zeros_masques=False)
    a2 = res.table().filter((pl.col("indicateur") == "entrees") & (pl.col("territoire") == "06362"))
    assert a2.height == 1 and a2["min"][0] == 3 and a2["max"][0] == 3


def test_stock_and_flows_protected_by_the_optimiser(tmp_path):
    cells, hier = _stock_flux()
    res = _audit(tmp_path, cells, hier, _nouvelle(cells, hier), zeros_masques=True)
    assert res.violations == []


def _sanctions():
    """D1 publishes 0 sanctions for an agency whose D2 (5 controls) is secret: D2 = 0 %."""
    hier = aide.hierarchie(AGENCES_31)
    issues = {("31001", "SANCTION"): 0, ("31001", "RECHERCHE_ACTIVE"): 5, ("31002", "SANCTION"): 12,
              ("31002", "RECHERCHE_ACTIVE"): 30, ("31003", "SANCTION"): 11, ("31003", "RECHERCHE_ACTIVE"): 25}
    d1 = aide.comptes("controles_decides", JUIN, issues, hier, ["issue"])
    d2 = aide.taux("taux_sanction_cre", JUIN, {("31001",): (0, 5), ("31002",): (12, 42), ("31003",): (11, 36)}, hier, [])
    return pl.concat([d1, d2]), hier


def test_zero_sanctions_give_away_a_secret_rate_in_the_old_view(tmp_path):
    cells, hier = _sanctions()
    res = _audit(tmp_path, cells, hier, _ancienne(cells, hier), zeros_masques=False)
    # D2's numerator and D1's sanctions are one quantity: the audit names one of its cells
    fuite = res.table().filter((pl.col("territoire") == "31001") & (
        ((pl.col("indicateur") == "taux_sanction_cre") & (pl.col("quantite") == "n"))
        | ((pl.col("indicateur") == "controles_decides") & (pl.col("modalite") == "SANCTION"))))
    assert fuite.height == 1 and fuite["max"][0] == 0 and fuite["min"][0] == 0


def test_linked_indicators_protected_by_the_optimiser(tmp_path):
    cells, hier = _sanctions()
    res = _audit(tmp_path, cells, hier, _nouvelle(cells, hier), zeros_masques=True)
    assert res.violations == []


def _bassin_a_cheval():
    """Département 31 (31315, 31555) and 32 (32002); bassin 7625 = {31315, 32002}: 31 and the
    bassin published, each protected alone, pin both agencies together."""
    agences = {"31315": ("7625", "31", "76"), "31555": ("7626", "31", "76"), "32002": ("7625", "32", "76"),
               "32100": ("7627", "32", "76")}
    hier = aide.hierarchie(agences)
    feuilles = {("31315",): 2, ("31555",): 30, ("32002",): 1, ("32100",): 25}
    return aide.comptes("en_attente_diagnostic", date(2026, 8, 1), feuilles, hier, []), hier


def test_straddling_bassin_pins_agencies_in_the_old_view(tmp_path):
    cells, hier = _bassin_a_cheval()
    res = _audit(tmp_path, cells, hier, _ancienne(cells, hier), zeros_masques=False)
    assert res.violations, "the old view should leak through the straddling bassin"


def test_straddling_bassin_protected_by_the_optimiser(tmp_path):
    cells, hier = _bassin_a_cheval()
    res = _audit(tmp_path, cells, hier, _nouvelle(cells, hier), zeros_masques=True)
    assert res.violations == []


def test_publication_with_the_optimiser_records_its_method_and_passes_the_audit(tmp_path):
    from pipelines.publication import publier_vue

    cells, hier = _douze_entrants()
    chemin = aide.entrepot(tmp_path / "w.duckdb", cells, hier)
    con = duckdb.connect(str(chemin))
    try:
        with pytest.raises(ValueError, match="Méthode de secret inconnue"):
            publier_vue(con, 11, "arrondi")
        publier_vue(con, 11, "optimiseur", regle=TOUT_DIFFUSER)
        assert con.sql("select methode, zeros_masques, seuil from publication.methode_secret").fetchall() == [
            ("optimiseur", True, 11)]
        # nothing secret keeps a value in the published table
        assert con.sql("select count(*) from publication.indicateurs where secret and "
                       "(valeur is not null or numerateur is not null or denominateur is not null)").fetchall() == [(0,)]
        res = auditer(con, 11, exact=True)  # zeros_masques read from publication.methode_secret
        # the protection's proofs, checked on the audit's own system, prove bounds without an LP
        propag = auditer(con, 11)
        assert propag.certificats_invalides == 0 and propag.prouvees_certificats > 0, propag.resume()
        # a certificate whose cells no longer add up is refused: move one of its cells a bit more
        con.execute("update secret.certificats set delta = delta + 0.5 "
                    "where rowid = (select rowid from secret.certificats order by abs(delta) desc, cert limit 1)")
        altere = auditer(con, 11)
        assert altere.certificats_invalides == 1 and altere.prouvees_certificats < propag.prouvees_certificats
    finally:
        con.close()
    assert res.quantites_auditees > 0 and res.violations == []


def test_socle_qualite_prints_the_audit_figures_and_the_violations(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    cells, hier = _douze_entrants()
    chemin = aide.entrepot(tmp_path / "w.duckdb", cells, hier, _ancienne(cells, hier))
    res = CliRunner().invoke(app, ["qualite", "--entrepot", str(chemin), "--audit-secret"])
    assert "Audit du secret (propagation des équations)" in res.output
    assert "Violations par niveau : AGENCE" in res.output
    assert res.exit_code == 2  # a view that leaks is a blocking failure


def test_the_audit_gates_the_publication_of_a_view_that_leaks(tmp_path):
    from pipelines.build import auditer_secret
    from pipelines.core.warehouse import BuildError

    cells, hier = _douze_entrants()
    fuit = aide.entrepot(tmp_path / "fuit.duckdb", cells, hier, _ancienne(cells, hier))
    attendu = r"« audit du secret » : \d+ quantité\(s\) secrète\(s\) retrouvable\(s\).*\(AGENCE \d+.*rien n'est publié"
    with pytest.raises(BuildError, match=attendu):
        auditer_secret(fuit, 11)
    from pipelines.build import publier_vue_secret

    # the build's (and Dagster's) publication step audits the optimiser's view
    messages = []
    publier_vue_secret(aide.entrepot(tmp_path / "protegee.duckdb", cells, hier), 11, "optimiseur", messages.append)
    assert any("0 violation(s)" in m for m in messages), messages


def test_audit_knows_a_rate_cell_reveals_its_denominator_exists_whatever_cell_names_it(tmp_path):
    """Agency 31001 made 1 control (D1 = D2's denominator). Every agency cell hidden, the
    département published: an outsider knows D1 ≥ 1 from the mere existence of the D2 cell, as the
    structure alone tells; that lower end is no violation, whichever cell names the quantity."""
    hier = aide.hierarchie(AGENCES_31)
    d1 = aide.comptes("controles_decides", JUIN, {("31001",): 1, ("31002",): 30, ("31003",): 25}, hier, [])
    d2 = aide.taux("taux_sanction_cre", JUIN, {("31001",): (0, 1), ("31002",): (12, 30), ("31003",): (11, 25)}, hier, [])
    cells = pl.concat([d1, d2])
    publiee = cells.with_columns(secret=pl.col("niveau").is_in(["AGENCE", "BASSIN"]))
    res = _audit(tmp_path, cells, hier, publiee, zeros_masques=True)
    d1_31001 = res.table().filter((pl.col("territoire") == "31001") & (pl.col("indicateur") == "controles_decides"))
    assert d1_31001.height == 0, d1_31001.to_dicts()


def test_a_rate_secret_for_its_numerator_alone_does_not_make_its_denominator_secret(tmp_path):
    """D2 of agency 31001 is 3 sanctions out of 40 controls: secret for its numerator. The 40
    controls are D1's published total: the rule protects the 3, not the population of 40."""
    hier = aide.hierarchie(AGENCES_31)
    issues = {
        ("31001", "SANCTION"): 3,
        ("31001", "RECHERCHE_ACTIVE"): 37,
        ("31002", "SANCTION"): 12,
        ("31002", "RECHERCHE_ACTIVE"): 30,
        ("31003", "SANCTION"): 11,
        ("31003", "RECHERCHE_ACTIVE"): 25,
    }
    d1 = aide.comptes("controles_decides", JUIN, issues, hier, ["issue"])
    d2 = aide.taux("taux_sanction_cre", JUIN, {("31001",): (3, 40), ("31002",): (12, 42), ("31003",): (11, 36)}, hier, [])
    cells = pl.concat([d1, d2])
    res = _audit(tmp_path, cells, hier, _nouvelle(cells, hier), zeros_masques=True)
    assert res.violations == []
    # the optimiser did not have to hide D1's total of the agency to protect the denominator
    publiee = _nouvelle(cells, hier)
    total = publiee.filter(
        (pl.col("indicateur") == "controles_decides") & (pl.col("territoire") == "31001") & (pl.col("dimension") == "ensemble")
    )
    assert not total["secret"][0]


def test_a_twelve_month_cell_moves_with_its_months_in_every_certificate():
    """A certificate that moves months of a series moves its 12-month cells by the sum: the cell
    ending in December by the whole displacement, the one ending in November only by November's;
    a hidden primary-secret 12-month cell is proven when that sum reaches the rule."""
    from pipelines.secret.protection import _cumuls_certifies

    mois = [date(2026, m, 1) for m in range(1, 13)]
    base = {
        "indicateur": "entrees",
        "niveau": "AGENCE",
        "territoire": "31001",
        "dimension": "ensemble",
        "modalite": "ensemble",
        "numerateur": None,
        "denominateur": None,
        "unite": "nombre",
    }
    lignes = [{**base, "periode": p, "type_periode": "mois", "valeur": 1.0} for p in mois]
    lignes += [
        {**base, "periode": date(2026, 12, 1), "type_periode": "cumul_12_mois", "valeur": 8.0},
        {**base, "periode": date(2026, 11, 1), "type_periode": "cumul_12_mois", "valeur": 7.0},
    ]
    c = pl.DataFrame(lignes, schema_overrides={"numerateur": pl.Float64, "denominateur": pl.Float64}).with_row_index("_i")
    # certificate 0: +3 in November, +1 in December; certificate 1: +3 in March, −3 in April
    cert = pl.DataFrame(
        {"cert": [0, 0, 1, 1], "_i": [10, 11, 2, 3], "lettre": ["v"] * 4, "delta": [3.0, 1.0, 3.0, -3.0]},
        schema_overrides={"_i": pl.UInt32},
    )
    primaire = np.array([True] * 12 + [True, True])
    tous, claims = _cumuls_certifies(c, cert, primaire, np.zeros(14, dtype=bool), 3)
    leves = tous.filter(pl.col("_i") >= 12).sort("_i")
    assert leves.select("cert", "_i", "delta").rows() == [(0, 12, 4.0), (0, 13, 3.0)]
    assert sorted(claims.select("_i", "sens").rows()) == [(12, 1), (13, 1)]


def test_propagation_keeps_unbounded_quantities_unbounded():
    """A1(t−1) + A2(t) − A3(t) = 12 with A1(t−1) ≤ 526 and A2, A3 unbounded above: A2 = 3 is
    possible (10 + 3 − 1). Infinite bounds must stay infinite: written as 1.8e308, their sums
    cancel out and the propagation 'proved' A2 ≥ 12, a false violation."""
    import scipy.sparse as sp

    from pipelines.secret.audit import _propager

    A = sp.csr_matrix(np.array([[1.0, 1.0, -1.0]]))
    lo, hi = _propager(A, np.array([12.0]), np.array([12.0]), np.zeros(3), np.array([526.0, np.inf, np.inf]), np.ones(3, dtype=bool))
    assert lo[1] <= 3 and np.isinf(hi[1]) and np.isinf(hi[2])



def test_propagation_carries_a_bound_along_a_chain_one_row_per_round():
    """x0 = 5 known, x_k − x_(k+1) = 0 along a chain, and one row far away that nothing links: the
    bound reaches x_k at round k. Each round recomputes only the rows whose unknowns moved in the
    previous round: a row left out would stop the chain (x_9 unbounded)."""
    import scipy.sparse as sp

    from pipelines.secret.audit import _propager

    n = 10
    rows = [[1.0 if j == 0 else 0.0 for j in range(n + 2)]]  # x0 = 5
    rows += [[1.0 if j == k else -1.0 if j == k + 1 else 0.0 for j in range(n + 2)] for k in range(n - 1)]
    rows += [[0.0] * n + [1.0, 1.0]]  # x10 + x11 = 4, on its own
    A = sp.csr_matrix(np.array(rows))
    bornes = np.array([5.0] + [0.0] * (n - 1) + [4.0])
    lo, hi = _propager(A, bornes, bornes, np.zeros(n + 2), np.full(n + 2, np.inf), np.ones(n + 2, dtype=bool))
    assert (lo[:n] == 5).all() and (hi[:n] == 5).all()
    assert (lo[n:] == 0).all() and (hi[n:] == 4).all()
    lo3, hi3 = _propager(A, bornes, bornes, np.zeros(n + 2), np.full(n + 2, np.inf), np.ones(n + 2, dtype=bool), tours=3)
    assert (hi3[:3] == 5).all() and np.isinf(hi3[4:n]).all()

def test_an_absent_rate_cell_tells_that_its_denominator_count_is_zero(tmp_path):
    """The marts write no rate cell with a denominator of 0: no D2 cell for agency 31001 in June
    tells an outsider that D1 (its denominator) is 0 there, even hidden. Both code paths know it."""
    from pipelines.secret.protection import _zeros_par_absence

    hier = aide.hierarchie(AGENCES_31)
    d1 = aide.comptes("controles_decides", JUIN, {("31001",): 0, ("31002",): 30, ("31003",): 25}, hier, [])
    d2 = aide.taux("taux_sanction_cre", JUIN, {("31001",): (0, 0), ("31002",): (12, 30), ("31003",): (11, 25)}, hier, [])
    cells = pl.concat([d1, d2]).with_row_index("_i")
    connus = cells.filter(pl.Series(_zeros_par_absence(cells)))
    assert connus.select("indicateur", "territoire").rows() == [("controles_decides", "31001")]
    publiee = cells.drop("_i").with_columns(secret=pl.col("niveau") == "AGENCE")
    res = _audit(tmp_path, cells.drop("_i"), hier, publiee, zeros_masques=True)
    assert res.zeros_par_absence == 1


def test_the_optimiser_keeps_a_committee_total_when_every_agency_is_secret(tmp_path):
    """Six agencies of one bassin, each with 4 to 7 entrants (all primary-secret), 33 in the
    département: the agencies can trade among themselves, so the département's, the region's and
    France's totals stay published (pushing every agency up at once would have hidden them)."""
    agences = {f"31{i:03d}": ("7601", "31", "76") for i in range(6)}
    hier = aide.hierarchie(agences)
    feuilles = {(a,): v for a, v in zip(agences, [4, 7, 5, 6, 5, 6])}
    cells = aide.comptes("entrees", JUIN, feuilles, hier, [])
    publiee = _nouvelle(cells, hier)
    hauts = publiee.filter(pl.col("niveau").is_in(["DEPARTEMENT", "REGION", "NATIONAL"]))
    assert hauts.height == 3 and not hauts["secret"].any()
    assert publiee.filter(pl.col("niveau") == "AGENCE")["secret"].all()
    res = _audit(tmp_path, cells, hier, publiee, zeros_masques=True)
    assert res.violations == []


def test_targets_sharing_an_equation_fall_in_different_classes():
    import scipy.sparse as sp

    from pipelines.secret.protection import _classes_independantes

    # rows: equations; columns: targets. 0–1 share row 0, 1–2 share row 1, 3 shares nothing
    B = sp.csc_matrix(np.array([[1, -1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]], dtype=float))
    k = _classes_independantes(B)
    assert k[0] != k[1] and k[1] != k[2]
    assert k.max() == 1  # two classes suffice: {0, 2, 3} and {1}


def test_a_twelve_month_cell_ending_a_quarter_is_published_from_its_four_published_quarters():
    from pipelines.secret.protection import _publier_cumuls

    serie = {"indicateur": "alertes", "niveau": "DEPARTEMENT", "territoire": "31", "dimension": "ensemble", "modalite": "ensemble"}
    lignes = [{**serie, "periode": date(2026, m, 1), "type_periode": "mois"} for m in range(1, 13)]
    lignes += [{**serie, "periode": date(2026, m, 1), "type_periode": "trimestre"} for m in (3, 6, 9, 12)]
    lignes += [{**serie, "periode": date(2026, m, 1), "type_periode": "cumul_12_mois"} for m in (11, 12)]
    c = pl.DataFrame(lignes).with_row_index("_i")
    juin = 5
    masque = np.zeros(c.height, dtype=bool)
    masque[juin] = True  # June hidden, its quarter published by the optimisation
    cache = _publier_cumuls(c, masque, np.zeros(c.height, dtype=bool))
    fin_nov, fin_dec = c.height - 2, c.height - 1
    assert not cache[fin_dec]  # the sum of four published quarters
    assert cache[fin_nov]  # December 2025 – November 2026: June hidden, and no quarters to add up
    masque[12 + 1] = True  # the June quarter hidden too
    assert _publier_cumuls(c, masque, np.zeros(c.height, dtype=bool))[fin_dec]


def test_the_latest_twelve_month_cells_are_published_when_every_month_is_secret(tmp_path):
    """Four agencies of one bassin, 1 to 4 controls a month each (every monthly agency cell
    primary-secret), 20 to 40 over the year: with the controls' latest 12-month cells protected
    with their months (one block; ``RegleProtection.annuels``, not the default), an agency's year
    is published while its months stay hidden, and the exact audit finds nothing to recover (the
    committee's funnel plot reads these cells)."""
    agences = {f"31{i:03d}": ("7601", "31", "76") for i in range(4)}
    hier = aide.hierarchie(agences)
    rng = np.random.default_rng(3)
    mois = [date(2026, m, 1) for m in range(1, 13)]
    valeurs = {(a, p): int(rng.integers(1, 5)) for a in agences for p in mois}
    cells = [aide.comptes("controles_decides", p, {(a,): valeurs[(a, p)] for a in agences}, hier, []) for p in mois]
    annee = aide.comptes("controles_decides", mois[-1], {(a,): sum(valeurs[(a, p)] for p in mois) for a in agences}, hier, [])
    cells = pl.concat(cells + [annee.with_columns(type_periode=pl.lit("cumul_12_mois"))])
    out, bilan = proteger(cells, hier, 11, RegleProtection(annuels=ANNUELS, part_non_diffusion=None))
    assert bilan.non_proteges == 0
    publiee = out.select(*aide.COLONNES, "secret")
    agence = publiee.filter(pl.col("niveau") == "AGENCE")
    assert agence.filter(pl.col("type_periode") == "mois")["secret"].all()
    assert (~agence.filter(pl.col("type_periode") == "cumul_12_mois")["secret"]).sum() >= 2
    res = _audit(tmp_path, cells, hier, publiee, zeros_masques=True)
    assert res.violations == []
    assert res.cumuls_non_derivables >= 2  # the audit put their equations in its system


def test_targets_proven_in_their_neighbourhood_pass_the_audit(tmp_path):
    """One target at a time, first in a small neighbourhood (here at most 6 quantities around it,
    everything else held): the points found there are points of the whole system, which the
    exact audit confirms."""
    cells, hier = _stock_flux()  # some of its targets are proven in their neighbourhood
    out, bilan = proteger(cells, hier, 11, RegleProtection(voisinage=6, processus=1, part_non_diffusion=None))
    assert bilan.non_proteges == 0
    res = _audit(tmp_path, cells, hier, out.select(*aide.COLONNES, "secret"), zeros_masques=True)
    assert res.violations == [] and res.certificats_invalides == 0


def test_the_protected_twelve_month_period_ends_on_the_latest_complete_month():
    """The month of the date d'arrêté is partial (its registrants' stock provisional): the
    latest complete 12-month period ends on the last month of the latest quarter before it."""
    from pipelines.secret.protection import fin_cumul

    def ligne(indicateur, periode, type_periode, provisoire=False):
        return {"indicateur": indicateur, "periode": periode, "type_periode": type_periode, "provisoire": provisoire}

    sep, nov, dec = date(2026, 9, 1), date(2026, 11, 1), date(2026, 12, 1)
    cells = pl.DataFrame(
        [
            ligne(i, m, tp, p)
            for m, p in ((sep, False), (nov, False), (dec, True))
            for i, tp in (("controles_decides", "cumul_12_mois"), ("demandeurs_fin_de_mois", "mois"))
        ]
    )
    assert fin_cumul(cells) == sep  # a quarter's end, its stock definitive
    assert fin_cumul(cells.filter(pl.col("periode") != sep)) == nov  # no quarter's end: the latest definitive
    assert fin_cumul(cells.filter(pl.col("indicateur") != "demandeurs_fin_de_mois")) == dec  # no stock: the latest
    assert fin_cumul(cells.filter(pl.col("type_periode") == "mois")) is None


def test_the_audit_proves_bounds_of_large_parts_by_points_among_neighbours(tmp_path):
    """Without certificates and with parts larger than its exact-LP limit, the audit looks for a
    point among each target's neighbours (the other unknowns at their true value): the bounds it
    reaches are proven, the others stay « ni réfutées ni prouvées », never violations."""
    cells, hier = _douze_entrants()
    publiee = _nouvelle(cells, hier)
    con = duckdb.connect(str(aide.entrepot(tmp_path / "w.duckdb", cells, hier, publiee)), read_only=True)
    try:
        sans = auditer(con, 11, zeros_masques=True, taille_lp=1)  # neighbourhoods of the target alone
        avec = auditer(con, 11, zeros_masques=True, taille_lp=20)
    finally:
        con.close()
    assert sans.violations == [] and avec.violations == []
    assert avec.lp_voisinage > 0 and avec.non_prouvees < sans.non_prouvees


def test_publication_plan_hides_mostly_secret_tables_whole_and_the_audit_excuses_them(tmp_path):
    # the issue's example: by default, a table whose cells are mostly small counts is not published
    cells, hier = _douze_entrants()
    out, bilan = proteger(cells, hier, 11)
    vue = out.select(*aide.COLONNES, "secret", "motif_secret")
    par_table = vue.group_by("niveau", "dimension").agg(
        pl.col("motif_secret").eq("non_diffuse").fill_null(False).all().alias("nd"), pl.col("secret").all()
    )
    nd = {(r["niveau"], r["dimension"]) for r in par_table.filter("nd").to_dicts()}
    # agencies: 4 of 6 totals and 12 of 18 ages are 1..10; the département's ages are 4, 4, 4
    assert {("AGENCE", "ensemble"), ("AGENCE", "tranche_age"), ("DEPARTEMENT", "tranche_age")} <= nd
    assert ("DEPARTEMENT", "ensemble") not in nd and bilan.tables_non_diffusees == len(nd)
    # hidden whole, zeros included: nothing tells which agency and age the entrants have
    assert par_table.filter("nd")["secret"].all()
    dep = vue.filter((pl.col("niveau") == "DEPARTEMENT") & (pl.col("dimension") == "ensemble"))
    assert dep["valeur"].to_list() == [12] and not dep["secret"][0]
    res = _audit(tmp_path, cells, hier, vue, zeros_masques=True)
    assert res.violations == [] and res.tables_non_diffusees == len(nd), res.resume()
    assert "tableaux non diffusés" in res.resume()
    # the same tables with every table published: the optimiser has primary-secret cells to prove
    assert proteger(cells, hier, 11, TOUT_DIFFUSER)[1].tables_non_diffusees == 0


def test_the_plan_judges_a_table_on_its_non_zero_cells():
    from pipelines.secret.diffusion import plan_de_diffusion

    # ten agencies, two tables of 2 small counts in 10 cells: among zeros (the small counts are
    # all the table says) or among large counts
    valeurs = {"clairsemee": [0] * 8 + [1, 2], "dense": [40] * 8 + [1, 2]}
    # and their 12-month cells, no small count among them
    cumuls = {"clairsemee": [30] * 10, "dense": [500] * 10}
    c = pl.DataFrame([
        {"indicateur": "entrees", "dimension": d, "niveau": "AGENCE", "type_periode": tp, "unite": "nombre",
         "valeur": v, "denominateur": None}
        for tp, tables in (("mois", valeurs), ("cumul_12_mois", cumuls)) for d, vs in tables.items() for v in vs
    ], schema_overrides={"denominateur": pl.Int64})
    primaire = c.get_column("valeur").is_between(1, 10).to_numpy()
    plan = plan_de_diffusion(c, primaire, 0.2)
    diffuse = {(r["dimension"], r["type_periode"]): r["diffuse"] for r in plan.to_dicts()}
    assert diffuse == {("clairsemee", "mois"): False, ("dense", "mois"): True,
                       # a 12-month table goes with its monthly table: its months protect its cells
                       ("clairsemee", "cumul_12_mois"): False, ("dense", "cumul_12_mois"): True}
    mois = plan.filter(pl.col("type_periode") == "mois")
    assert dict(mois.select("dimension", "non_nulles").iter_rows()) == {"clairsemee": 2, "dense": 10}


def test_the_audit_does_not_excuse_a_table_published_in_part(tmp_path):
    cells, hier = _douze_entrants()
    out, _ = proteger(cells, hier, 11)
    cible = (
        (pl.col("niveau") == "AGENCE") & (pl.col("dimension") == "tranche_age")
        & (pl.col("territoire") == "06000") & (pl.col("modalite") == "moins_26")
    )
    vue = out.select(*aide.COLONNES, "secret", "motif_secret").with_columns(
        pl.when(cible).then(False).otherwise(pl.col("secret")).alias("secret"),
        pl.when(cible).then(None).otherwise(pl.col("motif_secret")).alias("motif_secret"),
    )
    res = _audit(tmp_path, cells, hier, vue, zeros_masques=True)
    raisons = res.table().get_column("raison").to_list()
    assert "tableau non diffusé en partie" in raisons
    # its other cells are audited again, and the published 1 pins them: more violations
    assert res.quantites_auditees > 0 and len(raisons) > 1, res.resume()


def test_the_publication_plan_is_published_with_the_view(tmp_path):
    from pipelines.publication import publier_vue

    cells, hier = _douze_entrants()
    con = duckdb.connect(str(aide.entrepot(tmp_path / "w.duckdb", cells, hier)))
    try:
        plan = "select niveau, dimension from publication.plan_diffusion where not diffuse order by all"
        publier_vue(con, 11, "optimiseur")
        assert ("AGENCE", "tranche_age") in con.sql(plan).fetchall()
        publie_nd = "select count(*) from publication.indicateurs where motif_secret = 'non_diffuse' and not secret"
        assert con.sql(publie_nd).fetchall() == [(0,)]
        # the group rule publishes every table
        publier_vue(con, 11, "groupes")
        assert con.sql(plan).fetchall() == [] and con.sql("select count(*) from publication.plan_diffusion").fetchall() == [(10,)]
    finally:
        con.close()


def test_an_inequality_met_exactly_stays_an_inequality_for_the_outsider(tmp_path):
    """A1's parent is at most the sum of its agencies (a registrant in two agencies is one person
    above them). Here it is exactly their sum: two hidden agencies of 3 and 2 beside one of 20
    published, the département 25. An outsider knows 3 + 2 ≥ 5, not = 5: each hidden agency is
    unbounded above (the rule holds). The audit read such an inequality as an equality, pinned the
    agency of 3 at 5 or less (a violation that was not one) and refused the optimiser's
    certificates that kept only the inequality."""
    agences = {"06001": ("0601", "06", "93"), "06002": ("0601", "06", "93"), "06003": ("0601", "06", "93")}
    hier = aide.hierarchie(agences)
    cells = aide.comptes("demandeurs_fin_de_mois", JUIN, {("06001",): 3, ("06002",): 2, ("06003",): 20}, hier, [])
    publiee = cells.with_columns(
        secret=(pl.col("niveau") == "AGENCE") & pl.col("territoire").is_in(["06001", "06002"]))
    res = _audit(tmp_path, cells, hier, publiee, zeros_masques=True)
    assert res.quantites_auditees == 2
    assert res.violations == [], res.table()
