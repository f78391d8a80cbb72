"""The fast (vectorised) and exact (pure-Python) text paths give identical rows."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcflow.ingest.text import TextReader, read_text
from vpcflow.records.formats import DEFAULT_FORMAT

DATA = Path(__file__).parent / "data"


def _rows(data: bytes, exact: bool, chunk: int | None = None) -> tuple[list[Any], Any]:
    reader = TextReader(DEFAULT_FORMAT, exact=exact)
    if chunk:
        reader.chunk_bytes = chunk
    rows = []
    for fmt, batch in reader.batches(io.BytesIO(data)):
        for row in batch.to_pylist():
            rows.append((fmt.name(), tuple(sorted(row.items()))))
    rows.sort(key=lambda r: dict(r[1])["line"])
    st_ = reader.stats
    assert st_.lines == st_.records + len(st_.rejects) + st_.headers + st_.blanks
    return rows, st_


def _same(data: bytes, chunk: int | None = None) -> tuple[list[Any], Any]:
    fast, fs = _rows(data, exact=False, chunk=chunk)
    slow, ss = _rows(data, exact=True)
    assert fast == slow
    assert [(r.line, r.reason, r.column) for r in fs.rejects] == [
        (r.line, r.reason, r.column) for r in ss.rejects
    ]
    assert (fs.lines, fs.records, fs.headers, fs.blanks) == (
        ss.lines,
        ss.records,
        ss.headers,
        ss.blanks,
    )
    assert fs.warnings == ss.warnings
    return fast, fs


def test_irregular_file_same_on_both_paths() -> None:
    rows, stats = _same((DATA / "irregular.log").read_bytes())
    assert stats.lines == 20
    assert stats.headers == 2
    assert stats.blanks == 2
    by_line = {dict(r[1])["line"]: dict(r[1]) for r in rows}
    assert sorted(by_line) == [2, 3, 5, 6, 7, 12, 14, 17]
    assert by_line[6]["start"] == 1512564058 and by_line[6]["ms_timestamp"] is True
    assert (
        by_line[7]["srcaddr"] == "10.0.0.5" and by_line[7]["dstaddr"] == "10.0.1.7"
    )  # double space
    assert by_line[5]["log_status"] == "NODATA" and by_line[5]["srcaddr"] is None  # CRLF
    assert by_line[12]["srcaddr"] == "10.0.0.1"  # leading and trailing space
    assert by_line[17]["dstaddr"] == "10.0.0.2"  # tab
    reasons = {r.line: r.reason for r in stats.rejects}
    assert set(reasons) == {8, 9, 10, 11, 15, 16, 18, 19}
    assert "negative" in reasons[9]
    assert "ACCEPT or REJECT" in reasons[10]
    assert "UTF-8" in reasons[19]


def test_tiny_chunks_same_rows() -> None:
    data = (DATA / "irregular.log").read_bytes()
    assert _same(data, chunk=64)[0] == _same(data)[0]


def test_header_with_another_format_switches() -> None:
    rows, stats = _same((DATA / "two-formats.log").read_bytes())
    assert stats.headers == 3
    assert [f.name()[:20] for f in stats.formats] == [
        "${version} ${vpc-id}",
        "default",
        "${interface-id} ${sr",
    ]
    last = dict(rows[-1][1])
    assert last["future_field"] == "shiny"
    first = dict(rows[0][1])
    assert first["tcp_flags"] == 2 and first["bytes"] == 568


def test_gzip_with_concatenated_members() -> None:
    import pyarrow as pa

    raw = (DATA / "irregular.log").read_bytes()
    cut = raw.index(b"\n", 400) + 1
    blob = gzip.compress(raw[:cut]) + gzip.compress(raw[cut:])
    stream = pa.CompressedInputStream(pa.BufferReader(blob), "gzip")
    out, stats = read_text(stream, DEFAULT_FORMAT)
    assert stats.lines == 20
    assert sum(b.num_rows for _, b in out) == 8


def test_garbage_is_all_rejects_or_blanks() -> None:
    import random

    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(5000))
    rows, stats = _same(data)
    assert rows == []
    assert stats.lines == len(stats.rejects) + stats.blanks


LINE = st.sampled_from(
    [
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK",
        "2 123456789010 eni-1 - - - - - - - 1620000000 1620000060 - NODATA",
        "2 123 eni-2 10.0.0.1  10.0.0.2 1 2 17 1 99 1620000000000 1620000060 REJECT OK",
        "2 123 eni-2 10.0.0.1 10.0.0.2 1 2 17 1 99 1620000000 1620000060 REJECT OK\r",
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
        "",
        "   ",
        "2 123 eni-2 10.0.0.1 10.0.0.2 1 2 17 1 99 1620000000 1620000060 REJECT",
        "2 123 eni-2 10.0.0.1 10.0.0.2 +1 2 17 1 99 1620000000 1620000060 REJECT OK",
        "2 123 eni-2 10.0.0.1 10.0.0.2 1 2 1700 1 99 1620000000 1620000060 REJECT OK",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(LINE, max_size=40), st.sampled_from([None, 50, 200]))
def test_any_mix_of_lines_same_on_both_paths(lines: list[str], chunk: int | None) -> None:
    _same("\n".join(lines).encode(), chunk=chunk)
