"""Periods of the editions and the aggregation rules over months (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.core.formats import VIDE, format_evolution, format_nombre, format_taux
from pipelines.rapports import RapportError, periode
from pipelines.rapports.agregation import Valeur, agreger, nature, somme_modalites
from pipelines.rapports.mise_en_forme import Affiche, afficher, afficher_evolution

T2 = [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]


def test_periods_of_the_three_editions():
    juin = periode("2025-06")
    assert (juin.cle, juin.libelle, juin.mois) == ("2025-06", "juin 2025", [date(2025, 6, 1)])
    assert juin.precedente.cle == "2025-05" and juin.un_an_avant.cle == "2024-06"
    assert periode("2025-01").precedente.cle == "2024-12"

    t2 = periode("2025-T2", "trimestrielle")
    assert (t2.cle, t2.libelle, t2.mois, t2.fin) == ("2025-T2", "2e trimestre 2025", T2, date(2025, 6, 30))
    assert periode("2025-05", "trimestrielle") == t2  # a month names its quarter
    assert t2.precedente.cle == "2025-T1" and t2.un_an_avant.cle == "2024-T2"
    assert periode("2025-02", "trimestrielle").libelle == "1er trimestre 2025"

    annee = periode("2025", "annuelle")
    assert (annee.cle, annee.libelle, len(annee.mois), annee.fin) == ("2025", "année 2025", 12, date(2025, 12, 31))
    assert periode("2025-09", "annuelle") == annee and annee.precedente.cle == "2024"


@pytest.mark.parametrize("texte, edition, attendu", [
    ("2025-13", "mensuelle", "Mois invalide"),
    ("juin 2025", "mensuelle", "illisible"),
    ("2025-T2", "mensuelle", "illisible"),
    ("2025", "trimestrielle", "illisible"),
    ("2025-06", "hebdomadaire", "Édition inconnue"),
])
def test_unreadable_periods_are_refused_in_french(texte, edition, attendu):
    with pytest.raises(RapportError, match=attendu):
        periode(texte, edition)


def _compte(v, secret=False, prov=False):
    return Valeur("nombre", None if secret else v, None if secret else v, None, secret, prov)


def _taux(n, d, secret=False, prov=False):
    return Valeur("taux", None if secret else n / d, None if secret else n, None if secret else d, secret, prov)


def test_a_month_is_its_own_published_cell():
    cellule = _taux(3, 7, prov=True)
    assert agreger("taux_sanction_cre", "taux", T2[:1], [cellule]) is cellule
    assert not agreger("entrees", "nombre", T2[:1], [None]).present


def test_flows_are_summed_and_stocks_are_the_last_month():
    cellules = [_compte(100), None, _compte(250, prov=True)]  # no cell: no event that month
    flux = agreger("entrees", "nombre", T2, cellules)
    assert (flux.valeur, flux.provisoire, flux.secret) == (350, True, False)
    stock = agreger("demandeurs_fin_de_mois", "nombre", T2, cellules)
    assert (stock.valeur, stock.mois) == (250, T2[-1])
    assert not agreger("demandeurs_fin_de_mois", "nombre", T2, [_compte(1), _compte(2), None]).present


def test_rates_are_recomputed_from_summed_numerators_and_denominators():
    v = agreger("taux_sanction_cre", "taux", T2, [_taux(10, 40), _taux(30, 60), None])
    assert v.valeur == pytest.approx(40 / 100) and (v.numerateur, v.denominateur) == (40, 100)
    # not the mean of the monthly rates (0.375)
    assert v.valeur != pytest.approx((10 / 40 + 30 / 60) / 2)


def test_a_mean_of_events_is_recomputed_from_its_sums():
    """H5, minutes per interview: total minutes over total interviews, not the mean of months."""
    v = agreger("duree_entretien_moyenne", "ratio", T2, [_taux(300, 10), _taux(900, 20), None])
    assert v.valeur == pytest.approx(1200 / 30) and v.unite == "ratio"


def test_medians_and_ratios_of_a_stock_are_the_last_month():
    assert nature("delai_inscription_diagnostic_median", "jours") == "dernier_mois"
    assert nature("part_accompagnement_intensif", "taux") == "dernier_mois"
    # the rates and means of a stock of the later lists too (one list: the outsider's relations)
    assert nature("taux_contrat_engagement_stock", "taux") == "dernier_mois"
    assert nature("taille_portefeuille_moyenne", "ratio") == "dernier_mois"
    mediane = agreger("delai_controle_median", "jours", T2,
                      [Valeur("jours", 20), Valeur("jours", 40), Valeur("jours", 31)])
    assert (mediane.valeur, mediane.mois) == (31, T2[-1])


def test_any_secret_month_makes_the_period_secret():
    """Summing the published months around a secret one would let the secret be subtracted back."""
    flux = agreger("entrees", "nombre", T2, [_compte(100), _compte(None, secret=True), _compte(250)])
    assert flux.secret and flux.valeur is None and flux.numerateur is None
    taux = agreger("taux_sanction_cre", "taux", T2, [_taux(10, 40), _taux(1, 2, secret=True), _taux(30, 60)])
    assert taux.secret and taux.valeur is None
    assert afficher(taux).texte == "s"


def test_a_group_of_modalities_sums_published_numerators_only():
    total = _taux(200, 200)
    groupe = somme_modalites([_taux(6, 200), _taux(14, 200)], total)
    assert groupe.valeur == pytest.approx(0.1)
    assert somme_modalites([_taux(6, 200), _taux(1, 1, secret=True)], total).secret


def test_display_secret_absent_provisional_and_changes():
    assert afficher(_taux(1, 4, prov=True)) == Affiche(format_taux(0.25), provisoire=True)
    assert afficher(Valeur("nombre", present=False)).texte == VIDE
    assert afficher(_compte(12345)).texte == format_nombre(12345)
    assert afficher_evolution(_taux(1, 4), _taux(1, 5)).texte == format_evolution(0.25 - 0.2, "taux")
    assert afficher_evolution(_compte(10), _compte(None, secret=True)).texte == "s"
    assert afficher_evolution(_compte(10), Valeur("nombre", present=False)).texte == "–"


def test_a_secret_sum_shows_the_published_total_of_its_quarter_or_year():
    """A quarter whose sum of months is « s » shows the view's published quarter cell (flows and
    rates); a secret total is never read, and a stock keeps its last month."""
    from pipelines.rapports.agregation import Cellules

    def ligne(tp, mois, secret, n=None, d=None, indicateur="taux_sanction_cre", unite="taux", territoire="31001"):
        return {"indicateur": indicateur, "type_periode": tp, "periode": mois, "niveau": "AGENCE",
                "territoire": territoire, "dimension": "ensemble", "modalite": "ensemble", "unite": unite,
                "provisoire": False, "secret": secret, "numerateur": n, "denominateur": d,
                "valeur": None if secret or d is None else n / d}

    lignes = [ligne("mois", m, secret=True) for m in T2]
    lignes += [ligne("trimestre", T2[-1], False, 12.0, 80.0), ligne("mois", T2[-1], True, territoire="31002"),
               ligne("trimestre", T2[-1], True, territoire="31002")]
    cellules = Cellules(lignes)
    t2 = periode("2025-T2", "trimestrielle")
    v = cellules.valeur("taux_sanction_cre", "AGENCE", "31001", t2)
    assert not v.secret and (v.numerateur, v.denominateur) == (12.0, 80.0) and v.valeur == pytest.approx(0.15)
    assert cellules.valeur("taux_sanction_cre", "AGENCE", "31002", t2).secret
    # the month on its own stays secret: the quarter is not a month's figure
    assert cellules.valeur("taux_sanction_cre", "AGENCE", "31001", periode("2025-06")).secret
