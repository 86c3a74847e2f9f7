"""Shared helpers of the publication tests: hand-made cells, a small territorial tree, and the
attacker that tries to recover secret cells by differences (independent of the implementation:
it rebuilds the equations from the hierarchy itself)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import polars as pl
import pytest

SCHEMA = {
    "indicateur": pl.String, "periode": pl.Date, "type_periode": pl.String, "niveau": pl.String, "territoire": pl.String,
    "dimension": pl.String, "modalite": pl.String, "numerateur": pl.Float64, "denominateur": pl.Float64,
    "valeur": pl.Float64, "unite": pl.String, "provisoire": pl.Boolean,
}
PERIODE = date(2025, 1, 1)

# R1: D1 (a11, a12, a13), D2 (a21, a22), D3 (a31); R2: D4 (a41). Bassins straddle départements.
HIERARCHIE = pl.DataFrame({
    "code_agence": ["a11", "a12", "a13", "a21", "a22", "a31", "a41"],
    "code_bassin": ["B1", "B1", "B2", "B1", "B2", "B2", "B3"],
    "code_departement": ["D1", "D1", "D1", "D2", "D2", "D3", "D4"],
    "code_region": ["R1", "R1", "R1", "R1", "R1", "R1", "R2"],
})


def cellule(niveau, territoire, valeur=None, *, indicateur="demandeurs_fin_de_mois", dimension="ensemble",
            modalite="ensemble", unite="nombre", numerateur=None, denominateur=None, periode=PERIODE,
            type_periode="mois") -> dict:
    if unite == "nombre":
        numerateur = valeur if numerateur is None else numerateur
    elif unite == "taux" and valeur is None and denominateur:
        valeur = numerateur / denominateur
    return {
        "indicateur": indicateur, "periode": periode, "type_periode": type_periode, "niveau": niveau, "territoire": territoire,
        "dimension": dimension, "modalite": modalite,
        "numerateur": None if numerateur is None else float(numerateur),
        "denominateur": None if denominateur is None else float(denominateur),
        "valeur": None if valeur is None else float(valeur), "unite": unite, "provisoire": False,
    }


def cellules(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def parents(hierarchie: pl.DataFrame, niveaux_presents: dict[str, set[str]]) -> list[tuple[str, str, str, str]]:
    """(child level, child, parent level, parent) for every nesting the attacker may use."""
    rel = set()
    for r in hierarchie.iter_rows(named=True):
        rel.add(("AGENCE", r["code_agence"], "DEPARTEMENT", r["code_departement"]))
        rel.add(("AGENCE", r["code_agence"], "BASSIN", r["code_bassin"]))
        rel.add(("DEPARTEMENT", r["code_departement"], "REGION", r["code_region"]))
    rel = {t for t in rel if None not in t}
    for reg in niveaux_presents.get("REGION", set()):
        rel.add(("REGION", reg, "NATIONAL", "FR"))
    for plateforme in niveaux_presents.get("PLATEFORME", set()):  # H6's CRE platforms
        rel.add(("PLATEFORME", plateforme, "NATIONAL", "FR"))
    return sorted(rel)


def equations(rows: list[dict], hierarchie: pl.DataFrame) -> list[tuple[tuple, list[tuple]]]:
    """Every (total key, member keys) an attacker can write: ensemble = Σ modalities, parent = Σ
    children (region/départements, bassin/agences, département/agences, FR/régions)."""
    keys = {
        (r["indicateur"], (r["periode"], r.get("type_periode", "mois")), r["niveau"], r["territoire"], r["dimension"], r["modalite"])
        for r in rows
    }
    presents = defaultdict(set)
    for k in keys:
        presents[k[2]].add(k[3])
    eqs: dict[tuple, list] = defaultdict(list)
    for k in keys:
        ind, per, niv, ter, dim, mod = k
        if dim != "ensemble":
            eqs[("ventilation", (ind, per, niv, ter, "ensemble", "ensemble"), dim)].append(k)
    enfants = defaultdict(list)
    for cn, c, pn, p in parents(hierarchie, presents):
        enfants[(cn, c)].append((pn, p))
    for k in keys:
        ind, per, niv, ter, dim, mod = k
        for pn, p in enfants.get((niv, ter), []):
            eqs[("territoires", (ind, per, pn, p, dim, mod), niv)].append(k)
    return [(total, membres) for (_, total, _), membres in eqs.items() if total in keys]


def attaquer(publiees: list[dict], hierarchie: pl.DataFrame) -> dict[tuple, float]:
    """From the published cells only, recover what subtraction gives: whenever one equation has
    exactly one unknown (for one additive component), solve it; a recovered value is then known
    in the next rounds. Returns {(cell key, component): recovered value}."""

    def cle(r):
        return (r["indicateur"], (r["periode"], r.get("type_periode", "mois")), r["niveau"], r["territoire"], r["dimension"], r["modalite"])

    composantes = {"nombre": ("valeur",), "taux": ("numerateur", "denominateur"), "jours": ("numerateur", "denominateur"),
                   "ratio": ("numerateur", "denominateur")}
    unite = {cle(r): r["unite"] for r in publiees}
    connu: dict[tuple, float] = {}
    for r in publiees:
        if not r["secret"]:
            for comp in composantes[r["unite"]]:
                connu[(cle(r), comp)] = r[comp] or 0.0
    retrouve: dict[tuple, float] = {}
    eqs = equations(publiees, hierarchie)
    progres = True
    while progres:
        progres = False
        for total, membres in eqs:
            for comp in composantes[unite[total]]:
                inconnues = [k for k in [total, *membres] if (k, comp) not in connu]
                if len(inconnues) != 1:
                    continue
                (k,) = inconnues
                somme = sum(connu[(m, comp)] for m in membres if m != k)
                valeur = somme if k == total else connu[(total, comp)] - somme
                connu[(k, comp)] = valeur
                retrouve[(k, comp)] = valeur
                progres = True
    return retrouve


@pytest.fixture
def outils():
    """The helpers above, as a namespace (test modules are imported by path, not as a package)."""

    class Outils:
        pass

    o = Outils()
    for name, obj in {
        "cellule": cellule,
        "cellules": cellules,
        "attaquer": attaquer,
        "equations": equations,
        "HIERARCHIE": HIERARCHIE,
        "PERIODE": PERIODE,
        "SCHEMA": SCHEMA,
    }.items():
        setattr(o, name, obj)
    return o
