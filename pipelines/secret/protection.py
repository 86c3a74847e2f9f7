"""Secondary suppression by linear programming (HiGHS), over every equation an outsider can write.

The protection rule (``RegleProtection``): for every primary-secret quantity with true value n,
the values compatible with everything published must span at least [max(b, n − écart), n + écart]
(écart = 3 by default; b = 0, or 1 for the population of a cell that exists, which an outsider
knows). A quantity is *protected* when two feasible points of the outsider's system prove it: one
where it is n + écart or more, one where it is max(b, n − écart) or less. A feasible point is a
displacement d of the hidden quantities that keeps every equation and bound (``systeme``).

Before the optimiser:

- **primary secret** (``primaire``);
- **the publication plan** (``diffusion``): a table mostly primary-secret across its level is not
  published; its cells are hidden whole and are unknowns without a requirement of their own;
- **series published by quarter**: where most monthly cells of a breakdown of a territory are
  primary-secret (share above ``RegleProtection.part_trimestrielle``), its monthly cells are all
  hidden and its quarters are published instead (``regime_trimestriel``); a monthly series keeps
  its months, and its quarters are published only as the sum of published months;
- **hidden zeros**: a zero count that shares an equation with a primary-secret quantity is hidden
  (``secondaire_zero``), so that a hidden count is never known to be at least 1.

Then, block by block (a calendar quarter: its three months and its quarter cells; a month
outside a complete quarter on its own), indicator group by indicator group:

1. **certify** the sensitive quantities: small LPs whose columns are the hidden quantities of one
   breakdown (then of the whole group), every other quantity held at its true value, each
   target boxed to its requirement and pushed towards it with random weights; a solution that
   reaches a target's bound proves it. Holding quantities at their value only shrinks the
   outsider's feasible set, so a point found this way is feasible for the whole system, and
   hiding more cells later never invalidates it.
2. **repair** what is left: one LP per block and group, whose columns also include the published
   quantities at the cost of hiding their cells (``cout_cellule``: larger for totals and higher
   levels), pushes every uncertified target to its requirement at the least cost; the published
   cells it moves become secret (``secondaire``). Then certify again, until nothing is left.

When batches stall: one LP per class of targets sharing no equation, then one target at a time
(first in a département's territories, then in the whole unit), then units of two consecutive blocks for
stock and flows (both pairings), and a last
pass where a requirement no unit can reach is lowered to what the unit allows (``ajustes``; the
audit judges them). Every bound proven keeps its certificate; written on cells, with the 12-month
cells moved by the sum of their months (``_cumuls_certifies``), they go to the audit.

Finally the cumulated cells are published only where they are the sum of published base cells
(months of a monthly series, quarters of a quarterly one): rolling 12-month cells then teach an
outsider nothing beyond the base cells, and a hidden one is protected by the base cells it sums
(``derive`` otherwise). The independent audit (``pipelines.secret.audit``) checks all of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import highspy
import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipelines.secret.certificats import Preuves, rectangles, transferts, verifier
from pipelines.secret.diffusion import NON_DIFFUSE, cellules_non_diffusees, plan_de_diffusion
from pipelines.secret.primaire import motifs_primaires, verifier_seuil
from pipelines.secret.relations import (
    CUMUL_12_MOIS,
    IDENTITES,
    INDICATEUR_MOIS_COMPLET,
    MOIS,
    STOCK_FLUX,
    STOCKS,
    TRIMESTRE,
    groupe,
)
from pipelines.secret.systeme import Systeme, construire, minimum_structurel, sous_matrice

EPS = 1e-6
#: levels whose published quantities the first passes do not move (``_Protection.epargner``)
NIVEAUX_EPARGNES = ("DEPARTEMENT", "REGION", "NATIONAL")
POIDS_NIVEAU = {"NATIONAL": 16.0, "REGION": 8.0, "DEPARTEMENT": 4.0, "BASSIN": 2.0, "AGENCE": 1.0}


@dataclass(frozen=True)
class RegleProtection:
    """The protection rule and the publication choices (``docs/secret-statistique.md``)."""

    #: Half-width of the interval required around a primary-secret quantity.
    ecart: int = 3
    #: Share of primary-secret monthly cells above which a series is published by quarter.
    part_trimestrielle: float = 0.5
    #: Share of primary-secret cells above which a whole table (indicator, breakdown, level,
    #: period type) is not published (``diffusion``); None: every table is published. One cell
    #: in five: secondary suppression roughly doubles what is hidden, and a table more than
    #: half « s » tells a committee nothing (``docs/secret-statistique.md``, section 4).
    part_non_diffusion: float | None = 0.2
    #: Certification rounds per LP before giving up on the remaining targets of a unit.
    tours: int = 4
    graine: int = 0
    #: Processes solving the LPs of independent units side by side.
    processus: int = 2
    #: Indicators whose latest 12-month cells are protected with their months (``relations.ANNUELS``
    #: is the intended set, the controls); none by default: their 12-month block made the
    #: protection of Haute-Garonne several times slower (``docs/secret-statistique.md``, section 9).
    annuels: frozenset[str] = frozenset()
    #: One target at a time, in a unit larger than this, each target is first tried in its
    #: neighbourhood (at most this many quantities around it, the rest held): a small LP; the
    #: whole unit only when that fails. 0 (default): always the whole unit; 400 saved 15 % of the
    #: protection of the Ariège, not measured on Haute-Garonne yet.
    voisinage: int = 0


@dataclass
class BilanProtection:
    """Figures of a protection run (printed by ``socle qualite`` with the audit's)."""

    cellules: int = 0
    quantites: int = 0
    sensibles: int = 0
    primaires: int = 0
    regime_trimestriel: int = 0
    #: cells of the tables not published (``diffusion``), and those tables
    non_diffuses: int = 0
    tables_non_diffusees: int = 0
    #: the publication plan (``diffusion.plan_de_diffusion``)
    plan: pl.DataFrame | None = field(default=None, repr=False)
    zeros_masques: int = 0
    secondaires: int = 0
    derives: int = 0
    non_proteges: int = 0
    lp_certification: int = 0
    lp_reparation: int = 0
    #: bounds whose requirement was lowered to what the table's structure allows
    ajustes: int = 0
    iterations: int = 0
    #: the proofs, in cell space, for the independent audit to check on its own system:
    #: (cert, _i, lettre, delta) and the bounds they prove (cert, _i, lettre, sens)
    certificats: pl.DataFrame | None = field(default=None, repr=False)
    #: bounds of hidden primary-secret 12-month cells proven by the certificates of their months
    cumuls_prouves: int = 0
    revendications: pl.DataFrame | None = field(default=None, repr=False)
    ecarts_relations: dict = field(default_factory=dict)
    durees: dict = field(default_factory=dict)


def cout_cellule(c: pl.DataFrame) -> np.ndarray:
    """Information lost by hiding each cell: larger for big values, totals and higher levels."""
    taille = (
        pl.when(pl.col("unite") == "nombre")
        .then(pl.col("valeur"))
        .otherwise(pl.col("denominateur"))
        .fill_null(0)
        .fill_nan(0)
        .clip(lower_bound=0)
    )
    return (
        c.select(
            (
                (1.0 + taille.log1p())
                * pl.col("niveau").replace_strict(POIDS_NIVEAU, default=1.0, return_dtype=pl.Float64)
                * pl.when(pl.col("dimension") == "ensemble").then(2.0).otherwise(1.0)
            ).alias("c")
        )
        .to_series()
        .to_numpy()
    )


def _mois_index(periode: pl.Expr) -> pl.Expr:
    return periode.dt.year().cast(pl.Int64) * 12 + periode.dt.month().cast(pl.Int64) - 1


def fin_cumul(c: pl.DataFrame) -> date | None:
    """End of the latest complete 12-month period (``relations.INDICATEUR_MOIS_COMPLET``): the
    latest quarter's last month with 12-month cells and a definitive registrants' stock, else the
    latest such month, else the latest month with 12-month cells; None without 12-month cells."""
    cumuls = c.filter(pl.col("type_periode") == CUMUL_12_MOIS).get_column("periode").unique()
    if cumuls.len() == 0:
        return None
    complets = (
        c.filter(
            (pl.col("indicateur") == INDICATEUR_MOIS_COMPLET) & (pl.col("type_periode") == MOIS) & pl.col("periode").is_in(cumuls.implode())
        )
        .group_by("periode")
        .agg(pl.col("provisoire").fill_null(False).any().alias("p"))
        .filter(~pl.col("p"))
        .get_column("periode")
    )
    fins = complets.filter(complets.dt.month() % 3 == 0)
    return fins.max() if fins.len() else complets.max() if complets.len() else cumuls.max()


def _blocs(c: pl.DataFrame, annuels: frozenset[str] = frozenset()) -> np.ndarray:
    """Block of each cell: the end month (as an index) of its calendar quarter when the quarter
    has quarter cells, else its own month. For the ``annuels`` indicators, the latest 12-month
    period is one block, from the start of the quarter of its first month (quarters stay whole)
    to its end, with its 12-month cells (their months move with them). The other 12-month cells
    are not in the system: -1."""
    fins = set(c.filter(pl.col("type_periode") == TRIMESTRE).select(_mois_index(pl.col("periode"))).to_series().to_list())
    m = c.select(_mois_index(pl.col("periode"))).to_series().to_numpy()
    fin_trimestre = m + (2 - m % 3)
    a_trimestre = np.isin(fin_trimestre, np.array(sorted(fins), dtype=np.int64))
    tp = c.get_column("type_periode").to_numpy()
    bloc = np.where(tp == TRIMESTRE, m, np.where(a_trimestre, fin_trimestre, m))
    cumul = tp == CUMUL_12_MOIS
    fin = fin_cumul(c)
    if fin is None or not annuels:
        return np.where(cumul, -1, bloc)
    f = fin.year * 12 + fin.month - 1
    debut = f - 11 - (f - 11) % 3
    annuel = c.get_column("indicateur").is_in(list(annuels)).to_numpy()
    bloc = np.where(annuel & ~cumul & (m >= debut) & (m <= f), f, bloc)
    return np.where(cumul, np.where(annuel & (m == f), f, -1), bloc)


class _Solveur:
    """One HiGHS instance reused for every LP (quiet, simplex, no presolve)."""

    def __init__(self) -> None:
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        # these LPs are small and sparse with few redundant rows: presolve cost more than it saved
        # (measured on the demo's LPs: six times the solve time, same optima)
        self.h.setOptionValue("presolve", "off")

    def resoudre(self, M: sp.csc_matrix, lo_r, hi_r, lo_c, hi_c, cout) -> np.ndarray | None:
        h = self.h
        h.clearModel()
        lp = highspy.HighsLp()
        lp.num_col_ = M.shape[1]
        lp.num_row_ = M.shape[0]
        lp.col_cost_ = np.ascontiguousarray(cout, dtype=np.float64)
        lp.col_lower_ = np.ascontiguousarray(lo_c, dtype=np.float64)
        lp.col_upper_ = np.ascontiguousarray(hi_c, dtype=np.float64)
        lp.row_lower_ = np.ascontiguousarray(lo_r, dtype=np.float64)
        lp.row_upper_ = np.ascontiguousarray(hi_r, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = M.indptr
        lp.a_matrix_.index_ = M.indices
        lp.a_matrix_.value_ = M.data
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(h.getSolution().col_value)

    def charger(self, M, lo_r, hi_r, lo_c, hi_c, cout) -> None:
        """Load one model for a series of single-target LPs (``pousser``), warm-started."""
        self.lo_c, self.hi_c, self.cout = lo_c.copy(), hi_c.copy(), cout.copy()
        h = self.h
        h.clearModel()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = M.shape[1], M.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = self.cout, self.lo_c, self.hi_c
        lp.row_lower_, lp.row_upper_ = lo_r, hi_r
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = M.indptr, M.indices, M.data
        h.passModel(lp)

    def pousser(self, col: int, sens: float, borne: float, poids: float, froid: bool = False):
        """Push one column towards ``borne`` in the direction ``sens`` (+1: up to +borne; -1:
        down to -borne), every other column at its loaded cost and bounds; restored afterwards.
        ``froid``: solved from scratch with presolve, not from the previous basis."""
        h = self.h
        if froid:
            h.clearSolver()
            h.setOptionValue("presolve", "on")
        ix = np.asarray([col], dtype=np.int32)
        lo, hi, c = self.lo_c[col], self.hi_c[col], self.cout[col]
        if sens > 0:
            h.changeColsCost(1, ix, np.asarray([c - poids]))
            h.changeColsBounds(1, ix, np.asarray([lo]), np.asarray([min(hi, borne)]))
        else:
            h.changeColsCost(1, ix, np.asarray([c + poids]))
            h.changeColsBounds(1, ix, np.asarray([max(lo, -borne)]), np.asarray([hi]))
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        x = np.asarray(h.getSolution().col_value) if ok else None
        h.changeColsCost(1, ix, np.asarray([c]))
        h.changeColsBounds(1, ix, np.asarray([lo]), np.asarray([hi]))
        if froid:
            h.setOptionValue("presolve", "off")
        return x


class _Protection:
    def __init__(
        self,
        c: pl.DataFrame,
        S: Systeme,
        masque: np.ndarray,
        sensible_cellule: np.ndarray,
        regle: RegleProtection,
        bilan: BilanProtection,
        numerateur_seul: np.ndarray | None = None,
        connus_cellule: np.ndarray | None = None,
        non_diffuse_cellule: np.ndarray | None = None,
    ):
        self.S, self.regle, self.bilan = S, regle, bilan
        self.masque = masque  # hidden cells (updated in place)
        self.motifs_ajoutes: dict[int, str] = {}
        self.rng = np.random.default_rng(regle.graine)
        self.solveur = _Solveur()
        n = S.nb_quantites
        cq_c, cq_q = S.cq_cellule, S.cq_quantite
        self.cq_c, self.cq_q = cq_c, cq_q
        if numerateur_seul is None:
            numerateur_seul = np.zeros(len(sensible_cellule), dtype=bool)
        self.connus = np.zeros(S.nb_quantites)
        if connus_cellule is not None:
            sel = connus_cellule[cq_c] & (S.cq_lettre == "v")
            self.connus[np.unique(cq_q[sel])] = 1.0
        #: quantities carried by cells of unpublished tables only (``diffusion``)
        self.non_diffuse = np.zeros(n, dtype=bool)
        if non_diffuse_cellule is not None:
            self.non_diffuse = np.ones(n, dtype=bool)
            np.logical_and.at(self.non_diffuse, cq_q, non_diffuse_cellule[cq_c])
        self.sensible = np.zeros(n, dtype=bool)
        # a rate secret for its numerator alone protects that numerator (its denominator is a
        # population of at least the threshold, published anyway by the count it usually is)
        sens_cq = sensible_cellule[cq_c] & ~(numerateur_seul[cq_c] & (S.cq_lettre == "d"))
        self.sensible[cq_q[sens_cq]] = True
        y = S.y
        # the requirement never goes below what the table's structure alone tells (see systeme)
        self.minimum = minimum_structurel(S)
        self.r_haut = np.where(self.sensible, float(regle.ecart), 0.0)
        self.r_bas = np.where(self.sensible, np.clip(np.minimum(float(regle.ecart), y - self.minimum), 0.0, None), 0.0)
        self.cert_haut = ~self.sensible
        self.cert_bas = ~self.sensible | (self.r_bas <= 0)
        self.preuves = Preuves()
        #: last resort, one LP per remaining target (``traiter``)
        self.un_par_un = False
        #: before that, one LP per class of targets sharing no equation (``traiter``)
        self.par_classes = False
        #: quantities whose requirement was lowered to what the table's structure allows
        self.ajustes = np.zeros(n, dtype=bool)
        self.preuve_haut = np.full(n, -1, dtype=np.int64)
        self.preuve_bas = np.full(n, -1, dtype=np.int64)
        self.c = c
        self._publies = None
        self._index = None
        indicateurs = c.get_column("indicateur").unique().to_list()
        self.groupe_de = {i: groupe(i) for i in indicateurs}
        self.exclus_transferts = frozenset({groupe(STOCK_FLUX[0])})
        self.A_csc = S.A.tocsc()
        self.cout_c = cout_cellule(c)
        # unit of each quantity: block, group, breakdown (from its carriers)
        bloc_c = _blocs(c, regle.annuels)
        grp = c.select(pl.col("indicateur").map_elements(groupe, return_dtype=pl.String)).to_series()
        grp_c = grp.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
        stock = np.flatnonzero((grp == groupe(STOCK_FLUX[0])).to_numpy())
        #: the group whose quantities are tied across blocks (stock and flows): the only one fused
        self.groupe_stock = int(grp_c[stock[0]]) if len(stock) else -1
        dim_c = c.get_column("dimension").cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
        ens_c = (c.get_column("dimension") == "ensemble").to_numpy()
        self.q_bloc = np.full(n, -1, dtype=np.int64)
        self.q_bloc[cq_q] = bloc_c[cq_c]
        # rank of each block in time: units may join two consecutive blocks (``fusion``), so that
        # a stock and its flows move across a block's edge
        blocs = np.unique(self.q_bloc[self.q_bloc >= 0])
        self.q_rang = np.where(self.q_bloc >= 0, np.searchsorted(blocs, self.q_bloc), -1)
        self.fusion, self.decalage, self.tours_fusion = 1, 0, 0
        self.restreinte = False
        #: steps (units of how many blocks, breakdown by breakdown?, within a département?) that
        #: proved almost nothing in a pass: not run again but, for whole units, in the last pass
        self.steriles: set[tuple[int, bool, bool]] = set()
        self.q_dep = np.full(n, -1, dtype=np.int64)
        #: quantities seen by the committees and above (département, région, France): while
        #: ``epargner`` is 2, a published one of them does not move, so the LP finds its points
        #: among the lower levels' cells instead of hiding a committee's total (the first unit to
        #: hide a total would make it free for every later unit); at 1, their quarters still do
        #: not move (a month hidden is then compensated within its quarter, which stays
        #: published, and so do the 12-month cells ending on a quarter); at 0, all may move
        # and the latest 12-month cells at every level (what committees read for their agencies
        # and bassins): held like the committees' quarters
        cumul_c = (c.get_column("type_periode") == CUMUL_12_MOIS).to_numpy() & (bloc_c >= 0)
        haut_c = c.get_column("niveau").is_in(list(NIVEAUX_EPARGNES)).to_numpy() | cumul_c
        tri_c = haut_c & ((c.get_column("type_periode") == TRIMESTRE).to_numpy() | cumul_c)
        self.q_epargne = np.zeros(n, dtype=bool)
        np.logical_or.at(self.q_epargne, cq_q, haut_c[cq_c])
        self.q_epargne_trimestre = np.zeros(n, dtype=bool)
        np.logical_or.at(self.q_epargne_trimestre, cq_q, tri_c[cq_c])
        self.epargner = 2
        self.q_groupe = np.zeros(n, dtype=np.int64)
        self.q_groupe[cq_q] = grp_c[cq_c]
        self.q_dim = np.zeros(n, dtype=np.int64)
        self.q_dim[cq_q] = dim_c[cq_c]
        q_ens = np.zeros(n, dtype=bool)
        np.logical_or.at(q_ens, cq_q, ens_c[cq_c])
        self.q_dim[q_ens] = -1  # a quantity carried by an ensemble cell belongs to every breakdown's unit: none
        # numerator of each denominator (n ≤ d ties them: they move the same way in a round)
        lettre = S.cq_lettre
        n_de = pl.DataFrame({"c": cq_c[lettre == "n"], "n": cq_q[lettre == "n"]})
        d_de = pl.DataFrame({"c": cq_c[lettre == "d"], "d": cq_q[lettre == "d"]})
        nd = n_de.join(d_de, on="c").unique(subset="d", keep="first")
        self.num_de = np.full(n, -1, dtype=np.int64)
        self.num_de[nd["d"].to_numpy()] = nd["n"].to_numpy()

    # -- state ------------------------------------------------------------------------------------

    def libres(self) -> np.ndarray:
        """Hidden quantities: no published cell carries them, and the outsider does not know them
        otherwise (``connus``: counts known to be 0 by an absent rate cell)."""
        if self._publies is None:
            self._publies = (
                np.bincount(self.cq_q, weights=(~self.masque[self.cq_c]).astype(float), minlength=self.S.nb_quantites) + self.connus
            )
            self._libres = self._publies == 0
        # kept up to date by ``cacher``, never recomputed over every quantity (once per
        # certificate checked): callers that need a snapshot copy it
        return self._libres

    def a_faire(self) -> np.ndarray:
        return self.sensible & ~(self.cert_haut & self.cert_bas)

    # -- LPs --------------------------------------------------------------------------------------

    def traiter(self, Q: np.ndarray, libre: np.ndarray):
        """LP rounds on the unit Q (its quantities move, every other quantity stays at its value).

        Columns: the displacement of every quantity of Q, split in an upward and a downward part
        (for a published quantity, they cost the hiding of its cells), and for each target of the
        round a gain t ≤ its requirement with t ≤ its displacement in its direction. A round
        maximises the weighted gains minus the hiding costs, each target pushed its own way (see
        ``tour``); once batches stall, one class of independent targets at a time, then one
        target at a time. The published quantities a solution moves are hidden, which makes the
        solution a feasible point of the outsider's system: it proves every target it reaches.
        Returns (solutions, quantities to hide, LPs solved, lowered requirements)."""
        S, y = self.S, self.S.y
        cert_h, cert_b = self.cert_haut[Q].copy(), self.cert_bas[Q].copy()
        sens = self.sensible[Q]
        vide = np.array([], dtype=np.int64)
        if not (sens & ~(cert_h & cert_b)).any():
            return [], vide, 0, []
        publie = ~libre[Q]
        fige = self.connus[Q] > 0  # known otherwise than by a cell: hiding cells does not free them
        if self.epargner:
            fige = fige | ((self.q_epargne if self.epargner >= 2 else self.q_epargne_trimestre)[Q] & publie)
        sub, lignes = self._sous_systeme(Q)
        nQ = len(Q)
        # every quantity moves as an upward part minus a downward part, both ≥ 0: at an optimal
        # vertex most parts stay at 0, so a certificate moves few quantities (a hidden quantity
        # as one column bounded below would sit at its floor, and every certificate be dense)
        base = sp.hstack([sub, -sub], format="csc")
        lo_r, hi_r = S.bas[lignes], S.haut[lignes]
        cout_q = self.cout_quantite(Q)
        marge_bas = y[Q] - S.borne_inf[Q]
        rh, rb = self.r_haut[Q], self.r_bas[Q]
        poids = 1e3 * max(1.0, float(cout_q.max()) if len(cout_q) else 1.0)
        rng = np.random.default_rng(int(self.regle.graine) * 7919 + int(Q[0]))
        a_cacher = np.zeros(nQ, dtype=bool)
        nb_lp, cale = 0, 0
        solutions = []

        def tour(cible: np.ndarray, sg: np.ndarray) -> bool | None:
            """One LP pushing each target of ``cible`` its way (``sg``: +1 up, −1 down) toward its
            requirement. Returns whether it proved something (None: no solution)."""
            nonlocal nb_lp, cert_h, cert_b
            r = np.where(sg > 0, rh[cible], rb[cible])
            nT = len(cible)
            # rows t_k − sg·(u_k − v_k) ≤ 0
            rows = np.concatenate([np.arange(nT)] * 3)
            cols = np.concatenate([2 * nQ + np.arange(nT), cible, nQ + cible])
            vals = np.concatenate([np.ones(nT), -sg, sg])
            lien = sp.csr_matrix((vals, (rows, cols)), shape=(nT, 2 * nQ + nT))
            M = sp.vstack([sp.hstack([base, sp.csc_matrix((base.shape[0], nT))]), lien], format="csc")
            M.sort_indices()
            lo = np.zeros(2 * nQ + nT)
            hi = np.concatenate([np.where(fige, 0.0, np.inf), np.where(fige, 0.0, marge_bas), r])
            w = rng.uniform(0.5, 1.5, nT) * poids / np.maximum(r, 1.0)
            cout = np.concatenate([np.where(publie & ~a_cacher, cout_q, 0.0), np.where(a_cacher, 0.0, cout_q), -w])
            x = self.solveur.resoudre(M, np.concatenate([lo_r, np.full(nT, -np.inf)]), np.concatenate([hi_r, np.zeros(nT)]), lo, hi, cout)
            nb_lp += 1
            if x is None:
                return None
            d = x[:nQ] - x[nQ : 2 * nQ]
            a_cacher[:] |= publie & ((x[:nQ] + x[nQ : 2 * nQ]) > EPS)
            nouveaux_h = sens & ~cert_h & (d >= rh - EPS)
            nouveaux_b = sens & ~cert_b & (-d >= rb - EPS)
            cert_h |= nouveaux_h
            cert_b |= nouveaux_b
            if nouveaux_h.any() or nouveaux_b.any():
                nz = np.abs(d) > 1e-12
                solutions.append((Q[nz], d[nz], Q[nouveaux_h], Q[nouveaux_b]))
                return True
            return False

        # each target's direction: drawn once, reversed every round. Pushing every target the
        # same way at once would move the totals above them by the sum of the pushes; with mixed
        # directions the pushes can cancel in the totals, which stay published.
        parite = rng.integers(0, 2, nQ).astype(bool)
        for k in range(self.regle.tours):
            nh = sens & ~cert_h
            nb = sens & ~cert_b
            if not (nh | nb).any():
                break
            cible = np.flatnonzero(nh | nb)
            vers_haut = nh[cible] & (~nb[cible] | (parite[cible] ^ bool(k % 2)))
            ok = tour(cible, np.where(vers_haut, 1.0, -1.0))
            if ok is None:
                break
            cale = 0 if ok else cale + 1
            if cale >= 2:
                break
        # an LP spreads its gains: many targets reach part of their requirement, which proves
        # nothing. Targets sharing no equation do not compete: one LP per such class and
        # direction gives each its whole room, for far fewer LPs than one per target.
        if self.par_classes:
            for sg in (1.0, -1.0):
                besoin = sens & ~(cert_h if sg > 0 else cert_b)
                if not besoin.any():
                    continue
                cibles = np.flatnonzero(besoin)
                couleur = _classes_independantes(sub[:, cibles])
                for k in range(int(couleur.max()) + 1):
                    encore = ~(cert_h if sg > 0 else cert_b)[cibles]
                    cible = cibles[(couleur == k) & encore]
                    if len(cible):
                        tour(cible, np.full(len(cible), sg))
        # what is left, one target at a time: the best displacement the unit allows (published
        # quantities at the cost of hiding them); short of the requirement, the structure of the
        # table itself forbids more, and the requirement becomes that limit (``ajustes``)
        ajustes = []

        def enregistrer_point(x: np.ndarray, j: int, sg: float, r: float, peut_ajuster: bool) -> None:
            """Record the point x (up and down parts) found for target j; short of its
            requirement, where ``peut_ajuster``, the requirement becomes what it reached."""
            nonlocal cert_h, cert_b
            dd = x[:nQ] - x[nQ:]
            atteint = sg * dd[j]
            ajuste = atteint < r - EPS and peut_ajuster
            if ajuste:  # even two blocks allow no more: the requirement becomes that
                ajustes.append((Q[j], sg, max(atteint, 0.0)))
            nz = np.abs(dd) > 1e-12
            a_cacher[:] |= publie & nz
            # a point that proves this target may prove others of the unit
            nouveaux_h = sens & ~cert_h & (dd >= rh - EPS)
            nouveaux_b = sens & ~cert_b & (-dd >= rb - EPS)
            if ajuste:
                (nouveaux_h if sg > 0 else nouveaux_b)[j] = True
            cert_h |= nouveaux_h
            cert_b |= nouveaux_b
            solutions.append((Q[nz], dd[nz], Q[nouveaux_h], Q[nouveaux_b]))

        reste = np.flatnonzero(sens & ~(cert_h & cert_b))
        if len(reste) and self.un_par_un:
            base.sort_indices()
            h = None  # the unit's model, loaded once, warm-started from one target to the next
            local = None
            if 0 < self.regle.voisinage < nQ:
                local = _Voisinage(sub, lo_r, hi_r, fige, marge_bas, self.regle.voisinage)
            for j in reste.tolist():
                for sg in (1.0, -1.0):
                    if cert_h[j] if sg > 0 else cert_b[j]:
                        continue
                    r = rh[j] if sg > 0 else rb[j]
                    if local is not None:
                        x = local.prouver(j, sg, r, np.where(publie & ~a_cacher, cout_q, 0.0))
                        nb_lp += 1
                        if x is not None and sg * (x[j] - x[nQ + j]) >= r - EPS:
                            enregistrer_point(x, j, sg, r, False)
                            continue
                    if h is None:
                        h = _Solveur()
                        lo0 = np.zeros(2 * nQ)
                        hi0 = np.concatenate([np.where(fige, 0.0, np.inf), np.where(fige, 0.0, marge_bas)])
                        cout0 = np.concatenate([np.where(publie & ~a_cacher, cout_q, 0.0), np.where(a_cacher, 0.0, cout_q)])
                        h.charger(base, lo_r, hi_r, lo0, hi0, cout0)
                    # down through the downward part
                    col = nQ + j if sg < 0 else j
                    x = h.pousser(col, 1.0, r, poids / max(r, 1.0))
                    nb_lp += 1
                    peut_ajuster = self.tours_fusion >= 2 and not self.restreinte
                    if peut_ajuster and (x is None or sg * (x[j] - x[nQ + j]) < r - EPS):
                        # a requirement is lowered on a solve from scratch only: started from the
                        # previous target's basis, without presolve, HiGHS was seen to stop at a
                        # point that did not move this one at all (the demo, 23 targets)
                        x = h.pousser(col, 1.0, r, poids / max(r, 1.0), froid=True)
                        nb_lp += 1
                    if x is None:
                        continue
                    enregistrer_point(x, j, sg, r, peut_ajuster)
        return solutions, Q[a_cacher], nb_lp, ajustes

    def cout_quantite(self, Q: np.ndarray) -> np.ndarray:
        """Cost of moving each quantity of Q: hiding every published cell that carries it."""
        Q = np.asarray(Q, dtype=np.int64)
        pos = self._porteurs("q", Q)
        cel = self.cq_c[pos]
        poids = np.where(self.masque[cel], 0.0, self.cout_c[cel])
        # rank of each carrier's quantity in Q (Q need not be sorted)
        ordre = np.argsort(Q, kind="stable")
        rang = ordre[np.searchsorted(Q[ordre], self.cq_q[pos])]
        return np.bincount(rang, weights=poids, minlength=len(Q))

    def _sous_systeme(self, cols: np.ndarray):
        sub, lignes = sous_matrice(self.A_csc, cols)
        sub.sort_indices()
        return sub, lignes

    def enregistrer(self, cert, q, d, p_cert, p_q, p_sens, p_montant=None) -> int:
        """Verify certificates against the system and record the bounds they prove: (p_cert, p_q,
        p_sens) claims, with the displacement reached (``p_montant``; None: the requirement)."""
        if not len(cert):
            return 0
        ok = verifier(self.S, self.libres(), cert, q, d, self.A_csc)
        garde = ok[cert]
        if not garde.any():
            return 0
        ids = self.preuves.ajouter(cert[garde], q[garde], d[garde])
        glob = np.full(int(max(cert.max(), p_cert.max() if len(p_cert) else 0)) + 1, -1, dtype=np.int64)
        glob[np.unique(cert[garde])] = ids
        g = glob[p_cert]
        r = np.where(p_sens > 0, self.r_haut[p_q], self.r_bas[p_q])
        atteint = np.ones(len(p_q), dtype=bool) if p_montant is None else (p_montant >= r - EPS)
        valide = (g >= 0) & atteint & self.sensible[p_q]
        n = 0
        for tableau, preuve, sens in ((self.cert_haut, self.preuve_haut, 1.0), (self.cert_bas, self.preuve_bas, -1.0)):
            sel = valide & (p_sens == sens) & ~tableau[p_q]
            qs, premier = np.unique(p_q[sel], return_index=True)
            tableau[qs] = True
            preuve[qs] = g[sel][premier]
            n += len(qs)
        return n

    def appliquer(self, solutions, a_cacher) -> int:
        caches = self.cacher(a_cacher)
        if not solutions:
            return caches
        # the unit's points checked at once, as certificates 0, 1, … in the order they were found:
        # where two prove the same bound, the first keeps it, as when checked one by one
        k = np.arange(len(solutions))
        cert = np.repeat(k, [len(s[0]) for s in solutions])
        cibles = [np.concatenate([nh, nb]) for _, _, nh, nb in solutions]
        p_cert = np.repeat(k, [len(c) for c in cibles])
        sens = np.concatenate([np.concatenate([np.ones(len(nh)), -np.ones(len(nb))]) for _, _, nh, nb in solutions])
        q = np.concatenate([s[0] for s in solutions]).astype(np.int64)
        d = np.concatenate([s[1] for s in solutions])
        self.enregistrer(cert, q, d, p_cert, np.concatenate(cibles).astype(np.int64), sens)
        return caches

    def _porteurs(self, par: str, ids: np.ndarray) -> np.ndarray:
        """Positions in (cq_c, cq_q) of the given quantities (``par`` = "q") or cells ("c"):
        through an index built once, not a scan of every carrier (once per unit, millions)."""
        if self._index is None:
            self._index = {}
            for nom, cle, n in (("q", self.cq_q, self.S.nb_quantites), ("c", self.cq_c, len(self.masque))):
                ordre = np.argsort(cle, kind="stable")
                self._index[nom] = (ordre, np.searchsorted(cle[ordre], np.arange(n + 1)))
        ordre, debut = self._index[par]
        ids = np.asarray(ids, dtype=np.int64)
        longueurs = debut[ids + 1] - debut[ids]
        if not longueurs.sum():
            return np.array([], dtype=np.int64)
        pos = np.repeat(debut[ids] - np.cumsum(longueurs) + longueurs, longueurs) + np.arange(longueurs.sum())
        return ordre[pos]

    def cacher(self, a_cacher) -> int:
        if not len(a_cacher):
            return 0
        pos = self._porteurs("q", np.unique(a_cacher))
        pos = pos[~self.masque[self.cq_c[pos]]]
        cellules = np.unique(self.cq_c[pos])
        self.masque[cellules] = True
        if self._publies is not None:
            touchees = self.cq_q[self._porteurs("c", cellules)]
            np.subtract.at(self._publies, touchees, 1.0)
            self._libres[touchees] = self._publies[touchees] == 0
        for i in cellules.tolist():
            self.motifs_ajoutes[i] = "secondaire"
        return len(cellules)

    # -- the loop ---------------------------------------------------------------------------------

    def unites(self, qids: np.ndarray, avec_dim: bool, par_departement: bool = False) -> list[np.ndarray]:
        if par_departement:  # one département's territories; regions, France, straddling bassins held
            qids = qids[self.q_dep[qids] >= 0]
        fusion = np.where(self.q_groupe[qids] == self.groupe_stock, self.fusion, 1)
        bloc = np.where(fusion > 1, (self.q_rang[qids] + self.decalage) // fusion, self.q_rang[qids])
        cles = [bloc, self.q_groupe[qids]] + ([self.q_dim[qids]] if avec_dim else [])
        cles += [self.q_dep[qids]] if par_departement else []
        ordre = np.lexsort(cles[::-1])
        q = qids[ordre]
        k = np.stack([c[ordre] for c in cles], axis=1)
        coupures = np.flatnonzero(np.any(k[1:] != k[:-1], axis=1)) + 1
        return np.split(q, coupures)

    def hors_departements(self, Q: np.ndarray, libre: np.ndarray) -> list[np.ndarray]:
        """The parts of unit Q that move independently (no equation between two of them once the
        quantities this pass holds are set aside: committees' published totals, known counts),
        but those within one département, which the département's unit of the same step already
        solved (the same LP). Held quantities stay out: in an LP they would not move."""
        tenu = self.connus[Q] > 0
        if self.epargner:
            tenu |= (self.q_epargne if self.epargner >= 2 else self.q_epargne_trimestre)[Q] & ~libre[Q]
            # and, while committees' totals are held, the unpublished tables' quantities: hidden
            # and free, they would tie whole regions into one LP (a point found with them held
            # is a point all the same); the last pass moves them
            tenu |= self.non_diffuse[Q]
        mobiles = Q[~tenu]
        if not len(mobiles):
            return []
        B, lignes = sous_matrice(self.A_csc, mobiles)
        nl, nc = len(lignes), len(mobiles)
        # rows and columns as one graph: linear in the entries (B.T @ B would square dense rows)
        G = sp.bmat([[None, B], [B.T, None]], format="csr") if nl else sp.csr_matrix((nc, nc))
        _, comp = connected_components(G, directed=False)
        comp = comp[nl:] if nl else comp
        ordre = np.argsort(comp, kind="stable")
        coupures = np.flatnonzero(np.diff(comp[ordre])) + 1
        parts = []
        for idx in np.split(ordre, coupures):
            dep = self.q_dep[mobiles[idx]]
            if dep[0] >= 0 and (dep == dep[0]).all():
                continue
            parts.append(np.sort(mobiles[idx]))
        return parts

    def structure(self) -> int:
        """Targets of the parts of the system that nothing published touches: there the outsider
        knows the table's structure only, and the rule (whose lower end is what the structure
        alone tells) holds by definition. Returns the number of bounds so proven."""
        libre = self.libres()
        A = abs(self.S.A).tocsr()
        ligne_publiee = (A @ (~libre).astype(float)) > 0
        Af = A[:, np.flatnonzero(libre)].tocsr()
        touche = np.diff(Af.indptr) > 0
        n_f = Af.shape[1]
        G = (Af.T @ Af).tocsr() if Af.shape[0] else sp.csr_matrix((n_f, n_f))
        _, comp = connected_components(G, directed=False)
        ouverte = np.zeros(int(comp.max()) + 1 if n_f else 0, dtype=bool)
        ouverte[np.unique(comp[np.unique(Af[ligne_publiee & touche].indices)])] = True
        q_libres = np.flatnonzero(libre)
        fermees = q_libres[~ouverte[comp]]
        avant = int(self.cert_haut[fermees].sum() + self.cert_bas[fermees].sum())
        self.cert_haut[fermees] = True
        self.cert_bas[fermees] = True
        return int(self.cert_haut[fermees].sum() + self.cert_bas[fermees].sum()) - avant

    def departements(self, hierarchie: pl.DataFrame) -> None:
        """Département of each quantity (agencies, départements, bassins within one département);
        -1 for regions, France and straddling bassins."""
        h = hierarchie.select(
            pl.col("code_agence").cast(pl.String), pl.col("code_bassin").cast(pl.String), pl.col("code_departement").cast(pl.String)
        )
        bassins = h.group_by("code_bassin").agg(pl.col("code_departement").unique())
        bassins = bassins.filter(pl.col("code_departement").list.len() == 1).select(
            pl.col("code_bassin").alias("territoire"),
            pl.col("code_departement").list.first().alias("_dep"),
            pl.lit("BASSIN").alias("niveau"),
        )
        table = pl.concat(
            [
                h.select(
                    pl.col("code_agence").alias("territoire"), pl.col("code_departement").alias("_dep"), pl.lit("AGENCE").alias("niveau")
                ),
                h.select(
                    pl.col("code_departement").alias("territoire"),
                    pl.col("code_departement").alias("_dep"),
                    pl.lit("DEPARTEMENT").alias("niveau"),
                ).unique(),
                bassins,
            ]
        )
        dep = (
            self.c.select("_i", "niveau", pl.col("territoire").cast(pl.String))
            .join(table, on=["niveau", "territoire"], how="left")
            .sort("_i")
            .select(pl.col("_dep").cast(pl.Categorical).to_physical().cast(pl.Int64).fill_null(-1))
            .to_series()
            .to_numpy()
        )
        self.q_dep = np.full(self.S.nb_quantites, -1, dtype=np.int64)
        self.q_dep[self.cq_q] = dep[self.cq_c]

    def executer(self, journal, hierarchie, max_iterations: int = 12) -> None:
        dans_systeme = self.q_bloc >= 0
        debut = time.perf_counter()
        self.departements(hierarchie)
        self._porteurs("q", np.array([], dtype=np.int64))  # the index, built once before the workers fork
        for iteration in range(max_iterations):
            prouves = self.structure()
            journal(f"secret : {prouves} bornes tenues par la seule structure (parties où rien n'est publié)")
            # bulk proofs without an LP: rectangles in the agencies' breakdown tables
            besoin_h = self.sensible & ~self.cert_haut
            besoin_b = self.sensible & ~self.cert_bas
            prouves = self.enregistrer(*transferts(self.c, self.S, hierarchie, self.libres(), self.groupe_de, self.exclus_transferts))
            journal(f"secret : {prouves} bornes prouvées par des transferts entre agences jumelles")
            besoin_h = self.sensible & ~self.cert_haut
            besoin_b = self.sensible & ~self.cert_bas
            prouves = self.enregistrer(
                *rectangles(self.c, self.S, hierarchie, self.libres(), self.sensible, self.r_haut, self.r_bas, besoin_h, besoin_b)
            )
            besoin_h = self.sensible & ~self.cert_haut
            besoin_b = self.sensible & ~self.cert_bas
            prouves += self.enregistrer(
                *rectangles(
                    self.c, self.S, hierarchie, self.libres(), self.sensible, self.r_haut, self.r_bas, besoin_h, besoin_b, miroir=True
                )
            )
            journal(f"secret : {prouves} bornes prouvées par des rectangles")
            self.bilan.iterations = iteration + 1
            todo = self.a_faire() & dans_systeme
            journal(f"secret : passe {iteration + 1}, {int(todo.sum())} quantités sensibles à prouver")
            if not todo.any():
                return
            avant = int(todo.sum())
            caches = 0
            # one breakdown at a time (its ensemble held), then the whole indicator group
            # one target at a time: first within a département (small LPs), then the whole unit
            # within one département first (small LPs: most targets are agencies' and bassins'),
            # then the whole unit for what crosses départements
            etapes = [(True, True), (False, True), (True, False), (False, False)]
            if self.fusion > 1:  # two-block units: within a département only (their LPs grow fast)
                etapes = [(True, True), (False, True)]
            for avec_dim, par_dep in etapes:
                # the last pass (nothing held, requirements lowered) runs its whole units always
                derniere = self.tours_fusion >= 2
                if (self.fusion, avec_dim, par_dep) in self.steriles and (par_dep or not derniere):
                    continue
                libre = self.libres().copy()  # the units of this step all see the same hidden cells
                cand = np.flatnonzero(dans_systeme & ((self.q_dim >= 0) if avec_dim else True))
                todo = self.a_faire()
                # two-block units are for stock and flows; the other groups, already solved one
                # target at a time in their blocks, come back only when requirements may be lowered
                # a requirement is never lowered within a département's unit, nor within one
                # breakdown's (the ensemble quantities are not in it: they stay at their value)
                self.restreinte = par_dep or avec_dim
                unites = [
                    Q
                    for Q in self.unites(cand, avec_dim, par_dep)
                    if todo[Q].any() and (self.fusion == 1 or self.tours_fusion >= 2 or self.q_groupe[Q[0]] == self.groupe_stock)
                ]
                if not par_dep:
                    # a whole unit's LP is the LPs of its parts that share no equation once the
                    # held quantities are set aside; the parts within one département had theirs
                    unites = [P for Q in unites for P in self.hors_departements(Q, libre) if todo[P].any()]
                avant_etape = int((todo & dans_systeme).sum())
                for solutions, cacher, n, ajustes in _executer_unites(self, unites, libre, journal):
                    for q, sg, atteint in ajustes:
                        (self.r_haut if sg > 0 else self.r_bas)[q] = atteint
                        self.ajustes[q] = True
                    caches += self.appliquer(solutions, cacher)
                    self.bilan.lp_certification += n
                apres_etape = int((self.a_faire() & dans_systeme).sum())
                # a step that proves under 1 % of what is left will not do better in a later pass
                # (what is left needs more than the step may move: regions, straddling bassins,
                # committees' totals): it is not replayed, and the last pass, where nothing is
                # held, proves the rest in whole units (a minute or more a pass on the demo)
                if unites and avant_etape - apres_etape < 0.01 * avant_etape:
                    self.steriles.add((self.fusion, avec_dim, par_dep))
                journal(
                    f"secret : {'par département' if par_dep else 'unités entières'}"
                    f"{', ventilation par ventilation' if avec_dim else ''} : {len(unites)} unités, "
                    f"{apres_etape} quantités restent à prouver "
                    f"({time.perf_counter() - debut:.0f} s)"
                )
            reste = int((self.a_faire() & dans_systeme).sum())
            journal(
                f"secret : {reste} quantités non prouvées, {caches} cellules masquées, "
                f"{int(self.ajustes.sum())} exigences limitées par leur unité "
                f"({self.bilan.lp_certification} programmes linéaires)"
            )
            if reste == 0:
                return
            if self.tours_fusion >= 2:  # a last pass done: single blocks, requirements lowered
                if caches == 0 and reste == avant:
                    return
            elif self.fusion > 1:
                self.tours_fusion += 1
                self.decalage = 1 - self.decalage  # the other pairs of blocks next pass
                if self.tours_fusion >= 2:
                    # both pairings tried: a last pass in single blocks and whole units, where a
                    # requirement the unit cannot reach is lowered to what it allows; nothing is
                    # held any more (a requirement is never lowered for what a choice holds)
                    self.fusion = 1
                    self.epargner = 0
            elif self.un_par_un:
                # every target left had its own LP in its block: two blocks at a time now, both
                # pairings (each block's edge with the next, then with the previous) before any
                # requirement is lowered
                self.fusion = 2
                journal("secret : unités de deux blocs consécutifs (stocks et flux de part et d'autre)")
            elif self.par_classes:
                # classes had their pass: one target at a time now, and the committees' totals
                # may move for what the lower levels could not prove
                self.un_par_un = True
                self.epargner = 1
            elif reste > 0.5 * avant:
                self.par_classes = True  # batches hardly progress: independent classes


class _Voisinage:
    """Single-target LPs on a target's neighbourhood in its unit: the quantities reached from it
    through shared equations, breadth first, at most ``taille``; every other quantity of the unit
    is held (a point found is then a point of the whole unit). The target's part in its direction
    is bounded below by its requirement and the cost of the point minimised (hidden cells, plus a
    small cost per unit moved, which keeps the certificate local): infeasible means « not here »."""

    EPSILON = 1e-3

    def __init__(self, sub: sp.csc_matrix, lo_r, hi_r, fige, marge_bas, taille: int):
        self.sub, self.sub_r = sub, sub.tocsr()
        self.lo_r, self.hi_r, self.fige, self.marge_bas, self.taille = lo_r, hi_r, fige, marge_bas, taille
        self.nQ = sub.shape[1]
        self.solveur = _Solveur()

    def colonnes(self, j: int) -> np.ndarray:
        vus = np.zeros(self.nQ, dtype=bool)
        vus[j] = True
        lignes_vues = np.zeros(self.sub.shape[0], dtype=bool)
        front, n = np.array([j]), 1
        while len(front) and n < self.taille:
            lignes = np.unique(self.sub[:, front].indices)
            lignes = lignes[~lignes_vues[lignes]]
            if not len(lignes):
                break
            lignes_vues[lignes] = True
            nouvelles = np.unique(self.sub_r[lignes].indices)
            nouvelles = nouvelles[~vus[nouvelles]][: self.taille - n]
            vus[nouvelles] = True
            n += len(nouvelles)
            front = nouvelles
        return np.flatnonzero(vus)

    def prouver(self, j: int, sg: float, r: float, cout_q: np.ndarray) -> np.ndarray | None:
        """Up and down parts (length 2·nQ) of a point moving j by r in direction sg, or None."""
        if self.fige[j] or (sg < 0 and self.marge_bas[j] < r - EPS):
            return None
        cols = self.colonnes(j)
        k = len(cols)
        bloc = self.sub[:, cols]
        lignes = np.unique(bloc.indices)
        bloc = bloc.tocsr()[lignes].tocsc()
        M = sp.hstack([bloc, -bloc], format="csc")
        M.sort_indices()
        fige = self.fige[cols]
        lo = np.zeros(2 * k)
        hi = np.concatenate([np.where(fige, 0.0, np.inf), np.where(fige, 0.0, self.marge_bas[cols])])
        t = int(np.searchsorted(cols, j)) + (0 if sg > 0 else k)
        lo[t] = r
        cout = np.concatenate([cout_q[cols], cout_q[cols]]) + self.EPSILON
        x = self.solveur.resoudre(M, self.lo_r[lignes], self.hi_r[lignes], lo, hi, cout)
        if x is None:
            return None
        plein = np.zeros(2 * self.nQ)
        plein[cols] = x[:k]
        plein[self.nQ + cols] = x[k:]
        return plein


def _classes_independantes(B: sp.csc_matrix) -> np.ndarray:
    """Greedy colouring of the columns of B (rows: equations): two columns sharing a row get
    different classes. Largest degree first."""
    n = B.shape[1]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    Bb = (abs(B) > 0).astype(np.float32).tocsc()
    G = (Bb.T @ Bb).tocsr()
    degre = np.diff(G.indptr)
    couleur = np.full(n, -1, dtype=np.int64)
    for j in np.argsort(-degre, kind="stable").tolist():
        voisins = couleur[G.indices[G.indptr[j] : G.indptr[j + 1]]]
        pris = set(voisins[voisins >= 0].tolist())
        k = 0
        while k in pris:
            k += 1
        couleur[j] = k
    return couleur


_ETAT: dict = {}


def _traiter_unite(i: int):
    p, unites, libre = _ETAT["p"], _ETAT["unites"], _ETAT["libre"]
    return p.traiter(unites[i], libre)


def _executer_unites(p: _Protection, unites: list[np.ndarray], libre: np.ndarray, journal=None):
    """The units' LPs, on ``p.regle.processus`` processes (forked: they read the state, the
    parent applies their results in order). Progress goes to ``journal`` once a minute."""
    processus = max(1, int(p.regle.processus))
    debut = dernier = time.perf_counter()

    def progression(k: int) -> None:
        nonlocal dernier
        if journal is not None and time.perf_counter() - dernier >= 60:
            dernier = time.perf_counter()
            journal(f"secret : {k} unités sur {len(unites)} ({dernier - debut:.0f} s)")

    if processus == 1 or len(unites) < 4:
        for k, Q in enumerate(unites):
            yield p.traiter(Q, libre)
            progression(k + 1)
        return
    import multiprocessing as mp

    _ETAT.update(p=p, unites=unites, libre=libre)
    try:
        with mp.get_context("fork").Pool(processus) as pool:
            # biggest units first, so that the last ones to finish are small
            ordre = sorted(range(len(unites)), key=lambda i: -len(unites[i]))
            resultats = {}
            for i, r in zip(ordre, pool.imap(_traiter_unite, ordre, chunksize=1)):
                resultats[i] = r
                progression(len(resultats))
        for i in range(len(unites)):
            yield resultats[i]
    finally:
        _ETAT.clear()


def _regime_trimestriel(c: pl.DataFrame, primaire: np.ndarray, part: float) -> np.ndarray:
    """Monthly cells of the series published by quarter (breakdown of a territory whose monthly
    cells are mostly primary-secret), for indicators that have quarter cells."""
    avec_trimestres = set(c.filter(pl.col("type_periode") == TRIMESTRE).get_column("indicateur").unique().to_list())
    if not avec_trimestres:
        return np.zeros(c.height, dtype=bool)
    cle = ["indicateur", "niveau", "territoire", "dimension"]
    m = c.with_columns(pl.Series("_p", primaire)).filter(
        (pl.col("type_periode") == MOIS) & pl.col("indicateur").is_in(list(avec_trimestres)) & ~pl.col("indicateur").is_in(list(STOCKS))
    )
    series = m.group_by(cle).agg(pl.col("_p").mean().alias("_part")).filter(pl.col("_part") > part)
    marque = c.select("_i", *cle, "type_periode").join(series.select(cle), on=cle, how="inner").filter(pl.col("type_periode") == MOIS)
    out = np.zeros(c.height, dtype=bool)
    out[marque.get_column("_i").to_numpy()] = True
    return out


def _zeros_a_masquer(c: pl.DataFrame, S: Systeme, sensible_cellule: np.ndarray, masque: np.ndarray) -> np.ndarray:
    """Published zero counts sharing a breakdown or territorial equation with a sensitive quantity."""
    sens_q = np.zeros(S.nb_quantites, dtype=bool)
    sens_q[S.cq_quantite[sensible_cellule[S.cq_cellule]]] = True
    lignes = np.isin(S.famille, ["modalites", "territoires"])
    A = S.A[lignes]
    touchees = (A @ sens_q.astype(float)) != 0
    voisins = np.zeros(S.nb_quantites, dtype=bool)
    voisins[np.unique(A[touchees].indices)] = True
    valeur = c.get_column("valeur").fill_null(-1).to_numpy()
    nombre = (c.get_column("unite") == "nombre").to_numpy()
    zero_c = np.zeros(c.height, dtype=bool)
    sel = voisins[S.cq_quantite] & nombre[S.cq_cellule] & (valeur[S.cq_cellule] == 0)
    zero_c[S.cq_cellule[sel]] = True
    return zero_c & ~masque


def _publier_cumuls(c: pl.DataFrame, masque: np.ndarray, trimestriel: np.ndarray) -> np.ndarray:
    """Hidden status of the aggregates: a quarter of a monthly series and every rolling 12-month
    cell are published only when none of their base cells (months of a monthly series, quarters of
    a quarterly one) is hidden; a 12-month cell of a quarterly series only ends on a quarter."""
    cle = ["indicateur", "niveau", "territoire", "dimension", "modalite"]
    serie = ["indicateur", "niveau", "territoire", "dimension"]
    base = c.with_columns(pl.Series("_m", masque), pl.Series("_tri", trimestriel), _mois_index(pl.col("periode")).alias("_mi"))
    regime_t = base.filter(pl.col("_tri")).select(serie).unique().with_columns(pl.lit(True).alias("_serie_t"))
    base = base.join(regime_t, on=serie, how="left").with_columns(pl.col("_serie_t").fill_null(False))
    mois = base.filter(pl.col("type_periode") == MOIS).select(*cle, "_mi", "_m")
    trims = base.filter(pl.col("type_periode") == TRIMESTRE).select(*cle, "_mi", "_m")
    agr = base.filter(pl.col("type_periode") != MOIS).select("_i", *cle, "type_periode", "_mi", "_serie_t", "_m")

    def caches_dans(agregats: pl.DataFrame, cellules: pl.DataFrame, pas: int, n: int) -> pl.DataFrame:
        liens = pl.concat([agregats.with_columns((pl.col("_mi") - k * pas).alias("_b")) for k in range(n)])
        j = liens.join(cellules.select(*cle, pl.col("_mi").alias("_b"), pl.col("_m").alias("_mb")), on=[*cle, "_b"], how="left")
        return j.group_by("_i").agg(pl.col("_mb").fill_null(False).any().alias("_cache"))

    resultats = []
    # quarters of monthly series: their three months
    t_mensuels = agr.filter((pl.col("type_periode") == TRIMESTRE) & ~pl.col("_serie_t"))
    resultats.append(caches_dans(t_mensuels, mois, 1, 3))
    # 12-month cells of monthly series: their twelve months, or at a quarter's end their four
    # quarters (a sum of published quarters tells nothing more)
    c_mensuels = agr.filter((pl.col("type_periode") == CUMUL_12_MOIS) & ~pl.col("_serie_t"))
    par_mois = caches_dans(c_mensuels, mois, 1, 12)
    par_trimestres = caches_dans(c_mensuels.filter(pl.col("_mi") % 3 == 2), trims, 3, 4)
    resultats.append(
        par_mois.join(par_trimestres.rename({"_cache": "_cache_t"}), on="_i", how="left").select(
            "_i", (pl.col("_cache") & pl.col("_cache_t").fill_null(True)).alias("_cache")
        )
    )
    # 12-month cells of quarterly series: their four quarters, and only at a quarter's end
    c_trim = agr.filter((pl.col("type_periode") == CUMUL_12_MOIS) & pl.col("_serie_t"))
    fin_t = c_trim.filter(pl.col("_mi") % 3 == 2)
    resultats.append(caches_dans(fin_t, trims, 3, 4))
    resultats.append(c_trim.filter(pl.col("_mi") % 3 != 2).select("_i", pl.lit(True).alias("_cache")))
    r = pl.concat(resultats)
    out = np.zeros(c.height, dtype=bool)
    out[r.filter("_cache").get_column("_i").to_numpy()] = True
    return out


def _zeros_par_absence(c: pl.DataFrame) -> np.ndarray:
    """Count cells known to be 0 by the outsider: the rate cell whose denominator they are (an
    identity) is absent, as the marts write no rate cell with a denominator of 0, where that
    indicator has cells for the period and level. Only where the data bear it out (count 0)."""
    out = np.zeros(c.height, dtype=bool)
    lieu = ["type_periode", "periode", "niveau"]
    for ia, ka, da, ma, ib, kb, db, mb in IDENTITES:
        if ka != "d" or kb != "v":
            continue
        b = c.filter(pl.col("indicateur") == ib)
        b = b.filter(pl.col("dimension") == db) if db != "*" else b
        b = b.filter(pl.col("modalite") == mb) if mb != "*" else b
        b = b.with_columns(
            (pl.lit(da) if da != "*" else pl.col("dimension")).alias("_dim"),
            (pl.lit(ma) if ma != "*" else pl.col("modalite")).alias("_mod"),
        )
        a = c.filter(pl.col("indicateur") == ia)
        presents = a.select(*lieu, "territoire", pl.col("dimension").alias("_dim"), pl.col("modalite").alias("_mod"))
        absents = (
            b.join(a.select(lieu).unique(), on=lieu, how="semi")
            .join(presents, on=[*lieu, "territoire", "_dim", "_mod"], how="anti")
            .filter(pl.col("valeur").fill_null(0) == 0)
        )
        out[absents.get_column("_i").to_numpy()] = True
    return out


def _certificats_cellules(c: pl.DataFrame, S: Systeme, p: _Protection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The certificates that prove a bound, written on cells: every cell carrying a moved quantity
    moves with it (``_i``: row of the cell in ``c``, ``lettre``: v, n or d)."""
    ids, q, d = p.preuves.table()
    sens_q = np.flatnonzero(p.sensible)
    claims = []
    for preuve, sens in ((p.preuve_haut, 1), (p.preuve_bas, -1)):
        sel = sens_q[preuve[sens_q] >= 0]
        claims.append(pl.DataFrame({"cert": preuve[sel], "q": sel, "sens": np.full(len(sel), sens, dtype=np.int8)}))
    claims = pl.concat(claims)
    porteurs = pl.DataFrame({"q": S.cq_quantite, "_i": S.cq_cellule, "lettre": S.cq_lettre.astype(str)})
    dep = pl.DataFrame({"cert": ids, "q": q, "delta": d}).join(claims.select("cert").unique(), on="cert", how="semi")
    certificats = dep.join(porteurs, on="q").select("cert", "_i", "lettre", "delta")
    # a claim names the quantity by one of its cells
    revendications = claims.join(porteurs.unique(subset="q", keep="first"), on="q").select("cert", "_i", "lettre", "sens")
    return certificats, revendications


def _cumuls_certifies(
    c: pl.DataFrame,
    certificats: pl.DataFrame,
    primaire: np.ndarray,
    numerateur_seul: np.ndarray,
    ecart: float,
    dans_systeme: np.ndarray | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A 12-month cell is the sum of its twelve months: each certificate moves the 12-month cells
    whose window holds the months it moves, by the sum of their displacements (added to the
    certificates, so that they keep that equation too). A hidden primary-secret 12-month cell is
    then proven by a certificate that moves it far enough (claims returned). The 12-month cells of
    the system (``dans_systeme``: the latest period's) already move in the certificates."""
    serie = ["indicateur", "niveau", "territoire", "dimension", "modalite"]
    cles = c.select(
        "_i", *serie, "type_periode", _mois_index(pl.col("periode")).alias("_m"), "valeur", "numerateur", "denominateur", "unite"
    )
    mois = certificats.join(cles.filter(pl.col("type_periode") == MOIS).select("_i", *serie, "_m"), on="_i")
    hors = pl.Series("_hs", dans_systeme if dans_systeme is not None else np.zeros(c.height, dtype=bool))
    cumuls = (
        cles.with_columns(hors)
        .filter((pl.col("type_periode") == CUMUL_12_MOIS) & ~pl.col("_hs"))
        .select(pl.col("_i").alias("_ic"), *serie, pl.col("_m").alias("_mc"))
    )
    if mois.height == 0 or cumuls.height == 0:
        return certificats, pl.DataFrame(schema={"cert": pl.Int64, "_i": pl.UInt32, "lettre": pl.String, "sens": pl.Int8})
    leves = (
        mois.join(cumuls, on=serie)
        .filter((pl.col("_m") <= pl.col("_mc")) & (pl.col("_m") > pl.col("_mc") - 12))
        .group_by("cert", "_ic", "lettre")
        .agg(pl.col("delta").sum())
        .filter(pl.col("delta").abs() > 1e-9)
        .select("cert", pl.col("_ic").alias("_i"), "lettre", "delta")
    )
    certificats = pl.concat([certificats, leves.with_columns(pl.col("_i").cast(certificats.schema["_i"]))])
    # the primary-secret 12-month cells (always hidden), their small quantities, what the rule asks
    sens = pl.Series("_s", primaire)
    num_seul = pl.Series("_ns", numerateur_seul)
    cibles = cles.with_columns(sens, num_seul).filter(pl.col("_s") & (pl.col("type_periode") == CUMUL_12_MOIS))
    cibles = pl.concat(
        [
            cibles.filter(pl.col("unite") == "nombre").select("_i", pl.lit("v").alias("lettre"), pl.col("valeur").alias("y")),
            cibles.filter(pl.col("unite") != "nombre").select("_i", pl.lit("n").alias("lettre"), pl.col("numerateur").alias("y")),
            cibles.filter((pl.col("unite") != "nombre") & ~pl.col("_ns")).select(
                "_i", pl.lit("d").alias("lettre"), pl.col("denominateur").alias("y")
            ),
        ]
    ).with_columns(
        pl.col("y").fill_null(0.0),
        pl.min_horizontal(pl.lit(ecart), pl.col("y").fill_null(0.0) - (pl.col("lettre") == "d").cast(pl.Float64)).clip(0.0).alias("r_b"),
    )
    j = leves.join(cibles.with_columns(pl.col("_i").cast(leves.schema["_i"])), on=["_i", "lettre"])
    haut = (
        j.filter(pl.col("delta") >= ecart - EPS)
        .group_by("_i", "lettre")
        .agg(pl.col("cert").min())
        .with_columns(pl.lit(1, pl.Int8).alias("sens"))
    )
    bas = (
        j.filter(pl.col("delta") <= -pl.col("r_b") + EPS)
        .group_by("_i", "lettre")
        .agg(pl.col("cert").min())
        .with_columns(pl.lit(-1, pl.Int8).alias("sens"))
    )
    claims = pl.concat([haut, bas]).select("cert", pl.col("_i").cast(pl.UInt32), "lettre", "sens")
    return certificats, claims


def proteger(
    cells: pl.DataFrame,
    hierarchie: pl.DataFrame,
    seuil: int,
    regle: RegleProtection | None = None,
    journal=None,
) -> tuple[pl.DataFrame, BilanProtection]:
    """``cells`` (contract columns with ``type_periode``) with ``secret`` and ``motif_secret``, and
    the figures of the run. Values are not nulled here (``publication`` does it)."""
    verifier_seuil(seuil)
    regle = regle or RegleProtection()
    journal = journal or (lambda _m: None)
    bilan = BilanProtection()
    t0 = time.perf_counter()
    if "type_periode" not in cells.columns:
        cells = cells.with_columns(pl.lit(MOIS).alias("type_periode"))
    c = cells.with_row_index("_i")
    n = c.height
    bilan.cellules = n
    motif_p = motifs_primaires(c, seuil)
    primaire = motif_p.is_not_null().to_numpy()
    motifs = np.array(motif_p.to_list(), dtype=object)
    bilan.primaires = int(primaire.sum())
    if n == 0:
        return cells.with_columns(pl.lit(False).alias("secret"), pl.lit(None, pl.String).alias("motif_secret")), bilan

    # tables not published at all: hidden whole, their cells unknowns but not sensitive
    plan = plan_de_diffusion(c, primaire, regle.part_non_diffusion)
    bilan.plan = plan
    nd = cellules_non_diffusees(c, plan)
    motifs[nd] = NON_DIFFUSE
    bilan.non_diffuses = int(nd.sum())
    bilan.tables_non_diffusees = int((~plan.get_column("diffuse")).sum())
    journal(
        f"secret : {bilan.tables_non_diffusees} tableaux non diffusés sur {plan.height} ({bilan.non_diffuses} cellules) ; "
        f"{int((primaire & ~nd).sum())} cellules secrètes primaires dans les tableaux diffusés sur {bilan.primaires}"
    )
    sensible = primaire & ~nd
    masque = primaire | nd
    # an unpublished monthly table whose quarters are published: a series published by quarter
    avec_trimestres = c.filter(pl.col("type_periode") == TRIMESTRE).get_column("indicateur").unique().to_list()
    trimestriel = _regime_trimestriel(c, sensible, regle.part_trimestrielle) | (
        nd
        & (c.get_column("type_periode") == MOIS).to_numpy()
        & c.get_column("indicateur").is_in(avec_trimestres).to_numpy()
        & ~c.get_column("indicateur").is_in(list(STOCKS)).to_numpy()
    )
    nouveau = trimestriel & ~masque
    motifs[nouveau] = "regime_trimestriel"
    masque |= trimestriel
    bilan.regime_trimestriel = int(nouveau.sum())
    # quarters of monthly series: free during the optimisation, published at the end only as sums;
    # but the committees' (département and above) are published quantities of the optimisation,
    # held as long as possible: a committee then reads its quarter and its 12 months even when
    # one month is hidden
    serie = ["indicateur", "niveau", "territoire", "dimension"]
    series_t = c.filter(pl.Series(trimestriel)).select(serie).unique().with_columns(pl.lit(True).alias("_t"))
    trim_mensuel = (
        c.join(series_t, on=serie, how="left")
        .sort("_i")
        .select((pl.col("type_periode") == TRIMESTRE) & pl.col("_t").is_null() & ~pl.col("niveau").is_in(list(NIVEAUX_EPARGNES)))
        .to_series()
        .to_numpy()
    )
    masque |= trim_mensuel
    bilan.durees["preparation"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    fin = fin_cumul(c)
    cumul_annee = (
        (
            (c.get_column("type_periode") == CUMUL_12_MOIS)
            & (c.get_column("periode") == fin)
            & c.get_column("indicateur").is_in(list(regle.annuels))
        ).to_numpy()
        if fin is not None
        else np.zeros(n, dtype=bool)
    )
    S = construire(c, hierarchie, fin, regle.annuels)
    bilan.quantites = S.nb_quantites
    bilan.ecarts_relations = S.ecarts
    bilan.durees["systeme"] = time.perf_counter() - t0

    zeros = _zeros_a_masquer(c, S, sensible, masque)
    motifs[zeros] = "secondaire_zero"
    masque |= zeros
    bilan.zeros_masques = int(zeros.sum())

    t0 = time.perf_counter()
    p = _Protection(
        c,
        S,
        masque,
        sensible,
        regle,
        bilan,
        numerateur_seul=(motif_p == "primaire_numerateur").fill_null(False).to_numpy(),
        connus_cellule=_zeros_par_absence(c),
        non_diffuse_cellule=nd,
    )
    bilan.sensibles = int(p.sensible.sum())
    p.executer(journal, hierarchie)
    for i, m in p.motifs_ajoutes.items():
        if motifs[i] is None:
            motifs[i] = m
    bilan.secondaires = len(p.motifs_ajoutes)
    bilan.non_proteges = int((p.a_faire() & (p.q_bloc >= 0)).sum())
    bilan.ajustes = int(p.ajustes.sum())
    bilan.certificats, bilan.revendications = _certificats_cellules(c, S, p)
    bilan.certificats, cumuls = _cumuls_certifies(
        c, bilan.certificats, sensible, (motif_p == "primaire_numerateur").fill_null(False).to_numpy(), regle.ecart, cumul_annee
    )
    bilan.revendications = pl.concat([bilan.revendications, cumuls])
    bilan.cumuls_prouves = cumuls.height
    bilan.durees["optimisation"] = time.perf_counter() - t0

    # aggregates: published only as sums of published base cells
    derive = _publier_cumuls(c, masque, trimestriel)
    derive_tri = derive & trim_mensuel
    masque = np.where(trim_mensuel, derive_tri | primaire | nd, masque)
    # the latest 12-month period's cells were protected with their months: as the LPs left them
    cumul = (c.get_column("type_periode") == CUMUL_12_MOIS).to_numpy() & ~cumul_annee
    masque = np.where(cumul, derive | primaire | nd, masque)
    nouveaux_derives = (trim_mensuel | cumul) & masque & ~primaire & ~nd
    motifs[nouveaux_derives] = "derive"
    motifs[(trim_mensuel | cumul) & ~masque] = None
    bilan.derives = int(nouveaux_derives.sum())
    return cells.with_columns(
        pl.Series("secret", masque, dtype=pl.Boolean),
        pl.Series("motif_secret", motifs.tolist(), dtype=pl.String),
    ), bilan
