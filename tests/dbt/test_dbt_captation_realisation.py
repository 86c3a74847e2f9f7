"""End to end through dbt for A2-A3 and B2-B12: hand-made raw rows -> the family marts
(marts.indicateurs_captation / indicateurs_realisation), checked against an independent Python
computation of the contract's rules."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

# a dbt build behind these tests
pytestmark = pytest.mark.slow

ARRETE = date(2025, 3, 31)
# agency -> (region, département, bassin); 99999 is not in the referential.
AGENCES = {
    "31522": ("76", "31", "7625"),  # MSA_MODELE_1
    "31001": ("76", "31", "7625"),  # TEMOIN
    "09131": ("76", "09", "7612"),  # TEMOIN
    "01004": ("84", "01", "8434"),  # HORS_PERIMETRE
    "99999": (None, None, None),
}
OPERATEURS = ["FT", "ML", "CAP_EMPLOI", "CD"]
PARCOURS = ["EMPLOI", "SOCIO_PRO", "SOCIAL"]
NOUVEAU = datetime(2025, 3, 1)


# --- the contract's date rules, written again plainly ------------------------------------------

def _mois(d: date) -> date:
    return d.replace(day=1)


def _dernier_jour(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _plus_un_mois(d: date) -> date:
    """d + 1 calendar month, clamped at the end of the month."""
    suivant = _mois(_dernier_jour(d) + timedelta(days=1))
    return suivant.replace(day=min(d.day, _dernier_jour(suivant).day))


def test_plus_un_mois_borne():
    assert _plus_un_mois(date(2025, 1, 31)) == date(2025, 2, 28)
    assert _plus_un_mois(date(2024, 1, 31)) == date(2024, 2, 29)
    assert _plus_un_mois(date(2025, 12, 15)) == date(2026, 1, 15)


def _territoires(agence: str):
    region, dep, bassin = AGENCES[agence]
    out = [("NATIONAL", "FR"), ("AGENCE", agence)]
    if region:
        out += [("REGION", region), ("DEPARTEMENT", dep), ("BASSIN", bassin)]
    return out


# --- scenario -----------------------------------------------------------------------------------

def _scenario():
    rng = random.Random(20250331)
    agences = list(AGENCES)
    episodes, diagnostics, orientations, accompagnements = [], [], [], []
    for i in range(60):
        debut = date(2024, 12, 20) + timedelta(days=rng.randint(0, 100))
        fin = None
        if rng.random() < 0.4:
            fin = debut + timedelta(days=rng.choice([0, 10, 29, 30, 31, 45, 80]))
        ep = {"id_inscription": f"E{i:02d}", "id_personne": f"P{i:02d}", "date_inscription": debut,
              "date_fin": fin, "motif_fin": rng.choice(["01", "13", None]) if fin else None,
              "code_agence": agences[i % len(agences)],
              "canal_inscription": rng.choice(["EN_LIGNE", "AGENCE", "AUTOMATIQUE"]),
              "allocation": rng.choice(["ARE", "RSA"])}
        episodes.append(ep)
        base = {"id_inscription": ep["id_inscription"], "id_personne": ep["id_personne"],
                "code_agence": ep["code_agence"]}
        for j in range(rng.choice([0, 1, 1, 2])):
            diagnostics.append({**base, "id_diagnostic": f"D{i:02d}{j}",
                                "date_diagnostic": debut + timedelta(days=rng.choice([-2, 0, 10, 30, 31, 50])),
                                "nature": rng.choice(["INITIAL", "INITIAL", "ACTUALISATION"])})
        for j in range(rng.choice([0, 1, 1, 2, 3])):
            propose = rng.choice([None, *OPERATEURS])
            # some orientations on the 31st of a month, to exercise the clamped month
            d_or = debut + timedelta(days=rng.choice([0, 5, 20, 40]))
            if rng.random() < 0.2:
                d_or = date(2025, 1, 31)
            orientations.append({**base, "id_orientation": f"O{i:02d}{j}", "date_orientation": d_or,
                                 "nature": rng.choice(["INITIALE", "INITIALE", "REORIENTATION"]),
                                 "mode": rng.choice(["AUTOMATIQUE", "EDO_TELEPHONE"]),
                                 "operateur_propose": propose,
                                 "parcours_propose": rng.choice(PARCOURS) if propose else None,
                                 "operateur_retenu": rng.choice(OPERATEURS),
                                 "parcours_retenu": rng.choice(PARCOURS),
                                 "motif_reorientation": rng.choice([None, "CORDE_DE_RAPPEL", "DIAGNOSTIC"])})
        for j in range(rng.choice([0, 1, 1, 2])):
            a_debut = debut + timedelta(days=rng.choice([-5, 0, 12, 15, 16, 25, 60]))
            signature = None
            if rng.random() < 0.7:
                signature = rng.choice([a_debut, date(2025, 2, 28), date(2025, 3, 1),
                                        debut + timedelta(days=rng.randint(0, 60))])
            accompagnements.append({
                **base, "id_accompagnement": f"A{i:02d}{j}", "date_debut": a_debut,
                "date_fin": a_debut + timedelta(days=rng.choice([20, 45])) if rng.random() < 0.4 else None,
                "operateur": rng.choice(OPERATEURS), "parcours": rng.choice(PARCOURS),
                "modalite": rng.choice(["SUIVI", "GUIDE", "INTENSIF"]),
                "date_signature_ce": signature,
                "intensite_hebdo_heures": rng.choice([None, 10, 14.5, 15, 20])})
    return episodes, diagnostics, orientations, accompagnements


def _livrer(entrepot, episodes, diagnostics, orientations, accompagnements):
    # older versions (corrected later): other month, other agency, other nature -- ignored
    ancien = datetime(2025, 1, 15)
    entrepot.inserer("inscriptions", [{**e, "date_inscription": date(2025, 2, 2), "code_agence": "01004",
                                       "date_fin": None, "date_maj": ancien} for e in episodes[:6]],
                     date_extraction=date(2025, 2, 1))
    entrepot.inserer("orientations", [{**o, "date_orientation": date(2025, 2, 15), "nature": "INITIALE",
                                       "date_maj": ancien} for o in orientations[:6]],
                     date_extraction=date(2025, 2, 1))
    entrepot.inserer("inscriptions", [{**e, "date_maj": NOUVEAU} for e in episodes],
                     date_extraction=date(2025, 3, 10))
    # a doublon episode with its events: counts nowhere
    doublon = {"id_inscription": "X1", "id_personne": "PX", "date_inscription": date(2025, 2, 3),
               "date_fin": date(2025, 2, 4), "motif_fin": "14", "code_agence": "31001",
               "date_maj": NOUVEAU}
    entrepot.inserer("inscriptions", [doublon], date_extraction=date(2025, 3, 10), sequence=1)
    base_x = {"id_inscription": "X1", "id_personne": "PX", "code_agence": "31001", "date_maj": NOUVEAU}
    entrepot.inserer("diagnostics", [{**d, "date_maj": NOUVEAU} for d in diagnostics]
                     + [{**base_x, "id_diagnostic": "DX", "date_diagnostic": date(2025, 2, 3)}],
                     date_extraction=date(2025, 3, 31))
    entrepot.inserer("orientations", [{**o, "date_maj": NOUVEAU} for o in orientations]
                     + [{**base_x, "id_orientation": "OX", "date_orientation": date(2025, 2, 3),
                         "nature": "REORIENTATION", "mode": "AUTOMATIQUE", "operateur_retenu": "FT",
                         "parcours_retenu": "EMPLOI"}],
                     date_extraction=date(2025, 3, 31))
    # a tombstoned accompaniment of a real episode, that would be running and intensive
    fantome = {"id_accompagnement": "AZ", "id_inscription": episodes[0]["id_inscription"],
               "id_personne": episodes[0]["id_personne"], "code_agence": episodes[0]["code_agence"],
               "date_debut": date(2025, 1, 2), "operateur": "CD", "parcours": "SOCIAL",
               "modalite": "GLOBAL", "intensite_hebdo_heures": 30,
               "date_signature_ce": date(2025, 1, 2)}
    entrepot.inserer("accompagnements", [{**a, "date_maj": NOUVEAU} for a in accompagnements]
                     + [{**fantome, "date_maj": datetime(2025, 1, 5)}],
                     date_extraction=date(2025, 3, 20))
    entrepot.inserer("accompagnements", [{**fantome, "supprime": True, "date_maj": NOUVEAU}],
                     date_extraction=date(2025, 3, 31))


def _premier(evenements, cle_date, cle_id, filtre=lambda e: True):
    """First event per episode: earliest date, ties broken by the smallest key."""
    out = {}
    for e in sorted(evenements, key=lambda e: (e[cle_date], e[cle_id])):
        if filtre(e):
            out.setdefault(e["id_inscription"], e)
    return out


def _attendu(episodes, diagnostics, orientations, accompagnements, mois):
    """Cells {(indicateur, periode, niveau, territoire, dimension, modalite): (num, den, valeur, provisoire)}."""
    ep_par_id = {e["id_inscription"]: e for e in episodes}
    obs = lambda d: d is not None and d <= ARRETE  # noqa: E731
    prem_diag = {k: v["date_diagnostic"] for k, v in
                 _premier(diagnostics, "date_diagnostic", "id_diagnostic",
                          lambda d: d["nature"] == "INITIAL").items()}
    prem_or = _premier(orientations, "date_orientation", "id_orientation",
                       lambda o: o["nature"] == "INITIALE")
    acc_par_ep = defaultdict(list)
    for a in accompagnements:
        acc_par_ep[a["id_inscription"]].append(a)

    comptes = defaultdict(int)  # nombre
    taux = defaultdict(lambda: [0, 0])  # [numerateur, denominateur]
    prov = {}

    def ajouter(ind, m, agence, dims, provisoire, numerateur=None):
        for n, t in _territoires(agence):
            for dim, mod in [("ensemble", "ensemble"), *dims]:
                k = (ind, m, n, t, dim, mod)
                prov[k] = provisoire
                if numerateur is None:
                    comptes[k] += 1
                else:
                    taux[k][0] += int(numerateur)
                    taux[k][1] += 1

    mois_prov = lambda m: _dernier_jour(m) > ARRETE  # noqa: E731
    for e in episodes:
        m = _mois(e["date_inscription"])
        if m in mois and obs(e["date_inscription"]):
            ajouter("entrees", m, e["code_agence"], [("canal_inscription", e["canal_inscription"])],
                    mois_prov(m))
            # B2: horizon 30 days, exits before any diagnostic within 30 days leave
            diag = prem_diag.get(e["id_inscription"])
            diag = diag if obs(diag) else None
            fin = e["date_fin"] if obs(e["date_fin"]) else None
            sorti = fin is not None and (fin - e["date_inscription"]).days <= 30 and (diag is None or diag > fin)
            if not sorti:
                atteint = diag is not None and max(0, (diag - e["date_inscription"]).days) <= 30
                ajouter("taux_diagnostic_30j", m, e["code_agence"], [],
                        _dernier_jour(m) + timedelta(days=30) > ARRETE, atteint)
        if e["date_fin"] and obs(e["date_fin"]) and _mois(e["date_fin"]) in mois:
            ajouter("sorties", _mois(e["date_fin"]), e["code_agence"],
                    [("motif_fin", e["motif_fin"] or "non_renseigne")], mois_prov(_mois(e["date_fin"])))
        # B8: cohort of the month of the first diagnostic
        diag = prem_diag.get(e["id_inscription"])
        if obs(diag) and _mois(diag) in mois:
            entrees = sorted((a for a in acc_par_ep[e["id_inscription"]]
                              if diag <= a["date_debut"] <= diag + timedelta(days=15) and obs(a["date_debut"])),
                             key=lambda a: (a["date_debut"], a["id_accompagnement"]))
            ajouter("taux_entree_parcours_15j", _mois(diag), e["code_agence"],
                    [("parcours", entrees[0]["parcours"] if entrees else "aucun"), ("allocation", e["allocation"])],
                    _dernier_jour(diag) + timedelta(days=15) > ARRETE, bool(entrees))

    # stocks on the last day L (the date d'arrêté for its month)
    for m in mois:
        L = min(_dernier_jour(m), ARRETE)
        for e in episodes:
            ouvert = e["date_inscription"] <= L and (e["date_fin"] is None or e["date_fin"] > L)
            if not ouvert:
                continue
            diag = prem_diag.get(e["id_inscription"])
            if diag is None or diag > L:
                jours = (L - e["date_inscription"]).days
                attente = "moins_30j" if jours < 30 else "30_89j" if jours < 90 else "90j_plus"
                ajouter("en_attente_diagnostic", m, e["code_agence"], [("attente", attente)], mois_prov(m))
            elif not any(a["date_debut"] <= L for a in acc_par_ep[e["id_inscription"]]):
                ajouter("en_attente_parcours", m, e["code_agence"], [("allocation", e["allocation"])], mois_prov(m))
        for a in accompagnements:
            if a["date_debut"] <= L and (a["date_fin"] is None or a["date_fin"] > L):
                agence, allocation = (ep_par_id[a["id_inscription"]][c] for c in ("code_agence", "allocation"))
                dims = [("operateur", a["operateur"]), ("allocation", allocation)]
                ajouter("accompagnements_en_cours", m, agence, dims, mois_prov(m))
                intensif = a["intensite_hebdo_heures"] is not None and a["intensite_hebdo_heures"] >= 15
                ajouter("part_accompagnement_intensif", m, agence, dims, mois_prov(m), intensif)

    # B4 / B5 / B6 / B7 on the first INITIALE orientation
    for o in prem_or.values():
        m = _mois(o["date_orientation"])
        if not (obs(o["date_orientation"]) and m in mois):
            continue
        agence = ep_par_id[o["id_inscription"]]["code_agence"]
        ajouter("orientations_initiales", m, agence, [("operateur_retenu", o["operateur_retenu"])], mois_prov(m))
        if o["operateur_propose"] is not None:
            ecart = (o["operateur_retenu"] != o["operateur_propose"]
                     or o["parcours_retenu"] != o["parcours_propose"])
            ajouter("taux_ecart_algorithme", m, agence, [("operateur_propose", o["operateur_propose"])],
                    mois_prov(m), ecart)
        borne = _plus_un_mois(o["date_orientation"])
        signe = any(a["date_signature_ce"] is not None and obs(a["date_signature_ce"])
                    and o["date_orientation"] <= a["date_signature_ce"] <= borne
                    for a in acc_par_ep[o["id_inscription"]])
        ajouter("taux_contrat_engagement_1_mois", m, agence,
                [("operateur_retenu", o["operateur_retenu"]), ("allocation", ep_par_id[o["id_inscription"]]["allocation"])],
                _plus_un_mois(_dernier_jour(m)) > ARRETE, signe)
    for o in orientations:
        m = _mois(o["date_orientation"])
        if o["nature"] == "REORIENTATION" and obs(o["date_orientation"]) and m in mois:
            ajouter("reorientations", m, ep_par_id[o["id_inscription"]]["code_agence"],
                    [("motif_reorientation", o["motif_reorientation"] or "non_renseigne")], mois_prov(m))

    cellules = {k: (float(v), None, float(v), prov[k]) for k, v in comptes.items()}
    cellules.update({k: (float(n), float(d), n / d, prov[k]) for k, (n, d) in taux.items()})
    # B5: share of all the first orientations of the cell's period and territory
    for k, v in comptes.items():
        if k[0] == "orientations_initiales" and k[4] in ("ensemble", "operateur_retenu"):
            total = comptes[(k[0], k[1], k[2], k[3], "ensemble", "ensemble")]
            cellules[("repartition_orientation", *k[1:])] = (float(v), float(total), v / total, prov[k])
    return cellules


CONTROLES = {
    "entrees": ("ensemble", "canal_inscription"),
    "sorties": ("ensemble", "motif_fin"),
    "taux_diagnostic_30j": ("ensemble",),
    "en_attente_diagnostic": ("ensemble", "attente"),
    "orientations_initiales": ("ensemble", "operateur_retenu"),
    "repartition_orientation": ("ensemble", "operateur_retenu"),
    "taux_ecart_algorithme": ("ensemble", "operateur_propose"),
    "taux_contrat_engagement_1_mois": ("ensemble", "operateur_retenu", "allocation"),
    "taux_entree_parcours_15j": ("ensemble", "parcours", "allocation"),
    "en_attente_parcours": ("ensemble", "allocation"),
    "accompagnements_en_cours": ("ensemble", "operateur", "allocation"),
    "part_accompagnement_intensif": ("ensemble", "operateur", "allocation"),
    "reorientations": ("ensemble", "motif_reorientation"),
}


@pytest.fixture(scope="module")
def entrepot_ab(entrepot_vide):
    donnees = _scenario()
    _livrer(entrepot_vide, *donnees)
    # the two families' marts and what they read (seeds loaded, unit tests ran in the first build)
    entrepot_vide.dbt(["run", "--select", "+indicateurs_captation", "+indicateurs_realisation"], vars={"premier_mois": "2024-12"})
    mois = [r[0] for r in entrepot_vide.requete(
        "select periode from intermediate.int_mois__calendrier order by periode")]
    return entrepot_vide, donnees, mois


def _cellules_sql(entrepot):
    rows = entrepot.requete(
        """select indicateur, periode, niveau, territoire, dimension, modalite, numerateur,
                  denominateur, valeur, provisoire
           from (select * from marts.indicateurs_captation
                 union all select * from marts.indicateurs_realisation)
           where type_periode = 'mois'""")
    return {r[:6]: tuple(r[6:]) for r in rows if r[4] in CONTROLES.get(r[0], ())}


def test_dbt_a2_a3_b2_b12_egaux_au_calcul_independant(entrepot_ab):
    entrepot, donnees, mois = entrepot_ab
    assert mois[0] == date(2024, 12, 1) and mois[-1] == date(2025, 3, 1)
    attendu = _attendu(*donnees, mois)
    obtenu = _cellules_sql(entrepot)
    for indicateur in CONTROLES:
        a = {k: v for k, v in attendu.items() if k[0] == indicateur}
        o = {k: v for k, v in obtenu.items() if k[0] == indicateur}
        assert a, f"le scénario ne produit aucune cellule {indicateur}"
        assert set(o) == set(a), (indicateur, set(o) ^ set(a))
        for k in a:
            assert o[k][0] == a[k][0] and o[k][1] == a[k][1] and o[k][3] == a[k][3], (k, o[k], a[k])
            assert o[k][2] == pytest.approx(a[k][2]), (k, o[k], a[k])
    # the scenario exercises what it is meant to: partial ratios, final and provisional cells
    for indicateur in ("taux_diagnostic_30j", "taux_ecart_algorithme", "taux_contrat_engagement_1_mois",
                       "taux_entree_parcours_15j", "part_accompagnement_intensif"):
        cellules = [v for k, v in attendu.items() if k[0] == indicateur and k[4] == "ensemble"]
        assert any(0 < v[0] < v[1] for v in cellules), indicateur
    # a signature after the clamped month but within 31 days (31 January -> 1 March) exists
    episodes, _, orientations, accompagnements = donnees
    assert any(o["date_orientation"] == date(2025, 1, 31) and a["id_inscription"] == o["id_inscription"]
               and a["date_signature_ce"] == date(2025, 3, 1)
               for o in orientations if o["nature"] == "INITIALE" for a in accompagnements)
    # windows beyond the month: the last months are provisional at the date d'arrêté (month end)
    for indicateur in ("taux_diagnostic_30j", "taux_contrat_engagement_1_mois", "taux_entree_parcours_15j"):
        cellules = [v for k, v in attendu.items() if k[0] == indicateur and k[4] == "ensemble"]
        assert {v[3] for v in cellules} == {True, False}, indicateur


def test_dbt_b5_parts_somment_a_un(entrepot_ab):
    entrepot, _, _ = entrepot_ab
    ecarts = entrepot.requete(
        """select periode, niveau, territoire, dimension, sum(valeur), sum(numerateur), max(denominateur)
           from marts.indicateurs_realisation
           where indicateur = 'repartition_orientation'
           group by all
           having abs(sum(valeur) - 1) > 1e-9 or sum(numerateur) <> max(denominateur)""")
    assert ecarts == []


def test_dbt_ab_toutes_les_ventilations_du_contrat(entrepot_ab):
    entrepot, _, _ = entrepot_ab
    attendues = {
        "entrees": {"canal_inscription", "allocation", "tranche_age", "sexe"},
        "sorties": {"motif_fin"},
        "taux_diagnostic_30j": {"allocation", "canal_inscription", "groupe_experimentation"},
        "en_attente_diagnostic": {"attente"},
        "orientations_initiales": {"operateur_retenu", "parcours_retenu", "mode"},
        "repartition_orientation": {"operateur_retenu", "parcours_retenu"},
        "taux_ecart_algorithme": {"operateur_propose"},
        # allocation on B7-B11: the RSA follow-up of the départements' committees (indicators-rpe.md)
        "taux_contrat_engagement_1_mois": {"operateur_retenu", "allocation"},
        "taux_entree_parcours_15j": {"parcours", "groupe_experimentation", "allocation"},
        "en_attente_parcours": {"allocation"},
        "accompagnements_en_cours": {"operateur", "parcours", "modalite", "allocation"},
        "part_accompagnement_intensif": {"operateur", "parcours", "allocation"},
        "reorientations": {"motif_reorientation"},
    }
    for indicateur, dims in attendues.items():
        obtenues = {r[0] for r in entrepot.requete(
            """select distinct dimension from (select * from marts.indicateurs_captation
               union all select * from marts.indicateurs_realisation) where indicateur = ?""",
            [indicateur])}
        assert obtenues == {"ensemble", *dims}, indicateur
