"""The example traffic files: shipped in the package, identical in examples/, and runnable."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcflow.network.loader import load_lab
from vpcflow.simulate.engine import simulate
from vpcflow.simulate.story import example_path
from vpcflow.simulate.traffic import load_traffic, load_traffic_text

ROOT = Path(__file__).parent.parent.parent
PAIRS = {
    "seed-before-peering.traffic.yaml": "seed-lab.yaml",
    "seed-after-peering.traffic.yaml": "seed-lab-peered.yaml",
    "nat-lab.traffic.yaml": "nat-lab.yaml",
}


def test_examples_dir_matches_the_package() -> None:
    repo = sorted(p.name for p in (ROOT / "examples").glob("*.traffic.yaml"))
    assert repo == sorted(PAIRS)
    for name in repo:
        assert (ROOT / "examples" / name).read_bytes() == example_path(name).read_bytes(), name


@pytest.mark.parametrize(("traffic", "lab"), sorted(PAIRS.items()))
def test_example_runs_on_its_lab(traffic: str, lab: str) -> None:
    summary = simulate(load_lab(example_path(lab)), load_traffic(example_path(traffic)))
    assert summary.total_records > 0
    assert summary.delivery_errors == []
    again = simulate(load_lab(example_path(lab)), load_traffic(example_path(traffic)))
    assert again.records == summary.records


def test_nat_gateway_records_show_the_real_endpoints() -> None:
    summary = simulate(
        load_lab(example_path("nat-lab.yaml")), load_traffic(example_path("nat-lab.traffic.yaml"))
    )
    nat = [
        r
        for r in summary.records["fl-nat-lab"]
        if r.eni == "eni-0a11c0ffee0000001" and r.log_status == "OK"
    ]
    legs = {(r.direction, r.srcaddr, r.dstaddr, r.pkt_srcaddr, r.pkt_dstaddr) for r in nat}
    assert ("ingress", "10.0.1.5", "10.0.0.220", "10.0.1.5", "140.82.112.3") in legs
    assert ("egress", "10.0.0.220", "140.82.112.3", "10.0.0.220", "140.82.112.3") in legs
    assert ("ingress", "140.82.112.3", "10.0.0.220", "140.82.112.3", "10.0.0.220") in legs
    assert ("egress", "10.0.0.220", "10.0.1.5", "140.82.112.3", "10.0.1.5") in legs
    unlogged = [o.unlogged for o in summary.flows if o.unlogged]
    assert unlogged == [
        "instance metadata traffic (169.254.169.254) is never logged (flow-logs §7.2)"
    ]


def test_end_extends_the_span_with_nodata() -> None:
    lab = load_lab(example_path("seed-lab.yaml"))
    text = "start: 2025-07-15T11:00:00Z\nseed: 1\n{end}flows:\n  - {{at: 1m, preset: ping, from: instance-2, to: 3.80.10.20}}\n"
    short = simulate(lab, load_traffic_text(text.format(end="")), window_phase=0)
    long = simulate(
        lab, load_traffic_text(text.format(end="end: 2025-07-15T11:10:00Z\n")), window_phase=0
    )
    assert [r.log_status for r in short.records["fl-vpc-1"]] == ["NODATA", "OK", "OK"]
    nodata = [r for r in long.records["fl-vpc-1"] if r.log_status == "NODATA"]
    assert [r.start for r in nodata] == [1752577200 + 60 * i for i in range(10) if i != 1]
