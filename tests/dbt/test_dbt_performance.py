"""Family C (return to employment) end to end: hand-made raw rows -> marts.indicateurs_performance,
checked against an independent Python computation of C1 / C2 (the contract's rules written again
plainly), plus the edge cases the contract names (last day of the window with 31 August + 6 months,
tombstoned employment and accompaniment, doublon episode, employment after the date d'arrêté)."""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, timedelta

import pytest

from pipelines.core.warehouse import connect, ensure_raw_schema

from .conftest import Entrepot

# a dbt build (~20 s) behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2026, 4, 30)
PREMIER_MOIS = date(2025, 1, 1)
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31522": ("76", "31", "7625"),  # MSA_MODELE_1 since 2024-04-01
    "31354": ("76", "31", "7625"),  # MSA_MODELE_2 since 2024-04-01
    "31001": ("76", "31", "7625"),  # TEMOIN
    "09131": ("76", "09", "7612"),  # TEMOIN
    "01004": ("84", "01", "8434"),  # HORS_PERIMETRE
    "99999": (None, None, None),
}
GROUPES = {"31522": "MSA_MODELE_1", "31354": "MSA_MODELE_2", "31001": "TEMOIN",
           "09131": "TEMOIN", "01004": "HORS_PERIMETRE", "99999": "HORS_PERIMETRE"}
DIMENSIONS = ("operateur", "parcours", "modalite", "allocation", "groupe_experimentation")
NATURES = ["01", "02", "03", "07", "10", "29", "32", "60", "70", "80", "89", "90", "92", "93", "CREA"]
ANCIEN, NOUVEAU = datetime(2025, 1, 1), datetime(2026, 1, 1)


# --- the contract's rules, written again -------------------------------------------------------

def _plus_mois(d: date, n: int) -> date:
    """d + n calendar months, clamped at the end of the month."""
    m = d.month - 1 + n
    annee, mois = d.year + m // 12, m % 12 + 1
    return date(annee, mois, min(d.day, calendar.monthrange(annee, mois)[1]))


def _dernier_jour(m: date) -> date:
    return m.replace(day=calendar.monthrange(m.year, m.month)[1])


def _durable(e: dict) -> bool:
    if e["nature_contrat"] in {"01", "07", "08", "09", "50", "82", "91", "CREA"}:
        return True
    fin = e["date_fin_previsionnelle"]
    return (e["nature_contrat"] in {"02", "03", "10", "92"} and fin is not None
            and fin >= _plus_mois(e["date_debut"], 6) - timedelta(days=1))


def _emploi(e: dict) -> bool:
    fin = e["date_fin_previsionnelle"]
    return _durable(e) or (e["nature_contrat"] not in {"29", "70", "80", "81", "89"}
                           and fin is not None
                           and fin >= _plus_mois(e["date_debut"], 1) - timedelta(days=1))


def _territoires(agence: str):
    region, dep, bassin = AGENCES[agence]
    out = [("NATIONAL", "FR"), ("AGENCE", agence)]
    if region:
        out += [("REGION", region), ("DEPARTEMENT", dep), ("BASSIN", bassin)]
    return out


def _membres(episodes, accompagnements, emplois):
    """One member per episode with a first accompaniment observed in the calendar."""
    premiers = {}
    for a in sorted(accompagnements, key=lambda a: (a["date_debut"], a["id_accompagnement"])):
        premiers.setdefault(a["id_inscription"], a)
    membres = []
    for ep in episodes:
        acc = premiers.get(ep["id_inscription"])
        if acc is None or acc["date_debut"] > ARRETE or acc["date_debut"] < PREMIER_MOIS:
            continue
        debut, fin = acc["date_debut"], _plus_mois(acc["date_debut"], 6)
        reprises = [e for e in emplois if e["id_personne"] == ep["id_personne"]
                    and debut <= e["date_debut"] <= fin and e["date_debut"] <= ARRETE]
        membres.append({
            "id_inscription": ep["id_inscription"], "periode": debut.replace(day=1),
            "agence": ep["code_agence"],
            "c1": any(_emploi(e) for e in reprises), "c2": any(_durable(e) for e in reprises),
            "operateur": acc["operateur"], "parcours": acc["parcours"], "modalite": acc["modalite"],
            "allocation": ep["allocation"], "groupe_experimentation": GROUPES[ep["code_agence"]],
        })
    return membres


def _attendu(membres):
    cellules = {}
    for m in membres:
        for indicateur, cle in (("taux_retour_emploi_6m", "c1"),
                                ("taux_retour_emploi_durable_6m", "c2")):
            for niveau, territoire in _territoires(m["agence"]):
                for dim, mod in [("ensemble", "ensemble")] + [(d, m[d]) for d in DIMENSIONS]:
                    n, d = cellules.get((indicateur, m["periode"], niveau, territoire, dim, mod), (0, 0))
                    cellules[(indicateur, m["periode"], niveau, territoire, dim, mod)] = (n + m[cle], d + 1)
    return {k: (float(n), float(d), n / d, _plus_mois(_dernier_jour(k[1]), 6) > ARRETE)
            for k, (n, d) in cellules.items()}


# --- the scenario ----------------------------------------------------------------------------

def _cas_limites():
    """Hand-made episodes (truth) for each rule, with their accompaniments and employments."""
    ep = lambda i, p, ag="31001", alloc="RSA": {  # noqa: E731
        "id_inscription": i, "id_personne": p, "date_inscription": date(2025, 1, 5),
        "code_agence": ag, "allocation": alloc}
    acc = lambda i, ins, p, d, op="FT": {  # noqa: E731
        "id_accompagnement": i, "id_inscription": ins, "id_personne": p, "date_debut": d,
        "operateur": op, "parcours": "EMPLOI", "modalite": "GUIDE", "code_agence": "31001"}
    emp = lambda i, p, d, nat="01", fin=None: {  # noqa: E731
        "id_emploi": i, "id_personne": p, "date_debut": d, "nature_contrat": nat,
        "date_fin_previsionnelle": fin, "source": "DSN"}
    episodes = [
        ep("K_DERNIER_JOUR", "QK1"), ep("K_LENDEMAIN", "QK2"), ep("K_VEILLE", "QK3"),
        ep("K_CDD_6M", "QK4"), ep("K_CDD_6M_COURT", "QK5"), ep("K_CDD_SANS_FIN", "QK6"),
        ep("K_STAGE", "QK7"), ep("K_EMPLOI_SUPPRIME", "QK8"), ep("K_ACC_SUPPRIME", "QK9"),
        ep("K_APRES_ARRETE", "QK10"), ep("K_EMPLOI_DEPLACE", "QK11", "99999", "ARE"),
    ]
    accompagnements = [
        acc("KA1", "K_DERNIER_JOUR", "QK1", date(2025, 8, 31)),
        acc("KA2", "K_LENDEMAIN", "QK2", date(2025, 8, 31)),
        acc("KA3", "K_VEILLE", "QK3", date(2025, 8, 10)),
        acc("KA4", "K_CDD_6M", "QK4", date(2025, 8, 10), "ML"),
        acc("KA5", "K_CDD_6M_COURT", "QK5", date(2025, 8, 10), "ML"),
        acc("KA6", "K_CDD_SANS_FIN", "QK6", date(2025, 8, 10), "CD"),
        acc("KA7", "K_STAGE", "QK7", date(2025, 8, 10), "CD"),
        acc("KA8", "K_EMPLOI_SUPPRIME", "QK8", date(2025, 8, 10)),
        # KA9a (earlier) is tombstoned below: KA9b is the first, the cohort is May's
        acc("KA9b", "K_ACC_SUPPRIME", "QK9", date(2025, 5, 20), "CAP_EMPLOI"),
        acc("KA10", "K_APRES_ARRETE", "QK10", date(2026, 1, 15)),
        acc("KA11", "K_EMPLOI_DEPLACE", "QK11", date(2025, 6, 2)),
    ]
    emplois = [
        emp("KE1", "QK1", date(2026, 2, 28)),  # 31 Aug + 6 months = 28 Feb: last day, reached
        emp("KE2", "QK2", date(2026, 3, 1)),  # the day after: not reached
        emp("KE3", "QK3", date(2025, 8, 9)),  # the day before the accompaniment: not reached
        emp("KE4", "QK4", date(2025, 9, 1), "02", date(2026, 2, 28)),  # 6 months - 1 day: durable
        emp("KE5", "QK5", date(2025, 9, 1), "02", date(2026, 2, 27)),  # one day less: emploi only
        emp("KE6", "QK6", date(2025, 9, 1), "02"),  # CDD without planned end: nothing
        emp("KE7", "QK7", date(2025, 9, 1), "29", date(2026, 9, 1)),  # internship: nothing
        emp("KE9", "QK9", date(2025, 6, 1)),  # within KA9b's window, before KA9a's would end
        emp("KE10", "QK10", date(2026, 5, 10)),  # within the horizon, after the date d'arrêté
        # KE11's current version moves it after the window (delivered below)
        emp("KE11", "QK11", date(2026, 1, 10)),
    ]
    return episodes, accompagnements, emplois


def _scenario():
    rng = random.Random(20260430)
    agences = list(AGENCES)
    episodes, accompagnements, emplois = [], [], []
    for i in range(60):
        personne = f"Q{i % 45}"  # some persons have two episodes (employments shared)
        agence = agences[(i % 45) % len(agences)]
        inscription = date(2025, 1, 1) + timedelta(days=rng.randint(0, 400))
        episodes.append({"id_inscription": f"F{i:02d}", "id_personne": personne,
                         "date_inscription": inscription, "code_agence": agence,
                         "allocation": rng.choice(["ARE", "RSA", "ASS"])})
        for j in range(rng.choice([0, 1, 1, 2, 3])):
            accompagnements.append({
                "id_accompagnement": f"FA{i:02d}{j}", "id_inscription": f"F{i:02d}",
                "id_personne": personne,
                # ties on date_debut on purpose (smallest key wins)
                "date_debut": inscription + timedelta(days=rng.choice([0, 10, 10, 31, 60, 150])),
                "operateur": rng.choice(["FT", "ML", "CD", "CAP_EMPLOI"]),
                "parcours": rng.choice(["EMPLOI", "SOCIO_PRO", "SOCIAL"]),
                "modalite": rng.choice(["GUIDE", "SUIVI", "RENFORCE"]), "code_agence": agence})
    for k in range(45):
        for j in range(rng.choice([0, 1, 2, 3])):
            debut = date(2025, 1, 1) + timedelta(days=rng.randint(0, 560))
            fin = rng.choice([None, debut + timedelta(days=20), _plus_mois(debut, 1) - timedelta(days=1),
                              _plus_mois(debut, 1) - timedelta(days=2),
                              _plus_mois(debut, 6) - timedelta(days=1),
                              _plus_mois(debut, 6) - timedelta(days=2), debut + timedelta(days=400)])
            emplois.append({"id_emploi": f"FE{k:02d}{j}", "id_personne": f"Q{k}", "date_debut": debut,
                            "nature_contrat": rng.choice(NATURES), "date_fin_previsionnelle": fin,
                            "source": "DPAE"})
    k_ep, k_acc, k_emp = _cas_limites()
    return episodes + k_ep, accompagnements + k_acc, emplois + k_emp


def _livrer(entrepot, episodes, accompagnements, emplois):
    """The truth delivered with noise: tombstones, older versions, a doublon episode."""
    x = date(2026, 4, 30)
    entrepot.inserer("inscriptions", [{**e, "date_maj": NOUVEAU} for e in episodes], date_extraction=x)
    # a doublon episode (motif 14) with an accompaniment and a CDI: counts nowhere
    entrepot.inserer("inscriptions", [{
        "id_inscription": "K_DOUBLON", "id_personne": "QK1", "date_inscription": date(2025, 8, 1),
        "date_fin": date(2025, 8, 2), "motif_fin": "14", "code_agence": "31001", "date_maj": NOUVEAU}],
        date_extraction=x, sequence=1)
    bruit_acc = [
        {"id_accompagnement": "KA9a", "id_inscription": "K_ACC_SUPPRIME", "id_personne": "QK9",
         "date_debut": date(2025, 3, 1), "operateur": "FT", "parcours": "EMPLOI", "modalite": "GUIDE",
         "code_agence": "31001", "date_maj": ANCIEN},
        {"id_accompagnement": "KA_DOUBLON", "id_inscription": "K_DOUBLON", "id_personne": "QK1",
         "date_debut": date(2025, 9, 1), "operateur": "FT", "parcours": "EMPLOI", "modalite": "GUIDE",
         "code_agence": "31001", "date_maj": NOUVEAU},
    ]
    entrepot.inserer("accompagnements", [{**a, "date_maj": NOUVEAU} for a in accompagnements] + bruit_acc,
                     date_extraction=x)
    entrepot.inserer("accompagnements", [{**bruit_acc[0], "supprime": True, "date_maj": NOUVEAU}],
                     date_extraction=x, sequence=1)
    bruit_emp = [
        {"id_emploi": "KE8", "id_personne": "QK8", "date_debut": date(2025, 9, 1), "nature_contrat": "01",
         "source": "DPAE", "date_maj": ANCIEN},
        {"id_emploi": "KE11", "id_personne": "QK11", "date_debut": date(2025, 7, 1),
         "nature_contrat": "01", "source": "DPAE", "date_maj": ANCIEN},
    ]
    entrepot.inserer("emplois", bruit_emp, date_extraction=date(2025, 10, 1))
    entrepot.inserer("emplois", [{**e, "date_maj": NOUVEAU} for e in emplois]
                     + [{**bruit_emp[0], "supprime": True, "date_maj": NOUVEAU}], date_extraction=x)


@pytest.fixture(scope="module")
def entrepot_performance(tmp_path_factory):
    # Own warehouse, built for this family and its upstream only (seeds and models): the
    # family's cells do not depend on the other families' models.
    path = tmp_path_factory.mktemp("entrepot_performance") / "socle.duckdb"
    with connect(path) as con:
        ensure_raw_schema(con)
    entrepot = Entrepot(path, tmp_path_factory.mktemp("dbt_target_performance"))
    episodes, accompagnements, emplois = _scenario()
    _livrer(entrepot, episodes, accompagnements, emplois)
    entrepot.dbt(["build", "--select", "+indicateurs_performance", "--exclude", "resource_type:test", "test_type:unit"],
                 vars={"premier_mois": f"{PREMIER_MOIS:%Y-%m}"})
    return entrepot, _membres(episodes, accompagnements, emplois)


def _cellules(entrepot):
    rows = entrepot.requete(
        """select indicateur, periode, niveau, territoire, dimension, modalite,
                  numerateur, denominateur, valeur, provisoire
           from marts.indicateurs_performance""")
    return {r[:6]: tuple(r[6:]) for r in rows}


def test_dbt_performance_egal_au_calcul_independant(entrepot_performance):
    entrepot, membres = entrepot_performance
    assert entrepot.requete("select date_arrete from intermediate.int_arrete__date") == [(ARRETE,)]
    obtenu, attendu = _cellules(entrepot), _attendu(membres)
    assert obtenu.keys() == attendu.keys()
    for cle, (n, d, v, prov) in attendu.items():
        assert obtenu[cle][0] == n and obtenu[cle][1] == d and obtenu[cle][3] == prov, cle
        assert obtenu[cle][2] == pytest.approx(v), cle
    # the scenario exercises what it is meant to
    assert any(v[3] for v in attendu.values()) and not all(v[3] for v in attendu.values())
    assert any(m["c1"] and not m["c2"] for m in membres)
    assert any(m["c2"] for m in membres) and any(not m["c1"] for m in membres)


def test_dbt_performance_cas_limites(entrepot_performance):
    entrepot, _ = entrepot_performance
    lignes = entrepot.requete(
        """select cle, periode, id_accompagnement, retour_emploi, retour_emploi_durable
           from intermediate.int_membres__c_retour_emploi_6m where cle like 'K%'""")
    membres = {r[0]: r[1:] for r in lignes}
    attendu = {
        "K_DERNIER_JOUR": (date(2025, 8, 1), "KA1", True, True),
        "K_LENDEMAIN": (date(2025, 8, 1), "KA2", False, False),
        "K_VEILLE": (date(2025, 8, 1), "KA3", False, False),
        "K_CDD_6M": (date(2025, 8, 1), "KA4", True, True),
        "K_CDD_6M_COURT": (date(2025, 8, 1), "KA5", True, False),
        "K_CDD_SANS_FIN": (date(2025, 8, 1), "KA6", False, False),
        "K_STAGE": (date(2025, 8, 1), "KA7", False, False),
        "K_EMPLOI_SUPPRIME": (date(2025, 8, 1), "KA8", False, False),
        "K_ACC_SUPPRIME": (date(2025, 5, 1), "KA9b", True, True),
        "K_APRES_ARRETE": (date(2026, 1, 1), "KA10", False, False),
        "K_EMPLOI_DEPLACE": (date(2025, 6, 1), "KA11", False, False),
    }
    # the doublon episode is in no cohort, although its person has a CDI in its window
    assert membres == attendu


def test_dbt_performance_ventilations_du_contrat(entrepot_performance):
    entrepot, _ = entrepot_performance
    for indicateur in ("taux_retour_emploi_6m", "taux_retour_emploi_durable_6m"):
        dims = {r[0] for r in entrepot.requete(
            "select distinct dimension from marts.indicateurs_performance where indicateur = ?",
            [indicateur])}
        assert dims == {"ensemble", *DIMENSIONS}
    # an agency outside the referential counts only at AGENCE and NATIONAL
    niveaux = {r[0] for r in entrepot.requete(
        """select distinct niveau from marts.indicateurs_performance
           where periode = '2025-06-01' and dimension = 'allocation' and modalite = 'ARE'
             and territoire in ('99999', 'FR')""")}
    assert niveaux == {"AGENCE", "NATIONAL"}
