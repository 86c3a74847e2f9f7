"""Each rule of the delivery suites, on hand-made frames: passes on good data, fails on bad."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from pipelines.core.contract import CORE_EXPORTS, DATE_ORDER_RULES, EXPORTS
from quality.regles import AVERTISSEMENT, BLOQUANT, suite_livraison


def par_nom(resultats):
    return {r.controle: r for r in resultats}


def controles_ok(n: int = 4) -> pd.DataFrame:
    """A valid delivery of the export « controles », built from the contract's columns."""
    d0 = pd.Timestamp("2025-03-01")
    rows = []
    for i in range(n):
        rows.append({
            "id_controle": f"C{i}", "id_personne": f"P{i}", "id_inscription": f"I{i}",
            "date_ouverture": d0, "origine": "ALEATOIRE", "procedure": "SIMPLE", "code_plateforme": "PF1",
            "date_avertissement": d0 + timedelta(days=5), "date_decision": d0 + timedelta(days=20),
            "issue": "SANCTION" if i == 0 else "RECHERCHE_ACTIVE",
            "sanction": "SUSPENSION_PARTIELLE" if i == 0 else None,
            "sanction_taux": 30 if i == 0 else None, "sanction_duree_mois": 1 if i == 0 else None,
            "recours": "AUCUN", "date_maj": pd.Timestamp("2025-04-01T10:00:00"), "supprime": False,
            "_id_chargement": 1, "_fichier": "controles/controles_20250401.csv", "_ligne": i + 2,
            "_date_extraction": pd.Timestamp("2025-04-01"),
        })
    df = pd.DataFrame(rows)
    df["sanction_taux"] = df["sanction_taux"].astype("Int64")
    df["sanction_duree_mois"] = df["sanction_duree_mois"].astype("Int64")
    return df


def test_quality_suites_follow_the_contract():
    for name in CORE_EXPORTS:
        suite = suite_livraison(name)
        noms = {c.nom for c in suite}
        export = EXPORTS[name]
        assert {f"{c}.obligatoire" for c in export.required_columns} <= noms
        assert {f"{c.name}.liste_de_codes" for c in export.columns if c.codes} <= noms
        for debut, fin in DATE_ORDER_RULES.get(name, ()):
            assert f"{fin}.apres_{debut}" in noms
        assert all(c.severite in (BLOQUANT, AVERTISSEMENT) for c in suite)
        assert len(noms) == len(suite), "un nom de contrôle en double"


def test_quality_severities_of_rules():
    s = {c.nom: c.severite for c in suite_livraison("controles")}
    assert s["id_controle.obligatoire"] == BLOQUANT
    assert s["issue.liste_de_codes"] == BLOQUANT
    assert s["sanction_taux.bornes"] == BLOQUANT
    assert s["cle.unique_dans_le_fichier"] == AVERTISSEMENT
    assert s["date_decision.apres_date_ouverture"] == AVERTISSEMENT
    assert s["sanction_renseignee"] == AVERTISSEMENT


def test_quality_good_delivery_passes(validateur):
    res = validateur.valider("livraison", "controles", controles_ok(), suite_livraison("controles"))
    echecs = [(r.controle, r.details) for r in res if not r.succes]
    assert echecs == []
    assert len(res) == len(suite_livraison("controles"))


@pytest.mark.parametrize("corruption, controle, severite", [
    (lambda df: df.assign(issue=["INCONNU", *df["issue"][1:]]), "issue.liste_de_codes", BLOQUANT),
    (lambda df: df.assign(id_personne=[None, *df["id_personne"][1:]]), "id_personne.obligatoire", BLOQUANT),
    (lambda df: df.assign(id_controle=["C0", "C0", *df["id_controle"][2:]]), "cle.unique_dans_le_fichier", AVERTISSEMENT),
    (lambda df: df.assign(date_decision=df["date_ouverture"] - timedelta(days=3)),
     "date_decision.apres_date_ouverture", AVERTISSEMENT),
    (lambda df: df.assign(date_ouverture=df["_date_extraction"] + timedelta(days=3),
                          date_avertissement=None, date_decision=None),
     "date_ouverture.pas_apres_extraction", AVERTISSEMENT),
    (lambda df: df.assign(date_ouverture=pd.Timestamp("1985-01-01")), "date_ouverture.date_plausible", AVERTISSEMENT),
    (lambda df: df.assign(sanction=None), "sanction_renseignee", AVERTISSEMENT),
    (lambda df: df.assign(sanction_taux=pd.array([None] * len(df), dtype="Int64")), "sanction_taux_renseigne", AVERTISSEMENT),
    (lambda df: df.assign(sanction_taux=pd.array([120] + [None] * (len(df) - 1), dtype="Int64")),
     "sanction_taux_30_100", AVERTISSEMENT),
])
def test_quality_bad_delivery_fails(validateur, corruption, controle, severite):
    df = corruption(controles_ok())
    res = par_nom(validateur.valider("livraison", "controles", df, suite_livraison("controles")))
    assert not res[controle].succes
    assert res[controle].severite == severite
    # the details say on what: the file and the line
    assert "controles/controles_20250401.csv" in res[controle].details
    assert "_ligne" in res[controle].details


def test_quality_same_key_in_two_files_is_not_a_duplicate(validateur):
    df = controles_ok()
    df.loc[1, "id_controle"] = "C0"
    df.loc[1, "_id_chargement"] = 2
    res = par_nom(validateur.valider("livraison", "controles", df, suite_livraison("controles")))
    assert res["cle.unique_dans_le_fichier"].succes


def test_quality_realised_interview_needs_a_duration(validateur):
    suite = [c for c in suite_livraison("entretiens") if c.nom == "duree_si_realise"]
    df = pd.DataFrame({"statut": ["REALISE", "ANNULE", "REALISE"],
                       "duree_minutes": pd.array([30, None, 45], dtype="Int64"),
                       "_fichier": "e.csv", "_ligne": [2, 3, 4], "id_entretien": ["a", "b", "c"]})
    assert validateur.valider("livraison", "entretiens", df, suite)[0].succes
    df.loc[2, "duree_minutes"] = None
    r = validateur.valider("livraison", "entretiens", df, suite)[0]
    assert not r.succes and r.anomalies == 1 and "_ligne 4" in r.details


def test_quality_multivalued_codes(validateur):
    suite = [c for c in suite_livraison("diagnostics") if c.nom == "freins.liste_de_codes"]
    ok = pd.DataFrame({"freins": ["MOBILITE|SANTE", None, "LANGUE"], "_fichier": "d.csv", "_ligne": [2, 3, 4]})
    assert validateur.valider("livraison", "diagnostics", ok, suite)[0].succes
    ko = ok.assign(freins=["MOBILITE|VELO", None, "LANGUE"])
    assert not validateur.valider("livraison", "diagnostics", ko, suite)[0].succes


def test_quality_missing_column_is_a_failure_not_a_skip(validateur):
    df = controles_ok().drop(columns=["issue"])
    res = par_nom(validateur.valider("livraison", "controles", df, suite_livraison("controles")))
    assert not res["issue.obligatoire"].succes
    assert "absente" in res["issue.obligatoire"].details
