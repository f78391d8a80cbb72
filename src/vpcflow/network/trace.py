"""Value types of a reachability answer: hops of a leg, blockers, fixes.

Each has a one-line ``__str__`` for the terminal and ``to_dict()`` for JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vpcflow.network.packet import Packet

Leg = Literal["forward", "return"]


@dataclass(frozen=True)
class Fix:
    """A concrete change: the lab-file edit, and the equivalent AWS CLI command(s)."""

    lab: str
    cli: str

    def to_dict(self) -> dict[str, str]:
        return {"lab": self.lab, "cli": self.cli}


@dataclass(frozen=True)
class Hop:
    """One component the packet met on a leg, and what it did.

    ``action`` is one of ``sent``, ``allowed``, ``denied``, ``routed``,
    ``dropped``, ``translated``, ``forwarded``, ``delivered``, ``skipped``.
    ``assumed`` marks hops walked after a blocker ("assume it passed"), which
    real packets never reach.
    """

    leg: Leg
    kind: str
    component: str
    action: str
    detail: str
    packet: Packet
    direction: str | None = None
    rule: str | None = None
    assumed: bool = False

    @property
    def blocked(self) -> bool:
        return self.action in ("denied", "dropped")

    def __str__(self) -> str:
        mark = "✗" if self.blocked else "✓"
        return f"{mark} {self.kind} {self.component}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "component": self.component,
            "action": self.action,
            "direction": self.direction,
            "rule": self.rule,
            "detail": self.detail,
            "packet": self.packet.to_dict(),
            "assumed": self.assumed,
        }


@dataclass(frozen=True)
class Blocker:
    """Why a leg fails at one component, in Reachability Analyzer's vocabulary."""

    code: str
    component: str
    leg: Leg
    direction: str
    rule: str | None
    message: str
    fix: Fix

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "component": self.component,
            "leg": self.leg,
            "direction": self.direction,
            "rule": self.rule,
            "message": self.message,
            "fix": self.fix.to_dict(),
        }
