"""The query time range (spec §7.1): ``--start``/``--end`` and ``SOURCE START=/END=``.

Accepted forms: ISO 8601 (``2024-05-01T10:00:00Z``, an offset, or naive =
UTC; a bare date is midnight UTC), epoch seconds, epoch milliseconds (values
of 10^11 and above), relative times (``-1h``, ``-7d``, ``-3600s``, ``0s``) and
``now``. Both ends are inclusive; an end given with whole-second precision
includes that whole second (``@timestamp <= end*1000 + 999``).

>>> resolve("2024-05-01T10:00:05Z", "2024-05-01T10:15:00Z", now_s=0)
(1714557605000, 1714558500999)
>>> resolve("-1h", "now", now_s=1714564800)
(1714561200000, 1714564800999)
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from vpcflow.errors import UsageError

_RELATIVE = re.compile(r"([+-]?)([0-9]+)\s*(ms|s|sec|m|min|h|hr|d|w)s?", re.IGNORECASE)
_UNIT_MS = {
    "ms": 1,
    "s": 1000,
    "sec": 1000,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
MS_THRESHOLD = 10**11
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def parse_time(
    value: str | int | float | datetime | date, now_s: int, *, what: str = "time"
) -> tuple[int, bool]:
    """``(epoch ms, whole_second)`` for one bound; ``whole_second`` when no ms were given."""
    if isinstance(value, datetime):
        return _epoch_ms(value), value.microsecond == 0
    if isinstance(value, date):
        return _epoch_ms(datetime(value.year, value.month, value.day)), True
    if isinstance(value, int | float):
        if value >= MS_THRESHOLD:
            return int(value), False
        return int(value * 1000), float(value).is_integer()
    text = str(value).strip()
    if not text:
        raise UsageError(f"empty {what}")
    if text.lower() == "now":
        return now_s * 1000, True
    m = _RELATIVE.fullmatch(text)
    if m is not None:
        sign = -1 if m.group(1) == "-" else 1
        delta = int(m.group(2)) * _UNIT_MS[m.group(3).lower()]
        return now_s * 1000 + sign * delta, m.group(3).lower() != "ms"
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        number = float(text)
        if number >= MS_THRESHOLD:
            return int(number), False
        return round(number * 1000), "." not in text
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"bad {what} {text!r}: use ISO 8601 (2024-05-01T10:00:00Z), epoch seconds, "
            "or a relative time such as -1h or -7d"
        ) from None
    # an end written with a fraction (10:15:00.000) is exact; without, it covers the second
    return _epoch_ms(dt), re.search(r"\d:\d\d[.,]\d", text) is None


def resolve(
    start: str | int | float | datetime | date | None,
    end: str | int | float | datetime | date | None,
    now_s: int,
) -> tuple[int | None, int | None]:
    """Inclusive ``(start_ms, end_ms)``; None where unbounded."""
    start_ms = parse_time(start, now_s, what="start time")[0] if start is not None else None
    end_ms: int | None = None
    if end is not None:
        ms, whole = parse_time(end, now_s, what="end time")
        end_ms = ms + 999 if whole else ms
    if start_ms is not None and end_ms is not None and end_ms < start_ms:
        raise UsageError("the end time is before the start time")
    return start_ms, end_ms
