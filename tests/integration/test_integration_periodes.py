"""Cells of several months on a real build (the session's demo warehouse, 14 months and the month
of the arrêté): quarters and 12-month totals are the sums of their months, medians pooled over
their members keep the monthly sums as numerator and denominator, stocks have none."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.core.settings import Settings
from pipelines.secret.relations import DENOMINATEUR_ENSEMBLE
from pipelines.secret.relations import STOCKS as STOCKS_RELATIONS

pytestmark = pytest.mark.slow

#: The stocks and ratios of a stock, as the outsider's relations list them (one list in the project).
STOCKS = tuple(sorted(STOCKS_RELATIONS))
#: Shares of the whole population with cells of several months (F7, a stock's, has none).
PARTS = sorted(DENOMINATEUR_ENSEMBLE - STOCKS_RELATIONS)

#: Every (period of several months, month) of the calendar: complete periods only, named by their last month.
PERIODES = """
    calendrier as (select periode, mois_provisoire from intermediate.int_mois__calendrier),
    fins as (
        select 'trimestre' as type_periode, 3 as n, periode from calendrier where month(periode) % 3 = 0
        union all
        select 'cumul_12_mois', 12, periode from calendrier
    ),
    periodes as (
        select fins.type_periode, fins.periode, c.periode as mois, c.mois_provisoire
        from fins join calendrier c
          on c.periode between fins.periode - to_months(fins.n - 1) and fins.periode
        where fins.periode - to_months(fins.n - 1) >= (select min(periode) from calendrier)
    ),
    mensuelles as (select * from marts.indicateurs where type_periode = 'mois')"""


def interne(warehouse: Path) -> Path:
    """The internal warehouse (the build's work copy): raw layer, quarantine and models live there."""
    return Settings.from_env(warehouse=warehouse).work_warehouse


def query(warehouse: Path, sql: str, params=None):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_types_de_periode_et_periodes_completes(entrepot_demo):
    types = dict(query(entrepot_demo, "select type_periode, count(*) from marts.indicateurs group by 1"))
    assert set(types) == {"mois", "trimestre", "cumul_12_mois"}
    attendues = query(interne(entrepot_demo), f"with {PERIODES} select distinct type_periode, periode from periodes order by all")
    obtenues = query(entrepot_demo, "select distinct type_periode, periode from marts.indicateurs "
                                    "where type_periode <> 'mois' order by all")
    assert obtenues == attendues
    assert query(entrepot_demo, "select count(*) from marts.indicateurs where type_periode <> 'mois' "
                                "and indicateur in (select unnest(?::varchar[]))", [list(STOCKS)]) == [(0,)]
    # every other indicator has cells of several months
    sans = query(entrepot_demo, """select distinct indicateur from marts.indicateurs
        where indicateur not in (select indicateur from marts.indicateurs where type_periode = 'trimestre')
          and not list_contains(?, indicateur)""", [list(STOCKS)])
    assert sans == []


def test_sommes_des_mois_et_medianes_des_membres_reunis(entrepot_demo):
    """Each cell of several months against the sum of its monthly cells: the same set of cells
    (a cell exists when one of its months has it; a ratio of null denominator is absent);
    numerator and denominator are the sums (counts, ratios and medians alike), a count's value
    too, a ratio's value their quotient; provisional when a month of the period is."""
    ecarts = query(interne(entrepot_demo), f"""
        with {PERIODES},
        sommes as (
            select m.indicateur, p.type_periode, p.periode, m.niveau, m.territoire, m.dimension, m.modalite,
                   any_value(m.unite) as unite, sum(m.numerateur) as num, sum(m.denominateur) as den,
                   sum(m.valeur) as val
            from mensuelles m join periodes p on p.mois = m.periode
            where not list_contains(?, m.indicateur)
            group by all
        ),
        -- a share of the whole population (B5): a modality's denominator is the ensemble's,
        -- checked below, not the sum of the months where the modality has a cell
        attendues as (select * from sommes where (unite not in ('taux', 'ratio') or den > 0)
                      and not (list_contains(?, indicateur) and dimension <> 'ensemble')),
        obtenues as (select * from marts.indicateurs where type_periode <> 'mois'
                     and not (list_contains(?, indicateur) and dimension <> 'ensemble'))
        select coalesce(a.indicateur, o.indicateur), coalesce(a.type_periode, o.type_periode),
               coalesce(a.periode, o.periode), a.num, o.numerateur, a.den, o.denominateur, a.val, o.valeur
        from attendues a full join obtenues o
          on o.indicateur = a.indicateur and o.type_periode = a.type_periode and o.periode = a.periode
         and o.niveau = a.niveau and o.territoire = a.territoire and o.dimension = a.dimension
         and o.modalite = a.modalite
        where a.indicateur is null or o.indicateur is null
           or abs(a.num - o.numerateur) > 1e-6
           or coalesce(abs(a.den - o.denominateur), 0) > 1e-6 or (a.den is null) <> (o.denominateur is null)
           or (a.unite = 'nombre' and abs(a.val - o.valeur) > 1e-6)
           or (a.unite in ('taux', 'ratio') and abs(a.num / a.den - o.valeur) > 1e-9)
        limit 20""", [list(STOCKS), PARTS, PARTS])
    assert ecarts == []
    parts = query(interne(entrepot_demo), """
        select count(*), count(*) filter (where m.denominateur <> e.denominateur
                                          or abs(m.valeur - m.numerateur / e.denominateur) > 1e-9)
        from marts.indicateurs m join marts.indicateurs e
          on e.indicateur = m.indicateur and e.type_periode = m.type_periode and e.periode = m.periode
         and e.niveau = m.niveau and e.territoire = m.territoire and e.dimension = 'ensemble'
        where m.type_periode <> 'mois' and list_contains(?, m.indicateur) and m.dimension <> 'ensemble'""",
                  [PARTS])
    assert parts[0][0] > 0 and parts[0][1] == 0, parts
    # provisional when one of its months is, for the indicator
    non_provisoires = query(interne(entrepot_demo), f"""
        with {PERIODES},
        mois_provisoires as (
            select indicateur, periode from mensuelles group by all having bool_or(provisoire)
        )
        select o.indicateur, o.type_periode, o.periode
        from marts.indicateurs o
        join periodes p on p.type_periode = o.type_periode and p.periode = o.periode
        left join mois_provisoires mp on mp.indicateur = o.indicateur and mp.periode = p.mois
        where o.type_periode <> 'mois'
        group by all
        having bool_or(o.provisoire) <> bool_or(p.mois_provisoire or mp.indicateur is not null)
        limit 20""")
    assert non_provisoires == []
    # the medians are not sums: at least one pooled median differs from the mean of its months'
    (differentes,) = query(interne(entrepot_demo), f"""
        with {PERIODES},
        moyennes as (
            select m.indicateur, p.type_periode, p.periode, m.niveau, m.territoire, m.dimension, m.modalite,
                   avg(m.valeur) as moyenne
            from mensuelles m join periodes p on p.mois = m.periode
            where m.unite = 'jours' group by all
        )
        select count(*) from marts.indicateurs o join moyennes using
            (indicateur, type_periode, periode, niveau, territoire, dimension, modalite)
        where o.valeur is not null and moyennes.moyenne is not null and o.valeur <> moyennes.moyenne""")[0]
    assert differentes > 0
