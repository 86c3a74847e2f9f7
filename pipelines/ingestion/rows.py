"""Rows of a batch as frames: the delivered columns onto the contract's, identifiers
pseudonymised, rows validated and split into raw rows and quarantine rows (nothing written here)."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from pipelines.core.contract import PSEUDONYMISED_COLUMNS, Export
from pipelines.ingestion.pseudonymisation import Pseudonymiser
from pipelines.ingestion.reading import IDX, LIGNE, NB_ATTENDU, NB_CHAMPS, FrameUnit, LinesUnit, Unit, lines_to_frame
from pipelines.ingestion.validation import COLONNE, DATE_EXTRACTION, MOTIF, SENSIBLE, validate

ID = "__socle_id_chargement"
FICHIER = "__socle_fichier"
SEQUENCE = "__socle_sequence"

_RAGGED_CONTENT = (
    '{"_avertissement":"nombre de champs incorrect : champs non alignés sur l\'en-tête, '
    'contenu non conservé (voir la ligne dans le fichier source)"}'
)
_SENSITIVE_CONTENT = (
    '{"_avertissement":"donnée personnelle interdite dans la ligne : contenu non conservé '
    '(voir la ligne dans le fichier source)"}'
)
#: Characters of one field kept in the quarantine content: enough to see the fault, not a
#: second copy of a 40 MB field.
QUARANTINE_FIELD_CHARS = 200


def hors_contrat(export: Export, header: tuple[str, ...]) -> tuple[str, ...]:
    """Delivered columns that the contract does not know: read, never stored (names only)."""
    known = set(export.column_names)
    return tuple(h for h in header if h not in known)


def _to_contract(export: Export, header: tuple[str, ...], f: pl.DataFrame) -> pl.DataFrame:
    """Columns of one header group onto the contract's columns (absent optional ones = null);
    columns out of the contract are left behind here, before anything is written."""
    cols = []
    for c in export.columns:
        if c.name in header:
            e = pl.when(pl.col(c.name) != "").then(pl.col(c.name))  # empty field = null
        else:
            e = pl.lit(None, pl.String)
        cols.append(e.cast(pl.String).alias(c.name))
    return f.select(
        *cols,
        pl.col(IDX).cast(pl.Int64),
        pl.col(LIGNE).cast(pl.Int64),
        pl.col(NB_CHAMPS).cast(pl.Int64),
        pl.lit(len(header), pl.Int64).alias(NB_ATTENDU),
    )


def string_frame(export: Export, parts: list[tuple[int, Unit]]) -> pl.DataFrame:
    groups: dict[tuple[str, ...], list[tuple[int, LinesUnit]]] = defaultdict(list)
    frames: list[pl.DataFrame] = []
    for idx, u in parts:
        if isinstance(u, LinesUnit):
            groups[u.header].append((idx, u))
        else:
            assert isinstance(u, FrameUnit)
            frames.append(_to_contract(export, u.header, u.frame.with_columns(pl.lit(idx, pl.Int64).alias(IDX))))
    for header, ps in groups.items():
        frames.append(_to_contract(export, header, lines_to_frame(header, ps)))
    return pl.concat(frames, how="vertical")


def prepare(export: Export, sf: pl.DataFrame, meta: pl.DataFrame, pseudo: Pseudonymiser) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pseudonymise, attach file metadata, validate. Returns (raw rows, quarantine rows)."""
    sf = sf.join(meta, on=IDX, how="left")
    # Identifiers are replaced before anything else reads them: no raw value goes further.
    sf = sf.with_columns(
        pseudo.series(sf.get_column(c)) for c in export.column_names if c in PSEUDONYMISED_COLUMNS
    )
    good, bad = validate(sf, export)
    raw = good.select(
        *export.column_names,
        pl.col(ID).alias("_id_chargement"),
        pl.col(FICHIER).alias("_fichier"),
        pl.col(LIGNE).alias("_ligne"),
        pl.col(DATE_EXTRACTION).alias("_date_extraction"),
        pl.col(SEQUENCE).cast(pl.Int32).alias("_sequence"),
        pl.col(IDX),
    )
    content = pl.struct(
        pl.when(pl.col(c).str.len_chars() > QUARANTINE_FIELD_CHARS)
        .then(pl.format("{}… [tronqué : {} caractères]", pl.col(c).str.slice(0, QUARANTINE_FIELD_CHARS),
                        pl.col(c).str.len_chars()))
        .otherwise(pl.col(c))
        .alias(c)
        for c in export.column_names
    ).struct.json_encode()
    quarantine = bad.select(
        pl.col(ID).alias("id_chargement"),
        pl.lit(export.name).alias("export"),
        pl.col(FICHIER).alias("fichier"),
        pl.col(LIGNE).alias("ligne"),
        pl.col(COLONNE).alias("colonne"),
        pl.col(MOTIF).alias("motif"),
        pl.when(pl.col(NB_CHAMPS) != pl.col(NB_ATTENDU)).then(pl.lit(_RAGGED_CONTENT))
        .when(pl.col(SENSIBLE)).then(pl.lit(_SENSITIVE_CONTENT))
        .otherwise(content).alias("contenu"),
        pl.col(IDX),
    )
    return raw, quarantine


def counts(df: pl.DataFrame) -> dict[int, int]:
    if df.height == 0:
        return {}
    return dict(df.group_by(IDX).len().iter_rows())
