"""Equity of treatment between units (agencies, CRE platforms): funnel plot limits.

A unit's rate (sanctions over decided controls) is compared with the rate of its parent
territory. Under the hypothesis that every unit applies the same rate ``p``, a unit of volume
``n`` has a rate within ``p ± z·√(p(1-p)/n)`` with probability 95 % (z = 1,96) or 99,8 %
(z = 3,09): the usual funnel plot (Spiegelhalter, 2005), with the normal approximation of the
binomial. A unit outside the 99,8 % limits is very unlikely to differ by chance alone; it calls for
a look at its practice, not a verdict. Pure functions, used by the dashboards and the CSE reports.
"""

from __future__ import annotations

import math

import polars as pl

#: Two-sided normal quantiles of the two funnels.
Z_95 = 1.959964
Z_998 = 3.090232

#: Position of a unit relative to the limits (French, as displayed).
AU_DESSUS_998 = "au-dessus de la limite à 99,8 %"
AU_DESSUS_95 = "au-dessus de la limite à 95 %"
DANS_LES_LIMITES = "dans les limites"
EN_DESSOUS_95 = "en dessous de la limite à 95 %"
EN_DESSOUS_998 = "en dessous de la limite à 99,8 %"
HORS_LIMITES = (AU_DESSUS_998, AU_DESSUS_95, EN_DESSOUS_95, EN_DESSOUS_998)


def limites(p: float, n: float, z: float) -> tuple[float, float]:
    """Lower and upper limits of a rate ``p`` for a volume ``n`` at quantile ``z``, in [0, 1]."""
    if n <= 0:
        raise ValueError("Le volume d'une unité doit être positif.")
    if not 0 <= p <= 1:
        raise ValueError(f"Taux de référence hors de [0, 1] : {p}")
    ecart = z * math.sqrt(p * (1 - p) / n)
    return max(0.0, p - ecart), min(1.0, p + ecart)


def courbes(p: float, n_min: float, n_max: float, points: int = 60) -> pl.DataFrame:
    """The four limit curves over volumes ``n_min`` … ``n_max`` (for drawing the funnel)."""
    n_min = max(1.0, float(n_min))
    n_max = max(n_min + 1, float(n_max))
    # Geometric spacing: the funnel narrows fast at small volumes.
    pas = (n_max / n_min) ** (1 / (points - 1))
    volumes = [n_min * pas**i for i in range(points)]
    lignes = []
    for n in volumes:
        b95, h95 = limites(p, n, Z_95)
        b998, h998 = limites(p, n, Z_998)
        lignes.append((n, b95, h95, b998, h998))
    return pl.DataFrame(
        lignes, schema=["volume", "bas_95", "haut_95", "bas_998", "haut_998"], orient="row"
    )


def positionner(unites: pl.DataFrame, p: float) -> pl.DataFrame:
    """Each unit (columns ``numerateur``, ``denominateur``) with its rate, its limits and its
    position. Units without a volume (null or 0, e.g. a secret cell) are left out."""
    valides = unites.filter(pl.col("denominateur").is_not_null() & (pl.col("denominateur") > 0))
    if valides.height == 0:
        return valides.with_columns(
            taux=pl.lit(None, pl.Float64),
            bas_95=pl.lit(None, pl.Float64), haut_95=pl.lit(None, pl.Float64),
            bas_998=pl.lit(None, pl.Float64), haut_998=pl.lit(None, pl.Float64),
            position=pl.lit(None, pl.String),
        )
    n = pl.col("denominateur")
    ecart = pl.lit(math.sqrt(p * (1 - p))) / n.sqrt()
    taux = pl.col("numerateur") / n
    return (
        valides.with_columns(
            taux=taux,
            bas_95=(p - Z_95 * ecart).clip(0, 1),
            haut_95=(p + Z_95 * ecart).clip(0, 1),
            bas_998=(p - Z_998 * ecart).clip(0, 1),
            haut_998=(p + Z_998 * ecart).clip(0, 1),
        )
        .with_columns(
            position=pl.when(pl.col("taux") > pl.col("haut_998")).then(pl.lit(AU_DESSUS_998))
            .when(pl.col("taux") > pl.col("haut_95")).then(pl.lit(AU_DESSUS_95))
            .when(pl.col("taux") < pl.col("bas_998")).then(pl.lit(EN_DESSOUS_998))
            .when(pl.col("taux") < pl.col("bas_95")).then(pl.lit(EN_DESSOUS_95))
            .otherwise(pl.lit(DANS_LES_LIMITES))
        )
    )
