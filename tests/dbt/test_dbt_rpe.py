"""Family F (the réseau pour l'emploi indicators, indicators-rpe.md) end to end: hand-made raw rows
-> marts.indicateurs_rpe, every cell checked against an independent Python computation of F1 to F8
(the contract's rules written again plainly, from the delivered truth: no SQL, no dbt model),
plus the edge cases the contract names (a person with two open episodes counted once, the
78-hour boundary, a contract with no planned end, a tombstoned employment, a doublon episode)."""

from __future__ import annotations

import calendar
import math
import random
from datetime import date, datetime, timedelta

import pytest

from pipelines.core.warehouse import connect, ensure_raw_schema

from .conftest import Entrepot, dernier_jour, territoires

# a dbt build (~20 s) behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2026, 4, 20)
PREMIER_MOIS = date(2025, 1, 1)
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31522": ("76", "31", "7625"),
    "31001": ("76", "31", "7625"),
    "09131": ("76", "09", "7612"),
    "01004": ("84", "01", "8434"),
    "99999": (None, None, None),
}
FREINS = ("MOBILITE", "SANTE", "LOGEMENT", "GARDE_ENFANT", "AIDANT", "NUMERIQUE", "LANGUE", "FINANCIER")
NATURES = ["01", "02", "03", "10", "29", "32", "50", "70", "90", "92", "CREA"]
DIMENSIONS_EMPLOI = ("allocation", "rqth", "qpv", "zrr", "tranche_age", "niveau_formation")
HORIZON_F4 = 180
ANCIEN, NOUVEAU = datetime(2025, 1, 1), datetime(2026, 1, 1)


# --- the contract's rules, written again -------------------------------------------------------

def _plus_mois(d: date, n: int) -> date:
    """d + n calendar months (n may be negative), clamped at the end of the month."""
    m = d.month - 1 + n
    annee, mois = d.year + m // 12, m % 12 + 1
    return date(annee, mois, min(d.day, calendar.monthrange(annee, mois)[1]))



def _mois_du_calendrier() -> list[date]:
    mois, m = [], PREMIER_MOIS
    while m <= ARRETE:
        mois.append(m)
        m = _plus_mois(m, 1)
    return mois



def _emploi_rpe(e: dict) -> bool:
    """Any nature but 29, more than 78 planned hours over the first 30 days."""
    h = 35 if e["duree_hebdo_heures"] is None else e["duree_hebdo_heures"]
    fin = e["date_fin_previsionnelle"]
    n = 30 if fin is None else min(30, (fin - e["date_debut"]).days + 1)
    return e["nature_contrat"] != "29" and h * n / 7 > 78


def _durable(e: dict) -> bool:
    if e["nature_contrat"] in {"01", "07", "08", "09", "50", "82", "91", "CREA"}:
        return True
    fin = e["date_fin_previsionnelle"]
    return (e["nature_contrat"] in {"02", "03", "10", "92"} and fin is not None
            and fin >= _plus_mois(e["date_debut"], 6) - timedelta(days=1))


def _oui_non(b) -> str:
    return "non_renseigne" if b is None else ("oui" if b else "non")


def _tranche_age(m: date, annee) -> str:
    if annee is None:
        return "non_renseigne"
    age = m.year - annee
    return "moins_26" if age < 26 else "26_49" if age < 50 else "50_plus"


def _mediane_inferieure(delais: list) -> float | None:
    finis = sorted(d for d in delais if d is not None)
    rang = math.ceil(len(delais) / 2)
    return float(finis[rang - 1]) if rang <= len(finis) else None


def _ajouter(cellules: dict, indicateur: str, m: date, agence: str, modalites: list[tuple[str, str]], valeur):
    for niveau, territoire in territoires(AGENCES, agence):
        for dim, mod in [("ensemble", "ensemble"), *modalites]:
            cellules.setdefault((indicateur, "mois", m, niveau, territoire, dim, mod), []).append(valeur)


def _ouverts(episodes, obs: date):
    return [e for e in episodes
            if e["date_inscription"] <= obs and (e["date_fin"] is None or e["date_fin"] > obs)]


def _attendu(episodes, diagnostics, accompagnements, emplois):
    """Every cell of marts.indicateurs_rpe: key -> (numerateur, denominateur, valeur, provisoire)."""
    mois = _mois_du_calendrier()
    taux: dict[tuple, list] = {}  # key -> list of booleans
    provisoires: dict[tuple, bool] = {}
    emplois_par_personne: dict[str, list] = {}
    for e in emplois:
        if e["date_debut"] <= ARRETE:  # a later start is not observed
            emplois_par_personne.setdefault(e["id_personne"], []).append(e)
    diags_par_episode: dict[str, list] = {}
    for d in diagnostics:
        diags_par_episode.setdefault(d["id_inscription"], []).append(d)
    agence = {e["id_inscription"]: e["code_agence"] for e in episodes}

    for m in mois:
        obs = min(dernier_jour(m), ARRETE)
        ouverts = _ouverts(episodes, obs)

        # F1 / F2 / F3: persons, each attributed to its smallest open episode
        rattachement: dict[str, dict] = {}
        for e in sorted(ouverts, key=lambda e: e["id_inscription"]):
            rattachement.setdefault(e["id_personne"], e)
        debut, d_jour = _plus_mois(m, 1), dernier_jour(_plus_mois(m, 6))
        for personne, e in rattachement.items():
            siens = emplois_par_personne.get(personne, [])
            f1 = any(_emploi_rpe(x) and debut <= x["date_debut"] <= d_jour for x in siens)
            f2 = any(_durable(x) and debut <= x["date_debut"] <= d_jour for x in siens)
            f3 = any(_emploi_rpe(x) and x["date_debut"] <= d_jour
                     and (x["date_fin_previsionnelle"] is None or x["date_fin_previsionnelle"] >= d_jour) for x in siens)
            modalites = [("allocation", e["allocation"]), ("rqth", _oui_non(e["rqth"])), ("qpv", _oui_non(e["qpv"])),
                         ("zrr", _oui_non(e["zrr"])), ("tranche_age", _tranche_age(m, e["annee_naissance"])),
                         ("niveau_formation", e["niveau_formation"] or "non_renseigne")]
            for code, v in (("taux_acces_emploi_6m", f1), ("taux_acces_emploi_durable_6m", f2),
                            ("taux_presence_emploi_6m", f3)):
                _ajouter(taux, code, m, e["code_agence"], modalites, v)
                provisoires[(code, m)] = d_jour > ARRETE

        # F5 / F6 / F7: episodes open on L, their diagnostics dated <= L
        for e in ouverts:
            vus = [d for d in diags_par_episode.get(e["id_inscription"], []) if d["date_diagnostic"] <= obs]
            initial = any(d["nature"] == "INITIAL" for d in vus)
            _ajouter(taux, "taux_couverture_diagnostic", m, e["code_agence"], [("allocation", e["allocation"])], initial)
            if not initial:
                continue
            dernier = max(vus, key=lambda d: (d["date_diagnostic"], d["id_diagnostic"]))
            _ajouter(taux, "taux_actualisation_diagnostic_6m", m, e["code_agence"], [],
                     dernier["date_diagnostic"] > _plus_mois(obs, -6))
            freins = set((dernier["freins"] or "").split("|")) - {""}
            _ajouter(taux, "taux_diagnostic_avec_freins", m, e["code_agence"], [], bool(freins))
            for niveau, territoire in territoires(AGENCES, e["code_agence"]):
                for frein in FREINS:  # every barrier over the whole population; no ensemble from these
                    taux.setdefault(("taux_diagnostic_avec_freins", "mois", m, niveau, territoire, "frein", frein),
                                    []).append(frein in freins)
        for code in ("taux_couverture_diagnostic", "taux_actualisation_diagnostic_6m", "taux_diagnostic_avec_freins"):
            provisoires[(code, m)] = dernier_jour(m) > ARRETE

    # F8: accompaniments ended in the month
    for a in accompagnements:
        fin = a["date_fin"]
        if fin is None or fin > ARRETE or fin < PREMIER_MOIS:
            continue
        m = fin.replace(day=1)
        _ajouter(taux, "taux_rupture_accompagnement", m, agence[a["id_inscription"]],
                 [("operateur", a["operateur"]), ("modalite", a["modalite"] or "non_renseigne")],
                 a["motif_fin"] == "ABANDON")
        provisoires[("taux_rupture_accompagnement", m)] = dernier_jour(m) > ARRETE

    cellules = {k: (float(sum(v)), float(len(v)), sum(v) / len(v), provisoires[(k[0], k[2])])
                for k, v in taux.items()}
    cellules.update(_f4(episodes, accompagnements, mois))
    return cellules


def _f4(episodes, accompagnements, mois):
    """F4 by month, quarter and 12 months: the lower median of the pooled members."""
    premiers = {}
    for a in sorted(accompagnements, key=lambda a: (a["date_debut"], a["id_accompagnement"])):
        premiers.setdefault(a["id_inscription"], a["date_debut"])
    membres: dict[date, list] = {}
    for e in episodes:
        m = e["date_inscription"].replace(day=1)
        if e["date_inscription"] > ARRETE or m not in mois:
            continue
        acc = premiers.get(e["id_inscription"])
        acc = acc if acc is not None and acc <= ARRETE else None
        fin = e["date_fin"] if e["date_fin"] is not None and e["date_fin"] <= ARRETE else None
        if fin is not None and (fin - e["date_inscription"]).days <= HORIZON_F4 and (acc is None or acc > fin):
            continue  # left the population
        delai = None if acc is None else max(0, (acc - e["date_inscription"]).days)
        membres.setdefault(m, []).append((e, delai if delai is not None and delai <= HORIZON_F4 else None))
    provisoire_mois = {m: dernier_jour(m) > ARRETE
                       or (m in membres and dernier_jour(m) + timedelta(days=HORIZON_F4) > ARRETE) for m in mois}
    periodes = [("mois", m, [m]) for m in mois]
    for fin in mois:
        for type_periode, n in (("trimestre", 3), ("cumul_12_mois", 12)):
            if type_periode == "trimestre" and fin.month % 3:
                continue
            couverts = [_plus_mois(fin, -k) for k in range(n)]
            if all(c in mois for c in couverts):
                periodes.append((type_periode, fin, couverts))
    cellules = {}
    for type_periode, fin, couverts in periodes:
        groupes: dict[tuple, list] = {}
        for m in couverts:
            for e, delai in membres.get(m, []):
                for niveau, territoire in territoires(AGENCES, e["code_agence"]):
                    for dim, mod in (("ensemble", "ensemble"), ("allocation", e["allocation"]),
                                     ("canal_inscription", e["canal_inscription"])):
                        groupes.setdefault((niveau, territoire, dim, mod), []).append(delai)
        prov = (any(dernier_jour(m) + timedelta(days=HORIZON_F4) > ARRETE for m in couverts) if type_periode == "mois"
                else any(provisoire_mois[m] for m in couverts))
        for (niveau, territoire, dim, mod), delais in groupes.items():
            cellules[("delai_inscription_accompagnement_median", type_periode, fin, niveau, territoire, dim, mod)] = (
                float(sum(d is not None for d in delais)), float(len(delais)), _mediane_inferieure(delais), prov)
    return cellules


# --- the scenario ----------------------------------------------------------------------------

def _cas_limites():
    """Hand-made persons for the rules the contract names; their March 2025 cohort is checked."""
    ep = lambda i, p, ag="31001": {  # noqa: E731
        "id_inscription": i, "id_personne": p, "date_inscription": date(2025, 2, 1), "date_fin": None,
        "code_agence": ag, "allocation": "RSA", "canal_inscription": "AUTOMATIQUE", "annee_naissance": 1990,
        "niveau_formation": "4", "rqth": False, "qpv": True, "zrr": False}
    emp = lambda i, p, d, nat="02", fin=None, h=None: {  # noqa: E731
        "id_emploi": i, "id_personne": p, "date_debut": d, "nature_contrat": nat,
        "date_fin_previsionnelle": fin, "duree_hebdo_heures": h, "source": "DSN"}
    episodes = [
        # two episodes open on 31 March: counted once, attributed to the smallest id (KD_A, 31001)
        ep("KD_B", "QK_DEUX", "09131"), ep("KD_A", "QK_DEUX", "31001"),
        ep("K78", "QK_78"), ep("K81", "QK_81"), ep("KSTAGE", "QK_STAGE"), ep("KSANS_FIN", "QK_SANS_FIN"),
        ep("KSUPPRIME", "QK_SUPPRIME"),
    ]
    emplois = [
        emp("KE_DEUX", "QK_DEUX", date(2025, 4, 1), "01", None, 35),
        # 21 h over 26 days = 78 h exactly: not an emploi RPE; 27 days = 81 h: one
        emp("KE78", "QK_78", date(2025, 4, 10), "02", date(2025, 5, 5), 21),
        emp("KE81", "QK_81", date(2025, 4, 10), "02", date(2025, 5, 6), 21),
        emp("KESTAGE", "QK_STAGE", date(2025, 4, 10), "29", None, 35),
        # no planned end, no hours: 35 h over 30 days, still in progress on 30 September
        emp("KESANS_FIN", "QK_SANS_FIN", date(2025, 5, 1), "02"),
    ]
    return episodes, emplois


def _scenario():
    rng = random.Random(20260430)
    agences = list(AGENCES)
    episodes, diagnostics, accompagnements, emplois = [], [], [], []
    for i in range(70):
        personne = f"R{i % 50}"  # some persons have two episodes, in other agencies
        agence = agences[i % len(agences)]
        inscription = date(2024, 9, 1) + timedelta(days=rng.randint(0, 560))
        fin = None
        if rng.random() < 0.4:
            fin = inscription + timedelta(days=rng.choice([0, 20, 100, 180, 181, 200, 300]))
        ep = {"id_inscription": f"E{i:02d}", "id_personne": personne, "date_inscription": inscription,
              "date_fin": fin, "motif_fin": "01" if fin else None, "code_agence": agence,
              "allocation": rng.choice(["ARE", "RSA", "ASS"]), "canal_inscription": rng.choice(["EN_LIGNE", "AUTOMATIQUE"]),
              "annee_naissance": rng.choice([1960, 1985, 2003]), "niveau_formation": rng.choice([None, "3", "5"]),
              "rqth": rng.random() < 0.3, "qpv": rng.random() < 0.3, "zrr": rng.random() < 0.2}
        episodes.append(ep)
        for j in range(rng.choice([0, 1, 2, 3])):
            freins = rng.sample(FREINS, rng.choice([0, 0, 1, 2, 3]))
            diagnostics.append({
                "id_diagnostic": f"D{i:02d}{j}", "id_inscription": ep["id_inscription"], "id_personne": personne,
                # same dates on purpose (the latest is the greatest key)
                "date_diagnostic": inscription + timedelta(days=rng.choice([-5, 0, 20, 20, 100, 200, 400])),
                "nature": rng.choice(["INITIAL", "INITIAL", "ACTUALISATION"]),
                "freins": "|".join(freins) or None, "code_agence": agence})
        for j in range(rng.choice([0, 1, 1, 2])):
            debut = inscription + timedelta(days=rng.choice([-10, 0, 30, 30, 179, 180, 181, 250]))
            fin_acc = rng.choice([None, debut + timedelta(days=rng.randint(0, 300))])
            accompagnements.append({
                "id_accompagnement": f"A{i:02d}{j}", "id_inscription": ep["id_inscription"], "id_personne": personne,
                "date_debut": debut, "date_fin": fin_acc,
                "motif_fin": None if fin_acc is None else rng.choice(["ABANDON", "ABANDON", "REPRISE_EMPLOI", None]),
                "operateur": rng.choice(["FT", "ML", "CD"]), "parcours": "EMPLOI",
                "modalite": rng.choice(["GUIDE", "SUIVI", "RENFORCE"]), "code_agence": "01004"})
    for k in range(50):
        for j in range(rng.choice([0, 1, 2, 3])):
            debut = date(2024, 12, 1) + timedelta(days=rng.randint(0, 560))
            fin = rng.choice([None, None, 0, 14, 15, 25, 26, 29, 100, 200, 400])
            emplois.append({
                "id_emploi": f"M{k:02d}{j}", "id_personne": f"R{k}", "date_debut": debut,
                "nature_contrat": rng.choice(NATURES),
                "date_fin_previsionnelle": None if fin is None else debut + timedelta(days=fin),
                "duree_hebdo_heures": rng.choice([None, 5, 18, 18.2, 18.3, 21, 21.1, 35]), "source": "DPAE"})
    k_ep, k_emp = _cas_limites()
    return episodes + k_ep, diagnostics, accompagnements, emplois + k_emp


def _livrer(entrepot, episodes, diagnostics, accompagnements, emplois):
    """The truth delivered with noise: an older version, a doublon episode, tombstones."""
    x = ARRETE
    # an older version of an episode (other agency), replaced by date_maj
    entrepot.inserer("inscriptions", [{**episodes[0], "code_agence": "01004", "date_maj": ANCIEN}],
                     date_extraction=date(2025, 6, 1))
    entrepot.inserer("inscriptions", [{**e, "date_maj": NOUVEAU} for e in episodes], date_extraction=x)
    # a doublon episode (motif 14) with a diagnostic, an accompaniment ended by an abandonment: nowhere
    entrepot.inserer("inscriptions", [{
        "id_inscription": "K_DOUBLON", "id_personne": "QK_DEUX", "date_inscription": date(2025, 1, 5),
        "date_fin": date(2025, 6, 2), "motif_fin": "14", "code_agence": "31001", "date_maj": NOUVEAU}],
        date_extraction=x, sequence=1)
    entrepot.inserer("diagnostics", [{**d, "date_maj": NOUVEAU} for d in diagnostics] + [
        {"id_diagnostic": "DX", "id_inscription": "K_DOUBLON", "id_personne": "QK_DEUX",
         "date_diagnostic": date(2025, 1, 10), "freins": "MOBILITE", "date_maj": NOUVEAU}], date_extraction=x)
    entrepot.inserer("accompagnements", [{**a, "date_maj": NOUVEAU} for a in accompagnements] + [
        {"id_accompagnement": "AX", "id_inscription": "K_DOUBLON", "id_personne": "QK_DEUX", "operateur": "FT",
         "parcours": "EMPLOI", "modalite": "GUIDE", "date_debut": date(2025, 1, 10), "date_fin": date(2025, 3, 1),
         "motif_fin": "ABANDON", "code_agence": "31001", "date_maj": NOUVEAU}], date_extraction=x)
    # a qualifying employment, later tombstoned: it does not exist
    supprime = {"id_emploi": "KE_SUPPRIME", "id_personne": "QK_SUPPRIME", "date_debut": date(2025, 4, 2),
                "nature_contrat": "01", "source": "DPAE"}
    entrepot.inserer("emplois", [{**supprime, "date_maj": ANCIEN}], date_extraction=date(2025, 6, 1))
    entrepot.inserer("emplois", [{**e, "date_maj": NOUVEAU} for e in emplois]
                     + [{**supprime, "supprime": True, "date_maj": NOUVEAU}], date_extraction=x)


@pytest.fixture(scope="module")
def entrepot_rpe(tmp_path_factory):
    # Own warehouse, built for this family and its upstream only (seeds and models): the
    # family's cells do not depend on the other families' marts.
    path = tmp_path_factory.mktemp("entrepot_rpe") / "socle.duckdb"
    with connect(path) as con:
        ensure_raw_schema(con)
    entrepot = Entrepot(path, tmp_path_factory.mktemp("dbt_target_rpe"))
    episodes, diagnostics, accompagnements, emplois = _scenario()
    _livrer(entrepot, episodes, diagnostics, accompagnements, emplois)
    entrepot.dbt(["build", "--select", "+indicateurs_rpe", "--exclude", "resource_type:test", "test_type:unit"],
                 vars={"premier_mois": f"{PREMIER_MOIS:%Y-%m}"})
    return entrepot, _attendu(episodes, diagnostics, accompagnements, emplois)


def test_dbt_rpe_egal_au_calcul_independant(entrepot_rpe):
    entrepot, attendu = entrepot_rpe
    assert entrepot.requete("select date_arrete from intermediate.int_arrete__date") == [(ARRETE,)]
    rows = entrepot.requete(
        """select indicateur, type_periode, periode, niveau, territoire, dimension, modalite,
                  numerateur, denominateur, valeur, provisoire
           from marts.indicateurs_rpe""")
    obtenu = {r[:7]: tuple(r[7:]) for r in rows}
    assert obtenu.keys() == attendu.keys()
    for cle, (n, d, v, prov) in attendu.items():
        assert obtenu[cle][0] == n and obtenu[cle][1] == d and obtenu[cle][3] == prov, cle
        assert obtenu[cle][2] == (None if v is None else pytest.approx(v)), cle
    # the scenario exercises what it is meant to: every indicator, both windows, both outcomes
    assert {k[0] for k in attendu} == {
        "taux_acces_emploi_6m", "taux_acces_emploi_durable_6m", "taux_presence_emploi_6m",
        "delai_inscription_accompagnement_median", "taux_couverture_diagnostic",
        "taux_actualisation_diagnostic_6m", "taux_diagnostic_avec_freins", "taux_rupture_accompagnement"}
    ensemble = {k: v for k, v in attendu.items() if k[3] == "NATIONAL" and k[5] == "ensemble" and k[1] == "mois"}
    for code in ("taux_acces_emploi_6m", "taux_acces_emploi_durable_6m", "taux_presence_emploi_6m",
                 "taux_actualisation_diagnostic_6m", "taux_diagnostic_avec_freins", "taux_rupture_accompagnement"):
        cellules = [v for k, v in ensemble.items() if k[0] == code]
        assert any(0 < v[2] < 1 for v in cellules), code
    assert any(v[3] for v in ensemble.values()) and not all(v[3] for v in ensemble.values())
    assert any(v[2] is None for k, v in attendu.items() if k[0] == "delai_inscription_accompagnement_median")
    # the frein breakdown is not additive: somewhere the barriers' numerators exceed the ensemble's
    freins = {}
    for k, v in attendu.items():
        if k[0] == "taux_diagnostic_avec_freins" and k[5] == "frein":
            freins[k[1:5]] = freins.get(k[1:5], 0) + v[0]
    assert any(total > attendu[("taux_diagnostic_avec_freins", *lieu, "ensemble", "ensemble")][0]
               for lieu, total in freins.items())


def test_dbt_rpe_cas_limites(entrepot_rpe):
    entrepot, _ = entrepot_rpe
    lignes = entrepot.requete(
        """select cle, id_inscription, code_agence, acces_emploi, acces_emploi_durable, presence_emploi
           from intermediate.int_membres__f1_f3_acces_emploi_6m
           where periode = date '2025-03-01' and cle like 'QK%'""")
    assert {r[0]: r[1:] for r in lignes} == {
        "QK_DEUX": ("KD_A", "31001", True, True, True),  # counted once, smallest episode
        "QK_78": ("K78", "31001", False, False, False),  # exactly 78 hours
        "QK_81": ("K81", "31001", True, False, False),  # 81 hours, ended before 30 September
        "QK_STAGE": ("KSTAGE", "31001", False, False, False),  # nature 29
        "QK_SANS_FIN": ("KSANS_FIN", "31001", True, False, True),  # no planned end: 30 days, in progress
        "QK_SUPPRIME": ("KSUPPRIME", "31001", False, False, False),  # tombstoned employment
    }
    # the doublon episode counts nowhere (its diagnostic, its abandoned accompaniment)
    assert entrepot.requete(
        "select count(*) from intermediate.int_membres__f5_f7_diagnostics where cle = 'K_DOUBLON'") == [(0,)]
    assert entrepot.requete("select count(*) from intermediate.int_membres__f8_ruptures where cle = 'AX'") == [(0,)]


def test_dbt_rpe_ventilations_du_contrat(entrepot_rpe):
    entrepot, _ = entrepot_rpe
    attendues = {
        "taux_acces_emploi_6m": set(DIMENSIONS_EMPLOI), "taux_acces_emploi_durable_6m": set(DIMENSIONS_EMPLOI),
        "taux_presence_emploi_6m": set(DIMENSIONS_EMPLOI),
        "delai_inscription_accompagnement_median": {"allocation", "canal_inscription"},
        "taux_couverture_diagnostic": {"allocation"}, "taux_actualisation_diagnostic_6m": set(),
        "taux_diagnostic_avec_freins": {"frein"}, "taux_rupture_accompagnement": {"operateur", "modalite"},
    }
    for indicateur, dims in attendues.items():
        obtenues = {r[0] for r in entrepot.requete(
            "select distinct dimension from marts.indicateurs_rpe where indicateur = ?", [indicateur])}
        assert obtenues == {"ensemble", *dims}, indicateur
    # every barrier of the code list is a modality, and only those
    assert {r[0] for r in entrepot.requete(
        "select distinct modalite from marts.indicateurs_rpe where dimension = 'frein'")} == set(FREINS)
