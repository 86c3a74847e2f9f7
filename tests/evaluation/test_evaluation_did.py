"""The MSA evaluation (``pipelines.evaluation``) on hand-made panels whose truth is known: a
planted effect is found inside its interval, no effect gives an interval around 0, a planted
pre-trend is flagged, the fixed effects are those of the dummies' regression, and the groups and
cells are those the method says."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from pipelines.core.indicateurs import B1, B2
from pipelines.evaluation import did
from pipelines.evaluation import panel as pn

DEBUT = date(2024, 4, 1)
MOIS = [date(2023 + (m // 12), m % 12 + 1, 1) for m in range(36)]  # 2023-01 … 2025-12


def _panel(effet: float, graine: int, tendance_avant: float = 0.0, traitees: int = 8, temoins: int = 40,
           bruit: float = 0.02) -> pl.DataFrame:
    """A rate per agency and month: agency level + month level + effect after the start for the
    treated agencies (+ a divergence growing before the start, when asked) + noise."""
    rng = np.random.default_rng(graine)
    lignes = []
    for a in range(traitees + temoins):
        traitee = a < traitees
        niveau = rng.normal(0.4, 0.05)
        taille = rng.integers(30, 200)
        for i, m in enumerate(MOIS):
            rel = (m.year - DEBUT.year) * 12 + m.month - DEBUT.month
            y = niveau + 0.05 * np.sin(i / 2) + rng.normal(0, bruit)
            if traitee and rel >= 0:
                y += effet
            if traitee and rel < 0:
                y += tendance_avant * rel
            lignes.append({"indicateur": B2, "unite": "taux", "code_agence": f"A{a:03d}",
                           "groupe": "MODELE_1" if traitee else "TEMOIN", "periode": m, "y": float(y),
                           "poids": float(taille)})
    return pl.DataFrame(lignes)


def test_un_effet_plante_est_retrouve_dans_son_intervalle():
    e = did.estimer(_panel(0.10, graine=1), DEBUT, "MODELE_1")
    assert e.motif is None
    assert e.ic_bas < 0.10 < e.ic_haut
    assert e.significatif and e.effet > 0
    assert (e.agences_traitees, e.agences_temoins) == (8, 40)
    assert (e.mois_avant, e.mois_apres) == (15, 21)
    # minimum detectable effect: (t(0.975) + t(0.80)) standard errors, G − 1 = 47 degrees of freedom
    from scipy import stats
    assert e.ecart_detectable == pytest.approx((stats.t.ppf(0.975, 47) + stats.t.ppf(0.8, 47)) * e.erreur_type)
    assert e.p_tendances is not None


def test_intervalles_et_test_des_tendances_a_peu_pres_a_leur_niveau():
    """Over 40 planted panels (8 treated agencies of 48): the 95 % interval covers the true
    effect, and the parallel-trend test rejects true parallel trends, about as often as they
    claim. Clustered errors with few treated agencies are known to be a little optimistic: the
    bounds allow that (measured on 100 panels: coverage 89 %, false alarms 11 %), not worse."""
    couverts, alarmes = 0, 0
    for g in range(40):
        p = _panel(0.05, graine=1000 + g)
        e = did.estimer(p, DEBUT, "MODELE_1")
        couverts += e.ic_bas < 0.05 < e.ic_haut
        alarmes += e.p_tendances < 0.05
    assert couverts >= 32 and alarmes <= 8


def test_sans_effet_l_intervalle_contient_zero_et_la_lecture_le_dit():
    e = did.estimer(_panel(0.0, graine=2), DEBUT, "MODELE_1")
    assert e.ic_bas < 0 < e.ic_haut and not e.significatif
    texte = did.lecture(e, "modèle 1")
    assert "L'intervalle contient 0 : on ne peut pas conclure à un effet" in texte
    assert "Seulement 8 agences" in texte  # few treated clusters: said


def test_une_tendance_avant_le_lancement_est_signalee():
    p = _panel(0.0, graine=3, tendance_avant=0.01)
    effets = did.etude_evenement(p, DEBUT, "MODELE_1")
    assert did.tendance_avant(p, DEBUT, "MODELE_1") < 0.05
    # the reference month is 0, the earliest months pooled in the first bin
    assert effets.filter(pl.col("relatif") == -1)["effet"].item() == 0.0
    assert effets["relatif"].min() == -did.AVANT
    # a pre-trend of 0.01 a month: the effect 12 months before the start is about -0.11
    assert effets.filter(pl.col("relatif") == -12)["effet"].item() == pytest.approx(-0.11, abs=0.03)
    e = did.estimer(p, DEBUT, "MODELE_1")
    assert "évoluait déjà" in did.lecture(e, "modèle 1")


def test_les_effets_fixes_sont_ceux_des_indicatrices():
    """Partialling out the fixed effects gives the coefficient of the regression with one dummy
    per agency and per month, on an unbalanced panel (cells missing at random)."""
    import statsmodels.api as sm

    p = _panel(0.05, graine=4, traitees=5, temoins=12).sample(fraction=0.8, seed=4).sort("code_agence", "periode")
    e = did.estimer(p, DEBUT, "MODELE_1")
    agences = p["code_agence"].to_dummies(drop_first=True).to_numpy()
    mois = p["periode"].cast(pl.String).to_dummies(drop_first=True).to_numpy()
    traite = ((p["groupe"] == "MODELE_1") & (p["periode"] >= DEBUT)).cast(pl.Float64).to_numpy()
    X = np.column_stack([traite, np.ones(p.height), agences, mois])
    ref = sm.WLS(p["y"].to_numpy(), X, weights=p["poids"].to_numpy()).fit()
    assert e.effet == pytest.approx(ref.params[0], abs=1e-9)


def test_trop_peu_d_agences_pas_d_estimation_mais_une_raison():
    p = _panel(0.1, graine=5, traitees=1, temoins=10)
    e = did.estimer(p, DEBUT, "MODELE_1")
    assert e.effet is None and "trop peu d'agences" in e.motif
    assert did.lecture(e, "modèle 1").startswith("Pas d'estimation pour le modèle 1 : trop peu d'agences")
    # the other model has no agency at all
    assert did.estimer(p, DEBUT, "MODELE_2").effet is None
    # back and forth through the frame the dashboards cache
    t = did.en_tableau([e, did.estimer(_panel(0.1, graine=5), DEBUT, "MODELE_1")])
    assert t.height == 2 and did.depuis_tableau(t.row(1, named=True)).significatif


def test_temoins_hors_autres_experimentations_et_hors_autres_regions():
    experimentations = pl.DataFrame({
        "code_agence": ["A", "B", "C", "D", "A"],
        "experimentation": ["MSA", "MSA", "RSA_RENOVE", "CRE_RENOVE", "CRE_RENOVE"],
        "modalite": ["MODELE_1", "MODELE_2", None, None, None],
        "date_debut": [date(2024, 4, 1), date(2024, 4, 1), date(2024, 5, 1), date(2024, 4, 1), date(2024, 4, 1)],
    })
    agences = pl.DataFrame({"code_agence": ["A", "B", "C", "D", "E", "F", "G"],
                            "code_region": ["76", "93", "76", "93", "76", "93", "11"]})
    g = pn.groupes_agences(experimentations, agences)
    assert dict(zip(g["code_agence"], g["groupe"])) == {"A": "MODELE_1", "B": "MODELE_2", "E": "TEMOIN", "F": "TEMOIN"}
    assert pn.debut(g) == date(2024, 4, 1)
    assert pn.groupes_agences(experimentations, agences, ["76"])["code_agence"].to_list() == ["A", "E"]
    exclues = pn.agences_exclues(experimentations, g, agences)
    assert dict(zip(exclues["code_agence"], exclues["experimentation"])) == {"C": "RSA_RENOVE", "D": "CRE_RENOVE"}


def test_cellules_retenues():
    """Final, published, with a value and people behind it; a median weighs its delays observed."""
    def cellule(agence, unite, valeur, num, den, provisoire=False, secret=False, indicateur=B2):
        return {"indicateur": indicateur, "periode": date(2024, 5, 1), "type_periode": "mois", "niveau": "AGENCE",
                "territoire": agence, "dimension": "ensemble", "modalite": "ensemble", "valeur": valeur,
                "numerateur": num, "denominateur": den, "unite": unite, "provisoire": provisoire, "secret": secret}
    cellules = pl.DataFrame([
        cellule("A", "taux", 0.5, 10.0, 20.0),
        cellule("A", "taux", 0.5, 10.0, 20.0, provisoire=True) | {"periode": date(2024, 6, 1)},
        cellule("E", "taux", None, None, None, secret=True),
        cellule("F", "taux", 0.0, 0.0, 0.0),
        cellule("E", "jours", 12.0, 7.0, 30.0, indicateur=B1),
        cellule("Z", "taux", 0.3, 3.0, 10.0),  # not in the evaluation
    ])
    groupes = pl.DataFrame({"code_agence": ["A", "E", "F"], "groupe": ["MODELE_1", "TEMOIN", "TEMOIN"]})
    p = pn.panel(cellules, groupes)
    assert p.select("indicateur", "code_agence", "y", "poids").rows() == [(B1, "E", 12.0, 7.0), (B2, "A", 0.5, 20.0)]
