"""One immutable :class:`Topology`: every resource of a lab, and the indexes the walk needs.

Built by :func:`vpcflow.network.loader.load_lab` (never by hand in user code).
Indexes are made once at construction: interfaces by (VPC, private IP) and by
public IP, the route table and network ACL of every subnet, one
:class:`~vpcflow.network.routing.RouteIndex` per route table, security group
membership, and active peerings per VPC, so a reachability query is a handful
of dict lookups whatever the size of the lab.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from vpcflow.network.addresses import parse_ipv4
from vpcflow.network.resources import (
    Eni,
    FlowLog,
    IamRole,
    Instance,
    InternetGateway,
    LogGroup,
    NatGateway,
    NetworkAcl,
    PeeringConnection,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vpc,
)
from vpcflow.network.routing import RouteIndex


@dataclass(frozen=True)
class LabWarning:
    """Something legal but suspicious in a lab (printed, never fatal)."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    resource: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        loc = ":".join(str(p) for p in (self.path, self.line, self.column) if p is not None)
        return f"{loc}: warning: {self.message}" if loc else f"warning: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "resource": self.resource,
            "key": self.key,
        }


def _index(items: Iterable[Any], key: str = "id") -> Mapping[str, Any]:
    return MappingProxyType({getattr(x, key): x for x in items})


class Topology:
    """A lab's resources, immutable once built. Lookups raise ``KeyError`` for unknown ids."""

    __slots__ = (
        "_active_peers",
        "_by_id",
        "_default_acl",
        "_eni_at",
        "_eni_by_public",
        "_enis",
        "_enis_by_ip",
        "_flow_logs",
        "_frozen",
        "_iam_roles",
        "_igw_of_vpc",
        "_instances",
        "_log_groups",
        "_main_table",
        "_nat_by_eni",
        "_peerings_of_vpc",
        "_route_index",
        "_sg_members",
        "_subnet_acl",
        "_subnet_table",
        "_vpc_subnets",
        "account",
        "internet_gateways",
        "name",
        "nat_gateways",
        "network_acls",
        "path",
        "peering_connections",
        "prefix_lists",
        "region",
        "route_tables",
        "security_groups",
        "subnets",
        "vpcs",
        "warnings",
    )

    account: str
    region: str
    path: str
    name: str | None
    warnings: tuple[LabWarning, ...]
    vpcs: Mapping[str, Vpc]
    subnets: Mapping[str, Subnet]
    internet_gateways: Mapping[str, InternetGateway]
    route_tables: Mapping[str, RouteTable]
    security_groups: Mapping[str, SecurityGroup]
    network_acls: Mapping[str, NetworkAcl]
    nat_gateways: Mapping[str, NatGateway]
    prefix_lists: Mapping[str, PrefixList]
    peering_connections: Mapping[str, PeeringConnection]
    _instances: Mapping[str, Instance]
    _enis: Mapping[str, Eni]
    _iam_roles: Mapping[str, IamRole]
    _log_groups: Mapping[str, LogGroup]
    _flow_logs: tuple[FlowLog, ...]
    _by_id: dict[str, tuple[str, Any]]
    _eni_at: dict[tuple[str, int], Eni]
    _enis_by_ip: dict[int, tuple[Eni, ...]]
    _eni_by_public: dict[int, Eni]
    _sg_members: dict[str, tuple[str, ...]]
    _nat_by_eni: dict[str, NatGateway]
    _vpc_subnets: dict[str, tuple[str, ...]]
    _main_table: dict[str, str]
    _subnet_table: dict[str, tuple[str, bool]]
    _default_acl: dict[str, str]
    _subnet_acl: dict[str, str]
    _igw_of_vpc: dict[str, InternetGateway]
    _peerings_of_vpc: dict[str, tuple[PeeringConnection, ...]]
    _active_peers: dict[str, frozenset[str]]
    _route_index: dict[str, RouteIndex]

    def __init__(
        self,
        *,
        account: str,
        region: str,
        path: str,
        name: str | None = None,
        vpcs: Iterable[Vpc] = (),
        subnets: Iterable[Subnet] = (),
        internet_gateways: Iterable[InternetGateway] = (),
        route_tables: Iterable[RouteTable] = (),
        security_groups: Iterable[SecurityGroup] = (),
        network_acls: Iterable[NetworkAcl] = (),
        instances: Iterable[Instance] = (),
        enis: Iterable[Eni] = (),
        nat_gateways: Iterable[NatGateway] = (),
        prefix_lists: Iterable[PrefixList] = (),
        peering_connections: Iterable[PeeringConnection] = (),
        iam_roles: Iterable[IamRole] = (),
        log_groups: Iterable[LogGroup] = (),
        flow_logs: Iterable[FlowLog] = (),
        warnings: Iterable[LabWarning] = (),
    ) -> None:
        s = object.__setattr__
        s(self, "account", account)
        s(self, "region", region)
        s(self, "path", path)
        s(self, "name", name)
        s(self, "warnings", tuple(warnings))
        s(self, "vpcs", _index(vpcs))
        s(self, "subnets", _index(subnets))
        s(self, "internet_gateways", _index(internet_gateways))
        s(self, "route_tables", _index(route_tables))
        s(self, "security_groups", _index(security_groups))
        s(self, "network_acls", _index(network_acls))
        s(self, "nat_gateways", _index(nat_gateways))
        s(self, "prefix_lists", _index(prefix_lists))
        s(self, "peering_connections", _index(peering_connections))
        s(self, "_instances", _index(instances))
        s(self, "_enis", _index(enis))
        s(self, "_iam_roles", _index(iam_roles, "name"))
        s(self, "_log_groups", _index(log_groups, "name"))
        s(self, "_flow_logs", tuple(flow_logs))
        self._build_indexes()
        s(self, "_frozen", True)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Topology is immutable")

    # -- construction of indexes ------------------------------------------------

    def _build_indexes(self) -> None:
        s = object.__setattr__
        by_id: dict[str, tuple[str, Any]] = {}
        for kind, table in (
            ("vpc", self.vpcs),
            ("subnet", self.subnets),
            ("internet_gateway", self.internet_gateways),
            ("route_table", self.route_tables),
            ("security_group", self.security_groups),
            ("network_acl", self.network_acls),
            ("instance", self._instances),
            ("network_interface", self._enis),
            ("nat_gateway", self.nat_gateways),
            ("prefix_list", self.prefix_lists),
            ("peering_connection", self.peering_connections),
            ("flow_log", {f.id: f for f in self._flow_logs}),
        ):
            for rid, res in table.items():
                by_id[rid] = (kind, res)
        s(self, "_by_id", by_id)

        eni_at: dict[tuple[str, int], Eni] = {}
        by_ip: dict[int, list[Eni]] = {}
        by_public: dict[int, Eni] = {}
        members: dict[str, list[str]] = {}
        nat_by_eni: dict[str, NatGateway] = {n.eni: n for n in self.nat_gateways.values()}
        for eni in self._enis.values():
            ip = parse_ipv4(eni.private_ip)
            eni_at[(eni.vpc, ip)] = eni
            by_ip.setdefault(ip, []).append(eni)
            if eni.public_ip:
                by_public[parse_ipv4(eni.public_ip)] = eni
            for sg in eni.security_groups:
                members.setdefault(sg, []).append(eni.id)
        s(self, "_eni_at", eni_at)
        s(self, "_enis_by_ip", {ip: tuple(v) for ip, v in by_ip.items()})
        s(self, "_eni_by_public", by_public)
        s(self, "_sg_members", {k: tuple(v) for k, v in members.items()})
        s(self, "_nat_by_eni", nat_by_eni)

        vpc_subnets: dict[str, list[str]] = {v: [] for v in self.vpcs}
        for sub in self.subnets.values():
            vpc_subnets.setdefault(sub.vpc, []).append(sub.id)
        s(self, "_vpc_subnets", {k: tuple(v) for k, v in vpc_subnets.items()})

        main = {t.vpc: t.id for t in self.route_tables.values() if t.main}
        s(self, "_main_table", main)
        s(
            self,
            "_subnet_table",
            {
                sub.id: (sub.route_table, True) if sub.route_table else (main[sub.vpc], False)
                for sub in self.subnets.values()
            },
        )
        default_acl = {a.vpc: a.id for a in self.network_acls.values() if a.default}
        subnet_acl: dict[str, str] = {}
        for acl in self.network_acls.values():
            for sub_id in acl.subnets:
                subnet_acl[sub_id] = acl.id
        for sub in self.subnets.values():
            subnet_acl.setdefault(sub.id, default_acl[sub.vpc])
        s(self, "_default_acl", default_acl)
        s(self, "_subnet_acl", subnet_acl)

        s(
            self,
            "_igw_of_vpc",
            {g.vpc: g for g in self.internet_gateways.values() if g.vpc is not None},
        )
        peerings: dict[str, list[PeeringConnection]] = {}
        active: dict[str, set[str]] = {}
        for pcx in self.peering_connections.values():
            for vpc in (pcx.requester, pcx.accepter):
                peerings.setdefault(vpc, []).append(pcx)
            if pcx.active:
                active.setdefault(pcx.requester, set()).add(pcx.accepter)
                active.setdefault(pcx.accepter, set()).add(pcx.requester)
        s(self, "_peerings_of_vpc", {k: tuple(v) for k, v in peerings.items()})
        s(self, "_active_peers", {k: frozenset(v) for k, v in active.items()})
        s(
            self,
            "_route_index",
            {t.id: RouteIndex(t, self.route_state) for t in self.route_tables.values()},
        )

    # -- plain lookups ------------------------------------------------------------

    def _get(self, table: Mapping[str, Any], kind: str, rid: str) -> Any:
        try:
            return table[rid]
        except KeyError:
            raise KeyError(f"no {kind} {rid!r} in the lab") from None

    def vpc(self, vpc_id: str) -> Vpc:
        return self._get(self.vpcs, "VPC", vpc_id)  # type: ignore[no-any-return]

    def subnet(self, subnet_id: str) -> Subnet:
        return self._get(self.subnets, "subnet", subnet_id)  # type: ignore[no-any-return]

    def route_table(self, table_id: str) -> RouteTable:
        return self._get(self.route_tables, "route table", table_id)  # type: ignore[no-any-return]

    def security_group(self, sg_id: str) -> SecurityGroup:
        return self._get(self.security_groups, "security group", sg_id)  # type: ignore[no-any-return]

    def network_acl(self, acl_id: str) -> NetworkAcl:
        return self._get(self.network_acls, "network ACL", acl_id)  # type: ignore[no-any-return]

    def nat_gateway(self, nat_id: str) -> NatGateway:
        return self._get(self.nat_gateways, "NAT gateway", nat_id)  # type: ignore[no-any-return]

    def internet_gateway(self, igw_id: str) -> InternetGateway:
        return self._get(self.internet_gateways, "internet gateway", igw_id)  # type: ignore[no-any-return]

    def peering_connection(self, pcx_id: str) -> PeeringConnection:
        return self._get(self.peering_connections, "peering connection", pcx_id)  # type: ignore[no-any-return]

    def prefix_list(self, pl_id: str) -> PrefixList:
        return self._get(self.prefix_lists, "prefix list", pl_id)  # type: ignore[no-any-return]

    def eni(self, eni_id: str) -> Eni:
        """A network interface by id (instance interfaces, NAT gateway interfaces, extra ENIs)."""
        return self._get(self._enis, "network interface", eni_id)  # type: ignore[no-any-return]

    def instance(self, instance_id: str) -> Instance:
        return self._get(self._instances, "instance", instance_id)  # type: ignore[no-any-return]

    def iam_role(self, name: str) -> IamRole:
        return self._get(self._iam_roles, "IAM role", name)  # type: ignore[no-any-return]

    def log_group(self, name: str) -> LogGroup:
        return self._get(self._log_groups, "log group", name)  # type: ignore[no-any-return]

    def flow_log(self, flow_log_id: str) -> FlowLog:
        for fl in self._flow_logs:
            if fl.id == flow_log_id:
                return fl
        raise KeyError(f"no flow log {flow_log_id!r} in the lab")

    def enis(self) -> tuple[Eni, ...]:
        """Every network interface, in file order (instances' first, then extra ENIs, then NAT)."""
        return tuple(self._enis.values())

    def instances(self) -> tuple[Instance, ...]:
        return tuple(self._instances.values())

    def iam_roles(self) -> tuple[IamRole, ...]:
        return tuple(self._iam_roles.values())

    def log_groups(self) -> tuple[LogGroup, ...]:
        return tuple(self._log_groups.values())

    def kind_of(self, rid: str) -> str | None:
        """``vpc``, ``subnet``, ``instance``, ``network_interface``, ... or None."""
        entry = self._by_id.get(rid)
        return entry[0] if entry else None

    def get(self, rid: str) -> Any:
        """Any resource by id, or None."""
        entry = self._by_id.get(rid)
        return entry[1] if entry else None

    def has_role(self, name: str) -> bool:
        return name in self._iam_roles

    def has_log_group(self, name: str) -> bool:
        return name in self._log_groups

    # -- flow logs -------------------------------------------------------------------

    @property
    def flow_logs(self) -> tuple[FlowLog, ...]:
        return self._flow_logs

    def flow_logs_for_eni(self, eni_id: str) -> tuple[FlowLog, ...]:
        """Flow logs that record ``eni_id``: on its VPC, its subnet, or itself."""
        eni = self.eni(eni_id)
        owners = {
            ("vpc", eni.vpc),
            ("subnet", eni.subnet),
            ("network_interface", eni.id),
        }
        return tuple(f for f in self._flow_logs if (f.resource_type, f.resource_id) in owners)

    def delivery_error(self, flow_log: FlowLog) -> str | None:
        """Why AWS would fail to deliver this flow log (``DeliverLogsErrorMessage``), or None."""
        from vpcflow.network.iam import delivery_error

        return delivery_error(self, flow_log)

    # -- network lookups used by the walk ------------------------------------------

    def eni_at(self, vpc_id: str, address: int) -> Eni | None:
        """The interface of ``vpc_id`` whose primary private IP is ``address``."""
        return self._eni_at.get((vpc_id, address))

    def enis_with_ip(self, address: int) -> tuple[Eni, ...]:
        """Every interface (any VPC) whose primary private IP is ``address``."""
        return self._enis_by_ip.get(address, ())

    def eni_by_public_ip(self, address: int) -> Eni | None:
        return self._eni_by_public.get(address)

    def instance_eni(self, instance_id: str) -> Eni:
        return self.eni(self.instance(instance_id).eni)

    def nat_for_eni(self, eni_id: str) -> NatGateway | None:
        return self._nat_by_eni.get(eni_id)

    def subnets_of(self, vpc_id: str) -> tuple[str, ...]:
        return self._vpc_subnets.get(vpc_id, ())

    def route_table_of(self, subnet_id: str) -> tuple[RouteTable, bool]:
        """The subnet's route table, and True when the association is explicit."""
        table_id, explicit = self._subnet_table[subnet_id]
        return self.route_tables[table_id], explicit

    def main_route_table(self, vpc_id: str) -> RouteTable:
        return self.route_tables[self._main_table[vpc_id]]

    def route_index(self, table_id: str) -> RouteIndex:
        return self._route_index[table_id]  # type: ignore[no-any-return]

    def network_acl_of(self, subnet_id: str) -> NetworkAcl:
        return self.network_acls[self._subnet_acl[subnet_id]]

    def default_network_acl(self, vpc_id: str) -> NetworkAcl:
        return self.network_acls[self._default_acl[vpc_id]]

    def internet_gateway_of(self, vpc_id: str) -> InternetGateway | None:
        """The internet gateway attached to ``vpc_id``, if any."""
        return self._igw_of_vpc.get(vpc_id)  # type: ignore[no-any-return]

    def peerings_of(self, vpc_id: str) -> tuple[PeeringConnection, ...]:
        return self._peerings_of_vpc.get(vpc_id, ())  # type: ignore[no-any-return]

    def peerings_between(self, a: str, b: str) -> tuple[PeeringConnection, ...]:
        return tuple(p for p in self.peerings_of(a) if p.other(a) == b)

    def active_peers(self, vpc_id: str) -> frozenset[str]:
        """VPCs joined to ``vpc_id`` by an ``active`` peering connection."""
        return self._active_peers.get(vpc_id, frozenset())  # type: ignore[no-any-return]

    def sg_members(self, sg_id: str) -> tuple[str, ...]:
        """Ids of the interfaces that carry ``sg_id``."""
        return self._sg_members.get(sg_id, ())  # type: ignore[no-any-return]

    def route_state(self, route: Route) -> tuple[bool, str | None]:
        """(usable, why-not): a route is a blackhole when its target is gone or not functional."""
        target = route.target
        if target.kind == "blackhole":
            return False, "its target no longer exists (blackhole)"
        if target.kind == "internet_gateway" and target.id:
            igw = self.internet_gateways.get(target.id)
            if igw is None or igw.vpc is None:
                return False, f"{target.id} is not attached to any VPC"
        if target.kind == "peering_connection" and target.id:
            pcx = self.peering_connections.get(target.id)
            if pcx is None:
                return False, f"{target.id} does not exist"
            if not pcx.active:
                return False, f"{target.id} is {pcx.status}, not active"
        return True, None

    def summary(self) -> dict[str, int]:
        """Resource counts, for ``vpcflow lab check``."""
        return {
            "vpcs": len(self.vpcs),
            "subnets": len(self.subnets),
            "internet_gateways": len(self.internet_gateways),
            "route_tables": sum(1 for t in self.route_tables.values() if not t.implicit),
            "security_groups": sum(1 for g in self.security_groups.values() if not g.implicit),
            "network_acls": sum(1 for a in self.network_acls.values() if not a.implicit),
            "instances": len(self._instances),
            "network_interfaces": len(self._enis),
            "nat_gateways": len(self.nat_gateways),
            "prefix_lists": len(self.prefix_lists),
            "peering_connections": len(self.peering_connections),
            "iam_roles": len(self._iam_roles),
            "log_groups": len(self._log_groups),
            "flow_logs": len(self._flow_logs),
        }

    def __repr__(self) -> str:
        return (
            f"Topology({self.path!r}: {len(self.vpcs)} VPCs, {len(self.subnets)} subnets, "
            f"{len(self._enis)} interfaces)"
        )
