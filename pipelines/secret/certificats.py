"""Proofs of protection: explicit points of the outsider's feasible set.

A *certificate* is a displacement d of hidden quantities (a sparse vector) such that y + d keeps
every equation and bound of the outsider's system: it proves that the outsider cannot exclude the
value y_q + d_q for any quantity it moves. A sensitive quantity is protected when one certificate
moves it up by the écart and one moves it down to its lower requirement.

Most sensitive quantities sit in sparse breakdown tables of agencies; for them this module builds
certificates in bulk, without an LP, as *rectangles*: the target's cell moves by δ, the other
hidden modalities of its agency move by −δ in proportion to their values, the same modality in
the agency's twins (same département and same bassin, so no parent total moves) by −δ likewise,
and the crossed cells by +δ·αβ; the same displacement is carried to the quarter cells when the
cell is a month of a quarter. Every certificate, built here or by an LP, is verified against the
system before it counts (``verifier``); the audit verifies them again against its own system.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from pipelines.secret.relations import MOIS, TRIMESTRE
from pipelines.secret.systeme import Systeme, sous_matrice

TOL = 1e-6


@dataclass
class Preuves:
    """Certificates (``lignes``: certificate, quantity, displacement) and, for each quantity and
    direction, the certificate that proves it (-1: none)."""

    nb: int = 0
    parts: list = field(default_factory=list)

    def ajouter(self, cert: np.ndarray, q: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Append certificates (local ids in ``cert``); returns their global ids (same order)."""
        uniques, local = np.unique(cert, return_inverse=True)
        ids = self.nb + np.arange(len(uniques))
        self.parts.append((ids[local], q, d))
        self.nb += len(uniques)
        return ids

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.parts:
            return np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([])
        return tuple(np.concatenate([p[i] for p in self.parts]) for i in range(3))


def verifier(S: Systeme, libre: np.ndarray, cert: np.ndarray, q: np.ndarray, d: np.ndarray,
             A_csc: sp.csc_matrix | None = None) -> np.ndarray:
    """Which certificates (ids 0..max(cert)) are feasible points: they move free quantities only,
    keep every row of the system within its bounds and every quantity above its lower bound.
    ``A_csc``: the system's matrix by columns, to compute only the columns the certificates move."""
    n = int(cert.max()) + 1 if len(cert) else 0
    if n == 0:
        return np.zeros(0, dtype=bool)
    ok = np.ones(n, dtype=bool)
    bouge = np.abs(d) > 1e-12
    ok[np.unique(cert[bouge & ~libre[q]])] = False
    ok[np.unique(cert[bouge & (S.y[q] + d < S.borne_inf[q] - TOL)])] = False
    if A_csc is None:
        D = sp.csr_matrix((d, (q, cert)), shape=(S.nb_quantites, n))
        R = (S.A @ D).tocoo()
        lignes = R.row
    else:  # only the columns moved and their rows: a product sized by the system's rows would
        # cost as much as the whole system, once per certificate checked
        uq, iq = np.unique(q, return_inverse=True)
        D = sp.csr_matrix((d, (iq, cert)), shape=(len(uq), n))
        compacte, rangs = sous_matrice(A_csc, uq)
        R = (compacte @ D).tocoo()
        lignes = rangs[R.row]
    viol = (R.data > S.haut[lignes] + TOL) | (R.data < S.bas[lignes] - TOL)
    ok[np.unique(R.col[viol])] = False
    # rows an inequality keeps below/above a bound other than 0 with no displacement: fine (0 inside)
    return ok


def rectangles(c: pl.DataFrame, S: Systeme, hierarchie: pl.DataFrame, libre: np.ndarray, sensible: np.ndarray,
               r_haut: np.ndarray, r_bas: np.ndarray, besoin_haut: np.ndarray, besoin_bas: np.ndarray,
               miroir: bool = False):
    """Rectangle certificates for the agency-level breakdown cells that still need a proof.

    ``miroir``: rectangles of rate numerators only, each move copied on the denominator of the
    same cell. The difference d − n of every cell is unchanged, so n ≤ d still holds where a
    numerator alone could not rise (a rate of 2 sanctions out of 3 controls), and denominators
    have the same sums as their numerators (same breakdowns, same territories).

    Returns (cert, q, d, p_cert, p_q, p_sens): the certificate rows (local ids) and the bound
    each certificate claims (certificate, target quantity, direction +1 up / -1 down)."""
    h = hierarchie.select(pl.col("code_agence").cast(pl.String).alias("territoire"),
                          pl.col("code_departement").cast(pl.String).alias("_dep"),
                          pl.col("code_bassin").cast(pl.String).alias("_bas"))
    cq = pl.DataFrame({"_i": S.cq_cellule, "k": S.cq_lettre, "q": S.cq_quantite})
    # monthly cells only: a quarter cell moves with its months, which a rectangle does not move
    agence = c.filter((pl.col("niveau") == "AGENCE") & (pl.col("dimension") != "ensemble")
                      & (pl.col("type_periode") == MOIS)).select(
        "_i", "indicateur", "type_periode", "periode", "territoire", "dimension", "modalite")
    t = agence.join(cq, on="_i").join(h, on="territoire", how="inner")
    q_t = t["q"].to_numpy()
    t = t.with_columns(pl.Series("y", S.y[q_t]), pl.Series("libre", libre[q_t])).filter("libre")
    if t.height == 0:
        return _vide()
    ligne = ["indicateur", "type_periode", "periode", "territoire", "dimension", "k"]
    colonne = ["indicateur", "type_periode", "periode", "_dep", "_bas", "dimension", "k", "modalite"]
    q_np = t["q"].to_numpy()
    cible = t.with_columns(
        pl.Series("bh", besoin_haut[q_np]), pl.Series("bb", besoin_bas[q_np]),
        pl.Series("rh", r_haut[q_np]), pl.Series("rb", r_bas[q_np]),
    ).filter(pl.col("bh") | pl.col("bb"))
    if miroir:
        cible = cible.filter(pl.col("k") == "n")
    sorties = []
    nb_cert = 0

    # ---- up: (a,m) +δ ; (a,m') −δα ; (b,m) −δβ ; (b,m') +δαβ
    haut = cible.filter("bh").select(*ligne, "_dep", "_bas", "modalite", pl.col("q").alias("qt"), pl.col("rh").alias("delta"))
    if haut.height:
        haut = haut.with_row_index("cert")
        lignes_a = t.filter(pl.col("y") > 0).select(
            *ligne, pl.col("modalite").alias("m2"), pl.col("q").alias("q2"), pl.col("y").alias("y2")
        )
        ma = haut.join(lignes_a, on=ligne).filter(pl.col("m2") != pl.col("modalite"))
        ra = ma.group_by("cert").agg(pl.col("y2").sum().alias("Ra"), pl.len().alias("nm"))
        jumeaux = t.filter(pl.col("y") > 0).select(
            *colonne, pl.col("territoire").alias("b"), pl.col("q").alias("qb"), pl.col("y").alias("yb")
        )
        tb = haut.join(jumeaux, on=colonne).filter(pl.col("b") != pl.col("territoire"))
        # a twin is usable when its cells of every modality m' used by the target's agency are hidden
        croises = (
            ma.select("cert", "m2", "q2", "y2", *colonne[:-1])
            .join(tb.select("cert", "b", "qb", "yb"), on="cert")
            .join(
                t.select(*colonne[:-1], pl.col("modalite").alias("m2"), pl.col("territoire").alias("b"), pl.col("q").alias("qx")),
                on=[*colonne[:-1], "m2", "b"],
                how="left",
            )
        )
        utilisable = croises.group_by("cert", "b").agg(pl.col("qx").is_not_null().all().alias("ok")).filter("ok")
        tb = tb.join(utilisable.select("cert", "b"), on=["cert", "b"])
        rb = tb.group_by("cert").agg(pl.col("yb").sum().alias("Rb"))
        ok = (
            haut.join(ra, on="cert")
            .join(rb, on="cert")
            .filter((pl.col("Ra") >= pl.col("delta") - TOL) & (pl.col("Rb") >= pl.col("delta") - TOL))
        )
        if ok.height:
            k = ok.select("cert", "delta", "Ra", "Rb")
            e1 = ok.select("cert", pl.col("qt").alias("q"), pl.col("delta").alias("d"))
            e2 = ma.join(k, on="cert").select("cert", pl.col("q2").alias("q"), (-pl.col("delta") * pl.col("y2") / pl.col("Ra")).alias("d"))
            e3 = tb.join(k, on="cert").select("cert", pl.col("qb").alias("q"), (-pl.col("delta") * pl.col("yb") / pl.col("Rb")).alias("d"))
            e4 = (
                croises.join(utilisable.select("cert", "b"), on=["cert", "b"])
                .join(k, on="cert")
                .select(
                    "cert",
                    pl.col("qx").alias("q"),
                    (pl.col("delta") * pl.col("y2") / pl.col("Ra") * pl.col("yb") / pl.col("Rb")).alias("d"),
                )
            )
            ent = pl.concat([e1, e2, e3, e4])
            sorties.append((ent, ok.select("cert", pl.col("qt"), pl.lit(1.0).alias("sens")), nb_cert))
            nb_cert += haut.height

    # ---- down, one pair: (a,m) −r ; (a,m') +r ; (b,m) +r ; (b,m') −r with y(b,m') ≥ r
    bas = cible.filter(pl.col("bb") & (pl.col("rb") > 0)).select(
        *ligne, "_dep", "_bas", "modalite", pl.col("q").alias("qt"), pl.col("rb").alias("r")
    )
    if bas.height:
        bas = bas.with_row_index("cert")
        lignes_a = t.select(*ligne, pl.col("modalite").alias("m2"), pl.col("q").alias("q2"))
        ma = bas.join(lignes_a, on=ligne).filter(pl.col("m2") != pl.col("modalite"))
        jumeaux = t.select(*colonne, pl.col("territoire").alias("b"), pl.col("q").alias("qb"))
        tb = bas.select("cert", *colonne, "territoire").join(jumeaux, on=colonne).filter(pl.col("b") != pl.col("territoire"))
        coins = (
            ma.select("cert", "m2", "q2", "r", *colonne[:-1])
            .join(tb.select("cert", "b", "qb"), on="cert")
            .join(
                t.filter(pl.col("y") > 0).select(
                    *colonne[:-1],
                    pl.col("modalite").alias("m2"),
                    pl.col("territoire").alias("b"),
                    pl.col("q").alias("qx"),
                    pl.col("y").alias("yx"),
                ),
                on=[*colonne[:-1], "m2", "b"],
            )
            .filter(pl.col("yx") >= pl.col("r") - TOL)
        )
        meilleur = coins.sort("yx", descending=True).unique(subset="cert", keep="first", maintain_order=True)
        if meilleur.height:
            b2 = meilleur.join(bas.select("cert", "qt"), on="cert")
            ent = pl.concat(
                [
                    b2.select("cert", pl.col("qt").alias("q"), (-pl.col("r")).alias("d")),
                    b2.select("cert", pl.col("q2").alias("q"), pl.col("r").alias("d")),
                    b2.select("cert", pl.col("qb").alias("q"), pl.col("r").alias("d")),
                    b2.select("cert", pl.col("qx").alias("q"), (-pl.col("r")).alias("d")),
                ]
            )
            sorties.append((ent, b2.select("cert", "qt", pl.lit(-1.0).alias("sens")), nb_cert))
            nb_cert += bas.height

    if not sorties:
        return _vide()
    ents, cibles = [], []
    for ent, cib, decalage in sorties:
        ents.append(ent.with_columns(pl.col("cert").cast(pl.Int64) + decalage))
        cibles.append(cib.with_columns(pl.col("cert").cast(pl.Int64) + decalage))
    ent = pl.concat(ents)
    cib = pl.concat(cibles).sort("cert")
    if miroir:
        n_d = (
            cq.filter(pl.col("k") == "n")
            .select("_i", pl.col("q"))
            .join(cq.filter(pl.col("k") == "d").select("_i", pl.col("q").alias("qd")), on="_i")
            .unique(subset="q", keep="first")
            .select("q", "qd")
        )
        ent = pl.concat([ent, ent.join(n_d, on="q").select("cert", pl.col("qd").alias("q"), "d")])
    ent = _avec_trimestres(c, S, ent)
    # one value per (certificate, merged quantity)
    ent = ent.unique(subset=["cert", "q"], keep="first", maintain_order=True)
    return (
        ent["cert"].to_numpy(),
        ent["q"].to_numpy(),
        ent["d"].to_numpy(),
        cib["cert"].to_numpy(),
        cib["qt"].to_numpy(),
        cib["sens"].to_numpy(),
    )


def _vide():
    v = np.array([], dtype=np.int64)
    return v, v, np.array([]), v, v, np.array([])


def _avec_trimestres(c: pl.DataFrame, S: Systeme, ent: pl.DataFrame) -> pl.DataFrame:
    """Carry the displacement of a monthly quantity to its quarter cell (a quarter is the sum of
    its months): same (indicator, territory, breakdown, modality, letter), quarter ending within
    two months."""
    if not (c.get_column("type_periode") == TRIMESTRE).any():
        return ent
    serie = ["indicateur", "niveau", "territoire", "dimension", "modalite"]
    cq = pl.DataFrame({"_i": S.cq_cellule, "k": S.cq_lettre, "q": S.cq_quantite})
    m = c.select(
        "_i",
        *serie,
        "type_periode",
        (pl.col("periode").dt.year().cast(pl.Int64) * 12 + pl.col("periode").dt.month().cast(pl.Int64) - 1).alias("_mi"),
    )
    mq = m.join(cq, on="_i")
    mois = mq.filter(pl.col("type_periode") == "mois").with_columns((pl.col("_mi") + 2 - pl.col("_mi") % 3).alias("_fin"))
    tri = mq.filter(pl.col("type_periode") == TRIMESTRE).select(*serie, "k", pl.col("_mi").alias("_fin"), pl.col("q").alias("qq"))
    lien = mois.join(tri, on=[*serie, "k", "_fin"]).select("q", "qq").unique(subset="q", keep="first")
    miroir = ent.join(lien, on="q").select("cert", pl.col("qq").alias("q"), "d")
    return pl.concat([ent, miroir])


def transferts(c: pl.DataFrame, S: Systeme, hierarchie: pl.DataFrame, libre: np.ndarray, groupe_de: dict[str, str], exclus: frozenset[str]):
    """Transfer certificates between twin agencies (same département and bassin).

    For an indicator group, a month and a twin cluster, take the agencies whose cells of the group
    that month are all hidden (with their quarter cells); for each such agency T, one certificate
    moves a share of every other such agency's cells onto T's: every breakdown of every indicator
    keeps adding up (a share of a consistent table is consistent), parents do not move (twins share
    them), numerators stay below denominators, and a denominator never falls below 1. It proves
    T's quantities up by the sum of what it receives, and the donors' quantities down by what they
    give. Groups bound by stock and flows across months (``exclus``) are left to the LPs.

    Returns (cert, q, d) and per (certificate, quantity, direction) the proofs it claims:
    (p_cert, p_q, p_sens, p_montant)."""
    h = hierarchie.select(
        pl.col("code_agence").cast(pl.String).alias("territoire"),
        pl.col("code_departement").cast(pl.String).alias("_dep"),
        pl.col("code_bassin").cast(pl.String).alias("_bas"),
    )
    cq = pl.DataFrame({"_i": S.cq_cellule, "k": S.cq_lettre, "q": S.cq_quantite})
    ag = (
        c.filter((pl.col("niveau") == "AGENCE") & (pl.col("type_periode") == MOIS))
        .select("_i", "indicateur", "periode", "territoire", "dimension", "modalite")
        .with_columns(pl.col("indicateur").replace_strict(groupe_de, default=None).alias("_g"))
        .filter(pl.col("_g").is_not_null() & ~pl.col("_g").is_in(list(exclus)))
    )
    t = ag.join(cq, on="_i").join(h, on="territoire")
    if t.height == 0:
        return _vide_transferts()
    q_t = t["q"].to_numpy()
    t = t.with_columns(pl.Series("y", S.y[q_t]), pl.Series("libre", libre[q_t]), pl.Series("b", S.borne_inf[q_t]))
    t = _avec_trimestre_libre(c, S, t, libre)
    tranche = ["_g", "periode", "territoire"]
    # one row per merged quantity of a slice (a quantity two indicators share moves once), the
    # same carrier in every agency
    t = t.sort("indicateur", "dimension", "modalite", "k").unique(subset=[*tranche, "q"], keep="first", maintain_order=True)
    # agencies whose whole slice (group, month) is hidden, quarter cells included
    entieres = t.group_by(tranche).agg((pl.col("libre") & pl.col("q_libre")).all().alias("ok")).filter("ok")
    t = t.join(entieres.select(tranche), on=tranche)
    grappe = ["_g", "periode", "_dep", "_bas"]
    taille = t.select(*grappe, "territoire").unique().group_by(grappe).len().filter(pl.col("len") >= 2)
    t = t.join(taille.select(grappe), on=grappe)
    if t.height == 0:
        return _vide_transferts()
    # share a donor can give: a denominator keeps at least 1
    part = t.group_by(tranche).agg(
        pl.when(pl.col("b") > 0)
        .then(1.0 - pl.col("b") / pl.col("y").clip(lower_bound=1.0))
        .otherwise(1.0)
        .min()
        .clip(lower_bound=0.0)
        .alias("lam")
    )
    cle = ["indicateur", "dimension", "modalite", "k"]
    receveurs = t.select(*grappe, pl.col("territoire").alias("T"), *cle, pl.col("q").alias("qT"), pl.col("qq").alias("qqT"))
    donneurs = (
        t.filter(pl.col("y") > 0)
        .join(part, on=tranche)
        .select(*grappe, pl.col("territoire").alias("U"), *cle, pl.col("q").alias("qU"), pl.col("qq").alias("qqU"), "y", "lam", "b")
    )
    paires = donneurs.join(receveurs.select(*grappe, "T").unique(), on=grappe).filter(pl.col("U") != pl.col("T"))
    paires = paires.join(receveurs, on=[*grappe, "T", *cle], how="left")
    # a donor whose non-zero cell has no counterpart at the receiver cannot give
    manquants = paires.filter(pl.col("qT").is_null()).select(*grappe, "T", "U").unique()
    paires = paires.join(manquants, on=[*grappe, "T", "U"], how="anti")
    if paires.height == 0:
        return _vide_transferts()
    certs = paires.select(*grappe, "T").unique().sort(*grappe, "T").with_row_index("cert")
    paires = paires.join(certs, on=[*grappe, "T"])
    dep = (
        pl.concat(
            [
                paires.select("cert", pl.col("qT").alias("q"), (pl.col("lam") * pl.col("y")).alias("d")),
                paires.select("cert", pl.col("qU").alias("q"), (-pl.col("lam") * pl.col("y")).alias("d")),
                paires.filter(pl.col("qqT").is_not_null()).select(
                    "cert", pl.col("qqT").alias("q"), (pl.col("lam") * pl.col("y")).alias("d")
                ),
                paires.filter(pl.col("qqU").is_not_null()).select(
                    "cert", pl.col("qqU").alias("q"), (-pl.col("lam") * pl.col("y")).alias("d")
                ),
            ]
        )
        .group_by("cert", "q")
        .agg(pl.col("d").sum())
    )
    recu = (
        paires.group_by("cert", "qT")
        .agg((pl.col("lam") * pl.col("y")).sum().alias("m"))
        .select("cert", pl.col("qT").alias("q"), pl.lit(1.0).alias("sens"), "m")
    )
    donne = paires.select("cert", pl.col("qU").alias("q"), pl.lit(-1.0).alias("sens"), (pl.col("lam") * pl.col("y")).alias("m"))
    preuves = pl.concat([recu, donne])
    return (
        dep["cert"].to_numpy().astype(np.int64),
        dep["q"].to_numpy(),
        dep["d"].to_numpy(),
        preuves["cert"].to_numpy().astype(np.int64),
        preuves["q"].to_numpy(),
        preuves["sens"].to_numpy(),
        preuves["m"].to_numpy(),
    )


def _vide_transferts():
    v = np.array([], dtype=np.int64)
    return v, v, np.array([]), v, v, np.array([]), np.array([])


def _avec_trimestre_libre(c: pl.DataFrame, S: Systeme, t: pl.DataFrame, libre: np.ndarray) -> pl.DataFrame:
    """Adds ``qq`` (the quantity of the quarter cell of the same series, when the month's quarter
    has quarter cells) and ``q_libre`` (that quarter quantity is hidden, or there is none)."""
    serie = ["indicateur", "territoire", "dimension", "modalite", "k"]
    tri = c.filter((pl.col("type_periode") == TRIMESTRE) & (pl.col("niveau") == "AGENCE")).select(
        "_i",
        "indicateur",
        "territoire",
        "dimension",
        "modalite",
        (pl.col("periode").dt.year().cast(pl.Int64) * 12 + pl.col("periode").dt.month().cast(pl.Int64) - 1).alias("_fin"),
    )
    cq = pl.DataFrame({"_i": S.cq_cellule, "k": S.cq_lettre, "qq": S.cq_quantite})
    tri = tri.join(cq, on="_i").drop("_i")
    m = pl.col("periode").dt.year().cast(pl.Int64) * 12 + pl.col("periode").dt.month().cast(pl.Int64) - 1
    t = t.with_columns((m + 2 - m % 3).alias("_fin")).join(tri, on=[*serie, "_fin"], how="left")
    qq = t["qq"].fill_null(-1).to_numpy()
    qq_ok = np.where(qq < 0, True, libre[np.maximum(qq, 0)])
    return t.with_columns(pl.Series("q_libre", qq_ok)).drop("_fin")
