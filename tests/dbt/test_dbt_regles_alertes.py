"""Alert rules on the consultation log end to end through dbt: hand-made raw agents, exposures,
registrations, a log delivered in overlapping daily files and FLUX outcomes ->
marts.alertes_generees, precision_regles and equite_jugement_alertes, checked against an
independent Python computation (the funnel limits against scipy's binomial)."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import date, datetime, timedelta

import pytest
from scipy.stats import binom

from pipelines.core.warehouse import connect

# a dbt build behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2025, 3, 31)
# agency of each region's agents (all in the referential)
AGENCES = {"76": "31001", "84": "01004", "93": "13050"}
# share of NON_AVEREE drawn per establishment, so that regions differ
PART_NON_AVEREE = {"76": 0.95, "84": 0.4, "93": 0.7, "DG": 0.6}
EFFECTIFS = {"76": 40, "84": 30, "93": 15, "DG": 10}


def _agent(id_agent, code_site, etab, **kw):
    return {"id_agent": id_agent, "code_site": code_site, "code_etablissement": etab, "statut": "ACTIF",
            "jours_travailles": "1,2,3,4,5", "heure_debut": "08:00", "heure_fin": "18:00", **kw}


def _consultation(horodatage, id_agent, id_personne, site="31001"):
    return {"horodatage": horodatage, "id_agent": id_agent, "id_personne": id_personne,
            "application": "DUNE", "code_site": site}


def _scenario():
    rng = random.Random(20250331)
    agents = [
        _agent("A", "31001", "76", id_personne="PA"),
        _agent("B", "31522", "76", id_personne="PB"),
        _agent("C", "31001", "76", id_personne="PC"),
        _agent("N", "31001", "76"),
    ]
    journal = [
        # A on colleague B's file: 3 consultations over 2 days in February -> OBLIGATOIRE
        _consultation(datetime(2025, 2, 3, 9, 0), "A", "PB"),
        _consultation(datetime(2025, 2, 3, 9, 5), "A", "PB"),
        _consultation(datetime(2025, 2, 4, 10, 0), "A", "PB"),
        # A on its own file, and on colleague C's file while C is registered at A's agency
        _consultation(datetime(2025, 2, 3, 11, 0), "A", "PA"),
        _consultation(datetime(2025, 2, 3, 11, 0), "A", "PC"),
        # N at night: 6 consultations of 6 persons over 3 days -> one HORS_HORAIRES pair-month
        *[_consultation(datetime(2025, 3, 3 + i % 3, 20, i), "N", f"Q{i}") for i in range(6)],
    ]
    issues = []
    for etab, effectif in EFFECTIFS.items():
        site = AGENCES.get(etab, "DG001")
        for i in range(effectif):
            id_agent = f"E{etab}_{i}"
            agents.append(_agent(id_agent, site, etab))
            jour = date(2025, 1, 6) + timedelta(days=7 * rng.randrange(11))
            journal.append(_consultation(datetime.combine(jour, datetime.min.time()) + timedelta(hours=10),
                                         id_agent, "PX", site))
            tirage = rng.random()
            conclusion = ("NON_EXAMINEE" if tirage < 0.1
                          else "NON_AVEREE" if rng.random() < PART_NON_AVEREE[etab] else "AVEREE")
            issues.append({
                "id_alerte": f"F_{id_agent}", "campagne": "FLUX", "situation": "DOSSIER_ELU_CANDIDAT",
                "id_agent": id_agent, "code_etablissement": etab, "code_agence": AGENCES.get(etab),
                "examen": "FACULTATIF", "nb_consultations": 1, "date_alerte": jour + timedelta(days=1),
                "conclusion": conclusion,
                "date_cloture": None if conclusion == "NON_EXAMINEE" else jour + timedelta(days=10),
            })
    return agents, journal, issues


def _livrer(entrepot, agents, journal, issues):
    entrepot.inserer("inscriptions", [{"id_inscription": "I_C", "id_personne": "PC",
                                       "date_inscription": date(2024, 10, 1), "code_agence": "31001"}],
                     date_extraction=date(2025, 1, 2))
    # B was first delivered as gone; its current version is ACTIF
    entrepot.inserer("agents", [{**agents[1], "statut": "PARTI", "date_sortie": date(2024, 12, 31),
                                 "date_maj": datetime(2024, 12, 1)}], date_extraction=date(2025, 1, 2))
    entrepot.inserer("agents", [{**a, "date_maj": datetime(2025, 1, 1)} for a in agents],
                     date_extraction=date(2025, 1, 3))
    entrepot.inserer("personnes_exposees", [{"id_exposition": "X1", "id_personne": "PX", "nature": "ELU",
                                             "date_debut": date(2020, 7, 1), "date_fin": None}],
                     date_extraction=date(2025, 1, 3))
    # the log day by day, each file repeating the previous day (overlapping extractions), and the
    # first file twice under another sequence number
    jours = sorted({c["horodatage"].date() for c in journal})
    for n, jour in enumerate(jours):
        lignes = [c for c in journal if c["horodatage"].date() in (jour, jours[n - 1] if n else jour)]
        entrepot.inserer("consultations", lignes, date_extraction=jour + timedelta(days=1))
        if n == 0:
            entrepot.inserer("consultations", lignes, date_extraction=jour + timedelta(days=1), sequence=1)
    entrepot.inserer("alertes_finalite", issues, date_extraction=ARRETE)


@pytest.fixture(scope="module")
def entrepot_regles(entrepot_vide):
    agents, journal, issues = _scenario()
    _livrer(entrepot_vide, agents, journal, issues)
    entrepot_vide.dbt(["run", "--select", "+marts.regles_alertes"], vars={"premier_mois": "2025-01", "date_arrete": f"{ARRETE}"})
    return entrepot_vide, issues


def _md5(*parties: str) -> str:
    return hashlib.md5("|".join(parties).encode()).hexdigest()


def test_dbt_regles_alertes_generees(entrepot_regles):
    entrepot, issues = entrepot_regles
    speciales = entrepot.requete(
        """select id_alerte_generee, situation, id_agent, id_personne, mois, code_site,
                  code_etablissement, nb_consultations, nb_jours, premiere_consultation,
                  derniere_consultation, examen
           from marts.alertes_generees where id_agent in ('A', 'N') order by situation""")
    assert speciales == [
        (_md5("DOSSIER_AGENT", "A", "PB", "2025-02-01"), "DOSSIER_AGENT", "A", "PB", date(2025, 2, 1), "31001",
         "76", 3, 2, datetime(2025, 2, 3, 9, 0), datetime(2025, 2, 4, 10, 0), "OBLIGATOIRE"),
        (_md5("HORS_HORAIRES", "N", "", "2025-03-01"), "HORS_HORAIRES", "N", None, date(2025, 3, 1), "31001",
         "76", 6, 3, datetime(2025, 3, 3, 20, 0), datetime(2025, 3, 5, 20, 5), "FACULTATIF"),
    ]
    # one exposure alert per agent of the regions and the DG: one consultation, FACULTATIF
    elus = entrepot.requete(
        """select count(*), min(nb_consultations), max(nb_consultations), min(examen), max(examen)
           from marts.alertes_generees where situation = 'DOSSIER_ELU_CANDIDAT'""")
    assert elus == [(len(issues), 1, 1, "FACULTATIF", "FACULTATIF")]
    assert entrepot.requete("select count(*) from marts.alertes_generees") == [(len(issues) + 2,)]


def _wilson(x: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = x / n
    centre, demi = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - demi) / (1 + z * z / n), (centre + demi) / (1 + z * z / n)


def test_dbt_regles_precision(entrepot_regles):
    entrepot, issues = entrepot_regles
    examinees = [i for i in issues if i["conclusion"] in ("AVEREE", "NON_AVEREE")]
    averees = sum(i["conclusion"] == "AVEREE" for i in examinees)
    rows = entrepot.requete(
        """select alertes, examinees, averees, precision, precision_basse, precision_haute
           from marts.precision_regles
           where situation = 'DOSSIER_ELU_CANDIDAT' and examen = 'FACULTATIF' and tranche_consultations = '1'
             and trimestre = date '2025-01-01'""")
    assert rows == [pytest.approx((len(issues), len(examinees), averees, averees / len(examinees),
                                   *_wilson(averees, len(examinees))))]


def _limite(n: int, p0: float, q: float) -> float:
    """Spiegelhalter's exact binomial funnel limit, written independently of the model."""
    r = 0
    while binom.cdf(r, n, p0) < q:
        r += 1
    a = (binom.cdf(r, n, p0) - q) / binom.pmf(r, n, p0)
    return min(1.0, max(0.0, (r - a) / n))


def test_dbt_regles_equite_limites_binomiales_exactes(entrepot_regles):
    entrepot, issues = entrepot_regles
    examinees = [i for i in issues if i["conclusion"] in ("AVEREE", "NON_AVEREE")]
    p0 = sum(i["conclusion"] == "NON_AVEREE" for i in examinees) / len(examinees)
    attendu = {}
    for region in AGENCES:
        du_lieu = [i for i in examinees if i["code_etablissement"] == region]
        n, x = len(du_lieu), sum(i["conclusion"] == "NON_AVEREE" for i in du_lieu)
        limites = [_limite(n, p0, q) for q in (0.025, 0.975, 0.001, 0.999)]
        part = x / n
        position = ("au_dessus_99_8" if part > limites[3] else "au_dessus_95" if part > limites[1]
                    else "en_dessous_99_8" if part < limites[2] else "en_dessous_95" if part < limites[0]
                    else "dans_les_limites")
        attendu[region] = (n, x, part, len(examinees), p0, *limites, position)
    for type_periode, debut in (("trimestre", date(2025, 1, 1)), ("douze_derniers_mois", date(2024, 4, 1))):
        rows = entrepot.requete(
            """select code_region, examinees, non_averees, part_non_averee, examinees_nationales,
                      part_nationale, limite_basse_95, limite_haute_95, limite_basse_99_8,
                      limite_haute_99_8, position_entonnoir
               from marts.equite_jugement_alertes
               where type_periode = ? and debut_periode = ? and situation = 'DOSSIER_ELU_CANDIDAT'""",
            [type_periode, debut])
        obtenu = {r[0]: r[1:] for r in rows}
        assert obtenu.keys() == attendu.keys(), type_periode
        for region, valeurs in attendu.items():
            assert obtenu[region][:-1] == pytest.approx(valeurs[:-1], abs=1e-9), (type_periode, region)
            assert obtenu[region][-1] == valeurs[-1], (type_periode, region)
    # the regions differ enough for the funnel to tell them apart
    assert {v[-1] for v in attendu.values()} != {"dans_les_limites"}


def test_dbt_regles_increment_jour_par_jour_comme_en_une_fois(entrepot_regles, entrepot_construit, tmp_path):
    """The log's incremental model: a build after new deliveries reads only the new loads (a row
    planted in the model survives it), forgets a load that left the registry (rollback), starts
    again from the whole log when agents are delivered again (the planted row goes), and ends
    with the same alerts as one build on everything."""
    import shutil

    from .conftest import Entrepot

    agents, journal, issues = _scenario()
    vars = {"premier_mois": "2025-01", "date_arrete": f"{ARRETE}"}
    selection = ["run", "--select", "+alertes_generees", "--exclude", "resource_type:seed"]
    requete_alertes = "select * from marts.alertes_generees order by id_alerte_generee"
    planted = "select count(*) from intermediate.int_consultations__candidats where application = 'SENTINELLE'"

    def copie(nom):
        path = tmp_path / nom / "socle.duckdb"
        path.parent.mkdir()
        shutil.copy(entrepot_construit.path, path)
        return Entrepot(path, entrepot_construit.target)

    attendu = entrepot_regles[0].requete(requete_alertes)  # the same deliveries, one build

    # the first half of the log, then the other half day by day
    jours = sorted({c["horodatage"].date() for c in journal})
    debut, suite = jours[: len(jours) // 2], jours[len(jours) // 2:]
    jour_par_jour = copie("jour_par_jour")
    _livrer(jour_par_jour, agents, [c for c in journal if c["horodatage"].date() in debut], issues)
    jour_par_jour.dbt(selection, vars=vars)
    with connect(jour_par_jour.path) as con:  # a row no log holds: only a full rebuild drops it
        con.execute("insert into intermediate.int_consultations__candidats select * replace "
                    "('SENTINELLE' as application) from intermediate.int_consultations__candidats limit 1")

    def livrer_jour(jour):
        jour_par_jour.inserer("consultations", [c for c in journal if c["horodatage"].date() == jour],
                              date_extraction=jour + timedelta(days=1))

    for jour in suite:
        livrer_jour(jour)
    # a rollback then takes the last load of the log out of the registry and the raw layer
    (dernier,) = jour_par_jour.requete("select max(_id_chargement) from raw.consultations")[0]
    with connect(jour_par_jour.path) as con:
        con.execute("delete from raw._fichiers where id_chargement = ?", [dernier])
        con.execute("delete from raw_entrepot.consultations where _id_chargement = ?", [dernier])
    jour_par_jour.dbt(selection, vars=vars)
    assert jour_par_jour.requete(planted) == [(1,)]
    assert jour_par_jour.requete(
        "select count(*) from intermediate.int_consultations__candidats where id_chargement >= ?", [dernier]) == [(0,)]

    # that day again, and agents delivered again (same rows): the whole log is matched again
    livrer_jour(suite[-1])
    jour_par_jour.inserer("agents", [{**a, "date_maj": datetime(2025, 1, 1)} for a in agents],
                          date_extraction=date(2025, 3, 31))
    jour_par_jour.dbt(selection, vars=vars)
    assert jour_par_jour.requete(planted) == [(0,)]
    assert jour_par_jour.requete(requete_alertes) == attendu
