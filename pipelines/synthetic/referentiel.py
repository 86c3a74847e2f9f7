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

from pipelines.core.settings import SEEDS_DIR

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


#: DEFM categories counted as "registered persons" for the default size of a département: the
#: generator gives every person one of the categories A to E at registration (G and F, created in
#: 2025, do not exist in the 2016 series), so its persons match the whole A–E stock.
CATEGORIES_INSCRITS = ("A", "B", "C", "D", "E")

CONFLIT_REGIONS_DEPARTEMENTS = (
    "--regions et --departements ne peuvent pas être utilisées ensemble : choisir soit des régions, "
    "soit des départements"
)


def _latest_defm(seeds_dir: Path, categories) -> tuple[str, dict[str, int]]:
    """Latest month of the DEFM series and the stock of ``categories`` per département that month."""
    defm = _read("defm_departement.csv", seeds_dir)
    last = defm["mois"].max()
    stock = (
        defm.filter((pl.col("mois") == last) & pl.col("categorie").is_in(list(categories)))
        .with_columns(pl.col("demandeurs").cast(pl.Int64))
        .group_by("code_departement")
        .agg(pl.col("demandeurs").sum())
    )
    return last, dict(zip(stock["code_departement"].to_list(), stock["demandeurs"].to_list()))


def normalize_departements(departements, seeds_dir: Path = REFERENTIEL_DIR) -> tuple[str, ...]:
    """Sorted, de-duplicated COG codes of metropolitan départements (``1`` → ``01``, ``2a`` → ``2A``).

    Raises ``ValueError`` in French naming the unknown or overseas codes.
    """
    codes = sorted({str(d).strip().upper().zfill(2) for d in departements if str(d).strip()})
    if not codes:
        raise ValueError("Aucun département demandé : donner au moins un code COG (par exemple 31 ou 2A)")
    table = _read("departements.csv", seeds_dir)
    region_of = dict(zip(table["code_departement"].to_list(), table["code_region"].to_list()))
    unknown = [d for d in codes if d not in region_of]
    if unknown:
        raise ValueError(
            f"{'Départements inconnus' if len(unknown) > 1 else 'Département inconnu'} : {', '.join(unknown)} "
            "(codes COG des départements, par exemple 31, 2A ou 31,32)"
        )
    overseas = [d for d in codes if region_of[d] in DROM_REGIONS]
    if overseas:
        raise ValueError(
            f"{'Départements' if len(overseas) > 1 else 'Département'} hors métropole : {', '.join(overseas)} "
            "(les effectifs DARES du référentiel ne couvrent que la métropole)"
        )
    return tuple(codes)


def personnes_reference(departements, seeds_dir: Path = REFERENTIEL_DIR) -> tuple[int, str]:
    """Real number of registered people of ``departements`` and the month of that figure.

    Sum of the DEFM categories A to E (``CATEGORIES_INSCRITS``) of the latest month of
    ``defm_departement.csv`` (2016-06). Raises ``ValueError`` for unknown codes.
    """
    codes = normalize_departements(departements, seeds_dir)
    mois, stock = _latest_defm(seeds_dir, CATEGORIES_INSCRITS)
    missing = [d for d in codes if not stock.get(d)]
    if missing:
        raise ValueError(f"Pas d'effectif DARES dans le référentiel pour les départements {', '.join(missing)}")
    return sum(stock[d] for d in codes), mois


def load_scope(
    regions: list[str] | tuple[str, ...] | None,
    seeds_dir: Path = REFERENTIEL_DIR,
    *,
    departements: list[str] | tuple[str, ...] | None = None,
) -> Scope:
    """Build the draw tables for ``regions`` (None or ["all"]: all metropolitan regions), or for
    the ``departements`` only (then ``regions`` must be None: the scope is those départements,
    their communes and agencies, drawn exactly as within their regions)."""
    all_regions = metropolitan_regions(seeds_dir)
    dep_table = _read("departements.csv", seeds_dir).sort("code_departement")
    if departements is not None:
        if regions is not None:
            raise ValueError(CONFLIT_REGIONS_DEPARTEMENTS)
        dep_codes = normalize_departements(departements, seeds_dir)
        deps = dep_table.filter(pl.col("code_departement").is_in(dep_codes))
        regions = tuple(sorted(set(deps["code_region"].to_list())))
    else:
        if regions is None or list(regions) == ["all"]:
            regions = all_regions
        regions = tuple(sorted(str(r).zfill(2) for r in regions))
        unknown = [r for r in regions if r not in all_regions]
        if unknown:
            raise ValueError(
                f"Régions inconnues ou hors métropole : {', '.join(unknown)} "
                f"(attendu parmi {', '.join(all_regions)} ou 'all')"
            )
        deps = dep_table.filter(pl.col("code_region").is_in(regions))
        dep_codes = tuple(deps["code_departement"].to_list())
    dep_index = {d: i for i, d in enumerate(dep_codes)}

    # Département weights: share of the A+B+C stock of the latest month available.
    _, stock_map = _latest_defm(seeds_dir, ("A", "B", "C"))
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

    # CRE platforms: up to 3 per region, the region's départements shared among them in code order
    # (ranked among all the départements of the region: a département simulated alone keeps the
    # platform it has when its whole region is simulated).
    plateforme = []
    dep_rank_in_region: dict[int, int] = {}
    seen: dict[str, int] = {}
    for code, reg in zip(dep_table["code_departement"].to_list(), dep_table["code_region"].to_list()):
        if code in dep_index:
            dep_rank_in_region[dep_index[code]] = seen.get(reg, 0)
        seen[reg] = seen.get(reg, 0) + 1
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
