"""Shared fixtures. Test data lives beside the tests that use it."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_env_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's VPCFLOW_DB."""
    monkeypatch.delenv("VPCFLOW_DB", raising=False)
    os.environ.setdefault("TZ", "UTC")
