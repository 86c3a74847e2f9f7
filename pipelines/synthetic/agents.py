"""Staff and exposed persons for the alert rules: ``agents``, ``personnes_exposees``, and the index
of legitimate links (who is registered or accompanied at which agency, on which days).

The index is filled chunk after chunk from the delivered versions of ``inscriptions`` and
``accompagnements`` (their state as of ``end``, what the rules will read), kept only for the
consultation window, so that the log can draw each agent's portfolio of the day and the planted
cases can be checked against the contract's "legitimate link" exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.core import contract as C
from pipelines.synthetic.referentiel import Scope, day_number
from pipelines.synthetic.simulation import DAY, NONE, ids, pick

PERSONNES_PAR_AGENT = 70
PART_REGIONAUX = 0.04  # regional directorate staff (no agency)
PART_NATIONAUX = 0.01  # DG, DSI, PES
PART_PARTIS = 0.10  # agents who left during the period
PART_INSCRITS_ACTIFS = 0.08  # active agents who also have a job-seeker file
PART_INSCRITS_PARTIS = 0.5  # many who leave register as job seekers
EXPOSES_POUR_MILLE = 4

_BIG = 10_000_000_000  # > any person number: (agency, person) packed in one int64


# ---------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------


def iso_weekday(days: np.ndarray | int) -> np.ndarray | int:
    """ISO day of the week (Monday 1 … Sunday 7) of day numbers (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7 + 1 if isinstance(days, np.ndarray) else (days + 3) % 7 + 1


def _paques(y: int) -> date:
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (h + m - 7 * ((a + 11 * h + 22 * m) // 451) + 114)
    return date(y, n // 31, n % 31 + 1)


def jours_feries(annees) -> set[int]:
    """French public holidays (metropolitan) as day numbers: no consultations on those days."""
    out = set()
    for y in annees:
        p = _paques(y)
        fixes = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
        out |= {day_number(date(y, m, d)) for m, d in fixes}
        out |= {day_number(p + timedelta(days=k)) for k in (1, 39, 50)}
    return out


def jours_ouvres(d0: int, d1: int) -> np.ndarray:
    """Working days (Monday to Friday, not a public holiday) from ``d0`` to ``d1`` included."""
    days = np.arange(d0, d1 + 1, dtype=np.int64)
    annees = range((date(1970, 1, 1) + timedelta(days=d0)).year, (date(1970, 1, 1) + timedelta(days=d1)).year + 1)
    feries = np.array(sorted(jours_feries(annees)), dtype=np.int64)
    return days[(iso_weekday(days) <= 5) & ~np.isin(days, feries)]


def hhmm(seconds: np.ndarray) -> np.ndarray:
    s = np.asarray(seconds) // 60
    return np.char.add(np.char.add(np.char.zfill((s // 60).astype(str), 2), ":"), np.char.zfill((s % 60).astype(str), 2))


# ---------------------------------------------------------------------------------------------
# Legitimate links: registration episodes and accompaniments open at an agency
# ---------------------------------------------------------------------------------------------


class Liens:
    """Intervals (person, agency, first day, last day) of the delivered episodes and
    accompaniments that overlap the consultation window ``[w0, end]``."""

    _COLONNES = {"inscriptions": ("id_inscription", "date_inscription"),
                 "accompagnements": ("id_accompagnement", "date_debut")}

    def __init__(self, scope: Scope, w0: int, end: int):
        self.na = len(scope.agence_code)
        self.pos = {c: i for i, c in enumerate(scope.agence_code.tolist())}
        self.w0, self.end = w0, end
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._connus: list[np.ndarray] = []

    def ajouter(self, export: str, df: pl.DataFrame) -> None:
        """Add the current records of one chunk's delivered versions (``extractions`` output)."""
        if export not in self._COLONNES or df.height == 0:
            return
        key, debut = self._COLONNES[export]
        cur = (df.sort([key, "_ts"]).group_by(key, maintain_order=True).last()
               .filter(pl.col("supprime") == 0))
        if export == "inscriptions":  # a person registered on the last weekend may start after ``end``
            self._connus.append(cur["id_personne"].str.slice(1).cast(pl.Int64).unique().to_numpy())
        cur = (cur.select(pl.col("id_personne").str.slice(1).cast(pl.Int64).alias("pid"),
                       pl.col("code_agence").replace_strict(self.pos, default=-1, return_dtype=pl.Int64).alias("ag"),
                       pl.col(debut).cast(pl.Int64).alias("d0"),
                       pl.col("date_fin").cast(pl.Int64).fill_null(NONE).alias("d1"))
               .filter((pl.col("ag") >= 0) & (pl.col("d0") <= self.end) & (pl.col("d1") >= self.w0)))
        self._parts.append(tuple(cur[c].to_numpy() for c in ("pid", "ag", "d0", "d1")))

    def terminer(self) -> None:
        cols = list(zip(*self._parts)) if self._parts else [[np.zeros(0, np.int64)]] * 4
        self.pid, self.ag, self.d0, self.d1 = (np.concatenate(c).astype(np.int64) for c in cols)
        self._parts = []
        self.connus = np.unique(np.concatenate(self._connus + [np.zeros(0, np.int64)])).astype(np.int64)
        self._connus = []
        key = np.unique(self.ag * _BIG + self.pid)
        self.par_agence = self._csr(key)  # persons with a link at the agency during the window

    def _csr(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ag, pid = key // _BIG, key % _BIG
        start = np.searchsorted(ag, np.arange(self.na))
        count = np.searchsorted(ag, np.arange(self.na), side="right") - start
        return start, count, pid

    def portefeuille(self, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Persons with an episode or accompaniment open at each agency on day ``d`` (CSR)."""
        m = (self.d0 <= d) & (self.d1 >= d)
        return self._csr(np.unique(self.ag[m] * _BIG + self.pid[m]))

    def personnes(self, ag: int) -> np.ndarray:
        start, count, pid = self.par_agence
        return pid[start[ag]:start[ag] + count[ag]]

    def charge(self) -> np.ndarray:
        """Persons with a link at each agency during the window (the workload agents follow)."""
        return self.par_agence[1]

    def de(self, pids) -> dict[int, list[tuple[int, int, int]]]:
        """Intervals (agency, first day, last day) of the given persons."""
        m = np.isin(self.pid, np.fromiter(pids, dtype=np.int64))
        out: dict[int, list[tuple[int, int, int]]] = {}
        for p, a, d0, d1 in zip(self.pid[m].tolist(), self.ag[m].tolist(), self.d0[m].tolist(), self.d1[m].tolist()):
            out.setdefault(p, []).append((a, d0, d1))
        return out


def lien(intervalles: list[tuple[int, int, int]], ag: int, d: int) -> bool:
    """The contract's legitimate link: an episode or accompaniment open at agency ``ag`` on ``d``."""
    return ag >= 0 and any(a == ag and d0 <= d <= d1 for a, d0, d1 in intervalles)


# ---------------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------------

_JOURS_PARTIELS = ("1,2,4,5", "1,2,3,4", "2,3,4,5", "1,2,3")


@dataclass
class Agents:
    id: np.ndarray  # "A" + 7 digits
    site: np.ndarray  # code_site: agency code, else the établissement
    site_ag: np.ndarray  # agency index, -1 for regional and national staff
    etab: np.ndarray  # code_etablissement
    sortie: np.ndarray  # day number of date_sortie, NONE when still there
    jours: np.ndarray  # "1,2,3,4,5"
    jours_mask: np.ndarray  # (n, 8) bool, by ISO weekday
    debut: np.ndarray  # usual start, seconds of the day
    fin: np.ndarray  # usual end, seconds of the day
    pid: np.ndarray  # person number of the agent's own job-seeker file, 0 when none
    intensite: np.ndarray  # the agent's mean volume relative to the average agent
    ts_creation: np.ndarray
    ts_sortie: np.ndarray

    def __len__(self) -> int:
        return len(self.id)

    def versions(self) -> dict[str, np.ndarray]:
        """Record versions: created before the period, then ``PARTI`` for those who left."""
        partis = np.flatnonzero(self.sortie < NONE)
        every = np.arange(len(self))
        rows = np.concatenate([every, partis])
        second = np.concatenate([np.zeros(len(every), bool), np.ones(len(partis), bool)])
        return {
            "id_agent": self.id[rows],
            "id_personne": np.where(self.pid[rows] > 0, ids("P", self.pid[rows], 10), ""),
            "code_site": self.site[rows], "code_etablissement": self.etab[rows],
            "statut": np.where(second, "PARTI", "ACTIF"),
            "date_sortie": np.where(second, self.sortie[rows], NONE),
            "jours_travailles": self.jours[rows], "heure_debut": hhmm(self.debut[rows]),
            "heure_fin": hhmm(self.fin[rows]),
            "date_maj": np.where(second, self.ts_sortie[rows], self.ts_creation[rows]),
            "supprime": np.zeros(len(rows), np.int8),
        }


def _repartir(poids: np.ndarray, n: int) -> np.ndarray:
    """Largest-remainder allocation of ``n`` units proportionally to ``poids`` (deterministic)."""
    if n <= 0 or poids.sum() <= 0:
        return np.zeros(len(poids), np.int64)
    q = poids / poids.sum() * n
    base = np.floor(q).astype(np.int64)
    reste = n - base.sum()
    order = np.lexsort((np.arange(len(q)), -(q - base)))
    base[order[:reste]] += 1
    return base


def tirer_agents(scope: Scope, liens: Liens, persons: int, start: int, end: int, rng: np.random.Generator) -> Agents:
    n = max(2, round(persons / PERSONNES_PAR_AGENT))
    n_nat = round(PART_NATIONAUX * n) if n >= 50 else 0
    n_reg = max(1, round(PART_REGIONAUX * n)) if n >= 20 else 0
    charge = liens.charge().astype(float)
    if charge.sum() == 0:
        charge = np.ones(len(charge))
    par_agence = _repartir(charge, n - n_nat - n_reg)
    site_ag = np.concatenate([np.repeat(np.arange(len(charge)), par_agence), np.full(n_reg + n_nat, -1)])
    region_charge = {r: charge[scope.agence_region == r].sum() for r in scope.regions}
    regions = np.array(list(region_charge))
    w = np.array(list(region_charge.values()))
    reg = regions[pick(rng, n_reg, w if w.sum() else np.ones(len(w)))] if n_reg else np.zeros(0, str)
    nat = np.asarray(C.ENTITES_NATIONALES)[pick(rng, n_nat, [0.5, 0.3, 0.2])] if n_nat else np.zeros(0, str)
    agence = site_ag >= 0
    etab = np.concatenate([scope.agence_region[site_ag[agence]], reg, nat]).astype(object)
    site = np.where(agence, scope.agence_code[np.maximum(site_ag, 0)], etab).astype(object)

    partiel = rng.random(n) < 0.2
    jours = np.where(partiel, np.asarray(_JOURS_PARTIELS)[pick(rng, n, [0.45, 0.25, 0.15, 0.15])], "1,2,3,4,5")
    mask = np.zeros((n, 8), bool)
    for i, j in enumerate(jours.tolist()):
        mask[i, [int(x) for x in j.split(",")]] = True
    debut = np.where(agence, np.array([8 * 3600, 8 * 3600 + 1800, 9 * 3600])[pick(rng, n, [0.35, 0.45, 0.20])], 9 * 3600)
    fin = np.where(agence, np.array([16 * 3600 + 1800, 17 * 3600, 17 * 3600 + 1800, 18 * 3600])[
        pick(rng, n, [0.25, 0.40, 0.25, 0.10])], 18 * 3600)

    # Leavers: agency staff of sites with colleagues, so that ex-colleagues exist.
    n_partis = max(1, round(PART_PARTIS * n)) if n >= 3 else 0
    equipe = np.bincount(np.maximum(site_ag, 0), minlength=len(charge))[np.maximum(site_ag, 0)]
    cand = np.flatnonzero(agence & (equipe >= 2))
    if len(cand) < n_partis:
        cand = np.flatnonzero(agence)
    partis = np.sort(rng.choice(cand, size=min(n_partis, len(cand)), replace=False)) if len(cand) else np.zeros(0, int)
    sortie = np.full(n, NONE, dtype=np.int64)
    hi = max(end - 10, start)
    sortie[partis] = start + (rng.random(len(partis)) * (hi - start + 1)).astype(np.int64)

    pid = _personnes_des_agents(rng, liens, site_ag, partis)
    ts_creation = (start - 1 - rng.integers(0, 900, n)) * DAY + 8 * 3600 + rng.integers(0, 7200, n)
    ts_sortie = np.minimum(sortie + rng.integers(0, 6, n), end) * DAY + 9 * 3600 + rng.integers(0, 7200, n)
    return Agents(
        id=ids("A", 1_000_000 + np.arange(n), 7), site=site, site_ag=site_ag, etab=etab, sortie=sortie,
        jours=jours, jours_mask=mask, debut=debut, fin=fin, pid=pid,
        intensite=rng.gamma(25.0, 1 / 25.0, n), ts_creation=ts_creation, ts_sortie=np.where(sortie < NONE, ts_sortie, 0),
    )


def _personnes_des_agents(rng, liens: Liens, site_ag: np.ndarray, partis: np.ndarray) -> np.ndarray:
    """The job-seeker file of some agents: half of them followed at their own agency during the
    window (a colleague's file with a legitimate link), the others elsewhere or not registered then."""
    n = len(site_ag)
    parti = np.zeros(n, bool)
    parti[partis] = True
    p = np.where(parti, PART_INSCRITS_PARTIS, PART_INSCRITS_ACTIFS)
    inscrit = rng.random(n) < p
    actifs_ag = np.flatnonzero(~parti & (site_ag >= 0))
    # at least two active agency agents and one leaver with a file, when they exist
    for pool, k in ((actifs_ag, 2), (partis, 1)):
        manque = k - int(inscrit[pool].sum())
        libres = pool[~inscrit[pool]]
        if manque > 0 and len(libres):
            inscrit[rng.choice(libres, size=min(manque, len(libres)), replace=False)] = True
    pid = np.zeros(n, np.int64)
    pris: set[int] = set()
    suivi = rng.random(n) < 0.5
    # both kinds exist when possible: an active colleague followed at the agency (the look-alike),
    # another not, and a leaver not followed there (the misuse on a former colleague's file)
    for pool, premier in ((actifs_ag, True), (partis, False)):
        qui = pool[inscrit[pool]]
        suivi[qui[:1]] = premier
        suivi[qui[1:2]] = not premier
    for i in np.flatnonzero(inscrit).tolist():
        ag = int(site_ag[i])
        local = liens.personnes(ag) if ag >= 0 else np.zeros(0, np.int64)
        if suivi[i] and len(local):
            libres = [int(x) for x in local if int(x) not in pris]
            if libres:
                pid[i] = libres[int(rng.integers(0, len(libres)))]
                pris.add(int(pid[i]))
                continue
        loc = set(local.tolist())
        for _ in range(50 if len(liens.connus) else 0):
            x = int(liens.connus[rng.integers(0, len(liens.connus))])
            if x not in pris and x not in loc:
                pid[i] = x
                pris.add(x)
                break
    return pid


# ---------------------------------------------------------------------------------------------
# Exposed persons: candidates and elected around election dates
# ---------------------------------------------------------------------------------------------

D = day_number
MUNICIPALES_2020 = (D(date(2020, 3, 15)), D(date(2020, 6, 28)))
MUNICIPALES_2026 = (D(date(2026, 3, 15)), D(date(2026, 3, 22)))
EUROPEENNES_2024 = D(date(2024, 6, 9))
LEGISLATIVES_2024 = (D(date(2024, 6, 30)), D(date(2024, 7, 7)))
DISSOLUTION_2024 = D(date(2024, 6, 9))


@dataclass
class Expositions:
    versions: dict[str, np.ndarray]
    #: current records as of ``end`` (what the rules read): person -> [(first day, last day or NONE)]
    courantes: dict[int, list[tuple[int, int]]]


def _dimanche(d: int) -> int:
    return d + (7 - iso_weekday(d)) % 7


def tirer_expositions(rng: np.random.Generator, liens: Liens, agents: Agents, persons: int, start: int,
                      end: int) -> Expositions:
    """A few persons per thousand, ``CANDIDAT`` then perhaps ``ELU``: municipal elections 2020 and
    2026, European and snap legislative elections 2024, and by-elections all year round."""
    n = max(2, round(persons * EXPOSES_POUR_MILLE / 1000))
    pris = set(agents.pid[agents.pid > 0].tolist())
    # half of them followed at an agency that has agents (their file is then consulted legitimately)
    avec_agents = np.unique(agents.site_ag[agents.site_ag >= 0])
    locaux = np.unique(np.concatenate([liens.personnes(a) for a in avec_agents.tolist()] + [np.zeros(0, np.int64)]))
    locaux = locaux[~np.isin(locaux, np.fromiter(pris, np.int64))] if pris else locaux
    pids: list[int] = []
    for i in range(n):
        x = 0
        if i % 2 == 0 and len(locaux):
            x = int(locaux[rng.integers(0, len(locaux))])
        for _ in range(50 if len(liens.connus) else 0):
            if x and x not in pris:
                break
            x = int(liens.connus[rng.integers(0, len(liens.connus))])
        if not x or x in pris:
            continue
        pris.add(x)
        pids.append(x)

    rows: list[tuple[int, str, int, int, int]] = []  # (pid, nature, debut, fin, date_maj day)
    later: list[tuple[int, int, int]] = []  # (row index, new fin, date_maj day): mandate ended

    def add(pid, nature, debut, fin, lag):
        rows.append((pid, nature, debut, fin, debut + lag))
        return len(rows) - 1

    def partielle(pid, jour, elu):
        jour = _dimanche(jour)
        add(pid, "CANDIDAT", jour - int(rng.integers(30, 76)), jour + 7, int(rng.integers(0, 4)))
        if elu:
            add(pid, "ELU", jour + 7, NONE, int(rng.integers(1, 11)))

    for i, pid in enumerate(pids):
        if i == 0:  # a by-election at the end of the window: a candidate exposed while the log runs
            partielle(pid, end - int(rng.integers(3, 26)), elu=False)
            continue
        if i == 1:  # elected at a by-election before the window, still in office
            partielle(pid, max(start - 300, end - 400) + int(rng.integers(0, 200)), elu=True)
            continue
        kind = int(pick(rng, 1, [0.40, 0.10, 0.05, 0.30, 0.15])[0])
        if kind == 0:  # municipal 2026
            premier_tour = rng.random() < 0.4
            fin = MUNICIPALES_2026[0] if premier_tour else MUNICIPALES_2026[1]
            if rng.random() < 0.3:  # already in office since 2020
                r = add(pid, "ELU", MUNICIPALES_2020[int(rng.random() < 0.3)], NONE, int(rng.integers(1, 11)))
                later.append((r, MUNICIPALES_2026[1], MUNICIPALES_2026[1] + 1 + int(rng.integers(0, 20))))
            add(pid, "CANDIDAT", MUNICIPALES_2026[0] - int(rng.integers(45, 151)), fin, int(rng.integers(0, 6)))
            if rng.random() < 0.45:
                add(pid, "ELU", fin, NONE, int(rng.integers(1, 11)))
        elif kind == 1:  # snap legislative 2024
            add(pid, "CANDIDAT", DISSOLUTION_2024 + int(rng.integers(1, 11)),
                LEGISLATIVES_2024[int(rng.random() < 0.5)], int(rng.integers(0, 4)))
        elif kind == 2:  # European 2024 (lists)
            add(pid, "CANDIDAT", EUROPEENNES_2024 - int(rng.integers(23, 60)), EUROPEENNES_2024, int(rng.integers(0, 6)))
        elif kind == 3:  # by-election
            partielle(pid, start - 90 + int(rng.integers(0, end - start + 151)), elu=rng.random() < 0.4)
        else:  # elected in 2020, not running again
            r = add(pid, "ELU", MUNICIPALES_2020[int(rng.random() < 0.3)], NONE, int(rng.integers(1, 11)))
            later.append((r, MUNICIPALES_2026[1], MUNICIPALES_2026[1] + 1 + int(rng.integers(0, 20))))

    m = len(rows)
    pid = np.array([r[0] for r in rows], np.int64)
    nature = np.array([r[1] for r in rows], dtype=object)
    debut = np.array([r[2] for r in rows], np.int64)
    fin = np.array([r[3] for r in rows], np.int64)
    maj = np.array([r[4] for r in rows], np.int64)
    idx = np.arange(m)
    li = np.array([r for r, _, _ in later], np.int64)
    v_rows = np.concatenate([idx, li])
    v_fin = np.concatenate([fin, np.array([f for _, f, _ in later], np.int64)])
    v_maj = np.concatenate([maj, np.array([d for _, _, d in later], np.int64)])
    versions = {
        "id_exposition": ids("EXP", pid[v_rows] * 10 + _rang(pid)[v_rows], 13),
        "id_personne": ids("P", pid[v_rows], 10), "nature": nature[v_rows], "date_debut": debut[v_rows],
        "date_fin": v_fin,
        "date_maj": v_maj * DAY + 10 * 3600 + rng.integers(0, 6 * 3600, len(v_rows)),
        "supprime": np.zeros(len(v_rows), np.int8),
    }
    # the state the rules will read: the latest version delivered by ``end``
    etat: dict[int, tuple[int, int, int]] = {}
    for r, f, dm in zip(v_rows.tolist(), v_fin.tolist(), v_maj.tolist()):
        if dm <= end and (r not in etat or dm >= etat[r][2]):
            etat[r] = (int(debut[r]), f, dm)
    courantes: dict[int, list[tuple[int, int]]] = {}
    for r, (d0, d1, _) in sorted(etat.items()):
        courantes.setdefault(int(pid[r]), []).append((d0, d1))
    return Expositions(versions, courantes)


def _rang(pid: np.ndarray) -> np.ndarray:
    """Rank of each row among the rows of the same person (stable): makes the key unique."""
    out = np.zeros(len(pid), np.int64)
    seen: dict[int, int] = {}
    for i, p in enumerate(pid.tolist()):
        out[i] = seen.get(p, 0)
        seen[p] = out[i] + 1
    return out


def expose(expositions: list[tuple[int, int]], d: int) -> bool:
    """An exposure open on ``d`` (``date_debut <= d <= date_fin``, open when empty)."""
    return any(d0 <= d <= d1 for d0, d1 in expositions)
