"""What one network interface sees of one packet: the evaluator -> simulator contract.

The reachability walk (``vpcflow.network.reach``) decides every packet; the
traffic simulator (``vpcflow.simulate``) never re-decides anything. It asks the
walk for the :class:`EniObservation` list of each leg and turns each one into
flow log records. One code path, so ``vpcflow reach`` and ``vpcflow simulate``
can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["ingress", "egress"]
Action = Literal["ACCEPT", "REJECT"]


@dataclass(frozen=True)
class EniObservation:
    """One ENI's view of a packet on one leg (forward = request, return = reply).

    ``srcaddr``/``dstaddr`` are as the flow log writes them (the ENI's own side
    is its primary private IPv4); ``pkt_srcaddr``/``pkt_dstaddr`` are the
    addresses in the IP header at that ENI. ``action`` is the SG/NACL verdict
    recorded at this ENI. ``traffic_path`` is the v5 code for egress records
    (None for ingress or when no code applies).
    """

    eni: str
    direction: Direction
    srcaddr: str
    dstaddr: str
    pkt_srcaddr: str
    pkt_dstaddr: str
    srcport: int
    dstport: int
    protocol: int
    action: Action
    traffic_path: int | None = None
