"""The publication plan: which tables are published at all, before any cell is suppressed.

Table redesign comes first in disclosure control (ESSnet/Eurostat handbook): a table whose cells
are mostly small counts is not published as a grid of « s » — it is not published. A *table* is
one indicator, one breakdown (``dimension``), one territorial level and one period type: for
instance the age breakdown of entries, by agency, by month. It is *not published* (``non
diffusé``) when more than ``part`` of its cells are primary-secret, over every territory of its
level: the decision is the same for every agency (or bassin, département…), so that no cell of an
unpublished table is the difference of published ones within its own level. Its committees read
it one level up, or on a longer period (quarters, 12 months), which are tables of their own.

The cells of an unpublished table stay in the published view, hidden (``motif_secret`` =
``non_diffuse``), and in the outsider's system as unknowns; they are not cells the protection
rule applies to (the rule protects the cells of the published tables). The independent audit
checks that an unpublished table is hidden whole (``pipelines.secret.audit``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: one table of the publication
TABLE = ["indicateur", "dimension", "niveau", "type_periode"]
#: hidden-cell reason of the cells of an unpublished table
NON_DIFFUSE = "non_diffuse"


def plan_de_diffusion(c: pl.DataFrame, primaire: np.ndarray, part: float | None) -> pl.DataFrame:
    """One row per table: its cells, its primary-secret share, and whether it is published
    (``diffuse``: share at most ``part``; every table when ``part`` is None)."""
    plan = (
        c.select(TABLE)
        .with_columns(pl.Series("_p", primaire, dtype=pl.Boolean))
        .group_by(TABLE)
        .agg(pl.len().alias("cellules"), pl.col("_p").mean().alias("part_primaire"))
    )
    diffuse = pl.lit(True) if part is None else pl.col("part_primaire") <= part
    return plan.with_columns(diffuse.alias("diffuse")).sort(TABLE)


def cellules_non_diffusees(c: pl.DataFrame, plan: pl.DataFrame) -> np.ndarray:
    """Cells of ``c`` (rows in order) that belong to an unpublished table."""
    nd = plan.filter(~pl.col("diffuse")).select(TABLE).with_columns(pl.lit(True).alias("_nd"))
    return c.select(TABLE).join(nd, on=TABLE, how="left", maintain_order="left").get_column("_nd").fill_null(False).to_numpy()
