"""The packet the reachability walk carries: an IPv4 header plus what the walk must remember.

>>> p = Packet(parse_ipv4("10.1.1.10"), parse_ipv4("10.2.1.20"), 6, 40312, 22)
>>> str(p), str(p.reply())
('TCP 10.1.1.10:40312 → 10.2.1.20:22', 'TCP 10.2.1.20:22 → 10.1.1.10:40312')
>>> str(Packet(1, 2, 1, icmp_type=8, icmp_code=0).reply())
'ICMP echo-reply 0.0.0.2 → 0.0.0.1'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from vpcflow.network.addresses import ip_str, parse_ipv4, protocol_name

__all__ = ["ICMP_REPLIES", "Packet", "parse_ipv4"]

# ICMP query types and their reply type (echo, timestamp, information, address mask).
ICMP_REPLIES = {8: 0, 13: 14, 15: 16, 17: 18}
ICMP_NAMES = {0: "echo-reply", 3: "destination-unreachable", 8: "echo-request", 11: "time-exceeded"}


@dataclass(frozen=True)
class Packet:
    """One packet. Ports are 0 for protocols without ports (ICMP records carry 0 too).

    ``sg_identity`` is False once a middlebox has forwarded the packet: security
    group references no longer match it (``SG_REFERENCES_NOT_PRESERVED``).
    """

    src: int
    dst: int
    protocol: int
    sport: int = 0
    dport: int = 0
    icmp_type: int | None = None
    icmp_code: int | None = None
    sg_identity: bool = True

    @property
    def has_ports(self) -> bool:
        return self.protocol in (6, 17)

    @property
    def src_ip(self) -> str:
        return ip_str(self.src)

    @property
    def dst_ip(self) -> str:
        return ip_str(self.dst)

    def expects_reply(self) -> bool:
        """TCP, UDP and other protocols answer; ICMP only answers query types (echo, ...)."""
        if self.protocol == 1:
            return self.icmp_type in ICMP_REPLIES
        return True

    def reply(self) -> Packet:
        """The answer: addresses and ports swapped; echo-request becomes echo-reply."""
        itype = self.icmp_type
        if self.protocol == 1 and itype is not None:
            itype = ICMP_REPLIES.get(itype, itype)
        return replace(
            self,
            src=self.dst,
            dst=self.src,
            sport=self.dport,
            dport=self.sport,
            icmp_type=itype,
            icmp_code=0 if self.protocol == 1 else self.icmp_code,
            sg_identity=True,
        )

    def what(self) -> str:
        """``TCP 22``, ``ICMP echo-request``, ``UDP 53``, ``protocol 47``."""
        name = protocol_name(self.protocol).upper()
        if self.has_ports:
            return f"{name} {self.dport}"
        if self.protocol == 1:
            return f"ICMP {ICMP_NAMES.get(self.icmp_type or 0, f'type {self.icmp_type}')}"
        return name if self.protocol in (58,) else f"protocol {self.protocol}"

    def __str__(self) -> str:
        name = protocol_name(self.protocol).upper()
        if self.has_ports:
            return f"{name} {self.src_ip}:{self.sport} → {self.dst_ip}:{self.dport}"
        if self.protocol == 1:
            kind = ICMP_NAMES.get(self.icmp_type or 0, f"type {self.icmp_type}")
            return f"ICMP {kind} {self.src_ip} → {self.dst_ip}"
        return f"{self.what()} {self.src_ip} → {self.dst_ip}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "src": self.src_ip,
            "dst": self.dst_ip,
            "protocol": self.protocol,
            "sport": self.sport,
            "dport": self.dport,
        }
        if self.protocol == 1:
            out["icmp_type"] = self.icmp_type
            out["icmp_code"] = self.icmp_code
        return out
