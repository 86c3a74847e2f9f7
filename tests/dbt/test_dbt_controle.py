"""Family D end to end through dbt: hand-made raw rows (with corrections, tombstones, deleted
episodes, decisions after the date d'arrêté) -> marts.indicateurs_controle, checked against an
independent Python computation of D1 to D7 (the contract's rules, written again plainly)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from .conftest import dernier_jour, territoires

# a dbt build behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2025, 3, 20)  # imposed: decisions of 21-31 March are not observed yet
MOIS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31522": ("76", "31", "7625"),  # MSA_MODELE_1 from 2024-04-01
    "31001": ("76", "31", "7625"),  # TEMOIN
    "09131": ("76", "09", "7612"),  # TEMOIN
    "01004": ("84", "01", "8434"),  # HORS_PERIMETRE
    "99999": (None, None, None),
}
GROUPES = {"31522": "MSA_MODELE_1", "31001": "TEMOIN", "09131": "TEMOIN",
           "01004": "HORS_PERIMETRE", "99999": "HORS_PERIMETRE"}
DECIDEES = ("RECHERCHE_ACTIVE", "REDYNAMISATION", "SANCTION")
NEW = datetime(2025, 3, 1)
OLD = datetime(2024, 12, 1)


def _mois(d: date) -> date:
    return d.replace(day=1)




def _scenario():
    rng = random.Random(20250320)
    agences = list(AGENCES)
    episodes = [{"id_inscription": f"E{i:02d}", "id_personne": f"P{i:02d}",
                 "date_inscription": date(2024, 10, 1), "code_agence": agences[i % len(agences)]}
                for i in range(20)]
    controles = []
    for i in range(90):
        ep = episodes[i % len(episodes)]
        ouverture = date(2024, 12, 1) + timedelta(days=rng.randint(0, 100))
        issue = rng.choice(DECIDEES + DECIDEES + ("EN_COURS", "SANS_OBJET"))
        decision = None if issue == "EN_COURS" else ouverture + timedelta(days=rng.choice([0, 7, 30, 31, 59]))
        controles.append({
            "id_controle": f"C{i:03d}", "id_personne": ep["id_personne"],
            "id_inscription": ep["id_inscription"], "date_ouverture": ouverture,
            "origine": rng.choice(["ALEATOIRE", "ALERTE_GL"]), "procedure": rng.choice(["SIMPLE", "CLASSIQUE"]),
            "code_plateforme": "PF1", "date_decision": decision, "issue": issue,
        })
    for c in controles:  # the 2025 scale: type, duration (none at times), appeal (none recorded at times)
        if c["issue"] == "SANCTION":
            c["sanction"] = rng.choice(["SUSPENSION_PARTIELLE", "SUSPENSION_TOTALE", "SUPPRESSION_TOTALE", "RADIATION", None])
            c["sanction_duree_mois"] = rng.choice([None, 1, 2, 3, 4, 5, 12])
            c["recours"] = rng.choice([None, "AUCUN", "AUCUN", "EN_COURS", "RAPO_ACCEPTE", "RAPO_REJETE"])
    manquements = []
    suites = ["EN_COURS", "MOTIF_LEGITIME", "AVERTISSEMENT", "TRANSMIS_CRE", "TRANSMIS_CRE",
              "SANCTION", "CLASSE_SANS_SUITE"]
    for i in range(120):
        ep = episodes[i % len(episodes)]
        dm = date(2025, 1, 1) + timedelta(days=rng.randint(0, 85))
        suite = rng.choice(suites)
        controle = None
        if suite == "TRANSMIS_CRE" or rng.random() < 0.1:
            controle = rng.choice([c["id_controle"] for c in controles] + ["C_ABSENT", "C_SUPPRIME"])
        manquements.append({
            "id_manquement": f"M{i:03d}", "id_personne": ep["id_personne"],
            "id_inscription": ep["id_inscription"], "date_manquement": dm,
            "type_manquement": rng.choice(["ABSENCE_RDV", "ABSENCE_FORMATION"]), "suite": suite,
            "date_suite": None if suite == "EN_COURS" else dm + timedelta(days=rng.choice([0, 10, 40])),
            "id_controle": controle, "code_agence": "01004",  # not used: the episode's agency counts
        })
    return episodes, controles, manquements


def _livrer(entrepot, episodes, controles, manquements):
    entrepot.inserer("inscriptions", [{**e, "date_maj": NEW} for e in episodes])
    # a deleted episode and a doublon, each with a decided control and a breach: they count nowhere
    fantomes = [
        {"id_inscription": "X1", "id_personne": "PX1", "date_inscription": date(2024, 10, 1),
         "code_agence": "31001", "date_maj": OLD},
        {"id_inscription": "X2", "id_personne": "PX2", "date_inscription": date(2024, 10, 1),
         "code_agence": "31001", "date_fin": date(2024, 10, 3), "motif_fin": "14", "date_maj": NEW},
    ]
    entrepot.inserer("inscriptions", fantomes, date_extraction=date(2025, 3, 10))
    entrepot.inserer("inscriptions", [{**fantomes[0], "supprime": True, "date_maj": NEW}],
                     date_extraction=date(2025, 3, 15))
    # older versions: a decision moved from January to February by a correction, another control
    # first delivered as decided, now deleted (tombstone)
    corrige = controles[0]
    entrepot.inserer("controles", [
        {**corrige, "issue": "SANCTION", "date_decision": date(2025, 1, 15),
         "date_ouverture": date(2025, 1, 2), "date_maj": OLD},
        {"id_controle": "C_SUPPRIME", "id_personne": "P00", "id_inscription": "E00",
         "date_ouverture": date(2025, 1, 2), "origine": "ALEATOIRE", "procedure": "SIMPLE",
         "code_plateforme": "PF1", "date_decision": date(2025, 1, 20), "issue": "SANCTION", "date_maj": OLD},
    ], date_extraction=date(2025, 3, 1))
    controles[0] = {**corrige, "issue": "REDYNAMISATION", "date_ouverture": date(2025, 1, 2),
                    "date_decision": date(2025, 2, 3)}
    bruit = [
        {"id_controle": "C_SUPPRIME", "id_personne": "P00", "id_inscription": "E00",
         "date_ouverture": date(2025, 1, 2), "origine": "ALEATOIRE", "procedure": "SIMPLE",
         "code_plateforme": "PF1", "date_decision": date(2025, 1, 20), "issue": "SANCTION",
         "supprime": True},
        {"id_controle": "CX1", "id_personne": "PX1", "id_inscription": "X1",
         "date_ouverture": date(2025, 1, 2), "origine": "ALEATOIRE", "procedure": "SIMPLE",
         "code_plateforme": "PF1", "date_decision": date(2025, 1, 20), "issue": "SANCTION"},
        {"id_controle": "CX2", "id_personne": "PX2", "id_inscription": "X2",
         "date_ouverture": date(2025, 1, 2), "origine": "ALEATOIRE", "procedure": "SIMPLE",
         "code_plateforme": "PF1", "date_decision": date(2025, 1, 20), "issue": "SANCTION"},
    ]
    entrepot.inserer("controles", [{**c, "date_maj": NEW} for c in controles + bruit])
    entrepot.inserer("manquements", [{**m, "date_maj": NEW} for m in manquements] + [
        {"id_manquement": "MX1", "id_personne": "PX1", "id_inscription": "X1",
         "date_manquement": date(2025, 1, 5), "type_manquement": "ABSENCE_RDV", "suite": "SANCTION",
         "date_suite": date(2025, 1, 10), "code_agence": "31001", "date_maj": NEW},
    ])


def _attendu(episodes, controles, manquements):
    agence = {e["id_inscription"]: e["code_agence"] for e in episodes}
    d1, d2, d3, d4, d5, d6, d7 = {}, {}, {}, {}, {}, {}, {}
    for c in controles:
        dd = c["date_decision"]
        if c["issue"] not in DECIDEES or dd is None or dd > ARRETE or _mois(dd) < MOIS[0]:
            continue  # not decided, not yet observed, or before the first month of the calendar
        m, ag = _mois(dd), agence[c["id_inscription"]]
        groupe = GROUPES[ag]
        for n, t in territoires(AGENCES, ag):
            for dim, mod in (("ensemble", "ensemble"), ("issue", c["issue"])):
                d1.setdefault((m, n, t, dim, mod), []).append(c)
            for dim, mod in (("ensemble", "ensemble"), ("groupe_experimentation", groupe),
                             ("procedure", c["procedure"])):
                d2.setdefault((m, n, t, dim, mod), []).append(c["issue"] == "SANCTION")
            d3.setdefault((m, n, t, "ensemble", "ensemble"), []).append((dd - c["date_ouverture"]).days)
            if c["issue"] != "SANCTION":
                continue
            duree = c.get("sanction_duree_mois")
            tranche = ("non_renseignee" if duree is None else "1" if duree == 1 else "2" if duree == 2
                       else "3_4" if duree <= 4 else "5_plus")
            for dim, mod in (("ensemble", "ensemble"), ("sanction", c.get("sanction") or "non_renseigne"),
                             ("duree", tranche)):
                d5.setdefault((m, n, t, dim, mod), []).append(c)
            recours = c.get("recours")
            d6.setdefault((m, n, t, "ensemble", "ensemble"), []).append(recours in ("EN_COURS", "RAPO_ACCEPTE", "RAPO_REJETE"))
            if recours in ("RAPO_ACCEPTE", "RAPO_REJETE"):
                d7.setdefault((m, n, t, "ensemble", "ensemble"), []).append(recours == "RAPO_ACCEPTE")

    def provisoire(m):
        return dernier_jour(m) > ARRETE

    issue_controle = {}
    for c in controles:
        issue = c["issue"]
        if c["date_decision"] is not None and c["date_decision"] > ARRETE:
            issue = "EN_COURS"
        issue_controle[c["id_controle"]] = issue
    for b in manquements:
        if b["date_manquement"] > ARRETE:
            continue
        m = _mois(b["date_manquement"])
        suite = b["suite"]
        if b["date_suite"] is not None and b["date_suite"] > ARRETE:
            suite = "EN_COURS"
        ic = issue_controle.get(b["id_controle"])
        connue = suite != "EN_COURS" and (suite != "TRANSMIS_CRE" or (ic is not None and ic != "EN_COURS"))
        if not connue:
            continue
        sanction = suite == "SANCTION" or ic == "SANCTION"
        for n, t in territoires(AGENCES, agence[b["id_inscription"]]):
            for dim, mod in (("ensemble", "ensemble"), ("type_manquement", b["type_manquement"])):
                d4.setdefault((m, n, t, dim, mod), []).append(sanction)

    def mediane(v):
        v = sorted(v)
        return float(v[(len(v) + 1) // 2 - 1])

    return {
        "controles_decides": {k: (float(len(v)), None, float(len(v)), provisoire(k[0])) for k, v in d1.items()},
        "taux_sanction_cre": {k: (float(sum(v)), float(len(v)), sum(v) / len(v), provisoire(k[0])) for k, v in d2.items()},
        "delai_controle_median": {k: (float(len(v)), float(len(v)), mediane(v), provisoire(k[0])) for k, v in d3.items()},
        "taux_sanction_manquements": {
            k: (float(sum(v)), float(len(v)), sum(v) / len(v), provisoire(k[0]))
            for k, v in d4.items()},
        "sanctions_prononcees": {k: (float(len(v)), None, float(len(v)), provisoire(k[0])) for k, v in d5.items()},
        "taux_recours_sanctions": {k: (float(sum(v)), float(len(v)), sum(v) / len(v), provisoire(k[0])) for k, v in d6.items()},
        "taux_rapo_acceptes": {k: (float(sum(v)), float(len(v)), sum(v) / len(v), provisoire(k[0])) for k, v in d7.items()},
    }


@pytest.fixture(scope="module")
def entrepot_controle(entrepot_vide):
    episodes, controles, manquements = _scenario()
    _livrer(entrepot_vide, episodes, controles, manquements)
    entrepot_vide.dbt(["run", "--select", "+indicateurs_controle"], vars={"premier_mois": "2025-01", "date_arrete": f"{ARRETE}"})
    return entrepot_vide, episodes, controles, manquements


DIMENSIONS = {
    "controles_decides": ("ensemble", "issue"),
    "taux_sanction_cre": ("ensemble", "groupe_experimentation", "procedure"),
    "delai_controle_median": ("ensemble",),
    "taux_sanction_manquements": ("ensemble", "type_manquement"),
    "sanctions_prononcees": ("ensemble", "sanction", "duree"),
    "taux_recours_sanctions": ("ensemble",),
    "taux_rapo_acceptes": ("ensemble",),
}


@pytest.mark.parametrize("indicateur", list(DIMENSIONS))
def test_dbt_controle_egal_au_calcul_independant(entrepot_controle, indicateur):
    entrepot, episodes, controles, manquements = entrepot_controle
    attendu = _attendu(episodes, controles, manquements)[indicateur]
    rows = entrepot.requete(
        f"""select periode, niveau, territoire, dimension, modalite, numerateur, denominateur,
                   valeur, provisoire
            from marts.indicateurs_controle
            where indicateur = ? and type_periode = 'mois'
              and dimension in ({', '.join('?' * len(DIMENSIONS[indicateur]))})""",
        [indicateur, *DIMENSIONS[indicateur]],
    )
    obtenu = {r[:5]: tuple(r[5:]) for r in rows}
    assert obtenu.keys() == attendu.keys()
    for k, v in attendu.items():
        assert obtenu[k] == pytest.approx(v), k


def test_dbt_controle_d3_trimestre_sur_les_controles_reunis(entrepot_controle):
    """D3 over the first quarter: the lower median of the controls of its three months pooled,
    numerator and denominator the sums of the monthly ones; provisional (March is not over at
    the date d'arrêté)."""
    entrepot, episodes, controles, manquements = entrepot_controle
    mensuel = _attendu(episodes, controles, manquements)["delai_controle_median"]
    agence = {e["id_inscription"]: e["code_agence"] for e in episodes}
    delais: dict[tuple, list] = {}
    for c in controles:
        dd = c["date_decision"]
        if c["issue"] in DECIDEES and dd is not None and dd <= ARRETE and _mois(dd) >= MOIS[0]:
            for n, t in territoires(AGENCES, agence[c["id_inscription"]]):
                delais.setdefault((n, t), []).append((dd - c["date_ouverture"]).days)
    attendu = {k: (float(len(v)), float(len(v)), float(sorted(v)[(len(v) + 1) // 2 - 1]), True)
               for k, v in delais.items()}
    rows = entrepot.requete(
        """select niveau, territoire, numerateur, denominateur, valeur, provisoire
           from marts.indicateurs_controle
           where indicateur = 'delai_controle_median' and type_periode = 'trimestre'
             and periode = date '2025-03-01'""")
    assert {r[:2]: tuple(r[2:]) for r in rows} == attendu
    for (n, t), (num, den, _, _) in attendu.items():
        mois = [v for k, v in mensuel.items() if k[1:3] == (n, t)]
        assert num == sum(v[0] for v in mois) and den == sum(v[1] for v in mois)
    assert entrepot.requete(
        "select count(*) from marts.indicateurs_controle where type_periode <> 'mois' "
        "and indicateur <> 'delai_controle_median'") == [(0,)]


def test_dbt_controle_scenario_exerce_les_regles(entrepot_controle):
    entrepot, _, _, _ = entrepot_controle
    # the corrected control counts in February only, the deleted ones nowhere
    membres = dict(entrepot.requete(
        "select cle, periode from intermediate.int_membres__d1_d3_controles_decides"))
    assert membres["C000"] == date(2025, 2, 1)
    assert not {"C_SUPPRIME", "CX1", "CX2"} & set(membres)
    d4 = {r[0] for r in entrepot.requete("select cle from intermediate.int_membres__d4_manquements")}
    assert "MX1" not in d4
    # D4's window is the month: a closed month is final even with an outcome still unknown
    # (such a breach stays out of the denominator); March (month of the arrêté) is provisional
    provisoires = dict(entrepot.requete(
        """select periode, bool_or(provisoire) from marts.indicateurs_controle
           where indicateur = 'taux_sanction_manquements' group by periode"""))
    assert provisoires[date(2025, 3, 1)] is True
    assert not any(provisoires[m] for m in MOIS[:2] if m in provisoires)
