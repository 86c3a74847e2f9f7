"""Independent audit of the published view: what can an outsider compute from it?

A different code path from the suppression: the outsider's system is rebuilt here in SQL from what
an outsider holds — the published cells (``secret`` and the published values), the public agency
referential and the data dictionary (``relations``) — and solved here, with SciPy's interface to
HiGHS. The true values (``marts.indicateurs``) only say which quantities are primary-secret and
check the protection rule: for a primary-secret quantity with true value n, the values an outsider
cannot exclude must span [max(m, n − écart), n + écart], where m is what the table's structure
alone tells (a cell that exists has a population of at least 1, a total at least the sum of its
members' least values).

Two attackers, from the cheapest:

- **propagation** (every run): each equation bounds each of its unknowns by the bounds of the
  others, repeated until nothing moves — what a careful outsider does by hand across sums,
  identities, stock and flows and known bounds. Its bounds are valid for the outsider, so a
  quantity it pins closer than the rule allows is a **certain violation**;
- **linear programming** (``exact=True``, for systems of modest size): for every primary-secret
  quantity, the exact minimum and maximum over the outsider's whole feasible set.

Rolling 12-month and derived quarterly cells: a published one must be the sum of published base
cells (else its equation joins the system and it is counted in ``cumuls_non_derivables``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import highspy
import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipelines.core.indicateurs import famille
from pipelines.secret.relations import (
    DENOMINATEUR_DISTINCT,
    DENOMINATEUR_ENSEMBLE,
    IDENTITES,
    LIENS,
    PARENT_AU_MOINS_SOMME,
    PARENT_AU_PLUS_SOMME,
    RELATIONS,
    STOCK_FLUX,
    VENTILATIONS_NON_ADDITIVES,
)

TOL = 1e-6


@dataclass
class ResultatAudit:
    """Figures of an audit (``socle qualite`` prints ``resume()``)."""

    methode: str = "propagation"
    quantites_auditees: int = 0
    inconnues: int = 0
    lp_exacts: int = 0
    cumuls_non_derivables: int = 0
    relations_ecartees: int = 0
    #: counts known to be 0 because the rate cell they are the denominator of is absent
    zeros_par_absence: int = 0
    #: hidden counts of 0 in a view said (or, before ``publication.methode_secret``, assumed) to
    #: show every zero: the outsider's « a hidden count is at least 1 » would be false, so it is
    #: not given to him (an inconsistent system would give absurd bounds)
    zeros_caches_inattendus: int = 0
    #: cells of unpublished tables (hidden whole: unknowns, not audited), and those tables
    non_diffusees: int = 0
    tables_non_diffusees: int = 0
    #: bounds proven by the protection's certificates, checked on this audit's system
    prouvees_certificats: int = 0
    certificats_invalides: int = 0
    #: refused certificates by reason (a certificate may break several rules: counted once each)
    refus_certificats: dict[str, int] = field(default_factory=dict)
    #: LPs on a target's neighbourhood (parts too large for an exact LP per target)
    lp_voisinage: int = 0
    #: bounds neither refuted nor proven (no certificate, no exact LP)
    non_prouvees: int = 0
    violations: list[dict] = field(default_factory=list)
    #: the narrowest interval found among audited quantities (cell, value, min, max)
    plus_etroit: dict | None = None
    duree: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.violations

    def table(self) -> pl.DataFrame:
        colonnes = {"indicateur": pl.String, "type_periode": pl.String, "periode": pl.String, "niveau": pl.String,
                    "territoire": pl.String, "dimension": pl.String, "modalite": pl.String, "quantite": pl.String,
                    "valeur": pl.Float64, "min": pl.Float64, "max": pl.Float64, "raison": pl.String}
        return pl.DataFrame(self.violations, schema=colonnes)

    def par_niveau(self) -> str:
        """Violations by level, most first: « AGENCE 12, BASSIN 3 »."""
        t = self.table().group_by("niveau").len().sort(["len", "niveau"], descending=[True, False])
        return ", ".join(f"{r['niveau']} {r['len']}" for r in t.to_dicts())

    def _motifs_refus(self) -> str:
        motifs = [f"{n} {m}" for m, n in sorted(self.refus_certificats.items(), key=lambda mn: -mn[1]) if n]
        return f" : {', '.join(motifs)}" if motifs else ""

    def resume(self) -> str:
        etroit = ""
        if self.plus_etroit:
            e = self.plus_etroit
            # + 0: a bound of -0.0 (an LP's) reads 0
            etroit = (f" ; intervalle le plus étroit : [{e['min'] + 0:g} ; {e['max'] + 0:g}] pour une valeur {e['valeur']:g} "
                      f"({e['indicateur']}, {e['niveau']} {e['territoire']}, {e['periode']}"
                      + (" ; son minorant est le minimum que la seule structure des tableaux impose, connu quoi "
                         "qu'on publie : la règle l'admet" if e.get("minimum_structurel") else "") + ")")
        methode = "programmation linéaire exacte" if self.methode == "exact" else "propagation des équations"
        return (
            f"Audit du secret ({methode}) : {self.quantites_auditees} quantités secrètes primaires auditées, "
            f"{self.inconnues} quantités masquées, {self.lp_exacts + self.lp_voisinage} programmes linéaires, "
            f"{len(self.violations)} violation(s) de la règle{etroit} ; "
            f"{self.prouvees_certificats} bornes prouvées par les certificats de la protection vérifiés ici "
            f"({self.certificats_invalides} certificat(s) refusé(s){self._motifs_refus()}), "
            f"{self.non_prouvees} bornes ni réfutées ni prouvées."
            + (f" {self.tables_non_diffusees} tableaux non diffusés ({self.non_diffusees} cellules masquées en entier, "
               "hors de la règle)." if self.tables_non_diffusees else "")
            + (f" Attention : {self.zeros_caches_inattendus} zéro(s) masqué(s) alors que la méthode déclarée n'en "
               "masque pas ; l'hypothèse « un compte masqué vaut au moins 1 » est écartée."
               if self.zeros_caches_inattendus else "")
        )


# ---------------------------------------------------------------------------------------------
# The outsider's system, in SQL


def _cellules(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    # a view written before the publication plan has no unpublished table
    avec_motif = con.sql(
        "select count(*) from information_schema.columns where table_schema = 'publication' "
        "and table_name = 'indicateurs' and column_name = 'motif_secret'"
    ).fetchall()[0][0]
    non_diffuse = "coalesce(p.motif_secret = 'non_diffuse', false)" if avec_motif else "false"
    return con.sql(f"""
        select
            row_number() over (order by p.indicateur, p.type_periode, p.periode, p.niveau, p.territoire,
                                        p.dimension, p.modalite) - 1 as cid,
            p.indicateur, p.type_periode, p.periode, p.niveau, p.territoire, p.dimension, p.modalite, p.unite, p.secret,
            {non_diffuse} as non_diffuse,
            coalesce(m.valeur, 0) as t_v, coalesce(m.numerateur, 0) as t_n, coalesce(m.denominateur, 0) as t_d
        from publication.indicateurs as p
        join marts.indicateurs as m
            on m.indicateur = p.indicateur and m.type_periode = p.type_periode and m.periode = p.periode
            and m.niveau = p.niveau and m.territoire = p.territoire and m.dimension = p.dimension
            and m.modalite = p.modalite
    """).pl()


def _primaire(cel: pl.DataFrame, seuil: int) -> tuple[np.ndarray, np.ndarray]:
    """The contract's primary rule, written again (the audit does not call the suppression's):
    (cell primary-secret, its denominator a small count too). A rate secret for its numerator
    alone (1..s−1 of at least s people) protects that numerator; its denominator is a large
    population, published anyway by the count it usually is."""
    s = np.array([max(seuil, 11) if famille(i) in (None, "D", "E") else seuil for i in cel["indicateur"].to_list()])
    u = cel["unite"].to_numpy()
    v, n, d = cel["t_v"].to_numpy(), cel["t_n"].to_numpy(), cel["t_d"].to_numpy()
    petit_d = (u != "nombre") & (d < s)
    prim = (((u == "nombre") & (v >= 1) & (v <= s - 1))
            | ((u == "taux") & (petit_d | ((n >= 1) & (n <= s - 1))))
            | (((u == "jours") | (u == "ratio")) & petit_d))
    return prim, prim & petit_d


#: The kinds of rows of the audit's system (the prefix of each row's name), in words.
FAMILLES_EQUATIONS = {
    "m": "ventilation = ensemble",
    "t": "territoires = leur parent",
    "q": "trimestre = ses mois",
    "s": "stock et flux",
    "n": "numérateur ≤ dénominateur",
    "w": "cumul 12 mois = ses mois",
    "r": "relation entre indicateurs",
}


def _relations_lineaires(a: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows of the linear relations between indicators (``relations.RELATIONS``), written here in
    SQL: one equation per (relation, period, territory, dimension, modality) where every term's
    cell exists."""
    parts = []
    for r, (termes, sens, dimensions) in enumerate(RELATIONS):
        dims = ", ".join(f"'{d}'" for d in ("ensemble", *dimensions))
        union = " union all ".join(
            f"select {t} as t, qb, {coef} as coef, type_periode, periode, niveau, territoire, dimension, modalite "
            f"from qc where indicateur = '{ind}' and k = '{k}' and dimension in ({dims})"
            for t, (ind, k, coef) in enumerate(termes)
        )
        parts.append(a.sql(f"""
            with termes as ({union}),
            completes as (
                select type_periode, periode, niveau, territoire, dimension, modalite from termes
                group by all having count(distinct t) = {len(termes)}
            )
            select concat_ws('|', 'r{r}', t.type_periode, t.periode, t.niveau, t.territoire, t.dimension, t.modalite) as e,
                   t.qb, cast(t.coef as double) as coef, '{sens}' as sens
            from termes as t join completes using (type_periode, periode, niveau, territoire, dimension, modalite)
        """).pl().with_columns(pl.col("qb").cast(pl.Int64)))
    schema = {"e": pl.String, "qb": pl.Int64, "coef": pl.Float64, "sens": pl.String}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _mois(col: str) -> str:
    return f"(year({col}) * 12 + month({col}) - 1)"


@dataclass
class _Systeme:
    y: np.ndarray          # true value of each merged quantity
    connu: np.ndarray      # published through at least one of its cells
    sensible: np.ndarray   # carried by a primary-secret cell
    borne: np.ndarray      # 0, or 1 for the population of a cell that exists
    A: sp.csr_matrix       # rows × quantities
    bas: np.ndarray        # bounds of each row on Σ a·x (absolute values)
    haut: np.ndarray
    cid: np.ndarray        # one carrying cell per quantity
    lettre: np.ndarray
    #: every (cell, letter) of the cells, and the merged quantity it carries
    porteurs: pl.DataFrame | None = None
    #: the kind of each row (``FAMILLES_EQUATIONS``), to say which one a certificate breaks
    famille: np.ndarray | None = None


def _systeme(a: duckdb.DuckDBPyConnection, cel: pl.DataFrame, res: ResultatAudit) -> _Systeme:
    a.execute("""
        create table qc as
        select row_number() over (order by x.cid, x.k) - 1 as qb, x.*, c.indicateur, c.type_periode, c.periode,
               c.niveau, c.territoire, c.dimension, c.modalite
        from (
            select cid, 'v' as k, t_v as y, not secret as connu, prim from cel where unite = 'nombre'
            union all select cid, 'n', t_n, not secret, prim from cel where unite <> 'nombre'
            union all select cid, 'd', t_d, not secret, prim_d from cel where unite <> 'nombre'
        ) as x join cel as c using (cid)
    """)
    # identities of the dictionary, checked on the true values
    paires = []
    for ia, ka, da, ma, ib, kb, db, mb in IDENTITES:
        cond = ["l.type_periode = r.type_periode", "l.periode = r.periode", "l.niveau = r.niveau",
                "l.territoire = r.territoire",
                "l.dimension = r.dimension" if db == "*" else f"r.dimension = '{db}'",
                "l.modalite = r.modalite" if mb == "*" else f"r.modalite = '{mb}'"]
        filtre = [f"l.indicateur = '{ia}'", f"l.k = '{ka}'", f"r.indicateur = '{ib}'", f"r.k = '{kb}'"]
        filtre += [f"l.dimension = '{da}'"] if da != "*" else []
        filtre += [f"l.modalite = '{ma}'"] if ma != "*" else []
        paires.append(a.sql(f"""
            select l.qb as a, r.qb as b, abs(l.y - r.y) < 1e-9 as egal
            from qc as l join qc as r on {' and '.join(cond)} where {' and '.join(filtre)}
        """).pl())
    p = pl.concat(paires)
    res.relations_ecartees += int((~p["egal"]).sum())
    p = p.filter("egal")
    # a rate cell is absent when its denominator is 0: where the indicator has cells for that
    # period and level, the count its denominator is (by an identity) is known to be 0
    zeros = []
    for ia, ka, da, ma, ib, kb, db, mb in IDENTITES:
        if ka != "d" or kb != "v":
            continue
        dim = f"'{da}'" if da != "*" else "b.dimension"
        mod = f"'{ma}'" if ma != "*" else "b.modalite"
        filtre = [f"b.indicateur = '{ib}'", "b.k = 'v'"]
        filtre += [f"b.dimension = '{db}'"] if db != "*" else []
        filtre += [f"b.modalite = '{mb}'"] if mb != "*" else []
        zeros.append(a.sql(f"""
            select b.qb, b.y from qc as b
            where {' and '.join(filtre)}
              and exists (select 1 from qc as t where t.indicateur = '{ia}' and t.type_periode = b.type_periode
                          and t.periode = b.periode and t.niveau = b.niveau)
              and not exists (select 1 from qc as r where r.indicateur = '{ia}' and r.k = 'd'
                              and r.type_periode = b.type_periode and r.periode = b.periode and r.niveau = b.niveau
                              and r.territoire = b.territoire and r.dimension = {dim} and r.modalite = {mod})
        """).pl())
    zeros = pl.concat(zeros) if zeros else pl.DataFrame(schema={"qb": pl.Int64, "y": pl.Float64})
    # the inference is the outsider's; where the data do not bear it out (a count without its
    # rate cell that is not 0), it teaches him something false, not a secret
    nuls_connus = zeros.filter(pl.col("y") == 0)["qb"].unique().to_numpy()
    res.zeros_par_absence = len(nuls_connus)
    q = a.sql("select qb, cid, k, y, connu, prim from qc order by qb").pl()
    if len(nuls_connus):
        q = q.with_columns(pl.col("connu") | pl.col("qb").is_in(nuls_connus.tolist()))
    nb = q.height
    g = sp.coo_matrix((np.ones(p.height), (p["a"].to_numpy(), p["b"].to_numpy())), shape=(nb, nb))
    _, m = connected_components(g, directed=False)
    nm = int(m.max()) + 1
    y = np.zeros(nm)
    y[m] = q["y"].to_numpy()
    connu = np.zeros(nm, dtype=bool)
    np.logical_or.at(connu, m, q["connu"].to_numpy())
    sensible = np.zeros(nm, dtype=bool)
    np.logical_or.at(sensible, m, q["prim"].to_numpy())
    lettre_b = q["k"].to_numpy()
    borne = np.zeros(nm)
    np.maximum.at(borne, m, (lettre_b == "d").astype(float))
    cid = np.zeros(nm, dtype=np.int64)
    cid[m[::-1]] = q["cid"].to_numpy()[::-1]
    lettre = np.empty(nm, dtype=object)
    lettre[m[::-1]] = lettre_b[::-1]

    pas_den = "not (x.indicateur in ({}) and x.k = 'd' and x.dimension <> 'ensemble')".format(
        ", ".join(f"'{i}'" for i in DENOMINATEUR_ENSEMBLE))
    # breakdowns whose modalities do not add up (a person in several barriers)
    additive = " and ".join(f"not (x.indicateur = '{i}' and x.dimension = '{d}')" for i, d in VENTILATIONS_NON_ADDITIVES) or "true"
    moins = ", ".join(f"'{i}'" for i in PARENT_AU_MOINS_SOMME)
    plus = ", ".join(f"'{i}'" for i in PARENT_AU_PLUS_SOMME)
    distinct = ", ".join(f"'{i}'" for i in DENOMINATEUR_DISTINCT)
    # a denominator of distinct keys (an adviser in two agencies): the parent at most the sum
    sens_terr = (f"case when x.indicateur in ({moins}) then '<=' when x.indicateur in ({plus}) "
                 f"or (x.indicateur in ({distinct}) and x.k = 'd') then '>=' else '=' end")
    sens_mod = f"case when x.indicateur in ({distinct}) and x.k = 'd' then '>=' else '=' end"
    a1, a2, a3 = STOCK_FLUX
    a.register("liens", pl.DataFrame({"lien": [lien for lien, _, _ in LIENS], "ne": [e for _, e, _ in LIENS],
                                      "np": [n for _, _, n in LIENS]}).to_arrow())
    a.execute("""
        create table rel as
        select 'FR_regions' as lien, territoire as enfant, 'FR' as parent from cel where niveau = 'REGION' group by territoire
        union select 'region_departements', code_departement, code_region from hier
        union select 'departement_agences', code_agence, code_departement from hier
        union select 'bassin_agences', code_agence, code_bassin from hier
        union select 'FR_plateformes', territoire, 'FR' from cel where niveau = 'PLATEFORME' group by territoire
    """)
    eqs = a.sql(f"""
        with membres_m as (
            select x.* from qc as x where x.dimension <> 'ensemble' and {pas_den} and {additive}
        ),
        totaux_m as (
            select distinct t.qb, m.indicateur, m.type_periode, m.periode, m.niveau, m.territoire, m.k, m.dimension
            from membres_m as m join qc as t
                on t.indicateur = m.indicateur and t.type_periode = m.type_periode and t.periode = m.periode
                and t.niveau = m.niveau and t.territoire = m.territoire and t.k = m.k and t.dimension = 'ensemble'
        ),
        enfants as (
            select x.*, r.lien, r.parent, l.np
            from qc as x join liens as l on x.niveau = l.ne join rel as r on r.lien = l.lien and r.enfant = x.territoire
            where {pas_den}
        ),
        parents as (
            select distinct t.qb, e.lien, e.parent, e.indicateur, e.type_periode, e.periode, e.dimension, e.modalite, e.k
            from enfants as e join qc as t
                on t.niveau = e.np and t.territoire = e.parent and t.indicateur = e.indicateur
                and t.type_periode = e.type_periode and t.periode = e.periode and t.dimension = e.dimension
                and t.modalite = e.modalite and t.k = e.k
        )
        -- a breakdown adds up to its ensemble cell
        select concat_ws('|', 'm', indicateur, type_periode, periode, niveau, territoire, k, dimension) as e, qb, 1.0 as coef,
               {sens_mod.replace('x.', 'membres_m.')} as sens
        from membres_m
        union all
        select concat_ws('|', 'm', indicateur, type_periode, periode, niveau, territoire, k, dimension), qb, -1.0,
               {sens_mod.replace('x.', 'totaux_m.')}
        from totaux_m
        union all
        -- children add up to their parent (parents of these indicators: at least / at most the sum)
        select concat_ws('|', 't', e.lien, e.parent, e.indicateur, e.type_periode, e.periode, e.dimension, e.modalite, e.k),
               e.qb, 1.0, {sens_terr.replace('x.', 'e.')}
        from enfants as e
        where exists (select 1 from parents as p where p.lien = e.lien and p.parent = e.parent and p.indicateur = e.indicateur
                      and p.type_periode = e.type_periode and p.periode = e.periode and p.dimension = e.dimension
                      and p.modalite = e.modalite and p.k = e.k)
        union all
        select concat_ws('|', 't', p.lien, p.parent, p.indicateur, p.type_periode, p.periode, p.dimension, p.modalite, p.k),
               p.qb, -1.0, {sens_terr.replace('x.', 'p.')}
        from parents as p
        union all
        -- a quarter is the sum of its months
        select 'q|' || t.qb, x.qb, 1.0, '='
        from qc as t join qc as x
            on x.type_periode = 'mois' and x.indicateur = t.indicateur and x.niveau = t.niveau and x.territoire = t.territoire
            and x.dimension = t.dimension and x.modalite = t.modalite and x.k = t.k
            and {_mois('x.periode')} between {_mois('t.periode')} - 2 and {_mois('t.periode')}
        where t.type_periode = 'trimestre' and {pas_den.replace('x.', 't.')}
        union all
        select 'q|' || x.qb, x.qb, -1.0, '=' from qc as x where x.type_periode = 'trimestre' and {pas_den}
        union all
        -- stock and flows of registrants: A1(t) − A1(t−1) − A2(t) + A3(t) = 0
        select 's|' || s.qb, x.qb, x.coef, '='
        from qc as s
        join qc as s0 on s0.indicateur = '{a1}' and s0.type_periode = 'mois' and s0.dimension = 'ensemble'
            and s0.niveau = s.niveau and s0.territoire = s.territoire and {_mois('s0.periode')} + 1 = {_mois('s.periode')}
        join qc as e on e.indicateur = '{a2}' and e.type_periode = 'mois' and e.dimension = 'ensemble'
            and e.niveau = s.niveau and e.territoire = s.territoire and e.periode = s.periode
        join qc as o on o.indicateur = '{a3}' and o.type_periode = 'mois' and o.dimension = 'ensemble'
            and o.niveau = s.niveau and o.territoire = s.territoire and o.periode = s.periode
        cross join lateral (values (s.qb, 1.0), (s0.qb, -1.0), (e.qb, -1.0), (o.qb, 1.0)) as x(qb, coef)
        where s.indicateur = '{a1}' and s.type_periode = 'mois' and s.dimension = 'ensemble'
        union all
        -- a numerator is at most its denominator (a ratio, a mean, excepted)
        select 'n|' || qc.cid, qc.qb, case when qc.k = 'n' then 1.0 else -1.0 end, '<='
        from qc join cel on cel.cid = qc.cid where qc.k in ('n', 'd') and cel.unite <> 'ratio'
    """).pl().with_columns(pl.col("coef").cast(pl.Float64), pl.col("qb").cast(pl.Int64))
    eqs = pl.concat([eqs, _relations_lineaires(a)])
    # rolling 12-month cells: a published one that is not the sum of published months (or of four
    # published quarters ending with it) joins the system with its equation
    cumuls = a.sql(f"""
        with w as (select * from qc as x where x.type_periode = 'cumul_12_mois' and {pas_den}),
        mois as (
            select w.qb as wq, bool_and(x.connu) as connus, list(x.qb) as membres, count(*) as nb
            from w join qc as x
                on x.type_periode = 'mois' and x.indicateur = w.indicateur and x.niveau = w.niveau
                and x.territoire = w.territoire and x.dimension = w.dimension and x.modalite = w.modalite and x.k = w.k
                and {_mois('x.periode')} between {_mois('w.periode')} - 11 and {_mois('w.periode')}
            group by w.qb
        ),
        trims as (
            select w.qb as wq, bool_and(x.connu) and count(*) = 4 as connus
            from w join qc as x
                on x.type_periode = 'trimestre' and x.indicateur = w.indicateur and x.niveau = w.niveau
                and x.territoire = w.territoire and x.dimension = w.dimension and x.modalite = w.modalite and x.k = w.k
                and {_mois('x.periode')} in ({_mois('w.periode')}, {_mois('w.periode')} - 3, {_mois('w.periode')} - 6,
                                             {_mois('w.periode')} - 9)
            group by w.qb
        )
        select w.qb as wq, w.connu, coalesce(mois.connus, true) or coalesce(trims.connus, false) as derivable,
               mois.membres, coalesce(mois.nb, 0) as nb
        from w left join mois on mois.wq = w.qb left join trims on trims.wq = w.qb
    """).pl()
    res.cumuls_non_derivables = cumuls.filter(pl.col("connu") & ~pl.col("derivable")).height
    # every 12-month cell is the sum of its twelve months, published or not: a hidden one too
    # (a published one, sum of published months, adds nothing but costs nothing)
    non_derivables = cumuls.filter(
        (pl.col("connu") & ~pl.col("derivable")) | (~pl.col("connu") & (pl.col("nb") == 12))
    ).with_columns(pl.col("wq").cast(pl.Int64))
    if non_derivables.height:
        ex = non_derivables.explode("membres")
        eqs = pl.concat(
            [
                eqs,
                ex.select(
                    pl.format("w|{}", "wq").alias("e"),
                    pl.col("membres").cast(pl.Int64).alias("qb"),
                    pl.lit(1.0).alias("coef"),
                    pl.lit("=").alias("sens"),
                ),
                non_derivables.select(
                    pl.format("w|{}", "wq").alias("e"), pl.col("wq").alias("qb"), pl.lit(-1.0).alias("coef"), pl.lit("=").alias("sens")
                ),
            ]
        )
    eqs = eqs.with_columns(pl.Series("mq", m[eqs["qb"].to_numpy()]))
    cles = eqs.select("e", "sens").unique(subset="e", keep="first").sort("e").with_row_index("r")
    lignes = eqs.join(cles.select("e", "r"), on="e").group_by("r", "mq").agg(pl.col("coef").sum()).filter(pl.col("coef") != 0)
    A = sp.csr_matrix(
        (lignes["coef"].to_numpy(), (lignes["r"].to_numpy().astype(np.int64), lignes["mq"].to_numpy())), shape=(cles.height, nm)
    )
    sens = cles["sens"].to_numpy()
    valeur = A @ y
    tient = np.abs(valeur) < 1e-9
    garde = (np.diff(A.indptr) > 0) & (tient | ((sens == "<=") & (valeur < 0)) | ((sens == ">=") & (valeur > 0)))
    res.relations_ecartees += int(((np.diff(A.indptr) > 0) & ~garde).sum())
    A, sens = A[garde], sens[garde]
    famille = cles["e"].str.extract(r"^([a-z]+)", 1).to_numpy()[garde]
    # an inequality stays one where the true values meet it exactly (D7's decided appeals all of
    # D6's): an outsider knows the rule, not that it is tight
    bas = np.where(sens == "<=", -np.inf, 0.0)
    haut = np.where(sens == ">=", np.inf, 0.0)
    porteurs = q.select("cid", pl.col("k").alias("lettre"), pl.Series("m", m))
    return _Systeme(
        y=y, connu=connu, sensible=sensible, borne=borne, A=A.tocsr(), bas=bas, haut=haut, cid=cid, lettre=lettre,
        porteurs=porteurs, famille=famille,
    )


# ---------------------------------------------------------------------------------------------
# The attackers


def _entrees(indptr: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the entries of the rows (CSR) or columns (CSC) ``ids``, in order, and their
    counts per row or column."""
    longueurs = np.diff(indptr)[ids]
    return np.repeat(indptr[ids] - np.cumsum(longueurs) + longueurs, longueurs) + np.arange(longueurs.sum()), longueurs


def _propager(
    A: sp.csr_matrix, bas: np.ndarray, haut: np.ndarray, lo: np.ndarray, hi: np.ndarray, inconnu: np.ndarray, tours: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Interval propagation on the unknowns: rows Σ a·x ∈ [bas, haut] with the known quantities
    already moved into the bounds. Returns valid bounds for every unknown.

    Each round recomputes only the rows a bound of the previous round changed: a row whose
    unknowns kept their bounds gives what it gave, already taken (bounds only tighten), so the
    result is that of recomputing every row every round, for a fraction of the work."""
    lo, hi = lo.copy(), hi.copy()
    idx = np.flatnonzero(inconnu)
    Au = A[:, idx].tocsr()
    Ac = Au.tocsc()
    xl, h = lo[idx], hi[idx]
    actives = np.arange(Au.shape[0])
    for _ in range(tours):
        termes, longueurs = _entrees(Au.indptr, actives)
        rows = np.repeat(np.arange(len(actives)), longueurs)
        cols, a = Au.indices[termes], Au.data[termes]
        bas_r, haut_r = bas[actives][rows], haut[actives][rows]
        n_r = len(actives)
        # contribution bounds of each term a·x
        positif = a > 0
        cmin = np.where(positif, a * xl[cols], a * h[cols])
        cmax = np.where(positif, a * h[cols], a * xl[cols])
        inf_min = ~np.isfinite(cmin)
        inf_max = ~np.isfinite(cmax)
        cmin_f = np.where(inf_min, 0.0, cmin)
        cmax_f = np.where(inf_max, 0.0, cmax)
        smin = np.bincount(rows, weights=cmin_f, minlength=n_r)
        smax = np.bincount(rows, weights=cmax_f, minlength=n_r)
        nmin = np.bincount(rows, weights=inf_min.astype(float), minlength=n_r)
        nmax = np.bincount(rows, weights=inf_max.astype(float), minlength=n_r)
        # for each term: the others' sum range, then a·x ∈ [bas − others_max, haut − others_min]
        autres_max_fini = (nmax[rows] - inf_max) == 0
        autres_min_fini = (nmin[rows] - inf_min) == 0
        ax_bas = np.where(autres_max_fini & np.isfinite(bas_r), bas_r - (smax[rows] - cmax_f), -np.inf)
        ax_haut = np.where(autres_min_fini & np.isfinite(haut_r), haut_r - (smin[rows] - cmin_f), np.inf)
        x_bas = np.where(positif, ax_bas, ax_haut) / a
        x_haut = np.where(positif, ax_haut, ax_bas) / a
        nl = xl.copy()
        nh = h.copy()
        # only NaN is replaced: nan_to_num would also turn ±inf into ±1.8e308, finite numbers
        # whose sums then cancel out and give wrong bounds
        np.maximum.at(nl, cols, np.where(np.isnan(x_bas), -np.inf, x_bas))
        np.minimum.at(nh, cols, np.where(np.isnan(x_haut), np.inf, x_haut))
        if np.allclose(nl, xl, equal_nan=True) and np.allclose(nh, h, equal_nan=True):
            break
        changees = np.flatnonzero((nl != xl) | (nh != h))
        xl, h = nl, nh
        touchees = np.zeros(Au.shape[0], dtype=bool)
        touchees[Ac.indices[_entrees(Ac.indptr, changees)[0]]] = True
        actives = np.flatnonzero(touchees)
        if not len(actives):
            break
    lo[idx], hi[idx] = xl, h
    return lo, hi


def _bornes_lignes(s: _Systeme, inconnu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds on the unknowns' part: the known quantities at their true value."""
    connu_part = s.A @ np.where(inconnu, 0.0, s.y)
    return s.bas - connu_part, s.haut - connu_part


def _lire_certificats(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    existe = con.sql(
        "select count(*) from information_schema.tables where table_schema = 'secret' and table_name in ('certificats', 'revendications')"
    ).fetchall()[0][0]
    if existe < 2:
        return None
    return con.sql("select * from secret.certificats").pl(), con.sql("select * from secret.revendications").pl()


def _verifier_certificats(
    s: _Systeme,
    cel: pl.DataFrame,
    certificats: pl.DataFrame,
    revendications: pl.DataFrame,
    inconnu: np.ndarray,
    m0: np.ndarray,
    ecart: float,
    res: ResultatAudit,
):
    """The bounds that the protection's certificates prove on this audit's own system: a
    certificate is a displacement of cells; it must move every cell of a merged quantity alike,
    move no published quantity, keep every row within its bounds and every quantity above what an
    outsider knows. Returns (proven up, proven down) per merged quantity."""
    nq = len(s.y)
    haut, bas = np.zeros(nq, dtype=bool), np.zeros(nq, dtype=bool)
    cles = ["indicateur", "type_periode", "periode", "niveau", "territoire", "dimension", "modalite"]
    cid = cel.select("cid", *cles)
    dep = certificats.join(cid, on=cles).select("cert", "cid", "lettre", "delta").join(s.porteurs, on=["cid", "lettre"])
    if dep.height == 0:
        return haut, bas
    ids, cert = np.unique(dep["cert"].to_numpy(), return_inverse=True)
    nc = len(ids)
    m = dep["m"].to_numpy()
    delta = dep["delta"].to_numpy()
    # every carrier of a merged quantity moves alike (those a certificate leaves out move by 0)
    n_porteurs = np.bincount(s.porteurs["m"].to_numpy(), minlength=nq)
    S1 = sp.csr_matrix((delta, (m, cert)), shape=(nq, nc))
    S2 = sp.csr_matrix((delta**2, (m, cert)), shape=(nq, nc)).tocoo()
    S1c = S1.tocoo()
    cnt = n_porteurs[S2.row]
    s1 = np.asarray(S1[S2.row, S2.col]).ravel()
    inegal = np.abs(cnt * S2.data - s1**2) > 1e-6 * np.maximum(1.0, s1**2)
    D = sp.csr_matrix((S1c.data / n_porteurs[S1c.row], (S1c.row, S1c.col)), shape=(nq, nc))
    Dc = D.tocoo()
    bouge = np.abs(Dc.data) > 1e-9
    R = (s.A @ D).tocoo()
    v = (s.A @ s.y)[R.row] + R.data
    hors = (v > s.haut[R.row] + TOL) | (v < s.bas[R.row] - TOL)
    motifs = {
        "cellules d'une même quantité déplacées différemment": S2.col[inegal],
        "quantité publiée déplacée": Dc.col[bouge & ~inconnu[Dc.row]],
        "quantité sous ce qu'un lecteur sait": Dc.col[bouge & (s.y[Dc.row] + Dc.data < s.borne[Dc.row] - TOL)],
    }
    familles = s.famille[R.row[hors]] if s.famille is not None else np.full(int(hors.sum()), "")
    for f in np.unique(familles):
        motifs[f"équation hors de ses bornes ({FAMILLES_EQUATIONS.get(f, f)})"] = R.col[hors][familles == f]
    invalide = np.zeros(nc, dtype=bool)
    for motif, cols in motifs.items():
        refuses = np.unique(cols)
        invalide[refuses] = True
        res.refus_certificats[motif] = len(refuses)
    res.certificats_invalides = int(invalide.sum())
    # the bounds they prove
    r = revendications.join(cid, on=cles).join(s.porteurs, on=["cid", "lettre"]).unique(subset=["cert", "m", "sens"])
    pos = np.searchsorted(ids, r["cert"].to_numpy())
    connu_id = (pos < nc) & (ids[np.minimum(pos, nc - 1)] == r["cert"].to_numpy())
    pos, mr, sens = pos[connu_id], r["m"].to_numpy()[connu_id], r["sens"].to_numpy()[connu_id]
    ok = ~invalide[pos]
    d = np.asarray(D[mr, pos]).ravel()
    y = s.y[mr]
    atteint_h = (sens > 0) & (y + d >= y + ecart - TOL)
    atteint_b = (sens < 0) & (y + d <= np.maximum(m0[mr], y - ecart) + TOL)
    haut[mr[ok & atteint_h]] = True
    bas[mr[ok & atteint_b]] = True
    return haut, bas


def _intervalles_exacts(s: _Systeme, lo_r, hi_r, cols: np.ndarray, cibles: np.ndarray, borne=None) -> dict[int, tuple]:
    """Min and max of each target under every published equation and bound: one HiGHS model per
    connected part of the unknowns (``cols``), loaded once; for each target only the objective
    changes, so each solve starts from the previous basis. ``borne``: the columns' lower bounds
    (default: what the outsider knows, ``s.borne``)."""
    A = s.A[:, cols].tocsr()
    lignes = np.flatnonzero(np.diff(A.indptr) > 0)
    A = A[lignes].tocsc()
    A.sort_indices()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cols), len(lignes)
    lp.col_cost_ = np.zeros(len(cols))
    lp.col_lower_ = np.ascontiguousarray((s.borne if borne is None else borne)[cols], dtype=np.float64)
    lp.col_upper_ = np.full(len(cols), np.inf)
    lp.row_lower_ = np.ascontiguousarray(lo_r[lignes], dtype=np.float64)
    lp.row_upper_ = np.ascontiguousarray(hi_r[lignes], dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h.passModel(lp)
    out = {}
    for j in cibles.tolist():
        k = int(np.searchsorted(cols, j))
        ix = np.array([k], dtype=np.int32)
        bornes = []
        for signe in (1.0, -1.0):  # min x_j, then min −x_j
            h.changeColsCost(1, ix, np.array([signe]))
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                bornes.append(float(h.getSolution().col_value[k]))
            else:  # unbounded (or, for a system the true values satisfy, nothing else)
                bornes.append(-np.inf if signe > 0 else np.inf)
        h.changeColsCost(1, ix, np.array([0.0]))
        out[j] = (bornes[0], bornes[1])
    return out


#: beyond this many quantities, a part of the structure is not solved for one quantity's least
#: value (the propagated one, lower, stands: the audit errs towards a violation)
TAILLE_STRUCTURE = 200_000


def _minimums_structurels(s: _Systeme, lo_s, hi_s, borne, cibles: np.ndarray) -> dict[int, float]:
    """Least value of each target with every quantity hidden (what the structure alone tells), by
    one LP per connected part of the whole system holding targets."""
    nl = s.A.shape[0]
    # rows and columns as one graph: linear in the entries (A.T @ A would square dense rows)
    G = sp.bmat([[None, s.A], [s.A.T, None]], format="csr")
    _, comp = connected_components(G, directed=False)
    comp = comp[nl:]
    out = {}
    for k in np.unique(comp[cibles]).tolist():
        cols = np.flatnonzero(comp == k)
        if len(cols) > TAILLE_STRUCTURE:
            continue
        for j, (b, _) in _intervalles_exacts(s, lo_s, hi_s, cols, cibles[comp[cibles] == k], borne).items():
            out[j] = b
    return out


def _points_voisins(s: _Systeme, lo_r, hi_r, inconnu: np.ndarray, cibles: list[tuple[int, float, float]], taille: int) -> list[bool]:
    """For each (quantity, direction, value to reach): is there a point of the outsider's set
    where the quantity reaches it, found among its neighbours? The unknowns reached from it
    through shared equations (breadth first, at most ``taille``) move; every other unknown stays
    at its true value, which only narrows the set: a point found is a point of the whole set (a
    proof), a point not found proves nothing (the whole part's LP decides)."""
    A = s.A.tocsr()
    Ac = s.A.tocsc()
    y_inconnu = np.where(inconnu, s.y, 0.0)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    out = []
    for j, sens, cible in cibles:
        vus = np.zeros(len(s.y), dtype=bool)
        vus[j] = True
        front, n = np.array([j]), 1
        while len(front) and n < taille:
            lignes = np.unique(Ac[:, front].indices)
            nouvelles = np.unique(A[lignes].indices)
            nouvelles = nouvelles[inconnu[nouvelles] & ~vus[nouvelles]][: taille - n]
            vus[nouvelles] = True
            n += len(nouvelles)
            front = nouvelles
        cols = np.flatnonzero(vus)
        sous = Ac[:, cols]
        lignes = np.unique(sous.indices)
        bloc = sous.tocsr()[lignes].tocsc()
        bloc.sort_indices()
        # the other unknowns at their true value
        reste = A[lignes] @ y_inconnu - bloc @ s.y[cols]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(cols), len(lignes)
        k = int(np.searchsorted(cols, j))
        cout = np.zeros(len(cols))
        cout[k] = -sens  # maximise the quantity in its direction
        lp.col_cost_ = cout
        lp.col_lower_ = np.ascontiguousarray(s.borne[cols], dtype=np.float64)
        lp.col_upper_ = np.full(len(cols), np.inf)
        lp.row_lower_ = np.ascontiguousarray(lo_r[lignes] - reste, dtype=np.float64)
        lp.row_upper_ = np.ascontiguousarray(hi_r[lignes] - reste, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = bloc.indptr, bloc.indices, bloc.data
        h.clearModel()
        h.passModel(lp)
        h.run()
        statut = h.getModelStatus()
        if statut == highspy.HighsModelStatus.kUnbounded:
            out.append(sens > 0)
        elif statut == highspy.HighsModelStatus.kOptimal:
            out.append(sens * (h.getSolution().col_value[k] - cible) >= -TOL)
        else:
            out.append(False)
    return out


def auditer(
    con: duckdb.DuckDBPyConnection,
    seuil: int,
    ecart: int = 3,
    hierarchie: pl.DataFrame | None = None,
    exact: bool = False,
    zeros_masques: bool | None = None,
    taille_lp: int = 2000,
) -> ResultatAudit:
    """Audit ``publication.indicateurs`` against ``marts.indicateurs`` on an open connection.

    ``exact``: also solve two LPs per primary-secret quantity (small systems: tests); otherwise
    only for the bounds no certificate proves, in parts of at most ``taille_lp`` unknowns.
    ``zeros_masques``: whether the method that produced the view may hide zero counts (read from
    ``publication.methode_secret`` when None). When it never does, an outsider knows that a hidden
    count is at least 1, and the audit gives him that knowledge."""
    t0 = time.perf_counter()
    res = ResultatAudit(methode="exact" if exact else "propagation")  # + certificates, small LPs
    cel = _cellules(con)
    if cel.height == 0:
        return res
    if hierarchie is None:
        hierarchie = con.sql(
            "select code_agence, code_bassin, code_departement, code_region from intermediate.int_territoires__agences"
        ).pl()
    prim, prim_d = _primaire(cel, seuil)
    # the rule protects the cells of the published tables: an unpublished table is hidden whole,
    # its cells are unknowns, not audited; a table hidden only in part is not excused
    table = ["indicateur", "dimension", "niveau", "type_periode"]
    tables = cel.group_by(table).agg(
        pl.col("non_diffuse").any().alias("_une"), (pl.col("non_diffuse") & pl.col("secret")).all().alias("_toutes")
    )
    res.tables_non_diffusees = int(tables.filter(pl.col("_toutes")).height)
    for t in tables.filter(pl.col("_une") & ~pl.col("_toutes")).sort(table).to_dicts():
        res.violations.append({**{k: t[k] for k in table}, "periode": None, "territoire": None, "modalite": None, "quantite": None,
                               "valeur": None, "min": None, "max": None, "raison": "tableau non diffusé en partie"})
    excuse = cel.select(table).join(tables.filter("_toutes").select(*table, "_toutes"), on=table, how="left",
                                    maintain_order="left").get_column("_toutes").fill_null(False).to_numpy()
    res.non_diffusees = int(excuse.sum())
    prim, prim_d = prim & ~excuse, prim_d & ~excuse
    cel = cel.with_columns(pl.Series("prim", prim), pl.Series("prim_d", prim_d))
    a = duckdb.connect()  # the audit's own scratch database: nothing is written to the warehouse
    try:
        a.register("cel", cel.to_arrow())
        a.register(
            "hier",
            hierarchie.select(
                *(pl.col(c).cast(pl.String) for c in ("code_agence", "code_bassin", "code_departement", "code_region"))
            ).to_arrow(),
        )
        s = _systeme(a, cel, res)
    finally:
        a.close()
    if zeros_masques is None:
        zeros_masques = _zeros_masques(con)
    borne_structure = s.borne.copy()
    inconnu = ~s.connu
    if not zeros_masques:
        # what an outsider is given must be true: a view that hides zeros all the same does not
        # tell him that a hidden count is at least 1
        res.zeros_caches_inattendus = int((inconnu & (s.lettre == "v") & (s.y < 1 - TOL)).sum())
        if not res.zeros_caches_inattendus:
            s.borne = np.where(s.lettre == "v", 1.0, s.borne)
    res.inconnues = int(inconnu.sum())
    res.quantites_auditees = int(s.sensible.sum())
    # what the structure alone tells: every value hidden
    tout = np.ones(len(s.y), dtype=bool)
    lo_s, hi_s = _bornes_lignes(s, tout)
    # the structure's known bounds (borne: 1 for the population of a cell that exists, whichever
    # letter the merged quantity is named by), without the knowledge that hidden counts are ≥ 1
    m0, _ = _propager(s.A, lo_s, hi_s, borne_structure, np.full(len(s.y), np.inf), tout)
    # what the published view tells
    lo_r, hi_r = _bornes_lignes(s, inconnu)
    lo0 = np.where(inconnu, s.borne, s.y)
    hi0 = np.where(inconnu, np.inf, s.y)
    lo, hi = _propager(s.A, lo_r, hi_r, lo0, hi0, inconnu)
    # bounds proven: by the protection's certificates checked here; by an exact LP below; and for a
    # quantity in no equation, by propagation itself (its interval is exact)
    prouve_h = np.zeros(len(s.y), dtype=bool)
    prouve_b = np.zeros(len(s.y), dtype=bool)
    preuves = _lire_certificats(con)
    if preuves is not None:
        prouve_h, prouve_b = _verifier_certificats(s, cel, *preuves, inconnu, m0, ecart, res)
        res.prouvees_certificats = int((prouve_h & s.sensible).sum() + (prouve_b & s.sensible).sum())
    seule = np.diff(s.A.tocsc().indptr) == 0
    prouve_h |= seule
    prouve_b |= seule
    # the true values are a point of the outsider's set: they prove a lower end the value already
    # reaches (a value at what the structure alone tells)
    prouve_b |= s.y <= np.maximum(m0, s.y - ecart) + TOL
    # exact LPs: every remaining bound (exact=True), else those of the parts of modest size
    n_u = int(inconnu.sum())
    G = s.A[:, np.flatnonzero(inconnu)]
    Gr = (G.T @ G).tocsr() if G.shape[0] else sp.csr_matrix((n_u, n_u))
    _, comp_u = connected_components(Gr, directed=False)
    comp = np.full(len(s.y), -1)
    comp[np.flatnonzero(inconnu)] = comp_u
    ordre = np.argsort(comp, kind="stable")
    ordre = ordre[comp[ordre] >= 0]
    coupures = np.flatnonzero(np.diff(comp[ordre])) + 1
    parts = {int(comp[p[0]]): np.sort(p) for p in np.split(ordre, coupures) if len(p)}
    # what propagation already finds too narrow is a violation (the exact interval lies
    # inside); the others get their two LPs, part by part
    n_ = s.y
    deja = (hi < n_ + ecart - TOL) | (lo > np.maximum(m0, n_ - ecart) + TOL)
    cibles = np.flatnonzero(s.sensible & inconnu & ~deja & ~(prouve_h & prouve_b))
    if not exact:
        # in parts too large for an exact LP per target: a point among the target's neighbours
        grandes = np.array([len(parts[k]) > taille_lp for k in comp[cibles].tolist()], dtype=bool)
        demandes = [(int(j), 1.0, float(n_[j] + ecart)) for j in cibles[grandes] if not prouve_h[j]]
        demandes += [(int(j), -1.0, float(max(m0[j], n_[j] - ecart))) for j in cibles[grandes] if not prouve_b[j]]
        for (j, sens, _), ok in zip(demandes, _points_voisins(s, lo_r, hi_r, inconnu, demandes, taille_lp)):
            res.lp_voisinage += 1
            if ok:
                (prouve_h if sens > 0 else prouve_b)[j] = True
    for k in np.unique(comp[cibles]).tolist():
        if not exact and len(parts[k]) > taille_lp:
            continue
        for j, (a_, b_) in _intervalles_exacts(s, lo_r, hi_r, parts[k], cibles[comp[cibles] == k]).items():
            lo[j], hi[j] = max(lo[j], a_), min(hi[j], b_)
            prouve_h[j] = prouve_b[j] = True  # the exact interval: the rule is checked on it below
            res.lp_exacts += 2
    # a lower end above max(m0, n − écart): m0, propagated, may be below what the structure alone
    # tells (a national quarter whose every agency-month cell exists, pinned through several
    # levels at once); the rule asks for no less than that, so those few get it exactly, by LP on
    # the structure alone (every quantity hidden) in their connected part
    trop_hauts = np.flatnonzero(s.sensible & inconnu & (lo > np.maximum(m0, s.y - ecart) + TOL))
    if len(trop_hauts):
        m0 = m0.copy()
        for j, b in _minimums_structurels(s, lo_s, hi_s, borne_structure, trop_hauts).items():
            m0[j] = max(m0[j], b)
        prouve_b |= s.y <= np.maximum(m0, s.y - ecart) + TOL  # as above: the true value is a point
    cel_rows = cel.select("indicateur", "type_periode", "periode", "niveau", "territoire", "dimension", "modalite")
    plus_etroit = None
    for j in np.flatnonzero(s.sensible).tolist():
        n = s.y[j]
        bas_requis = max(m0[j], n - ecart)
        v_lo, v_hi = (n, n) if s.connu[j] else (lo[j], hi[j])
        raison = None
        if s.connu[j]:
            raison = "publiée (par une autre cellule qui porte la même quantité)"
        elif v_hi < n + ecart - TOL:
            raison = "majorant trop proche"
        elif v_lo > bas_requis + TOL:
            raison = "minorant trop proche"
        largeur = v_hi - v_lo
        if plus_etroit is None or largeur < plus_etroit[0]:
            plus_etroit = (largeur, j, v_lo, v_hi, bool(m0[j] > n - ecart + TOL and v_lo <= m0[j] + TOL))
        if raison:
            res.violations.append(_ligne(cel_rows, s, j, v_lo, v_hi, raison))
        elif not s.connu[j]:
            res.non_prouvees += int(not prouve_h[j]) + int(not prouve_b[j])
    if plus_etroit is not None:
        _, j, v_lo, v_hi, structurel = plus_etroit
        # its lower end is what the tables' structure alone imposes (known whatever is published)
        res.plus_etroit = _ligne(cel_rows, s, j, v_lo, v_hi, "") | {"minimum_structurel": structurel}
    res.duree = time.perf_counter() - t0
    return res


def _methode_secret(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """(zeros_masques, seuil) of ``publication.methode_secret``; None for a view published before it."""
    existe = con.sql(
        "select count(*) from information_schema.tables where table_schema = 'publication' and table_name = 'methode_secret'"
    ).fetchall()[0][0]
    return con.sql("select zeros_masques, seuil from publication.methode_secret").fetchall()[0] if existe else None


def seuil_publie(con: duckdb.DuckDBPyConnection) -> int | None:
    """The threshold the published view was protected with."""
    m = _methode_secret(con)
    return None if m is None else int(m[1])


def _zeros_masques(con: duckdb.DuckDBPyConnection) -> bool:
    m = _methode_secret(con)
    return False if m is None else bool(m[0])


def _ligne(cel_rows: pl.DataFrame, s: _Systeme, j: int, v_lo: float, v_hi: float, raison: str) -> dict:
    r = cel_rows.row(int(s.cid[j]), named=True)
    return {
        **{k: (str(v) if k == "periode" else v) for k, v in r.items()},
        "quantite": str(s.lettre[j]),
        "valeur": float(s.y[j]),
        "min": float(v_lo),
        "max": float(v_hi),
        "raison": raison,
    }
