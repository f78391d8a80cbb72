"""A store with every conformance dataset, built once per test session (per xdist worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .datasets import build_store


@pytest.fixture(scope="session")
def conformance_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("conformance") / "cases.duckdb"
    return str(build_store(Path(path)))
