"""Period literals (``5m``, ``2hrs``, ``1min``) for ``bin``, ``datefloor`` and ``dateceil``.

Spec §2.6 (units and aliases; any multi-letter alias may take a plural ``s``,
unit names are case-insensitive) and §5.5 (AWS clamps the count to the size of
the next unit: at most 1000 ms, 60 s, 60 m, 24 h).

>>> parse_period("2hrs")
(2, 'h')
>>> parse_period("5M")
(5, 'm')
>>> parse_period("3mo")
(3, 'mo')
>>> clamp(300, "s")
60
"""

from __future__ import annotations

import re

_ALIASES: dict[str, tuple[str, ...]] = {
    "ms": ("ms", "msec", "millisecond"),
    "s": ("s", "sec", "second"),
    "m": ("m", "min", "minute"),
    "h": ("h", "hr", "hour"),
    "d": ("d", "day"),
    "w": ("w", "week"),
    "mo": ("mo", "mon", "month"),
    "q": ("q", "qtr", "quarter"),
    "y": ("y", "yr", "year"),
}

UNITS: dict[str, str] = {}
for _unit, _names in _ALIASES.items():
    for _name in _names:
        UNITS[_name] = _unit
        if len(_name) > 1:
            UNITS[_name + "s"] = _unit

# Fixed-length units, in milliseconds; the calendar units (w, mo, q, y) are not here.
UNIT_MS: dict[str, int] = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}

CAPS: dict[str, int] = {"ms": 1000, "s": 60, "m": 60, "h": 24}

UNIT_NAMES: dict[str, str] = {
    "ms": "millisecond",
    "s": "second",
    "m": "minute",
    "h": "hour",
    "d": "day",
    "w": "week",
    "mo": "month",
    "q": "quarter",
    "y": "year",
}

_PERIOD = re.compile(r"([0-9]+)([A-Za-z]+)")


def parse_period(text: str) -> tuple[int, str] | None:
    """``(count, canonical unit)`` for a period literal, or None when it is not one."""
    m = _PERIOD.fullmatch(text)
    if m is None:
        return None
    unit = UNITS.get(m.group(2).lower())
    count = int(m.group(1))
    if unit is None or count <= 0:
        return None
    return count, unit


def clamp(count: int, unit: str) -> int:
    """The count AWS actually uses (spec §5.5): ``bin(90m)`` behaves as ``bin(60m)``."""
    cap = CAPS.get(unit)
    return min(count, cap) if cap is not None else count


def describe(count: int, unit: str) -> str:
    name = UNIT_NAMES[unit]
    return f"{count} {name}{'' if count == 1 else 's'}"
