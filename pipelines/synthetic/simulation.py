"""Simulation of one chunk of people: their registration episodes and every event of them.

Everything is vectorised over the people of the chunk (numpy). Dates are day numbers (days since
1970-01-01, int64), ``NONE`` standing for "no date"; update times (``date_maj``) are seconds since
1970-01-01. Each export is returned as its record versions: one row per state of a record, dated
by ``date_maj``, carrying only what was known at that time (a control opened today has no
decision yet). The delivery layer turns versions into daily files.

The world is simulated up to ``end`` (plus a short horizon for appointments already planned);
versions dated after ``end`` are dropped by the delivery layer, so a record simply shows its state
as of ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import numpy as np

from pipelines.core import contract as C
from pipelines.synthetic.referentiel import Scope, _stable_hash, day_number

NONE = 100_000_000  # "no date": larger than any real day number, so "date <= x" tests are False
DAY = 86_400

D_MSA = day_number(date(2024, 4, 1))
D_LPE = day_number(date(2025, 1, 1))
D_ALGO = day_number(date(2025, 4, 1))  # orientation algorithm in production (CSE Occitanie, Jan. 2025)

OP_FT, OP_ML, OP_CAP, OP_CD = range(4)  # index in C.OPERATEUR
P_EMPLOI, P_SOCIO, P_SOCIAL = range(3)  # index in C.PARCOURS
AL_ARE, AL_ASS, AL_RSA, AL_AAH, AL_CEJ, AL_AUCUNE = range(6)  # index in C.ALLOCATION

_OPERATEUR = np.array(C.OPERATEUR)
_PARCOURS = np.array(C.PARCOURS)
_ALLOCATION = np.array(C.ALLOCATION)


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------


def pick(rng: np.random.Generator, n: int, probs) -> np.ndarray:
    """n draws of an index with the given probabilities."""
    p = np.asarray(probs, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def pick_rows(rng: np.random.Generator, P: np.ndarray) -> np.ndarray:
    """One draw per row of the (n, k) matrix of (unnormalised) probabilities."""
    cum = np.cumsum(P, axis=1)
    u = rng.random(len(P)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1).clip(0, P.shape[1] - 1)


def codes(values, idx: np.ndarray) -> np.ndarray:
    return np.asarray(values)[idx]


def years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def exp_days(rng, n, mean) -> np.ndarray:
    return np.floor(rng.exponential(1.0, n) * mean).astype(np.int64)


def lognormal_days(rng, n, median, sigma) -> np.ndarray:
    return np.round(median * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def ids(prefix: str, nums: np.ndarray, width: int) -> np.ndarray:
    """Identifiers such as P0000001234 (fixed prefix, zero-padded number)."""
    return np.char.add(prefix, np.char.zfill(nums.astype(np.int64).astype(str), width))


#: Mean portfolio aimed at: accompaniments in progress per adviser (the agencies spread around it).
PORTEFEUILLE_CIBLE = 80.0
#: Accompaniments in progress with a référent on a month end, per simulated person, once multiplied
#: by 365 / (365 + L) (L: days of the window; the stock of registered people is about that share of
#: ``persons``). Measured on the simulation: 0.72 to 0.76 for windows of 3 to 35 months.
EN_COURS_PAR_PERSONNE = 0.74
#: Pseudonym width: C + 6 digits (a million advisers; a larger number only makes the code longer).
LARGEUR_CONSEILLER = 6


@dataclass(frozen=True)
class Equipes:
    """The advisers of every agency of the scope, sized once for the whole generation.

    Agency ``a`` has ``taille[a]`` advisers, numbered ``debut[a]`` to ``debut[a] + taille[a] - 1``
    over the whole scope, so a pseudonym (``C`` + number) belongs to a single agency. The team is
    proportional to the accompaniments the agency is expected to have in progress (its share of the
    people, from the residence probabilities and the candidate agencies of each commune, times
    ``persons``, times the share in progress), divided by a target portfolio of
    ``PORTEFEUILLE_CIBLE`` times a factor of the agency (0.75 to 1.25): mean portfolios around
    60–100 at any scale, at least one adviser per agency. Within an agency, each adviser has a
    weight (0.6 to 1.4: part time, specialised or new advisers hold fewer people). Factor and
    weights are drawn from the seed and the agency code: an agency keeps them whatever the scope.
    """

    debut: np.ndarray  # int64, first adviser number of each agency
    taille: np.ndarray  # int64, advisers of each agency
    cumul: np.ndarray  # float64, cumulative weights of all advisers, with a leading 0 (length total + 1)
    attendus: np.ndarray  # float64, expected accompaniments in progress of each agency

    @classmethod
    def dimensionner(cls, scope: Scope, persons: int, start: date, end: date, seed: int = 0) -> Equipes:
        na = len(scope.agence_code)
        p_commune = np.diff(scope.commune_cumprob, prepend=0.0)
        part = np.bincount(scope.cand_flat, weights=np.repeat(p_commune / scope.cand_count, scope.cand_count),
                           minlength=na)
        L = day_number(end) - day_number(start) + 1
        attendus = persons * part * EN_COURS_PAR_PERSONNE * 365.0 / (365.0 + L)
        taille = np.empty(na, dtype=np.int64)
        poids = []
        for a, code in enumerate(scope.agence_code.tolist()):
            rng = np.random.default_rng([seed, _stable_hash(code)])
            cible = PORTEFEUILLE_CIBLE * rng.uniform(0.75, 1.25)
            taille[a] = max(1, int(round(attendus[a] / cible)))
            poids.append(rng.uniform(0.6, 1.4, taille[a]))
        debut = np.concatenate([[0], np.cumsum(taille)[:-1]]).astype(np.int64)
        cumul = np.concatenate([[0.0], np.cumsum(np.concatenate(poids))])
        return cls(debut=debut, taille=taille, cumul=cumul, attendus=attendus)

    @property
    def total(self) -> int:
        return int(self.taille.sum())

    def tirer(self, rng: np.random.Generator, agence: np.ndarray) -> np.ndarray:
        """An adviser of each given agency, drawn by weight (one uniform draw per row)."""
        lo = self.cumul[self.debut[agence]]
        hi = self.cumul[self.debut[agence] + self.taille[agence]]
        num = np.searchsorted(self.cumul, lo + rng.random(len(agence)) * (hi - lo), side="right") - 1
        num = np.clip(num, self.debut[agence], self.debut[agence] + self.taille[agence] - 1)
        return ids("C", num, LARGEUR_CONSEILLER)


@dataclass
class ChunkResult:
    versions: dict[str, dict[str, np.ndarray]]
    doublons: list[str] = field(default_factory=list)


class _Parts:
    """Record versions of one export, accumulated as column arrays."""

    def __init__(self, export: str):
        self.export = C.EXPORTS[export]
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, mask: np.ndarray, ts: np.ndarray, truth: dict, **over) -> None:
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        part = {}
        for col in self.export.column_names:
            if col in over:
                v = over[col]
            elif col in truth:
                v = truth[col]
            elif col in ("date_maj", "supprime"):
                continue
            else:
                raise KeyError(f"{self.export.name}.{col} manquant")
            part[col] = v[idx] if isinstance(v, np.ndarray) else np.full(len(idx), v)
        part["date_maj"] = ts[idx]
        part["supprime"] = np.zeros(len(idx), dtype=np.int8)
        self.parts.append(part)

    def columns(self) -> dict[str, np.ndarray]:
        cols = list(self.export.column_names)
        if not self.parts:
            return {c: np.array([], dtype=object) for c in cols}
        return {c: np.concatenate([p[c] for p in self.parts]) for c in cols}


# ---------------------------------------------------------------------------------------------
# The chunk simulator
# ---------------------------------------------------------------------------------------------


class ChunkSimulator:
    def __init__(self, scope: Scope, start: date, end: date, rng: np.random.Generator,
                 equipes: Equipes | None = None):
        """``equipes``: the advisers of the whole generation (``Equipes.dimensionner``); by default,
        teams sized for the people of the one chunk ``run`` simulates."""
        self.s = scope
        self.start, self.end = start, end
        self.S = day_number(start)
        self.E = day_number(end)
        self.rng = rng
        self.equipes = equipes
        self.out = {name: _Parts(name) for name in C.CORE_EXPORTS}
        self.doublons: list[str] = []

    def ts(self, days: np.ndarray, stage: int) -> np.ndarray:
        """Update time of a version: stages of the same day come in order (07:00 + 2 h per stage)."""
        d = np.minimum(days, NONE)
        return d * DAY + 7 * 3600 + stage * 7200 + self.rng.integers(0, 7200, len(d))

    # -- people -----------------------------------------------------------------------------

    def run(self, first_person: int, n: int) -> ChunkResult:
        rng, s = self.rng, self.s
        if self.equipes is None:
            self.equipes = Equipes.dimensionner(s, n, self.start, self.end)
        pid = np.arange(first_person, first_person + n, dtype=np.int64)
        commune = np.searchsorted(s.commune_cumprob, rng.random(n), side="right").clip(0, len(s.commune_code) - 1)
        agence = s.cand_flat[s.cand_start[commune] + (rng.random(n) * s.cand_count[commune]).astype(np.int64)]
        age_band = pick(rng, n, [0.22, 0.53, 0.25])
        age_ref = np.where(age_band == 0, rng.integers(16, 26, n),
                           np.where(age_band == 1, rng.integers(26, 50, n), rng.integers(50, 65, n)))
        persons = {
            "pid": pid,
            "commune": commune,
            "agence": agence,
            "sexe": codes(C.SEXE, pick(rng, n, [0.49, 0.51])),
            "age_ref": age_ref,
            "niveau": codes(("",) + C.NIVEAU_FORMATION, pick(rng, n, [0.04, 0.12, 0.26, 0.24, 0.13, 0.10, 0.10, 0.01])),
            "rqth": rng.random(n) < 0.09,
            "qpv": s.commune_qpv[commune] & (rng.random(n) < 0.28),
            "zrr": s.commune_zrr[commune],
        }

        # First episode: the stock at start (registered before, still registered) and the flows.
        L = self.E - self.S + 1
        p_stock = 365.0 / (365.0 + L)
        stock = rng.random(n) < p_stock
        d0 = np.where(
            stock,
            self.S - 1 - np.minimum(exp_days(rng, n, 330), 1500),
            self.S + (rng.random(n) * L).astype(np.int64),
        )
        d0 = self._weekday_shift(d0, stock)
        persons["annee"] = years(np.where(stock, self.S, d0)) - age_ref
        ep1 = self.episode(persons, np.arange(n), d0, ep_no=1)

        # Second episodes: some people come back after leaving the lists.
        back = (ep1["d_end"] <= self.E - 30) & (ep1["motif_fin"] != "05") & (rng.random(n) < 0.25)
        idx2 = np.flatnonzero(back)
        d02 = ep1["d_end"][idx2] + 20 + exp_days(rng, len(idx2), 150)
        keep = d02 <= self.E
        idx2, d02 = idx2[keep], d02[keep]
        if len(idx2):
            self.episode(persons, idx2, self._weekday_shift(d02, np.zeros(len(d02), bool)), ep_no=2)

        self._doublons(persons, ep1)
        return ChunkResult({k: v.columns() for k, v in self.out.items()}, self.doublons)

    def _weekday_shift(self, d0: np.ndarray, keep: np.ndarray) -> np.ndarray:
        # 1970-01-01 was a Thursday: weekday (Mon=0) = (d + 3) % 7. Few registrations at weekends.
        wd = (d0 + 3) % 7
        move = (wd >= 5) & ~keep & (self.rng.random(len(d0)) < 0.85)
        return np.where(move, d0 + (7 - wd), d0)

    # -- one episode per selected person ------------------------------------------------------

    def episode(self, P: dict, sel: np.ndarray, d0: np.ndarray, ep_no: int) -> dict:
        """One registration episode of each selected person, stage by stage; the stages share their
        arrays on ``e`` and draw in a fixed order (same seed, same files)."""
        e = SimpleNamespace(P=P, sel=sel, d0=d0, ep_no=ep_no)
        self._tirer_profil(e)
        self._tirer_orientation(e)
        self._tirer_diagnostic_accompagnement(e)
        self._tirer_fin_et_emplois(e)
        self._ecrire_inscriptions(e)
        self._ecrire_orientations(e)
        self._ecrire_diagnostics(e)
        self._ecrire_accompagnements(e)
        self._ecrire_emplois(e)
        return self._ecrire_suivi(e)

    def _tirer_profil(self, e: SimpleNamespace) -> None:
        """Who enters: agency and age, the allowance at registration, the channel and category."""
        rng, s = self.rng, self.s
        n = len(e.sel)
        pid = e.P["pid"][e.sel]
        e.agence = e.P["agence"][e.sel]
        e.rqth = e.P["rqth"][e.sel]
        e.age = years(e.d0) - e.P["annee"][e.sel]
        e.young = e.age < 26
        e.uid = pid * 10 + e.ep_no
        e.id_ins = ids("I", e.uid, 11)
        e.id_per = ids("P", pid, 10)
        e.lpe = e.d0 >= D_LPE
        e.ag_code = s.agence_code[e.agence]
        e.msa_model = s.agence_msa[e.agence]
        e.msa_start = s.agence_msa_debut[e.agence]

        # Allowance at registration (more RSA entrants once registration is automatic).
        Pm = np.zeros((n, 6))
        Pm[:, AL_ARE] = np.where(e.young, 0.30, 0.45)
        Pm[:, AL_ASS] = np.where(e.young, 0.0, 0.05)
        Pm[:, AL_RSA] = np.where(e.young, np.where(e.age >= 25, 0.15, 0.02), np.where(e.lpe, 0.28, 0.17))
        Pm[:, AL_AAH] = np.where(e.rqth, 0.12, 0.01)
        Pm[:, AL_CEJ] = np.where(e.young, 0.20, 0.0)
        Pm[:, AL_AUCUNE] = np.clip(1 - Pm.sum(axis=1), 0.05, None)
        e.alloc = pick_rows(rng, Pm)
        e.rsa = e.alloc == AL_RSA
        e.cej = e.alloc == AL_CEJ

        auto = e.lpe & (e.rsa | e.cej) & (rng.random(n) < 0.85)
        e.canal = np.where(auto, "AUTOMATIQUE", codes(("EN_LIGNE", "AGENCE", "PARTENAIRE"), pick(rng, n, [0.72, 0.13, 0.15])))
        e.cat0 = np.where(auto & e.rsa, "G", codes(("A", "B", "C", "D", "E"), pick(rng, n, [0.62, 0.12, 0.16, 0.06, 0.04])))
        e.motif_ins = codes(("",) + C.MOTIF_INSCRIPTION[:12], pick(rng, n, [0.04] + [0.08] * 12))


    def _tirer_orientation(self, e: SimpleNamespace) -> None:
        """The initial orientation: mode, date, proposed and retained operator and path."""
        rng = self.rng
        n = len(e.sel)
        # --- orientation (initial) ---
        cd_decision = e.rsa & ~e.lpe
        lpe_mode = codes(("EDO_TELEPHONE", "EDO_PRESENTIEL", "DECISION_CD"), pick(rng, n, [0.88, 0.08, 0.04]))
        lpe_mode = np.where((lpe_mode == "DECISION_CD") & ~e.rsa, "EDO_TELEPHONE", lpe_mode)
        e.mode = np.where(e.lpe, lpe_mode, np.where(cd_decision, "DECISION_CD", "AUTOMATIQUE"))
        e.d_ori = np.where(e.lpe, e.d0 + 1 + exp_days(rng, n, 7),
                           np.where(cd_decision, e.d0 + 15 + exp_days(rng, n, 20), e.d0))
        Pp = np.empty((n, 3))
        Pp[:] = [0.86, 0.11, 0.03]
        Pp[e.rsa] = [0.44, 0.24, 0.32]
        Pp[e.cej] = [0.75, 0.25, 0.0]
        Pp[e.alloc == AL_AAH] = [0.50, 0.40, 0.10]
        e.parc = pick_rows(rng, Pp)
        u = rng.random(n)
        e.op = np.full(n, OP_FT)
        e.op = np.where(e.young & (u < 0.72), OP_ML, e.op)
        e.op = np.where(~e.young & (e.parc == P_SOCIAL) & (u < 0.30), OP_CD, e.op)
        e.op = np.where(~e.young & (e.parc != P_SOCIAL) & e.rqth & (u < 0.30), OP_CAP, e.op)
        e.has_prop = (e.mode != "AUTOMATIQUE") & (e.mode != "DECISION_CD") & (e.d_ori >= D_ALGO)
        agree = rng.random(n) < 0.85
        which = rng.random(n) < 0.5
        e.op_prop = np.where(~agree & which, (e.op + rng.integers(1, 4, n)) % 4, e.op)
        e.parc_prop = np.where(~agree & ~which, (e.parc + rng.integers(1, 3, n)) % 3, e.parc)


    def _tirer_diagnostic_accompagnement(self, e: SimpleNamespace) -> None:
        """Diagnostic and accompaniment start (sooner under the MSA models)."""
        rng, s = self.rng, self.s
        n = len(e.sel)
        # --- diagnostic (first accompaniment interview) ---
        e.msa_eff = np.where(e.d0 >= e.msa_start, e.msa_model, 0)
        med = np.where(e.msa_eff == 2, 8, np.where(e.msa_eff == 1, 12, np.where(e.lpe, 16, 20)))
        never = rng.random(n) < np.where(e.msa_eff == 2, 0.04, np.where(e.msa_eff == 1, 0.05, 0.07))
        e.d_diag = np.where(never, NONE, e.d_ori + np.round(med * np.exp(rng.standard_normal(n))).astype(np.int64))
        # --- accompaniment ---
        same_day = rng.random(n) < np.where(e.msa_eff == 2, 0.65, np.where(e.msa_eff == 1, 0.55, 0.45))
        e.d_acc = np.where(never, NONE, e.d_diag + np.where(same_day, 0, 1 + exp_days(rng, n, 12)))
        e.has_acc = e.d_acc < NONE
        e.rsa_ren = e.rsa & s.agence_rsa_renove[e.agence] & (e.d0 >= s.agence_rsa_debut[e.agence])


    def _tirer_fin_et_emplois(self, e: SimpleNamespace) -> None:
        """The episode's end: natural exit, up to two job starts, the one that ends it."""
        rng, S = self.rng, self.S
        n = len(e.sel)
        # --- natural end (exits other than a return to employment) ---
        d_nat = e.d0 + np.maximum(lognormal_days(rng, n, 340, 0.85), 15)
        d_nat = np.where(d_nat < S, S + exp_days(rng, n, 330), d_nat)
        motif_nat = codes(("13", "08", "02", "03", "05", "10", "11", "12", "04", "06", "09"),
                          pick(rng, n, [0.30, 0.12, 0.12, 0.06, 0.05, 0.08, 0.03, 0.10, 0.01, 0.05, 0.03]))
        motif_nat = np.where((motif_nat == "05") & (e.age < 58), "12", motif_nat)

        # --- employment: first start after the accompaniment start (hazard calibrated on 6 months) ---
        p6 = np.where(e.rsa, 0.78, np.where(e.cej, 0.55, np.where(e.alloc == AL_AAH, 0.32, 0.62)))
        p6 = p6 * np.where(e.parc == P_SOCIAL, 0.45, np.where(e.parc == P_SOCIO, 0.8, 1.1))
        p6 = p6 * np.where(e.msa_eff == 2, 1.25, np.where(e.msa_eff == 1, 1.08, 1.0)) * np.where(e.rsa_ren, 1.2, 1.0)
        p6 = np.clip(p6, 0.02, 0.95)
        ref = np.where(e.has_acc, e.d_acc, e.d0 + 45)
        ref = np.maximum(ref, np.where(e.d0 < S, S - 30, ref))
        e.t1 = ref + exp_days(rng, n, -182.0 / np.log(1 - p6))
        e.job1 = e.t1 <= d_nat
        q = np.where(e.rsa, 0.40, 0.47) + np.where(e.msa_eff == 2, 0.05, 0.0)
        e.dur1 = rng.random(n) < q
        e.nat1, e.fin1 = self._contrats(e.dur1, e.t1, e.young)
        exit_p = np.where(e.dur1, 0.70, 0.20)
        e.exit1 = e.job1 & (rng.random(n) < exit_p)
        d_exit1 = e.t1 + rng.integers(0, 21, n)
        motif_job1 = np.where(e.nat1 == "CREA", "16", np.where((e.nat1 == "02") & (rng.random(n) < 0.06), "15", "01"))
        # a second start when the first one did not end the episode
        base2 = np.where(e.fin1 < NONE, e.fin1, e.t1 + 30)
        e.t2 = base2 + exp_days(rng, n, 120)
        e.job2 = e.job1 & ~e.exit1 & (e.t2 <= d_nat)
        dur2 = rng.random(n) < 0.35
        e.nat2, e.fin2 = self._contrats(dur2, e.t2, e.young)
        exit2 = e.job2 & (rng.random(n) < np.where(dur2, 0.70, 0.20))
        d_exit2 = e.t2 + rng.integers(0, 21, n)
        motif_job2 = np.where(e.nat2 == "CREA", "16", "01")

        e.d_end = np.where(e.exit1, np.minimum(d_exit1, d_nat), np.where(exit2, np.minimum(d_exit2, d_nat), d_nat))
        e.motif_fin = np.where(e.exit1 & (d_exit1 <= d_nat), motif_job1,
                               np.where(exit2 & (d_exit2 <= d_nat), motif_job2, motif_nat))
        e.by_job = np.isin(e.motif_fin, ("01", "15", "16"))


    def _ecrire_inscriptions(self, e: SimpleNamespace) -> None:
        """Rows of ``inscriptions``: registration, category after orientation, activity, end."""
        s = self.s
        n = len(e.sel)
        # --- inscriptions: registration, category after orientation, activity, end ---
        e.truth = {
            "id_inscription": e.id_ins, "id_personne": e.id_per, "date_inscription": e.d0,
            "motif_inscription": e.motif_ins, "date_fin": np.full(n, NONE), "motif_fin": np.full(n, ""),
            "categorie": e.cat0, "canal_inscription": e.canal, "code_agence": e.ag_code,
            "code_commune": s.commune_code[e.P["commune"][e.sel]], "sexe": e.P["sexe"][e.sel],
            "annee_naissance": e.P["annee"][e.sel], "niveau_formation": e.P["niveau"][e.sel],
            "allocation": codes(C.ALLOCATION, e.alloc), "rqth": e.rqth.astype(np.int8),
            "qpv": e.P["qpv"][e.sel].astype(np.int8), "zrr": e.P["zrr"][e.sel].astype(np.int8),
        }
        ins = self.out["inscriptions"]
        ins.add(np.ones(n, bool), self.ts(e.d0, 0), e.truth)
        e.oriented = e.d_ori <= e.d_end
        cat_ori = np.where(e.cat0 == "G", np.where(e.parc == P_SOCIAL, "F", "A"), e.cat0)
        ins.add((e.cat0 == "G") & e.oriented, self.ts(e.d_ori, 1), e.truth, categorie=cat_ori)
        cat_c = e.job1 & ~e.dur1 & ~e.exit1 & np.isin(e.cat0, ("A", "B")) & (e.t1 <= e.d_end)
        cat_fin = np.where(cat_c, "C", np.where(e.oriented, cat_ori, e.cat0))
        ins.add(cat_c, self.ts(np.maximum(e.t1, e.d0), 2), e.truth, categorie="C")
        ins.add(np.ones(n, bool), self.ts(e.d_end, 3), e.truth, categorie=cat_fin, date_fin=e.d_end, motif_fin=e.motif_fin)


    def _ecrire_orientations(self, e: SimpleNamespace) -> None:
        """Rows of ``orientations``, and the reorientations the MSA models make."""
        rng = self.rng
        n = len(e.sel)
        # --- orientations ---
        ori = self.out["orientations"]
        ori_truth = {
            "id_orientation": ids("ORI", e.uid * 10, 13), "id_personne": e.id_per, "id_inscription": e.id_ins,
            "date_orientation": e.d_ori, "nature": "INITIALE", "mode": e.mode,
            "operateur_propose": np.where(e.has_prop, codes(C.OPERATEUR, e.op_prop), ""),
            "parcours_propose": np.where(e.has_prop, codes(C.PARCOURS, e.parc_prop), ""),
            "operateur_retenu": codes(C.OPERATEUR, e.op), "parcours_retenu": codes(C.PARCOURS, e.parc),
            "motif_reorientation": "", "code_agence": e.ag_code,
        }
        ori.add(e.oriented, self.ts(e.d_ori, 1), ori_truth)

        # --- reorientation (MSA model 1 segments and re-segments, model 2 has a periodic review) ---
        e.msa_acc = np.where(e.d_acc >= e.msa_start, e.msa_model, 0)
        p_reo = np.where(e.msa_acc == 1, 0.22, np.where(e.msa_acc == 2, 0.13, 0.07))
        e.d_reo = e.d_acc + 60 + rng.integers(0, 211, n)
        e.reo = e.has_acc & (rng.random(n) < p_reo) & (e.d_reo <= e.d_end)
        e.parc2 = (e.parc + rng.integers(1, 3, n)) % 3
        e.op2 = np.where((e.parc2 == P_SOCIAL) & ~e.young & (rng.random(n) < 0.4), OP_CD,
                         np.where((e.op == OP_CD) & (e.parc2 != P_SOCIAL), OP_FT, e.op))
        e.motif_reo = np.where(
            e.msa_acc == 2, codes(C.MOTIF_REORIENTATION, pick(rng, n, [0.15, 0.6, 0.1, 0.15])),
            np.where(e.msa_acc == 1, codes(C.MOTIF_REORIENTATION, pick(rng, n, [0.6, 0.1, 0.15, 0.15])),
                     codes(C.MOTIF_REORIENTATION, pick(rng, n, [0.3, 0.2, 0.25, 0.25]))))
        mode_reo = np.where(e.d_reo >= D_LPE, "EDO_TELEPHONE", np.where(e.op2 == OP_CD, "DECISION_CD", "EDO_PRESENTIEL"))
        reo_truth = dict(ori_truth, **{
            "id_orientation": ids("ORI", e.uid * 10 + 1, 13), "date_orientation": e.d_reo,
            "nature": "REORIENTATION", "mode": mode_reo, "operateur_propose": "", "parcours_propose": "",
            "operateur_retenu": codes(C.OPERATEUR, e.op2), "parcours_retenu": codes(C.PARCOURS, e.parc2),
            "motif_reorientation": e.motif_reo,
        })
        ori.add(e.reo, self.ts(e.d_reo, 2), reo_truth)


    def _ecrire_diagnostics(self, e: SimpleNamespace) -> None:
        """Rows of ``diagnostics``: initial, then updated."""
        rng = self.rng
        n = len(e.sel)
        # --- diagnostics ---
        e.diag_ok = e.d_diag <= e.d_end
        freins = self._freins(e.parc)
        diag_truth = {
            "id_diagnostic": ids("DIA", e.uid * 10, 13), "id_personne": e.id_per, "id_inscription": e.id_ins,
            "date_diagnostic": e.d_diag, "nature": "INITIAL", "operateur": codes(C.OPERATEUR, e.op),
            "freins": freins, "code_agence": e.ag_code,
        }
        dia = self.out["diagnostics"]
        dia.add(e.diag_ok, self.ts(e.d_diag, 1), diag_truth)
        d_act = np.where(e.reo & (e.motif_reo == "DIAGNOSTIC"), np.maximum(e.d_reo - rng.integers(0, 8, n), e.d_diag + 1),
                         np.where(rng.random(n) < 0.10, e.d_acc + 180, NONE))
        act_ok = e.diag_ok & (d_act <= e.d_end)
        dia.add(act_ok, self.ts(d_act, 1), dict(diag_truth, **{
            "id_diagnostic": ids("DIA", e.uid * 10 + 1, 13), "date_diagnostic": d_act, "nature": "ACTUALISATION",
            "operateur": codes(C.OPERATEUR, np.where(e.reo, e.op2, e.op)), "freins": self._freins(np.where(e.reo, e.parc2, e.parc)),
        }))


    def _ecrire_accompagnements(self, e: SimpleNamespace) -> None:
        """Rows of ``accompagnements``: the first one, then the one after a reorientation."""
        rng = self.rng
        n = len(e.sel)
        # --- accompagnements ---
        e.acc_ok = e.has_acc & (e.d_acc <= e.d_end)
        e.modal = self._modalites(e.op, e.parc, e.alloc, e.young, e.msa_acc)
        lpe_ori = e.d_ori >= D_LPE
        signe = e.acc_ok & ((lpe_ori & (rng.random(n) < 0.92)) | e.cej)
        d_sig = np.where(signe, e.d_acc + np.where(rng.random(n) < 0.6, 0, 1 + exp_days(rng, n, 6)), NONE)
        intens = self._intensite(signe, e.rsa, e.cej, e.parc, e.modal)
        # model 2: intensive accompaniment limited in time
        fin_duree = (e.modal == "INTENSIF") & (e.msa_acc == 2)
        d_fin_duree = np.where(fin_duree, e.d_acc + 90 + rng.integers(0, 31, n), NONE)
        e.acc1_end = np.minimum(np.where(e.reo, e.d_reo, e.d_end), d_fin_duree)
        acc1_motif = np.where(e.reo & (e.acc1_end == e.d_reo), "REORIENTATION",
                              np.where(e.acc1_end == d_fin_duree, "FIN_DE_DUREE", self._motif_sortie(e.by_job, n)))
        acc_truth = {
            "id_accompagnement": ids("ACC", e.uid * 10, 13), "id_personne": e.id_per, "id_inscription": e.id_ins,
            "operateur": codes(C.OPERATEUR, e.op), "parcours": codes(C.PARCOURS, e.parc), "modalite": e.modal,
            "date_signature_ce": d_sig, "intensite_hebdo_heures": intens, "date_debut": e.d_acc,
            "date_fin": e.acc1_end, "motif_fin": acc1_motif, "code_agence": e.ag_code,
            "id_conseiller": np.where((e.op == OP_CD) & (rng.random(n) < 0.5), "", self.equipes.tirer(rng, e.agence)),
        }
        e.referent = np.where(e.acc_ok, acc_truth["id_conseiller"], "")
        acc = self.out["accompagnements"]
        sig_same = d_sig == e.d_acc
        nan = np.full(n, np.nan)
        acc.add(e.acc_ok, self.ts(e.d_acc, 1), acc_truth, date_fin=NONE, motif_fin="",
                date_signature_ce=np.where(sig_same, d_sig, NONE), intensite_hebdo_heures=np.where(sig_same, intens, nan))
        acc.add(e.acc_ok & signe & ~sig_same & (d_sig <= e.acc1_end), self.ts(d_sig, 2), acc_truth, date_fin=NONE, motif_fin="")
        acc.add(e.acc_ok, self.ts(e.acc1_end, 3), acc_truth,
                date_signature_ce=np.where(d_sig <= e.acc1_end, d_sig, NONE),
                intensite_hebdo_heures=np.where(d_sig <= e.acc1_end, intens, nan))
        d_acc2 = e.d_reo + rng.integers(0, 11, n)
        acc2_ok = e.acc_ok & e.reo & (d_acc2 <= e.d_end)
        modal2 = np.where(e.parc2 == P_EMPLOI, "SUIVI", "GLOBAL")
        acc2_truth = dict(acc_truth, **{
            "id_accompagnement": ids("ACC", e.uid * 10 + 1, 13), "operateur": codes(C.OPERATEUR, e.op2),
            "parcours": codes(C.PARCOURS, e.parc2), "modalite": modal2, "date_signature_ce": np.where(lpe_ori, d_acc2, NONE),
            "intensite_hebdo_heures": np.where(lpe_ori, self._intensite(lpe_ori, e.rsa, e.cej, e.parc2, modal2), nan),
            "date_debut": d_acc2, "date_fin": e.d_end, "motif_fin": self._motif_sortie(e.by_job, n),
        })
        acc.add(acc2_ok, self.ts(d_acc2, 2), acc2_truth, date_fin=NONE, motif_fin="")
        acc.add(acc2_ok, self.ts(e.d_end, 3), acc2_truth)


    def _ecrire_emplois(self, e: SimpleNamespace) -> None:
        """Rows of ``emplois``."""
        rng = self.rng
        n = len(e.sel)
        # --- emplois ---
        emp = self.out["emplois"]
        for k, (ok, t, nat, fin) in enumerate(((e.job1, e.t1, e.nat1, e.fin1), (e.job2, e.t2, e.nat2, e.fin2))):
            src = codes(C.SOURCE_EMPLOI, pick(rng, n, [0.70, 0.25, 0.05]))
            src = np.where(nat == "CREA", "DECLARATION", src)
            dmaj = np.where(src == "DPAE", t - rng.integers(0, 6, n),
                            np.where(src == "DSN", self._next_month(t) + rng.integers(4, 11, n), t + rng.integers(0, 31, n)))
            heures = codes((35.0, 24.0, 28.0, 20.0, np.nan), pick(rng, n, [0.6, 0.1, 0.1, 0.1, 0.1])).astype(float)
            emp.add(ok & (t >= e.d0), self.ts(np.maximum(dmaj, e.d0), 1), {
                "id_emploi": ids("EMP", e.uid * 10 + k, 13), "id_personne": e.id_per, "date_debut": t,
                "nature_contrat": nat, "date_fin_previsionnelle": fin,
                "duree_hebdo_heures": np.where(nat == "CREA", np.nan, heures), "source": src,
            })


    def _ecrire_suivi(self, e: SimpleNamespace) -> dict:
        """Interviews, then breaches and job-search controls; the episode's outcome."""
        E = self.E
        # --- entretiens ---
        self._entretiens(e.uid, e.id_per, e.id_ins, e.agence, e.ag_code, e.op, e.parc, e.d0, e.d_ori, e.mode, e.lpe, e.oriented,
                         e.d_diag, e.diag_ok, e.d_acc, e.acc_ok, e.acc1_end, e.modal, e.d_end, e.referent)

        # --- manquements and controls ---
        self._controle(e.uid, e.id_per, e.id_ins, e.agence, e.ag_code, e.d0, e.d_end, e.lpe, e.has_acc, e.d_acc)

        return {"d_end": np.where(e.d_end <= E, e.d_end, NONE), "motif_fin": np.where(e.d_end <= E, e.motif_fin, ""),
                "d0": e.d0, "uid": e.uid, "id_ins": e.id_ins, "truth": e.truth, "sel": e.sel}


    # -- helpers of the episode ---------------------------------------------------------------

    def _contrats(self, durable: np.ndarray, t: np.ndarray, young: np.ndarray):
        rng, n = self.rng, len(t)
        dn = codes(("01", "02", "03", "CREA", "09", "07", "08", "82", "10"),
                   pick(rng, n, [0.55, 0.18, 0.05, 0.08, 0.04, 0.03, 0.02, 0.02, 0.03]))
        dfin = np.where(np.isin(dn, ("02", "03", "10")), t + 183 + rng.integers(0, 366, n), NONE)
        cn = codes(("02", "03", "10", "29", "89", "90"), pick(rng, n, [0.42, 0.42, 0.06, 0.04, 0.03, 0.03]))
        cn = np.where((cn == "89") & ~young, "02", cn)
        cfin = np.select(
            [np.isin(cn, ("02", "10")), cn == "03", cn == "29", cn == "89"],
            [t + 7 + rng.integers(0, 164, n), t + 1 + rng.integers(0, 61, n),
             t + 30 + rng.integers(0, 151, n), t + 180 + rng.integers(0, 121, n)],
            NONE,
        )
        return np.where(durable, dn, cn), np.where(durable, dfin, cfin)

    def _next_month(self, t: np.ndarray) -> np.ndarray:
        m = t.astype("datetime64[D]").astype("datetime64[M]") + 1
        return m.astype("datetime64[D]").astype(np.int64)

    def _freins(self, parc: np.ndarray) -> np.ndarray:
        n = len(parc)
        base = np.where(parc == P_SOCIAL, 0.45, np.where(parc == P_SOCIO, 0.25, 0.05))
        weights = np.array([1.0, 0.8, 0.7, 0.5, 0.3, 0.6, 0.3, 0.9])
        has = self.rng.random((n, len(C.FREINS))) < base[:, None] * weights[None, :]
        out = np.full(n, "", dtype=object)
        for j, f in enumerate(C.FREINS):
            out = np.where(has[:, j], np.where(out == "", f, out + "|" + f), out)
        return out.astype(str)

    def _modalites(self, op, parc, alloc, young, msa) -> np.ndarray:
        rng, n = self.rng, len(op)
        ft_emploi = np.select(
            [msa == 1, msa == 2],
            [codes(("SUIVI", "GUIDE", "RENFORCE", "PRESTATAIRE"), pick(rng, n, [0.25, 0.30, 0.30, 0.15])),
             codes(("INTENSIF", "PRESTATAIRE", "SUIVI"), pick(rng, n, [0.45, 0.30, 0.25]))],
            codes(("SUIVI", "GUIDE", "RENFORCE", "PRESTATAIRE"), pick(rng, n, [0.30, 0.45, 0.20, 0.05])),
        )
        ft_emploi = np.where(young & (rng.random(n) < 0.3), "AIJ", ft_emploi)
        ft_socio = np.where(msa == 2, codes(("INTENSIF", "GLOBAL"), pick(rng, n, [0.5, 0.5])),
                            codes(("GLOBAL", "RENFORCE"), pick(rng, n, [0.7, 0.3])))
        ft = np.select([parc == P_EMPLOI, parc == P_SOCIO], [ft_emploi, ft_socio], "GLOBAL")
        ml = codes(("SUIVI", "GLOBAL", "AUTRE"), pick(rng, n, [0.5, 0.3, 0.2]))
        cap = codes(("RENFORCE", "SUIVI"), pick(rng, n, [0.5, 0.5]))
        cd = codes(("GLOBAL", "AUTRE"), pick(rng, n, [0.6, 0.4]))
        out = np.select([op == OP_FT, op == OP_ML, op == OP_CAP], [ft, ml, cap], cd)
        return np.where((alloc == AL_CEJ) & np.isin(op, (OP_FT, OP_ML)), "CEJ", out)

    def _intensite(self, signe, rsa, cej, parc, modal) -> np.ndarray:
        rng, n = self.rng, len(signe)
        hi = 15 + rng.integers(0, 6, n).astype(float)
        lo = 4 + rng.integers(0, 11, n).astype(float)
        rsa_hi = rsa & ((parc != P_SOCIAL) & (rng.random(n) < 0.9) | (parc == P_SOCIAL) & (rng.random(n) < 0.5))
        intense = cej | rsa_hi | np.isin(modal, ("INTENSIF", "CEJ"))
        return np.where(signe, np.where(intense, hi, lo), np.nan)

    def _motif_sortie(self, by_job, n) -> np.ndarray:
        return np.where(by_job, "REPRISE_EMPLOI", np.where(self.rng.random(n) < 0.12, "ABANDON", "SORTIE_DES_LISTES"))

    def _entretiens(self, uid, id_per, id_ins, agence, ag_code, op, parc, d0, d_ori, mode, lpe, oriented,
                    d_diag, diag_ok, d_acc, acc_ok, acc_end, modal, d_end, referent):
        """``referent``: the adviser of the episode's first accompaniment ("" when none); the
        interviews of the accompaniment (EDA, shared diagnostic, follow-ups) are held by the
        référent, the orientation interview (and those of a person without a référent) by an
        adviser of the agency."""
        rng, n = self.rng, len(uid)
        ent = self.out["entretiens"]
        agence_cons = self.equipes.tirer(rng, agence)
        ref_cons = np.where(referent != "", referent, agence_cons)
        op_code = codes(C.OPERATEUR, op)

        def add(slot, ok, date, type_, statut, modalite, operateur, lead_max=15, cons=ref_cons):
            date = np.where(ok, date, NONE)
            plan = np.maximum(date - rng.integers(2, lead_max + 1, n), d0)
            truth = {
                "id_entretien": ids("ENT", uid * 100 + slot, 14), "id_personne": id_per, "id_inscription": id_ins,
                "type_entretien": type_, "date_entretien": date, "statut": statut,
                "duree_minutes": np.where(statut == "REALISE", rng.integers(20, 61, n), NONE),
                "modalite_contact": modalite, "operateur": operateur, "code_agence": ag_code, "id_conseiller": cons,
            }
            ent.add(ok & (plan < date), self.ts(plan, 0), truth, statut="PLANIFIE", duree_minutes=NONE)
            ent.add(ok, self.ts(date, 2), truth)

        # orientation interview (Loi plein emploi), sometimes after a no-show
        edo = oriented & lpe & np.char.startswith(mode.astype(str), "EDO")
        edo_mod = np.where(mode == "EDO_PRESENTIEL", "PRESENTIEL", "TELEPHONE")
        d_abs = d_ori - rng.integers(3, 8, n)
        add(0, edo & (rng.random(n) < 0.35) & (d_abs >= d0), d_abs, "EDO", np.full(n, "ABSENT"), edo_mod, "FT", 5,
            cons=agence_cons)
        add(1, edo, d_ori, "EDO", np.full(n, "REALISE"), edo_mod, "FT", 3, cons=agence_cons)
        # first accompaniment interview, sometimes after a no-show or a postponement
        eda_mod = codes(C.MODALITE_CONTACT, pick(rng, n, [0.2, 0.7, 0.1]))
        d_pre = d_diag - rng.integers(7, 15, n)
        pre_stat = codes(("ABSENT", "REPORTE"), pick(rng, n, [0.75, 0.25]))
        add(2, diag_ok & (rng.random(n) < 0.30) & (d_pre >= d0), d_pre, "EDA", pre_stat, eda_mod, op_code)
        add(3, diag_ok, d_diag, "EDA", np.full(n, "REALISE"), eda_mod, op_code)
        d_dp = d_acc + 10 + rng.integers(0, 31, n)
        add(4, acc_ok & (parc == P_SOCIO) & (rng.random(n) < 0.3) & (d_dp <= d_end), d_dp, "DIAGNOSTIC_PARTAGE",
            codes(("REALISE", "ABSENT"), pick(rng, n, [0.80, 0.20])), np.full(n, "PRESENTIEL"), op_code)
        # follow-ups during the accompaniment, denser in intensive modalities
        rate = np.select([np.isin(modal, ("INTENSIF", "RENFORCE", "CEJ", "GLOBAL", "AIJ")), modal == "GUIDE",
                          modal == "PRESTATAIRE"], [0.8, 0.35, 0.1], 0.15)
        w0 = d_acc + 20
        w1 = np.minimum(np.minimum(acc_end, d_end), self.E + 45)
        months = np.clip((w1 - w0) / 30.4, 0, None)
        k = np.minimum(rng.poisson(rate * months * acc_ok), 4)
        for j in range(4):
            dj = w0 + (rng.random(n) * np.maximum(w1 - w0, 1)).astype(np.int64)
            add(10 + j, acc_ok & (k > j) & (w1 > w0), dj, "SUIVI",
                codes(C.STATUT_ENTRETIEN[1:], pick(rng, n, [0.70, 0.17, 0.07, 0.06])),
                codes(C.MODALITE_CONTACT, pick(rng, n, [0.35, 0.45, 0.20])), op_code)

    def _controle(self, uid, id_per, id_ins, agence, ag_code, d0, d_end, lpe, has_acc, d_acc):
        rng, s, n, S, E = self.rng, self.s, len(uid), self.S, self.E
        cre_start = np.where(s.agence_cre_pilote[agence], s.agence_cre_debut[agence], D_LPE)

        # breaches found by list management
        w0 = np.maximum(d0 + 30, S - 180)
        w1 = np.minimum(d_end, E + 30)
        months = np.clip((w1 - w0) / 30.4, 0, None)
        k = np.minimum(rng.poisson(0.03 * months), 3)
        man = self.out["manquements"]
        ctl_rows = []  # GL -> CRE transfers: (mask, id_controle, date_ouverture)
        for j in range(3):
            ok = (k > j) & (w1 > w0)
            dm = w0 + (rng.random(n) * np.maximum(w1 - w0, 1)).astype(np.int64)
            reform = dm >= cre_start
            typ = codes(C.TYPE_MANQUEMENT, pick(rng, n, [0.55, 0.08, 0.08, 0.12, 0.07, 0.10]))
            typ = np.where((typ == "NON_SIGNATURE_CE") & (dm < D_LPE), "ABSENCE_RDV", typ)
            suite = np.where(
                reform,
                codes(("MOTIF_LEGITIME", "AVERTISSEMENT", "CLASSE_SANS_SUITE", "SANCTION", "TRANSMIS_CRE"),
                      pick(rng, n, [0.35, 0.15, 0.12, 0.08, 0.30])),
                codes(("MOTIF_LEGITIME", "AVERTISSEMENT", "CLASSE_SANS_SUITE", "SANCTION"),
                      pick(rng, n, [0.38, 0.22, 0.20, 0.20])),
            )
            d_suite = dm + 7 + rng.integers(0, 39, n)
            suite = np.where((suite == "TRANSMIS_CRE") & (d_suite > d_end), "CLASSE_SANS_SUITE", suite)
            transmis = ok & (suite == "TRANSMIS_CRE")
            id_ctl = ids("CTL", uid * 100 + 10 + j, 14)
            truth = {
                "id_manquement": ids("MAN", uid * 10 + j, 13), "id_personne": id_per, "id_inscription": id_ins,
                "date_manquement": dm, "type_manquement": typ, "suite": suite, "date_suite": d_suite,
                "id_controle": np.where(transmis, id_ctl, ""), "code_agence": ag_code,
            }
            man.add(ok, self.ts(dm, 1), truth, suite="EN_COURS", date_suite=NONE, id_controle="")
            man.add(ok, self.ts(d_suite, 2), truth)
            ctl_rows.append((transmis, id_ctl, d_suite, np.full(n, "ALERTE_GL")))

        # controls decided by the CRE platforms (random, targeted, reported by the agency)
        v0 = np.maximum(d0 + 60, S - 120)
        v1 = np.minimum(d_end, E)
        p = np.clip(0.007 * np.clip((v1 - v0) / 30.4, 0, None), 0, 0.6)
        ok = (v1 > v0) & (rng.random(n) < p)
        do = v0 + (rng.random(n) * np.maximum(v1 - v0, 1)).astype(np.int64)
        origine = codes(C.ORIGINE_CONTROLE[:5], pick(rng, n, [0.30, 0.20, 0.10, 0.15, 0.25]))
        ctl_rows.append((ok, ids("CTL", uid * 100, 14), do, origine))

        ctl = self.out["controles"]
        for ok, id_ctl, do, origine in ctl_rows:
            reform = do >= cre_start
            simple = reform & (rng.random(n) < 0.45)
            d_dec = do + np.where(simple, 7 + rng.integers(0, 24, n), 25 + rng.integers(0, 56, n))
            p_sanction = np.where(origine == "ALERTE_GL", 0.185, 0.155)
            u = rng.random(n)
            issue = np.where(u < p_sanction, "SANCTION", np.where(u < p_sanction + 0.30, "REDYNAMISATION", "RECHERCHE_ACTIVE"))
            sans_objet = (d_dec > d_end) | (rng.random(n) < 0.04)
            issue = np.where(sans_objet, "SANS_OBJET", issue)
            d_clos = np.where(sans_objet, np.minimum(np.maximum(d_end, do) + rng.integers(1, 11, n), d_dec), d_dec)
            avert = (issue == "SANCTION") | ((issue == "RECHERCHE_ACTIVE") & (rng.random(n) < 0.25))
            d_av = np.where(avert, np.maximum(d_dec - 10 - rng.integers(0, 11, n), do), NONE)
            sanction = np.where(
                do >= D_LPE,
                codes(C.SANCTION, pick(rng, n, [0.45, 0.20, 0.15, 0.10, 0.10])),
                codes(C.SANCTION, pick(rng, n, [0.0, 0.0, 0.35, 0.20, 0.45])),
            )
            partielle = np.char.endswith(sanction.astype(str), "PARTIELLE")
            taux = np.where(partielle, codes((30, 50, 70), pick(rng, n, [0.5, 0.35, 0.15])), 100)
            duree = np.where(sanction == "RADIATION", rng.integers(1, 7, n), rng.integers(1, 5, n))
            is_s = issue == "SANCTION"
            truth = {
                "id_controle": id_ctl, "id_personne": id_per, "id_inscription": id_ins, "date_ouverture": do,
                "origine": origine, "procedure": np.where(simple, "SIMPLE", "CLASSIQUE"),
                "code_plateforme": s.agence_plateforme[agence],
                "date_avertissement": np.where(sans_objet, NONE, d_av),
                "date_decision": np.where(sans_objet, NONE, d_dec), "issue": issue,
                "sanction": np.where(is_s, sanction, ""), "sanction_taux": np.where(is_s, taux, NONE),
                "sanction_duree_mois": np.where(is_s, duree, NONE),
                "recours": np.where(is_s, codes(C.RECOURS, pick(rng, n, [0.82, 0.03, 0.05, 0.10])), ""),
            }
            blank = dict(issue="EN_COURS", date_decision=NONE, sanction="", sanction_taux=NONE,
                         sanction_duree_mois=NONE, recours="")
            ctl.add(ok, self.ts(do, 2), truth, date_avertissement=NONE, **blank)
            ctl.add(ok & avert & ~sans_objet & (d_av < d_dec), self.ts(d_av, 3), truth, **blank)
            ctl.add(ok, self.ts(d_clos, 4), truth)

    def _doublons(self, P: dict, ep1: dict) -> None:
        """A few episodes registered twice by mistake, closed later with motif 14 (doublon)."""
        rng = self.rng
        d0 = ep1["d0"]
        cand = np.flatnonzero((d0 >= self.S) & (d0 <= self.E - 30))
        m = min(len(cand), max(1, int(round(0.003 * len(d0)))), 20)
        if m == 0:
            return
        pick_idx = np.sort(rng.choice(cand, size=m, replace=False))
        t = {k: v[pick_idx] for k, v in ep1["truth"].items()}
        uid = ep1["uid"][pick_idx] - 1 + 9  # episode number 9: the duplicate
        t["id_inscription"] = ids("I", uid, 11)
        t["canal_inscription"] = np.full(m, "AGENCE")
        dd0 = t["date_inscription"] + rng.integers(0, 2, m)
        t["date_inscription"] = dd0
        d_fin = dd0 + rng.integers(2, 21, m)
        ins = self.out["inscriptions"]
        allm = np.ones(m, bool)
        ins.add(allm, self.ts(dd0, 0), t)
        ins.add(allm, self.ts(d_fin, 3), t, date_fin=d_fin, motif_fin="14")
        self.doublons.extend(t["id_inscription"][d_fin <= self.E].tolist())


# ---------------------------------------------------------------------------------------------
# Alerts of misuse of personal data (not about job seekers: drawn per chunk, proportional to it)
# ---------------------------------------------------------------------------------------------


def alertes(scope: Scope, start: date, end: date, rng: np.random.Generator, n_persons: int, chunk: int,
            flux_avant: int | None = None) -> dict:
    """Campaign alerts, and ``FLUX`` alerts drawn without a log. With ``flux_avant`` (a day number),
    ``FLUX`` alerts from that day on are left out: the consultation log covers them (every draw is
    made as before, so the other rows keep their values and ids)."""
    S, E = day_number(start), day_number(end)
    out = _Parts("alertes_finalite")
    rows = []  # (campagne, day array)
    for year in range(start.year, end.year + 1):
        for v, (m, d) in ((1, (3, 10)), (2, (10, 1))):
            centre = day_number(date(year, m, d))
            k = rng.poisson(0.004 * n_persons)
            days = centre + rng.integers(0, 21, k)
            rows.append((f"{year}-V{v}", days))
    # continuous alerting since 2025
    months = max(0, (end.year - 2025) * 12 + end.month) if end.year >= 2025 else 0
    k = rng.poisson(0.0005 * n_persons * months) if months else 0
    rows.append(("FLUX", D_LPE + (rng.random(k) * max(E - D_LPE + 1, 1)).astype(np.int64)))
    camp = np.concatenate([np.full(len(d), c) for c, d in rows]).astype(str)
    da = np.concatenate([d for _, d in rows]).astype(np.int64)
    keep = (da >= S) & (da <= E)
    camp, da = camp[keep], da[keep]
    n = len(da)
    if n == 0:
        return out.columns()
    ag = rng.integers(0, len(scope.agence_code), n)
    national = rng.random(n) < 0.05
    regional_staff = ~national & (rng.random(n) < 0.10)
    etab = np.where(national, codes(C.ENTITES_NATIONALES, rng.integers(0, 3, n)), scope.agence_region[ag])
    situation = codes(C.SITUATION_ALERTE, pick(rng, n, [0.35, 0.15, 0.10, 0.30, 0.10]))
    examen = np.where((situation == "DOSSIER_ELU_CANDIDAT") | (rng.random(n) < 0.3), "OBLIGATOIRE", "FACULTATIF")
    examinee = rng.random(n) < np.where(examen == "OBLIGATOIRE", 0.97, 0.55)
    d_ent = np.where(examinee, da + 10 + rng.integers(0, 51, n), NONE)
    averee = rng.random(n) < 0.10
    conclusion = np.where(examinee, np.where(averee, "AVEREE", "NON_AVEREE"), "NON_EXAMINEE")
    d_clo = np.where(examinee, d_ent + rng.integers(0, 31, n), da + 60 + rng.integers(0, 61, n))
    suite = np.where(~examinee, "", np.where(
        averee, codes(("RAPPEL_DES_REGLES", "COMPTE_RENDU", "PROCEDURE_DISCIPLINAIRE"), pick(rng, n, [0.5, 0.3, 0.2])),
        codes(("AUCUNE", "RAPPEL_DES_REGLES"), pick(rng, n, [0.7, 0.3]))))
    agent = np.where(national, 9_000_000 + rng.integers(0, 5000, n), ag * 200 + rng.integers(0, 200, n))
    seq = np.arange(n, dtype=np.int64)
    def ts(d, stage):
        return np.minimum(d, NONE) * DAY + 8 * 3600 + stage * 7200 + rng.integers(0, 7200, n)

    truth = {
        "id_alerte": ids("ALR", chunk * 1_000_000 + seq, 12), "campagne": camp, "situation": situation,
        "id_agent": ids("A", agent, 7), "code_etablissement": etab,
        "code_agence": np.where(national | regional_staff, "", scope.agence_code[ag]), "examen": examen,
        "score_risque": np.round(0.5 + 0.5 * rng.random(n), 3), "nb_consultations": 1 + rng.geometric(0.3, n),
        "date_alerte": da, "date_entretien": d_ent, "conclusion": conclusion, "suite": suite, "date_cloture": d_clo,
    }
    allm = np.ones(n, bool) if flux_avant is None else ~((camp == "FLUX") & (da >= flux_avant))
    examinee = examinee & allm
    out.add(allm, ts(da, 0), truth, date_entretien=NONE, conclusion="EN_COURS", suite="", date_cloture=NONE)
    out.add(examinee, ts(d_ent, 1), truth, conclusion="EN_COURS", suite="", date_cloture=NONE)
    out.add(allm, ts(d_clo, 2), truth)
    return out.columns()
