"""Which rows a failed check is about, to say « on what » in French (file and line, or cell).

The verdict is GX's; this only finds the rows to cite. GX can return index columns itself
(``unexpected_index_column_names``) but it costs seconds on frames of a few hundred thousand rows.
"""

from __future__ import annotations

import pandas as pd

from quality.regles import Controle


def lignes_en_anomalie(df: pd.DataFrame, c: Controle) -> pd.DataFrame | None:
    kw = c.kwargs
    if kw.get("row_condition"):
        df = df.query(kw["row_condition"])
    t = c.expectation
    if t == "ExpectColumnValuesToNotBeNull":
        mask = df[kw["column"]].isna()
    elif t == "ExpectColumnValuesToBeInSet":
        s = df[kw["column"]]
        mask = s.notna() & ~s.isin(kw["value_set"])
    elif t == "ExpectColumnValuesToMatchRegex":
        s = df[kw["column"]]
        mask = s.notna() & ~s.astype("string").str.match(kw["regex"]).fillna(False).astype(bool)
    elif t == "ExpectColumnValuesToBeBetween":
        s = df[kw["column"]]
        mask = pd.Series(False, index=df.index)
        if kw.get("min_value") is not None:
            mask |= (s < kw["min_value"]).fillna(False).astype(bool)
        if kw.get("max_value") is not None:
            mask |= (s > kw["max_value"]).fillna(False).astype(bool)
    elif t == "ExpectCompoundColumnsToBeUnique":
        mask = df.duplicated(subset=kw["column_list"], keep=False)
    elif t == "ExpectColumnPairValuesAToBeGreaterThanB":
        a, b = df[kw["column_A"]], df[kw["column_B"]]
        ok = (a >= b) if kw.get("or_equal") else (a > b)
        mask = a.notna() & b.notna() & ~ok.fillna(True).astype(bool)
    elif t == "ExpectColumnPairValuesToBeEqual":
        mask = df[kw["column_A"]] != df[kw["column_B"]]
    else:
        return None
    return df[mask.to_numpy()]
