"""Expand a traffic file's entries (raw flows and presets) into concrete flows.

A :class:`Flow` is one conversation the network will carry: a ping of N
echo requests, one TCP connection, one scanner probe, a burst of UDP
datagrams. Everything random (client ports, background traffic, internet
addresses) comes from :func:`rng`, seeded by the file's ``seed`` and the
entry's position, so adding an entry never changes the others and the same
seed always gives the same flows.

Defaults (decided here; the issue names only ping's 4 x 84 bytes):

==========  ===============================================================
ping        4 echo requests of 84 bytes, 1 s apart
raw icmp    as ping; ``duration`` spreads the requests evenly instead
raw tcp     one connection: handshake at ``at``, FIN after ``duration`` (1 s);
            ``bytes`` client payload, ``reply_bytes`` server payload (0)
raw udp     ``count`` (1) datagrams 1 s apart, ``bytes`` payload (64 each);
            the server answers each with ``reply_bytes`` / count (default
            the same size; ``reply_bytes: 0`` = one-way)
ssh         30 s session, 4 KiB up, 16 KiB down; the next session (``count``)
            starts 30 s after one ends (``interval``: start to start)
http/https  1 s session, 400 B (https 900 B) up, 16 KiB (https 20 KiB) down;
            the next starts 1 s after one ends
scan        one probe per (host, port), 100 ms apart, from one source port;
            a TCP probe is a 44-byte SYN (as in the seed's record), answered
            SYN-ACKs are reset (RST, 40 bytes); an ICMP sweep sends one echo
background ``rate`` flows per minute at random times in ``duration``: half
            (``internet``) involve an internet host (inbound probes of
            common and random ports, some pings; outbound HTTPS, DNS and NTP
            to public servers), the rest east-west between the lab's
            instances (SSH, HTTPS, ping, probes)
==========  ===============================================================
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import Any

from vpcflow.simulate.labview import LabView
from vpcflow.simulate.traffic import PROTOCOL_NAMES, SESSION_PORTS, FlowEntry, Traffic

MSS = 1448

SESSION_DEFAULTS = {
    # preset: (duration ms, client payload, server payload, gap ms before the next session)
    "ssh": (30_000, 4096, 16384, 30_000),
    "http": (1_000, 400, 16384, 1_000),
    "https": (1_000, 900, 20480, 1_000),
}

# Ports an internet scanner tries most, then anything.
_SCANNED_PORTS = (22, 22, 22, 23, 80, 443, 445, 3389, 3389, 8080, 3306, 5432, 6379, 5900, 25)
_PUBLIC_FIRST_OCTETS = (
    3,
    13,
    18,
    20,
    23,
    34,
    35,
    44,
    45,
    52,
    54,
    64,
    66,
    80,
    89,
    91,
    103,
    104,
    107,
    111,
    118,
    121,
    139,
    141,
    143,
    157,
    159,
    162,
    164,
    167,
    170,
    178,
    185,
    188,
    193,
    194,
    195,
    205,
    206,
    209,
    212,
    216,
    217,
)
_PUBLIC_SERVERS = (
    ("udp", 53, "8.8.8.8"),
    ("udp", 53, "1.1.1.1"),
    ("udp", 123, "162.159.200.1"),
)


@dataclass(frozen=True)
class Flow:
    """One concrete conversation, ready for the reachability walk."""

    index: int
    entry: int
    label: str
    kind: str
    """``icmp`` | ``tcp`` (a session) | ``probe`` (a scanner's SYN) | ``udp`` | ``other``."""
    at_ms: int
    source: str
    destination: str
    protocol: int
    port: int | None = None
    source_port: int | None = None
    count: int = 1
    bytes: int = 0
    reply_bytes: int = 0
    duration_ms: int = 0
    line: int | None = None

    @property
    def protocol_name(self) -> str:
        return PROTOCOL_NAMES.get(self.protocol, str(self.protocol))

    def describe(self) -> str:
        """``i-2 -> 10.1.1.133 icmp`` / ``... tcp/22``."""
        what = self.protocol_name
        if self.port is not None:
            what += f"/{self.port}"
        return f"{self.source} -> {self.destination} {what}"


def rng(seed: int, *parts: object) -> random.Random:
    """A generator that depends only on the seed and ``parts`` (string seeding is stable)."""
    return random.Random(":".join(["vpcflow", str(seed), *map(str, parts)]))


def expand(traffic: Traffic, lab: LabView) -> list[Flow]:
    """Every flow of the traffic file, sorted by time (ties keep file order)."""
    flows: list[Flow] = []
    for entry in traffic.entries:
        flows.extend(_expand_entry(entry, traffic.seed, lab))
    flows.sort(key=lambda f: (f.at_ms, f.entry, f.index))
    return [_renumber(f, i) for i, f in enumerate(flows)]


def _renumber(flow: Flow, index: int) -> Flow:
    return replace(flow, index=index)


def _label(entry: FlowEntry) -> str:
    return entry.label or entry.kind


def _client_port(entry: FlowEntry, r: random.Random, lab: LabView, source: str, i: int = 0) -> int:
    if entry.source_port is not None:
        return min(65535, entry.source_port + i)
    lo, hi = lab.ephemeral_range(source)
    return r.randint(lo, hi)


def _expand_entry(entry: FlowEntry, seed: int, lab: LabView) -> list[Flow]:
    r = rng(seed, entry.index)
    base: dict[str, Any] = {"entry": entry.index, "label": _label(entry), "line": entry.line}
    kind = entry.preset
    if kind == "background":
        return _background(entry, seed, lab)
    assert entry.source is not None
    if kind == "scan":
        return _scan(entry, r, lab)
    assert entry.destination is not None
    if kind in SESSION_PORTS:
        duration, up, down, gap = SESSION_DEFAULTS[kind]
        duration = entry.duration_ms if entry.duration_ms is not None else duration
        interval = entry.interval_ms if entry.interval_ms is not None else duration + gap
        return [
            Flow(
                index=i,
                kind="tcp",
                at_ms=entry.at_ms + i * interval,
                source=entry.source,
                destination=entry.destination,
                protocol=6,
                port=entry.port or SESSION_PORTS[kind],
                source_port=_client_port(entry, r, lab, entry.source, i),
                count=math.ceil((entry.bytes if entry.bytes is not None else up) / MSS),
                bytes=entry.bytes if entry.bytes is not None else up,
                reply_bytes=entry.reply_bytes if entry.reply_bytes is not None else down,
                duration_ms=duration,
                **base,
            )
            for i in range(entry.count or 1)
        ]
    protocol = 1 if kind == "ping" else entry.protocol
    assert protocol is not None
    if protocol in (1, 58):
        count = entry.count or 4
        if entry.duration_ms is not None:
            duration = entry.duration_ms
        else:
            duration = (count - 1) * (entry.interval_ms if entry.interval_ms is not None else 1000)
        size = entry.bytes if entry.bytes is not None else 84 * count
        return [
            Flow(
                index=0,
                kind="icmp",
                at_ms=entry.at_ms,
                source=entry.source,
                destination=entry.destination,
                protocol=protocol,
                count=count,
                bytes=size,
                reply_bytes=size,
                duration_ms=duration,
                **base,
            )
        ]
    if protocol == 6:
        payload = entry.bytes or 0
        return [
            Flow(
                index=0,
                kind="tcp",
                at_ms=entry.at_ms,
                source=entry.source,
                destination=entry.destination,
                protocol=6,
                port=entry.port,
                source_port=_client_port(entry, r, lab, entry.source),
                count=entry.count or max(0, math.ceil(payload / MSS)),
                bytes=payload,
                reply_bytes=entry.reply_bytes or 0,
                duration_ms=entry.duration_ms if entry.duration_ms is not None else 1000,
                **base,
            )
        ]
    count = entry.count or 1
    payload = entry.bytes if entry.bytes is not None else 64 * count
    return [
        Flow(
            index=0,
            kind="udp" if protocol == 17 else "other",
            at_ms=entry.at_ms,
            source=entry.source,
            destination=entry.destination,
            protocol=protocol,
            port=entry.port,
            source_port=_client_port(entry, r, lab, entry.source) if protocol == 17 else None,
            count=count,
            bytes=payload,
            reply_bytes=entry.reply_bytes if entry.reply_bytes is not None else payload,
            duration_ms=entry.duration_ms if entry.duration_ms is not None else (count - 1) * 1000,
            **base,
        )
    ]


def _scan(entry: FlowEntry, r: random.Random, lab: LabView) -> list[Flow]:
    assert entry.source is not None
    hosts = entry.hosts or ((entry.destination,) if entry.destination else ())
    protocol = entry.protocol if entry.protocol is not None else 6
    interval = entry.interval_ms if entry.interval_ms is not None else 100
    sport = _client_port(entry, r, lab, entry.source) if protocol != 1 else None
    ports: tuple[int | None, ...] = entry.ports if protocol != 1 else (None,)
    flows: list[Flow] = []
    for host in hosts:
        for port in ports:
            i = len(flows)
            common: dict[str, Any] = {
                "index": i,
                "entry": entry.index,
                "label": _label(entry),
                "line": entry.line,
                "at_ms": entry.at_ms + i * interval,
                "source": entry.source,
                "destination": host,
                "protocol": protocol,
            }
            if protocol == 6:
                flows.append(Flow(kind="probe", port=port, source_port=sport, bytes=0, **common))
            elif protocol == 17:
                flows.append(
                    Flow(kind="udp", port=port, source_port=sport, bytes=0, reply_bytes=0, **common)
                )
            else:
                flows.append(Flow(kind="icmp", count=1, bytes=84, reply_bytes=84, **common))
    return flows


def internet_address(r: random.Random, avoid: set[str]) -> str:
    """A plausible public IPv4 address outside the lab's own public IPs."""
    while True:
        addr = f"{r.choice(_PUBLIC_FIRST_OCTETS)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        if addr not in avoid:
            return addr


def _background(entry: FlowEntry, seed: int, lab: LabView) -> list[Flow]:
    assert entry.duration_ms is not None and entry.rate_per_min is not None
    r = rng(seed, entry.index, "background")
    n = round(entry.rate_per_min * entry.duration_ms / 60_000)
    share = entry.internet_share if entry.internet_share is not None else 0.5
    instances = list(lab.instances)
    if not instances:
        return []
    public = [i for i in instances if i.public_ip]
    avoid = lab.public_ips()
    times = sorted(r.randrange(max(1, entry.duration_ms)) for _ in range(n))
    flows: list[Flow] = []

    def add(kind: str, at: int, source: str, destination: str, protocol: int, **kw: int) -> None:
        flows.append(
            Flow(
                index=len(flows),
                entry=entry.index,
                label=_label(entry),
                line=entry.line,
                kind=kind,
                at_ms=entry.at_ms + at,
                source=source,
                destination=destination,
                protocol=protocol,
                **kw,
            )
        )

    def ping(at: int, source: str, destination: str) -> None:
        count = r.randint(1, 4)
        add(
            "icmp",
            at,
            source,
            destination,
            1,
            count=count,
            bytes=84 * count,
            reply_bytes=84 * count,
            duration_ms=(count - 1) * 1000,
        )

    for t in times:
        if r.random() < share or len(instances) < 2:
            if public and r.random() < 0.7:
                # the internet knocks: mostly port probes, some pings
                target = r.choice(public).public_ip or ""
                src = internet_address(r, avoid)
                if r.random() < 0.1:
                    ping(t, src, target)
                else:
                    port = r.choice(_SCANNED_PORTS) if r.random() < 0.6 else r.randint(1, 65535)
                    add("probe", t, src, target, 6, port=port, source_port=r.randint(1024, 65535))
                continue
            client = r.choice(instances)
            lo, hi = lab.ephemeral_range(client.id)
            if r.random() < 0.6:
                add(
                    "tcp",
                    t,
                    client.id,
                    internet_address(r, avoid),
                    6,
                    port=443,
                    source_port=r.randint(lo, hi),
                    bytes=r.randint(500, 4000),
                    reply_bytes=int(r.paretovariate(1.2) * 8000),
                    duration_ms=r.randint(200, 5000),
                )
            else:
                _, port, resolver = r.choice(_PUBLIC_SERVERS)
                add(
                    "udp",
                    t,
                    client.id,
                    resolver,
                    17,
                    port=port,
                    source_port=r.randint(lo, hi),
                    bytes=r.randint(30, 60),
                    reply_bytes=r.randint(48, 200),
                )
            continue
        client, server = r.sample(instances, 2)
        lo, hi = lab.ephemeral_range(client.id)
        pick = r.random()
        if pick < 0.35:
            add(
                "tcp",
                t,
                client.id,
                server.private_ip,
                6,
                port=443,
                source_port=r.randint(lo, hi),
                bytes=r.randint(300, 3000),
                reply_bytes=int(r.paretovariate(1.1) * 4000),
                duration_ms=r.randint(100, 3000),
            )
        elif pick < 0.6:
            add(
                "tcp",
                t,
                client.id,
                server.private_ip,
                6,
                port=22,
                source_port=r.randint(lo, hi),
                bytes=r.randint(2000, 20000),
                reply_bytes=r.randint(4000, 80000),
                duration_ms=r.randint(5000, 120000),
            )
        elif pick < 0.85:
            ping(t, client.id, server.private_ip)
        else:
            add(
                "probe",
                t,
                client.id,
                server.private_ip,
                6,
                port=r.randint(1, 65535),
                source_port=r.randint(lo, hi),
            )
    return flows
