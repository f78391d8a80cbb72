"""Traffic files: loading, presets, units, and errors that name the line."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpcflow.errors import InputError
from vpcflow.simulate.labview import Instance, LabView
from vpcflow.simulate.plan import expand
from vpcflow.simulate.traffic import (
    load_traffic,
    load_traffic_text,
    parse_duration,
    parse_ports,
    parse_rate,
)

LAB = LabView(
    instances=(
        Instance("i-1", "eni-1", "10.1.1.10", "203.0.113.10"),
        Instance("i-2", "eni-2", "10.2.1.20", "203.0.113.20"),
    ),
)


def load(flows: str, head: str = "start: 2025-07-15T11:00:00Z\n") -> object:
    return load_traffic_text(head + "flows:\n" + flows, "t.yaml")


def error(flows: str, head: str = "start: 2025-07-15T11:00:00Z\n") -> InputError:
    with pytest.raises(InputError) as info:
        load(flows, head)
    return info.value


def test_start_seed_and_entries() -> None:
    t = load_traffic_text(
        "start: 2025-07-15T11:00:00Z\nseed: 9\nflows:\n"
        "  - {at: 1m30s, preset: ping, from: i-2, to: 10.1.1.133}\n"
        "  - {at: 2025-07-15T11:12:31Z, from: 1.2.3.4, to: i-1, protocol: tcp, port: 20167}\n"
    )
    assert t.start_ms == 1752577200_000
    assert t.seed == 9
    assert [e.at_ms for e in t.entries] == [90_000, 751_000]
    assert [e.kind for e in t.entries] == ["ping", "tcp"]
    assert t.entries[1].line == 5


def test_naive_start_is_utc_and_json_works() -> None:
    t = load_traffic_text('{"start": "2025-07-15 11:00:00", "flows": []}')
    assert t.start.isoformat() == "2025-07-15T11:00:00+00:00"


@pytest.mark.parametrize(
    ("flow", "marker", "text"),
    [
        (
            "{at: 5s, preset: ping, from: a, to: b, port: 3}",
            "port",
            "unknown key 'port' for preset 'ping'",
        ),
        ("{at: soon, preset: ping, from: a, to: b}", "soon", "'at' must be a duration"),
        ("{at: 5s, from: a, to: b}", "{", "needs 'protocol' or 'preset'"),
        ("{preset: pong, from: a, to: b}", "pong", "unknown preset 'pong'"),
        ("{protocol: tcp, from: a, to: b}", "{", "a tcp flow needs 'port'"),
        ("{protocol: icmp, from: a, to: b, port: 7}", "7", "protocol 1 has no ports"),
        ("{protocol: gre, from: a, to: b}", "gre", "bad protocol 'gre'"),
        ("{preset: scan, from: a, to: b}", "{", "needs 'ports'"),
        ("{preset: scan, from: a, to: b, ports: [0]}", "[0]", "'ports': bad port range 0"),
        ("{preset: background, duration: 5m}", "{", "needs 'rate'"),
        ("{preset: background, duration: 5m, rate: fast}", "fast", "'rate' must be"),
        ("{preset: ping, to: b}", "{", "missing 'from'"),
        ("{preset: ping, from: a, to: b, count: 0}", "0", "'count' must be a whole number"),
        ("{preset: ping, from: a, to: b, count: 2, bytes: 40}", "40", "at least 28 per request"),
        ("{at: 2025-07-15T10:00:00Z, preset: ping, from: a, to: b}", "2025", "before the traffic"),
        ("7", "7", "each flow is a mapping"),
    ],
)
def test_errors_name_line_and_column(flow: str, marker: str, text: str) -> None:
    exc = error(f"  - {{at: 1s, preset: ping, from: a, to: b}}\n  - {flow}\n")
    assert text in exc.message
    assert (exc.path, exc.line, exc.column) == ("t.yaml", 4, 5 + flow.index(marker))


def test_top_level_errors() -> None:
    assert "missing 'start'" in error("  []\n", head="").message
    exc = error("  []\n", head="start: 2025-07-15T11:00:00Z\nseeds: 1\n")
    assert "unknown key 'seeds'" in exc.message and exc.line == 2
    assert "not an ISO 8601 time" in error("  []\n", head="start: yesterday\n").message
    exc = error("  - {at: 5s\n")
    assert exc.message.startswith("not valid YAML") and exc.line == 4


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_traffic(tmp_path / "nope.yaml")
    assert info.value.message == "traffic file not found"


def test_units() -> None:
    assert parse_duration("1h2m3s") == 3_723_000
    assert parse_duration("0.5s") == 500
    assert parse_duration(3) == 3000
    assert parse_rate("1/s") == 60 and parse_rate("6/min") == 6
    assert parse_ports(["20-22", 443]) == (20, 21, 22, 443)
    assert parse_ports([20167, 22, 22]) == (20167, 22)
    for bad in ("5 minutes", "", "-3s", "s"):
        with pytest.raises(ValueError):
            parse_duration(bad)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=59))
def test_duration_round_trip(minutes: int, seconds: int) -> None:
    assert parse_duration(f"{minutes}m{seconds}s") == (minutes * 60 + seconds) * 1000


@given(st.text(max_size=40))
def test_duration_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ValueError):
        assert parse_duration(text) >= 0


def test_presets_expand() -> None:
    t = load(
        "  - {at: 0s, preset: ping, from: i-1, to: i-2, count: 3}\n"
        "  - {at: 10s, preset: http, from: i-1, to: i-2, count: 2, source_port: 50000}\n"
        "  - {at: 20s, preset: scan, from: 198.51.100.7, hosts: [i-1, i-2], ports: '21-22'}\n"
        "  - {at: 30s, preset: scan, protocol: icmp, from: 198.51.100.7, hosts: [i-1, i-2]}\n"
        "  - {at: 40s, from: i-1, to: i-2, protocol: udp, port: 53, count: 2}\n"
    )
    flows = expand(t, LAB)  # type: ignore[arg-type]
    ping = flows[0]
    assert (ping.kind, ping.count, ping.bytes, ping.duration_ms) == ("icmp", 3, 252, 2000)
    http = [f for f in flows if f.label == "http"]
    assert [(f.at_ms, f.port, f.source_port) for f in http] == [
        (10_000, 80, 50000),
        (12_000, 80, 50001),
    ]
    scan = [f for f in flows if f.label == "scan" and f.protocol == 6]
    assert [(f.destination, f.port) for f in scan] == [
        ("i-1", 21),
        ("i-1", 22),
        ("i-2", 21),
        ("i-2", 22),
    ]
    assert len({f.source_port for f in scan}) == 1  # a SYN scanner keeps one source port
    assert [f.at_ms for f in scan] == [20_000, 20_100, 20_200, 20_300]
    sweep = [f for f in flows if f.label == "scan" and f.protocol == 1]
    assert [(f.destination, f.count) for f in sweep] == [("i-1", 1), ("i-2", 1)]
    udp = flows[-1]
    assert (udp.kind, udp.count, udp.bytes, udp.reply_bytes) == ("udp", 2, 128, 128)


def test_seeded_ports_follow_the_source_platform_and_the_seed() -> None:
    flows_a = expand(load("  - {preset: ssh, from: i-1, to: i-2}\n"), LAB)  # type: ignore[arg-type]
    flows_b = expand(load("  - {preset: ssh, from: i-1, to: i-2}\n"), LAB)  # type: ignore[arg-type]
    assert flows_a == flows_b
    assert 32768 <= (flows_a[0].source_port or 0) <= 60999
    other = expand(
        load(
            "  - {preset: ssh, from: i-1, to: i-2}\n", head="start: 2025-07-15T11:00:00Z\nseed: 2\n"
        ),
        LAB,
    )  # type: ignore[arg-type]
    assert other[0].source_port != flows_a[0].source_port


def test_background_rate_and_mix() -> None:
    t = load("  - {at: 1m, preset: background, duration: 10m, rate: 30/min}\n")
    flows = expand(t, LAB)  # type: ignore[arg-type]
    assert len(flows) == 300
    assert all(60_000 <= f.at_ms < 660_000 for f in flows)
    assert [f.at_ms for f in flows] == sorted(f.at_ms for f in flows)
    kinds = {f.kind for f in flows}
    assert {"probe", "tcp", "icmp", "udp"} <= kinds
    inbound = [f for f in flows if f.destination in ("203.0.113.10", "203.0.113.20")]
    assert inbound and all(not f.source.startswith(("10.", "i-")) for f in inbound)
    assert expand(t, LAB) == flows  # type: ignore[arg-type]
