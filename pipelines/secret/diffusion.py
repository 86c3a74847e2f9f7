"""The publication plan: which tables are published at all, before any cell is suppressed.

Table redesign comes first in disclosure control (ESSnet/Eurostat handbook): a table whose cells
are mostly small counts is not published as a grid of « s » — it is not published. A *table* is
one indicator, one breakdown (``dimension``), one territorial level and one period type: for
instance the age breakdown of entries, by agency, by month. It is *not published* (``non
diffusé``) when more than ``part`` of its non-zero cells are primary-secret, over every territory
of its level: the decision is the same for every agency (or bassin, département…), so that no cell of an
unpublished table is the difference of published ones within its own level. Its committees read
it one level up, or on a longer period (quarters, 12 months), which are tables of their own;
but a 12-month table is published only with its monthly table.

The cells of an unpublished table stay in the published view, hidden (``motif_secret`` =
``non_diffuse``), and in the outsider's system as unknowns; they are not cells the protection
rule applies to (the rule protects the cells of the published tables). The independent audit
checks that an unpublished table is hidden whole (``pipelines.secret.audit``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.secret.relations import CUMUL_12_MOIS, MOIS

#: one table of the publication
TABLE = ["indicateur", "dimension", "niveau", "type_periode"]
#: hidden-cell reason of the cells of an unpublished table
NON_DIFFUSE = "non_diffuse"


def plan_de_diffusion(c: pl.DataFrame, primaire: np.ndarray, part: float | None) -> pl.DataFrame:
    """One row per table: its cells, its non-zero cells, its primary-secret share among its non-zero
    cells, and whether it is published (``diffuse``: share at most ``part``; every table when
    ``part`` is None).

    The share is taken among non-zero cells (a count other than 0, a rate or median with a
    population): a zero is never primary-secret, but in a table of mostly zeros the few small
    counts are all there is to read, and each of them makes the zeros around it secret too
    (``secondaire_zero``); counted among all cells, such a table would look publishable."""
    non_nulle = (
        pl.when(pl.col("unite") == "nombre")
        .then(pl.col("valeur").fill_null(0) != 0)
        .otherwise(pl.col("denominateur").fill_null(0) > 0)
    )
    plan = (
        c.select(*TABLE, non_nulle.alias("_nz"))
        .with_columns(pl.Series("_p", primaire, dtype=pl.Boolean))
        .group_by(TABLE)
        .agg(pl.len().alias("cellules"), pl.col("_nz").sum().alias("non_nulles"), pl.col("_p").sum().alias("_np"))
        .with_columns((pl.col("_np") / pl.max_horizontal(pl.col("non_nulles"), pl.lit(1))).alias("part_primaire"))
        .drop("_np")
    )
    if part is None:
        return plan.with_columns(pl.lit(True).alias("diffuse")).sort(TABLE)
    plan = plan.with_columns((pl.col("part_primaire") <= part).alias("diffuse"))
    # a rolling 12-month cell is published only as the sum of published months (or quarters), and
    # is protected through its months' certificates: over an unpublished monthly table, its
    # months have no requirement and nothing would protect its small cells. Such a table is
    # hidden whole anyway but where four published quarters end on it: not published either
    serie = ["indicateur", "dimension", "niveau"]
    mensuel = plan.filter(pl.col("type_periode") == MOIS).select(*serie, pl.col("diffuse").alias("_mois"))
    return (
        plan.join(mensuel, on=serie, how="left")
        .with_columns(
            pl.when(pl.col("type_periode") == CUMUL_12_MOIS)
            .then(pl.col("diffuse") & pl.col("_mois").fill_null(True))
            .otherwise(pl.col("diffuse"))
            .alias("diffuse")
        )
        .drop("_mois")
        .sort(TABLE)
    )


def cellules_non_diffusees(c: pl.DataFrame, plan: pl.DataFrame) -> np.ndarray:
    """Cells of ``c`` (rows in order) that belong to an unpublished table."""
    nd = plan.filter(~pl.col("diffuse")).select(TABLE).with_columns(pl.lit(True).alias("_nd"))
    return c.select(TABLE).join(nd, on=TABLE, how="left", maintain_order="left").get_column("_nd").fill_null(False).to_numpy()
