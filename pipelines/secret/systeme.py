"""The linear system an outsider can write on the cells, as the suppression sees it.

A cell carries one additive quantity (``v``: a count) or two (``n``, ``d``: numerator and
denominator of a rate, members who reached the event and population of a median). Quantities that
are equal by definition (``relations.IDENTITES``) are merged into one: a merged quantity is known
as soon as one of the cells that carry it is published.

Equations (on merged quantities, in *displacement* form: for a feasible point x, d = x − y):

- ``modalites``: the modalities of a breakdown add up to the ``ensemble`` cell;
- ``territoires``: children add up to their parent (régions → FR, départements → région, agences
  → département, agences → bassin); ``≥``/``≤`` for the indicators of ``PARENT_AU_*``;
- ``trimestre``: a quarter cell is the sum of its three months;
- ``stock_flux``: A1(t) − A1(t−1) = A2(t) − A3(t) on the ``ensemble`` cells of a territory;
- ``cumul``: a 12-month cell of the latest 12-month period (``relations.ANNUELS``) is the sum of its
  twelve months;
- ``relations``: the linear relations of ``relations.RELATIONS`` between indicators;
- ``numerateur_denominateur``: n ≤ d within a cell (not for a ratio, a mean).

A denominator that counts distinct keys (``DENOMINATEUR_DISTINCT``) is at most the sum of its
children's and of its modalities' (``>=`` rows: the sum at least the total).

Every instance is checked on the true values: an equality that does not hold is dropped and
counted in ``Systeme.ecarts`` (zero on generated data, tested). Rolling 12-month cells are in the
system only for the latest 12-month period of ``relations.ANNUELS`` (the ones committees and the
CSE read, protected with their months); the others are published only when they are the sum of published base cells
(``protection.publier_cumuls``), so they teach an outsider nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipelines.secret.relations import (
    CUMUL_12_MOIS,
    DENOMINATEUR_DISTINCT,
    DENOMINATEUR_ENSEMBLE,
    IDENTITES,
    LIENS,
    MOIS,
    PARENT_AU_MOINS_SOMME,
    PARENT_AU_PLUS_SOMME,
    RELATIONS,
    STOCK_FLUX,
    TRIMESTRE,
    VENTILATIONS_NON_ADDITIVES,
)

CLE_CELLULE = ["indicateur", "type_periode", "periode", "niveau", "territoire", "dimension", "modalite"]


@dataclass
class Systeme:
    """Quantities and equations of a set of cells (see the module's docstring).

    ``cq_cellule``/``cq_quantite``: for each (cell, quantity letter) of the cells, the merged
    quantity; ``y``: true value of each merged quantity; ``borne_inf``: what an outsider knows as
    a lower bound (0, or 1 for the population of a cell that exists); ``A``: equations × quantities
    (CSR); ``bas``/``haut``: bounds of each row on the displacement d.
    """

    cq_cellule: np.ndarray
    cq_lettre: np.ndarray
    cq_quantite: np.ndarray
    y: np.ndarray
    borne_inf: np.ndarray
    A: sp.csr_matrix
    bas: np.ndarray
    haut: np.ndarray
    famille: np.ndarray
    ecarts: dict[str, int] = field(default_factory=dict)

    @property
    def nb_quantites(self) -> int:
        return len(self.y)


def _quantites_brutes(c: pl.DataFrame) -> pl.DataFrame:
    """One row per (cell, quantity letter): ``_i`` (cell), ``k``, ``y``."""
    nombre = c.filter(pl.col("unite") == "nombre").select("_i", pl.lit("v").alias("k"), pl.col("valeur").alias("y"))
    autres = c.filter(pl.col("unite") != "nombre")
    parts = [
        nombre,
        autres.select("_i", pl.lit("n").alias("k"), pl.col("numerateur").alias("y")),
        autres.select("_i", pl.lit("d").alias("k"), pl.col("denominateur").alias("y")),
    ]
    return (
        pl.concat(parts)
        .with_columns(pl.col("y").fill_null(0.0).fill_nan(0.0))
        .sort("_i", "k")
        .with_row_index("_q")
    )


def _paires_identites(c: pl.DataFrame, rq: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Pairs of raw quantities equal by definition (same period and territory); and the number of
    template instances whose values differ (not merged)."""
    lieu = ["type_periode", "periode", "niveau", "territoire"]
    q = rq.join(c.select("_i", "indicateur", *lieu, "dimension", "modalite"), on="_i")
    paires, ecarts = [], 0
    for ind_a, k_a, dim_a, mod_a, ind_b, k_b, dim_b, mod_b in IDENTITES:
        a = q.filter((pl.col("indicateur") == ind_a) & (pl.col("k") == k_a))
        if dim_a != "*":
            a = a.filter(pl.col("dimension") == dim_a)
        if mod_a != "*":
            a = a.filter(pl.col("modalite") == mod_a)
        b = q.filter((pl.col("indicateur") == ind_b) & (pl.col("k") == k_b))
        cle = list(lieu)
        if dim_b == "*":
            cle.append("dimension")
        else:
            b = b.filter(pl.col("dimension") == dim_b)
        if mod_b == "*":
            cle.append("modalite")
        else:
            b = b.filter(pl.col("modalite") == mod_b)
        j = a.select(*cle, pl.col("_q").alias("_a"), pl.col("y").alias("ya")).join(
            b.select(*cle, pl.col("_q").alias("_b"), pl.col("y").alias("yb")), on=cle
        )
        egal = (j["ya"] - j["yb"]).abs() < 1e-9
        ecarts += int((~egal).sum())
        paires.append(j.filter(egal).select("_a", "_b"))
    return pl.concat(paires) if paires else pl.DataFrame({"_a": [], "_b": []}, schema={"_a": pl.UInt32, "_b": pl.UInt32}), ecarts


def _lignes_equations(c: pl.DataFrame, rq: pl.DataFrame, hierarchie: pl.DataFrame) -> pl.DataFrame:
    """Equation rows on raw quantities: ``cle`` (equation key), ``fam``, ``_q``, ``coef``,
    ``sens`` (``=``, ``<=`` parent at least the sum, ``>=`` parent at most the sum)."""
    q = rq.join(c.select("_i", *CLE_CELLULE, "unite"), on="_i")
    parts = []
    distinct = pl.col("indicateur").is_in(list(DENOMINATEUR_DISTINCT)) & (pl.col("k") == "d")

    # (a) modalities of a breakdown add up to the ensemble cell (not the shared denominators;
    # a denominator of distinct keys: the ensemble at most the sum)
    base = ["indicateur", "type_periode", "periode", "niveau", "territoire", "k"]
    additif = ~(pl.col("indicateur").is_in(list(DENOMINATEUR_ENSEMBLE)) & (pl.col("k") == "d"))
    for indicateur, dimension in VENTILATIONS_NON_ADDITIVES:
        additif = additif & ~((pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension))
    membres = q.filter((pl.col("dimension") != "ensemble") & additif)
    totaux = q.filter(pl.col("dimension") == "ensemble").select(*base, pl.col("_q").alias("_t"))
    groupes = membres.select(*base, "dimension").unique().join(totaux, on=base)
    cle_a = pl.concat_str([pl.lit("m"), *[pl.col(x).cast(pl.String) for x in [*base, "dimension"]]], separator="|")
    sens_m = pl.when(distinct).then(pl.lit(">=")).otherwise(pl.lit("="))
    parts.append(membres.join(groupes.select(*base, "dimension"), on=[*base, "dimension"]).select(
        cle_a.alias("cle"), pl.lit("modalites").alias("fam"), "_q", pl.lit(1.0).alias("coef"), sens_m.alias("sens")))
    parts.append(groupes.select(cle_a.alias("cle"), pl.lit("modalites").alias("fam"), pl.col("_t").alias("_q"),
                                pl.lit(-1.0).alias("coef"), sens_m.alias("sens")))

    # (b) children add up to their parent, for each nesting
    rel = relations_territoriales(q, hierarchie)
    cle2 = ["indicateur", "type_periode", "periode", "dimension", "modalite", "k"]
    q_terr = q.filter(~(pl.col("indicateur").is_in(list(DENOMINATEUR_ENSEMBLE)) & (pl.col("k") == "d")
                        & (pl.col("dimension") != "ensemble")))
    for lien, niveau_enfant, niveau_parent in LIENS:
        r = rel.filter(pl.col("lien") == lien).select("enfant", "parent")
        enfants = q_terr.filter(pl.col("niveau") == niveau_enfant).join(r, left_on="territoire", right_on="enfant")
        parents = q_terr.filter(pl.col("niveau") == niveau_parent).select(*cle2, pl.col("territoire").alias("parent"),
                                                                          pl.col("_q").alias("_t"))
        gk = [*cle2, "parent"]
        groupes = enfants.select(gk).unique().join(parents, on=gk)
        cle_b = pl.concat_str([pl.lit(lien), *[pl.col(x).cast(pl.String) for x in gk]], separator="|")
        sens = (pl.when(pl.col("indicateur").is_in(list(PARENT_AU_MOINS_SOMME))).then(pl.lit("<="))
                .when(pl.col("indicateur").is_in(list(PARENT_AU_PLUS_SOMME)) | distinct).then(pl.lit(">="))
                .otherwise(pl.lit("=")))
        parts.append(enfants.join(groupes.select(gk), on=gk).select(
            cle_b.alias("cle"), pl.lit("territoires").alias("fam"), "_q", pl.lit(1.0).alias("coef"), sens.alias("sens")))
        parts.append(groupes.select(cle_b.alias("cle"), pl.lit("territoires").alias("fam"), pl.col("_t").alias("_q"),
                                    pl.lit(-1.0).alias("coef"), sens.alias("sens")))

    # (c) a quarter is the sum of its three months (not a modality's share of the whole
    # population: its denominator is the ensemble's, tied by an identity, even in a month where
    # the modality has no cell)
    serie = ["indicateur", "niveau", "territoire", "dimension", "modalite", "k"]
    mois = q_terr.filter(pl.col("type_periode") == MOIS).select(*serie, "periode", "_q")
    parts += _somme_de_mois(q_terr.filter(pl.col("type_periode") == TRIMESTRE), mois, serie, 3, "t", "trimestre")

    # (d) stock and flows of registrants, consecutive months, ensemble cells
    a1, a2, a3 = STOCK_FLUX
    ens = q.filter((pl.col("type_periode") == MOIS) & (pl.col("dimension") == "ensemble") & pl.col("indicateur").is_in(list(STOCK_FLUX)))
    lieu = ["niveau", "territoire", "periode"]
    stock = ens.filter(pl.col("indicateur") == a1).select(*lieu, pl.col("_q").alias("s"))
    avant = stock.select("niveau", "territoire", pl.col("periode").dt.offset_by("1mo").alias("periode"), pl.col("s").alias("s0"))
    entrees = ens.filter(pl.col("indicateur") == a2).select(*lieu, pl.col("_q").alias("e"))
    sorties = ens.filter(pl.col("indicateur") == a3).select(*lieu, pl.col("_q").alias("o"))
    sf = stock.join(avant, on=lieu).join(entrees, on=lieu).join(sorties, on=lieu)
    if sf.height:
        cle_d = pl.concat_str([pl.lit("sf"), pl.col("s").cast(pl.String)], separator="|")
        for col, coef in (("s", 1.0), ("s0", -1.0), ("e", -1.0), ("o", 1.0)):
            parts.append(sf.select(cle_d.alias("cle"), pl.lit("stock_flux").alias("fam"), pl.col(col).alias("_q"),
                                   pl.lit(coef).alias("coef"), pl.lit("=").alias("sens")))

    # (e) a 12-month cell (the latest period's, the only ones in the system) is the sum of its months
    parts += _somme_de_mois(q_terr.filter(pl.col("type_periode") == CUMUL_12_MOIS), mois, serie, 12, "w", "cumul")

    # (f) linear relations between indicators, where every term's cell exists
    parts += _relations(q)

    # (g) n ≤ d within a cell: n − d ≤ 0 (a ratio's numerator is not bounded by its denominator)
    q = q.filter(pl.col("unite") != "ratio")
    nd = q.filter(pl.col("k") == "n").select("_i", pl.col("_q").alias("n")).join(
        q.filter(pl.col("k") == "d").select("_i", pl.col("_q").alias("d")), on="_i")
    cle_e = pl.concat_str([pl.lit("nd"), pl.col("_i").cast(pl.String)], separator="|")
    parts.append(nd.select(cle_e.alias("cle"), pl.lit("numerateur_denominateur").alias("fam"), pl.col("n").alias("_q"),
                           pl.lit(1.0).alias("coef"), pl.lit("<=").alias("sens")))
    parts.append(nd.select(cle_e.alias("cle"), pl.lit("numerateur_denominateur").alias("fam"), pl.col("d").alias("_q"),
                           pl.lit(-1.0).alias("coef"), pl.lit("<=").alias("sens")))
    return pl.concat(parts)


def _relations(q: pl.DataFrame) -> list[pl.DataFrame]:
    """Rows of the linear relations of ``relations.RELATIONS``: one equation per (relation,
    period, territory, dimension, modality) where every term's cell exists."""
    lieu = ["type_periode", "periode", "niveau", "territoire", "dimension", "modalite"]
    parts = []
    for r, (termes, sens, dimensions) in enumerate(RELATIONS):
        dims = ["ensemble", *dimensions]
        lignes = pl.concat([
            q.filter((pl.col("indicateur") == ind) & (pl.col("k") == k) & pl.col("dimension").is_in(dims))
            .select(*lieu, "_q", pl.lit(coef).alias("coef"), pl.lit(t).alias("_t"))
            for t, (ind, k, coef) in enumerate(termes)
        ])
        complets = lignes.group_by(lieu).agg(pl.col("_t").n_unique().alias("_n")).filter(pl.col("_n") == len(termes))
        cle = pl.concat_str([pl.lit(f"r{r}"), *[pl.col(x).cast(pl.String) for x in lieu]], separator="|")
        parts.append(lignes.join(complets.select(lieu), on=lieu).select(
            cle.alias("cle"), pl.lit("relations").alias("fam"), "_q", "coef", pl.lit(sens).alias("sens")))
    return parts


def _somme_de_mois(agregats: pl.DataFrame, mois: pl.DataFrame, serie: list[str], n: int, prefixe: str,
                   famille: str) -> list[pl.DataFrame]:
    """Rows « aggregate = sum of the ``n`` months ending with its ``periode`` », same series."""
    if agregats.height == 0:
        return []
    fin = agregats.select(*serie, pl.col("periode").alias("fin"), pl.col("_q").alias("_a"))
    liens = pl.concat([fin.with_columns(pl.col("fin").dt.offset_by(f"-{k}mo").alias("periode")) for k in range(n)])
    membres = liens.join(mois, on=[*serie, "periode"])
    cle = pl.concat_str([pl.lit(prefixe), pl.col("_a").cast(pl.String)], separator="|")
    return [
        membres.select(cle.alias("cle"), pl.lit(famille).alias("fam"), "_q", pl.lit(1.0).alias("coef"),
                       pl.lit("=").alias("sens")),
        fin.select(cle.alias("cle"), pl.lit(famille).alias("fam"), pl.col("_a").alias("_q"), pl.lit(-1.0).alias("coef"),
                   pl.lit("=").alias("sens")),
    ]


def relations_territoriales(cells: pl.DataFrame, hierarchie: pl.DataFrame) -> pl.DataFrame:
    """Child → parent codes for each nesting of ``LIENS`` (``lien``, ``enfant``, ``parent``):
    FR and the régions and CRE platforms present, régions and their départements, agencies and their département
    and bassin (from the agency referential)."""
    h = hierarchie.select(*(pl.col(x).cast(pl.String) for x in ("code_agence", "code_bassin", "code_departement", "code_region")))
    regions = cells.filter(pl.col("niveau") == "REGION").select(pl.col("territoire").unique().alias("enfant"))
    plateformes = cells.filter(pl.col("niveau") == "PLATEFORME").select(pl.col("territoire").unique().alias("enfant"))
    return pl.concat([
        regions.with_columns(pl.lit("FR").alias("parent"), pl.lit("FR_regions").alias("lien")),
        plateformes.with_columns(pl.lit("FR").alias("parent"), pl.lit("FR_plateformes").alias("lien")),
        h.select(pl.col("code_departement").alias("enfant"), pl.col("code_region").alias("parent")).unique()
        .with_columns(pl.lit("region_departements").alias("lien")),
        h.select(pl.col("code_agence").alias("enfant"), pl.col("code_departement").alias("parent"))
        .with_columns(pl.lit("departement_agences").alias("lien")),
        h.select(pl.col("code_agence").alias("enfant"), pl.col("code_bassin").alias("parent"))
        .with_columns(pl.lit("bassin_agences").alias("lien")),
    ]).select("lien", "enfant", "parent").drop_nulls().unique()


def construire(cells: pl.DataFrame, hierarchie: pl.DataFrame, fin_cumul: date | None = None,
               annuels: frozenset[str] = frozenset()) -> Systeme:
    """The system of ``cells``: monthly and quarterly cells, and the 12-month cells of the
    ``annuels`` indicators ending with ``fin_cumul`` (the latest 12-month period; None: none).

    ``cells`` must carry ``_i`` (the cell's index in the caller's table) and the contract columns,
    with ``type_periode``.
    """
    garder = pl.col("type_periode") != CUMUL_12_MOIS
    if fin_cumul is not None and annuels:
        garder = garder | ((pl.col("periode") == fin_cumul) & pl.col("indicateur").is_in(list(annuels)))
    c = cells.filter(garder)
    rq = _quantites_brutes(c)
    n_brut = rq.height

    # merge the quantities equal by definition
    paires, ecarts_identites = _paires_identites(c, rq)
    g = sp.coo_matrix(
        (np.ones(paires.height), (paires["_a"].to_numpy(), paires["_b"].to_numpy())), shape=(n_brut, n_brut)
    )
    _, etiquette = connected_components(g, directed=False)
    # renumber merged quantities 0..n-1 in order of first appearance (deterministic)
    _, premier, qid = np.unique(etiquette, return_index=True, return_inverse=True)
    ordre = np.argsort(premier, kind="stable")
    rang = np.empty_like(ordre)
    rang[ordre] = np.arange(len(ordre))
    qid = rang[qid]
    n = len(ordre)
    y_brut = rq["y"].to_numpy()
    y = np.zeros(n)
    y[qid] = y_brut
    lettres = rq["k"].to_numpy()
    borne_inf = np.zeros(n)
    np.maximum.at(borne_inf, qid, (lettres == "d").astype(float))

    lignes = _lignes_equations(c, rq, hierarchie)
    lignes = lignes.with_columns(pl.Series("_m", qid[lignes["_q"].to_numpy()]))
    eqs = lignes.select("cle", "fam", "sens").unique(subset="cle", keep="first").sort("cle").with_row_index("_e")
    lignes = lignes.join(eqs.select("cle", "_e"), on="cle").group_by("_e", "_m").agg(pl.col("coef").sum())
    lignes = lignes.filter(pl.col("coef") != 0)
    n_eq = eqs.height
    A = sp.csr_matrix(
        (lignes["coef"].to_numpy(), (lignes["_e"].to_numpy(), lignes["_m"].to_numpy())), shape=(n_eq, n)
    )
    residu = A @ y
    sens = eqs["sens"].to_numpy()
    fam = eqs["fam"].to_numpy()
    non_vide = np.diff(A.indptr) > 0
    tient = np.abs(residu) < 1e-9
    # Where a relation holds exactly, an outsider may take it as an equality (conservative), except
    # n ≤ d, which is only known as an inequality; where it does not hold, only the inequality of
    # its definition is kept, and an equality that does not hold is dropped and counted.
    inegalite = fam == "numerateur_denominateur"
    inf = (sens == "<=") & (residu <= 1e-9)
    sup = (sens == ">=") & (residu >= -1e-9)
    garde = non_vide & (tient | inf | sup)
    ecarts = {"identites": ecarts_identites}
    for f in np.unique(fam[non_vide & ~garde]):
        ecarts[str(f)] = int((fam[non_vide & ~garde] == f).sum())
    A = A[garde]
    residu, sens, fam, tient, inegalite = residu[garde], sens[garde], fam[garde], tient[garde], inegalite[garde]
    egalite = tient & ~inegalite
    bas = np.where(egalite, 0.0, np.where(sens == ">=", -residu, -np.inf))
    haut = np.where(egalite, 0.0, np.where(sens == "<=", -residu, np.inf))
    return Systeme(
        cq_cellule=rq["_i"].to_numpy(), cq_lettre=lettres, cq_quantite=qid, y=y, borne_inf=borne_inf,
        A=A.tocsr(), bas=bas, haut=haut, famille=fam, ecarts=ecarts,
    )


def minimum_structurel(S: Systeme, tours: int = 12) -> np.ndarray:
    """The least value each quantity can take when every value is hidden: what an outsider knows
    from the table's structure alone. A cell that exists has a population of at least 1, so a
    total is at least the sum of its members' least values (propagated up the equations where one
    quantity is the sum of the others). The protection rule never asks for less than this."""
    m0 = S.borne_inf.copy()
    A = S.A.tocsr()
    egal = (S.bas == 0) & (S.haut == 0)
    A = A[egal]
    # a row "total = Σ members": exactly one coefficient −1, the others +1
    neg = A.multiply(A < 0)
    pos = A.multiply(A > 0).tocsr()
    nb_neg = np.diff(neg.tocsr().indptr)
    sommes = (np.asarray(pos.sum(axis=1)).ravel() >= 1) & (nb_neg == 1) & (np.asarray(neg.sum(axis=1)).ravel() == -1)
    neg = neg.tocsr()[sommes]
    pos = pos[sommes]
    total = neg.indices  # one per row
    for _ in range(tours):
        s = pos @ m0
        nouveau = m0.copy()
        np.maximum.at(nouveau, total, s)
        if np.array_equal(nouveau, m0):
            break
        m0 = nouveau
    return m0


def sous_matrice(A_csc: sp.csc_matrix, colonnes: np.ndarray) -> tuple[sp.csc_matrix, np.ndarray]:
    """The columns of ``A_csc`` with only the rows they touch, renumbered, and those rows (sorted):
    a slice kept at the system's row count would make every later product or conversion cost as
    much as the whole system (millions of rows), once per unit or certificate."""
    sub = A_csc[:, colonnes]
    lignes, locales = np.unique(sub.indices, return_inverse=True)
    return sp.csc_matrix((sub.data, locales.ravel(), sub.indptr), shape=(len(lignes), len(colonnes))), lignes
