"""The slice of the reference data the generator draws from (communes, agencies, experiments).

Everything is turned into numpy arrays once, so that each chunk of people is drawn by vectorised
look-ups (a commune by population, then an agency of that commune, employment zone or
département).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.settings import SEEDS_DIR

REFERENTIEL_DIR = SEEDS_DIR / "referentiel"

#: Overseas regions are out of scope for "all": DEFM counts cover metropolitan France only.
DROM_REGIONS = ("01", "02", "03", "04", "06")
#: Cities whose residents are coded by arrondissement (contract: arrondissement code).
PLM_COMMUNES = ("75056", "13055", "69123")


@dataclass(frozen=True)
class Scope:
    regions: tuple[str, ...]
    departements: tuple[str, ...]
    # communes, indexed 0..nc-1
    commune_code: np.ndarray  # str
    commune_cumprob: np.ndarray  # cumulative probability of residence (float64, last = 1)
    commune_zrr: np.ndarray  # bool: rural commune (ZRR / France Ruralités Revitalisation)
    commune_qpv: np.ndarray  # bool: has quartiers prioritaires
    commune_dep: np.ndarray  # département index
    # candidate agencies of each commune (CSR layout: cand_flat[cand_start[c]:cand_start[c]+cand_count[c]])
    cand_start: np.ndarray
    cand_count: np.ndarray
    cand_flat: np.ndarray
    # agencies, indexed 0..na-1
    agence_code: np.ndarray  # str
    agence_region: np.ndarray  # str
    agence_dep: np.ndarray  # département index
    agence_msa: np.ndarray  # 0 none, 1 MODELE_1, 2 MODELE_2
    agence_msa_debut: np.ndarray  # day number (days since 1970-01-01) of the MSA start
    agence_cre_pilote: np.ndarray  # bool
    agence_cre_debut: np.ndarray  # day number
    agence_rsa_renove: np.ndarray  # bool
    agence_rsa_debut: np.ndarray  # day number
    agence_plateforme: np.ndarray  # str: CRE platform serving the agency
    dep_weight: np.ndarray  # share of the département in the DEFM A+B+C stock


def day_number(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _read(name: str, seeds_dir: Path) -> pl.DataFrame:
    return pl.read_csv(seeds_dir / name, infer_schema=False)  # every column as text: codes keep their zeros


def metropolitan_regions(seeds_dir: Path = REFERENTIEL_DIR) -> tuple[str, ...]:
    regions = _read("regions.csv", seeds_dir)["code_region"].to_list()
    return tuple(sorted(r for r in regions if r not in DROM_REGIONS))


def load_scope(regions: list[str] | tuple[str, ...] | None, seeds_dir: Path = REFERENTIEL_DIR) -> Scope:
    """Build the draw tables for ``regions`` (None or ["all"]: all metropolitan regions)."""
    all_regions = metropolitan_regions(seeds_dir)
    if regions is None or list(regions) == ["all"]:
        regions = all_regions
    regions = tuple(sorted(str(r).zfill(2) for r in regions))
    unknown = [r for r in regions if r not in all_regions]
    if unknown:
        raise ValueError(
            f"Régions inconnues ou hors métropole : {', '.join(unknown)} "
            f"(attendu parmi {', '.join(all_regions)} ou 'all')"
        )

    deps = (
        _read("departements.csv", seeds_dir)
        .filter(pl.col("code_region").is_in(regions))
        .sort("code_departement")
    )
    dep_codes = tuple(deps["code_departement"].to_list())
    dep_index = {d: i for i, d in enumerate(dep_codes)}

    # Département weights: share of the A+B+C stock of the latest month available.
    defm = _read("defm_departement.csv", seeds_dir)
    last = defm["mois"].max()
    stock = (
        defm.filter((pl.col("mois") == last) & pl.col("categorie").is_in(["A", "B", "C"]))
        .with_columns(pl.col("demandeurs").cast(pl.Int64))
        .group_by("code_departement")
        .agg(pl.col("demandeurs").sum())
    )
    stock_map = dict(zip(stock["code_departement"].to_list(), stock["demandeurs"].to_list()))
    dep_weight = np.array([float(stock_map.get(d, 0)) for d in dep_codes])
    if dep_weight.sum() <= 0:  # no DEFM count for the scope: fall back to population
        dep_weight = np.ones(len(dep_codes))
    dep_weight = dep_weight / dep_weight.sum()

    communes = (
        _read("communes.csv", seeds_dir)
        .filter(pl.col("code_departement").is_in(dep_codes) & ~pl.col("code_commune").is_in(PLM_COMMUNES))
        .with_columns(pl.col("population").cast(pl.Int64).fill_null(0))
        .filter(pl.col("population") > 0)
        .sort("code_commune")
    )
    ze = _read("communes_ze2020.csv", seeds_dir).select("code_commune", "code_ze2020")
    communes = communes.join(ze, on="code_commune", how="left")
    c_code = np.array(communes["code_commune"].to_list())
    c_dep = np.array([dep_index[d] for d in communes["code_departement"].to_list()], dtype=np.int32)
    c_pop = communes["population"].to_numpy().astype(np.float64)
    c_ze = communes["code_ze2020"].fill_null("").to_list()

    # Probability of a commune = weight of its département x its share of the département population.
    dep_pop = np.bincount(c_dep, weights=c_pop, minlength=len(dep_codes))
    prob = dep_weight[c_dep] * c_pop / dep_pop[c_dep]
    cumprob = np.cumsum(prob)
    cumprob /= cumprob[-1]

    # Commune-level flags, stable for a commune (not drawn per person): a zlib-free hash of the code.
    h = np.array([_stable_hash(c) for c in c_code], dtype=np.int64)
    zrr = (c_pop < 3500) & (h % 100 < 55)
    qpv = (c_pop >= 10000) & (h % 100 < 85)

    agences = (
        _read("agences.csv", seeds_dir)
        .filter(pl.col("code_departement").is_in(dep_codes))
        .sort("code_agence")
    )
    a_code = np.array(agences["code_agence"].to_list())
    a_dep = np.array([dep_index[d] for d in agences["code_departement"].to_list()], dtype=np.int32)
    a_region = np.array(agences["code_region"].to_list())
    a_commune = agences["code_commune"].to_list()
    a_ze = agences["code_ze2020"].fill_null("").to_list()

    # Candidate agencies of a commune: an agency in the commune, else one of its employment zone
    # within the département, else any agency of the département.
    by_commune: dict[str, list[int]] = {}
    by_ze_dep: dict[tuple[str, int], list[int]] = {}
    by_dep: dict[int, list[int]] = {}
    for i, (com, z, d) in enumerate(zip(a_commune, a_ze, a_dep.tolist())):
        by_commune.setdefault(com, []).append(i)
        by_ze_dep.setdefault((z, d), []).append(i)
        by_dep.setdefault(d, []).append(i)
    missing = [dep_codes[d] for d in range(len(dep_codes)) if d not in by_dep]
    if missing:
        raise ValueError(f"Aucune agence dans le référentiel pour les départements {', '.join(missing)}")
    starts, counts, flat = [], [], []
    for com, z, d in zip(c_code.tolist(), c_ze, c_dep.tolist()):
        cand = by_commune.get(com) or by_ze_dep.get((z, d)) or by_dep[d]
        starts.append(len(flat))
        counts.append(len(cand))
        flat.extend(cand)

    exp = _read("experimentations.csv", seeds_dir)
    na = len(a_code)
    pos = {c: i for i, c in enumerate(a_code.tolist())}
    msa = np.zeros(na, dtype=np.int8)
    msa_debut = np.full(na, day_number(date(2024, 4, 1)), dtype=np.int32)
    cre = np.zeros(na, dtype=bool)
    cre_debut = np.full(na, day_number(date(2024, 4, 1)), dtype=np.int32)
    rsa = np.zeros(na, dtype=bool)
    rsa_debut = np.full(na, day_number(date(2024, 5, 1)), dtype=np.int32)
    for row in exp.iter_rows(named=True):
        i = pos.get(row["code_agence"])
        if i is None:
            continue
        debut = day_number(date.fromisoformat(row["date_debut"]))
        if row["experimentation"] == "MSA":
            msa[i] = 2 if row["modalite"] == "MODELE_2" else 1
            msa_debut[i] = debut
        elif row["experimentation"] == "CRE_RENOVE":
            cre[i] = True
            cre_debut[i] = debut
        elif row["experimentation"] == "RSA_RENOVE":
            rsa[i] = True
            rsa_debut[i] = debut

    # CRE platforms: up to 3 per region, départements shared among them in code order.
    plateforme = []
    dep_rank_in_region: dict[int, int] = {}
    for r in regions:
        r_deps = [i for i, d in enumerate(dep_codes) if deps["code_region"][i] == r]
        for k, d in enumerate(r_deps):
            dep_rank_in_region[d] = k
    for reg, d in zip(a_region.tolist(), a_dep.tolist()):
        plateforme.append(f"PF{reg}-{dep_rank_in_region[d] % 3 + 1}")

    return Scope(
        regions=regions,
        departements=dep_codes,
        commune_code=c_code,
        commune_cumprob=cumprob,
        commune_zrr=zrr,
        commune_qpv=qpv,
        commune_dep=c_dep,
        cand_start=np.array(starts, dtype=np.int64),
        cand_count=np.array(counts, dtype=np.int64),
        cand_flat=np.array(flat, dtype=np.int64),
        agence_code=a_code,
        agence_region=a_region,
        agence_dep=a_dep,
        agence_msa=msa,
        agence_msa_debut=msa_debut,
        agence_cre_pilote=cre,
        agence_cre_debut=cre_debut,
        agence_rsa_renove=rsa,
        agence_rsa_debut=rsa_debut,
        agence_plateforme=np.array(plateforme),
        dep_weight=dep_weight,
    )


def _stable_hash(s: str) -> int:
    # FNV-1a: Python's hash() is salted per process and would break determinism.
    h = 2166136261
    for ch in s.encode():
        h = ((h ^ ch) * 16777619) & 0xFFFFFFFF
    return h
