"""Fakes for the simulator's unit tests: a small lab view and a table-driven reach.

The real reachability walk is exercised by the case tests (``test_cases.py``);
these fakes let the record, window and delivery logic be tested on
hand-written observations, exactly as the spec cases state them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from vpcflow.network.observe import EniObservation
from vpcflow.simulate.labview import EniInfo, FlowLogInfo, Instance, LabView

ACCOUNT = "111122223333"


def obs(
    eni: str,
    direction: str,
    src: str,
    dst: str,
    proto: int = 1,
    sport: int = 0,
    dport: int = 0,
    action: str = "ACCEPT",
    path: int | None = None,
) -> EniObservation:
    """An observation with pkt_* equal to the record addresses (no NAT in between)."""
    return EniObservation(
        eni,
        direction,
        src,
        dst,
        src,
        dst,
        sport,
        dport,
        proto,
        action,  # type: ignore[arg-type]
        path if direction == "egress" else None,
    )


@dataclass
class FakeResult:
    reachable: bool
    forward: list[EniObservation]
    return_: list[EniObservation] | None
    blockers: list[dict[str, Any]] = field(default_factory=list)

    def observations(self) -> tuple[list[EniObservation], list[EniObservation] | None]:
        return self.forward, self.return_


class FakeReach:
    """``reach`` answering from a table keyed by (topology, source, destination, protocol, port).

    The "topology" passed to :func:`simulate` is just the case's name (T0, T1, C20).
    """

    def __init__(self, table: dict[tuple[str, str, str, str, int | None], Any]) -> None:
        self.table = table
        self.calls: list[tuple[Any, ...]] = []

    def __call__(
        self,
        topology: Any,
        source: str,
        destination: str,
        protocol: str,
        port: int | None = None,
        source_port: int | None = None,
        icmp_type: int | None = None,
    ) -> FakeResult:
        self.calls.append((source, destination, protocol, port, source_port, icmp_type))
        make = self.table[(topology, source, destination, protocol, port)]
        return make(source_port or 0)


def t0_lab(interval: int = 60, traffic_type: str = "ALL", **fl: Any) -> LabView:
    """The spec's T0 lab: eni-1 10.1.1.10 (203.0.113.10), eni-2 10.2.1.20 (203.0.113.20)."""
    enis = {
        "eni-1": EniInfo(
            "eni-1",
            "10.1.1.10",
            "subnet-1",
            "vpc-1",
            "i-1",
            "use1-az1",
            account=ACCOUNT,
            region="us-east-1",
            public_ip="203.0.113.10",
        ),
        "eni-2": EniInfo(
            "eni-2",
            "10.2.1.20",
            "subnet-2",
            "vpc-2",
            "i-2",
            "use1-az1",
            account=ACCOUNT,
            region="us-east-1",
            public_ip="203.0.113.20",
        ),
    }
    flow_logs = tuple(
        FlowLogInfo(
            f"fl-{n}",
            f"vpc-{n}",
            (f"eni-{n}",),
            traffic_type,
            interval,
            log_group="flows",
            role="role",
            **fl,
        )
        for n in (1, 2)
    )
    return LabView(
        account=ACCOUNT,
        enis=enis,
        flow_logs=flow_logs,
        instances=(
            Instance("i-1", "eni-1", "10.1.1.10", "203.0.113.10"),
            Instance("i-2", "eni-2", "10.2.1.20", "203.0.113.20"),
        ),
        vpc_cidrs=("10.1.0.0/16", "10.2.0.0/16"),
        subnet_cidrs=("10.1.1.0/24", "10.2.1.0/24"),
    )


def _c01(sport: int) -> FakeResult:
    return FakeResult(
        False,
        [obs("eni-1", "egress", "10.1.1.10", "10.2.1.20", path=8)],
        None,
        [{"code": "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS", "component": "rtb-1"}],
    )


def _c04(sport: int) -> FakeResult:
    return FakeResult(
        True,
        [
            obs("eni-1", "egress", "10.1.1.10", "10.2.1.20", path=4),
            obs("eni-2", "ingress", "10.1.1.10", "10.2.1.20"),
        ],
        [
            obs("eni-2", "egress", "10.2.1.20", "10.1.1.10", path=4),
            obs("eni-1", "ingress", "10.2.1.20", "10.1.1.10"),
        ],
    )


def _c05(sport: int) -> FakeResult:
    return FakeResult(
        True,
        [
            obs("eni-1", "egress", "10.1.1.10", "10.2.1.20", 6, sport, 22, path=4),
            obs("eni-2", "ingress", "10.1.1.10", "10.2.1.20", 6, sport, 22),
        ],
        [
            obs("eni-2", "egress", "10.2.1.20", "10.1.1.10", 6, 22, sport, path=4),
            obs("eni-1", "ingress", "10.2.1.20", "10.1.1.10", 6, 22, sport),
        ],
    )


def _c20(sport: int) -> FakeResult:
    return FakeResult(
        False,
        [
            obs("eni-1", "egress", "10.1.1.10", "10.2.1.20", 6, sport, 22, path=4),
            obs("eni-2", "ingress", "10.1.1.10", "10.2.1.20", 6, sport, 22),
        ],
        [obs("eni-2", "egress", "10.2.1.20", "10.1.1.10", 6, 22, sport, "REJECT", path=4)],
        [{"code": "SUBNET_ACL_RESTRICTION", "component": "acl-2c", "leg": "return"}],
    )


def _c37a(sport: int) -> FakeResult:
    return FakeResult(
        False,
        [obs("eni-2", "ingress", "198.51.100.77", "10.2.1.20", 6, sport, 3389, "REJECT")],
        None,
        [{"code": "ENI_SG_RULES_MISMATCH", "component": "sg-2", "leg": "forward"}],
    )


def _c37b(sport: int) -> FakeResult:
    return FakeResult(
        True,
        [obs("eni-2", "ingress", "198.51.100.77", "10.2.1.20", 6, sport, 22)],
        [obs("eni-2", "egress", "10.2.1.20", "198.51.100.77", 6, 22, sport, path=8)],
    )


@pytest.fixture
def fake_reach() -> FakeReach:
    return FakeReach(
        {
            ("T0", "i-1", "10.2.1.20", "icmp", None): _c01,
            ("T1", "i-1", "10.2.1.20", "icmp", None): _c04,
            ("T1", "i-1", "10.2.1.20", "tcp", 22): _c05,
            ("C20", "i-1", "10.2.1.20", "tcp", 22): _c20,
            ("T0", "198.51.100.77", "203.0.113.20", "tcp", 3389): _c37a,
            ("T0", "198.51.100.77", "203.0.113.20", "tcp", 22): _c37b,
        }
    )
