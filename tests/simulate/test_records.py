"""Records from observations: the per-ENI, per-direction, per-window rules of the specs."""

from __future__ import annotations

from typing import Any

from vpcflow.records.formats import parse_format
from vpcflow.simulate.engine import simulate
from vpcflow.simulate.records import FlowRecord, record_values, render_line
from vpcflow.simulate.traffic import load_traffic_text

from .conftest import FakeReach, t0_lab

V5 = parse_format(
    "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${action} ${log-status} ${tcp-flags} ${flow-direction} ${traffic-path} "
    "${pkt-srcaddr} ${pkt-dstaddr} ${instance-id} ${vpc-id} ${subnet-id} ${az-id} ${type}"
)

START = "2025-07-15T11:00:00Z"


def run(topology: str, flows: str, reach: FakeReach, *, phase: int | None = 0, **lab: Any):
    traffic = load_traffic_text(f"start: {START}\nseed: 1\nflows:\n{flows}")
    return simulate(topology, traffic, lab=t0_lab(**lab), reach_fn=reach, window_phase=phase)


def ok(summary: Any, eni: str | None = None) -> list[FlowRecord]:
    recs = [r for rs in summary.records.values() for r in rs if r.log_status == "OK"]
    return [r for r in recs if eni is None or r.eni == eni]


def brief(r: FlowRecord) -> tuple[Any, ...]:
    return (
        r.eni,
        r.direction,
        r.srcaddr,
        r.dstaddr,
        r.srcport,
        r.dstport,
        r.protocol,
        r.action,
        r.packets,
        r.bytes,
        r.tcp_flags,
    )


def test_c01_failed_ping_is_one_egress_accept_with_the_retries(fake_reach: FakeReach) -> None:
    s = run("T0", "  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}", fake_reach)
    assert [brief(r) for r in ok(s)] == [
        ("eni-1", "egress", "10.1.1.10", "10.2.1.20", 0, 0, 1, "ACCEPT", 4, 336, 0)
    ]
    assert s.flows[0].reachable is False
    assert s.flows[0].blocker["component"] == "rtb-1"
    # the reach call asked for an echo request
    assert fake_reach.calls == [("i-1", "10.2.1.20", "icmp", None, None, 8)]


def test_c04_ping_after_peering_four_records(fake_reach: FakeReach) -> None:
    s = run("T1", "  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}", fake_reach)
    got = sorted(brief(r) for r in ok(s))
    assert got == sorted(
        [
            ("eni-1", "egress", "10.1.1.10", "10.2.1.20", 0, 0, 1, "ACCEPT", 4, 336, 0),
            ("eni-1", "ingress", "10.2.1.20", "10.1.1.10", 0, 0, 1, "ACCEPT", 4, 336, 0),
            ("eni-2", "ingress", "10.1.1.10", "10.2.1.20", 0, 0, 1, "ACCEPT", 4, 336, 0),
            ("eni-2", "egress", "10.2.1.20", "10.1.1.10", 0, 0, 1, "ACCEPT", 4, 336, 0),
        ]
    )
    egress = [r for r in ok(s) if r.direction == "egress"]
    assert {r.traffic_path for r in egress} == {4}
    assert all(r.traffic_path is None for r in ok(s) if r.direction == "ingress")
    first = ok(s, "eni-1")[0]
    assert first.start == 1752577205 and first.end == 1752577208  # 1 echo per second


def test_c05_short_ssh_session_flags_3_and_19(fake_reach: FakeReach) -> None:
    s = run(
        "T1",
        "  - {at: 5s, preset: ssh, from: i-1, to: 10.2.1.20, source_port: 40312, duration: 2s}",
        fake_reach,
    )
    flags = {(r.eni, r.direction): r.tcp_flags for r in ok(s)}
    assert flags == {
        ("eni-1", "egress"): 3,
        ("eni-1", "ingress"): 19,
        ("eni-2", "ingress"): 3,
        ("eni-2", "egress"): 19,
    }
    client = next(r for r in ok(s, "eni-1") if r.direction == "egress")
    assert (client.srcport, client.dstport) == (40312, 22)
    # 4096 bytes up = 3 segments; 16384 down = 12 segments, acked every other one
    assert client.packets == 1 + 1 + 3 + 6 + 1 + 1
    assert client.bytes == 60 + 52 + (4096 + 52 * 3) + 52 * 6 + 52 + 52
    server = next(r for r in ok(s, "eni-2") if r.direction == "egress")
    assert server.packets == 1 + 12 + 2 + 1
    assert server.bytes == 60 + 16384 + 52 * 14 + 52


def test_long_session_splits_across_windows_with_open_and_close_flags(
    fake_reach: FakeReach,
) -> None:
    s = run(
        "T1",
        "  - {at: 30s, preset: ssh, from: i-1, to: 10.2.1.20, source_port: 40312, duration: 140s}",
        fake_reach,
    )
    client = [r for r in ok(s, "eni-1") if r.direction == "egress"]
    assert [r.tcp_flags for r in client] == [2, 0, 1]
    assert len({r.window for r in client}) == 3
    assert sum(r.packets for r in client) == 13
    assert sum(r.bytes for r in client) == 60 + 52 + (4096 + 52 * 3) + 52 * 6 + 52 + 52
    server = [r for r in ok(s, "eni-1") if r.direction == "ingress"]
    assert [r.tcp_flags for r in server] == [18, 0, 1]
    # consecutive records: each starts where its window starts at the earliest
    for r in client:
        assert r.window <= r.start <= r.end < r.window + 60


def test_c20_syn_retries_and_rejected_syn_ack(fake_reach: FakeReach) -> None:
    s = run(
        "C20",
        "  - {at: 5s, from: i-1, to: 10.2.1.20, protocol: tcp, port: 22, source_port: 40312}",
        fake_reach,
    )
    got = sorted(brief(r) for r in ok(s))
    assert got == sorted(
        [
            ("eni-1", "egress", "10.1.1.10", "10.2.1.20", 40312, 22, 6, "ACCEPT", 3, 180, 2),
            ("eni-2", "ingress", "10.1.1.10", "10.2.1.20", 40312, 22, 6, "ACCEPT", 3, 180, 2),
            ("eni-2", "egress", "10.2.1.20", "10.1.1.10", 22, 40312, 6, "REJECT", 3, 180, 18),
        ]
    )
    assert s.flows[0].blocker["code"] == "SUBNET_ACL_RESTRICTION"


def test_c37_scanner_probes(fake_reach: FakeReach) -> None:
    s = run(
        "T0",
        "  - {at: 5s, preset: scan, from: 198.51.100.77, to: 203.0.113.20, ports: [22, 3389],"
        " source_port: 51515}",
        fake_reach,
    )
    got = sorted(brief(r) for r in ok(s))
    assert got == sorted(
        [
            # (b) open port: SYN then the scanner's RST in the same window, OR-ed to 6
            ("eni-2", "ingress", "198.51.100.77", "10.2.1.20", 51515, 22, 6, "ACCEPT", 2, 84, 6),
            ("eni-2", "egress", "10.2.1.20", "198.51.100.77", 22, 51515, 6, "ACCEPT", 1, 44, 18),
            # (a) closed by the SG: one 44-byte SYN, REJECT
            ("eni-2", "ingress", "198.51.100.77", "10.2.1.20", 51515, 3389, 6, "REJECT", 1, 44, 2),
        ]
    )


def test_traffic_type_filters_records_but_not_activity(fake_reach: FakeReach) -> None:
    flows = "  - {at: 5s, preset: scan, from: 198.51.100.77, to: 203.0.113.20, ports: [3389]}"
    accept_only = run("T0", flows, fake_reach, traffic_type="ACCEPT")
    reject_only = run("T0", flows, fake_reach, traffic_type="REJECT")
    assert ok(accept_only) == []
    assert [r.action for r in ok(reject_only)] == ["REJECT"]
    # eni-2 had traffic in its window, so it writes no NODATA even when nothing was logged
    assert [r for r in accept_only.records["fl-2"] if r.log_status == "NODATA"] == []


def test_nodata_for_idle_covered_enis(fake_reach: FakeReach) -> None:
    flows = "  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}\n  - {at: 0s, preset: background, duration: 3m, rate: 0.001}"
    s = run("T0", flows, fake_reach)
    nodata = [r for r in s.records["fl-2"] if r.log_status == "NODATA"]
    # eni-2 saw nothing (C01): one NODATA per window of the 3-minute span (phase 0 -> aligned)
    assert [(r.start, r.end) for r in nodata] == [
        (1752577200, 1752577259),
        (1752577260, 1752577319),
        (1752577320, 1752577379),
    ]
    nd = nodata[0]
    assert render_line(record_values(nd, V5, t0_lab())) == (
        "5 eni-2 - - - - - - - - NODATA - - - - - i-2 vpc-2 subnet-2 use1-az1 -"
    )
    eni1 = [r.log_status for r in s.records["fl-1"]]
    assert eni1 == ["OK", "NODATA", "NODATA"]


def test_never_logged_traffic_leaves_no_record(fake_reach: FakeReach) -> None:
    s = run(
        "T0",
        "  - {at: 5s, from: i-1, to: 169.254.169.254, protocol: tcp, port: 80}\n"
        "  - {at: 6s, from: i-1, to: 10.1.0.2, protocol: udp, port: 53}",
        fake_reach,
    )
    assert ok(s) == []
    assert fake_reach.calls == []
    assert [f.unlogged for f in s.flows] == [
        "instance metadata traffic (169.254.169.254) is never logged (flow-logs §7.2)",
        "traffic to the Amazon-provided DNS server (10.1.0.2) is never logged (flow-logs §7.2)",
    ]


def test_record_line_in_a_v5_format(fake_reach: FakeReach) -> None:
    s = run("T1", "  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}", fake_reach)
    lines = sorted(render_line(record_values(r, V5, t0_lab())) for r in ok(s, "eni-1"))
    assert lines == [
        "5 eni-1 10.1.1.10 10.2.1.20 0 0 1 4 336 ACCEPT OK 0 egress 4 10.1.1.10 10.2.1.20 i-1 vpc-1 subnet-1 use1-az1 IPv4",
        "5 eni-1 10.2.1.20 10.1.1.10 0 0 1 4 336 ACCEPT OK 0 ingress - 10.2.1.20 10.1.1.10 i-1 vpc-1 subnet-1 use1-az1 IPv4",
    ]


def test_window_phase_from_seed_is_stable_and_per_eni(fake_reach: FakeReach) -> None:
    a = run("T1", "  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}", fake_reach, phase=None)
    b = run("T1", "  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}", fake_reach, phase=None)
    assert a.records == b.records
    windows = {r.eni: r.window % 60 for r in ok(a)}
    assert windows["eni-1"] != windows["eni-2"]
