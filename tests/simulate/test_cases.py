"""Every reachability case with expected flow logs, simulated: the records on each ENI.

The cases are the network tests' data files (``tests/network/cases``, the spec's
reachability-cases.md as YAML, written with the reachability walk). Each
query is turned into the traffic its ``traffic`` hint names (ping = 4 x 84
bytes, ssh = a short session, scan = one probe, dns = one UDP query), simulated
through the real walk, and the OK records compared with the expected
observations: direction, addresses (record and packet), ports, protocol,
action, traffic path, TCP flags and packets/bytes where the case gives them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from vpcflow.network.loader import load_lab
from vpcflow.simulate.engine import simulate
from vpcflow.simulate.traffic import load_traffic_text

CASES = Path(__file__).parent.parent / "network" / "cases"


def _queries() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text())
        for i, q in enumerate(case.get("queries") or []):
            if q.get("expect", {}).get("flow_logs") is not None and q.get("traffic"):
                out.append(pytest.param(case, q, id=f"{case['id']}-{i}"))
    return out


def _entry(q: dict[str, Any]) -> str:
    hint = q["traffic"]
    preset = hint.get("preset")
    common = f"at: 10s, from: {q['from']}, to: {q['to']}"
    sport = f", source_port: {q['source_port']}" if q.get("source_port") else ""
    if preset == "ping":
        return f"{{{common}, preset: ping, count: {hint.get('count', 4)}}}"
    if preset in ("ssh", "https"):
        return f"{{{common}, preset: {preset}, port: {q['port']}, duration: 2s{sport}}}"
    if preset == "scan":
        return f"{{{common}, preset: scan, ports: [{q['port']}]{sport}}}"
    if preset == "dns":
        return f"{{{common}, protocol: udp, port: {q['port']}, count: 1{sport}}}"
    raise AssertionError(f"no traffic for hint {hint}")


def _key(
    eni: str, direction: str, src: str, dst: str, proto: int, sport: int, dport: int, action: str
) -> tuple[Any, ...]:
    return (eni, direction, src, dst, proto, sport, dport, action)


@pytest.mark.parametrize(("case", "query"), _queries())
def test_case_records(case: dict[str, Any], query: dict[str, Any]) -> None:
    topology = load_lab(CASES / case["lab"])
    traffic = load_traffic_text(
        "start: 2025-07-15T11:00:00Z\nseed: 3\nflows:\n  - " + _entry(query) + "\n"
    )
    summary = simulate(topology, traffic, window_phase=0)
    assert summary.flows[0].reachable == query["expect"]["reachable"]
    records = [r for rs in summary.records.values() for r in rs if r.log_status == "OK"]
    got = {
        _key(
            r.eni,
            r.direction or "",
            r.srcaddr or "",
            r.dstaddr or "",
            r.protocol or 0,
            r.srcport or 0,
            r.dstport or 0,
            r.action or "",
        ): r
        for r in records
    }
    expected = {}
    legs = query["expect"]["flow_logs"]
    for leg in ("forward", "return"):
        for o in legs.get(leg) or []:
            ported = o["proto"] in (6, 17)
            k = _key(
                o["eni"],
                o["dir"],
                o["src"],
                o["dst"],
                o["proto"],
                o.get("sport", 0) if ported else 0,
                o.get("dport", 0) if ported else 0,
                o["action"],
            )
            expected[k] = (leg, o)
    assert sorted(got) == sorted(expected), case["title"]
    half_open = query["traffic"].get("preset") == "scan" and query["expect"]["reachable"]
    for k, (leg, o) in expected.items():
        r = got[k]
        assert (r.pkt_srcaddr, r.pkt_dstaddr) == (
            o.get("pkt_src", o["src"]),
            o.get("pkt_dst", o["dst"]),
        )
        if r.direction == "egress" and "traffic_path" in o:
            assert r.traffic_path == o["traffic_path"], k
        if "flags" in o:
            # a half-open scanner resets the answered SYN in the same window: 2 | 4 (spec C37 b)
            want = o["flags"] | 4 if half_open and leg == "forward" else o["flags"]
            assert r.tcp_flags == want, k
        for field in ("packets", "bytes"):
            if field in o:
                assert getattr(r, field) == o[field], (k, field)
        if query["traffic"].get("preset") == "ping":
            assert (r.packets, r.bytes) == (4, 336), k
