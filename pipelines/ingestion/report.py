"""Results of an ingestion: per file, per export, per run (with a French summary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CHARGE = "CHARGE"  # loaded (rows loaded and/or quarantined)
REJETE = "REJETE"  # whole file rejected, moved to quarantine
DEJA_CHARGE = "DEJA_CHARGE"  # same content already in the registry: nothing done

_LABELS = {CHARGE: "chargé", REJETE: "rejeté", DEJA_CHARGE: "déjà chargé"}


def _n(v: int) -> str:
    return f"{v:,}".replace(",", "\u202f")  # French thousands separator


@dataclass
class FileResult:
    export: str
    file: str  # path relative to the inbox
    status: str  # CHARGE, REJETE, DEJA_CHARGE
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None  # rejection reason, or what the earlier load was
    load_id: int | None = None  # id_chargement in raw._fichiers (None for DEJA_CHARGE)
    content_hash: str | None = None
    quarantined_to: str | None = None  # where a rejected file was moved
    #: delivered columns out of the contract: read, never stored (their names only, never values)
    ignored_columns: tuple[str, ...] = ()

    def summary(self) -> str:
        s = f"{self.file} : {_LABELS.get(self.status, self.status)}"
        if self.status == CHARGE:
            s += f" ({_n(self.rows_loaded)} lignes chargées, {_n(self.rows_quarantined)} en quarantaine)"
        if self.reason:
            s += f" — {self.reason}"
        if self.ignored_columns:
            s += " — colonne(s) hors contrat non conservée(s) : " + ", ".join(self.ignored_columns)
        return s


class _Totals:
    files: list[FileResult]

    def _count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def files_loaded(self) -> int:
        return self._count(CHARGE)

    @property
    def files_rejected(self) -> int:
        return self._count(REJETE)

    @property
    def files_skipped(self) -> int:
        return self._count(DEJA_CHARGE)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == REJETE]

    def _line(self) -> str:
        return (
            f"{_n(self.files_loaded)} fichier(s) chargé(s), {_n(self.files_rejected)} rejeté(s), "
            f"{_n(self.files_skipped)} déjà chargé(s) ; {_n(self.rows_read)} lignes lues, "
            f"{_n(self.rows_loaded)} chargées, {_n(self.rows_quarantined)} en quarantaine"
        )


@dataclass
class ExportReport(_Totals):
    export: str
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"{self.export} : {self._line()} ({self.seconds:.1f} s)"]
        lines += [f"  rejeté : {f.file} — {f.reason}" for f in self.rejected]
        return "\n".join(lines)


@dataclass
class IngestionReport(_Totals):
    exports: list[ExportReport] = field(default_factory=list)
    #: (path relative to the inbox, reason) of entries left alone (unknown folder, root file)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    date_arrete: date | None = None
    seconds: float = 0.0

    @property
    def files(self) -> list[FileResult]:  # type: ignore[override]
        return [f for e in self.exports for f in e.files]

    def export(self, name: str) -> ExportReport:
        for e in self.exports:
            if e.export == name:
                return e
        raise KeyError(name)

    def summary(self) -> str:
        lines = [f"Ingestion : {self._line()} en {self.seconds:.1f} s."]
        lines += [e.summary() for e in self.exports if e.files]
        for path, reason in self.ignored:
            lines.append(f"  ignoré : {path} — {reason}")
        if self.date_arrete:
            lines.append(f"Date d'arrêté (dernière extraction chargée) : {self.date_arrete:%d/%m/%Y}")
        return "\n".join(lines)
