"""The typed, immutable resources a :class:`~vpcflow.network.topology.Topology` holds.

These know nothing of the lab file's wire format (``schema.py``/``loader.py``
read that) and nothing of each other except by id: a subnet names its VPC by
id, and the topology resolves it. One typed :class:`RouteTarget` instead of a
route with ten optional target fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from vpcflow.network.addresses import Cidr, PortRange, protocol_name
from vpcflow.records.formats import FlowFormat

EMPTY: Mapping[str, str] = MappingProxyType({})


def _no_tags() -> Any:
    """Tags: an empty read-only mapping by default, left out of equality and hashing."""
    return field(default_factory=lambda: EMPTY, hash=False, compare=False)


# Id prefixes of AWS resource types, in one table: they decide the kind of a
# route target written as a bare id, and the default ids vpcflow generates.
ID_PREFIXES = {
    "vpc": "vpc-",
    "subnet": "subnet-",
    "internet_gateway": "igw-",
    "route_table": "rtb-",
    "security_group": "sg-",
    "network_acl": "acl-",
    "instance": "i-",
    "network_interface": "eni-",
    "nat_gateway": "nat-",
    "prefix_list": "pl-",
    "peering_connection": "pcx-",
}

PeeringStatus = Literal[
    "initiating-request",
    "pending-acceptance",
    "provisioning",
    "active",
    "rejected",
    "expired",
    "failed",
    "deleting",
    "deleted",
]
TargetKind = Literal[
    "local",
    "internet_gateway",
    "nat_gateway",
    "peering_connection",
    "network_interface",
    "instance",
    "blackhole",
]


@dataclass(frozen=True)
class Vpc:
    id: str
    cidrs: tuple[Cidr, ...]
    """Primary block first, then the secondary blocks."""
    ipv6_cidr: Cidr | None = None
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()

    @property
    def cidr(self) -> Cidr:
        return self.cidrs[0]

    def contains(self, address: int) -> bool:
        return any(c.contains(address) for c in self.cidrs)

    def block_for(self, address: int) -> Cidr | None:
        return next((c for c in self.cidrs if c.contains(address)), None)


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc: str
    cidr: Cidr
    az: str
    route_table: str | None = None
    """Explicitly associated route table; None = the VPC's main table."""
    map_public_ip: bool = False
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class InternetGateway:
    id: str
    vpc: str | None
    """Attached VPC, or None when detached."""
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class RouteTarget:
    """Where a route sends packets. ``id`` is None only for ``local`` and ``blackhole``."""

    kind: TargetKind
    id: str | None = None

    def __str__(self) -> str:
        return self.id or self.kind


@dataclass(frozen=True)
class Route:
    destination: str
    """As written: a CIDR or a prefix list id."""
    cidrs: tuple[Cidr, ...]
    """The prefixes it matches (a prefix list's entries, or the one CIDR)."""
    target: RouteTarget
    prefix_list: str | None = None
    origin: Literal["CreateRouteTable", "CreateRoute"] = "CreateRoute"
    order: int = 0
    """Position in the table as written (ties between prefix lists go to the lowest)."""

    def __str__(self) -> str:
        return f"{self.destination} → {self.target}"


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc: str
    routes: tuple[Route, ...]
    main: bool = False
    implicit: bool = False
    """True for the main table vpcflow creates for a VPC that declares none."""
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class SgRule:
    """One security group rule. Exactly one of ``cidr``/``security_group``/``prefix_list``."""

    direction: Literal["ingress", "egress"]
    protocol: int
    ports: PortRange | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    cidr: Cidr | None = None
    security_group: str | None = None
    prefix_list: str | None = None
    description: str | None = None
    index: int = 0

    @property
    def peer(self) -> str:
        if self.cidr is not None:
            return str(self.cidr)
        return self.security_group or self.prefix_list or "?"

    def __str__(self) -> str:
        word = "from" if self.direction == "ingress" else "to"
        return f"{_proto_text(self.protocol, self.ports, self.icmp_type, self.icmp_code)} {word} {self.peer}"


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    vpc: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    name: str | None = None
    implicit: bool = False
    """True for the default group vpcflow supplies to an interface that names none."""
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class NaclRule:
    number: int
    direction: Literal["ingress", "egress"]
    protocol: int
    action: Literal["allow", "deny"]
    cidr: Cidr
    ports: PortRange | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None

    def __str__(self) -> str:
        word = "from" if self.direction == "ingress" else "to"
        what = _proto_text(self.protocol, self.ports, self.icmp_type, self.icmp_code)
        return f"rule {self.number} {self.action} {what} {word} {self.cidr}"


@dataclass(frozen=True)
class NetworkAcl:
    id: str
    vpc: str
    subnets: tuple[str, ...]
    ingress: tuple[NaclRule, ...]
    """Sorted by rule number; the implicit ``*`` deny is not listed."""
    egress: tuple[NaclRule, ...]
    default: bool = False
    implicit: bool = False
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class Instance:
    id: str
    subnet: str
    private_ip: str
    eni: str
    security_groups: tuple[str, ...]
    public_ip: str | None = None
    platform: Literal["linux", "windows"] = "linux"
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class Eni:
    """A network interface: the unit security groups attach to and flow logs record.

    ``subnet``, ``vpc`` and ``instance`` are ids. ``private_ip`` is the primary
    private IPv4 address (the local side of every flow log record).
    """

    id: str
    subnet: str
    vpc: str
    az: str
    private_ip: str
    security_groups: tuple[str, ...]
    kind: str = "instance"
    public_ip: str | None = None
    instance: str | None = None
    nat_gateway: str | None = None
    source_dest_check: bool = True
    platform: Literal["linux", "windows"] = "linux"
    name: str | None = None

    @property
    def label(self) -> str:
        """``i-1 (eni-1)`` for instance interfaces, ``nat-1 (eni-…)`` for NAT gateways."""
        owner = self.instance or self.nat_gateway
        return f"{owner} ({self.id})" if owner else self.id


@dataclass(frozen=True)
class NatGateway:
    id: str
    subnet: str
    vpc: str
    private_ip: str
    eni: str
    public_ip: str | None = None
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()

    @property
    def public(self) -> bool:
        return self.public_ip is not None


@dataclass(frozen=True)
class PrefixList:
    id: str
    entries: tuple[Cidr, ...]
    max_entries: int
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()

    def contains(self, address: int) -> bool:
        return any(c.contains(address) for c in self.entries)


@dataclass(frozen=True)
class PeeringConnection:
    id: str
    requester: str
    accepter: str
    status: PeeringStatus = "active"
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()

    @property
    def active(self) -> bool:
        return self.status == "active"

    def other(self, vpc: str) -> str:
        """The VPC on the far side from ``vpc``."""
        return self.accepter if vpc == self.requester else self.requester

    def joins(self, vpc: str) -> bool:
        return vpc in (self.requester, self.accepter)


@dataclass(frozen=True)
class IamRole:
    name: str
    trust_policy: Mapping[str, Any] = field(hash=False, compare=False)
    policies: tuple[Mapping[str, Any], ...] = field(hash=False, compare=False)
    tags: Mapping[str, str] = _no_tags()


@dataclass(frozen=True)
class LogGroup:
    name: str
    retention_days: int | None = None


@dataclass(frozen=True)
class FlowLogDestination:
    """Where a flow log delivers. CloudWatch uses log_group/role; S3 the rest."""

    type: Literal["cloud-watch-logs", "s3"]
    log_group: str | None = None
    role: str | None = None
    bucket: str | None = None
    prefix: str | None = None
    file_format: Literal["plain-text", "parquet"] = "plain-text"
    hive_compatible: bool = False
    per_hour_partition: bool = False


@dataclass(frozen=True)
class FlowLog:
    id: str
    resource: str
    """The id as written: a VPC, subnet or network interface (an instance means its ENI)."""
    resource_type: Literal["vpc", "subnet", "network_interface"]
    traffic_type: Literal["ACCEPT", "REJECT", "ALL"]
    max_aggregation_interval: int
    format: FlowFormat
    destination: FlowLogDestination
    resource_id: str = ""
    """The resolved VPC, subnet or ENI id (an instance's primary ENI)."""
    name: str | None = None
    tags: Mapping[str, str] = _no_tags()


def _proto_text(
    protocol: int, ports: PortRange | None, icmp_type: int | None, icmp_code: int | None
) -> str:
    """``tcp 22``, ``all``, ``icmp type 8``, ``icmp`` (any type)."""
    name = protocol_name(protocol)
    if protocol in (6, 17):
        return f"{name} {ports}" if ports is not None else f"{name} all ports"
    if protocol in (1, 58):
        if icmp_type is None or icmp_type == -1:
            return f"{name} (all types)"
        code = "" if icmp_code is None or icmp_code == -1 else f" code {icmp_code}"
        return f"{name} type {icmp_type}{code}"
    return name
