"""Family H end to end through dbt: hand-made raw rows (advisers across agencies, portfolios of
70 and 71, ties, corrections, tombstones, deleted episodes, interviews of every statut, idle
platforms) -> marts.indicateurs_charge, checked against an independent Python computation of H1
to H6 (the contract's rules, written again plainly); then H1/H2 (stocks), H5 (a ratio over a
quarter) and H6 (its own level) in marts.indicateurs."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from .conftest import dernier_jour, territoires

# a dbt build behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2025, 3, 20)  # imposed: March is observed on the 20th, its events of 21-31 not yet
MOIS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31001": ("76", "31", "7625"),
    "31002": ("76", "31", "7625"),
    "09131": ("76", "09", "7612"),
    "01004": ("84", "01", "8434"),
    "31522": ("76", "31", "7625"),
    "99999": (None, None, None),
}
# the agencies of the accompaniments and interviews; the episodes' are others (31522, 01004):
# a cell attributed to the episode's agency would show up there.
AGENCES_ACTIVITE = ["31001", "31002", "09131", "99999"]
DECIDEES = ("RECHERCHE_ACTIVE", "REDYNAMISATION", "SANCTION")
STATUTS = ("PLANIFIE", "REALISE", "ABSENT", "ANNULE", "REPORTE")
NEW = datetime(2025, 3, 1)
OLD = datetime(2024, 12, 1)


def _mois(d: date) -> date:
    return d.replace(day=1)



def _provisoire(m: date) -> bool:
    return dernier_jour(m) > ARRETE



def _accompagnement(cle, ep, agence, conseiller, debut, fin=None, modalite="SUIVI"):
    return {"id_accompagnement": cle, "id_personne": ep["id_personne"],
            "id_inscription": ep["id_inscription"], "operateur": "FT", "parcours": "EMPLOI",
            "modalite": modalite, "date_debut": debut, "date_fin": fin,
            "motif_fin": None if fin is None else "FIN_DE_DUREE", "code_agence": agence,
            "id_conseiller": conseiller}


def _entretien(cle, ep, statut, jour, agence, duree=None, type_entretien="SUIVI",
               contact="PRESENTIEL", operateur="FT"):
    return {"id_entretien": cle, "id_personne": ep["id_personne"],
            "id_inscription": ep["id_inscription"], "type_entretien": type_entretien,
            "date_entretien": jour, "statut": statut, "duree_minutes": duree,
            "modalite_contact": contact, "operateur": operateur, "code_agence": agence,
            "id_conseiller": "C01"}


def _controle(cle, ep, plateforme, decision, issue="SANCTION"):
    ouverture = (decision or date(2025, 1, 2)) - timedelta(days=10)
    return {"id_controle": cle, "id_personne": ep["id_personne"],
            "id_inscription": ep["id_inscription"], "date_ouverture": ouverture,
            "origine": "ALEATOIRE", "procedure": "SIMPLE", "code_plateforme": plateforme,
            "date_decision": decision, "issue": issue}


def _scenario():
    """The current records (the truth, those of the deleted episode and of the doublon included:
    the computation drops them), and the older versions and tombstones delivered as noise."""
    rng = random.Random(20250320)
    episodes = [{"id_inscription": f"E{i:02d}", "id_personne": f"P{i:02d}",
                 "date_inscription": date(2024, 10, 1), "code_agence": ("31522", "01004")[i % 2]}
                for i in range(20)]
    # X1 deleted (tombstone), X2 a doublon (motif_fin 14): neither exists
    x1 = {"id_inscription": "X1", "id_personne": "PX1"}
    x2 = {"id_inscription": "X2", "id_personne": "PX2"}
    ep = lambda i: episodes[i % len(episodes)]  # noqa: E731
    modalites = ("SUIVI", "GUIDE", "RENFORCE")

    acc, anciens, supprimes = [], [], []
    # C70: 35 in 31002 and 35 in 09131 all quarter: 70, not more than 70; a tie, to 09131
    for i in range(70):
        acc.append(_accompagnement(f"A70_{i:02d}", ep(i), "31002" if i < 35 else "09131", "C70",
                                   date(2024, 12, 1), modalite=modalites[i % 3]))
    # C71: 40 in 31001 and 31 in 99999 (not in the referential): 71 on 31 January; one of
    # 31001 ends on 28 February exactly (not in progress that day: 70); one more in 99999 from
    # 20 March (the date d'arrêté: in progress on March's observation day, 71 again)
    for i in range(71):
        acc.append(_accompagnement(f"A71_{i:02d}", ep(i), "31001" if i < 40 else "99999", "C71",
                                   date(2024, 12, 1), fin=date(2025, 2, 28) if i == 0 else None,
                                   modalite=modalites[i % 3]))
    acc.append(_accompagnement("A71_XX", ep(3), "99999", "C71", date(2025, 3, 20), modalite="GUIDE"))
    # boundaries of the stock on each observation day
    acc += [
        _accompagnement("B_FIN_L1", ep(1), "31001", "C01", date(2025, 1, 5), fin=date(2025, 1, 31)),
        _accompagnement("B_FIN_L3", ep(2), "31002", "C02", date(2025, 1, 5), fin=date(2025, 3, 20)),
        _accompagnement("B_APRES_ARRETE", ep(3), "31002", "C02", date(2025, 3, 21)),
        _accompagnement("B_FIN_APRES_ARRETE", ep(4), "09131", "C03", date(2025, 1, 5), fin=date(2025, 3, 25)),
        _accompagnement("B_VIDE", ep(5), "31001", "", date(2025, 1, 5)),
        _accompagnement("B_NUL", ep(6), "31001", None, date(2025, 1, 5)),
        # an adviser working only in the agency missing from the referential
        _accompagnement("B_9_1", ep(7), "99999", "C09", date(2025, 1, 5), modalite="GLOBAL"),
        _accompagnement("B_9_2", ep(8), "99999", "C09", date(2025, 2, 5), modalite="GUIDE"),
        # of episodes that do not exist
        _accompagnement("B_X1", x1, "31001", "C01", date(2025, 1, 5)),
        _accompagnement("B_X2", x2, "31001", "C01", date(2025, 1, 5)),
    ]
    # corrections: the adviser and the agency changed; the adviser removed
    corrige = _accompagnement("B_CORR", ep(9), "09131", "C03", date(2025, 1, 5), modalite="RENFORCE")
    anciens.append({**corrige, "code_agence": "31001", "id_conseiller": "C02", "modalite": "SUIVI"})
    sans = _accompagnement("B_SANS", ep(10), "31002", None, date(2025, 1, 5))
    anciens.append({**sans, "id_conseiller": "C02"})
    acc += [corrige, sans]
    supprimes.append(_accompagnement("B_SUPPR", ep(11), "31001", "C01", date(2025, 1, 5)))
    # a random crowd of advisers holding a few accompaniments in one or several agencies
    conseillers = ["C01", "C02", "C03", "C04", "C05", "C06", "", None]
    for i in range(70):
        debut = date(2024, 11, 1) + timedelta(days=rng.randint(0, 150))
        fin = rng.choice([None, None, debut + timedelta(days=rng.randint(0, 90)),
                          date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 20)])
        if fin is not None and fin < debut:
            fin = debut
        acc.append(_accompagnement(f"R{i:03d}", ep(i), rng.choice(AGENCES_ACTIVITE),
                                   rng.choice(conseillers), debut, fin,
                                   rng.choice(("SUIVI", "GUIDE", "RENFORCE", "GLOBAL"))))

    ent, ent_anciens, ent_supprimes = [], [], []
    for i in range(120):
        statut = rng.choice(STATUTS)
        jour = date(2024, 12, 20) + timedelta(days=rng.randint(0, 101))
        duree = rng.choice([None, 0, 15, 30, 45, 60]) if statut == "REALISE" else None
        ent.append(_entretien(f"N{i:03d}", ep(i), statut, jour, rng.choice(AGENCES_ACTIVITE), duree,
                              rng.choice(("EDO", "EDA", "DIAGNOSTIC_PARTAGE", "SUIVI")),
                              rng.choice(("TELEPHONE", "PRESENTIEL", "VISIO")),
                              rng.choice(("FT", "ML", "CAP_EMPLOI", "CD"))))
    ent += [
        _entretien("N_ARRETE", ep(1), "REALISE", ARRETE, "31001", 40),
        _entretien("N_APRES", ep(2), "REALISE", ARRETE + timedelta(days=1), "31001", 40),
        _entretien("N_ABS_APRES", ep(2), "ABSENT", ARRETE + timedelta(days=1), "31001"),
        _entretien("N_SANS_DUREE", ep(3), "REALISE", date(2025, 2, 10), "31002", None, "EDO"),
        _entretien("N_ABS_DUREE", ep(3), "ABSENT", date(2025, 2, 11), "31002", 30, "EDO"),
        _entretien("N_99999", ep(4), "REALISE", date(2025, 1, 10), "99999", 25, "EDA"),
        _entretien("N_X1", x1, "REALISE", date(2025, 1, 10), "31001", 30),
        _entretien("N_X2", x2, "ABSENT", date(2025, 1, 10), "31001"),
    ] + [_entretien(f"N_{s}", ep(5), s, date(2025, 1, 15), "09131", 30 if s == "REALISE" else None)
         for s in STATUTS]
    corrige = _entretien("N_CORR", ep(6), "ABSENT", date(2025, 2, 3), "09131", None, "EDA")
    ent_anciens.append({**corrige, "statut": "REALISE", "date_entretien": date(2025, 1, 20),
                        "code_agence": "31001", "duree_minutes": 50})
    ent.append(corrige)
    ent_supprimes.append(_entretien("N_SUPPR", ep(7), "REALISE", date(2025, 1, 10), "31001", 30))

    ctl, ctl_anciens, ctl_supprimes = [], [], []
    # PF1 decides in January and February (idle in March), PF2 in January and March (idle in
    # February)
    ctl += [
        _controle("K01", ep(1), "PF1", date(2025, 1, 10)),
        _controle("K02", ep(2), "PF1", date(2025, 2, 5), "RECHERCHE_ACTIVE"),
        _controle("K03", ep(3), "PF1", date(2025, 2, 20), "REDYNAMISATION"),
        _controle("K04", ep(4), "PF2", date(2025, 1, 15), "REDYNAMISATION"),
        _controle("K05", ep(5), "PF2", date(2025, 3, 3)),
        _controle("K06", ep(6), "PF2", ARRETE, "RECHERCHE_ACTIVE"),
        # not counted: decided after the arrêté, before the first month, not decided, not a
        # decision of D1, of a deleted episode, of a doublon
        _controle("K07", ep(7), "PF3", ARRETE + timedelta(days=1)),
        _controle("K08", ep(8), "PF4", date(2024, 12, 20)),
        _controle("K09", ep(9), "PF1", None, "EN_COURS"),
        _controle("K10", ep(10), "PF1", date(2025, 3, 5), "SANS_OBJET"),
        _controle("K11", x1, "PF5", date(2025, 3, 5)),
        _controle("K12", x2, "PF5", date(2025, 3, 5)),
    ]
    for i in range(20):
        pf = rng.choice(("PF1", "PF2"))
        mois = rng.choice(MOIS[:2] if pf == "PF1" else (MOIS[0], MOIS[2]))
        decision = mois + timedelta(days=rng.randint(0, 19))
        ctl.append(_controle(f"KR{i:02d}", ep(i), pf, decision, rng.choice(DECIDEES)))
    # a control moved by a correction from PF1 in February to PF2 in January
    corrige = _controle("K_CORR", ep(11), "PF2", date(2025, 1, 25))
    ctl_anciens.append({**corrige, "code_plateforme": "PF1", "date_decision": date(2025, 2, 10)})
    ctl.append(corrige)
    ctl_supprimes.append(_controle("K_SUPPR", ep(12), "PF6", date(2025, 2, 2)))

    return {
        "episodes": episodes,
        "accompagnements": (acc, anciens, supprimes),
        "entretiens": (ent, ent_anciens, ent_supprimes),
        "controles": (ctl, ctl_anciens, ctl_supprimes),
    }


def _livrer(entrepot, scenario):
    entrepot.inserer("inscriptions", [{**e, "date_maj": NEW} for e in scenario["episodes"]])
    fantomes = [
        {"id_inscription": "X1", "id_personne": "PX1", "date_inscription": date(2024, 10, 1),
         "code_agence": "31001", "date_maj": OLD},
        {"id_inscription": "X2", "id_personne": "PX2", "date_inscription": date(2024, 10, 1),
         "code_agence": "31001", "date_fin": date(2024, 10, 3), "motif_fin": "14", "date_maj": NEW},
    ]
    entrepot.inserer("inscriptions", fantomes, date_extraction=date(2025, 3, 10))
    entrepot.inserer("inscriptions", [{**fantomes[0], "supprime": True, "date_maj": NEW}],
                     date_extraction=date(2025, 3, 15))
    for export in ("accompagnements", "entretiens", "controles"):
        courants, anciens, supprimes = scenario[export]
        # older versions and the first, live, version of the deleted records
        entrepot.inserer(export, [{**r, "date_maj": OLD} for r in anciens + supprimes],
                         date_extraction=date(2025, 3, 1))
        entrepot.inserer(export, [{**r, "date_maj": NEW} for r in courants]
                         + [{**r, "date_maj": NEW, "supprime": True} for r in supprimes])


def _attendu(scenario):
    """The cells of H1 to H6, {indicateur: {(periode, niveau, territoire, dimension, modalite):
    (numerateur, denominateur, valeur, provisoire)}}, from the current records."""
    existants = {e["id_inscription"] for e in scenario["episodes"]}
    accompagnements = [a for a in scenario["accompagnements"][0] if a["id_inscription"] in existants]
    entretiens = [e for e in scenario["entretiens"][0] if e["id_inscription"] in existants]
    controles = [c for c in scenario["controles"][0] if c["id_inscription"] in existants]

    h1, h2, h3, h4, h5, h6 = {}, {}, {}, {}, {}, {}
    for m in MOIS:
        jour = min(dernier_jour(m), ARRETE)  # the observation day of the month's stock
        portefeuilles: dict[str, dict[str, int]] = {}
        for a in accompagnements:
            en_cours = a["date_debut"] <= jour and (a["date_fin"] is None or a["date_fin"] > jour)
            if not en_cours or not a["id_conseiller"]:
                continue
            agences = portefeuilles.setdefault(a["id_conseiller"], {})
            agences[a["code_agence"]] = agences.get(a["code_agence"], 0) + 1
            for n, t in territoires(AGENCES, a["code_agence"]):
                for dim, mod in (("ensemble", "ensemble"), ("modalite", a["modalite"])):
                    h1.setdefault((m, n, t, dim, mod), []).append(a["id_conseiller"])
        for agences in portefeuilles.values():
            principale = min(agences, key=lambda ag: (-agences[ag], ag))
            for n, t in territoires(AGENCES, principale):
                h2.setdefault((m, n, t, "ensemble", "ensemble"), []).append(sum(agences.values()) > 70)

    for e in entretiens:
        jour = e["date_entretien"]
        if jour > ARRETE or _mois(jour) not in MOIS or e["statut"] not in ("REALISE", "ABSENT"):
            continue
        m = _mois(jour)
        for n, t in territoires(AGENCES, e["code_agence"]):
            h4.setdefault((m, n, t, "ensemble", "ensemble"), []).append(e["statut"] == "ABSENT")
            h4.setdefault((m, n, t, "type_entretien", e["type_entretien"]), []).append(e["statut"] == "ABSENT")
            if e["statut"] != "REALISE":
                continue
            for dim in ("ensemble", "type_entretien", "modalite_contact", "operateur"):
                mod = "ensemble" if dim == "ensemble" else e[dim]
                h3[(m, n, t, dim, mod)] = h3.get((m, n, t, dim, mod), 0) + 1
                if e["duree_minutes"] is not None and dim in ("ensemble", "type_entretien"):
                    h5.setdefault((m, n, t, dim, mod), []).append(e["duree_minutes"])

    plateformes = set()
    for c in controles:
        dd = c["date_decision"]
        if c["issue"] not in DECIDEES or dd is None or dd > ARRETE or _mois(dd) not in MOIS:
            continue
        plateformes.add(c["code_plateforme"])
        for n, t in (("NATIONAL", "FR"), ("PLATEFORME", c["code_plateforme"])):
            h6[(_mois(dd), n, t, "ensemble", "ensemble")] = h6.get((_mois(dd), n, t, "ensemble", "ensemble"), 0) + 1
    # months with data: an existing episode registered by the month's end (and the arrêté), not
    # ended before its first day; there every platform that ever decided a control has a cell
    avec_donnees = [m for m in MOIS if any(
        e["date_inscription"] <= min(dernier_jour(m), ARRETE)
        and (e.get("date_fin") is None or e["date_fin"] >= m) for e in scenario["episodes"])]
    for m in avec_donnees:
        for pf in plateformes:
            h6.setdefault((m, "PLATEFORME", pf, "ensemble", "ensemble"), 0)

    def compte(v, k):
        return (float(v), None, float(v), _provisoire(k[0]))

    def taux(v, k):
        return (float(sum(v)), float(len(v)), sum(v) / len(v), _provisoire(k[0]))

    return {
        "taille_portefeuille_moyenne": {
            k: (float(len(v)), float(len(set(v))), len(v) / len(set(v)), _provisoire(k[0]))
            for k, v in h1.items()},
        "part_portefeuilles_plus_de_70": {k: taux(v, k) for k, v in h2.items()},
        "entretiens_realises": {k: compte(v, k) for k, v in h3.items()},
        "taux_absence_entretiens": {k: taux(v, k) for k, v in h4.items()},
        "duree_entretien_moyenne": {
            k: (float(sum(v)), float(len(v)), sum(v) / len(v), _provisoire(k[0])) for k, v in h5.items()},
        "controles_par_plateforme": {k: compte(v, k) for k, v in h6.items()},
    }


VARS = {"premier_mois": "2025-01", "date_arrete": f"{ARRETE}"}
INDICATEURS = ["taille_portefeuille_moyenne", "part_portefeuilles_plus_de_70", "entretiens_realises",
               "taux_absence_entretiens", "duree_entretien_moyenne", "controles_par_plateforme"]


@pytest.fixture(scope="module")
def entrepot_charge(entrepot_vide):
    scenario = _scenario()
    _livrer(entrepot_vide, scenario)
    entrepot_vide.dbt(["run", "--select", "+indicateurs_charge"], vars=VARS)
    return entrepot_vide, scenario


@pytest.mark.parametrize("indicateur", INDICATEURS)
def test_dbt_charge_egal_au_calcul_independant(entrepot_charge, indicateur):
    """Every cell of the family mart (every period, level, territory, breakdown) equals the
    independent computation, and no other cell exists."""
    entrepot, scenario = entrepot_charge
    attendu = _attendu(scenario)[indicateur]
    rows = entrepot.requete(
        """select periode, niveau, territoire, dimension, modalite, numerateur, denominateur,
                  valeur, provisoire
           from marts.indicateurs_charge
           where indicateur = ?""",
        [indicateur],
    )
    assert entrepot.requete(
        "select count(*) from marts.indicateurs_charge where indicateur = ? and type_periode <> 'mois'",
        [indicateur]) == [(0,)]
    obtenu = {r[:5]: tuple(r[5:]) for r in rows}
    assert len(obtenu) == len(rows)
    assert sorted(obtenu.keys() - attendu.keys()) == []
    assert sorted(attendu.keys() - obtenu.keys()) == []
    for k, v in attendu.items():
        assert obtenu[k] == pytest.approx(v), k


def test_dbt_charge_scenario_exerce_les_regles(entrepot_charge):
    """The scenario really reaches each boundary of the rules (else the comparison above would
    prove little)."""
    entrepot, scenario = entrepot_charge
    attendu = _attendu(scenario)
    janvier, fevrier, mars = MOIS
    h1 = attendu["taille_portefeuille_moyenne"]
    # an adviser in two agencies: counted in each, once above them
    membres = entrepot.requete(
        """select periode, cle_denominateur, count(distinct code_agence)
           from intermediate.int_membres__h1_portefeuilles group by 1, 2""")
    assert (janvier, "C71", 2) in membres and (janvier, "C70", 2) in membres
    agences = sum(v[1] for k, v in h1.items() if k[0] == janvier and k[1] == "AGENCE" and k[3] == "ensemble")
    assert h1[(janvier, "NATIONAL", "FR", "ensemble", "ensemble")][1] < agences
    # in progress on the observation day only: ends on L, starts after the arrêté; without
    # adviser; deleted; of an episode that does not exist; corrected to another agency
    cles = {(p, c): a for p, c, a in entrepot.requete(
        "select periode, cle, code_agence from intermediate.int_membres__h1_portefeuilles")}
    assert (janvier, "B_FIN_L1") not in cles and (mars, "B_FIN_L3") not in cles
    assert (fevrier, "A71_00") not in cles and (janvier, "A71_00") in cles
    assert (mars, "B_FIN_APRES_ARRETE") in cles and (mars, "A71_XX") in cles
    assert not {c for _, c in cles} & {"B_APRES_ARRETE", "B_VIDE", "B_NUL", "B_SANS", "B_SUPPR",
                                       "B_X1", "B_X2"}
    assert cles[(janvier, "B_CORR")] == "09131"
    # an agency missing from the referential: AGENCE and NATIONAL only
    assert (janvier, "AGENCE", "99999", "ensemble", "ensemble") in h1
    # H2: 71 is more than 70 (January and March), 70 is not; the tie goes to the smallest code
    h2 = {(p, c): (a, n) for p, c, a, n in entrepot.requete(
        "select periode, cle, code_agence, est_numerateur from intermediate.int_membres__h2_conseillers")}
    assert h2[(janvier, "C71")] == ("31001", True)
    assert h2[(fevrier, "C71")] == ("31001", False)
    assert h2[(mars, "C71")] == ("31001", True)
    assert h2[(janvier, "C70")] == ("09131", False)
    assert h2[(janvier, "C09")] == ("99999", False)
    assert attendu["part_portefeuilles_plus_de_70"][(janvier, "AGENCE", "31001", "ensemble", "ensemble")][0] == 1
    # interviews: every statut was delivered; only REALISE and ABSENT, dated by the arrêté, count
    assert {e["statut"] for e in scenario["entretiens"][0]} == set(STATUTS)
    h4 = {c for (c,) in entrepot.requete("select cle from intermediate.int_membres__h4_entretiens_tenus")}
    assert "N_ARRETE" in h4 and "N_REALISE" in h4 and "N_ABSENT" in h4 and "N_CORR" in h4
    assert not h4 & {"N_APRES", "N_ABS_APRES", "N_PLANIFIE", "N_ANNULE", "N_REPORTE", "N_X1",
                     "N_X2", "N_SUPPR"}
    h5 = {c for (c,) in entrepot.requete("select cle from intermediate.int_membres__h5_duree_entretiens")}
    assert "N_SANS_DUREE" not in h5 and "N_ABS_DUREE" not in h5 and "N_ARRETE" in h5
    # H6: a zero cell for an idle platform, each platform idle one month; platforms without a
    # control of D1 have no cell
    h6 = entrepot.requete(
        """select periode, territoire, numerateur from marts.indicateurs_charge
           where indicateur = 'controles_par_plateforme' and niveau = 'PLATEFORME'""")
    assert (fevrier, "PF2", 0.0) in h6 and (mars, "PF1", 0.0) in h6
    assert {t for _, t, _ in h6} == {"PF1", "PF2"}
    assert attendu["controles_par_plateforme"][(janvier, "PLATEFORME", "PF2", "ensemble", "ensemble")][0] >= 2


@pytest.fixture(scope="module")
def entrepot_indicateurs(entrepot_charge):
    entrepot, scenario = entrepot_charge
    entrepot.dbt(["run", "--select", "+indicateurs"], vars=VARS)
    return entrepot, scenario


def test_dbt_charge_dans_marts_indicateurs(entrepot_indicateurs):
    """In marts.indicateurs: H1 and H2 (read on the last day of a month) have no cell of several
    months; H6 has no cell at the common levels below NATIONAL; the first quarter of H5 is the sum
    of the minutes over the sum of the interviews of its months (provisional: March is not over);
    the first quarter of H6 sums its platforms' months."""
    entrepot, scenario = entrepot_indicateurs
    attendu = _attendu(scenario)
    assert entrepot.requete(
        """select count(*) from marts.indicateurs
           where indicateur in ('taille_portefeuille_moyenne', 'part_portefeuilles_plus_de_70')
             and type_periode <> 'mois'""") == [(0,)]
    assert entrepot.requete(
        """select count(*) from marts.indicateurs where indicateur = 'controles_par_plateforme'
             and niveau in ('AGENCE', 'BASSIN', 'DEPARTEMENT', 'REGION')""") == [(0,)]
    # the monthly cells of H1 and H2 pass unchanged
    for indicateur in ("taille_portefeuille_moyenne", "part_portefeuilles_plus_de_70"):
        rows = entrepot.requete(
            """select periode, niveau, territoire, dimension, modalite, numerateur, denominateur,
                      valeur, provisoire
               from marts.indicateurs where indicateur = ?""", [indicateur])
        obtenu = {r[:5]: tuple(r[5:]) for r in rows}
        assert obtenu.keys() == attendu[indicateur].keys()
        for k, v in attendu[indicateur].items():
            assert obtenu[k] == pytest.approx(v), k

    def trimestre(indicateur):
        rows = entrepot.requete(
            """select niveau, territoire, dimension, modalite, numerateur, denominateur, valeur,
                      provisoire
               from marts.indicateurs
               where indicateur = ? and type_periode = 'trimestre' and periode = date '2025-03-01'""",
            [indicateur])
        return {r[:4]: tuple(r[4:]) for r in rows}

    sommes: dict[tuple, list[float]] = {}
    for (_, n, t, dim, mod), (num, den, _, _) in attendu["duree_entretien_moyenne"].items():
        s = sommes.setdefault((n, t, dim, mod), [0.0, 0.0])
        s[0] += num
        s[1] += den
    obtenu = trimestre("duree_entretien_moyenne")
    assert obtenu.keys() == sommes.keys()
    for k, (num, den) in sommes.items():
        assert obtenu[k] == pytest.approx((num, den, num / den, True)), k

    comptes: dict[tuple, float] = {}
    for (_, n, t, dim, mod), (num, _, _, _) in attendu["controles_par_plateforme"].items():
        comptes[(n, t, dim, mod)] = comptes.get((n, t, dim, mod), 0.0) + num
    obtenu = trimestre("controles_par_plateforme")
    assert obtenu.keys() == comptes.keys()
    for k, v in comptes.items():
        assert obtenu[k] == pytest.approx((v, None, v, True)), k
