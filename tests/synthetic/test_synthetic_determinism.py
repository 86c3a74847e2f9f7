"""Same seed and arguments: byte-identical inbox; another seed: another inbox."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from pipelines.synthetic import generate, start_for_months


def _hashes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _run(out, seed):
    return generate(out, regions=["76"], start=date(2024, 11, 1), end=date(2025, 2, 28),
                    persons=1_200, seed=seed, chunk_size=500)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    _run(tmp_path / "a", 11)
    _run(tmp_path / "b", 11)
    _run(tmp_path / "c", 12)
    a, b, c = _hashes(tmp_path / "a"), _hashes(tmp_path / "b"), _hashes(tmp_path / "c")
    assert a == b
    assert any(n.endswith(".parquet") for n in a) and any(n.endswith(".csv.gz") for n in a)
    assert a != c
    common = set(a) & set(c)
    assert sum(a[n] != c[n] for n in common) > len(common) // 2


def test_existing_inbox_is_refused_unless_overwrite(tmp_path):
    _run(tmp_path / "a", 1)
    with pytest.raises(FileExistsError):
        _run(tmp_path / "a", 1)
    (tmp_path / "a" / "autre.txt").write_text("x")  # not ours: kept
    generate(tmp_path / "a", regions=["76"], start=date(2025, 1, 1), end=date(2025, 1, 31),
             persons=200, seed=1, overwrite=True)
    assert (tmp_path / "a" / "autre.txt").exists()
    files = [p for p in (tmp_path / "a" / "inscriptions").iterdir()]
    assert files and all("2025" in p.name for p in files)


def test_start_for_months():
    assert start_for_months(date(2025, 10, 31), 1) == date(2025, 10, 1)
    assert start_for_months(date(2025, 10, 31), 22) == date(2024, 1, 1)
    assert start_for_months(date(2025, 2, 28), 14) == date(2024, 1, 1)
    with pytest.raises(ValueError):
        start_for_months(date(2025, 2, 28), 0)


def test_unknown_region_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="Régions inconnues"):
        generate(tmp_path / "x", regions=["99"], end=date(2024, 2, 29), persons=10)
    with pytest.raises(ValueError):
        generate(tmp_path / "y", regions=["03"], end=date(2024, 2, 29), persons=10)  # overseas: no DEFM counts
