"""Shapes of the Contrôle and Détournement pages (no Streamlit): sums over months with the
secret, the comparison of agencies, campaigns, published references."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboards import vues, vues_controle
from pipelines import equite

from .aide_cellules import D2, E1, M1, M2, M3, NBSP, cellule, frame, secrete

# ---------------------------------------------------------------------------------------------
# Sums over months


def test_cumul_taux_somme_des_numerateurs_sur_somme_des_denominateurs():
    cellules = frame(
        cellule(periode=M1, numerateur=3.0, denominateur=20.0, valeur=0.15),
        cellule(periode=M2, numerateur=12.0, denominateur=30.0, valeur=0.4),
        cellule(periode=M3, numerateur=100.0, denominateur=100.0, valeur=1.0),  # outside the window
    )
    cumul = vues_controle.cumuler(cellules, M1, M2).row(0, named=True)
    assert (cumul["numerateur"], cumul["denominateur"]) == (15.0, 50.0)
    assert cumul["valeur"] == pytest.approx(0.3)  # not the mean of 15 % and 40 %
    assert (cumul["periode"], cumul["debut"], cumul["mois_presents"], cumul["mois_secrets"]) == (M2, M1, 2, 0)
    assert cumul["secret"] is False and cumul["libelle"] == "Labège"


def test_cumul_un_mois_secret_rend_le_cumul_secret():
    """Published view: the sum minus the published months would give the secret month back."""
    cellules = frame(cellule(periode=M1), secrete(periode=M2), cellule(periode=M3, territoire="31002"))
    cumuls = {r["territoire"]: r for r in vues_controle.cumuler(cellules, M1, M3).to_dicts()}
    secret = cumuls["31001"]
    assert secret["secret"] is True and secret["mois_secrets"] == 1
    assert secret["valeur"] is None and secret["numerateur"] is None and secret["denominateur"] is None
    assert cumuls["31002"]["secret"] is False and cumuls["31002"]["valeur"] == pytest.approx(0.15)


def test_cumul_secret_remplace_par_le_total_publie_de_la_meme_fenetre():
    """A 12-month (or calendar-quarter) window whose sum is « s » shows the view's published total
    of that window; a secret total, or a window that no total covers, stays « s »."""
    assert vues_controle.type_agrege(date(2025, 4, 1), M3.replace(year=2026)) == "cumul_12_mois"
    assert vues_controle.type_agrege(M1, M3) == "trimestre"
    assert vues_controle.type_agrege(M2, date(2025, 4, 1)) is None  # three months, not a quarter
    cumul = vues_controle.cumuler(frame(cellule(periode=M1), secrete(periode=M2), secrete(periode=M3),
                                        secrete(periode=M3, territoire="31002")), M1, M3)
    trimestres = frame(cellule(periode=M3, numerateur=14.0, denominateur=70.0, valeur=0.2),
                       secrete(periode=M3, territoire="31002"))
    lignes = {r["territoire"]: r for r in vues_controle.avec_agreges(cumul, trimestres).to_dicts()}
    assert lignes["31001"]["secret"] is False and lignes["31001"]["numerateur"] == 14.0
    assert lignes["31001"]["valeur"] == pytest.approx(0.2) and lignes["31001"]["mois_secrets"] == 2
    assert lignes["31002"]["secret"] is True and lignes["31002"]["valeur"] is None


def test_cumul_effectifs_provisoires_et_modalites():
    cellules = frame(
        cellule(indicateur=E1, unite="nombre", dimension="situation", modalite="AUTRE", numerateur=12.0,
                denominateur=None, valeur=12.0),
        cellule(indicateur=E1, unite="nombre", dimension="situation", modalite="AUTRE", periode=M2,
                numerateur=0.0, denominateur=None, valeur=0.0, provisoire=True),
        cellule(indicateur=E1, unite="nombre", dimension="situation", modalite="HORS_HORAIRES",
                numerateur=15.0, denominateur=None, valeur=15.0),
    )
    cumuls = {r["modalite"]: r for r in vues_controle.cumuler(cellules, M1, M2).to_dicts()}
    assert cumuls["AUTRE"]["valeur"] == 12.0 and cumuls["AUTRE"]["denominateur"] is None
    assert cumuls["AUTRE"]["provisoire"] is True and cumuls["HORS_HORAIRES"]["provisoire"] is False


def test_cumul_refuse_les_medianes_et_accepte_le_vide():
    with pytest.raises(ValueError, match="médiane"):
        vues_controle.cumuler(frame(cellule(unite="jours", valeur=21.0)), M1, M1)
    vide = vues_controle.cumuler(frame(cellule()), M2, M3)
    assert vide.height == 0 and "mois_secrets" in vide.columns


def test_sur_fenetre_un_mois_garde_les_cellules():
    cellules = frame(cellule(), cellule(periode=M2))
    assert vues_controle.sur_fenetre(cellules, M2, M2).to_dicts() == [cellules.row(1, named=True)]
    assert vues_controle.bornes_fenetre(M3, 3) == (M1, M3)
    assert vues_controle.texte_periode(M1, M3) == "janv. 2025 – mars 2025"
    assert vues_controle.texte_periode(M3, M3) == "mars 2025"


def test_tableau_fenetre_dit_la_periode():
    cumul = vues_controle.cumuler(frame(cellule(), cellule(periode=M2)), M1, M2)
    tableau = vues_controle.tableau_fenetre(cumul, M1, M2)
    assert "Période" in tableau.columns and tableau["Période"][0] == "janv. 2025 – févr. 2025"
    assert tableau["Numérateur"][0] == "6" and tableau["Dénominateur"][0] == "40"


def test_complement_des_manquements_sans_sanction():
    cellules = frame(cellule(numerateur=5.0, denominateur=25.0, valeur=0.2), secrete(periode=M2))
    sans = vues_controle.complement(cellules).to_dicts()
    assert (sans[0]["numerateur"], sans[0]["valeur"]) == (20.0, pytest.approx(0.8))
    assert sans[1]["secret"] and sans[1]["valeur"] is None and sans[1]["numerateur"] is None


# ---------------------------------------------------------------------------------------------
# Comparison of agencies


def _unites() -> pl.DataFrame:
    # Reference 20 %: A far above (99,8 %), B inside, C far below, D secret, E without controls.
    return frame(
        cellule(territoire="A", libelle="Agence A", numerateur=60.0, denominateur=100.0, valeur=0.6),
        cellule(territoire="B", libelle="Agence B", numerateur=21.0, denominateur=100.0, valeur=0.21),
        cellule(territoire="C", libelle="Agence C", numerateur=0.0, denominateur=400.0, valeur=0.0),
        secrete(territoire="D", libelle="Agence D"),
        cellule(territoire="E", libelle="Agence E", numerateur=0.0, denominateur=0.0, valeur=None),
    ).with_columns(mois_secrets=pl.lit(0))


def _reference(**kw) -> pl.DataFrame:
    return frame(cellule(niveau="DEPARTEMENT", territoire="31", numerateur=200.0, denominateur=1000.0,
                         valeur=0.2) | kw)


def test_comparaison_positions_et_secret():
    comp = vues_controle.comparer_unites(_unites(), _reference())
    assert comp.taux_reference == pytest.approx(0.2)
    positions = dict(zip(comp.positions["territoire"], comp.positions["position"]))
    assert positions == {"A": equite.AU_DESSUS_998, "C": equite.EN_DESSOUS_998, "B": equite.DANS_LES_LIMITES}
    assert comp.positions["territoire"].to_list() == ["A", "C", "B"]  # most unlikely first
    assert comp.secretes["territoire"].to_list() == ["D"]
    assert set(comp.hors_limites["territoire"]) == {"A", "C"}
    assert vues_controle.resume_comparaison(comp) == {"representees": 3, "hors_95": 2, "hors_998": 2, "secretes": 1}
    # Same limits as the funnel maths, computed independently.
    b = comp.positions.filter(pl.col("territoire") == "B").row(0, named=True)
    assert (b["bas_95"], b["haut_95"]) == pytest.approx(equite.limites(0.2, 100, equite.Z_95))


def test_comparaison_sans_taux_de_reference():
    secrete = vues_controle.comparer_unites(_unites(), _reference(secret=True, valeur=None, numerateur=None,
                                                                  denominateur=None))
    assert secrete.taux_reference is None and secrete.reference_secrete and secrete.positions.height == 0
    assert secrete.secretes.height == 1
    absente = vues_controle.comparer_unites(_unites(), _reference().clear())
    assert absente.taux_reference is None and not absente.reference_secrete


def test_tableau_comparaison_secret_et_hors_limites():
    comp = vues_controle.comparer_unites(_unites(), _reference())
    tableau = vues_controle.tableau_comparaison(comp, "Contrôles", "Sanctions", "Part")
    lignes = {r["Code"]: r for r in tableau.to_dicts()}
    assert list(lignes) == ["A", "C", "B", "D"]
    assert lignes["A"]["Part"] == f"60,0{NBSP}%" and lignes["A"]["Contrôles"] == "100"
    assert lignes["A"]["Position"] == equite.AU_DESSUS_998
    assert (lignes["D"]["Contrôles"], lignes["D"]["Sanctions"], lignes["D"]["Part"]) == ("s", "s", "s")
    assert lignes["D"]["Position"] == vues_controle.POSITION_SECRETE
    hors = vues_controle.tableau_comparaison(comp, "Contrôles", "Sanctions", "Part", seulement_hors_limites=True)
    assert hors["Code"].to_list() == ["A", "C"]


def test_figure_funnel_traces_et_graduations():
    comp = vues_controle.comparer_unites(_unites(), _reference())
    fig = vues.figure_funnel(comp.positions, comp.taux_reference, "31 – Haute-Garonne")
    points = {t.name: t for t in fig.data if t.mode == "markers"}
    assert set(points) == {"dans les limites à 95 %", "au-dessus des limites", "en dessous des limites"}
    assert list(points["au-dessus des limites"].y) == [pytest.approx(0.6)]
    assert "60 sur 100" in points["au-dessus des limites"].text[0]
    assert list(fig.layout.xaxis.tickvals) == [100, 200]
    vide = vues.figure_funnel(comp.positions.clear(), 0.2, "France")
    assert not [t for t in vide.data if t.mode == "markers"]


# ---------------------------------------------------------------------------------------------
# Labels, references


def test_libelles_des_campagnes():
    assert vues_controle.libelle_campagne("2024-V2") == "Campagne 2024, vague 2"
    assert vues_controle.libelle_campagne("FLUX") == "Alertes au fil de l'eau"
    listes = vues_controle.listes_avec_campagnes({("campagne", "2024-V1"): "Première vague"}, ["2024-V1", "2025-V1"])
    assert listes[("campagne", "2024-V1")] == "Première vague"  # a list from the exports wins
    assert listes[("campagne", "2025-V1")] == "Campagne 2025, vague 1"


def test_tableau_campagnes():
    alertes = frame(
        cellule(indicateur=E1, unite="nombre", dimension="campagne", modalite="FLUX", numerateur=40.0,
                denominateur=None, valeur=40.0),
        cellule(indicateur=E1, unite="nombre", dimension="campagne", modalite="2024-V1", numerateur=120.0,
                denominateur=None, valeur=120.0),
    )
    conclusions = frame(
        cellule(indicateur="taux_faux_positifs", dimension="campagne", modalite="2024-V1", numerateur=90.0,
                denominateur=100.0, valeur=0.9),
        secrete(indicateur="taux_faux_positifs", dimension="campagne", modalite="FLUX"),
    )
    tableau = vues_controle.tableau_campagnes(alertes, conclusions)
    assert tableau["Campagne"].to_list() == ["Campagne 2024, vague 1", "Alertes au fil de l'eau"]
    assert tableau.row(0)[1:] == ("120", "100", "90", f"90,0{NBSP}%")
    assert tableau.row(1)[1:] == ("40", "s", "s", "s")


def test_ecart_au_total_jamais_autour_d_un_secret():
    total = cellule(indicateur=E1, niveau="REGION", territoire="76", unite="nombre", valeur=30.0)
    parties = frame(cellule(indicateur=E1, niveau="DEPARTEMENT", territoire="31", unite="nombre", valeur=25.0))
    assert vues_controle.ecart_au_total(total, parties) == 5.0
    avec_secret = pl.concat([parties, frame(secrete(indicateur=E1, niveau="DEPARTEMENT", territoire="34",
                                                    unite="nombre"))])
    assert vues_controle.ecart_au_total(total, avec_secret) is None
    assert vues_controle.ecart_au_total(total | {"secret": True, "valeur": None}, parties) is None
    assert vues_controle.ecart_au_total(None, parties) is None


def test_reference_publiee_et_complement():
    refs = pl.DataFrame([
        {"indicateur": "taux_sanction_manquements", "territoire": "FR", "modalite": "ensemble", "valeur": 0.2,
         "source": "CSE PACA du 12 avril 2024", "annee": 2024, "niveau": "NATIONAL", "dimension": "ensemble",
         "commentaire": "Environ 80 % des manquements sans sanction"},
    ])
    ref = vues_controle.reference_publiee(refs, "taux_sanction_manquements", "76", complementaire=True)
    assert ref["valeur"] == pytest.approx(0.8) and ref["court"] == f"France 2024 : 80{NBSP}%"
    assert vues_controle.reference_publiee(refs, D2, "76") is None
