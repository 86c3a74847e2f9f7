"""Page Charge des conseillers, run with AppTest on the real demo warehouse, for every demo role;
and the platforms' table it shows."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboards import vues_charge
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import H1, H2, H3, H4, H5, H6

from . import aide_pages as aide

PAGE = "charge"
CLE_ONGLET = "charge_onglet"


@pytest.mark.slow
@pytest.mark.parametrize("identifiant", list(aide.UTILISATEURS))
def test_page_par_role(entrepot_marque, monkeypatch, identifiant):
    u = aide.UTILISATEURS[identifiant]
    at = aide.ouvrir(monkeypatch, entrepot_marque, identifiant, PAGE)
    assert at.title[0].value == "Charge des conseillers"
    libelles = [m.label for m in at.metric]
    for numero in ("H1", "H2", "H3", "H4", "H5"):
        assert any(lib.startswith(f"{numero} – ") for lib in libelles), (numero, libelles)
    cles = aide.cles_graphiques(at)
    assert {f"graphique_charge_serie_{H1}", f"graphique_charge_serie_{H2}", f"graphique_charge_{H1}_modalite"} <= cles
    vus = list(aide.textes(at))

    at.session_state[CLE_ONGLET] = "Entretiens"
    at.run()
    aide.verifier_sans_erreur(at)
    assert {f"graphique_charge_serie_{H3}", f"graphique_charge_serie_{H4}", f"graphique_charge_{H3}_type_entretien",
            f"graphique_charge_{H4}_type_entretien", f"graphique_charge_{H5}_type_entretien"} <= aide.cles_graphiques(at)
    vus += aide.textes(at)

    at.session_state[CLE_ONGLET] = "Plateformes de contrôle"
    at.run()
    aide.verifier_sans_erreur(at)
    tables = [t for t in aide.tableaux(at) if "Plateforme" in t.columns]
    if u.perimetre.tout:
        # every platform of the month or of its 12 months, from the view the user reads
        table = "publication.indicateurs" if u.perimetre.publie else "marts.indicateurs"
        attendues = aide.requete(
            entrepot_marque,
            f"select distinct territoire from {table} where indicateur = ? and niveau = 'PLATEFORME' "
            "and periode = ? and type_periode in ('mois', 'cumul_12_mois')",
            [H6, aide.mois_affiche(at)])["territoire"].to_list()
        assert tables and sorted(tables[0]["Plateforme"]) == sorted(attendues)
    else:
        assert not tables
        assert any("niveau national" in i.value for i in at.info)
    vus += aide.textes(at)
    if u.perimetre.publie:
        assert not [m for m in aide.MARQUES for t in vus if m in t], "valeur interne d'une cellule secrète affichée"


def _cellule(territoire: str, valeur, secret: bool = False) -> dict:
    return {"indicateur": H6, "periode": date(2025, 6, 1), "niveau": "PLATEFORME", "territoire": territoire,
            "dimension": "ensemble", "modalite": "ensemble", "numerateur": valeur, "denominateur": None,
            "valeur": None if secret else valeur, "unite": "nombre", "provisoire": False, "secret": secret}


def test_tableau_des_plateformes():
    """Platforms by decreasing 12-month total; « s » when secret, « – » when a platform has no cell
    that month."""
    mois = pl.DataFrame([_cellule("PF_A", 3.0), _cellule("PF_B", None, secret=True)])
    cumul = pl.DataFrame([_cellule("PF_A", 40.0), _cellule("PF_B", 120.0), _cellule("PF_C", 15.0)])
    t = vues_charge.tableau_plateformes(mois, cumul)
    assert t["Plateforme"].to_list() == ["PF_B", "PF_A", "PF_C"]
    assert t["Contrôles du mois"].to_list() == [fmt.SECRET, "3", fmt.VIDE]
    assert t["Contrôles sur 12 mois"].to_list() == ["120", "40", "15"]


def test_sens_des_evolutions():
    """Fewer no-shows and fewer portfolios over 70 read as favourable; volumes as neutral."""
    assert vues_charge.SENS[H2] == vues_charge.SENS[H4] == "baisse_favorable"
    assert vues_charge.SENS[H1] == vues_charge.SENS[H3] == vues_charge.SENS[H5] == "neutre"
