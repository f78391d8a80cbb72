"""The conformance suite: every case of spec/logs-insights-cases.md, run like `vpcflow query --json`.

Cases live in ``cases/conformance.yaml`` (a copy of the spec's cases). Each
runs through the real CLI entry point against a store holding the datasets,
and is compared by the harness rules of the cases file (§0): exact column
set, rows by column name, ordered or as a multiset, numbers with relative
tolerance 1e-9, errors by code (and offset when the case gives one).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from .datasets import DATASETS

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "conformance.yaml").read_text())["cases"]


def _expected_rows(expect: dict[str, Any]) -> list[dict[str, Any]]:
    columns = expect.get("columns")
    if "values" in expect:
        (name,) = columns
        return [{name: v} for v in expect["values"]]
    rows = []
    for row in expect.get("rows", []):
        rows.append(dict(zip(columns, row, strict=True)) if isinstance(row, list) else row)
    return rows


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    return a == b


def _key(row: dict[str, Any]) -> str:
    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, float):
            return round(v, 9)
        return v

    return json.dumps({k: norm(v) for k, v in sorted(row.items())}, sort_keys=True)


def run_case(cli: Any, db: str, case: dict[str, Any]) -> Any:
    data = DATASETS[case["data"]]
    start, end = case.get("range", data.range)
    argv = ["query", case["query"], "--db", db, "--log-group", data.log_group]
    argv += ["--start", start, "--end", end, "--json"]
    if "clock" in case:
        argv += ["--now", case["clock"]]
    return cli(argv)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], cli: Any, conformance_db: str) -> None:
    if "skip" in case:
        pytest.skip(case["skip"])
    result = run_case(cli, conformance_db, case)
    if "error" in case:
        want = case["error"]
        assert result.code == 2, result.stdout
        assert result.stdout == ""
        first = result.stderr.splitlines()[0]
        assert f": {want['code']}: " in first, result.stderr
        if "start" in want:
            # query:LINE:COL is 1-based; every offset case is on line 1
            assert first.startswith(f"vpcflow: error: query:1:{want['start'] + 1}:"), first
        if "message_contains" in want:
            assert want["message_contains"] in first
        assert "^" in result.stderr  # the caret line
        return
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    expect = case["expect"]
    rows = doc["results"]
    if "count" in expect:
        assert len(rows) == expect["count"]
        assert doc["fields"] == expect["columns"]
        return
    want = _expected_rows(expect)
    columns = expect.get("columns") or (list(want[0]) if want else None)
    if columns is not None:
        assert set(doc["fields"]) == set(columns), doc["fields"]
    got = [{k: r.get(k) for k in columns or r} for r in rows]
    assert len(got) == len(want), got
    if expect.get("order", "ordered") == "multiset":
        assert Counter(map(_key, got)) == Counter(map(_key, want)), got
    else:
        for g, w in zip(got, want, strict=True):
            assert all(_same(g.get(k), w[k]) for k in w), (g, w)


def test_every_spec_case_is_present() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) == 113
