"""Row-level validation of a batch of string columns against the contract, vectorised.

Input: one frame for a whole batch of files of one export, every contract column as a string
(null = empty field), identifiers already pseudonymised, plus the technical columns of
``reading`` and ``__socle_date_extraction``. Output: the valid rows with contract types, and the
faulty rows with their first faulty column and every fault in French.

Future dates are *not* faults in general: planned interviews (``date_entretien``), planned
contract ends (``date_fin_previsionnelle``) and the like are legitimately after the extraction.
Only ``date_maj`` (a change cannot be recorded after the extraction) is checked against the
extraction date.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines.core.contract import DATE_ORDER_RULES, MIN_PLAUSIBLE_DATE, Column, Export
from pipelines.ingestion.reading import NB_ATTENDU, NB_CHAMPS

DATE_EXTRACTION = "__socle_date_extraction"
MOTIF = "__socle_motif"
COLONNE = "__socle_colonne"
SENSIBLE = "__socle_sensible"  # the row holds a value shaped like personal data: content not kept

#: A NIR (numéro de sécurité sociale: sex, year, month, département or 2A/2B, commune, order,
#: optional key), spaces or dots allowed between its parts, not inside a longer number.
NIR = (
    r"(?:^|[^0-9])[1-478][ .]?[0-9]{2}[ .]?[0-9]{2}[ .]?(?:[0-9]{2}|2[AaBb])[ .]?[0-9]{3}[ .]?[0-9]{3}"
    r"(?:[ .]?[0-9]{2})?(?:[^0-9]|$)"
)
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
#: Characters of a faulty value quoted in a reason (a 40 MB field is not copied into a reason).
MOTIF_CARACTERES = 60

_RE = {
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
    "integer": r"^[+-]?[0-9]+$",
    "decimal": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
}
_TYPE_LABEL = {
    "date": "date invalide (attendu AAAA-MM-JJ, date réelle)",
    "timestamp": "horodatage invalide (attendu AAAA-MM-JJTHH:MM:SS)",
    "integer": "entier invalide",
    "decimal": "nombre décimal invalide (séparateur décimal '.')",
    "boolean": "booléen invalide (attendu 0 ou 1)",
}
#: Columns checked against the end of the extraction day.
NOT_AFTER_EXTRACTION = ("date_maj",)


def _p(name: str) -> str:
    return f"__socle_p_{name}"


def parsed_expr(c: Column) -> pl.Expr:
    """The typed value, null when empty or not parseable."""
    s = pl.col(c.name)
    if c.type == "string":
        return s
    if c.type == "boolean":
        return pl.when(s == "1").then(True).when(s == "0").then(False).otherwise(None)
    ok = s.str.contains(_RE[c.type])
    if c.type == "date":
        v = s.str.to_date("%Y-%m-%d", strict=False)
    elif c.type == "timestamp":
        v = s.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us")
    elif c.type == "integer":
        v = s.cast(pl.Int64, strict=False)
    else:
        v = s.cast(pl.Float64, strict=False)
    return pl.when(ok).then(v).otherwise(None)


def _show(c: Column) -> pl.Expr:
    # The faulty value is quoted in the reason, except for pseudonymised columns (their value is
    # already a hash and says nothing) — never a raw identifier in any case; a row holding
    # personal data quotes nothing at all (its reason must not become a copy of it).
    if c.pseudonymised:
        return pl.lit("")
    v = pl.col(c.name)
    court = pl.when(v.str.len_chars() > MOTIF_CARACTERES).then(
        pl.concat_str(v.str.slice(0, MOTIF_CARACTERES), pl.lit("…"))
    ).otherwise(v)
    return pl.when(pl.col(SENSIBLE)).then(pl.lit("")).otherwise(pl.format(" « {} »", court))


#: Shapes of personal data looked for in every value, with the words of the reason.
FORMES_PERSONNELLES = ((NIR, "numéro de sécurité sociale (NIR)"), (EMAIL, "adresse e-mail"))


def _pd(colonne: str, k: int) -> str:
    """Internal column: the value of ``colonne`` has the k-th shape of personal data."""
    return f"__socle_pd{k}_{colonne}"


def _formes_personnelles(export: Export) -> list[pl.Expr]:
    """One flag per (column, shape), each regex run once. Every column is scanned (pseudonymised
    ones excepted: already hashed), not only free text: a NIR in a coded or numeric column would
    otherwise be quoted in the reason of its fault."""
    return [pl.col(c.name).str.contains(forme).fill_null(False).alias(_pd(c.name, k))
            for c in export.columns if not c.pseudonymised for k, (forme, _) in enumerate(FORMES_PERSONNELLES)]


def _sensible(export: Export) -> pl.Expr:
    """True when a value of the row is shaped like a NIR or an e-mail."""
    flags = [pl.col(_pd(c.name, k)) for c in export.columns if not c.pseudonymised
             for k in range(len(FORMES_PERSONNELLES))]
    return pl.any_horizontal(flags) if flags else pl.lit(False)


@dataclass
class _Check:
    column: str
    fault: pl.Expr  # true when faulty (null counts as not faulty)
    message: pl.Expr


def _checks(export: Export) -> list[_Check]:
    out: list[_Check] = []
    for c in export.columns:
        s = pl.col(c.name)
        p = pl.col(_p(c.name))
        present = s.is_not_null()
        if not c.pseudonymised:
            # named by column and line only: the value is neither quoted nor kept
            for k, (_, label) in enumerate(FORMES_PERSONNELLES):
                out.append(_Check(
                    c.name,
                    pl.col(_pd(c.name, k)),
                    pl.lit(f"{c.name} : donnée personnelle interdite (forme de {label}), valeur non conservée"),
                ))
        if c.required:
            out.append(_Check(c.name, s.is_null(), pl.lit(f"{c.name} : valeur obligatoire absente")))
        if c.type != "string":
            out.append(
                _Check(c.name, present & p.is_null(), pl.concat_str(pl.lit(f"{c.name} : {_TYPE_LABEL[c.type]}"), _show(c)))
            )
        if c.codes:
            if c.multi_sep:
                valid = s.str.split(c.multi_sep).list.eval(pl.element().is_in(list(c.codes))).list.all()
                label = f"code(s) inconnu(s) (liste séparée par '{c.multi_sep}')"
            else:
                valid = s.is_in(list(c.codes))
                label = "code inconnu"
            out.append(_Check(c.name, present & ~valid, pl.concat_str(pl.lit(f"{c.name} : {label}"), _show(c))))
        if c.pattern:
            out.append(
                _Check(
                    c.name,
                    present & ~s.str.contains(c.pattern),
                    pl.concat_str(pl.lit(f"{c.name} : format invalide"), _show(c)),
                )
            )
        if c.min_value is not None or c.max_value is not None:
            lo = c.min_value if c.min_value is not None else float("-inf")
            hi = c.max_value if c.max_value is not None else float("inf")
            bounds = f"[{_num(c.min_value)} ; {_num(c.max_value)}]"
            out.append(
                _Check(
                    c.name,
                    p.is_not_null() & ((p < lo) | (p > hi)),
                    pl.concat_str(pl.lit(f"{c.name} : valeur hors bornes {bounds}"), _show(c)),
                )
            )
        if c.type in ("date", "timestamp"):
            floor = pl.lit(MIN_PLAUSIBLE_DATE)
            day = p.dt.date() if c.type == "timestamp" else p
            out.append(
                _Check(
                    c.name,
                    p.is_not_null() & (day < floor),
                    pl.concat_str(
                        pl.lit(f"{c.name} : date antérieure au {MIN_PLAUSIBLE_DATE.isoformat()}, non plausible"),
                        _show(c),
                    ),
                )
            )
        if c.name in NOT_AFTER_EXTRACTION and c.type in ("date", "timestamp"):
            day = p.dt.date() if c.type == "timestamp" else p
            out.append(
                _Check(
                    c.name,
                    p.is_not_null() & (day > pl.col(DATE_EXTRACTION)),
                    pl.format(
                        "{} : postérieure à la date d'extraction du fichier ({}){}",
                        pl.lit(c.name),
                        pl.col(DATE_EXTRACTION).dt.to_string("%Y-%m-%d"),
                        _show(c),
                    ),
                )
            )
    for first, second in DATE_ORDER_RULES.get(export.name, ()):
        a, b = pl.col(_p(first)), pl.col(_p(second))
        out.append(
            _Check(
                second,
                a.is_not_null() & b.is_not_null() & (b < a),
                pl.format(
                    "{} ({}) antérieure à {} ({})",
                    pl.lit(second), pl.col(second), pl.lit(first), pl.col(first),
                ),
            )
        )
    return out


def _num(v: float | None) -> str:
    if v is None:
        return "…"
    return str(int(v)) if float(v).is_integer() else str(v)


def validate(frame: pl.DataFrame, export: Export) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a batch into (valid rows, typed) and (faulty rows, with reasons).

    Valid: contract columns with their contract types + the technical columns.
    Faulty: IDX, LIGNE, COLONNE (first faulty column, null for the whole line), MOTIF, and the
    string columns (to build the quarantine content).
    """
    checks = _checks(export)
    ragged = pl.col(NB_CHAMPS) != pl.col(NB_ATTENDU)
    ragged_msg = pl.format(
        "nombre de champs incorrect : {} au lieu de {}{}",
        pl.col(NB_CHAMPS),
        pl.col(NB_ATTENDU),
        pl.when(pl.col(NB_CHAMPS) < pl.col(NB_ATTENDU)).then(pl.lit(" (ligne tronquée ?)")).otherwise(pl.lit("")),
    )
    motif_cells = pl.concat_str(
        [pl.when(ch.fault).then(ch.message) for ch in checks], separator=" ; ", ignore_nulls=True
    )
    first_col = pl.coalesce([pl.when(ch.fault).then(pl.lit(ch.column)) for ch in checks] + [pl.lit(None, pl.String)])
    out = frame.with_columns(
        *(parsed_expr(c).alias(_p(c.name)) for c in export.columns), *_formes_personnelles(export)
    ).with_columns(_sensible(export).alias(SENSIBLE)).with_columns(
        # a line with the wrong number of fields is misaligned: its other faults mean nothing
        pl.when(ragged).then(ragged_msg).otherwise(pl.when(motif_cells != "").then(motif_cells)).alias(MOTIF),
        pl.when(ragged).then(pl.lit(None, pl.String)).otherwise(first_col).alias(COLONNE),
    )
    good = out.filter(pl.col(MOTIF).is_null())
    bad = out.filter(pl.col(MOTIF).is_not_null())
    tech = [c for c in frame.columns if c.startswith("__socle_")]
    good = good.select(*[pl.col(_p(c.name)).alias(c.name) for c in export.columns], *tech)
    bad = bad.select(*export.column_names, *tech, COLONNE, MOTIF, SENSIBLE)
    return good, bad
