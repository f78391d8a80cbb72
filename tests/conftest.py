"""Shared fixtures. Test data lives beside the tests that use it."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest


@pytest.fixture(autouse=True)
def _no_env_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's VPCFLOW_DB."""
    monkeypatch.delenv("VPCFLOW_DB", raising=False)
    os.environ.setdefault("TZ", "UTC")


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(argv: list[str], stdin: str | bytes | None = None) -> CliResult:
    """Run ``vpcflow ARGV`` in-process through the real entry point (error mapping included)."""
    from vpcflow.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    if stdin is not None:
        raw = stdin.encode() if isinstance(stdin, str) else stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """``cli(["ingest", path, "--json"])`` -> CliResult(code, stdout, stderr)."""
    return run_cli
