"""Family E end to end through dbt: hand-made raw alerts (agency, region-only and national
entities, corrections, tombstones, closures after the date d'arrêté) ->
marts.indicateurs_alertes, checked against an independent Python computation of E1 to E4."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

# a dbt build behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2025, 3, 20)
MOIS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31001": ("76", "31", "7625"),
    "09131": ("76", "09", "7612"),
    "01004": ("84", "01", "8434"),
    "99999": (None, None, None),
}
REGIONS = {"76", "84", "93"}
NATIONALES = {"DG", "DSI", "PES"}
NEW = datetime(2025, 3, 1)
OLD = datetime(2024, 12, 1)


def _mois(d: date) -> date:
    return d.replace(day=1)


def _dernier_jour(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _territoires(alerte: dict):
    """Where an alert counts, per the contract (written independently of the model)."""
    out = [("NATIONAL", "FR")]
    if alerte["code_etablissement"] in NATIONALES:
        return out
    if alerte["code_agence"]:
        region, dep, bassin = AGENCES[alerte["code_agence"]]
        out.append(("AGENCE", alerte["code_agence"]))
        if region:
            out += [("REGION", region), ("DEPARTEMENT", dep), ("BASSIN", bassin)]
        return out
    if alerte["code_etablissement"] in REGIONS:
        out.append(("REGION", alerte["code_etablissement"]))
    return out


def _scenario():
    rng = random.Random(20250320)
    alertes = []
    for i in range(150):
        etab = rng.choice(["76", "76", "84", "93", "DG", "DSI", "PES"])
        agence = rng.choice([None, None, *AGENCES]) if etab not in NATIONALES else rng.choice([None, "31001"])
        da = date(2025, 1, 1) + timedelta(days=rng.randint(0, 85))
        conclusion = rng.choice(["NON_EXAMINEE", "EN_COURS", "AVEREE", "NON_AVEREE", "NON_AVEREE"])
        cloture = None if conclusion == "EN_COURS" else da + timedelta(days=rng.choice([0, 5, 20, 31, 45]))
        alertes.append({
            "id_alerte": f"AL{i:03d}", "campagne": rng.choice(["FLUX", "2025-V1"]),
            "situation": rng.choice(["DOSSIER_AGENT", "HORS_HORAIRES"]), "id_agent": f"A{i}",
            "code_etablissement": etab, "code_agence": agence,
            "examen": rng.choice(["OBLIGATOIRE", "FACULTATIF"]), "nb_consultations": 1,
            "date_alerte": da, "conclusion": conclusion, "date_cloture": cloture,
        })
    return alertes


def _livrer(entrepot, alertes):
    # one episode so that the warehouse has a registration (the calendar does not need it)
    entrepot.inserer("inscriptions", [{"id_inscription": "E1", "id_personne": "P1",
                                       "date_inscription": date(2024, 10, 1), "code_agence": "31001"}])
    # older versions: a correction moves AL000 from January to March; AL_SUPPRIMEE is deleted
    supprimee = {**alertes[1], "id_alerte": "AL_SUPPRIMEE"}
    entrepot.inserer("alertes_finalite", [
        {**alertes[0], "date_alerte": date(2025, 1, 5), "date_maj": OLD},
        {**supprimee, "date_maj": OLD},
    ], date_extraction=date(2025, 3, 1))
    alertes[0] = {**alertes[0], "date_alerte": date(2025, 3, 2), "conclusion": "AVEREE",
                  "date_cloture": date(2025, 3, 10)}
    entrepot.inserer("alertes_finalite", [{**a, "date_maj": NEW} for a in alertes]
                     + [{**supprimee, "supprime": True, "date_maj": NEW}])


def _attendu(alertes):
    e1, e2, e3, e4 = {}, {}, {}, {}
    for a in alertes:
        da, dc = a["date_alerte"], a["date_cloture"]
        conclue = a["conclusion"] in ("AVEREE", "NON_AVEREE") and dc is not None and dc <= ARRETE
        if da <= ARRETE:
            m = _mois(da)
            for n, t in _territoires(a):
                for dim, mod in (("ensemble", "ensemble"), ("situation", a["situation"])):
                    e1.setdefault((m, n, t, dim, mod), 0)
                    e1[(m, n, t, dim, mod)] += 1
                for dim, mod in (("ensemble", "ensemble"), ("examen", a["examen"])):
                    e3.setdefault((m, n, t, dim, mod), []).append(conclue)
        if conclue:
            m = _mois(dc)
            for n, t in _territoires(a):
                for dim, mod in (("ensemble", "ensemble"), ("campagne", a["campagne"])):
                    e2.setdefault((m, n, t, dim, mod), []).append(a["conclusion"] == "NON_AVEREE")
                e4.setdefault((m, n, t, "ensemble", "ensemble"), []).append((dc - da).days)

    def prov(m):
        return _dernier_jour(m) > ARRETE

    def mediane(v):
        v = sorted(v)
        return float(v[(len(v) + 1) // 2 - 1])

    return {
        "alertes": {k: (float(v), None, float(v), prov(k[0])) for k, v in e1.items()},
        "taux_faux_positifs": {k: (float(sum(v)), float(len(v)), sum(v) / len(v), prov(k[0])) for k, v in e2.items()},
        "taux_examen_alertes": {
            k: (float(sum(v)), float(len(v)), sum(v) / len(v), prov(k[0]))
            for k, v in e3.items()},
        "delai_traitement_alerte_median": {
            k: (float(len(v)), float(len(v)), mediane(v), prov(k[0])) for k, v in e4.items()},
    }


@pytest.fixture(scope="module")
def entrepot_alertes(entrepot_vide):
    alertes = _scenario()
    _livrer(entrepot_vide, alertes)
    entrepot_vide.dbt(["run", "--select", "+indicateurs_alertes"], vars={"premier_mois": "2025-01", "date_arrete": f"{ARRETE}"})
    return entrepot_vide, alertes


DIMENSIONS = {
    "alertes": ("ensemble", "situation"),
    "taux_faux_positifs": ("ensemble", "campagne"),
    "taux_examen_alertes": ("ensemble", "examen"),
    "delai_traitement_alerte_median": ("ensemble",),
}


@pytest.mark.parametrize("indicateur", list(DIMENSIONS))
def test_dbt_alertes_egal_au_calcul_independant(entrepot_alertes, indicateur):
    entrepot, alertes = entrepot_alertes
    attendu = _attendu(alertes)[indicateur]
    rows = entrepot.requete(
        f"""select periode, niveau, territoire, dimension, modalite, numerateur, denominateur,
                   valeur, provisoire
            from marts.indicateurs_alertes
            where indicateur = ? and type_periode = 'mois'
              and dimension in ({', '.join('?' * len(DIMENSIONS[indicateur]))})""",
        [indicateur, *DIMENSIONS[indicateur]],
    )
    obtenu = {r[:5]: tuple(r[5:]) for r in rows}
    assert obtenu.keys() == attendu.keys()
    for k, v in attendu.items():
        assert obtenu[k] == pytest.approx(v), k


def test_dbt_alertes_region_superieure_a_ses_departements(entrepot_alertes):
    """Alerts known only by their region count in it but in none of its départements: the data
    test « a region equals the sum of its départements » must exclude family E."""
    entrepot, _ = entrepot_alertes
    ecarts = entrepot.requete(
        """with e1 as (select * from marts.indicateurs_alertes
                       where indicateur = 'alertes' and dimension = 'ensemble'),
           deps as (select e1.periode, d.code_region, sum(e1.valeur) as total
                    from e1 join referentiel.departements d on d.code_departement = e1.territoire
                    where e1.niveau = 'DEPARTEMENT' group by all)
           select r.periode, r.territoire, r.valeur, coalesce(deps.total, 0)
           from e1 r left join deps on deps.periode = r.periode and deps.code_region = r.territoire
           where r.niveau = 'REGION' and r.valeur > coalesce(deps.total, 0)""")
    assert ecarts, "aucune alerte rattachée à la seule région"
    # the DG alerts: national total exceeds the sum of the regions and of the agencies
    national = dict(entrepot.requete(
        """select periode, valeur from marts.indicateurs_alertes
           where indicateur = 'alertes' and dimension = 'ensemble' and niveau = 'NATIONAL'"""))
    regions = dict(entrepot.requete(
        """select periode, sum(valeur) from marts.indicateurs_alertes
           where indicateur = 'alertes' and dimension = 'ensemble' and niveau = 'REGION' group by 1"""))
    assert all(national[m] > regions.get(m, 0) for m in national)
    # the corrected alert counts in March only, the deleted one nowhere
    membres = dict(entrepot.requete("select cle, periode from intermediate.int_membres__e1_alertes"))
    assert membres["AL000"] == date(2025, 3, 1)
    assert "AL_SUPPRIMEE" not in membres
