"""``socle export``: cells of the warehouse to CSV, Excel or Parquet.

Default: the published view ``publication.indicateurs`` (after statistical disclosure control);
``interne=True`` reads ``marts.indicateurs`` and must not leave the regional direction.

Formats (from the extension of the output file):

- ``.csv``: French Excel conventions: separator ``;``, UTF-8 with BOM (Excel recognises the
  encoding), decimal comma, dates ``AAAA-MM-JJ``, booleans ``oui``/``non``, secret values « s »;
  French headers.
- ``.xlsx``: sheet « Indicateurs » (numbers stay numbers, secret values « s », French headers),
  sheet « Dictionnaire » (the data dictionary the warehouse carries, ``marts.dictionnaire``, with
  each indicator's types of period).
- ``.parquet``: typed, contract column names in the contract's order (for programs), secret
  values null with the ``secret`` column.

Every cell is exported, monthly or of several months: ``type_periode`` (``mois``,
``trimestre``, ``cumul_12_mois``; ``periode`` is the first day of the period's last month)
tells them apart. In the CSV and Excel files it is the last column, « Type de période », so that
the columns already distributed keep their place (readers' workbooks and macros read them by
position).

``motif_secret`` is never exported: telling primary from secondary secret would say which
hidden cells are small.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from pipelines.core import lecture

COLONNES = list(lecture.COLONNES_CELLULE)
#: Headers of the CSV and Excel files, in their column order (``type_periode`` last: see above).
ENTETES = {
    "indicateur": "Indicateur", "periode": "Période", "niveau": "Niveau", "territoire": "Territoire",
    "dimension": "Dimension", "modalite": "Modalité", "numerateur": "Numérateur",
    "denominateur": "Dénominateur", "valeur": "Valeur", "unite": "Unité", "provisoire": "Provisoire",
    "secret": "Secret", "type_periode": "Type de période",
}
VALEURS = ["numerateur", "denominateur", "valeur"]
FORMATS = {".csv", ".xlsx", ".parquet"}
SECRET = "s"
LIGNES_MAX_EXCEL = 1_048_575  # one header row
#: Columns of ``marts.dictionnaire`` (the sheet's headers when the warehouse has no dictionary).
COLONNES_DICTIONNAIRE = ("indicateur", "numero", "famille", "libelle", "unite", "statut", "definition",
                         "population", "fenetre", "ventilations", "types_periode", "exports_sources",
                         "territoire", "choix")


class ExportError(ValueError):
    """An export that cannot be done; the message (French) says why."""


def parse_depuis(value: str | None) -> date | None:
    if not value:
        return None
    try:
        annee, mois = value.split("-")
        return date(int(annee), int(mois), 1)
    except ValueError:
        raise ExportError(f"--depuis attend un mois AAAA-MM, reçu « {value} ».") from None


def lire_cellules(
    warehouse: Path,
    *,
    publie: bool = True,
    niveaux: list[str] | None = None,
    territoires: list[str] | None = None,
    depuis: date | None = None,
    indicateurs: list[str] | None = None,
) -> pl.DataFrame:
    """The cells to export, filtered, sorted; read-only on the warehouse file."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise ExportError(f"Entrepôt introuvable : {warehouse}.")
    table = lecture.TABLE_PUBLIEE if publie else lecture.TABLE_INTERNE
    with lecture.ouvrir(warehouse) as con:
        if not lecture.table_existe(con, table):
            raise ExportError(f"Table {table} absente de {warehouse} : relancez « socle construire ».")
        return lecture.cellules(con, publie=publie, niveaux=niveaux or None, territoires=territoires or None,
                                indicateurs=indicateurs or None, depuis=depuis)


def lire_dictionnaire(warehouse: Path) -> pl.DataFrame | None:
    """The data dictionary the warehouse carries (``marts.dictionnaire``); None when absent."""
    with lecture.ouvrir(warehouse) as con:
        return lecture.dictionnaire(con)


def _texte(df: pl.DataFrame, decimale: str) -> pl.DataFrame:
    """Values as French text: decimal comma, « s » for secret values, oui/non."""
    secret = pl.col("secret") if "secret" in df.columns else pl.lit(False)
    out = df.with_columns(
        pl.when(secret).then(pl.lit(SECRET)).otherwise(
            pl.col(c).map_elements(lambda v: _nombre(v, decimale), return_dtype=pl.String)
        ).alias(c)
        for c in VALEURS
    )
    return out.with_columns(
        pl.col(b).replace_strict({True: "oui", False: "non"}, default=None, return_dtype=pl.String)
        for b in ("provisoire", "secret") if b in df.columns
    ).with_columns(pl.col("periode").cast(pl.String))


def _nombre(v: float | None, decimale: str) -> str | None:
    if v is None:
        return None
    texte = f"{int(v)}" if float(v).is_integer() else repr(float(v))
    return texte.replace(".", decimale)


def ecrire_export(df: pl.DataFrame, out: Path, dictionnaire: pl.DataFrame | None = None) -> Path:
    """Write the cells to ``out`` (format from its extension); ``dictionnaire`` fills the Excel
    file's second sheet (headers only without it)."""
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in FORMATS:
        raise ExportError(f"Format inconnu « {out.suffix} » : utilisez .csv, .xlsx ou .parquet.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt != ".parquet":
        df = df.select([c for c in ENTETES if c in df.columns])
    if fmt == ".parquet":
        df.write_parquet(out)
    elif fmt == ".csv":
        ecrire_csv(_texte(df, ",").rename({c: ENTETES[c] for c in df.columns}), out)
    else:
        _ecrire_xlsx(df, out, dictionnaire)
    return out


def ecrire_csv(df: pl.DataFrame, cible) -> None:
    """French Excel conventions (separator ``;``, UTF-8 with BOM, CRLF) to a path or a binary
    file; the columns are written as they are (text them first)."""
    df.write_csv(cible, separator=";", line_terminator="\r\n", include_bom=True)


def _ecrire_xlsx(df: pl.DataFrame, out: Path, dictionnaire: pl.DataFrame | None) -> None:
    from openpyxl import Workbook

    if df.height > LIGNES_MAX_EXCEL:
        raise ExportError(
            f"{df.height} lignes : au-delà de la limite d'Excel ({LIGNES_MAX_EXCEL}). "
            "Filtrez (--niveau, --depuis, --indicateur…) ou exportez en .csv ou .parquet."
        )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Indicateurs")
    ws.append([ENTETES[c] for c in df.columns])
    idx = {c: i for i, c in enumerate(df.columns)}
    for row in df.iter_rows():
        row = list(row)
        if "secret" in idx and row[idx["secret"]]:
            for c in VALEURS:
                row[idx[c]] = SECRET
        for b in ("provisoire", "secret"):
            if b in idx and row[idx[b]] is not None:
                row[idx[b]] = "oui" if row[idx[b]] else "non"
        ws.append(row)

    champs = [c for c in (dictionnaire.columns if dictionnaire is not None else COLONNES_DICTIONNAIRE) if c != "indicateur"]
    wd = wb.create_sheet("Dictionnaire")
    wd.append(["Indicateur", *(k.replace("_", " ").capitalize() for k in champs)])
    for fiche in dictionnaire.iter_rows(named=True) if dictionnaire is not None else ():
        wd.append([fiche["indicateur"], *(_cellule_dico(fiche.get(k)) for k in champs)])
    wb.save(out)


def _cellule_dico(v) -> str | None:
    # lists are already joined by the model: codes on one line, sentences (choix) one per line
    texte = None if v is None else str(v).strip()
    return texte or None


def exporter(
    warehouse: Path,
    out: Path,
    *,
    publie: bool = True,
    niveaux: list[str] | None = None,
    territoires: list[str] | None = None,
    depuis: str | None = None,
    indicateurs: list[str] | None = None,
) -> int:
    """Export the (filtered) cells to ``out``; returns the number of rows written."""
    if Path(out).suffix.lower() not in FORMATS:
        raise ExportError(f"Format inconnu « {Path(out).suffix} » : utilisez .csv, .xlsx ou .parquet.")
    df = lire_cellules(warehouse, publie=publie, niveaux=niveaux, territoires=territoires,
                       depuis=parse_depuis(depuis), indicateurs=indicateurs)
    ecrire_export(df, out, lire_dictionnaire(warehouse) if Path(out).suffix.lower() == ".xlsx" else None)
    return df.height
