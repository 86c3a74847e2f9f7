"""Disclosure control of the families of indicators-rpe.md on hand-made tables: a mean (unit
`ratio`) whose numerator exceeds its denominator, a denominator of distinct advisers, the CRE
platforms' own level, the linear relations between interviews (H3, H4, H5) and F7's barriers,
which do not add up. The relations must hold on true values (none dropped), the optimiser must
protect every primary-secret quantity and the independent audit find no violation."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.secret import systeme
from pipelines.secret.audit import auditer
from pipelines.secret.primaire import motifs_primaires
from pipelines.secret.protection import RegleProtection, proteger

_spec = importlib.util.spec_from_file_location("aide_secret", Path(__file__).with_name("aide_secret.py"))
aide = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(aide)

JUIN = date(2026, 6, 1)
AGENCES = {"31001": ("7601", "31", "76"), "31002": ("7601", "31", "76"), "31003": ("7602", "31", "76")}


def _cellule(indicateur, niveau, territoire, n, d, unite, dimension="ensemble", modalite="ensemble"):
    valeur = n if unite == "nombre" else n / d
    return {"indicateur": indicateur, "periode": JUIN, "type_periode": "mois", "niveau": niveau, "territoire": territoire,
            "dimension": dimension, "modalite": modalite, "numerateur": float(n),
            "denominateur": None if unite == "nombre" else float(d), "valeur": float(valeur), "unite": unite,
            "provisoire": False}


def _charge():
    """H1 (an adviser in 31001 and 31002: the département's advisers are fewer than the sum),
    H3/H4/H5 (interviews held, no-shows, minutes), H6 (two platforms and France)."""
    hier = aide.hierarchie(AGENCES)
    lignes = []
    # H1: accompaniments / distinct advisers; 31001 has 2 advisers (secret), one shared with 31002
    h1 = {"31001": (130, 2), "31002": (900, 12), "31003": (1000, 13)}
    for a, (n, d) in h1.items():
        lignes.append(_cellule("taille_portefeuille_moyenne", "AGENCE", a, n, d, "ratio"))
    lignes.append(_cellule("taille_portefeuille_moyenne", "BASSIN", "7601", 1030, 13, "ratio"))
    lignes.append(_cellule("taille_portefeuille_moyenne", "BASSIN", "7602", 1000, 13, "ratio"))
    for niveau, t in (("DEPARTEMENT", "31"), ("REGION", "76"), ("NATIONAL", "FR")):
        lignes.append(_cellule("taille_portefeuille_moyenne", niveau, t, 2030, 26, "ratio"))
    # H3 held, H4 no-shows among held + missed, H5 minutes of the held ones with a length
    entretiens = {"31001": (30, 4, 29, 1160), "31002": (200, 40, 200, 8000), "31003": (150, 30, 150, 6000)}
    totaux = {"7601": ("31001", "31002"), "7602": ("31003",), "31": tuple(AGENCES), "76": tuple(AGENCES),
              "FR": tuple(AGENCES)}
    niveaux = {"7601": "BASSIN", "7602": "BASSIN", "31": "DEPARTEMENT", "76": "REGION", "FR": "NATIONAL"}
    for t, agences in [*((a, (a,)) for a in AGENCES), *totaux.items()]:
        niveau = niveaux.get(t, "AGENCE")
        v, absents, nd, minutes = (sum(entretiens[a][i] for a in agences) for i in range(4))
        lignes.append(_cellule("entretiens_realises", niveau, t, v, None, "nombre"))
        lignes.append(_cellule("taux_absence_entretiens", niveau, t, absents, v + absents, "taux"))
        lignes.append(_cellule("duree_entretien_moyenne", niveau, t, minutes, nd, "ratio"))
    # H6: platforms and France
    for t, v in (("PF_A", 4.0), ("PF_B", 60.0)):
        lignes.append(_cellule("controles_par_plateforme", "PLATEFORME", t, v, None, "nombre"))
    lignes.append(_cellule("controles_par_plateforme", "NATIONAL", "FR", 64.0, None, "nombre"))
    return pl.DataFrame(lignes), hier


def test_a_mean_is_secret_for_its_denominator_only():
    cells, _ = _charge()
    motifs = cells.with_columns(motifs_primaires(cells, 11).alias("motif"))
    # 130 accompaniments held by 2 advisers: secret (2 advisers); 1 160 minutes of 29 interviews: not
    h1 = motifs.filter((pl.col("indicateur") == "taille_portefeuille_moyenne") & (pl.col("territoire") == "31001"))
    h5 = motifs.filter((pl.col("indicateur") == "duree_entretien_moyenne") & (pl.col("territoire") == "31001"))
    assert h1["motif"].to_list() == ["primaire_denominateur"] and h5["motif"].to_list() == [None]


def test_relations_of_the_new_families_hold_on_true_values():
    """No relation dropped: a ratio's numerator above its denominator is no n ≤ d, the advisers of
    the département are at most the sum of its agencies', the platforms add up to France, H4's
    appointments are H3's interviews plus the no-shows."""
    cells, hier = _charge()
    S = systeme.construire(cells.with_row_index("_i"), hier)
    assert S.ecarts == {"identites": 0}, S.ecarts
    familles = set(S.famille.tolist())
    assert {"relations", "territoires", "numerateur_denominateur"} <= familles
    # H4 d − H4 n − H3 v = 0 at every one of the 8 territories (ensemble)
    assert int((S.famille == "relations").sum()) >= 8


def test_barriers_do_not_add_up_and_share_the_population():
    """F7 by barrier: a person counts in each barrier of the diagnostic; every barrier's
    denominator is the whole population. Neither is dropped as a relation that does not hold."""
    hier = aide.hierarchie({"31001": ("7601", "31", "76")})
    lignes = []
    for niveau, t in (("AGENCE", "31001"), ("BASSIN", "7601"), ("DEPARTEMENT", "31"), ("REGION", "76"),
                      ("NATIONAL", "FR")):
        lignes.append(_cellule("taux_diagnostic_avec_freins", niveau, t, 30, 50, "taux"))
        for frein, n in (("MOBILITE", 20), ("SANTE", 15), ("LOGEMENT", 12)):  # 47 > 30: not additive
            lignes.append(_cellule("taux_diagnostic_avec_freins", niveau, t, n, 50, "taux", "frein", frein))
    S = systeme.construire(pl.DataFrame(lignes).with_row_index("_i"), hier)
    assert S.ecarts == {"identites": 0}, S.ecarts
    # the four denominators of a territory are one quantity
    d = [q for q, lettre, c in zip(S.cq_quantite, S.cq_lettre, S.cq_cellule) if lettre == "d" and c < 4]
    assert len(set(d)) == 1


def test_the_optimiser_protects_the_new_families_and_the_audit_agrees(tmp_path):
    cells, hier = _charge()
    # tables too small for the publication plan: every one published, to test the equations
    out, bilan = proteger(cells, hier, 11, RegleProtection(part_non_diffusion=None))
    assert bilan.non_proteges == 0, bilan
    publiee = out.select(*aide.COLONNES, "secret")
    secret = set(publiee.filter("secret").select("indicateur", "territoire").iter_rows())
    # the 2 advisers of 31001 and the platform of 4 controls are hidden
    assert ("taille_portefeuille_moyenne", "31001") in secret and ("controles_par_plateforme", "PF_A") in secret
    # France publishes 64 controls (D1's total): the other platform must be hidden too
    assert ("controles_par_plateforme", "PF_B") in secret
    chemin = aide.entrepot(tmp_path / "w.duckdb", cells, hier, publiee)
    con = duckdb.connect(str(chemin), read_only=True)
    try:
        res = auditer(con, 11, exact=True, zeros_masques=True)
    finally:
        con.close()
    assert res.quantites_auditees > 0 and res.violations == [] and res.relations_ecartees == 0, res.resume()
