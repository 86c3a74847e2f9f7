"""Utility of the published view: how much the statistical secret hides (issue 10, « mesurer le
résultat »).

Two figures, both read from ``publication.indicateurs`` (never from the internal table):

- the share of secret **monthly** cells (``type_periode = 'mois'``), by level and by family
  (A…E, :func:`pipelines.indicateurs.famille`), and by level overall (``famille = 'ensemble'``);
- the visibility of the **committees'** perimeters (every département and every bassin present in
  the view) on the latest complete 12-month period (the latest ``periode`` with
  ``cumul_12_mois`` cells ending a quarter whose registrants' stock is definitive, see
  ``relations.INDICATEUR_MOIS_COMPLET``): per territory, the share of its indicators (distinct ``indicateur``
  with a ``dimension = 'ensemble'`` cell of that territory and period) whose cell is not secret;
  per level, the median and minimum shares, the share of perimeters at ``CIBLE_VISIBILITE`` or
  more, and the share of all the level's 12-month ``ensemble`` cells that are visible (the
  issue's target for départements: ≥ 90 %).

Two small aggregate queries (a few hundred rows come back) then Polars: cheap enough for
``socle qualite`` to print every time. The same SQL runs in the dashboards through their cached
reader (:func:`sql_comptes_mensuels`, :func:`sql_visibilite_12_mois`, then :func:`depuis_comptes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import duckdb
import polars as pl

from pipelines.core import formats as fmt
from pipelines.core.indicateurs import famille
from pipelines.secret.relations import INDICATEUR_MOIS_COMPLET

TABLE_PUBLIEE = "publication.indicateurs"
#: Levels in display order; the committees' perimeters are départements and bassins.
NIVEAUX = ("NATIONAL", "REGION", "DEPARTEMENT", "BASSIN", "AGENCE")
NIVEAUX_COMITES = ("DEPARTEMENT", "BASSIN")
#: Family of a level's overall row (as the contract's ``dimension = 'ensemble'`` total).
ENSEMBLE = "ensemble"
#: Family of an indicator code outside the contract.
HORS_CONTRAT = "hors contrat"
#: Share of visible indicators a committee's perimeter should reach (issue 10).
CIBLE_VISIBILITE = 0.9
LIBELLES_COMITES = {"DEPARTEMENT": "Départements", "BASSIN": "Bassins d'emploi"}
_CIBLE = Fraction(CIBLE_VISIBILITE).limit_denominator(1000)


def atteint_cible(visibles, indicateurs):
    """``visibles / indicateurs >= CIBLE_VISIBILITE`` on integers (no float rounding at 90 %);
    works on ints and on Polars expressions. No indicator never reaches it."""
    return (indicateurs > 0) & (visibles * _CIBLE.denominator >= indicateurs * _CIBLE.numerator)


def sql_comptes_mensuels(table: str = TABLE_PUBLIEE) -> str:
    """Monthly cells and secret ones per (niveau, indicateur)."""
    return f"""
        select niveau, indicateur, count(*) as cellules,
               count(*) filter (where coalesce(secret, false)) as secretes
        from {table} where type_periode = 'mois'
        group by niveau, indicateur
    """


def sql_visibilite_12_mois(table: str = TABLE_PUBLIEE) -> str:
    """Per département and bassin present in the view (any cell): the latest 12-month period,
    the indicators with an ``ensemble`` cell on it and how many are not secret (an indicator is
    visible when none of its ``ensemble`` cells is secret)."""
    comites = ", ".join(f"'{n}'" for n in NIVEAUX_COMITES)
    return f"""
        with definitifs as (
            select periode from {table} where indicateur = '{INDICATEUR_MOIS_COMPLET}' and type_periode = 'mois'
            group by periode having not bool_or(coalesce(provisoire, false))
        ),
        douze as (select distinct periode from {table} where type_periode = 'cumul_12_mois'),
        derniere as (
            -- the latest complete 12-month period (relations.INDICATEUR_MOIS_COMPLET): ending on
            -- a quarter's last month if one is definitive, else on the latest definitive month
            select coalesce(
                (select max(periode) from douze where periode in (select periode from definitifs)
                                                     and month(periode) % 3 = 0),
                (select max(periode) from douze where periode in (select periode from definitifs)),
                (select max(periode) from douze)) as periode
        ),
        presents as (select distinct niveau, territoire from {table} where niveau in ({comites})),
        indicateurs as (
            select niveau, territoire, indicateur, bool_and(not coalesce(secret, false)) as visible
            from {table}
            where type_periode = 'cumul_12_mois' and dimension = 'ensemble' and niveau in ({comites})
              and periode = (select periode from derniere)
            group by niveau, territoire, indicateur
        )
        select p.niveau, p.territoire, (select periode from derniere) as periode,
               count(i.indicateur) as indicateurs,
               count(i.indicateur) filter (where i.visible) as visibles
        from presents p
        left join indicateurs i on i.niveau = p.niveau and i.territoire = p.territoire
        group by p.niveau, p.territoire
    """


def _ordre_niveau() -> pl.Expr:
    return pl.col("niveau").replace_strict(
        {n: i for i, n in enumerate(NIVEAUX)}, default=len(NIVEAUX), return_dtype=pl.Int32
    )


def calculer_part_secret(comptes: pl.DataFrame) -> pl.DataFrame:
    """From :func:`sql_comptes_mensuels`'s rows: ``niveau, famille, cellules, secretes,
    part_secret``, one row per level and family plus the level's overall row
    (``famille = 'ensemble'``, first), levels in ``NIVEAUX`` order."""
    schema = {"niveau": pl.String, "famille": pl.String, "cellules": pl.Int64, "secretes": pl.Int64,
              "part_secret": pl.Float64}
    if comptes.height == 0:
        return pl.DataFrame(schema=schema)
    codes = comptes.get_column("indicateur").unique().to_list()
    familles = {c: famille(c) or HORS_CONTRAT for c in codes}
    c = comptes.with_columns(
        pl.col("indicateur").replace_strict(familles, return_dtype=pl.String).alias("famille"),
        pl.col("cellules").cast(pl.Int64), pl.col("secretes").cast(pl.Int64),
    )
    somme = [pl.col("cellules").sum(), pl.col("secretes").sum()]
    par_famille = c.group_by("niveau", "famille").agg(*somme)
    ensemble = c.group_by("niveau").agg(*somme).with_columns(pl.lit(ENSEMBLE).alias("famille"))
    return (
        pl.concat([ensemble.select(list(schema)[:4]), par_famille.select(list(schema)[:4])])
        .with_columns((pl.col("secretes") / pl.col("cellules")).alias("part_secret"))
        .sort(_ordre_niveau(), "niveau", pl.col("famille") != ENSEMBLE, "famille")
        .select(list(schema))
    )


@dataclass(frozen=True)
class VisibiliteComites:
    """Committees' visibility on the latest 12-month period (``periode`` None: no such cell)."""

    periode: date | None
    #: ``niveau, territoire, indicateurs, visibles, part_visible`` (null share: no indicator)
    perimetres: pl.DataFrame
    #: per level: ``niveau, perimetres, sans_indicateur, mediane, minimum, au_moins_cible,
    #: part_au_moins_cible, indicateurs, visibles, part_visible``
    synthese: pl.DataFrame

    def niveau(self, niveau: str) -> dict | None:
        lignes = self.synthese.filter(pl.col("niveau") == niveau)
        return lignes.row(0, named=True) if lignes.height else None

    @property
    def part_departements(self) -> float | None:
        """Share of the départements' 12-month ``ensemble`` indicator cells that are visible."""
        ligne = self.niveau("DEPARTEMENT")
        return None if ligne is None else ligne["part_visible"]


_SCHEMA_PERIMETRES = {"niveau": pl.String, "territoire": pl.String, "indicateurs": pl.Int64,
                      "visibles": pl.Int64, "part_visible": pl.Float64}
_SCHEMA_SYNTHESE = {
    "niveau": pl.String, "perimetres": pl.Int64, "sans_indicateur": pl.Int64, "mediane": pl.Float64,
    "minimum": pl.Float64, "au_moins_cible": pl.Int64, "part_au_moins_cible": pl.Float64,
    "indicateurs": pl.Int64, "visibles": pl.Int64, "part_visible": pl.Float64,
}


def calculer_visibilite(comptes: pl.DataFrame) -> VisibiliteComites:
    """From :func:`sql_visibilite_12_mois`'s rows. A perimeter without any 12-month ``ensemble``
    cell has no share (null): it is left out of the median and minimum but counts, as not
    reaching the target, in ``part_au_moins_cible`` (its committee sees nothing on 12 months)."""
    periodes = comptes.get_column("periode").drop_nulls() if comptes.height else pl.Series([], dtype=pl.Date)
    periode = periodes[0] if len(periodes) else None
    if comptes.height == 0 or periode is None:
        return VisibiliteComites(periode, pl.DataFrame(schema=_SCHEMA_PERIMETRES), pl.DataFrame(schema=_SCHEMA_SYNTHESE))
    perimetres = (
        comptes.select(
            "niveau", "territoire", pl.col("indicateurs").cast(pl.Int64), pl.col("visibles").cast(pl.Int64)
        )
        .with_columns(
            pl.when(pl.col("indicateurs") > 0).then(pl.col("visibles") / pl.col("indicateurs")).alias("part_visible")
        )
        .sort(_ordre_niveau(), "territoire")
    )
    atteint = atteint_cible(pl.col("visibles"), pl.col("indicateurs"))
    synthese = (
        perimetres.group_by("niveau")
        .agg(
            pl.len().cast(pl.Int64).alias("perimetres"),
            (pl.col("indicateurs") == 0).sum().cast(pl.Int64).alias("sans_indicateur"),
            pl.col("part_visible").median().alias("mediane"),
            pl.col("part_visible").min().alias("minimum"),
            atteint.sum().cast(pl.Int64).alias("au_moins_cible"),
            pl.col("indicateurs").sum().alias("indicateurs"),
            pl.col("visibles").sum().alias("visibles"),
        )
        .with_columns(
            (pl.col("au_moins_cible") / pl.col("perimetres")).alias("part_au_moins_cible"),
            pl.when(pl.col("indicateurs") > 0).then(pl.col("visibles") / pl.col("indicateurs")).alias("part_visible"),
        )
        .sort(_ordre_niveau())
        .select(list(_SCHEMA_SYNTHESE))
    )
    return VisibiliteComites(periode, perimetres.select(list(_SCHEMA_PERIMETRES)), synthese)


@dataclass(frozen=True)
class Utilite:
    """Both figures of the published view."""

    #: :func:`calculer_part_secret`
    part_secret: pl.DataFrame
    comites: VisibiliteComites

    @property
    def vide(self) -> bool:
        return self.part_secret.height == 0 and self.comites.perimetres.height == 0

    def total(self) -> tuple[int, int]:
        """(monthly cells, secret ones) over every level."""
        e = self.part_secret.filter(pl.col("famille") == ENSEMBLE)
        return int(e["cellules"].sum()), int(e["secretes"].sum())


def depuis_comptes(comptes_mensuels: pl.DataFrame, visibilite: pl.DataFrame) -> Utilite:
    """:class:`Utilite` from the rows of the two queries (how the dashboards use it)."""
    return Utilite(calculer_part_secret(comptes_mensuels), calculer_visibilite(visibilite))


def _requetes(source: duckdb.DuckDBPyConnection | pl.DataFrame, table: str, *sqls) -> list[pl.DataFrame]:
    """Run the queries on a connection, or on a Polars frame of the published view."""
    if isinstance(source, pl.DataFrame):
        con = duckdb.connect()
        try:
            con.register("vue_publiee", source.to_arrow())
            return [con.sql(sql("vue_publiee")).pl() for sql in sqls]
        finally:
            con.close()
    return [source.sql(sql(table)).pl() for sql in sqls]


def part_secret(source: duckdb.DuckDBPyConnection | pl.DataFrame, table: str = TABLE_PUBLIEE) -> pl.DataFrame:
    """Share of secret monthly cells by level and family (see :func:`calculer_part_secret`)."""
    (comptes,) = _requetes(source, table, sql_comptes_mensuels)
    return calculer_part_secret(comptes)


def visibilite_comites(source: duckdb.DuckDBPyConnection | pl.DataFrame, table: str = TABLE_PUBLIEE) -> VisibiliteComites:
    """Committees' visibility on the latest 12-month period (see :func:`calculer_visibilite`)."""
    (comptes,) = _requetes(source, table, sql_visibilite_12_mois)
    return calculer_visibilite(comptes)


def mesurer(source: duckdb.DuckDBPyConnection | pl.DataFrame, table: str = TABLE_PUBLIEE) -> Utilite:
    """Both figures, on an open connection (``table``, default the published view) or a frame."""
    comptes, visibilite = _requetes(source, table, sql_comptes_mensuels, sql_visibilite_12_mois)
    return depuis_comptes(comptes, visibilite)


# ---------------------------------------------------------------------------------------------
# French summary (CLI, benchmark)


def pourcentage(part: float | None) -> str:
    """``0.523`` → ``52,3 %`` (no-break space, as everywhere in the project); None → « – »."""
    return fmt.format_taux(part, 1)


def _sur(n: int, total: int) -> str:
    return f"{fmt.format_nombre(n)} sur {fmt.format_nombre(total)}"


def resume_utilite(u: Utilite) -> str:
    """Several French lines: secret monthly cells by level (and family), the committees'
    visibility on 12 months, the départements' figure against the target."""
    lignes = ["Utilité de la vue publiée (secret statistique) :"]
    if u.vide:
        lignes.append("  Vue publiée vide : aucune cellule à mesurer.")
        return "\n".join(lignes)
    cellules, secretes = u.total()
    if cellules:
        lignes.append(f"  Cellules mensuelles secrètes : {pourcentage(secretes / cellules)} ({_sur(secretes, cellules)}).")
        for (niveau,), g in u.part_secret.group_by("niveau", maintain_order=True):
            e = g.filter(pl.col("famille") == ENSEMBLE).row(0, named=True)
            familles = " · ".join(
                f"{r['famille']} {pourcentage(r['part_secret'])}" for r in g.filter(pl.col("famille") != ENSEMBLE).to_dicts()
            )
            lignes.append(f"    {fmt.LIBELLES_NIVEAUX.get(niveau, niveau)} : {pourcentage(e['part_secret'])} "
                          f"({_sur(e['secretes'], e['cellules'])}) — familles {familles}")
    else:
        lignes.append("  Aucune cellule mensuelle dans la vue publiée.")
    v = u.comites
    if v.periode is None:
        lignes.append("  Aucune cellule cumul 12 mois dans la vue publiée : visibilité des comités sur 12 mois non mesurée.")
        return "\n".join(lignes)
    lignes.append(f"  Comités, cumul 12 mois se terminant en {fmt.format_mois_long(v.periode)} : part des indicateurs "
                  "visibles par périmètre (cellule « ensemble » non secrète) :")
    for r in v.synthese.to_dicts():
        sans = f", {fmt.format_nombre(r['sans_indicateur'])} sans cellule sur 12 mois" if r["sans_indicateur"] else ""
        lignes.append(
            f"    {LIBELLES_COMITES.get(r['niveau'], r['niveau'])} ({fmt.format_nombre(r['perimetres'])}{sans}) : "
            f"médiane {pourcentage(r['mediane'])}, minimum {pourcentage(r['minimum'])} ; "
            f"{_sur(r['au_moins_cible'], r['perimetres'])} à {fmt.format_taux(CIBLE_VISIBILITE, 0)} ou plus "
            f"({pourcentage(r['part_au_moins_cible'])})."
        )
    dep = v.niveau("DEPARTEMENT")
    if dep is None or not dep["indicateurs"]:
        lignes.append("  Aucun indicateur départemental sur 12 mois dans la vue publiée.")
    else:
        atteinte = "atteinte" if atteint_cible(dep["visibles"], dep["indicateurs"]) else "non atteinte"
        lignes.append(
            f"  Indicateurs départementaux sur 12 mois visibles : {pourcentage(dep['part_visible'])} "
            f"({_sur(dep['visibles'], dep['indicateurs'])}) — cible {fmt.format_taux(CIBLE_VISIBILITE, 0)} : {atteinte}."
        )
    return "\n".join(lignes)
