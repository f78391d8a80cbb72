"""Every case of reachability-cases.md (copied into cases/*.yaml) through the real walk.

Each case names a lab file and queries; each query states the verdict, every
blocker (code, component, leg, direction) in walking order, and what each
interface logs on each leg. The simulator's tests read the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from vpcflow.errors import TopologyError
from vpcflow.network.loader import load_lab
from vpcflow.network.observe import EniObservation
from vpcflow.network.reach import reach

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.yaml"))


def _load_case(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


def _queries() -> list[Any]:
    out = []
    for path in CASE_FILES:
        case = _load_case(path)
        for i, query in enumerate(case["queries"]):
            out.append(pytest.param(case, query, id=f"{case['id']}-{i + 1}"))
    return out


def _observed(obs: EniObservation, wanted: dict[str, Any]) -> dict[str, Any]:
    got: dict[str, Any] = {
        "eni": obs.eni,
        "dir": obs.direction,
        "src": obs.srcaddr,
        "dst": obs.dstaddr,
        "proto": obs.protocol,
        "sport": obs.srcport,
        "dport": obs.dstport,
        "action": obs.action,
    }
    if "traffic_path" in wanted:
        got["traffic_path"] = obs.traffic_path
    # pkt-*addr equal srcaddr/dstaddr except on intermediate interfaces (NAT gateway).
    got["pkt_src"], got["pkt_dst"] = obs.pkt_srcaddr, obs.pkt_dstaddr
    return got


def _expected_record(rec: dict[str, Any]) -> dict[str, Any]:
    want = {k: v for k, v in rec.items() if k not in ("flags", "packets", "bytes")}
    want.setdefault("pkt_src", rec["src"])
    want.setdefault("pkt_dst", rec["dst"])
    return want


def test_every_case_file_is_collected() -> None:
    ids = {_load_case(p)["id"] for p in CASE_FILES}
    spec_cases = {f"C{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 15, 16, 18, 19, 20)}
    spec_cases |= {f"C{n:02d}" for n in (21, 22, 24, 25, 26, 28, 29, 30, 33, 36, 37, 38, 39, 40)}
    assert spec_cases <= ids


@pytest.mark.parametrize(("case", "query"), _queries())
def test_case(case: dict[str, Any], query: dict[str, Any]) -> None:
    topo = load_lab(CASES / case["lab"])
    result = reach(
        topo,
        query["from"],
        query["to"],
        query["protocol"],
        port=query.get("port"),
        source_port=query.get("source_port"),
    )
    expect = query["expect"]
    got_blockers = [
        {"code": b.code, "component": b.component, "leg": b.leg, "direction": b.direction}
        for b in result.blockers
    ]
    assert got_blockers == expect["blockers"], "\n".join(b.message for b in result.blockers)
    assert result.reachable is expect["reachable"]
    if "blocker_rule" in case and result.blockers:
        assert result.blockers[0].rule == case["blocker_rule"]
    for needle in case.get("message_contains", []):
        assert needle in result.blockers[0].message
    forward, ret = result.observations()
    want_fwd = [_expected_record(r) for r in expect["flow_logs"]["forward"]]
    assert [_observed(o, w) for o, w in zip(forward, want_fwd, strict=False)] == want_fwd
    assert len(forward) == len(want_fwd)
    want_ret = expect["flow_logs"]["return"]
    if want_ret is None:
        assert ret is None
    else:
        assert ret is not None
        want = [_expected_record(r) for r in want_ret]
        assert [_observed(o, w) for o, w in zip(ret, want, strict=False)] == want
        assert len(ret) == len(want)
    # Every blocker carries a message in the house style and a concrete fix.
    for b in result.blockers:
        assert b.message.startswith(b.code)
        assert b.fix.lab


@pytest.mark.parametrize(
    "path", [p for p in CASE_FILES if "load_error" in _load_case(p)], ids=lambda p: p.stem
)
def test_invalid_labs_are_rejected(path: Path) -> None:
    case = _load_case(path)
    with pytest.raises(TopologyError) as info:
        load_lab(CASES / case["lab"])
    err = info.value
    want = case["load_error"]
    assert err.resource == want["resource"]
    assert err.key == want["key"]
    assert err.line is not None and err.path is not None
    for needle in want["message_contains"]:
        assert needle in err.message
