"""``reach(topology, source, destination, protocol, ...)``: can A talk to B, and if not, why?

>>> from vpcflow.network.loader import load_lab_text
>>> lab = load_lab_text('''
... vpcs: [{id: vpc-1, cidr: 10.1.0.0/16}]
... subnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.1.1.0/24}]
... security_groups: [{id: sg-1, vpc: vpc-1, ingress: [{protocol: tcp, ports: 22, cidr: 10.1.0.0/16}]}]
... instances:
...   - {id: i-1, subnet: subnet-1, private_ip: 10.1.1.10, security_groups: [sg-1]}
...   - {id: i-2, subnet: subnet-1, private_ip: 10.1.1.20, security_groups: [sg-1]}
... ''')
>>> reach(lab, "i-1", "i-2", "tcp", port=22).reachable
True
>>> result = reach(lab, "i-1", "10.1.1.20", "icmp")
>>> result.reachable, [b.code for b in result.blockers]
(False, ['ENI_SG_RULES_MISMATCH'])

Source: an instance id, interface id (a NAT gateway id means its interface),
private IP, public IP of a lab interface, or an internet address. Destination:
the same. A destination named by id is its primary private IP, except from an
internet source, where it is its public IP. Queries vpcflow cannot answer
raise :class:`~vpcflow.errors.UsageError` (exit 2): IPv6, a destination that is
a VPC's reserved address (router, DNS: never filtered nor logged, §1.2), an
address two interfaces share, or two internet ends.

Source port (decision): without ``source_port`` a client uses a port from its
platform's ephemeral range (Linux 32768-60999, Windows 49152-65535; internet
hosts are treated as Linux), chosen by a CRC-32 of the query so the same
question always gets the same port. ICMP defaults to echo request (type 8).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from vpcflow.errors import UsageError
from vpcflow.network.addresses import (
    ip_str,
    ip_version,
    is_link_local,
    parse_ipv4,
    parse_protocol,
    reserved_in_subnet,
)
from vpcflow.network.observe import EniObservation
from vpcflow.network.packet import Packet
from vpcflow.network.resources import Eni
from vpcflow.network.topology import Topology
from vpcflow.network.trace import Blocker, Hop
from vpcflow.network.walk import Endpoint, Walker

EPHEMERAL_RANGES = {"linux": (32768, 60999), "windows": (49152, 65535)}


class OutOfScopeError(UsageError):
    """The question has no network answer (traffic to reserved VPC addresses, metadata, ...)."""


@dataclass(frozen=True)
class Query:
    """The question as asked and as resolved."""

    source: str
    destination: str
    protocol: int
    port: int | None
    source_port: int | None
    icmp_type: int | None
    icmp_code: int | None
    packet: Packet

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "destination": self.destination,
            "protocol": self.protocol,
            "port": self.port,
            "source_port": self.source_port,
            "icmp_type": self.icmp_type,
            "icmp_code": self.icmp_code,
            "packet": self.packet.to_dict(),
        }


@dataclass(frozen=True)
class ReachResult:
    """The answer: verdict, both legs hop by hop, every blocker with its fix, and observations."""

    query: Query
    reachable: bool
    forward: tuple[Hop, ...]
    return_: tuple[Hop, ...]
    blockers: tuple[Blocker, ...]
    reply_expected: bool
    forward_delivered: bool
    _observations_forward: tuple[EniObservation, ...]
    _observations_return: tuple[EniObservation, ...] | None

    @property
    def source_port(self) -> int | None:
        """The client port used (given, or chosen from the platform's ephemeral range)."""
        return self.query.source_port

    def observations(self) -> tuple[list[EniObservation], list[EniObservation] | None]:
        """What each interface sees, in walking order, as the real network would.

        Stops at the first real drop. ``return_`` is None when no reply is
        generated (the request never reached the destination application).
        """
        ret = None if self._observations_return is None else list(self._observations_return)
        return list(self._observations_forward), ret

    @property
    def verdict(self) -> str:
        """``REACHABLE``, ``DELIVERED, NO RETURN PATH`` (request arrives, reply lost) or ``UNREACHABLE``."""
        if self.reachable:
            return "REACHABLE"
        if self.forward_delivered:
            return "DELIVERED, NO RETURN PATH"
        return "UNREACHABLE"

    def to_dict(self) -> dict[str, Any]:
        """The ``vpcflow reach --json`` document."""
        return {
            "reachable": self.reachable,
            "verdict": self.verdict,
            "query": self.query.to_dict(),
            "forward": [h.to_dict() for h in self.forward],
            "return": [h.to_dict() for h in self.return_],
            "blockers": [b.to_dict() for b in self.blockers],
        }

    def __str__(self) -> str:
        q = self.query
        lines = [f"{q.source} → {q.destination}: {q.packet}"]
        if self.reachable:
            lines.append("REACHABLE: the request arrives and the reply returns.")
        elif self.forward_delivered and not self.blockers_on("forward"):
            udp = " (UDP: delivered, no return path)" if q.protocol == 17 else ""
            lines.append(f"UNREACHABLE{udp}: the request arrives but the reply is lost.")
        else:
            n = len(self.blockers)
            lines.append(f"UNREACHABLE: {n} blocker{'s' * (n != 1)}.")
        for title, hops in (("Forward path", self.forward), ("Return path", self.return_)):
            if not hops:
                continue
            lines.append("")
            lines.append(title)
            for i, h in enumerate(hops, 1):
                mark = "✗" if h.blocked else ("·" if h.assumed else "✓")
                suffix = "  (assumed)" if h.assumed and not h.blocked else ""
                lines.append(f"  {i:>2} {mark} {h.kind} {h.component}: {h.detail}{suffix}")
        if not self.reply_expected:
            lines.append("")
            lines.append("(no reply: this ICMP type is one-way)")
        if self.blockers:
            lines.append("")
            lines.append("Blockers")
            for i, b in enumerate(self.blockers, 1):
                lines.append(f"  {i}. {b.message}")
                lines.append(f"     lab: {b.fix.lab}")
                for j, cmd in enumerate(b.fix.cli.splitlines()):
                    lines.append(f"     {'cli: ' if j == 0 else '     '}{cmd}")
        return "\n".join(lines)

    def blockers_on(self, leg: str) -> list[Blocker]:
        return [b for b in self.blockers if b.leg == leg]


def _resolve_eni_id(topo: Topology, text: str) -> Eni | None:
    kind = topo.kind_of(text)
    if kind == "instance":
        return topo.instance_eni(text)
    if kind == "network_interface":
        return topo.eni(text)
    if kind == "nat_gateway":
        return topo.eni(topo.nat_gateway(text).eni)
    return None


def _parse_address(text: str, role: str) -> int:
    version = ip_version(text)
    if version == 6:
        raise UsageError(
            f"{role} {text} is IPv6: vpcflow reach analyses IPv4 only "
            "(as AWS Reachability Analyzer does)"
        )
    if version is None:
        raise UsageError(
            f"{role} {text!r} is not an instance, network interface or NAT gateway id of the "
            "lab, nor an IPv4 address"
        )
    return parse_ipv4(text)


def _resolve_source(topo: Topology, text: str) -> Endpoint:
    eni = _resolve_eni_id(topo, text)
    if eni is not None:
        return Endpoint(eni, parse_ipv4(eni.private_ip))
    address = _parse_address(text, "source")
    owners = topo.enis_with_ip(address)
    if len(owners) > 1:
        names = ", ".join(f"{e.id} in {e.vpc}" for e in owners)
        raise UsageError(f"source {text} belongs to several interfaces ({names}): name one by id")
    if owners:
        return Endpoint(owners[0], address)
    public = topo.eni_by_public_ip(address)
    if public is not None:
        return Endpoint(public, parse_ipv4(public.private_ip))
    return Endpoint(None, address)


def _resolve_destination(
    topo: Topology, text: str, from_internet: bool
) -> tuple[Endpoint, int, bool]:
    """(endpoint, destination address on the packet, named by id?)."""
    eni = _resolve_eni_id(topo, text)
    if eni is not None:
        if from_internet and eni.public_ip:
            return Endpoint(eni, parse_ipv4(eni.public_ip)), parse_ipv4(eni.public_ip), True
        return Endpoint(eni, parse_ipv4(eni.private_ip)), parse_ipv4(eni.private_ip), True
    address = _parse_address(text, "destination")
    _check_in_scope(topo, address)
    owners = topo.enis_with_ip(address)
    if len(owners) == 1:
        return Endpoint(owners[0], address), address, False
    public = topo.eni_by_public_ip(address)
    if public is not None:
        return Endpoint(public, address), address, False
    return Endpoint(None, address), address, False


def _check_in_scope(topo: Topology, address: int) -> None:
    if is_link_local(address):
        raise OutOfScopeError(
            f"{ip_str(address)} is link-local (instance metadata, Time Sync, DNS): that traffic "
            "never leaves the host, is not filtered by security groups or network ACLs and is "
            "not logged"
        )
    for sub in topo.subnets.values():
        if sub.cidr.contains(address):
            why = reserved_in_subnet(sub.cidr, address)
            if why is not None and topo.eni_at(sub.vpc, address) is None:
                raise OutOfScopeError(
                    f"{ip_str(address)} is {why} of {sub.id}: traffic to it is not filtered by "
                    "security groups or network ACLs and is not logged, so there is nothing to "
                    "analyse"
                )


def _protocol(protocol: str | int) -> int:
    try:
        number = parse_protocol(protocol)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if number == -1:
        raise UsageError("protocol 'all' is not a packet: ask for tcp, udp, icmp or a number")
    if number == 58:
        raise UsageError("icmpv6 is IPv6: vpcflow reach analyses IPv4 only")
    return number


def choose_source_port(platform: str, key: str) -> int:
    """A stable port from the platform's ephemeral range (see the module docstring)."""
    low, high = EPHEMERAL_RANGES.get(platform, EPHEMERAL_RANGES["linux"])
    return low + zlib.crc32(key.encode()) % (high - low + 1)


def reach(
    topology: Topology,
    source: str,
    destination: str,
    protocol: str | int = "icmp",
    port: int | None = None,
    source_port: int | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
) -> ReachResult:
    """Walk ``source`` → ``destination`` and back; raise UsageError for questions without an answer."""
    number = _protocol(protocol)
    src = _resolve_source(topology, source.strip())
    dst, dst_address, named = _resolve_destination(topology, destination.strip(), src.eni is None)
    if src.eni is None and dst.eni is None:
        raise UsageError(
            f"neither {source} nor {destination} is in the lab: at least one end must be an "
            "instance, interface or address of the lab"
        )
    if src.eni is not None and dst.eni is not None and src.eni.id == dst.eni.id:
        raise UsageError(f"{source} and {destination} are the same interface ({src.eni.id})")
    has_ports = number in (6, 17)
    if has_ports:
        if port is None:
            raise UsageError(f"{'tcp' if number == 6 else 'udp'} needs a destination port (--port)")
        if not 0 <= port <= 65535:
            raise UsageError(f"port {port} is outside 0-65535")
        if source_port is None:
            platform = src.eni.platform if src.eni is not None else "linux"
            source_port = choose_source_port(platform, f"{source}|{destination}|{number}|{port}")
        elif not 1 <= source_port <= 65535:
            raise UsageError(f"source port {source_port} is outside 1-65535")
    else:
        if port is not None and number != 1:
            port = None
        if number == 1 and port is not None:
            raise UsageError("ICMP has no ports: use --icmp-type (8 = echo request)")
        source_port = None
    if number == 1:
        icmp_type = 8 if icmp_type is None else icmp_type
        icmp_code = 0 if icmp_code is None else icmp_code
        if not (0 <= icmp_type <= 255 and 0 <= icmp_code <= 255):
            raise UsageError("ICMP type and code must be 0-255")
    else:
        icmp_type = icmp_code = None
    packet = Packet(
        src.address,
        dst_address,
        number,
        source_port or 0,
        port if has_ports and port is not None else 0,
        icmp_type,
        icmp_code,
    )
    walker = Walker(topology, src, dst, dest_named=named)
    res = walker.run(packet)
    reachable = (
        not res.blockers and res.forward_arrived and (res.return_arrived or not res.reply_expected)
    )
    query = Query(
        source,
        destination,
        number,
        port if has_ports else None,
        source_port,
        icmp_type,
        icmp_code,
        packet,
    )
    obs_ret = None if res.observations_return is None else tuple(res.observations_return)
    return ReachResult(
        query,
        reachable,
        tuple(res.forward),
        tuple(res.return_),
        tuple(res.blockers),
        res.reply_expected,
        res.forward_arrived and not any(b.leg == "forward" for b in res.blockers),
        tuple(res.observations_forward),
        obs_ret,
    )
