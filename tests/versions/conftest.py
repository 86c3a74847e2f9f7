"""Helpers of the versioning tests: hand-made warehouses (registry, date d'arrêté, a marker value)
so that publication, pruning and rollback are tested without running a full build."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

from pipelines.core.settings import Settings
from pipelines.core.warehouse import ensure_raw_schema


class FakeBuild:
    """Writes the work copy the way a build leaves it: registry rows, marts.arrete, a marker."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.n_files = 0

    def step(self, new_files: int = 2, arrete: date = date(2026, 10, 31), marker: int = 0) -> Path:
        work = self.settings.work_warehouse
        work.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(work))
        try:
            ensure_raw_schema(con)
            for _ in range(new_files):
                self.n_files += 1
                i = self.n_files
                con.execute(
                    "insert into raw._fichiers values (?, 'inscriptions', ?, ?, ?, 0, 'csv', 10, 10, 0, "
                    "'CHARGE', null, ?, null)",
                    [i, f"inscriptions/inscriptions_{i:08d}.csv", f"{i:064x}", arrete, datetime.now()],
                )
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.arrete as select ?::date as date_arrete", [arrete])
            # in a published schema: the publication file keeps it (a marker in marts would not be)
            con.execute("create schema if not exists publication")
            con.execute("create or replace table publication.marqueur as select ?::integer as valeur", [marker])
        finally:
            con.close()
        return work


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env(
        data_dir=tmp_path, inbox=tmp_path / "inbox", warehouse=tmp_path / "pub" / "socle.duckdb",
        versions_conservees=3,
    )


@pytest.fixture
def fake_build(settings) -> FakeBuild:
    return FakeBuild(settings)


def marker(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select valeur from publication.marqueur").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def webhook():
    """A real HTTP server on 127.0.0.1 collecting the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}/alerte", "received": received}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def read_marker():
    return marker
