"""What the simulator reads from a lab: ENIs, flow logs and their destinations.

The simulator needs only a handful of facts about a :class:`~vpcflow.network.topology.Topology`
(each ENI's primary private IP, subnet, VPC, instance, AZ and kind; each flow
log's settings, covered ENIs and delivery error). :class:`LabView` holds
exactly those as plain values, built once by :meth:`LabView.from_topology`, so
that the record generator and its tests do not depend on the network model's
internals, and a change there is adapted in one place.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from vpcflow.records.formats import DEFAULT_FORMAT, FlowFormat, parse_format

EPHEMERAL = {"linux": (32768, 60999), "windows": (49152, 65535)}
INTERNET_EPHEMERAL = (1024, 65535)

# Link-local services AWS never logs (flow-logs.md §7.2): instance metadata,
# Amazon Time Sync, the Amazon DNS resolver's link-local address.
NEVER_LOGGED_ADDRESSES = {
    "169.254.169.254": "instance metadata traffic (169.254.169.254)",
    "169.254.169.123": "Amazon Time Sync traffic (169.254.169.123)",
    "169.254.169.253": "traffic to the Amazon-provided DNS server (169.254.169.253)",
}

INTERFACE_TYPES = {
    "nat_gateway": "nat_gateway",
    "vpc_endpoint": "vpc_endpoint",
    "transit_gateway": "transit_gateway",
    "network_load_balancer": "network_load_balancer",
}


@dataclass(frozen=True)
class EniInfo:
    """One network interface as flow log records describe it."""

    id: str
    private_ip: str
    subnet_id: str | None = None
    vpc_id: str | None = None
    instance_id: str | None = None
    az_id: str | None = None
    kind: str = "instance"
    account: str | None = None
    region: str | None = None
    public_ip: str | None = None
    platform: str = "linux"

    @property
    def interface_type(self) -> str | None:
        """The v11 ``interface-type`` value (``-`` for instance ENIs)."""
        return INTERFACE_TYPES.get(self.kind)


@dataclass(frozen=True)
class FlowLogInfo:
    """One flow log: its settings, the ENIs it covers, and whether delivery works."""

    id: str
    resource: str
    enis: tuple[str, ...]
    traffic_type: str = "ALL"
    interval: int = 600
    fmt: FlowFormat = DEFAULT_FORMAT
    destination_type: str = "cloud-watch-logs"
    log_group: str | None = None
    role: str | None = None
    bucket: str | None = None
    prefix: str = ""
    file_format: str = "plain-text"
    hive: bool = False
    per_hour: bool = False
    delivery_error: str | None = None

    def admits(self, action: str) -> bool:
        """True when this flow log's traffic type records ``action`` (ACCEPT/REJECT)."""
        return self.traffic_type == "ALL" or self.traffic_type == action

    @property
    def destination(self) -> str:
        """Where records go, as the AWS console shows it."""
        if self.destination_type == "s3":
            path = f"{self.bucket}/{self.prefix}".rstrip("/")
            return f"s3://{path}"
        return f"log group {self.log_group}"


@dataclass(frozen=True)
class Instance:
    """An instance the background preset can pick as a client or server."""

    id: str
    eni: str
    private_ip: str
    public_ip: str | None = None


@dataclass
class LabView:
    """The facts about a lab the simulator uses."""

    account: str = "123456789012"
    region: str = "us-east-1"
    enis: dict[str, EniInfo] = field(default_factory=dict)
    flow_logs: tuple[FlowLogInfo, ...] = ()
    instances: tuple[Instance, ...] = ()
    vpc_cidrs: tuple[str, ...] = ()
    subnet_cidrs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._by_eni: dict[str, list[FlowLogInfo]] = {}
        for fl in self.flow_logs:
            for eni in fl.enis:
                self._by_eni.setdefault(eni, []).append(fl)
        self._never = dict(NEVER_LOGGED_ADDRESSES)
        for cidr in self.vpc_cidrs:
            net = ipaddress.ip_network(cidr, strict=False)
            if net.version == 4:
                dns = str(net.network_address + 2)
                self._never[dns] = f"traffic to the Amazon-provided DNS server ({dns})"
        for cidr in self.subnet_cidrs:
            net = ipaddress.ip_network(cidr, strict=False)
            if net.version == 4:
                router = str(net.network_address + 1)
                self._never[router] = f"traffic to the VPC router's reserved address ({router})"

    def flow_logs_for(self, eni: str) -> list[FlowLogInfo]:
        """Flow logs that cover ``eni`` (VPC, subnet or ENI resource)."""
        return self._by_eni.get(eni, [])

    def eni(self, eni_id: str) -> EniInfo:
        found = self.enis.get(eni_id)
        if found is None:
            return EniInfo(eni_id, "-", account=self.account, region=self.region)
        return found

    def never_logged(self, address: str | None) -> str | None:
        """Why traffic to/from ``address`` is never in a flow log (§7.2), or None."""
        if address is None:
            return None
        return self._never.get(address)

    def ephemeral_range(self, source: str) -> tuple[int, int]:
        """The client port range of ``source`` (an instance/ENI id or address)."""
        for info in self.enis.values():
            if source in (info.id, info.instance_id, info.private_ip, info.public_ip):
                return EPHEMERAL.get(info.platform, EPHEMERAL["linux"])
        return INTERNET_EPHEMERAL

    def public_ips(self) -> set[str]:
        return {i.public_ip for i in self.enis.values() if i.public_ip}

    @classmethod
    def from_topology(cls, topology: Any) -> LabView:
        """Adapt a :class:`~vpcflow.network.topology.Topology` (the network model's API)."""
        from vpcflow.simulate.labadapter import lab_view

        return lab_view(topology)


def format_of(value: Any) -> FlowFormat:
    """A flow log's format attribute as a :class:`FlowFormat` (strings are parsed)."""
    if isinstance(value, FlowFormat):
        return value
    if value is None:
        return DEFAULT_FORMAT
    return parse_format(str(value))
