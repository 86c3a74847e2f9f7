"""Reading delivered files into string columns, and whole-file rejections.

Every value is read as a string (never through a reader's type inference): validation decides.
A file yields one or more *units*: a small file is one unit; a large one is read in slices so that
memory stays bounded whatever the size of the file.

* CSV (plain or gzip): a unit is a list of text lines with the line number of its first line; the
  lines of many small files sharing a header are split into columns together, in one vectorised
  pass (see ``lines_to_frame``), which is what makes thousands of small daily files cheap.
* Parquet: a unit is a frame already in columns, converted to strings in the contract's formats.

A file that cannot be read as a whole raises ``FileRejected`` with a French reason.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from pipelines.core.contract import CSV_SEPARATOR, Export, colonne_interdite
from pipelines.core.settings import MAX_DECOMPRESSED_BYTES, MAX_GZIP_RATIO, MAX_LINE_BYTES, Settings

#: Internal column names (prefixed so that no delivered column can collide with them).
IDX = "__socle_idx"  # index of the file in the batch
LIGNE = "__socle_ligne"  # line (CSV, header = 1) or row number (Parquet, from 1)
NB_CHAMPS = "__socle_nb_champs"  # fields found on the line
NB_ATTENDU = "__socle_nb_attendu"  # fields in the header

#: Files up to this size on disk are read at once; larger ones are streamed in slices.
SMALL_FILE_BYTES = 32 * 1024 * 1024
SMALL_GZIP_BYTES = 4 * 1024 * 1024
#: Size of one slice of a large CSV (uncompressed bytes) and of a large Parquet (rows).
CHUNK_BYTES = 32 * 1024 * 1024
CHUNK_ROWS = 250_000

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Limits:
    """Caps on what one delivered file may cost, whatever its bytes say (configurable: settings).

    A compressed file is read as a stream and stops at ``max_decompressed_bytes`` bytes or once it
    has grown ``max_gzip_ratio`` times its size on disk (a few hundred KB can hold gigabytes of one
    repeated byte); a line longer than ``max_line_bytes`` rejects the file, since a reader must hold
    a whole line to cut it into fields.
    """

    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES
    max_gzip_ratio: int = MAX_GZIP_RATIO
    max_line_bytes: int = MAX_LINE_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.max_decompressed_bytes, settings.max_gzip_ratio, settings.max_line_bytes)


LIMITS = Limits()

#: Below this many decompressed bytes the ratio is not checked (a tiny gzip has a high ratio).
_RATIO_CHECKED_FROM = 16 * 1024 * 1024


class FileRejected(Exception):
    """The file cannot be loaded at all; ``str(exc)`` is the reason, in French."""


@dataclass
class LinesUnit:
    header: tuple[str, ...]
    lines: list[str]  # may hold blank lines and trailing '\r' (dropped in lines_to_frame)
    first_line: int  # line number of lines[0] in the file


@dataclass
class FrameUnit:
    header: tuple[str, ...]
    frame: pl.DataFrame  # header columns as strings + LIGNE + NB_CHAMPS


Unit = LinesUnit | FrameUnit


# ------------------------------------------------------------------------------------------------
# Header checks (CSV and Parquet)
# ------------------------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    # Column names are matched without case or surrounding blanks/quotes: "ID_Personne " is
    # id_personne (a forbidden "Nom" must not slip through on its capital letter).
    return name.strip().strip('"').strip().lower()


def check_header(names: list[str], export: Export, raw_header: str | None = None) -> tuple[str, ...]:
    """Normalise and check a header; raise ``FileRejected`` on a whole-file fault."""
    header = [normalise_name(n) for n in names]
    header = [h if h else f"colonne_{i + 1}" for i, h in enumerate(header)]
    if raw_header is not None and len(header) == 1 and len(export.columns) > 1:
        for sep, label in ((",", "','"), ("\t", "tabulation"), ("|", "'|'")):
            if sep in raw_header:
                raise FileRejected(
                    f"séparateur attendu ';' : l'en-tête semble séparé par {label}"
                )
    # Names only, never values: the file is refused before any of its rows is read.
    forbidden = [(h, colonne_interdite(h, export)) for h in header]
    forbidden = [h if why == h else f"{h} ({why})" for h, why in forbidden if why]
    if forbidden:
        raise FileRejected(
            "colonne interdite (donnée personnelle, jamais ingérée) : " + ", ".join(forbidden)
        )
    seen: set[str] = set()
    doubles = sorted({h for h in header if h in seen or seen.add(h)})
    if doubles:
        raise FileRejected("colonne en double dans l'en-tête : " + ", ".join(doubles))
    missing = [c for c in export.required_columns if c not in header]
    if missing:
        raise FileRejected("colonne obligatoire absente : " + ", ".join(missing))
    return tuple(header)


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------


def _decode(piece: bytes, first_line: int, header: tuple[str, ...] | None) -> str:
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = piece.rfind(b"\n", 0, exc.start) + 1
        line = first_line + piece.count(b"\n", 0, exc.start)
        field = piece.count(CSV_SEPARATOR.encode(), line_start, exc.start)
        where = f"ligne {line}"
        if header is not None and field < len(header):
            where += f", colonne {header[field]}"
        elif header is None:
            where += f", champ {field + 1}"
        byte = piece[exc.start]
        raise FileRejected(
            f"encodage invalide : octet 0x{byte:02x} non UTF-8 {where} (encodage attendu UTF-8)"
        ) from None


def _line_too_long(line: int, limits: Limits) -> FileRejected:
    return FileRejected(
        f"ligne {line} plus longue que {limits.max_line_bytes:,} octets : fichier refusé sans être lu "
        "en entier (limite SOCLE_LINE_MAX_BYTES)".replace(",", "\u202f")
    )


def _read_header(stream: BinaryIO, export: Export, limits: Limits, empty: str) -> tuple[tuple[str, ...], bytes]:
    """Read up to the end of the header line; return the header and the bytes read after it."""
    buf = stream.read(CHUNK_BYTES)
    if not buf:
        raise FileRejected(empty)
    if buf.startswith(_BOM):
        buf = buf[len(_BOM):]
    while b"\n" not in buf:
        if len(buf) > limits.max_line_bytes:
            raise _line_too_long(1, limits)
        more = stream.read(CHUNK_BYTES)
        if not more:
            break
        buf += more
    if buf.find(b"\n", 0, limits.max_line_bytes + 1) < 0 and len(buf) > limits.max_line_bytes:
        raise _line_too_long(1, limits)
    head, _, rest = buf.partition(b"\n")
    text = _decode(head, 1, None).rstrip("\r")
    if not text.strip():
        raise FileRejected("fichier vide (aucune ligne d'en-tête)")
    if '"' in text:
        names = next(csv.reader([text], delimiter=CSV_SEPARATOR))
    else:
        names = text.split(CSV_SEPARATOR)
    try:
        return check_header(names, export, raw_header=text), rest
    except FileRejected as exc:
        # say where, like every other reason: the header is line 1
        raise FileRejected(f"{exc} (ligne 1, en-tête)") from None


def _quoted_unit(text: str, header: tuple[str, ...], first_line: int) -> FrameUnit:
    """Slow path for a slice holding quote characters: the csv module handles quoting."""
    cols: list[list[str | None]] = [[] for _ in header]
    lignes: list[int] = []
    nb: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=CSV_SEPARATOR)
    line = first_line
    for row in reader:
        start, line = line, first_line + reader.line_num
        if not row or row == [""]:
            continue
        lignes.append(start)
        nb.append(len(row))
        for i, col in enumerate(cols):
            col.append(row[i] if i < len(row) else None)
    data = {name: pl.Series(name, col, dtype=pl.String) for name, col in zip(header, cols)}
    frame = pl.DataFrame(data).with_columns(
        pl.Series(LIGNE, lignes, dtype=pl.Int64), pl.Series(NB_CHAMPS, nb, dtype=pl.Int64)
    )
    return FrameUnit(header, frame)


def _text_unit(text: str, header: tuple[str, ...], first_line: int) -> Unit:
    if '"' in text:
        return _quoted_unit(text, header, first_line)
    lines = text.split("\n")
    return LinesUnit(header, lines, first_line)


def _check_lines(piece: bytes, line: int, limits: Limits) -> None:
    """Reject a slice holding a line longer than the cap (its number named)."""
    if len(piece) <= limits.max_line_bytes:
        return
    start = 0
    while start < len(piece):
        end = piece.find(b"\n", start)
        end = len(piece) if end < 0 else end
        if end - start > limits.max_line_bytes:
            raise _line_too_long(line, limits)
        start, line = end + 1, line + 1


def iter_csv_units(stream: BinaryIO, export: Export, limits: Limits = LIMITS,
                   empty: str = "fichier vide (0 octet)") -> Iterator[Unit]:
    """Units of a CSV stream, cut at line ends every ``CHUNK_BYTES``; ``empty``: the reason when
    the stream holds nothing."""
    header, buf = _read_header(stream, export, limits, empty)
    line = 2
    eof = False
    while not eof:
        more = stream.read(CHUNK_BYTES)
        if more:
            buf += more
            cut = buf.rfind(b"\n")
            if cut < 0:
                # no line end yet: the line being read is the whole buffer
                if len(buf) > limits.max_line_bytes:
                    raise _line_too_long(line, limits)
                continue
            piece, buf = buf[: cut + 1], buf[cut + 1:]
        else:
            eof = True
            piece, buf = buf, b""
        if not piece:
            continue
        _check_lines(piece, line, limits)
        text = _decode(piece, line, header)
        yield _text_unit(text, header, line)
        line += piece.count(b"\n")


def lines_to_frame(header: tuple[str, ...], parts: list[tuple[int, LinesUnit]]) -> pl.DataFrame:
    """Split the lines of many units sharing one header into columns, in one vectorised pass."""
    lines: list[str] = []
    idx = []
    counts = []
    starts = []
    for file_idx, unit in parts:
        lines.extend(unit.lines)
        idx.append(file_idx)
        counts.append(len(unit.lines))
        starts.append(unit.first_line)
    counts_a = np.asarray(counts, dtype=np.int64)
    idx_a = np.repeat(np.asarray(idx, dtype=np.int64), counts_a)
    # line number = start of its unit + position within the unit
    offsets = np.arange(len(lines), dtype=np.int64) - np.repeat(np.cumsum(counts_a) - counts_a, counts_a)
    ligne_a = np.repeat(np.asarray(starts, dtype=np.int64), counts_a) + offsets
    df = pl.DataFrame(
        {
            "__l": pl.Series(lines, dtype=pl.String).str.strip_suffix("\r"),
            IDX: idx_a,
            LIGNE: ligne_a,
        }
    ).filter(pl.col("__l") != "")  # blank lines carry nothing: not rows
    # split once, then pick the fields (an inline split would be recomputed for each column)
    df = df.select(IDX, LIGNE, pl.col("__l").str.split(CSV_SEPARATOR).alias("__f"))
    fields = pl.col("__f")
    return df.select(
        IDX,
        LIGNE,
        fields.list.len().cast(pl.Int64).alias(NB_CHAMPS),
        *[fields.list.get(i, null_on_oob=True).alias(name) for i, name in enumerate(header)],
    )


# ------------------------------------------------------------------------------------------------
# Parquet
# ------------------------------------------------------------------------------------------------


def _parquet_to_strings(df: pl.DataFrame, export: Export, first_row: int) -> FrameUnit:
    """Typed Parquet columns to strings in the contract's formats, so one validation serves all."""
    names = list(df.columns)
    header = check_header(names, export)
    df = df.rename(dict(zip(names, header)))
    contract_types = {c.name: c.type for c in export.columns}
    exprs = []
    for name in header:
        dtype = df.schema[name]
        col = pl.col(name)
        if dtype == pl.String:
            e = col
        elif dtype == pl.Boolean:
            e = pl.when(col).then(pl.lit("1")).when(~col).then(pl.lit("0"))
        elif dtype == pl.Date:
            e = col.dt.to_string("%Y-%m-%d")
        elif isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("Europe/Paris").dt.replace_time_zone(None)
            e = col.dt.to_string("%Y-%m-%dT%H:%M:%S")
        elif dtype.is_float() and contract_types.get(name) == "integer":
            # an integer stored as float (1985.0) is still 1985
            e = pl.when(col == col.floor()).then(col.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(
                col.cast(pl.String)
            )
        elif dtype.is_numeric() or dtype in (pl.Categorical, pl.Enum) or isinstance(dtype, (pl.Categorical, pl.Enum)):
            e = col.cast(pl.String)
        else:
            raise FileRejected(f"type Parquet non pris en charge pour la colonne {name} : {dtype}")
        exprs.append(e.cast(pl.String).alias(name))
    out = df.select(exprs).with_columns(
        pl.int_range(first_row, first_row + df.height, dtype=pl.Int64).alias(LIGNE),
        pl.lit(len(header), dtype=pl.Int64).alias(NB_CHAMPS),
    )
    return FrameUnit(header, out)


def iter_parquet_units(path: Path, data: bytes | None, export: Export) -> Iterator[FrameUnit]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(io.BytesIO(data) if data is not None else str(path))
    except Exception as exc:  # pyarrow raises several types for a corrupt footer
        raise FileRejected(f"fichier Parquet illisible : {exc}") from None
    if pf.metadata.num_rows == 0 and pf.schema_arrow is not None and len(pf.schema_arrow) == 0:
        raise FileRejected("fichier Parquet sans colonne")
    first = 1
    produced = False
    try:
        batches = pf.iter_batches(batch_size=CHUNK_ROWS)
        for batch in batches:
            df = pl.from_arrow(batch)
            assert isinstance(df, pl.DataFrame)
            yield _parquet_to_strings(df, export, first)
            first += df.height
            produced = True
        if not produced:  # header only: check the columns all the same
            empty = pl.from_arrow(pf.schema_arrow.empty_table())
            assert isinstance(empty, pl.DataFrame)
            yield _parquet_to_strings(empty, export, 1)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected(f"fichier Parquet illisible : {exc}") from None


# ------------------------------------------------------------------------------------------------
# Dispatch
# ------------------------------------------------------------------------------------------------


def is_small(path: Path, extension: str) -> bool:
    size = path.stat().st_size
    return size <= (SMALL_GZIP_BYTES if extension == "csv.gz" else SMALL_FILE_BYTES)


class _Capped(io.RawIOBase):
    """A decompressed stream that refuses to grow past the caps of ``Limits``.

    Counting what comes out (never trusting the size the gzip trailer announces) is what stops a
    decompression bomb before it is in memory.
    """

    def __init__(self, stream: BinaryIO, compressed_size: int, limits: Limits):
        self._stream = stream
        self._compressed = max(compressed_size, 1)
        self._limits = limits
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        lim = self._limits
        n = CHUNK_BYTES if n is None or n < 0 else n
        out = self._stream.read(min(n, lim.max_decompressed_bytes + 1 - self.read_bytes))
        self.read_bytes += len(out)
        if self.read_bytes > lim.max_decompressed_bytes:
            raise FileRejected(
                f"fichier compressé refusé : plus de {lim.max_decompressed_bytes:,} octets une fois "
                "décompressé (limite SOCLE_GZIP_MAX_BYTES)".replace(",", "\u202f")
            )
        if self.read_bytes > _RATIO_CHECKED_FROM and self.read_bytes > lim.max_gzip_ratio * self._compressed:
            raise FileRejected(
                f"fichier compressé refusé : taux de compression supérieur à {lim.max_gzip_ratio} "
                f"({self._compressed:,} octets compressés donnent déjà {self.read_bytes:,} octets ; limite "
                "SOCLE_GZIP_MAX_RATIO)".replace(",", "\u202f")
            )
        return out


def iter_units(path: Path, extension: str, export: Export, data: bytes | None = None,
               limits: Limits = LIMITS) -> Iterator[Unit]:
    """Units of a file; ``data`` = its bytes when already read (small files), else streamed."""
    if data is not None and len(data) == 0 or data is None and path.stat().st_size == 0:
        raise FileRejected("fichier vide (0 octet)")
    if extension == "parquet":
        yield from iter_parquet_units(path, data, export)
        return
    if extension == "csv.gz":
        source = io.BytesIO(data) if data is not None else open(path, "rb")
        size = len(data) if data is not None else path.stat().st_size
        try:
            with source, gzip.GzipFile(fileobj=source, mode="rb") as gz:
                stream = _Capped(gz, size, limits)  # type: ignore[arg-type]
                yield from iter_csv_units(stream, export, limits,  # type: ignore[arg-type]
                                          empty="fichier vide (archive gzip sans contenu)")
        except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
            raise FileRejected(f"fichier gzip illisible : {exc}") from None
        return
    if data is not None:
        yield from iter_csv_units(io.BytesIO(data), export, limits)
    else:
        with open(path, "rb") as stream:
            yield from iter_csv_units(stream, export, limits)

