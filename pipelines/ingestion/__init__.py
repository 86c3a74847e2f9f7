"""Ingestion of the inbox into the raw layer (see ``loader`` for the rules)."""

from pipelines.ingestion.loader import (
    current_state,
    date_arrete,
    ingest_export,
    ingest_inbox,
    pending_files,
)
from pipelines.ingestion.pseudonymisation import pseudonymise
from pipelines.ingestion.report import CHARGE, DEJA_CHARGE, REJETE, ExportReport, FileResult, IngestionReport

__all__ = [
    "CHARGE",
    "DEJA_CHARGE",
    "REJETE",
    "ExportReport",
    "FileResult",
    "IngestionReport",
    "current_state",
    "date_arrete",
    "ingest_export",
    "ingest_inbox",
    "pending_files",
    "pseudonymise",
]
