"""The consultation log with a known truth, and the continuous-alerting outcomes (``FLUX``).

Over the last months of the period (the consultation window), every agent consults about 60 files
a working day within their usual hours, mostly people registered or accompanied at their agency
that day. That background never matches a rule of ``shared/contract/alert-rules.md``: its files
are either followed at the agent's agency (a legitimate link) or not sensitive at all. On top of
it, cases are planted whose truth is known: misuse (a colleague's, a former colleague's, an
elected person's or a candidate's file without a link; browsing at night or at the weekend) and
look-alikes (a colleague followed at the agency, an adviser working late on the portfolio, a
single accidental consultation, a replacement in another agency). The rules are then evaluated on
the planted rows exactly as the contract states them, and a share of the resulting alerts gets an
outcome row in ``alertes_finalite`` concluded from the truth, with examiner noise by region.

Delivery: one Parquet file per working day (the log of that day and of the non-working days
before it, extracted the following night), rows in time order, a few exact duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.core import contract as C
from pipelines.synthetic.agents import (
    Agents,
    Expositions,
    Liens,
    expose,
    iso_weekday,
    jours_ouvres,
    lien,
    tirer_agents,
    tirer_expositions,
)
from pipelines.synthetic.delivery import DeliveryWriter, day_to_date, extractions, to_frame
from pipelines.synthetic.referentiel import Scope, _stable_hash
from pipelines.synthetic.simulation import DAY, NONE, _Parts, codes, ids, pick

MOIS_DEFAUT = 3
CONSULTATIONS_PAR_JOUR = 60
PART_PORTEFEUILLE = 0.88  # the rest: files of other agencies (transfers, partners), never sensitive
ABSENCE = 0.06  # agent-days off (leave, training)
PART_DOUBLONS = 0.003  # rows logged twice
APPLICATIONS = ("DUNE", "AUDE", "MAP")
PART_TRANSMISES = 0.85  # alerts whose outcome comes back in alertes_finalite

AGENT, EX_AGENT, ELU, HORS = "DOSSIER_AGENT", "DOSSIER_EX_AGENT", "DOSSIER_ELU_CANDIDAT", "HORS_HORAIRES"
#: The contract's default thresholds: seuil_alerte, seuil_obligatoire_consultations, seuil_obligatoire_jours.
SEUILS = {AGENT: (1, 3, 2), EX_AGENT: (1, 3, 2), ELU: (1, 2, 2), HORS: (5, 20, 4)}

#: Planted cases: misuse (True), look-alike (False); rate per agent-month of the window.
CAS: dict[str, tuple[bool, float]] = {
    "COLLEGUE": (True, 0.0035),  # a colleague's file, repeatedly, no link
    "EX_COLLEGUE": (True, 0.0015),  # a former colleague's file after they left
    "ELU_CANDIDAT": (True, 0.0015),  # an elected person's or candidate's file during exposure
    "NUIT_WEEKEND": (True, 0.002),  # browsing files at night or at the weekend
    "COLLEGUE_SUIVI": (False, 0.005),  # a colleague registered and followed at the agency: no alert
    "ELU_SUIVI": (False, 0.003),  # an elected person followed at the agency: no alert
    "TRAVAIL_TARDIF": (False, 0.011),  # an adviser working late on the portfolio
    "ACCIDENTELLE": (False, 0.017),  # one consultation of a sensitive file (a search typo)
    "REMPLACEMENT": (False, 0.007),  # covering another agency where the file is followed
}

#: Examiner profiles: (benign concluded AVEREE, misuse concluded AVEREE, optional alerts examined).
#: Similar situations are judged differently from one region to another (CSE, 2024).
PROFILS_EXAMEN = {"76": (0.05, 0.92, 0.60), "93": (0.30, 0.85, 0.40)}
PROFIL_NATIONAL = (0.10, 0.90, 0.50)


def profil_examen(etablissement: str) -> tuple[float, float, float]:
    if etablissement in PROFILS_EXAMEN:
        return PROFILS_EXAMEN[etablissement]
    if etablissement in C.ENTITES_NATIONALES:
        return PROFIL_NATIONAL
    u = _stable_hash("examen" + etablissement) % 1000 / 1000
    return (0.04 + 0.22 * u, 0.82 + 0.12 * (1 - u), 0.35 + 0.4 * u)


def conclure(verite: np.ndarray, etablissements: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whether each examined alert is concluded ``AVEREE``, from its truth and its region's examiners."""
    prof = np.array([profil_examen(str(e))[:2] for e in etablissements]).reshape(-1, 2)
    return rng.random(len(verite)) < np.where(verite, prof[:, 1], prof[:, 0])


# ---------------------------------------------------------------------------------------------
# The world the rules see
# ---------------------------------------------------------------------------------------------


class _Monde:
    def __init__(self, scope: Scope, agents: Agents, expos: Expositions, liens: Liens, w0: int, end: int):
        self.s, self.a, self.liens = scope, agents, liens
        self.w0, self.end = w0, end
        self.ouvres = jours_ouvres(w0, end)
        self.ouvres_set = set(self.ouvres.tolist())
        self.dernier = int(self.ouvres[-1]) if len(self.ouvres) else w0 - 1
        self.agent_de = {int(p): b for b, p in enumerate(agents.pid.tolist()) if p > 0}
        self.expos = expos.courantes
        sensibles = set(self.agent_de) | set(self.expos)
        self.liens_de = liens.de(sensibles)
        # files of other agencies: any delivered person who is neither an agent nor exposed
        self.pool = np.setdiff1d(liens.connus, np.array(sorted(sensibles), np.int64))
        if len(self.pool) == 0:
            self.pool = liens.connus
        # calendar months of the window, up to the last working day (later rows would have no file)
        days = np.arange(w0, self.dernier + 1)
        mois = days.astype("datetime64[D]").astype("datetime64[M]")
        self.mois = [(int(days[mois == m][0]), int(days[mois == m][-1])) for m in np.unique(mois)]
        ag = agents.site_ag
        self.equipe = {int(x): np.flatnonzero(ag == x) for x in np.unique(ag[ag >= 0])}
        self.en_agence = np.flatnonzero(ag >= 0)

    def travaille(self, a: int, d: int) -> bool:
        return d in self.ouvres_set and bool(self.a.jours_mask[a, iso_weekday(d)]) and d < self.a.sortie[a]

    def lien(self, p: int, a: int, d: int) -> bool:
        return lien(self.liens_de.get(p, []), int(self.a.site_ag[a]), d)

    def situation(self, a: int, p: int, d: int) -> str | None:
        """The person situation a consultation of ``p`` by ``a`` on ``d`` has, link left aside."""
        b = self.agent_de.get(p)
        if b is not None and b != a:
            if self.a.sortie[b] > d:
                return AGENT
            if self.a.sortie[b] < d:
                return EX_AGENT
        if p in self.expos and expose(self.expos[p], d):
            return ELU
        return None

    def hors(self, a: int, d: int, s: int) -> bool:
        return not self.a.jours_mask[a, iso_weekday(d)] or s < self.a.debut[a] or s >= self.a.fin[a]


# ---------------------------------------------------------------------------------------------
# Planted cases
# ---------------------------------------------------------------------------------------------


@dataclass
class _Cas:
    cas: str
    agent: int
    pid: int  # 0: persons drawn from the portfolio or the pool
    mois: int  # index in _Monde.mois


class _Planificateur:
    def __init__(self, m: _Monde, rng: np.random.Generator):
        self.m, self.rng = m, rng
        self.cas: list[_Cas] = []
        self.rows: list[tuple[np.ndarray, ...]] = []  # (jour, seconde, agent, pid, source, cas)
        self.pris: set[tuple[str, int, int]] = set()
        a = m.a
        self.inscrits = [b for b in np.flatnonzero((a.pid > 0) & (a.site_ag >= 0)).tolist()
                         if len(m.equipe[int(a.site_ag[b])]) >= 2]
        self.partis = [b for b in self.inscrits if a.sortie[b] < NONE]
        self.exposes = sorted(m.expos)
        self.sensibles = sorted(set(m.agent_de) | set(self.exposes))
        self.suivis = [p for p in self.sensibles if m.liens_de.get(p)]
        dep = m.s.agence_dep[np.maximum(a.site_ag, 0)]
        self.par_dep = {int(x): m.en_agence[dep[m.en_agence] == x] for x in np.unique(dep[m.en_agence])}
        self.tirages = {
            "COLLEGUE": lambda: self._collegue(False, False),
            "EX_COLLEGUE": lambda: self._collegue(True, False),
            "COLLEGUE_SUIVI": lambda: self._collegue(bool(self.rng.random() < 0.3) and bool(self.partis), True),
            "ELU_CANDIDAT": lambda: self._elu(False),
            "ELU_SUIVI": lambda: self._elu(True),
            "ACCIDENTELLE": self._accidentelle,
            "REMPLACEMENT": self._remplacement,
            "NUIT_WEEKEND": self._nuit,
            "TRAVAIL_TARDIF": self._tardif,
        }

    def choix(self, seq):
        return seq[int(self.rng.integers(0, len(seq)))] if len(seq) else None

    def mois(self) -> tuple[int, range]:
        i = int(self.rng.integers(0, len(self.m.mois)))
        d0, d1 = self.m.mois[i]
        return i, range(d0, d1 + 1)

    # each returns (agent, pid, mois, eligible days, situation) or None
    def _collegue(self, partis: bool, suivi: bool):
        """A colleague's file (a former colleague's with ``partis``); ``suivi``: followed at the
        consulting agent's agency those days (a legitimate link, no alert)."""
        m = self.m
        b = self.choix(self.partis if partis else self.inscrits)
        if b is None:
            return None
        p = int(m.a.pid[b])
        a = int(self.choix([x for x in m.equipe[int(m.a.site_ag[b])].tolist() if x != b]))
        i, jours = self.mois()
        attendue = (AGENT, EX_AGENT) if suivi else ((EX_AGENT,) if partis else (AGENT,))
        ok = [d for d in jours if m.travaille(a, d) and m.situation(a, p, d) in attendue and m.lien(p, a, d) == suivi]
        return a, p, i, ok, None if suivi else attendue[0]

    def _elu(self, suivi: bool):
        m = self.m
        p = self.choix(self.exposes)
        if p is None:
            return None
        if suivi:
            ags = [ag for ag, _, _ in m.liens_de.get(p, []) if ag in m.equipe]
            if not ags:
                return None
            a = int(self.choix(m.equipe[self.choix(ags)]))
        else:
            a = int(self.choix(m.en_agence))
        i, jours = self.mois()
        ok = [d for d in jours if m.travaille(a, d) and expose(m.expos[p], d) and m.lien(p, a, d) == suivi]
        return a, p, i, ok, None if suivi else ELU

    def _accidentelle(self):
        m = self.m
        p = self.choix(self.sensibles)
        a = int(self.rng.integers(0, len(m.a)))
        i, jours = self.mois()
        ok = [d for d in jours if m.travaille(a, d) and m.situation(a, p, d) and not m.lien(p, a, d)]
        if not ok:
            return None
        d = self.choix(ok)
        return a, p, i, [d], m.situation(a, p, d)

    def _remplacement(self):
        """Covering agency ``y`` (same département when possible): its files have a link at ``y``,
        none at the replacement's own agency."""
        m = self.m
        p = self.choix(self.suivis)
        if p is None:
            return None
        y = int(self.choix([ag for ag, _, _ in m.liens_de[p]]))
        proches = self.par_dep.get(int(m.s.agence_dep[y]), np.zeros(0, np.int64))
        proches = proches[m.a.site_ag[proches] != y]
        a = self.choix(proches) if len(proches) else self.choix(m.en_agence)
        if a is None or m.a.site_ag[a] == y:
            return None
        a = int(a)
        i, jours = self.mois()
        ok = [d for d in jours if m.travaille(a, d) and lien(m.liens_de[p], y, d) and not m.lien(p, a, d)
              and m.situation(a, p, d)]
        if not ok:
            return None
        s0 = m.situation(a, p, ok[0])
        return a, p, i, [d for d in ok if m.situation(a, p, d) == s0], s0

    def _nuit(self):
        m = self.m
        a = int(self.rng.integers(0, len(m.a)))
        i, jours = self.mois()
        return a, 0, i, [d for d in jours if d < m.a.sortie[a]], HORS

    def _tardif(self):
        m = self.m
        a = int(self.choix(m.en_agence))
        i, jours = self.mois()
        return a, 0, i, [d for d in jours if m.travaille(a, d)], HORS

    def planter(self, cas: str) -> bool:
        """One case of kind ``cas`` (a few attempts); False when the world does not allow it. A
        (situation, agent, month) raises one alert at most: an outcome, which has no person,
        then designates one generated alert."""
        for _ in range(40):
            r = self.tirages[cas]()
            if r is None:
                continue
            a, p, i, ok, situation = r
            slot = (situation, a, i)
            if not ok or (situation and slot in self.pris):
                continue
            if situation:
                self.pris.add(slot)
            self._lignes(cas, a, p, i, ok)
            return True
        return False

    def _lignes(self, cas, a, p, i, ok) -> None:
        rng, ag = self.rng, self.m.a
        if cas == "ACCIDENTELLE":
            k, n = 1, 1
        elif cas == "NUIT_WEEKEND":
            k, n = int(rng.integers(2, 7)), int(rng.integers(5, 41))
        elif cas == "TRAVAIL_TARDIF":
            k, n = int(rng.integers(2, 9)), int(rng.integers(3, 31))
        elif cas == "REMPLACEMENT":
            k, n = int(rng.integers(2, 5)), int(rng.integers(3, 9))
        else:
            k = int(min(rng.geometric(0.5), 4))
            n = k + int(rng.integers(1, 6))
        jours = np.sort(rng.choice(np.array(ok), size=min(k, len(ok)), replace=False))
        k = len(jours)
        n = max(n, k)
        jour = np.repeat(jours, 1 + rng.multinomial(n - k, np.ones(k) / k))
        if cas == "NUIT_WEEKEND":
            ouvre = ag.jours_mask[a, iso_weekday(jour)]
            nuit = np.where(rng.random(n) < 0.5, 21 * 3600 + rng.integers(0, 3 * 3600, n), 5 * 3600 + rng.integers(0, 2 * 3600, n))
            sec = np.where(ouvre, nuit, 9 * 3600 + rng.integers(0, 14 * 3600, n))
        elif cas == "TRAVAIL_TARDIF":
            sec = np.where(rng.random(n) < 0.75, np.minimum(ag.fin[a] + rng.integers(0, 7200, n), DAY - 1),
                           ag.debut[a] - 1 - rng.integers(0, 3600, n))
        else:
            sec = ag.debut[a] + (rng.random(n) * (ag.fin[a] - ag.debut[a])).astype(np.int64)
        source = 0 if p else (2 if cas == "NUIT_WEEKEND" else 1)
        self.rows.append((jour, sec, np.full(n, a), np.full(n, p), np.full(n, source), np.full(n, len(self.cas))))
        self.cas.append(_Cas(cas, a, p, i))

    def colonnes(self) -> dict[str, np.ndarray]:
        names = ("jour", "seconde", "agent", "pid", "source", "cas")
        if not self.rows:
            return {c: np.zeros(0, np.int64) for c in names}
        return {c: np.concatenate([r[j] for r in self.rows]).astype(np.int64) for j, c in enumerate(names)}


# ---------------------------------------------------------------------------------------------
# The log, day by day
# ---------------------------------------------------------------------------------------------


def _tirer_personnes(rng, m: _Monde, agents: np.ndarray, portefeuille: np.ndarray, csr) -> np.ndarray:
    """A file for each consultation: from the agent's agency portfolio of the day where asked and
    possible (agency staff, non-empty portfolio), else from the pool of non-sensitive files."""
    start, count, flat = csr
    site = np.maximum(m.a.site_ag[agents], 0)
    c = np.where(m.a.site_ag[agents] >= 0, count[site], 0)
    k = np.minimum(start[site] + (rng.random(len(agents)) * np.maximum(c, 1)).astype(np.int64), max(len(flat) - 1, 0))
    du_pool = m.pool[rng.integers(0, len(m.pool), len(agents))]
    return np.where(portefeuille & (c > 0), flat[k] if len(flat) else 0, du_pool)


def _journal(out: Path, m: _Monde, plan: dict[str, np.ndarray], seed: int) -> tuple[dict, pl.DataFrame]:
    """Write one Parquet file per working day; return the figures and the planted rows as logged."""
    a = m.a
    folder = out / "consultations"
    folder.mkdir(parents=True, exist_ok=True)
    agent_ids = pl.Series("id_agent", a.id.astype(str))
    site_ids = pl.Series("code_site", a.site.astype(str))
    stats = {"fichiers": 0, "lignes": 0, "doublons": 0, "octets": 0, "jours_agents": 0, "lignes_fond": 0}
    planted = []
    prev = m.w0 - 1
    for w in m.ouvres.tolist():
        rng = np.random.default_rng([seed, 1_000_003, w])
        act = np.flatnonzero((a.sortie > w) & a.jours_mask[:, iso_weekday(w)] & (rng.random(len(a)) >= ABSENCE))
        cnt = rng.poisson(CONSULTATIONS_PAR_JOUR * a.intensite[act])
        agent = np.repeat(act, cnt)
        n = len(agent)
        stats["jours_agents"] += int((cnt > 0).sum())
        stats["lignes_fond"] += n
        csr = m.liens.portefeuille(w)
        pid = _tirer_personnes(rng, m, agent, rng.random(n) < PART_PORTEFEUILLE, csr)
        sec = a.debut[agent] + (rng.random(n) * (a.fin[agent] - a.debut[agent])).astype(np.int64)
        jour = np.full(n, w, np.int64)
        # planted rows of the days since the previous extraction
        sel = (plan["jour"] > prev) & (plan["jour"] <= w)
        p_ag, p_pid, p_src = plan["agent"][sel], plan["pid"][sel].copy(), plan["source"][sel]
        drawn = p_src > 0
        p_pid[drawn] = _tirer_personnes(rng, m, p_ag[drawn], p_src[drawn] == 1, csr)
        p_app = codes(APPLICATIONS, pick(rng, int(sel.sum()), [0.55, 0.30, 0.15]))
        planted.append(pl.DataFrame({"jour": plan["jour"][sel], "seconde": plan["seconde"][sel], "agent": p_ag,
                                     "pid": p_pid, "application": p_app.astype(str), "cas": plan["cas"][sel]}))
        jour = np.concatenate([jour, plan["jour"][sel]])
        sec = np.concatenate([sec, plan["seconde"][sel]])
        agent = np.concatenate([agent, p_ag])
        pid = np.concatenate([pid, p_pid])
        app = np.concatenate([codes(APPLICATIONS, pick(rng, n, [0.55, 0.30, 0.15])), p_app]).astype(str)
        dup = np.flatnonzero(rng.random(len(agent)) < PART_DOUBLONS)
        rows = np.concatenate([np.arange(len(agent)), dup])
        stats["doublons"] += len(dup)
        df = pl.DataFrame({
            "_t": jour[rows] * DAY + sec[rows], "_a": agent[rows], "_p": pid[rows],
            "application": app[rows],
        }).sort(["_t", "_a", "_p", "application"])
        df = df.select(
            (pl.col("_t") * 1_000_000).cast(pl.Datetime("us")).alias("horodatage"),
            agent_ids.gather(df["_a"]).alias("id_agent"),
            pl.concat_str(pl.lit("P"), pl.col("_p").cast(pl.String).str.zfill(10)).alias("id_personne"),
            pl.col("application"),
            site_ids.gather(df["_a"]).alias("code_site"),
        )
        path = folder / C.delivery_name("consultations", day_to_date(w + 1), 0, "parquet")
        df.write_parquet(path, compression="zstd", statistics=True)
        stats["fichiers"] += 1
        stats["lignes"] += df.height
        stats["octets"] += path.stat().st_size
        prev = w
    if not planted:
        return stats, pl.DataFrame(schema={"jour": pl.Int64, "seconde": pl.Int64, "agent": pl.Int64, "pid": pl.Int64,
                                           "application": pl.String, "cas": pl.Int64})
    return stats, pl.concat(planted)


# ---------------------------------------------------------------------------------------------
# The rules on the planted rows, and the outcomes
# ---------------------------------------------------------------------------------------------


def _evaluer(m: _Monde, planted: pl.DataFrame) -> pl.DataFrame:
    """Matching consultations of the planted rows (the background matches nothing), one row per
    (consultation, situation); an exact duplicate is one consultation."""
    if planted.height == 0:
        return pl.DataFrame(schema={"situation": pl.String, "agent": pl.Int64, "pid": pl.Int64, "jour": pl.Int64,
                                    "t": pl.Int64, "cas": pl.Int64})
    distinct = planted.unique(["jour", "seconde", "agent", "pid", "application"], keep="first", maintain_order=True)
    out = []
    for d, s, a, p, c in distinct.select("jour", "seconde", "agent", "pid", "cas").iter_rows():
        if m.hors(a, d, s):
            out.append((HORS, a, 0, d, d * DAY + s, c))
        sit = m.situation(a, p, d)
        if sit and not m.lien(p, a, d):
            out.append((sit, a, p, d, d * DAY + s, c))
    return pl.DataFrame(out, schema={"situation": pl.String, "agent": pl.Int64, "pid": pl.Int64, "jour": pl.Int64,
                                     "t": pl.Int64, "cas": pl.Int64}, orient="row")


def _alertes(matches: pl.DataFrame, cas: list[_Cas]) -> pl.DataFrame:
    """Pair-months, their measures and their truth; ``alerte`` when the threshold is reached."""
    verite = pl.DataFrame({"cas": np.arange(len(cas)), "verite": [CAS[c.cas][0] for c in cas],
                           "nom_cas": [c.cas for c in cas]}, schema={"cas": pl.Int64, "verite": pl.Boolean,
                                                                       "nom_cas": pl.String})
    seuils = pl.DataFrame({"situation": list(SEUILS), "seuil": [v[0] for v in SEUILS.values()],
                           "obl_n": [v[1] for v in SEUILS.values()], "obl_j": [v[2] for v in SEUILS.values()]})
    pm = (matches.join(verite, on="cas", how="left")
          .with_columns(pl.from_epoch(pl.col("jour"), time_unit="d").dt.truncate("1mo").alias("mois"))
          .sort("t")
          .group_by(["situation", "agent", "pid", "mois"], maintain_order=True)
          .agg(pl.len().alias("nb_consultations"), pl.col("jour").n_unique().alias("nb_jours"),
               pl.col("t").sort().alias("_t"), pl.col("verite").any(), pl.col("nom_cas").unique().sort().str.join("+").alias("cas"),
               pl.col("cas").unique().sort().alias("_cas"))
          .join(seuils, on="situation")
          .with_columns((pl.col("nb_consultations") >= pl.col("seuil")).alias("alerte"),
                        pl.when((pl.col("nb_consultations") >= pl.col("obl_n")) & (pl.col("nb_jours") >= pl.col("obl_j")))
                        .then(pl.lit("OBLIGATOIRE")).otherwise(pl.lit("FACULTATIF")).alias("examen"),
                        (pl.col("_t").list.get(pl.col("seuil") - 1, null_on_oob=True) // DAY).alias("_jour_seuil"))
          .sort(["mois", "situation", "agent", "pid"]))
    return pm.drop("obl_n", "obl_j")


def _resultats(m: _Monde, alertes: pl.DataFrame, rng: np.random.Generator) -> tuple[dict, pl.DataFrame]:
    """Outcome rows (record versions) for a share of the alerts, and each alert's id and state."""
    al = alertes.filter(pl.col("alerte"))
    n = al.height
    out = _Parts("alertes_finalite")
    if n == 0:
        return out.columns(), al.with_columns(pl.lit(None, pl.String).alias("id_alerte"),
                                              pl.lit(None, pl.String).alias("conclusion"))
    agent = al["agent"].to_numpy()
    etab = m.a.etab[agent].astype(str)
    obl = (al["examen"] == "OBLIGATOIRE").to_numpy()
    verite = al["verite"].to_numpy()
    mois = al["mois"].cast(pl.Int64).to_numpy()
    fin_mois = (al["mois"].dt.offset_by("1mo").cast(pl.Int64) - 1).to_numpy()
    da = np.minimum(np.minimum(al["_jour_seuil"].to_numpy() + 1, fin_mois), m.end)
    da = np.maximum(da, mois)
    transmise = rng.random(n) < PART_TRANSMISES
    facultatif = np.array([profil_examen(e)[2] for e in etab])
    examinee = rng.random(n) < np.where(obl, 0.95, facultatif)
    d_ent = np.where(examinee, da + 3 + rng.integers(0, 28, n), NONE)
    averee = conclure(verite, etab, rng)
    conclusion = np.where(examinee, np.where(averee, "AVEREE", "NON_AVEREE"), "NON_EXAMINEE")
    d_clo = np.where(examinee, d_ent + rng.integers(0, 15, n), da + 30 + rng.integers(0, 46, n))
    suite = np.where(~examinee, "", np.where(
        averee, codes(("RAPPEL_DES_REGLES", "COMPTE_RENDU", "PROCEDURE_DISCIPLINAIRE"), pick(rng, n, [0.5, 0.3, 0.2])),
        codes(("AUCUNE", "RAPPEL_DES_REGLES"), pick(rng, n, [0.7, 0.3]))))
    seq = np.cumsum(transmise) - 1
    id_alerte = np.where(transmise, ids("ALR", 900_000_000_000 + seq, 12), "")

    def ts(d, stage):
        return np.minimum(d, NONE) * DAY + 8 * 3600 + stage * 7200 + rng.integers(0, 7200, n)

    truth = {
        "id_alerte": id_alerte, "campagne": "FLUX", "situation": al["situation"].to_numpy().astype(str),
        "id_agent": m.a.id[agent], "code_etablissement": etab,
        "code_agence": np.where(m.a.site_ag[agent] >= 0, m.a.site[agent], ""), "examen": np.where(obl, "OBLIGATOIRE", "FACULTATIF"),
        "score_risque": np.full(n, np.nan), "nb_consultations": al["nb_consultations"].to_numpy(),
        "date_alerte": da, "date_entretien": d_ent, "conclusion": conclusion, "suite": suite, "date_cloture": d_clo,
    }
    out.add(transmise, ts(da, 0), truth, date_entretien=NONE, conclusion="EN_COURS", suite="", date_cloture=NONE)
    out.add(transmise & examinee, ts(d_ent, 1), truth, conclusion="EN_COURS", suite="", date_cloture=NONE)
    out.add(transmise, ts(d_clo, 2), truth)
    etat = np.where(d_clo <= m.end, conclusion, "EN_COURS")
    return out.columns(), al.with_columns(pl.Series("id_alerte", np.where(transmise, id_alerte, None)),
                                          pl.Series("conclusion", np.where(transmise, etat, None)))


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------

VERITE_FILE = "_verite_consultations.csv"


def generer(out: Path, writer: DeliveryWriter, scope: Scope, liens: Liens, start: int, end: int, w0: int,
            persons: int, seed: int, chunk: int) -> dict:
    """Write ``agents``, ``personnes_exposees``, ``consultations`` and the ``FLUX`` outcomes of the
    window ``[w0, end]``; return the summary section."""
    agents = tirer_agents(scope, liens, persons, start, end, np.random.default_rng([seed, 1_000_001]))
    expos = tirer_expositions(np.random.default_rng([seed, 1_000_002]), liens, agents, persons, start, end)
    d_start, d_end = day_to_date(start), day_to_date(end)
    for export, versions in (("agents", agents.versions()), ("personnes_exposees", expos.versions)):
        writer.write(export, extractions(to_frame(export, versions), export, d_start, d_end), chunk)

    m = _Monde(scope, agents, expos, liens, w0, end)
    plan = _Planificateur(m, np.random.default_rng([seed, 1_000_004]))
    agent_mois = len(agents) * len(m.mois)
    manques = {}
    if m.mois:
        for nom, (_, taux) in CAS.items():
            k = max(1, round(taux * agent_mois))
            manques[nom] = k - sum(plan.planter(nom) for _ in range(k))
    stats, planted = _journal(out, m, plan.colonnes(), seed)
    matches = _evaluer(m, planted)
    paires = _alertes(matches, plan.cas)
    versions, alertes = _resultats(m, paires, np.random.default_rng([seed, 1_000_005]))
    writer.write("alertes_finalite", extractions(to_frame("alertes_finalite", versions), "alertes_finalite",
                                                 d_start, d_end), chunk)
    _ecrire_verite(out / VERITE_FILE, m, plan.cas, planted, matches, alertes)

    n_cas = {nom: sum(c.cas == nom for c in plan.cas) for nom in CAS}
    par_situation = alertes.group_by("situation").len().sort("situation")
    return {
        "mois": len(m.mois), "debut": day_to_date(w0).isoformat(), "fin": d_end.isoformat(),
        "jours_ouvres": len(m.ouvres), "agents": len(agents), "agents_partis": int((agents.sortie < NONE).sum()),
        "agents_inscrits": int((agents.pid > 0).sum()),
        "agents_hors_agence": int((agents.site_ag < 0).sum()),
        "personnes_exposees": len(expos.courantes),
        "lignes": stats["lignes"], "doublons": stats["doublons"], "fichiers": stats["fichiers"],
        "octets": stats["octets"],
        "consultations_par_agent_jour": round(stats["lignes_fond"] / max(stats["jours_agents"], 1), 1),
        "cas": n_cas, "cas_impossibles": {k: v for k, v in manques.items() if v},
        "alertes": dict(zip(par_situation["situation"].to_list(), par_situation["len"].to_list())),
        "resultats_flux": int(alertes["id_alerte"].is_not_null().sum()),
        "profils_examen": {e: dict(zip(("non_averee_conclue_averee", "averee_conclue_averee", "facultatives_examinees"),
                                       profil_examen(e)))
                           for e in sorted(set(agents.etab.astype(str).tolist()))},
        "verite": VERITE_FILE,
    }


def _ecrire_verite(path: Path, m: _Monde, cas: list[_Cas], planted: pl.DataFrame, matches: pl.DataFrame,
                   alertes: pl.DataFrame) -> None:
    """One row per planted case: its truth, the pair-month it lands in, the alert and its outcome."""
    lignes = planted.unique(["jour", "seconde", "agent", "pid", "application"]).group_by("cas").len()
    lignes = dict(zip(lignes["cas"].to_list(), lignes["len"].to_list()))
    # the pair-month each case lands in (at most one by construction)
    lieu = {}
    for sit, a, p, c in matches.select("situation", "agent", "pid", "cas").unique().sort("cas").iter_rows():
        lieu.setdefault(c, (sit, a, p))
    al = {(r["situation"], r["agent"], r["pid"], r["mois"]): r for r in alertes.iter_rows(named=True)}
    rows = []
    for i, c in enumerate(cas):
        d0, _ = m.mois[c.mois]
        mois = day_to_date(d0).replace(day=1)
        sit, a, p = lieu.get(i, (None, c.agent, c.pid))
        r = al.get((sit, a, p, mois)) if sit else None
        rows.append({
            "cas": c.cas, "verite": "AVEREE" if CAS[c.cas][0] else "NON_AVEREE", "id_agent": m.a.id[c.agent],
            "id_personne": f"P{c.pid:010d}" if c.pid else None, "mois": mois, "lignes": lignes.get(i, 0),
            "situation": sit, "alerte": int(r is not None),
            "examen": r["examen"] if r else None, "nb_consultations": r["nb_consultations"] if r else None,
            "nb_jours": r["nb_jours"] if r else None, "id_alerte": r["id_alerte"] if r else None,
            "conclusion": r["conclusion"] if r else None,
        })
    schema = {"cas": pl.String, "verite": pl.String, "id_agent": pl.String, "id_personne": pl.String, "mois": pl.Date,
              "lignes": pl.Int64, "situation": pl.String, "alerte": pl.Int8, "examen": pl.String,
              "nb_consultations": pl.Int64, "nb_jours": pl.Int64, "id_alerte": pl.String, "conclusion": pl.String}
    pl.DataFrame(rows, schema=schema).write_csv(path, separator=C.CSV_SEPARATOR)
