"""End to end through dbt: hand-made raw rows -> marts.indicateurs, checked against an
independent Python computation of A1 and B1 (the contract's rules, written again plainly), B1
also over a quarter (the median of the pooled members)."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

import pytest

# a dbt build (~20 s) behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2025, 3, 31)
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31522": ("76", "31", "7625"),  # MSA_MODELE_1
    "31354": ("76", "31", "7625"),  # MSA_MODELE_2
    "31001": ("76", "31", "7625"),  # TEMOIN
    "09131": ("76", "09", "7612"),  # TEMOIN
    "01004": ("84", "01", "8434"),  # HORS_PERIMETRE
    "99999": (None, None, None),
}
GROUPES = {"31522": "MSA_MODELE_1", "31354": "MSA_MODELE_2", "31001": "TEMOIN",
           "09131": "TEMOIN", "01004": "HORS_PERIMETRE", "99999": "HORS_PERIMETRE"}
HORIZON = 90


def _mois(d: date) -> date:
    return d.replace(day=1)


def _dernier_jour(m: date) -> date:
    suivant = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
    return suivant - timedelta(days=1)


def _territoires(agence: str):
    region, dep, bassin = AGENCES[agence]
    out = [("NATIONAL", "FR"), ("AGENCE", agence)]
    if region:
        out += [("REGION", region), ("DEPARTEMENT", dep), ("BASSIN", bassin)]
    return out


def _mediane_inferieure(delais: list[int | None]) -> float | None:
    finis = sorted(d for d in delais if d is not None)
    rang = math.ceil(len(delais) / 2)
    return float(finis[rang - 1]) if rang <= len(finis) else None


def _scenario():
    """Current episodes and diagnostics (the truth), plus the raw deliveries that encode them
    with noise (older versions, tombstones, doublons, orphan diagnostics)."""
    rng = random.Random(20250331)
    agences = list(AGENCES)
    episodes, diagnostics = [], []
    for i in range(45):
        personne = f"P{i % 32}"  # some persons have two episodes (same agency)
        agence = agences[(i % 32) % len(agences)]
        debut = date(2024, 11, 10) + timedelta(days=rng.randint(0, 140))
        fin = None
        if rng.random() < 0.45:
            fin = debut + timedelta(days=rng.choice([0, 5, 20, 60, 90, 91, 100, 130]))
        ep = {"id_inscription": f"E{i:02d}", "id_personne": personne, "date_inscription": debut,
              "date_fin": fin, "motif_fin": "01" if fin else None, "code_agence": agence,
              "allocation": rng.choice(["ARE", "RSA", "ASS"]),
              "canal_inscription": rng.choice(["EN_LIGNE", "AGENCE"]),
              "annee_naissance": rng.choice([1960, 1985, 2003]), "rqth": rng.random() < 0.3}
        episodes.append(ep)
        for j in range(rng.choice([0, 1, 1, 2])):
            diagnostics.append({
                "id_diagnostic": f"D{i:02d}{j}", "id_inscription": ep["id_inscription"],
                "id_personne": personne,
                "date_diagnostic": debut + timedelta(days=rng.choice([-3, 0, 10, 45, 90, 91, 120])),
                "nature": rng.choice(["INITIAL", "INITIAL", "ACTUALISATION"]),
            })
    return episodes, diagnostics


def _livrer(entrepot, episodes, diagnostics):
    old = datetime(2024, 12, 1)
    new = datetime(2025, 3, 1)
    # An older version of some episodes (other agency, other date), replaced by date_maj.
    anciennes = [{**ep, "code_agence": "01004", "date_inscription": date(2025, 1, 2), "date_maj": old}
                 for ep in episodes[:8]]
    entrepot.inserer("inscriptions", anciennes, date_extraction=date(2025, 3, 20))
    # The current versions; for E08..E10, the same date_maj is first delivered with other values
    # in an earlier file: the later file wins.
    memes = [{**ep, "allocation": "AAH", "date_maj": new} for ep in episodes[8:11]]
    entrepot.inserer("inscriptions", memes, date_extraction=date(2025, 3, 1))
    entrepot.inserer("inscriptions", [{**ep, "date_maj": new} for ep in episodes],
                     date_extraction=date(2025, 3, 10))
    # A deleted episode, a doublon (motif 14), both with diagnostics: they count nowhere.
    fantomes = [
        {"id_inscription": "X1", "id_personne": "PX1", "date_inscription": date(2025, 2, 3),
         "code_agence": "31001", "date_maj": old},
        {"id_inscription": "X2", "id_personne": "PX2", "date_inscription": date(2025, 2, 3),
         "code_agence": "31001", "date_fin": date(2025, 2, 4), "motif_fin": "14", "date_maj": new},
    ]
    entrepot.inserer("inscriptions", fantomes, date_extraction=date(2025, 3, 10), sequence=1)
    entrepot.inserer("inscriptions", [{**fantomes[0], "supprime": True, "date_maj": new}],
                     date_extraction=date(2025, 3, 31))
    bruit = [
        {"id_diagnostic": "DX1", "id_inscription": "X1", "id_personne": "PX1",
         "date_diagnostic": date(2025, 2, 5)},
        {"id_diagnostic": "DX2", "id_inscription": "X2", "id_personne": "PX2",
         "date_diagnostic": date(2025, 2, 5)},
        {"id_diagnostic": "DX3", "id_inscription": "INCONNU", "id_personne": "PX3",
         "date_diagnostic": date(2025, 2, 5)},
        # a deleted INITIAL diagnostic of a real episode, earlier than any other: ignored
        {"id_diagnostic": "DX4", "id_inscription": "E00", "id_personne": episodes[0]["id_personne"],
         "date_diagnostic": episodes[0]["date_inscription"] + timedelta(days=1), "supprime": True,
         "date_maj": new},
    ]
    entrepot.inserer("diagnostics", [{**d, "date_maj": new} for d in diagnostics] + bruit,
                     date_extraction=date(2025, 3, 31))
    # A rejected file does not move the date d'arrêté.
    entrepot.inserer("inscriptions", [], date_extraction=date(2025, 5, 1), statut="REJETE")


def _premier_evenement(episodes, diagnostics):
    return min([e["date_inscription"] for e in episodes]
               + [d["date_diagnostic"] for d in diagnostics if d["date_diagnostic"] <= ARRETE])


def _attendu(episodes, diagnostics):
    """A1 and B1 cells computed from the truth, for dimensions ensemble and groupe_experimentation."""
    premier = _premier_evenement(episodes, diagnostics)
    mois = []
    m = _mois(premier)
    while m <= ARRETE:
        mois.append(m)
        m = _mois(_dernier_jour(m) + timedelta(days=1))
    premiers_diag = {}
    for d in sorted(diagnostics, key=lambda d: (d["date_diagnostic"], d["id_diagnostic"])):
        if d["nature"] == "INITIAL":
            premiers_diag.setdefault(d["id_inscription"], d["date_diagnostic"])

    a1, actifs = {}, set()
    for m in mois:
        fin_mois = _dernier_jour(m)
        obs = min(fin_mois, ARRETE)
        for e in episodes:
            if e["date_inscription"] <= fin_mois and (e["date_fin"] is None or e["date_fin"] >= m):
                actifs.update((m, n, t) for n, t in _territoires(e["code_agence"]))
            if e["date_inscription"] <= obs and (e["date_fin"] is None or e["date_fin"] > obs):
                for n, t in _territoires(e["code_agence"]):
                    for dim, mod in (("ensemble", "ensemble"),
                                     ("groupe_experimentation", GROUPES[e["code_agence"]])):
                        a1.setdefault((m, n, t, dim, mod), set()).add(e["id_personne"])
    a1_cells = {k: (float(len(v)), None, float(len(v)), _dernier_jour(k[0]) > ARRETE)
                for k, v in a1.items()}
    for (m, n, t) in actifs:  # zero cells where the territory has data that month
        for dim, mod in {(k[3], k[4]) for k in a1}:
            a1_cells.setdefault((m, n, t, dim, mod), (0.0, None, 0.0, _dernier_jour(m) > ARRETE))

    b1 = {}
    for e in episodes:
        m = _mois(e["date_inscription"])
        diag = premiers_diag.get(e["id_inscription"])
        diag = diag if diag is not None and diag <= ARRETE else None
        fin = e["date_fin"] if e["date_fin"] is not None and e["date_fin"] <= ARRETE else None
        if fin is not None and (fin - e["date_inscription"]).days <= HORIZON and (diag is None or diag > fin):
            continue  # left the population
        delai = None if diag is None else max(0, (diag - e["date_inscription"]).days)
        delai = delai if delai is not None and delai <= HORIZON else None
        for n, t in _territoires(e["code_agence"]):
            for dim, mod in (("ensemble", "ensemble"),
                             ("groupe_experimentation", GROUPES[e["code_agence"]])):
                b1.setdefault((m, n, t, dim, mod), []).append(delai)
    b1_cells = {
        k: (float(sum(d is not None for d in v)), float(len(v)), _mediane_inferieure(v),
            _dernier_jour(k[0]) + timedelta(days=HORIZON) > ARRETE)
        for k, v in b1.items()
    }
    return a1_cells, b1_cells, mois, b1


def _trimestres_b1(b1: dict, mois: list[date]) -> dict:
    """B1 over every complete calendar quarter of ``mois`` (named by its last month): the lower
    median of the pooled members of its three months; provisional when one of its months is."""
    cellules = {}
    for fin in (m for m in mois if m.month % 3 == 0):
        trois = [fin.replace(month=fin.month - k) for k in (2, 1, 0)]
        if not all(m in mois for m in trois):
            continue
        reunis: dict[tuple, list] = {}
        for (m, n, t, dim, mod), delais in b1.items():
            if m in trois:
                reunis.setdefault((fin, n, t, dim, mod), []).extend(delais)
        provisoire = any(_dernier_jour(m) + timedelta(days=HORIZON) > ARRETE for m in trois)
        for k, v in reunis.items():
            cellules[k] = (float(sum(d is not None for d in v)), float(len(v)), _mediane_inferieure(v), provisoire)
    return cellules


@pytest.fixture(scope="module")
def entrepot_rempli(entrepot_vide):
    episodes, diagnostics = _scenario()
    _livrer(entrepot_vide, episodes, diagnostics)
    # models and data tests on these rows (seeds are loaded, unit tests ran in the first build)
    # The scenario's deliveries hold the whole history: observe from its first event's month.
    premier = _premier_evenement(episodes, diagnostics)
    entrepot_vide.dbt(["run", "--select", "+indicateurs", "+dictionnaire", "+arrete"], vars={"premier_mois": f"{premier:%Y-%m}"})
    return entrepot_vide, episodes, diagnostics


def _cellules(entrepot, indicateur, type_periode="mois"):
    rows = entrepot.requete(
        """select periode, niveau, territoire, dimension, modalite, numerateur, denominateur,
                  valeur, provisoire
           from marts.indicateurs
           where indicateur = ? and type_periode = ? and dimension in ('ensemble', 'groupe_experimentation')""",
        [indicateur, type_periode],
    )
    return {r[:5]: tuple(r[5:]) for r in rows}


def test_dbt_a1_b1_egaux_au_calcul_independant(entrepot_rempli):
    entrepot, episodes, diagnostics = entrepot_rempli
    a1_attendu, b1_attendu, mois, _ = _attendu(episodes, diagnostics)
    assert entrepot.requete("select date_arrete from marts.arrete") == [(ARRETE,)]
    assert [r[0] for r in entrepot.requete(
        "select periode from intermediate.int_mois__calendrier order by periode")] == mois
    a1 = _cellules(entrepot, "demandeurs_fin_de_mois")
    assert a1 == a1_attendu
    b1 = _cellules(entrepot, "delai_inscription_diagnostic_median")
    assert b1 == b1_attendu
    # the scenario exercises what it is meant to
    assert any(v[2] is None for v in b1.values()), "aucune médiane nulle"
    assert any(v[2] == 0.0 for v in a1.values()), "aucune cellule à zéro"


def test_dbt_b1_trimestre_mediane_des_membres_reunis(entrepot_rempli):
    """The quarter of B1 is the median of the pooled members of its months, computed again here;
    its numerator and denominator are the sums of the monthly ones; a stock (A1) has no quarter."""
    entrepot, episodes, diagnostics = entrepot_rempli
    _, b1_mensuel, mois, b1_membres = _attendu(episodes, diagnostics)
    attendu = _trimestres_b1(b1_membres, mois)
    assert attendu, "le scénario n'a aucun trimestre complet"
    assert _cellules(entrepot, "delai_inscription_diagnostic_median", "trimestre") == attendu
    assert _cellules(entrepot, "delai_inscription_diagnostic_median", "cumul_12_mois") == {}  # < 12 mois
    assert _cellules(entrepot, "demandeurs_fin_de_mois", "trimestre") == {}
    ecarts = 0
    for (fin, n, t, dim, mod), (num, den, valeur, _) in attendu.items():
        mois_du_trimestre = [v for (m, *cle), v in b1_mensuel.items()
                             if tuple(cle) == (n, t, dim, mod) and fin.replace(month=fin.month - 2) <= m <= fin]
        assert num == sum(v[0] for v in mois_du_trimestre) and den == sum(v[1] for v in mois_du_trimestre)
        medianes = [v[2] for v in mois_du_trimestre if v[2] is not None]
        moyenne = sum(medianes) / len(medianes) if medianes else None
        ecarts += valeur != moyenne
    # e.g. months with medians (0, none, none): the pooled median is none (fewer than half of
    # the quarter diagnosed), the mean of the monthly medians would say 0
    assert ecarts > 0, "aucune médiane trimestrielle différente de la moyenne des médianes mensuelles"


def test_dbt_a1_region_egale_somme_departements(entrepot_rempli):
    entrepot, _, _ = entrepot_rempli
    ecarts = entrepot.requete(
        """with a1 as (
               select * from marts.indicateurs where indicateur = 'demandeurs_fin_de_mois'),
           deps as (
               select i.periode, d.code_region, i.dimension, i.modalite, sum(i.valeur) as total
               from a1 i join referentiel.departements d on d.code_departement = i.territoire
               where i.niveau = 'DEPARTEMENT'
               group by all)
           select r.periode, r.territoire, r.dimension, r.modalite, r.valeur, deps.total
           from a1 r join deps on deps.periode = r.periode and deps.code_region = r.territoire
               and deps.dimension = r.dimension and deps.modalite = r.modalite
           where r.niveau = 'REGION' and r.valeur <> deps.total""")
    assert ecarts == []
    assert entrepot.requete(
        "select count(*) from marts.indicateurs where niveau = 'REGION'")[0][0] > 0


def test_dbt_indicateurs_colonnes_du_contrat(entrepot_rempli):
    entrepot, _, _ = entrepot_rempli
    colonnes = entrepot.requete(
        """select column_name, data_type from information_schema.columns
           where table_schema = 'marts' and table_name = 'indicateurs' order by ordinal_position""")
    assert colonnes == [
        ("indicateur", "VARCHAR"), ("periode", "DATE"), ("type_periode", "VARCHAR"), ("niveau", "VARCHAR"),
        ("territoire", "VARCHAR"), ("dimension", "VARCHAR"), ("modalite", "VARCHAR"),
        ("numerateur", "DOUBLE"), ("denominateur", "DOUBLE"), ("valeur", "DOUBLE"),
        ("unite", "VARCHAR"), ("provisoire", "BOOLEAN"),
    ]
    # every A1 breakdown of the contract is present
    dims = {r[0] for r in entrepot.requete(
        "select distinct dimension from marts.indicateurs where indicateur = 'demandeurs_fin_de_mois'")}
    assert dims == {"ensemble", "categorie", "sexe", "tranche_age", "niveau_formation",
                    "allocation", "rqth", "qpv", "zrr", "anciennete", "groupe_experimentation"}


def test_dbt_dictionnaire_dans_le_manifeste(entrepot_rempli):
    from pipelines.dbt_runner import dictionnaire_indicateurs

    entrepot, _, _ = entrepot_rempli
    dictionnaire = dictionnaire_indicateurs(entrepot.target / "manifest.json")
    from pipelines.core.indicateurs import INDICATEURS

    produits = {r[0] for r in entrepot.requete("select distinct indicateur from marts.indicateurs")}
    # every indicator of the contract has its entry, with its number; what is produced is documented
    assert set(dictionnaire) == set(INDICATEURS)
    assert produits <= {k for k, v in dictionnaire.items() if v["statut"] == "disponible"}
    for code, fiche in dictionnaire.items():
        assert fiche["numero"] == INDICATEURS[code], code
        assert {"famille", "libelle", "unite", "definition", "population", "fenetre", "ventilations",
                "exports_sources", "territoire", "choix"} <= set(fiche), code
    for code in produits:
        dims = {r[0] for r in entrepot.requete(
            "select distinct dimension from marts.indicateurs where indicateur = ?", [code])}
        assert dims == {"ensemble", *dictionnaire[code]["ventilations"]}, code
    # types of period: a month, and a quarter for all but the stocks (the scenario has one
    # complete quarter, and fewer than 12 months)
    for code in produits:
        types = {r[0] for r in entrepot.requete(
            "select distinct type_periode from marts.indicateurs where indicateur = ?", [code])}
        assert types <= set(dictionnaire[code]["types_periode"]), code
        assert ("trimestre" in types) == ("trimestre" in dictionnaire[code]["types_periode"]), code
