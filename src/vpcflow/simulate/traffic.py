"""Traffic files: what happens on the lab's network, and when.

A traffic file is YAML (or JSON)::

    start: 2025-07-15T11:00:00Z     # ISO 8601; naive times are UTC
    seed: 7                         # optional (default 0): same seed -> same bytes
    end: 15m                        # optional: simulate (NODATA) until then
    flows:
      - {at: 30s, preset: ping, from: i-2, to: 10.1.1.133}
      - {at: 2m, from: i-1, to: 10.2.0.73, protocol: tcp, port: 22, bytes: 4096}
      - {at: 12m31s, preset: scan, from: 143.110.152.75, to: 3.80.10.20,
         ports: [22, 20167, "8000-8010"], source_port: 56142}
      - {at: 0s, preset: background, duration: 15m, rate: 6/min}

Every entry is either a *raw flow* (``protocol`` given, no ``preset``) or a
*preset*. Keys, per kind (anything else is an error naming its line):

=============  ===================================================================
raw flow       at, from, to, protocol, port, source_port, count, bytes,
               reply_bytes, duration, label
ping           at, from, to, count (echo requests, default 4), bytes, interval, label
ssh/http/https at, from, to, port, source_port, count (sessions, default 1), bytes,
               reply_bytes, duration, interval, label
scan           at, from, to | hosts, ports, protocol (tcp|udp|icmp), source_port,
               interval, label
background     at, duration, rate, internet, label
=============  ===================================================================

Units (decisions where the issue is silent, so a user can predict the numbers):

- ``at``, ``duration``, ``interval``: seconds as a number, or ``250ms``, ``90s``,
  ``5m``, ``1h``, ``1m30s``; ``at`` may also be an absolute ISO 8601 time not
  before ``start``.
- ``from``/``to``: instance id, ENI id, private or public IP, or an internet
  address, exactly as ``vpcflow reach`` takes them.
- ``count``: ICMP echo requests, UDP (or other protocol) datagrams, TCP data
  segments the client sends (raw flows); sessions for ssh/http/https.
- ``bytes``: for ICMP the total IP bytes of the echo requests (default 84 per
  request, i.e. ``ping``'s 56 data bytes); for TCP/UDP the application payload
  the client sends (flow log bytes add the headers). ``reply_bytes``: the
  payload the server sends back (an extension of the issue's keys).
- ``source_port``: used exactly as given (sessions ``i`` of a multi-session
  preset use ``source_port + i``); otherwise drawn from the seed in the source's
  ephemeral range.
- ``end`` (an extension): how long the simulated span lasts, as a duration from
  ``start`` or an ISO 8601 time; idle ENIs write NODATA records up to it.
  Default: the last packet (or the end of the last ``background``).
- ``rate`` (background): flows per minute as a number, or ``N/s``, ``N/min``,
  ``N/h``; ``internet``: the share of background flows that involve an
  internet host (default 0.5).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vpcflow.errors import InputError
from vpcflow.simulate.yamlpos import Located, load_located

PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}
PROTOCOL_NAMES = {v: k for k, v in PROTOCOLS.items()}

SESSION_PORTS = {"ssh": 22, "http": 80, "https": 443}
PRESETS = ("background", "http", "https", "ping", "scan", "ssh")

_COMMON = {"at", "label"}
ALLOWED_KEYS: dict[str | None, frozenset[str]] = {
    None: frozenset(
        _COMMON
        | {
            "from",
            "to",
            "protocol",
            "port",
            "source_port",
            "count",
            "bytes",
            "reply_bytes",
            "duration",
        }
    ),
    "ping": frozenset(_COMMON | {"preset", "from", "to", "count", "bytes", "interval"}),
    "scan": frozenset(
        _COMMON | {"preset", "from", "to", "hosts", "ports", "protocol", "source_port", "interval"}
    ),
    "background": frozenset(_COMMON | {"preset", "duration", "rate", "internet"}),
}
for _name in SESSION_PORTS:
    ALLOWED_KEYS[_name] = frozenset(
        _COMMON
        | {
            "preset",
            "from",
            "to",
            "port",
            "source_port",
            "count",
            "bytes",
            "reply_bytes",
            "duration",
            "interval",
        }
    )

MAX_SCAN_PROBES = 200_000
MAX_COUNT = 10_000_000

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|min|m|h|hour))?\s*$")


@dataclass(frozen=True)
class FlowEntry:
    """One entry of a traffic file, validated (presets not yet expanded)."""

    index: int
    line: int | None
    preset: str | None
    at_ms: int
    source: str | None = None
    destination: str | None = None
    protocol: int | None = None
    port: int | None = None
    source_port: int | None = None
    count: int | None = None
    bytes: int | None = None
    reply_bytes: int | None = None
    duration_ms: int | None = None
    interval_ms: int | None = None
    ports: tuple[int, ...] = ()
    hosts: tuple[str, ...] = ()
    rate_per_min: float | None = None
    internet_share: float | None = None
    label: str | None = None

    @property
    def kind(self) -> str:
        """``ping``, ``scan``, ... for presets; ``tcp``/``icmp``/... for raw flows."""
        if self.preset:
            return self.preset
        assert self.protocol is not None
        return PROTOCOL_NAMES.get(self.protocol, str(self.protocol))


@dataclass(frozen=True)
class Traffic:
    """A loaded traffic file."""

    start: datetime
    seed: int = 0
    entries: tuple[FlowEntry, ...] = ()
    path: str = "<string>"
    end_ms: int | None = None
    """``end`` as milliseconds after ``start`` (None: until the last packet)."""

    @property
    def start_ms(self) -> int:
        """``start`` as Unix epoch milliseconds."""
        return int(self.start.timestamp() * 1000)


def load_traffic(path: str | Path) -> Traffic:
    """Read and validate a traffic file; :class:`InputError` names file, line and column."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("traffic file not found", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read traffic file: {exc}", str(path)) from None
    return load_traffic_text(text, str(path))


def load_traffic_text(text: str, path: str = "<string>") -> Traffic:
    """Parse a traffic document given as text (``path`` is used in error messages)."""
    doc = load_located(text, path)
    top = doc.value
    if not isinstance(top, dict):
        raise doc.error("a traffic file is a mapping with 'start' and 'flows'", ())
    unknown = sorted(set(top) - {"start", "seed", "end", "flows"})
    if unknown:
        raise doc.error(
            f"unknown key {unknown[0]!r} (expected start, seed, end, flows)",
            (unknown[0],),
            key=True,
        )
    if "start" not in top:
        raise doc.error("missing 'start' (an ISO 8601 time such as 2025-07-15T11:00:00Z)", ())
    start = _parse_time(top["start"], doc, ("start",))
    seed = top.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise doc.error("'seed' must be a whole number >= 0", ("seed",))
    flows = top.get("flows")
    if flows is None:
        flows = []
    if not isinstance(flows, list):
        raise doc.error("'flows' must be a list", ("flows",))
    entries = tuple(_entry(i, raw, doc, start) for i, raw in enumerate(flows))
    end_ms = _offset(top["end"], doc, ("end",), start, "end") if "end" in top else None
    return Traffic(start=start, seed=seed, entries=entries, path=path, end_ms=end_ms)


# --- parsing helpers -----------------------------------------------------------------


def parse_duration(value: Any) -> int:
    """Seconds (number) or ``1m30s``-style text -> milliseconds. ``ValueError`` if neither.

    >>> parse_duration("1m30s"), parse_duration(2.5), parse_duration("250ms")
    (90000, 2500, 250)
    """
    if isinstance(value, bool):
        raise ValueError("not a duration")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ValueError("not a finite duration >= 0")
        return round(value * 1000)
    if not isinstance(value, str):
        raise ValueError("not a duration")
    text = value.strip().replace(" ", "")
    if not text:
        raise ValueError("empty duration")
    try:
        return parse_duration(float(text))
    except ValueError:
        pass
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            raise ValueError("not a duration")
        total += float(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    if pos != len(text):
        raise ValueError("not a duration")
    return round(total)


def parse_rate(value: Any) -> float:
    """Flows per minute from ``6``, ``6/min``, ``0.5/s``, ``100/h``.

    >>> parse_rate("2/s"), parse_rate(6), parse_rate("120/h")
    (120.0, 6.0, 2.0)
    """
    if isinstance(value, bool):
        raise ValueError("not a rate")
    if isinstance(value, int | float):
        per_min = float(value)
        if not math.isfinite(per_min):
            raise ValueError("not a rate")
    else:
        m = _RATE.match(str(value))
        if not m:
            raise ValueError("not a rate")
        n, unit = float(m.group(1)), (m.group(2) or "min")
        per_min = n * 60 if unit in ("s", "sec") else n / 60 if unit in ("h", "hour") else n
    if per_min <= 0:
        raise ValueError("rate must be positive")
    return per_min


def parse_protocol(value: Any) -> int:
    """``tcp``/``udp``/``icmp``/``icmpv6`` or a protocol number 0-255."""
    if isinstance(value, bool):
        raise ValueError("bad protocol")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        if text in PROTOCOLS:
            return PROTOCOLS[text]
        if not text.isdigit():
            raise ValueError("bad protocol")
        number = int(text)
    if not 0 <= number <= 255:
        raise ValueError("bad protocol")
    return number


def parse_ports(value: Any) -> tuple[int, ...]:
    """A port, ``"a-b"``, or a list of those -> ports in the order given, each once.

    >>> parse_ports([443, "20-22", 443])
    (443, 20, 21, 22)
    """
    items = value if isinstance(value, list) else [value]
    out: dict[int, None] = {}
    for item in items:
        if isinstance(item, bool):
            raise ValueError("bad port")
        if isinstance(item, int):
            lo = hi = item
        else:
            m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(item))
            if not m:
                raise ValueError(f"bad port {item!r}")
            lo = int(m.group(1))
            hi = int(m.group(2) or lo)
        if not (1 <= lo <= hi <= 65535):
            raise ValueError(f"bad port range {item!r}")
        out.update(dict.fromkeys(range(lo, hi + 1)))
    if not out:
        raise ValueError("no ports")
    return tuple(out)


def _parse_time(value: Any, doc: Located, at: tuple[str | int, ...]) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise doc.error(
                f"{value!r} is not an ISO 8601 time (e.g. 2025-07-15T11:00:00Z)", at
            ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _offset(value: Any, doc: Located, at: tuple[str | int, ...], start: datetime, what: str) -> int:
    """A duration after ``start``, or an absolute ISO 8601 time, as milliseconds after ``start``."""
    if isinstance(value, datetime) or (
        isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\d", value)
    ):
        when = _parse_time(value, doc, at)
        delta = (when - start).total_seconds()
        if delta < 0:
            raise doc.error(f"'{what}' is before the traffic file's 'start'", at)
        return round(delta * 1000)
    try:
        return parse_duration(value)
    except ValueError:
        raise doc.error(
            f"'{what}' must be a duration from start (e.g. 90s) or an ISO 8601 time", at
        ) from None


def _int(value: Any, doc: Located, at: tuple[str | int, ...], lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise doc.error(f"{what} must be a whole number from {lo} to {hi}", at)
    return value


def _entry(index: int, raw: Any, doc: Located, start: datetime) -> FlowEntry:
    here: tuple[str | int, ...] = ("flows", index)
    line = doc.where(here)[0]
    if not isinstance(raw, dict):
        raise doc.error(
            "each flow is a mapping such as {at: 30s, preset: ping, from: ..., to: ...}", here
        )
    preset = raw.get("preset")
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESETS:
            raise doc.error(
                f"unknown preset {preset!r} (expected one of {', '.join(PRESETS)})",
                (*here, "preset"),
            )
    elif "protocol" not in raw:
        raise doc.error(f"a flow needs 'protocol' or 'preset' ({', '.join(PRESETS)})", here)
    allowed = ALLOWED_KEYS[preset]
    for key in raw:
        if key not in allowed:
            kind = f"preset {preset!r}" if preset else "a raw flow"
            raise doc.error(
                f"unknown key {key!r} for {kind} (allowed: {', '.join(sorted(allowed))})",
                (*here, key),
                key=True,
            )

    def dur(key: str) -> int | None:
        if key not in raw:
            return None
        try:
            return parse_duration(raw[key])
        except ValueError:
            raise doc.error(
                f"{key!r} must be a duration such as 90s, 5m or 1m30s", (*here, key)
            ) from None

    kw: dict[str, Any] = {"index": index, "line": line, "preset": preset}
    kw["at_ms"] = _offset(raw.get("at", 0), doc, (*here, "at"), start, "at")
    for key, attr in (("from", "source"), ("to", "destination")):
        if key in raw:
            value = raw[key]
            if (
                not isinstance(value, str | int)
                or isinstance(value, bool)
                or not str(value).strip()
            ):
                raise doc.error(
                    f"'{key}' must be an instance id, ENI id or IP address", (*here, key)
                )
            kw[attr] = str(value).strip()
    if "label" in raw:
        kw["label"] = str(raw["label"])
    if "protocol" in raw:
        try:
            kw["protocol"] = parse_protocol(raw["protocol"])
        except ValueError:
            raise doc.error(
                f"bad protocol {raw['protocol']!r} (tcp, udp, icmp, icmpv6 or a number 0-255)",
                (*here, "protocol"),
            ) from None
    if "port" in raw:
        kw["port"] = _int(raw["port"], doc, (*here, "port"), 1, 65535, "'port'")
    if "source_port" in raw:
        kw["source_port"] = _int(
            raw["source_port"], doc, (*here, "source_port"), 1, 65535, "'source_port'"
        )
    if "count" in raw:
        kw["count"] = _int(raw["count"], doc, (*here, "count"), 1, MAX_COUNT, "'count'")
    for key in ("bytes", "reply_bytes"):
        if key in raw:
            kw[key] = _int(raw[key], doc, (*here, key), 0, 2**53, f"'{key}'")
    kw["duration_ms"] = dur("duration")
    kw["interval_ms"] = dur("interval")
    if "internet" in raw:
        share = raw["internet"]
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise doc.error("'internet' must be a share from 0 to 1", (*here, "internet"))
        kw["internet_share"] = float(share)
    if "rate" in raw:
        try:
            kw["rate_per_min"] = parse_rate(raw["rate"])
        except ValueError:
            raise doc.error(
                "'rate' must be flows per minute, e.g. 6, 6/min, 0.5/s", (*here, "rate")
            ) from None
    if "ports" in raw:
        try:
            kw["ports"] = parse_ports(raw["ports"])
        except ValueError as exc:
            raise doc.error(
                f"'ports': {exc} (ports 1-65535, ranges like 8000-8010)", (*here, "ports")
            ) from None
    if "hosts" in raw:
        hosts = raw["hosts"] if isinstance(raw["hosts"], list) else [raw["hosts"]]
        if not hosts or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise doc.error("'hosts' must be a list of instance ids or addresses", (*here, "hosts"))
        kw["hosts"] = tuple(h.strip() for h in hosts)
    entry = FlowEntry(**kw)
    _check(entry, raw, doc, here)
    return entry


def _check(
    entry: FlowEntry, raw: dict[str, Any], doc: Located, here: tuple[str | int, ...]
) -> None:
    """Cross-key rules: what each kind of entry needs."""
    kind = entry.preset
    if kind == "background":
        for key in ("duration", "rate"):
            if key not in raw:
                raise doc.error(f"preset 'background' needs {key!r}", here)
        return
    if entry.source is None:
        raise doc.error("missing 'from' (an instance id, ENI id or address)", here)
    if kind == "scan":
        if ("to" in raw) == ("hosts" in raw):
            raise doc.error("preset 'scan' needs either 'to' or 'hosts'", here)
        proto = entry.protocol if entry.protocol is not None else PROTOCOLS["tcp"]
        if proto not in (1, 6, 17):
            raise doc.error("a scan probes with tcp, udp or icmp", (*here, "protocol"))
        if proto in (6, 17) and not entry.ports:
            raise doc.error("a tcp/udp scan needs 'ports'", here)
        if proto == 1 and entry.ports:
            raise doc.error("an icmp scan (ping sweep) takes no 'ports'", (*here, "ports"))
        probes = max(1, len(entry.ports)) * max(1, len(entry.hosts))
        if probes > MAX_SCAN_PROBES:
            raise doc.error(f"a scan of {probes} probes is more than {MAX_SCAN_PROBES}", here)
        return
    if entry.destination is None:
        raise doc.error("missing 'to' (an instance id, ENI id or address)", here)
    if kind is None:
        raw_proto = entry.protocol
        assert raw_proto is not None
        if raw_proto in (6, 17) and entry.port is None:
            raise doc.error(f"a {PROTOCOL_NAMES[raw_proto]} flow needs 'port'", here)
        if raw_proto not in (6, 17) and (entry.port is not None or entry.source_port is not None):
            at = "port" if entry.port is not None else "source_port"
            raise doc.error(f"protocol {raw_proto} has no ports", (*here, at))
        if (
            raw_proto in (1, 58)
            and entry.bytes is not None
            and entry.bytes < 28 * (entry.count or 4)
        ):
            raise doc.error(
                "'bytes' of an ICMP flow is the total of the requests: at least 28 per request",
                (*here, "bytes"),
            )
    if kind == "ping" and entry.bytes is not None and entry.bytes < 28 * (entry.count or 4):
        raise doc.error(
            "'bytes' of a ping is the total of the requests: at least 28 per request",
            (*here, "bytes"),
        )
