"""A small synthetic inbox shared by the generator's tests (generated once per session)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.synthetic import generate, lecture
from pipelines.synthetic.generator import MOIS_CONSULTATIONS

START = date(2024, 1, 1)
END = date(2025, 9, 30)
PERSONS = 6_000


class Inbox:
    def __init__(self, out: Path, summary: dict):
        self.out = out
        self.summary = summary
        self._cache: dict[tuple[str, str], pl.DataFrame] = {}

    def _get(self, kind: str, export: str, make) -> pl.DataFrame:
        if (kind, export) not in self._cache:
            self._cache[(kind, export)] = make()
        return self._cache[(kind, export)]

    def raw(self, export: str) -> pl.DataFrame:
        """Every delivered row, declared bad rows included, with _fichier and _ligne."""
        return self._get("raw", export, lambda: lecture.read_export(self.out, export, drop_bad_rows=False))

    def versions(self, export: str) -> pl.DataFrame:
        """Every delivered row, declared bad rows left out."""
        return self._get("versions", export, lambda: lecture.without_bad_rows(self.out, export, self.raw(export)))

    def current(self, export: str) -> pl.DataFrame:
        return self._get("current", export, lambda: lecture.latest(self.versions(export), export))


@pytest.fixture(scope="session")
def inbox(tmp_path_factory) -> Inbox:
    out = tmp_path_factory.mktemp("synthetic") / "inbox"
    # with the CLI's default window of the consultation log: every export is generated
    summary = generate(out, regions=["76", "93"], start=START, end=END, persons=PERSONS, seed=7, chunk_size=2_000,
                       mois_consultations=MOIS_CONSULTATIONS)
    return Inbox(out, summary)

