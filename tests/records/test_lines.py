"""The exact line parser: the §9 case table, property tests, and the round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcflow.records.fields import FIELDS, INT_MAX
from vpcflow.records.formats import DEFAULT_FORMAT, FlowFormat, parse_format
from vpcflow.records.lines import (
    MS_WARNING,
    Record,
    Reject,
    field_column,
    parse_line,
    render_line,
)

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "line_cases.yaml").read_text()
)


def _fmt(case: dict[str, Any]) -> FlowFormat:
    return parse_format(case.get("format", "default"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_line_case(case: dict[str, Any]) -> None:
    fmt = _fmt(case)
    result = parse_line(case["line"], fmt)
    if "reject" in case:
        assert isinstance(result, Reject), result
        assert case["reject"] in result.reason
        if "column" in case:
            assert result.column == case["column"]
        return
    assert isinstance(result, Record), result
    values = dict(zip(fmt.columns, result.values, strict=True))
    for column, expected in case["record"].items():
        assert values[column] == expected, column
    assert result.ms_timestamp == bool(case.get("ms"))
    if case.get("ms"):
        assert MS_WARNING in result.warnings
    if "warning" in case:
        assert any(case["warning"] in w for w in result.warnings)


def test_bytes_input_and_invalid_utf8() -> None:
    line = (
        b"2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK"
    )
    assert isinstance(parse_line(line, DEFAULT_FORMAT), Record)
    bad = parse_line(line.replace(b"eni-1", b"eni-\xff"), DEFAULT_FORMAT)
    assert isinstance(bad, Reject)
    assert bad.reason.startswith("not valid UTF-8")


def test_unicode_digits_are_not_numbers() -> None:
    line = (
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 ٤٤٣ 49152 6 10 840 1620000000 1620000060 ACCEPT OK"
    )
    result = parse_line(line, DEFAULT_FORMAT)
    assert isinstance(result, Reject)
    assert "srcport" in result.reason


def test_field_column_is_one_based() -> None:
    assert field_column("a  bb c", 1) == 4
    assert field_column("a b", 5) is None


# -- properties ---------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_record_or_reject(data: bytes) -> None:
    result = parse_line(data, DEFAULT_FORMAT)
    assert isinstance(result, Record | Reject)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_record_or_reject(text: str) -> None:
    fmt = parse_format("${interface-id} ${srcport} ${action} ${tcp-flags} ${start}")
    assert isinstance(parse_line(text, fmt), Record | Reject)


_TOKEN_CHARS = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="-"),
    min_size=1,
    max_size=12,
)


def _value(field: Any) -> st.SearchStrategy[Any]:
    if field.token == "action":
        return st.sampled_from(["ACCEPT", "REJECT", None])
    if field.token == "log-status":
        return st.sampled_from(["OK", "NODATA", "SKIPDATA", None])
    if field.token in ("start", "end"):
        return st.one_of(st.none(), st.integers(0, 10**11))
    if field.is_integer:
        return st.one_of(st.none(), st.integers(0, min(field.upper_bound, INT_MAX["BIGINT"])))
    return st.one_of(st.none(), _TOKEN_CHARS)


_FORMATS = st.lists(st.sampled_from(FIELDS), min_size=1, max_size=20, unique=True).map(
    lambda fs: FlowFormat(tuple(f.token for f in fs))
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_round_trip_record_line_record(data: st.DataObject) -> None:
    fmt = data.draw(_FORMATS)
    values = tuple(data.draw(_value(f)) for f in fmt.fields)
    line = render_line(values, fmt)
    result = parse_line(line, fmt)
    assert isinstance(result, Record), (line, result)
    assert result.values == values
    assert render_line(result.values, fmt) == line
