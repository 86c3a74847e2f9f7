"""Hand-made cells of the view tests (``test_vues_*.py``): one agency cell of D2 in January 2025,
overridden by keyword, a secret one, and a frame of them."""

from __future__ import annotations

from datetime import date

import polars as pl

NBSP = "\u00a0"
M1, M2, M3 = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
D2 = "taux_sanction_cre"
E1 = "alertes"


def cellule(**kw) -> dict:
    base = {"indicateur": D2, "periode": M1, "niveau": "AGENCE", "territoire": "31001", "libelle": "Labège",
            "dimension": "ensemble", "modalite": "ensemble", "numerateur": 3.0, "denominateur": 20.0,
            "valeur": 0.15, "unite": "taux", "provisoire": False, "secret": False}
    return base | kw


def secrete(**kw) -> dict:
    return cellule(numerateur=None, denominateur=None, valeur=None, secret=True, **kw)


def frame(*lignes: dict) -> pl.DataFrame:
    return pl.DataFrame(list(lignes), schema_overrides={"numerateur": pl.Float64, "denominateur": pl.Float64,
                                                         "valeur": pl.Float64})
