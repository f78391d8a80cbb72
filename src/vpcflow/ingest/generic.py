"""Generic line-oriented logs (``vpcflow ingest FILE --generic --log-group NAME``) as log events.

Each non-blank line becomes one event (``@message`` = the line without its
terminator; blank lines are counted, not stored). The event time is a leading
ISO-8601 timestamp when the line starts with one, else the ingestion time:

- ``2024-05-01T12:00:00Z``, ``2024-05-01 12:00:00``, ``2024-05-01T12:00:00.123+02:00``,
  ``2024-05-01T12:00:00,123`` (comma fraction, as Python's logging writes);
- no zone means UTC.

The stream is the file's name (``stdin`` for ``-``). Bytes that are not UTF-8
are replaced (U+FFFD) rather than rejected: a generic log has no record
grammar to violate.

>>> leading_timestamp("2024-05-01 12:00:00,250 INFO started").isoformat()
'2024-05-01T12:00:00.250000'
>>> leading_timestamp("started at 2024-05-01") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?(?=$|[\s\]|,;])"
)


def leading_timestamp(line: str) -> datetime | None:
    """The naive-UTC time a line starts with, or None."""
    m = _ISO.match(line)
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    try:
        ts = datetime(y, mo, d, h, mi, s, micro)
    except ValueError:
        return None
    zone = m.group(8)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        ts -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return ts


def event_batches(
    chunks: Iterator[bytes], *, stream_name: str, now: datetime, batch_lines: int = 65536
) -> Iterator[tuple[pa.RecordBatch, int, int]]:
    """(events batch, lines read, blank lines) for the chunks of a text file."""
    import pyarrow as pa

    line_no = 0
    ts: list[Any] = []
    msgs: list[str] = []
    nums: list[int] = []
    lines = blanks = 0
    naive_now = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now

    def flush() -> pa.RecordBatch:
        return pa.RecordBatch.from_pydict(
            {
                "timestamp": pa.array(ts, pa.timestamp("us")),
                "message": pa.array(msgs, pa.string()),
                "log_stream": pa.array([stream_name] * len(msgs), pa.string()),
                "line": pa.array(nums, pa.int64()),
            }
        )

    for chunk in chunks:
        parts = chunk.split(b"\n")
        if chunk.endswith(b"\n"):
            parts.pop()
        for raw in parts:
            line_no += 1
            lines += 1
            text = raw.decode("utf-8", "replace").rstrip("\r")
            if not text.strip():
                blanks += 1
                continue
            ts.append(leading_timestamp(text) or naive_now)
            msgs.append(text)
            nums.append(line_no)
            if len(msgs) >= batch_lines:
                yield flush(), lines, blanks
                ts, msgs, nums = [], [], []
                lines = blanks = 0
    if msgs or lines:
        yield flush(), lines, blanks
