"""The vectorised validator agrees with the exact parser, value for value."""

from __future__ import annotations

import pyarrow as pa

from vpcflow.records.columns import validate_strings
from vpcflow.records.formats import parse_format
from vpcflow.records.lines import Record, parse_line

FMT = parse_format("${interface-id} ${flow-direction} ${traffic-path} ${start} ${action}")
LINES = [
    "eni-1 egress 8 1620000000 ACCEPT",
    "eni-1 - - 1620000000 -",
    "eni-2 sideways 1 1620000000000 REJECT",
    "eni-3 ingress 300 1 ACCEPT",
    "eni-4 ingress - 1 DROP",
]


def test_validator_matches_exact_parser() -> None:
    cols = list(zip(*(line.split(" ") for line in LINES), strict=True))
    strings = pa.RecordBatch.from_arrays(
        [pa.array([None if v == "-" else v for v in c], pa.string()) for c in cols],
        names=[f"c{i}" for i in range(len(cols))],
    )
    v = validate_strings(strings, FMT, pa.array(range(1, len(LINES) + 1), pa.int64()))
    exact = [parse_line(line, FMT) for line in LINES]
    accepted = [i for i, r in enumerate(exact) if isinstance(r, Record)]
    assert v.batch.column("line").to_pylist() == [i + 1 for i in accepted]
    assert sorted(v.bad.to_pylist()) == [i for i in range(len(LINES)) if i not in accepted]
    for row, i in zip(v.batch.to_pylist(), accepted, strict=True):
        rec = exact[i]
        assert isinstance(rec, Record)
        assert tuple(row[c] for c in FMT.columns) == rec.values
        assert row["ms_timestamp"] == rec.ms_timestamp
    # NULL is not an unknown enum value; 'sideways' is, once
    assert dict(v.warnings) == {
        "unknown flow-direction value 'sideways' (kept)": 1,
        "start/end in milliseconds (divided by 1000)": 1,
    }
