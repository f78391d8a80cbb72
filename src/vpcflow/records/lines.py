"""Parse and render single flow log lines (spec/flow-logs.md §9): the exact, pure-Python path.

Every input, ``str`` or ``bytes``, gives either a :class:`Record` or a
:class:`Reject` — never an exception. The rules:

- Fields are split on runs of ASCII whitespace (space, tab, CR, LF, VT, FF);
  leading/trailing whitespace (a CRLF ending) is ignored.
- The number of fields must equal the format's; a line is never shifted or padded.
- ``-`` is NULL in every column; ``unknown`` (an account id) is a value.
- Integer fields take ASCII digits only: a sign, a decimal point, an exponent,
  hex or underscores make a reject. Values above the field's bound are rejects
  (ports 65535, protocol 255, tcp-flags 63, encryption-status 3, 64-bit counters).
- ``start``/``end`` above 10^11 are milliseconds: divided by 1000 (floor) and the
  record is flagged ``ms_timestamp`` (a warning is counted, not a reject).
- ``action`` must be ACCEPT or REJECT and ``log-status`` OK, NODATA or SKIPDATA
  (closed sets); other enums are open: unknown values are kept and warned about.
- Bytes that are not UTF-8 make a reject.

>>> from vpcflow.records.formats import DEFAULT_FORMAT
>>> rec = parse_line("2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1620000000 1620000060 ACCEPT OK", DEFAULT_FORMAT)
>>> rec.values[5], rec.values[9], rec.values[-1]
(443, 840, 'OK')
>>> parse_line("2 123 eni-1 - - - - - - - 1 2 - NODATA", DEFAULT_FORMAT).values[3] is None
True
>>> parse_line("2 123 eni-1", DEFAULT_FORMAT).reason
'wrong field count: expected 14, found 3'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from vpcflow.records.fields import (
    ACTIONS,
    LOG_STATUSES,
    MS_TIMESTAMP_THRESHOLD,
    OPEN_ENUMS,
    Field,
)
from vpcflow.records.formats import FlowFormat

# ASCII whitespace exactly (bytes.split() semantics): str.split() would also split
# on \x1c-\x1f and Unicode spaces, which AWS never writes as separators.
_WS = re.compile(r"[ \t\n\r\x0b\x0c]+")
_WS_CHARS = " \t\n\r\x0b\x0c"
_FIELD = re.compile(r"[^ \t\n\r\x0b\x0c]+")

TIME_TOKENS = frozenset({"start", "end"})
MS_WARNING = "start/end in milliseconds (divided by 1000)"


@dataclass(frozen=True, slots=True)
class Record:
    """A parsed line: ``values`` aligned with the format's columns (None = NULL)."""

    values: tuple[Any, ...]
    ms_timestamp: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reject:
    """A line that is not a valid record: why, and the 1-based character column."""

    reason: str
    column: int | None = None


class _Bad(Exception):
    """Internal: a field failed validation (carries the field index)."""

    def __init__(self, index: int, reason: str) -> None:
        self.index = index
        self.reason = reason


def _int_converter(index: int, f: Field) -> Callable[[str], tuple[int | None, bool]]:
    bound = f.upper_bound
    is_time = f.token in TIME_TOKENS
    token = f.token

    def convert(s: str) -> tuple[int | None, bool]:
        if s == "-":
            return None, False
        if not (s.isascii() and s.isdigit()):
            if s[:1] == "-" and s[1:].isascii() and s[1:].isdigit():
                raise _Bad(index, f"{token}: negative number {s!r}")
            raise _Bad(index, f"{token}: not a whole number {_clip(s)!r}")
        if len(s) > 19:
            raise _Bad(index, f"{token}: out of range (max {bound}) {_clip(s)!r}")
        v = int(s)
        ms = False
        if is_time and v > MS_TIMESTAMP_THRESHOLD:
            v //= 1000
            ms = True
        if v > bound:
            raise _Bad(index, f"{token}: out of range (max {bound}) {s!r}")
        return v, ms

    return convert


def _text_converter(index: int, f: Field) -> Callable[[str], tuple[str | None, str | None]]:
    token = f.token
    if token == "action":
        closed: frozenset[str] | None = ACTIONS
        expected = "ACCEPT or REJECT"
    elif token == "log-status":
        closed = LOG_STATUSES
        expected = "OK, NODATA or SKIPDATA"
    else:
        closed = None
        expected = ""
    open_set = OPEN_ENUMS.get(token)

    def convert(s: str) -> tuple[str | None, str | None]:
        if s == "-":
            return None, None
        if closed is not None and s not in closed:
            raise _Bad(index, f"{token}: not {expected} {_clip(s)!r}")
        if open_set is not None and s not in open_set:
            return s, open_enum_warning(token, s)
        return s, None

    return convert


def open_enum_warning(token: str, value: str) -> str:
    """The warning key for an unknown value of an open enum (counted, shown once)."""
    return f"unknown {token} value {_clip(value)!r} (kept)"


def _clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[:n] + "..."


class LineParser:
    """A parser compiled for one format. ``parse`` never raises."""

    def __init__(self, fmt: FlowFormat) -> None:
        self.fmt = fmt
        self.width = len(fmt.tokens)
        self._ints: list[tuple[int, Callable[[str], tuple[int | None, bool]]]] = []
        self._texts: list[tuple[int, Callable[[str], tuple[str | None, str | None]]]] = []
        for i, f in enumerate(fmt.fields):
            if f.is_integer:
                self._ints.append((i, _int_converter(i, f)))
            else:
                self._texts.append((i, _text_converter(i, f)))

    def parse(self, line: str | bytes) -> Record | Reject:
        """A :class:`Record` or a :class:`Reject` for one line (terminator optional)."""
        if isinstance(line, bytes | bytearray | memoryview):
            try:
                text = bytes(line).decode("utf-8")
            except UnicodeDecodeError as exc:
                return Reject(f"not valid UTF-8 (byte {exc.start + 1})", None)
        else:
            text = line
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:  # lone surrogates in a str
                return Reject("not valid UTF-8", exc.start + 1)
        stripped = text.strip(_WS_CHARS)
        parts = _WS.split(stripped) if stripped else []
        if len(parts) != self.width:
            return Reject(f"wrong field count: expected {self.width}, found {len(parts)}", None)
        values: list[Any] = list(parts)
        ms = False
        warnings: list[str] = []
        try:
            for i, conv in self._ints:
                v, was_ms = conv(parts[i])
                values[i] = v
                ms = ms or was_ms
            for i, tconv in self._texts:
                sv, warning = tconv(parts[i])
                values[i] = sv
                if warning is not None:
                    warnings.append(warning)
        except _Bad as bad:
            return Reject(bad.reason, field_column(text, bad.index))
        if ms:
            warnings.append(MS_WARNING)
        return Record(tuple(values), ms, tuple(warnings))


def field_column(text: str, index: int) -> int | None:
    """1-based character column where field ``index`` (0-based) starts in ``text``."""
    for n, m in enumerate(_FIELD.finditer(text)):
        if n == index:
            return m.start() + 1
    return None


@cache
def parser_for(fmt: FlowFormat) -> LineParser:
    """The cached :class:`LineParser` for ``fmt``."""
    return LineParser(fmt)


def parse_line(line: str | bytes, fmt: FlowFormat) -> Record | Reject:
    """Parse one flow log line in format ``fmt``: a Record or a Reject, never an exception."""
    return parser_for(fmt).parse(line)


def render_line(values: Sequence[Any], fmt: FlowFormat | None = None) -> str:
    """The line AWS would write for ``values`` (None as ``-``, single spaces).

    >>> render_line([2, None, "eni-1"])
    '2 - eni-1'
    """
    return " ".join("-" if v is None else str(v) for v in values)


def is_blank(line: str | bytes) -> bool:
    """True for a line of nothing but ASCII whitespace."""
    if isinstance(line, bytes | bytearray):
        return not bytes(line).strip()
    return not line.strip(_WS_CHARS)
