"""Shapes of the « Règles d'alerte » page (no Streamlit): precision by band and its Wilson
interval, the thresholds' what-if, the regions' funnel, the volume per establishment; and the
perimeters the page's queries accept."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboards import data
from dashboards import vues_regles_alertes as vra
from dashboards.acces import AccesRefuse, Perimetre
from pipelines import equite

NBSP = "\u00a0"
T1, T2 = date(2025, 1, 1), date(2025, 4, 1)


def _precision(*lignes) -> pl.DataFrame:
    colonnes = ("situation", "examen", "tranche_consultations", "trimestre", "alertes", "examinees", "averees")
    return pl.DataFrame([dict(zip(colonnes, r)) for r in lignes])


def test_wilson_comme_le_mart():
    # the values of the dbt unit test precision_regles_wilson_et_tranches
    assert vra.wilson(8, 10) == pytest.approx((0.4901624715366418, 0.9433178485456247))
    assert vra.wilson(0, 3) == pytest.approx((0.0, 0.5614970317550455))
    assert vra.wilson(3, 3) == pytest.approx((0.4385029682449545, 1.0))
    assert vra.wilson(0, 0) == (None, None)


def test_precision_additionne_trimestres_et_examens_puis_recalcule():
    precision = _precision(
        ("DOSSIER_AGENT", "OBLIGATOIRE", "3_5", T1, 6, 5, 4),
        ("DOSSIER_AGENT", "FACULTATIF", "3_5", T2, 6, 5, 4),
        ("HORS_HORAIRES", "FACULTATIF", "20_plus", T2, 2, 0, 0),
        ("DOSSIER_AGENT", "OBLIGATOIRE", "1", T1, 1, 1, 1),
    )
    agrege = vra.precision_par_tranche(precision)
    # contract order: situation, then band
    assert agrege.select("situation", "tranche_consultations").rows() == [
        ("DOSSIER_AGENT", "1"), ("DOSSIER_AGENT", "3_5"), ("HORS_HORAIRES", "20_plus")]
    ligne = agrege.row(1, named=True)
    assert (ligne["alertes"], ligne["examinees"], ligne["averees"]) == (12, 10, 8)
    assert (ligne["precision_basse"], ligne["precision_haute"]) == pytest.approx((0.4901624715366418, 0.9433178485456247))
    assert agrege.row(2, named=True)["precision"] is None
    # one quarter, one examen
    seul = vra.precision_par_tranche(precision, trimestre=T2, examen="FACULTATIF")
    assert seul.filter(pl.col("situation") == "DOSSIER_AGENT").row(0, named=True)["examinees"] == 5
    assert vra.precision_par_tranche(precision, trimestre=date(2030, 1, 1)).height == 0
    assert vra.trimestres(precision) == [T2, T1]


def test_tableau_et_figure_de_precision():
    agrege = vra.precision_par_tranche(_precision(
        ("DOSSIER_AGENT", "OBLIGATOIRE", "3_5", T1, 12, 10, 8),
        ("HORS_HORAIRES", "FACULTATIF", "20_plus", T2, 2, 0, 0),
    ))
    listes = {("situation", "DOSSIER_AGENT"): "Dossier d'un agent"}
    tableau = vra.tableau_precision(agrege, listes)
    assert tableau.row(0) == ("Dossier d'un agent", "3 à 5 consultations", "12", "10", "8", f"80,0{NBSP}%",
                              f"49,0{NBSP}% – 94,3{NBSP}%")
    assert tableau.row(1)[0] == "HORS_HORAIRES" and tableau.row(1)[5:] == ("aucune alerte examinée", "–")
    fig = vra.figure_precision(agrege, listes)
    # the band without an examined alert is not drawn
    assert [t.name for t in fig.data] == ["Dossier d'un agent"]
    assert list(fig.data[0].error_y.array) == pytest.approx([0.9433178485456247 - 0.8])


def _simulation(situation="HORS_HORAIRES", en_vigueur=5) -> pl.DataFrame:
    lignes = []
    for s in range(1, 31):
        lignes.append({
            "situation": situation, "seuil_alerte": s, "est_seuil_en_vigueur": s == en_vigueur,
            "premier_mois": date(2024, 12, 1), "dernier_mois": date(2025, 11, 1), "nb_mois": 12,
            "alertes_par_mois": 30.0 / s, "faux_positifs_attendus": None if s < 3 else 20.0 / s,
            "averees_conservees": 1.0 if s <= 10 else 0.5,
        })
    return pl.DataFrame(lignes)


def test_simulation_d_un_seuil_et_ecarts_au_seuil_en_vigueur():
    sim = _simulation()
    assert vra.seuil_en_vigueur(sim, "HORS_HORAIRES") == 5
    assert vra.seuil_en_vigueur(sim, "DOSSIER_AGENT") is None
    r = vra.simuler(sim, "HORS_HORAIRES", 20)
    assert r["textes"] == {"alertes_par_mois": "1,5", "faux_positifs_attendus": "1,0", "averees_conservees": f"50{NBSP}%"}
    assert (r["alertes_par_mois_en_vigueur"], r["faux_positifs_attendus_en_vigueur"]) == (6.0, 4.0)
    assert vra.ecart(r["alertes_par_mois"], r["alertes_par_mois_en_vigueur"]) == "-4,5"
    assert vra.ecart(r["averees_conservees"], r["averees_conservees_en_vigueur"], taux=True) == f"-50{NBSP}pt"
    # an unknown precision in a band is said, not shown as 0
    assert vra.simuler(sim, "HORS_HORAIRES", 2)["textes"]["faux_positifs_attendus"] == "inconnu"
    assert vra.ecart(None, 4.0) is None
    assert vra.simuler(sim, "HORS_HORAIRES", 31) is None
    assert vra.texte_fenetre(r) == "12 derniers mois complets : déc. 2024 – nov. 2025 (12 mois observé(s))"
    fig = vra.figure_simulation(sim, "HORS_HORAIRES", 20)
    assert [t.name for t in fig.data] == ["alertes par mois", "faux positifs attendus par mois"]
    assert {a.text for a in fig.layout.annotations} == {"en vigueur : 5", "choisi : 20"}


def test_limites_binomiales_exactes_comme_le_mart():
    # the values of the dbt unit test equite_jugement_alertes_positions_dans_l_entonnoir
    assert vra.quantile_binomial(0.6, 20, 0.999) == pytest.approx(0.892, abs=5e-4)
    assert vra.quantile_binomial(0.6, 20, 0.025) == pytest.approx(0.356, abs=5e-4)
    assert vra.quantile_binomial(0.6, 20, 0.001) == pytest.approx(0.226, abs=5e-4)
    assert vra.quantile_binomial(0.0, 20, 0.975) == 0.0
    assert vra.quantile_binomial(1.0, 5, 0.025) == 1.0
    courbes = vra.courbes_binomiales(0.4, 50)
    assert courbes["volume"].to_list()[0] == 1 and courbes["volume"].to_list()[-1] == 50
    # the funnel narrows as the volume grows
    largeurs = (courbes["haut_95"] - courbes["bas_95"]).to_list()
    assert largeurs[-1] < largeurs[len(largeurs) // 2] <= largeurs[0]


def _equite() -> pl.DataFrame:
    commun = {"type_periode": "trimestre", "debut_periode": T1, "fin_periode": date(2025, 3, 31),
              "situation": "DOSSIER_AGENT", "examen": "OBLIGATOIRE", "examinees_nationales": 60, "part_nationale": 0.6}
    return pl.DataFrame([
        {**commun, "code_region": "84", "libelle_region": "Auvergne-Rhône-Alpes", "examinees": 20, "non_averees": 6,
         "part_non_averee": 0.3, "limite_basse_95": 0.356, "limite_haute_95": 0.8, "limite_basse_99_8": 0.226,
         "limite_haute_99_8": 0.892, "position_entonnoir": "en_dessous_95"},
        {**commun, "code_region": "76", "libelle_region": "Occitanie", "examinees": 20, "non_averees": 19,
         "part_non_averee": 0.95, "limite_basse_95": 0.356, "limite_haute_95": 0.8, "limite_basse_99_8": 0.226,
         "limite_haute_99_8": 0.892, "position_entonnoir": "au_dessus_99_8"},
        {**commun, "type_periode": "douze_derniers_mois", "debut_periode": date(2024, 5, 1),
         "fin_periode": date(2025, 4, 30), "code_region": "76", "libelle_region": None, "examinees": 5,
         "non_averees": 3, "part_non_averee": 0.6, "limite_basse_95": 0.2, "limite_haute_95": 1.0,
         "limite_basse_99_8": 0.0, "limite_haute_99_8": 1.0, "position_entonnoir": "dans_les_limites"},
    ])


def test_entonnoir_des_regions():
    df = _equite()
    periodes = vra.periodes(df)
    assert periodes[0][0] == "douze_derniers_mois"
    assert vra.libelle_periode(periodes[0]) == "12 derniers mois complets (mai 2024 – avr. 2025)"
    assert vra.libelle_periode(periodes[1]) == "Trimestre 1 2025 (janv. 2025 – mars 2025)"
    regions = vra.selection_equite(df, periodes[1], "DOSSIER_AGENT", "OBLIGATOIRE")
    tableau = vra.tableau_equite(regions)
    assert tableau["Région"].to_list() == ["Occitanie", "Auvergne-Rhône-Alpes"]
    assert tableau.row(0)[3:] == (f"95,0{NBSP}%", f"60,0{NBSP}%", f"35,6{NBSP}% – 80,0{NBSP}%",
                                  f"22,6{NBSP}% – 89,2{NBSP}%", equite.AU_DESSUS_998)
    fig = vra.figure_entonnoir(regions)
    noms = [t.name for t in fig.data]
    assert noms.count("limites à 95 %") == 2 and noms.count("limites à 99,8 %") == 2
    assert {"au-dessus des limites", "en dessous des limites"} <= set(noms)
    assert fig.layout.shapes[0].y0 == 0.6  # the national share line
    sans_libelle = vra.tableau_equite(vra.selection_equite(df, periodes[0], "DOSSIER_AGENT", "OBLIGATOIRE"))
    assert sans_libelle["Région"].to_list() == ["Région 76"]
    assert vra.periodes(df.clear()) == []


def test_volume_par_etablissement_et_mois():
    volume = pl.DataFrame({
        "mois": [T1, T1, T1, T2, T1],
        "code_etablissement": ["76", "76", "76", "76", "DSI"],
        "libelle_etablissement": ["Occitanie"] * 4 + ["DSI"],
        "code_region": ["76"] * 4 + [None],
        "situation": ["DOSSIER_AGENT", "DOSSIER_AGENT", "HORS_HORAIRES", "DOSSIER_AGENT", "HORS_HORAIRES"],
        "examen": ["OBLIGATOIRE", "FACULTATIF", "FACULTATIF", "FACULTATIF", "FACULTATIF"],
        "alertes": [2, 1, 1_200, 1, 1],
    })
    tout = vra.volume_mensuel(volume)
    assert tout.rows() == [("76", "Occitanie", T1, 1_203), ("76", "Occitanie", T2, 1), ("DSI", "DSI", T1, 1)]
    assert vra.volume_mensuel(volume, ["DOSSIER_AGENT"], ["OBLIGATOIRE"])["alertes"].to_list() == [2]
    tableau = vra.tableau_volume(tout)
    assert tableau.columns == ["Mois", "Occitanie", "DSI"]
    # a month without an alert of the establishment reads 0; French thousands
    assert tableau.rows() == [("janv. 2025", "1\u202f203", "1"), ("avr. 2025", "1", "0")]
    fig = vra.figure_volume(tout)
    assert [t.name for t in fig.data] == ["Occitanie", "DSI"] and list(fig.data[1].y) == [1, 0]
    assert vra.tableau_volume(tout.clear()).height == 0


def test_nom_du_perimetre():
    territoires = pl.DataFrame({"niveau": ["REGION"], "code": ["76"], "libelle": ["Occitanie"]})
    assert vra.nom_perimetre(None, territoires) == "France"
    assert vra.nom_perimetre("76", territoires) == "Occitanie"
    assert vra.nom_perimetre("93", territoires) == "Région 93"


def test_perimetres_des_regles_d_alerte():
    """National: every region; a regional direction: its own; the published view (committees,
    CSE) and any other internal perimeter: refused, before any query."""
    assert data.region_regles_alertes(Perimetre("marts.indicateurs", False)) is None
    assert data.region_regles_alertes(Perimetre("marts.indicateurs", False, "REGION", "76")) == "76"
    for refuse in (Perimetre("publication.indicateurs", True, "REGION", "93"),
                   Perimetre("publication.indicateurs", True, "DEPARTEMENT", "31"),
                   Perimetre("marts.indicateurs", False, "DEPARTEMENT", "31")):
        with pytest.raises(AccesRefuse):
            data.region_regles_alertes(refuse)
        with pytest.raises(AccesRefuse):
            data.volume_alertes("inutile.duckdb", refuse)
    with pytest.raises(TypeError):
        data.region_regles_alertes(None)
