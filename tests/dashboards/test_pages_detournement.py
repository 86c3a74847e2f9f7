"""Page Détournement de finalité, run with AppTest on the real demo warehouse, for every role."""

from __future__ import annotations

import pytest

from pipelines.core import formats as fmt

from . import aide_pages as aide

pytestmark = pytest.mark.slow

PAGE = "detournement"
E1, E2 = "alertes", "taux_faux_positifs"


@pytest.mark.parametrize("identifiant", list(aide.UTILISATEURS))
def test_page_par_role(entrepot_marque, monkeypatch, identifiant):
    at = aide.ouvrir(monkeypatch, entrepot_marque, identifiant, PAGE)
    assert at.title[0].value == "Détournement de finalité"
    assert {"detournement_e1_serie", "detournement_e1_situation_barres"} <= aide.cles_graphiques(at)
    # E2 to E4 of a committee may be secret every month: said, not drawn as empty axes
    manquantes = aide.series_ou_pourquoi(at, {"detournement_e2_serie", "detournement_e3_serie", "detournement_e4_serie"})
    assert not manquantes or aide.UTILISATEURS[identifiant].perimetre.publie
    # The contract's attachment rule: national entities count only at NATIONAL.
    assert any("DG, DSI, PES" in i.value and "somme de ses départements" in i.value for i in at.info)
    secrets = aide.barres_coherentes(at)
    if aide.UTILISATEURS[identifiant].perimetre.publie:
        assert not aide.marques_vues(at), "valeur interne d'une cellule secrète affichée"
        affiches = [v for t in aide.tableaux(at) for v in t.astype(str).to_numpy().ravel()]
        assert secrets or "s" in affiches
    else:
        assert aide.marques_vues(at)


def _cumul_campagnes(path, table: str, indicateur: str, niveau: str, code: str, fin) -> dict[str, dict]:
    secret = "bool_or(secret)" if table.startswith("publication") else "false"
    df = aide.requete(
        path,
        f"""select modalite, sum(numerateur) as numerateur, sum(denominateur) as denominateur,
                   sum(valeur) as valeur, {secret} as secret
            from {table} where indicateur = ? and type_periode = 'mois' and niveau = ? and territoire = ?
              and dimension = 'campagne' and periode <= ? group by modalite""",
        [indicateur, niveau, code, fin],
    )
    return {r["modalite"]: r for r in df.to_dicts()}


@pytest.mark.parametrize("identifiant", ["cse93", "dr76"])
def test_bilan_par_campagne(entrepot_demo, monkeypatch, identifiant):
    """Sums of all months to the month chosen; on the published view a campaign with a secret
    month reads « s »."""
    u = aide.UTILISATEURS[identifiant]
    at = aide.ouvrir(monkeypatch, entrepot_demo, identifiant, PAGE)
    mois = aide.mois_affiche(at)
    table = u.perimetre.table
    alertes = _cumul_campagnes(entrepot_demo, table, E1, "REGION", u.territoire_code, mois)
    conclusions = _cumul_campagnes(entrepot_demo, table, E2, "REGION", u.territoire_code, mois)
    tableau = next(t for t in aide.tableaux(at) if "Campagne" in t.columns)
    assert len(tableau) == len(alertes | conclusions)
    libelle_e2 = tableau.columns[-1]
    for ligne, code in zip(tableau.to_dict("records"), sorted(alertes | conclusions, key=lambda k: (k == "FLUX", k))):
        c = conclusions.get(code)
        if c and c["secret"]:
            assert (ligne["Alertes conclues"], ligne[libelle_e2]) == ("s", "s")
        elif c:
            assert ligne["Alertes conclues"] == fmt.format_nombre(c["denominateur"])
            assert ligne[libelle_e2] == fmt.format_taux(c["numerateur"] / c["denominateur"])


def test_alertes_de_la_seule_direction_regionale(entrepot_demo, monkeypatch):
    """Internal view of a region: the alerts counted at the region and in none of its départements."""
    at = aide.ouvrir(monkeypatch, entrepot_demo, "dr76", PAGE)
    mois = aide.mois_affiche(at)
    region = aide.cellules(entrepot_demo, "marts.indicateurs", indicateur=E1, niveau="REGION", territoire="76",
                           dimension="ensemble", periode=mois)["valeur"].sum()
    departements = aide.requete(
        entrepot_demo,
        "select coalesce(sum(valeur), 0) as v from marts.indicateurs where indicateur = ? and type_periode = 'mois' "
        "and niveau = 'DEPARTEMENT' and dimension = 'ensemble' and periode = ? and territoire in "
        "(select code_departement from referentiel.departements where code_region = '76')",
        [E1, mois],
    )["v"][0]
    attendu = f"{fmt.format_nombre(region - departements)} alerte(s) rattachée(s) à la seule direction régionale"
    assert any(attendu in c.value for c in at.caption)
