"""French formats of the dashboards."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from pipelines.core import formats as fmt
from pipelines.core.indicateurs import INDICATEURS

NNBSP = "\u202f"  # narrow no-break space (thousands)
NBSP = "\u00a0"  # no-break space (before a unit)


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, f"1{NNBSP}000"),
        (12345, f"12{NNBSP}345"),
        (1234567, f"1{NNBSP}234{NNBSP}567"),
        (12345.6, f"12{NNBSP}346"),  # rounded, no decimals by default
        (-12345, f"-12{NNBSP}345"),
        (-0.2, "0"),  # never "-0"
    ],
)
def test_format_nombre(valeur, attendu):
    assert fmt.format_nombre(valeur) == attendu


def test_format_nombre_decimales_et_signe():
    assert fmt.format_nombre(1234.56, decimales=1) == f"1{NNBSP}234,6"
    assert fmt.format_nombre(1234, signe=True) == f"+1{NNBSP}234"
    assert fmt.format_nombre(-3, signe=True) == "-3"  # ASCII minus: Streamlit colours on it
    assert fmt.format_nombre(0, signe=True) == "0"


@pytest.mark.parametrize("vide", [None, float("nan"), math.nan])
def test_valeur_absente_est_un_tiret(vide):
    for f in (fmt.format_nombre, fmt.format_taux, fmt.format_jours, fmt.format_evolution):
        assert (f(vide) if f is not fmt.format_evolution else f(vide, "nombre")) == "–"
    assert fmt.format_valeur(vide, "nombre") == "–"
    assert fmt.format_cellule(vide, "jours", False) == "–"
    assert fmt.format_cellule(vide, "jours", True) == "– (provisoire)"  # may still come


@pytest.mark.parametrize(
    "valeur, attendu",
    [(0.234, f"23,4{NBSP}%"), (0, f"0,0{NBSP}%"), (1, f"100,0{NBSP}%"), (0.12345, f"12,3{NBSP}%"), (0.0005, f"0,1{NBSP}%")],
)
def test_format_taux(valeur, attendu):
    assert fmt.format_taux(valeur) == attendu


def test_format_jours():
    assert fmt.format_jours(21) == f"21{NBSP}j"
    assert fmt.format_jours(21.0) == f"21{NBSP}j"
    assert fmt.format_jours(21.5) == f"21,5{NBSP}j"
    assert fmt.format_jours(1200) == f"1{NNBSP}200{NBSP}j"


def test_format_valeur_selon_unite():
    assert fmt.format_valeur(12345.0, "nombre") == f"12{NNBSP}345"
    assert fmt.format_valeur(0.5, "taux") == f"50,0{NBSP}%"
    assert fmt.format_valeur(30.0, "jours") == f"30{NBSP}j"
    # a mean (H1 portfolio, H5 minutes): one decimal always, never a percentage
    assert fmt.format_valeur(52.0, "ratio") == "52,0"
    assert fmt.format_valeur(37.46, "ratio") == "37,5"


def test_format_cellule_provisoire():
    assert fmt.format_cellule(21.0, "jours", True) == f"21{NBSP}j (provisoire)"
    assert fmt.format_cellule(21.0, "jours", False) == f"21{NBSP}j"
    assert fmt.format_cellule(21.0, "jours", None) == f"21{NBSP}j"


def test_format_evolution():
    assert fmt.format_evolution(150.0, "nombre") == "+150"
    assert fmt.format_evolution(-1500.0, "nombre") == f"-1{NNBSP}500"
    assert fmt.format_evolution(-3.0, "jours") == f"-3{NBSP}j"
    assert fmt.format_evolution(0.012, "taux") == f"+1,2{NBSP}pt"
    assert fmt.format_evolution(-2.0, "ratio") == "-2,0"


@pytest.mark.parametrize(
    "mois, attendu",
    [
        (date(2025, 1, 1), "janv. 2025"),
        (date(2025, 2, 1), "févr. 2025"),
        (date(2025, 3, 1), "mars 2025"),
        (date(2025, 4, 1), "avr. 2025"),
        (date(2025, 5, 1), "mai 2025"),
        (date(2025, 6, 1), "juin 2025"),
        (date(2025, 7, 1), "juil. 2025"),
        (date(2025, 8, 1), "août 2025"),
        (date(2025, 9, 1), "sept. 2025"),
        (date(2025, 10, 1), "oct. 2025"),
        (date(2025, 11, 1), "nov. 2025"),
        (date(2024, 12, 1), "déc. 2024"),
        (datetime(2025, 1, 15, 10, 30), "janv. 2025"),
        ("2025-08-01", "août 2025"),
    ],
)
def test_format_mois(mois, attendu):
    assert fmt.format_mois(mois) == attendu


def test_format_mois_absent_et_dates():
    assert fmt.format_mois(None) == "–"
    assert fmt.format_mois_long(date(2025, 2, 1)) == "février 2025"
    assert fmt.format_date(date(2025, 3, 1)) == "1er mars 2025"
    assert fmt.format_date(date(2025, 8, 15)) == "15 août 2025"
    assert fmt.format_date(None) == "–"


DICO = {"demandeurs_fin_de_mois": {"libelle": "Demandeurs inscrits", "definition": "Épisodes ouverts."}}


def test_libelles():
    # Indicator labels come from the data dictionary (marts.dictionnaire), passed by the page.
    assert fmt.libelle_indicateur("demandeurs_fin_de_mois", DICO) == "Demandeurs inscrits"
    assert fmt.libelle_indicateur("demandeurs_fin_de_mois", DICO, avec_numero=True) == "A1 – Demandeurs inscrits"
    assert fmt.libelle_indicateur("demandeurs_fin_de_mois") == "demandeurs_fin_de_mois"  # no dictionary
    assert fmt.libelle_indicateur("inconnu", DICO) == "inconnu"  # an unknown code never crashes
    assert fmt.definition_indicateur("demandeurs_fin_de_mois", DICO) == "Épisodes ouverts."
    assert fmt.definition_indicateur("inconnu", DICO) == ""
    assert fmt.libelle_niveau("DEPARTEMENT") == "Département"
    assert fmt.libelle_niveau("BASSIN") == "Bassin d'emploi"
    assert fmt.libelle_territoire("DEPARTEMENT", "31", "Haute-Garonne") == "31 – Haute-Garonne"
    assert fmt.libelle_territoire("REGION", "76", "Occitanie") == "Occitanie"
    assert fmt.libelle_territoire("REGION", "99", None) == "Région 99"
    assert fmt.libelle_territoire("NATIONAL", "FR", None) == "France"
    # H6's own level: a CRE platform, known by its code
    assert fmt.libelle_territoire("PLATEFORME", "PF_OCC", None) == "Plateforme de contrôle PF_OCC"


def test_libelles_des_modalites():
    listes = {("operateur_retenu", "FT"): "France Travail", ("sexe", "1"): "Homme",
              ("operateur_propose", "ML"): "Mission Locale", ("motif_inscription", "1"): "Motif 1"}
    assert fmt.libelle_modalite("operateur_retenu", "FT", listes) == "France Travail"
    assert fmt.libelle_modalite("sexe", "1", listes) == "Homme"  # not motif_inscription's « 1 »
    assert fmt.libelle_modalite("operateur_retenu", "ML", listes) == "Mission Locale"  # same list
    assert fmt.libelle_modalite("tranche_age", "moins_26", listes) == "Moins de 26 ans"
    assert fmt.libelle_modalite("groupe_experimentation", "TEMOIN").startswith("Autres agences")
    assert fmt.libelle_modalite("campagne", "2025-V1", listes) == "2025-V1"  # no label: the code
    # F7's breakdown « frein » reads the code list of the column « freins » of diagnostics
    assert fmt.libelle_modalite("frein", "MOBILITE", {("freins", "MOBILITE"): "Mobilité"}) == "Mobilité"
    assert fmt.libelle_dimension("operateur_retenu") == "Opérateur retenu"
    assert fmt.libelle_dimension("inconnue") == "inconnue"


def test_cellule_secrete():
    assert fmt.format_cellule(None, "taux", False, secret=True) == "s"
    assert fmt.format_cellule(None, "nombre", True, secret=True) == "s"  # never « s (provisoire) »
    assert fmt.format_cellule(0.25, "taux", False, secret=False) == f"25,0{NBSP}%"


def test_chaque_indicateur_du_contrat_a_un_numero():
    assert len(set(fmt.NUMEROS_INDICATEURS.values())) == len(fmt.NUMEROS_INDICATEURS) == len(INDICATEURS)


def test_parametres_metric():
    hausse = fmt.parametres_metric(120.0, 100.0, "jours", "baisse_favorable")
    assert hausse == {"delta": f"+20{NBSP}j", "delta_color": "inverse"}  # longer delay: red
    neutre = fmt.parametres_metric(900.0, 1000.0, "nombre", "neutre")
    assert neutre == {"delta": "-100", "delta_color": "off"}
    assert fmt.parametres_metric(0.3, 0.2, "taux", "hausse_favorable")["delta_color"] == "normal"
    stable = fmt.parametres_metric(21.0, 21.0, "jours", "baisse_favorable")
    assert stable["delta_arrow"] == "off" and stable["delta_color"] == "off"
    assert fmt.parametres_metric(21.0, None, "jours") == {"delta": None}
    assert fmt.parametres_metric(None, 21.0, "jours") == {"delta": None}


def test_explication_absence():
    assert "pas encore atteinte" in fmt.explication_absence("jours", provisoire=True, presente=True)
    assert "non atteinte" in fmt.explication_absence("jours", provisoire=False, presente=True)
    assert "Pas de donnée" in fmt.explication_absence("jours", provisoire=False, presente=False)
    assert fmt.explication_absence("taux", provisoire=False, presente=True) == "Pas de valeur ce mois-ci."
