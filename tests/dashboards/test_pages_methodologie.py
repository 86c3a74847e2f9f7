"""Page Méthodologie, run with AppTest on the real demo warehouse, for every role."""

from __future__ import annotations

import pytest

from pipelines.core import formats as fmt
from pipelines.core.indicateurs import INDICATEURS, RPE_NON_CALCULES

from . import aide_pages as aide

pytestmark = pytest.mark.slow

PAGE = "methodologie"


@pytest.mark.parametrize("identifiant", list(aide.UTILISATEURS))
def test_page_par_role(entrepot_marque, monkeypatch, identifiant):
    u = aide.UTILISATEURS[identifiant]
    at = aide.ouvrir(monkeypatch, entrepot_marque, identifiant, PAGE)
    assert at.title[0].value == "Méthodologie"
    assert not at.get("plotly_chart")
    metriques = {m.label: m.value for m in at.metric}
    arrete = aide.requete(entrepot_marque, "select max(date_arrete) as d from marts.arrete")["d"][0]
    assert metriques["Date d'arrêté"] == fmt.format_date(arrete)
    assert metriques["Statut qualité"] != fmt.VIDE
    # One expander per indicator of the dictionary, by family, in the contract's order.
    nombre = aide.requete(entrepot_marque, "select count(*) as n from marts.dictionnaire")["n"][0]
    fiches = [e.label for e in at.expander if " – " in e.label]
    assert len(fiches) == nombre and fiches[0].startswith("A1 – ")
    assert fiches[-1].startswith(f"{list(INDICATEURS.values())[-1]} – ")
    assert [m.value for m in at.markdown if m.value.startswith("##### ")][0] == "##### A. Captation"
    seuil = aide.requete(entrepot_marque, "select seuil_secret from publication.journal "
                         "order by horodatage desc limit 1")["seuil_secret"][0]
    assert any(f"entre 1 et {seuil - 1}" in m.value for m in at.markdown)
    assert any("provisoire" in m.value and "fenêtre d'observation" in m.value for m in at.markdown)
    # The checks' details quote internal rows of every territory: national only.
    qualite = [t for t in aide.tableaux(at) if "Résultat" in t.columns]
    assert qualite and qualite[0]["Résultat"].iloc[0] in ("échec", "réussi")
    assert all(("Détails" in t.columns) == u.perimetre.tout for t in qualite)
    # What the secret hides: share of secret monthly cells by level, committees' visibility on 12 months.
    (part,) = [t for t in aide.tableaux(at) if "Part secrète" in t.columns]
    assert part["Niveau"].iloc[0] == "National" and part["Part secrète"].str.endswith("%").all()
    assert any(c.value.startswith("Cumul sur 12 mois se terminant en ") for c in at.caption)
    # the test warehouse is protected by the group rule, which publishes every table
    assert any(c.value.startswith("Tous les tableaux sont diffusés") for c in at.caption)
    (perimetres,) = [t for t in aide.tableaux(at) if "Part visible" in t.columns]
    comites = aide.requete(entrepot_marque, "select count(distinct (niveau, territoire)) as n from "
                           "publication.indicateurs where niveau in ('DEPARTEMENT', 'BASSIN')")["n"][0]
    # every committee perimeter for national, only the perimeter's own territories for the others
    assert (len(perimetres) == comites) == u.perimetre.tout
    if u.territoire_niveau == "DEPARTEMENT":
        assert set(perimetres.loc[perimetres["Niveau"] == "Département", "Territoire"]) == {f"{u.territoire_code} – Haute-Garonne"}
    # the RPE indicators the exports cannot support, each with the source it would need
    (rpe,) = [t for t in aide.tableaux(at) if "Source nécessaire" in t.columns]
    assert len(rpe) == len(RPE_NON_CALCULES) and (rpe["Statut"] == "non calculé : source non livrée").all()
    assert not aide.marques_vues(at)


def test_recherche_dans_le_dictionnaire(entrepot_demo, monkeypatch):
    at = aide.ouvrir(monkeypatch, entrepot_demo, "comite31", PAGE)
    at.text_input(key="methodologie_recherche").set_value("sanction").run()
    aide.verifier_sans_erreur(at)
    fiches = {e.label.split(" – ")[0] for e in at.expander if " – " in e.label}
    attendues = set(aide.requete(
        entrepot_demo,
        "select numero from marts.dictionnaire where lower(concat_ws(' ', numero, indicateur, libelle, definition)) "
        "like '%sanction%'",
    )["numero"])
    assert {"D2", "D4"} <= fiches == attendues


def test_tableaux_non_diffuses_du_plan_publie(entrepot_demo, monkeypatch, tmp_path):
    import shutil

    import duckdb

    copie = tmp_path / "socle.duckdb"
    shutil.copy(entrepot_demo, copie)
    with duckdb.connect(str(copie)) as con:
        con.execute("update publication.plan_diffusion set diffuse = false where indicateur = 'entrees' "
                    "and dimension = 'tranche_age' and niveau in ('AGENCE', 'BASSIN')")
    at = aide.ouvrir(monkeypatch, copie, "comite31", PAGE)
    (tableau,) = [t for t in aide.tableaux(at) if "Non diffusé pour" in t.columns]
    libelle = aide.requete(copie, "select libelle from marts.dictionnaire where indicateur = 'entrees'")["libelle"][0]
    # the plan's every period type of the table, shortest first
    assert tableau.values.tolist() == [[f"A2 – {libelle}", "Tranche d'âge", "Bassin d'emploi, Agence",
                                        "mois, trimestre, 12 mois glissants"]]
    assert not any(c.value.startswith("Tous les tableaux sont diffusés") for c in at.caption)
