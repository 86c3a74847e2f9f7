"""Shapes of the Contrôle, Détournement, Territoires and Méthodologie pages (no Streamlit):
sums over months with the secret, the comparison of agencies, sorting, the map, labels."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from dashboards import vues, vues_controle
from pipelines import equite

NBSP = "\u00a0"
M1, M2, M3 = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
D2 = "taux_sanction_cre"
E1 = "alertes"


def _cellule(**kw) -> dict:
    base = {"indicateur": D2, "periode": M1, "niveau": "AGENCE", "territoire": "31001", "libelle": "Labège",
            "dimension": "ensemble", "modalite": "ensemble", "numerateur": 3.0, "denominateur": 20.0,
            "valeur": 0.15, "unite": "taux", "provisoire": False, "secret": False}
    return base | kw


def _secrete(**kw) -> dict:
    return _cellule(numerateur=None, denominateur=None, valeur=None, secret=True, **kw)


def _frame(*lignes: dict) -> pl.DataFrame:
    return pl.DataFrame(list(lignes), schema_overrides={"numerateur": pl.Float64, "denominateur": pl.Float64,
                                                         "valeur": pl.Float64})


# ---------------------------------------------------------------------------------------------
# Sums over months


def test_cumul_taux_somme_des_numerateurs_sur_somme_des_denominateurs():
    cellules = _frame(
        _cellule(periode=M1, numerateur=3.0, denominateur=20.0, valeur=0.15),
        _cellule(periode=M2, numerateur=12.0, denominateur=30.0, valeur=0.4),
        _cellule(periode=M3, numerateur=100.0, denominateur=100.0, valeur=1.0),  # outside the window
    )
    cumul = vues_controle.cumuler(cellules, M1, M2).row(0, named=True)
    assert (cumul["numerateur"], cumul["denominateur"]) == (15.0, 50.0)
    assert cumul["valeur"] == pytest.approx(0.3)  # not the mean of 15 % and 40 %
    assert (cumul["periode"], cumul["debut"], cumul["mois_presents"], cumul["mois_secrets"]) == (M2, M1, 2, 0)
    assert cumul["secret"] is False and cumul["libelle"] == "Labège"


def test_cumul_un_mois_secret_rend_le_cumul_secret():
    """Published view: the sum minus the published months would give the secret month back."""
    cellules = _frame(_cellule(periode=M1), _secrete(periode=M2), _cellule(periode=M3, territoire="31002"))
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
    cumul = vues_controle.cumuler(_frame(_cellule(periode=M1), _secrete(periode=M2), _secrete(periode=M3),
                                         _secrete(periode=M3, territoire="31002")), M1, M3)
    trimestres = _frame(_cellule(periode=M3, numerateur=14.0, denominateur=70.0, valeur=0.2),
                        _secrete(periode=M3, territoire="31002"))
    lignes = {r["territoire"]: r for r in vues_controle.avec_agreges(cumul, trimestres).to_dicts()}
    assert lignes["31001"]["secret"] is False and lignes["31001"]["numerateur"] == 14.0
    assert lignes["31001"]["valeur"] == pytest.approx(0.2) and lignes["31001"]["mois_secrets"] == 2
    assert lignes["31002"]["secret"] is True and lignes["31002"]["valeur"] is None


def test_cumul_effectifs_provisoires_et_modalites():
    cellules = _frame(
        _cellule(indicateur=E1, unite="nombre", dimension="situation", modalite="AUTRE", numerateur=12.0,
                 denominateur=None, valeur=12.0),
        _cellule(indicateur=E1, unite="nombre", dimension="situation", modalite="AUTRE", periode=M2,
                 numerateur=0.0, denominateur=None, valeur=0.0, provisoire=True),
        _cellule(indicateur=E1, unite="nombre", dimension="situation", modalite="HORS_HORAIRES",
                 numerateur=15.0, denominateur=None, valeur=15.0),
    )
    cumuls = {r["modalite"]: r for r in vues_controle.cumuler(cellules, M1, M2).to_dicts()}
    assert cumuls["AUTRE"]["valeur"] == 12.0 and cumuls["AUTRE"]["denominateur"] is None
    assert cumuls["AUTRE"]["provisoire"] is True and cumuls["HORS_HORAIRES"]["provisoire"] is False


def test_cumul_refuse_les_medianes_et_accepte_le_vide():
    with pytest.raises(ValueError, match="médiane"):
        vues_controle.cumuler(_frame(_cellule(unite="jours", valeur=21.0)), M1, M1)
    vide = vues_controle.cumuler(_frame(_cellule()), M2, M3)
    assert vide.height == 0 and "mois_secrets" in vide.columns


def test_sur_fenetre_un_mois_garde_les_cellules():
    cellules = _frame(_cellule(), _cellule(periode=M2))
    assert vues_controle.sur_fenetre(cellules, M2, M2).to_dicts() == [cellules.row(1, named=True)]
    assert vues_controle.bornes_fenetre(M3, 3) == (M1, M3)
    assert vues_controle.texte_periode(M1, M3) == "janv. 2025 – mars 2025"
    assert vues_controle.texte_periode(M3, M3) == "mars 2025"


def test_tableau_fenetre_dit_la_periode():
    cumul = vues_controle.cumuler(_frame(_cellule(), _cellule(periode=M2)), M1, M2)
    tableau = vues_controle.tableau_fenetre(cumul, M1, M2)
    assert "Période" in tableau.columns and tableau["Période"][0] == "janv. 2025 – févr. 2025"
    assert tableau["Numérateur"][0] == "6" and tableau["Dénominateur"][0] == "40"


def test_complement_des_manquements_sans_sanction():
    cellules = _frame(_cellule(numerateur=5.0, denominateur=25.0, valeur=0.2), _secrete(periode=M2))
    sans = vues_controle.complement(cellules).to_dicts()
    assert (sans[0]["numerateur"], sans[0]["valeur"]) == (20.0, pytest.approx(0.8))
    assert sans[1]["secret"] and sans[1]["valeur"] is None and sans[1]["numerateur"] is None


# ---------------------------------------------------------------------------------------------
# Comparison of agencies


def _unites() -> pl.DataFrame:
    # Reference 20 %: A far above (99,8 %), B inside, C far below, D secret, E without controls.
    return _frame(
        _cellule(territoire="A", libelle="Agence A", numerateur=60.0, denominateur=100.0, valeur=0.6),
        _cellule(territoire="B", libelle="Agence B", numerateur=21.0, denominateur=100.0, valeur=0.21),
        _cellule(territoire="C", libelle="Agence C", numerateur=0.0, denominateur=400.0, valeur=0.0),
        _secrete(territoire="D", libelle="Agence D"),
        _cellule(territoire="E", libelle="Agence E", numerateur=0.0, denominateur=0.0, valeur=None),
    ).with_columns(mois_secrets=pl.lit(0))


def _reference(**kw) -> pl.DataFrame:
    return _frame(_cellule(niveau="DEPARTEMENT", territoire="31", numerateur=200.0, denominateur=1000.0,
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
# Territories


def test_tri_des_territoires_sur_les_nombres():
    cellules = _frame(
        _cellule(territoire="09", niveau="DEPARTEMENT", valeur=0.095),
        _cellule(territoire="31", niveau="DEPARTEMENT", valeur=0.10),
        _secrete(territoire="11", niveau="DEPARTEMENT"),
        _cellule(territoire="34", niveau="DEPARTEMENT", valeur=0.5),
        _cellule(territoire="09", niveau="DEPARTEMENT", indicateur=E1, unite="nombre", valeur=7.0),
    )
    ordre = lambda o: list(dict.fromkeys(vues_controle.trier_territoires(cellules, D2, o)["territoire"]))  # noqa: E731
    # As text « 9,5 % » would come after « 10,0 % »: the sort is on the numbers.
    assert ordre("valeur_decroissante") == ["34", "31", "09", "11"]
    assert ordre("valeur_croissante") == ["09", "31", "34", "11"]  # secret last either way
    assert ordre("territoire") == ["09", "11", "31", "34"]
    tableau = vues.tableau_territoires(vues_controle.trier_territoires(cellules, D2, "valeur_decroissante"), [D2, E1])
    assert tableau["Territoire"][-1] == "11 – Labège"
    assert tableau[D2].to_list() == [f"50,0{NBSP}%", f"10,0{NBSP}%", f"9,5{NBSP}%", "s"]
    with pytest.raises(ValueError):
        vues_controle.trier_territoires(cellules, D2, "hasard")


def _carre(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


def _geojson() -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code_departement": c, "libelle_departement": c, "code_region": "76"},
         "geometry": _carre(x, 43)} for c, x in (("31", 1), ("32", 0), ("34", 3), ("971", -61))
    ]}


def test_carte_departements_visibles_et_secret():
    cellules = _frame(
        _cellule(niveau="DEPARTEMENT", territoire="31", libelle="Haute-Garonne"),
        _secrete(niveau="DEPARTEMENT", territoire="34", libelle="Hérault"),
    )
    visibles = pl.DataFrame({"code": ["31", "34", "09"], "libelle": ["Haute-Garonne", "Hérault", "Ariège"]})
    completes = vues_controle.completer_carte(cellules, visibles, M1, "taux", D2)
    assert completes["territoire"].to_list() == ["31", "34", "09"]
    assert completes.filter(pl.col("territoire") == "09")["valeur"].to_list() == [None]
    geo = vues_controle.geojson_restreint(_geojson(), ["31", "34", "09"])
    assert [f["properties"]["code_departement"] for f in geo["features"]] == ["31", "34"]
    fig = vues.figure_carte(geo, completes, "%")
    formes = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in formes] == ["31 – Haute-Garonne", "34 – Hérault"]  # 09 has no polygon here
    assert formes[1].fillcolor == "#dddddd" and "s" in formes[1].text and "sur" not in formes[1].text
    assert f"15,0{NBSP}%" in formes[0].text and "3 sur 20" in formes[0].text
    assert not [t for t in fig.data if t.mode == "markers"]  # one value: no colour scale
    deux = _frame(_cellule(niveau="DEPARTEMENT", territoire="31"), _cellule(niveau="DEPARTEMENT", territoire="34",
                                                                            valeur=0.3))
    echelle = [t for t in vues.figure_carte(geo, deux, "%").data if t.mode == "markers"]
    assert echelle[0].marker.showscale and echelle[0].marker.colorbar.tickformat == ".0%"
    json.dumps(fig.to_plotly_json(), default=str)  # serialisable as Streamlit sends it


def test_carte_outre_mer_avec_la_metropole():
    cellules = _frame(_cellule(niveau="DEPARTEMENT", territoire="31", libelle="Haute-Garonne"),
                      _cellule(niveau="DEPARTEMENT", territoire="971", libelle="Guadeloupe"))
    # Together, the metropole only (else France would be a dot); alone, the overseas département.
    fig = vues.figure_carte(_geojson(), cellules, "%")
    assert [t.name for t in fig.data if t.fill == "toself"] == ["31 – Haute-Garonne"]
    seule = vues.figure_carte(_geojson(), cellules.filter(pl.col("territoire") == "971"), "%")
    assert [t.name for t in seule.data if t.fill == "toself"] == ["971 – Guadeloupe"]


# ---------------------------------------------------------------------------------------------
# Labels, references, methodology


def test_libelles_des_campagnes():
    assert vues_controle.libelle_campagne("2024-V2") == "Campagne 2024, vague 2"
    assert vues_controle.libelle_campagne("FLUX") == "Alertes au fil de l'eau"
    listes = vues_controle.listes_avec_campagnes({("campagne", "2024-V1"): "Première vague"}, ["2024-V1", "2025-V1"])
    assert listes[("campagne", "2024-V1")] == "Première vague"  # a list from the exports wins
    assert listes[("campagne", "2025-V1")] == "Campagne 2025, vague 1"


def test_tableau_campagnes():
    alertes = _frame(
        _cellule(indicateur=E1, unite="nombre", dimension="campagne", modalite="FLUX", numerateur=40.0,
                 denominateur=None, valeur=40.0),
        _cellule(indicateur=E1, unite="nombre", dimension="campagne", modalite="2024-V1", numerateur=120.0,
                 denominateur=None, valeur=120.0),
    )
    conclusions = _frame(
        _cellule(indicateur="taux_faux_positifs", dimension="campagne", modalite="2024-V1", numerateur=90.0,
                 denominateur=100.0, valeur=0.9),
        _secrete(indicateur="taux_faux_positifs", dimension="campagne", modalite="FLUX"),
    )
    tableau = vues_controle.tableau_campagnes(alertes, conclusions)
    assert tableau["Campagne"].to_list() == ["Campagne 2024, vague 1", "Alertes au fil de l'eau"]
    assert tableau.row(0)[1:] == ("120", "100", "90", f"90,0{NBSP}%")
    assert tableau.row(1)[1:] == ("40", "s", "s", "s")


def test_ecart_au_total_jamais_autour_d_un_secret():
    total = _cellule(indicateur=E1, niveau="REGION", territoire="76", unite="nombre", valeur=30.0)
    parties = _frame(_cellule(indicateur=E1, niveau="DEPARTEMENT", territoire="31", unite="nombre", valeur=25.0))
    assert vues_controle.ecart_au_total(total, parties) == 5.0
    avec_secret = pl.concat([parties, _frame(_secrete(indicateur=E1, niveau="DEPARTEMENT", territoire="34",
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


def test_dictionnaire_ordre_familles_et_telechargement():
    dico = pl.DataFrame({
        "indicateur": ["reorientations", "en_attente_parcours", "alertes"],
        "numero": ["B12", "B9", "E1"],
        "famille": ["B. Réalisation", "B. Réalisation", "E. Détournement de finalité"],
        "libelle": ["Réorientations", "En attente de parcours", "Alertes"],
        "ventilations": ["motif_reorientation", "", "situation, examen, campagne"],
        "choix": ["Un.\nDeux.", None, ""],
    })
    familles = vues_controle.par_famille(dico)
    assert [f for f, _ in familles] == ["B. Réalisation", "E. Détournement de finalité"]
    assert [x["numero"] for x in familles[0][1]] == ["B9", "B12"]  # B12 after B9, not before
    assert vues_controle.libelles_ventilations("situation, examen") == "Situation à risque, Niveau d'examen"
    assert vues_controle.libelles_ventilations("") == "aucune"
    assert vues_controle.choix_en_liste("Un.\n\nDeux.") == ["Un.", "Deux."]
    tableau = vues_controle.tableau_dictionnaire(dico)
    assert tableau.columns[:2] == ["Numéro", "Code"] and tableau["Numéro"].to_list() == ["B9", "B12", "E1"]
    codes = {r["indicateur"]: r for r in dico.to_dicts()}
    assert vues_controle.indicateurs_du_dictionnaire(codes) == ["en_attente_parcours", "reorientations", "alertes"]


def test_tableau_qualite_echecs_en_premier_et_details_reserves():
    resultats = pl.DataFrame([
        {"suite": "s", "cible": "c", "controle": "ok", "description": "", "severite": "bloquant", "succes": True,
         "details": "", "lignes": 10, "anomalies": 0},
        {"suite": "s", "cible": "c", "controle": "avert", "description": "", "severite": "avertissement",
         "succes": False, "details": "territoire 76, valeur 3", "lignes": 10, "anomalies": 1},
        {"suite": "s", "cible": "c", "controle": "bloq", "description": "", "severite": "bloquant", "succes": False,
         "details": "x", "lignes": 1234, "anomalies": 1},
    ])
    tableau = vues_controle.tableau_qualite(resultats)
    assert tableau["Contrôle"].to_list() == ["bloq", "avert", "ok"]
    # internal values and counts of every territory: national view only
    assert not {"Lignes", "Anomalies", "Détails"} & set(tableau.columns)
    complet = vues_controle.tableau_qualite(resultats, avec_details=True)
    assert complet["Lignes"][0] == "1\u202f234" and "Détails" in complet.columns


def test_regle_du_secret_et_horodatage():
    from datetime import datetime

    texte = vues_controle.texte_regle_secret(11)
    assert "entre 1 et 10" in texte and "inférieur à 11" in texte and "Secret secondaire" in texte
    assert vues_controle.texte_horodatage(datetime(2026, 12, 1, 23, 5)) == "1er décembre 2026 à 23 h 05"


def test_tableaux_de_l_utilite_du_secret():
    from pipelines.secret import utilite

    part = utilite.calculer_part_secret(pl.DataFrame({
        "niveau": ["AGENCE", "DEPARTEMENT", "DEPARTEMENT", "AGENCE"],
        "indicateur": ["demandeurs_fin_de_mois", "demandeurs_fin_de_mois", "alertes", "alertes"],
        "cellules": [1200, 10, 4, 3], "secretes": [300, 1, 2, 0],
    }))
    tableau = vues_controle.tableau_part_secret(part)
    assert tableau.columns == ["Niveau", "Cellules mensuelles", "Secrètes", "Part secrète", "Famille A", "Famille E"]
    assert tableau.rows() == [
        ("Département", "14", "3", f"21,4{NBSP}%", f"10,0{NBSP}%", f"50,0{NBSP}%"),
        ("Agence", "1\u202f203", "300", f"24,9{NBSP}%", f"25,0{NBSP}%", f"0,0{NBSP}%"),
    ]
    assert vues_controle.tableau_part_secret(part.clear()).height == 0

    v = utilite.calculer_visibilite(pl.DataFrame({
        "niveau": ["DEPARTEMENT", "DEPARTEMENT", "BASSIN"], "territoire": ["31", "34", "7601"],
        "periode": [M3] * 3, "indicateurs": [10, 20, 0], "visibles": [9, 10, 0],
    }))
    comites = vues_controle.tableau_visibilite_comites(v.synthese)
    assert comites["Périmètres"].to_list() == ["Départements", "Bassins d'emploi"]
    assert comites.row(0) == ("Départements", "2", f"70,0{NBSP}%", f"50,0{NBSP}%", f"1 (50,0{NBSP}%)",
                              f"63,3{NBSP}% (19 sur 30)")
    assert comites.columns[4] == f"À 90{NBSP}% ou plus"
    territoires = pl.DataFrame({"niveau": ["DEPARTEMENT"], "code": ["31"], "libelle": ["Haute-Garonne"]})
    detail = vues_controle.tableau_visibilite_perimetres(v.perimetres, territoires)
    # least visible first, no share (no 12-month cell) before all
    assert detail["Territoire"].to_list() == ["Bassin d'emploi 7601", "Département 34", "31 – Haute-Garonne"]
    assert detail["Part visible"].to_list() == ["–", f"50,0{NBSP}%", f"90,0{NBSP}%"]
    texte = vues_controle.texte_visibilite_departements(v.periode, v.synthese)
    assert "mars 2025" in texte and f"63,3{NBSP}%" in texte and "19 sur 30" in texte and f"objectif de 90{NBSP}% non atteint)" in texte
    assert "n'est pas mesurée" in vues_controle.texte_visibilite_departements(None, v.synthese)
