"""Check a schema-valid lab against the rules of topology.md and build its resources.

Every problem is recorded with the path of the offending key (for example
``("instances", 3, "private_ip")``), the resource id and the key; the loader
turns paths into file lines. All problems are collected, not just the first.

Decisions where topology.md is silent (also in README.md, "The VPC lab"):

- A CIDR with host bits set (``10.1.0.5/16``) is canonicalised with a warning.
- tcp/udp rules without ``ports`` cover every port (the console's "All TCP").
- An instance or interface without security groups gets its VPC's group named
  ``default`` if the file declares one, else an implicit default group
  ``sg-default-<vpc>`` (self-referencing inbound, allow-all outbound, §7.2).
- A VPC without a main route table gets ``rtb-main-<vpc>`` (local routes
  only); without a default network ACL, ``acl-default-<vpc>`` (allow all).
- An interface id that is not given is ``eni-`` + 17 hex digits of a hash of
  its owner's id, so it is stable from run to run.
- A route more specific than a local route is accepted only in the form AWS
  allows (destination = a subnet CIDR, target a NAT gateway or interface);
  replacing the local route itself is "not supported".
- Secondary-CIDR range restrictions (§1.1) and a public IP in a VPC without an
  attached internet gateway are warnings, not errors.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from vpcflow.network.addresses import (
    Cidr,
    is_rfc1918,
)
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
    RouteTable,
    SecurityGroup,
    Subnet,
    Vpc,
)
from vpcflow.network.schema import KIND_OF_SECTION, LabModel

Path = tuple[Hashable, ...]

_DEAD_PEERING = frozenset({"rejected", "expired", "failed", "deleting", "deleted"})


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    resource: str | None = None
    key: str | None = None


def generated_eni_id(owner: str) -> str:
    """The interface id vpcflow gives an instance or NAT gateway that names none."""
    return "eni-" + hashlib.sha256(owner.encode()).hexdigest()[:17]


def tags_of(tags: dict[str, str]) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(tags))


class LabBuilder:
    """Validates a :class:`LabModel` and produces the keyword arguments of a Topology."""

    def __init__(self, lab: LabModel) -> None:
        self.lab = lab
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.kinds: dict[str, str] = {}  # id -> kind of resource (section name)
        self.vpcs: dict[str, Vpc] = {}
        self.subnets: dict[str, Subnet] = {}
        self.igws: dict[str, InternetGateway] = {}
        self.tables: dict[str, RouteTable] = {}
        self.groups: dict[str, SecurityGroup] = {}
        self.acls: dict[str, NetworkAcl] = {}
        self.instances: dict[str, Instance] = {}
        self.enis: dict[str, Eni] = {}
        self.nats: dict[str, NatGateway] = {}
        self.prefix_lists: dict[str, PrefixList] = {}
        self.peerings: dict[str, PeeringConnection] = {}
        self.roles: dict[str, IamRole] = {}
        self.log_groups: dict[str, LogGroup] = {}
        self.flow_logs: list[FlowLog] = []
        self.ips_in_vpc: dict[tuple[str, int], str] = {}
        self.public_ips: dict[int, str] = {}

    # -- reporting ---------------------------------------------------------------

    def error(
        self, path: Path, message: str, resource: str | None = None, key: str | None = None
    ) -> None:
        self.errors.append(Problem(path, message, resource, key))

    def warn(
        self, path: Path, message: str, resource: str | None = None, key: str | None = None
    ) -> None:
        self.warnings.append(Problem(path, message, resource, key))

    def ref(
        self, path: Path, rid: str | None, ref: str, kinds: Sequence[str], owner: str, key: str
    ) -> bool:
        """Check that ``ref`` names a resource of one of ``kinds``; report otherwise."""
        kind = self.kinds.get(ref)
        if kind is None:
            self.error(
                path, f"{owner} refers to {ref!r}, which is not defined in the lab", rid, key
            )
            return False
        if kind not in kinds:
            wanted = " or ".join(KIND_OF_SECTION[k] for k in kinds)
            self.error(
                path,
                f"{owner}: {key} {ref!r} is a {KIND_OF_SECTION[kind]}, not a {wanted}",
                rid,
                key,
            )
            return False
        return True

    def cidr(self, path: Path, text: str, rid: str | None, key: str, owner: str) -> Cidr | None:
        try:
            cidr = Cidr.parse(text)
        except ValueError:
            self.error(path, f"{owner}: {key} {text!r} is not a valid CIDR block", rid, key)
            return None
        if "/" not in str(text):
            self.error(
                path, f"{owner}: {key} {text!r} needs a prefix length (e.g. {text}/32)", rid, key
            )
            return None
        if Cidr.had_host_bits(text):
            self.warn(path, f"{owner}: {key} {text} has host bits set; using {cidr}", rid, key)
        return cidr

    # -- the build ---------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        from vpcflow.network.build_filters import build_network_acls, build_security_groups
        from vpcflow.network.build_interfaces import build_instances_and_enis, build_nat_gateways
        from vpcflow.network.build_logs import build_flow_logs, build_iam
        from vpcflow.network.build_routes import build_route_tables

        lab = self.lab
        self._check_account()
        self._collect_ids()
        self._build_prefix_lists()
        self._build_vpcs()
        self._build_subnets()
        self._build_igws()
        self._build_peerings()
        build_security_groups(self)
        build_instances_and_enis(self)
        build_nat_gateways(self)
        build_route_tables(self)
        build_network_acls(self)
        build_iam(self)
        build_flow_logs(self)
        self._check_public_ips_have_gateways()
        ordered_enis = sorted(
            self.enis.values(), key=lambda e: 0 if e.kind == "instance" and e.instance else 1
        )
        return {
            "account": lab.account,
            "region": lab.region,
            "name": lab.name,
            "vpcs": self.vpcs.values(),
            "subnets": self.subnets.values(),
            "internet_gateways": self.igws.values(),
            "route_tables": self.tables.values(),
            "security_groups": self.groups.values(),
            "network_acls": self.acls.values(),
            "instances": self.instances.values(),
            "enis": ordered_enis,
            "nat_gateways": self.nats.values(),
            "prefix_lists": self.prefix_lists.values(),
            "peering_connections": self.peerings.values(),
            "iam_roles": self.roles.values(),
            "log_groups": self.log_groups.values(),
            "flow_logs": self.flow_logs,
        }

    def _check_account(self) -> None:
        acct = self.lab.account
        if not (len(acct) == 12 and acct.isdigit()):
            hint = " (quote it in YAML so leading zeros are kept)" if acct.isdigit() else ""
            self.error(("account",), f"account {acct!r} must be 12 digits{hint}", None, "account")
        if not self.lab.region:
            self.error(("region",), "region must not be empty", None, "region")

    def _collect_ids(self) -> None:
        first: dict[str, tuple[str, int]] = {}
        for section in (
            "vpcs",
            "subnets",
            "internet_gateways",
            "route_tables",
            "security_groups",
            "network_acls",
            "instances",
            "network_interfaces",
            "peering_connections",
            "nat_gateways",
            "prefix_lists",
            "flow_logs",
        ):
            for i, res in enumerate(getattr(self.lab, section)):
                self._claim(first, res.id, section, (section, i, "id"))
        for i, inst in enumerate(self.lab.instances):
            if inst.eni:
                self._claim(first, inst.eni, "network_interfaces", ("instances", i, "eni"))
        for i, nat in enumerate(self.lab.nat_gateways):
            if nat.eni:
                self._claim(first, nat.eni, "network_interfaces", ("nat_gateways", i, "eni"))

    def _claim(self, first: dict[str, tuple[str, int]], rid: str, section: str, path: Path) -> None:
        if rid in first:
            other, index = first[rid]
            self.error(
                path,
                f"duplicate id {rid!r}: already used by the {KIND_OF_SECTION[other]} at "
                f"{other}[{index}]",
                rid,
                str(path[-1]),
            )
            return
        first[rid] = (section, int(path[1]))  # type: ignore[call-overload]
        self.kinds[rid] = section

    # -- VPCs, subnets, gateways ------------------------------------------------------

    def _build_prefix_lists(self) -> None:
        for i, pl in enumerate(self.lab.prefix_lists):
            owner = f"prefix list {pl.id}"
            entries = []
            for j, text in enumerate(pl.entries):
                c = self.cidr(("prefix_lists", i, "entries", j), text, pl.id, "entries", owner)
                if c is not None:
                    entries.append(c)
            if len({c.version for c in entries}) > 1:
                self.error(
                    ("prefix_lists", i, "entries"),
                    f"{owner} mixes IPv4 and IPv6 entries (a prefix list has one address family)",
                    pl.id,
                    "entries",
                )
            max_entries = pl.max_entries if pl.max_entries is not None else len(entries)
            if max_entries < len(entries):
                self.error(
                    ("prefix_lists", i, "max_entries"),
                    f"{owner} has {len(entries)} entries but max_entries {max_entries}",
                    pl.id,
                    "max_entries",
                )
            self.prefix_lists[pl.id] = PrefixList(
                pl.id, tuple(entries), max_entries, pl.name, tags_of(pl.tags)
            )

    def _vpc_block(self, path: Path, text: str, rid: str, key: str) -> Cidr | None:
        cidr = self.cidr(path, text, rid, key, f"vpc {rid}")
        if cidr is None:
            return None
        if cidr.version != 4:
            self.error(
                path, f"vpc {rid}: {key} {text} is not an IPv4 block (use ipv6_cidr)", rid, key
            )
            return None
        if not 16 <= cidr.prefix <= 28:
            self.error(path, f"vpc {rid}: {key} {cidr} must be between /16 and /28", rid, key)
            return None
        if Cidr.parse("169.254.0.0/16").overlaps(cidr):
            self.error(
                path, f"vpc {rid}: {key} {cidr} is link-local and cannot be a VPC block", rid, key
            )
            return None
        return cidr

    def _build_vpcs(self) -> None:
        for i, v in enumerate(self.lab.vpcs):
            primary = self._vpc_block(("vpcs", i, "cidr"), v.cidr, v.id, "cidr")
            blocks = [primary] if primary else []
            for j, text in enumerate(v.secondary_cidrs):
                path = ("vpcs", i, "secondary_cidrs", j)
                c = self._vpc_block(path, text, v.id, "secondary_cidrs")
                if c is None:
                    continue
                clash = next((b for b in blocks if b.overlaps(c)), None)
                if clash is not None:
                    self.error(
                        path, f"vpc {v.id}: {c} overlaps its block {clash}", v.id, "secondary_cidrs"
                    )
                    continue
                if primary is not None:
                    self._secondary_range_rules(path, v.id, primary, c)
                blocks.append(c)
            ipv6 = None
            if v.ipv6_cidr is not None:
                ipv6 = self.cidr(
                    ("vpcs", i, "ipv6_cidr"), v.ipv6_cidr, v.id, "ipv6_cidr", f"vpc {v.id}"
                )
                if ipv6 is not None and (ipv6.version != 6 or ipv6.prefix != 56):
                    self.error(
                        ("vpcs", i, "ipv6_cidr"),
                        f"vpc {v.id}: ipv6_cidr {v.ipv6_cidr} must be an IPv6 /56",
                        v.id,
                        "ipv6_cidr",
                    )
                    ipv6 = None
            if blocks:
                self.vpcs[v.id] = Vpc(v.id, tuple(blocks), ipv6, v.name, tags_of(v.tags))

    def _secondary_range_rules(self, path: Path, rid: str, primary: Cidr, block: Cidr) -> None:
        ten = Cidr.parse("10.0.0.0/8")
        others = (
            Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"),
            Cidr.parse("198.19.0.0/16"),
        )
        reason = None
        if ten.covers(primary) and any(o.overlaps(block) for o in others):
            reason = "a VPC whose primary block is in 10.0.0.0/8 cannot add 172.16.0.0/12, 192.168.0.0/16 or 198.19.0.0/16 blocks"
        elif not is_rfc1918(primary.network) and is_rfc1918(block.network):
            reason = "a VPC with a non-RFC 1918 primary block cannot add RFC 1918 blocks"
        if reason:
            self.warn(
                path,
                f"vpc {rid}: AWS would refuse secondary block {block}: {reason}",
                rid,
                "secondary_cidrs",
            )

    def _build_subnets(self) -> None:
        by_vpc: dict[str, list[tuple[Cidr, str, int]]] = {}
        for i, s in enumerate(self.lab.subnets):
            owner = f"subnet {s.id}"
            if not self.ref(("subnets", i, "vpc"), s.id, s.vpc, ["vpcs"], owner, "vpc"):
                continue
            vpc = self.vpcs.get(s.vpc)
            cidr = self.cidr(("subnets", i, "cidr"), s.cidr, s.id, "cidr", owner)
            if vpc is None or cidr is None:
                continue
            if cidr.version != 4 or not 16 <= cidr.prefix <= 28:
                self.error(
                    ("subnets", i, "cidr"),
                    f"{owner}: cidr {cidr} must be an IPv4 block between /16 and /28",
                    s.id,
                    "cidr",
                )
                continue
            if not any(b.covers(cidr) for b in vpc.cidrs):
                blocks = ", ".join(str(b) for b in vpc.cidrs)
                self.error(
                    ("subnets", i, "cidr"),
                    f"{owner}: cidr {cidr} is outside vpc {s.vpc} ({blocks})",
                    s.id,
                    "cidr",
                )
                continue
            by_vpc.setdefault(s.vpc, []).append((cidr, s.id, i))
            az = s.az or f"{self.lab.region}a"
            self.subnets[s.id] = Subnet(
                s.id, s.vpc, cidr, az, s.route_table, s.map_public_ip, s.name, tags_of(s.tags)
            )
        for items in by_vpc.values():
            items.sort(key=lambda t: t[0].network)
            for (a, a_id, _), (b, b_id, j) in itertools.pairwise(items):
                if a.overlaps(b):
                    self.error(
                        ("subnets", j, "cidr"),
                        f"subnet {b_id}: cidr {b} overlaps subnet {a_id} ({a})",
                        b_id,
                        "cidr",
                    )
                    self.subnets.pop(b_id, None)

    def _build_igws(self) -> None:
        seen: dict[str, str] = {}
        for i, g in enumerate(self.lab.internet_gateways):
            if g.vpc is not None:
                if not self.ref(
                    ("internet_gateways", i, "vpc"),
                    g.id,
                    g.vpc,
                    ["vpcs"],
                    f"internet gateway {g.id}",
                    "vpc",
                ):
                    continue
                if g.vpc in seen:
                    self.error(
                        ("internet_gateways", i, "vpc"),
                        f"vpc {g.vpc} already has internet gateway {seen[g.vpc]} (one per VPC)",
                        g.id,
                        "vpc",
                    )
                    continue
                seen[g.vpc] = g.id
            self.igws[g.id] = InternetGateway(g.id, g.vpc, g.name, tags_of(g.tags))

    def _build_peerings(self) -> None:
        live: dict[frozenset[str], str] = {}
        for i, p in enumerate(self.lab.peering_connections):
            owner = f"peering connection {p.id}"
            ok = self.ref(
                ("peering_connections", i, "requester"),
                p.id,
                p.requester,
                ["vpcs"],
                owner,
                "requester",
            )
            ok = (
                self.ref(
                    ("peering_connections", i, "accepter"),
                    p.id,
                    p.accepter,
                    ["vpcs"],
                    owner,
                    "accepter",
                )
                and ok
            )
            if not ok:
                continue
            if p.requester == p.accepter:
                self.error(
                    ("peering_connections", i, "accepter"),
                    f"{owner} joins {p.requester} with itself",
                    p.id,
                    "accepter",
                )
                continue
            a, b = self.vpcs.get(p.requester), self.vpcs.get(p.accepter)
            if a is None or b is None:
                continue
            overlap = next(((x, y) for x in a.cidrs for y in b.cidrs if x.overlaps(y)), None)
            if overlap is not None and p.status != "failed":
                x, y = overlap
                self.error(
                    ("peering_connections", i, "accepter"),
                    f"{owner}: {p.requester} ({x}) and {p.accepter} ({y}) have overlapping CIDR "
                    f"blocks; AWS puts such a request in state 'failed'",
                    p.id,
                    "accepter",
                )
                continue
            pair = frozenset((p.requester, p.accepter))
            if p.status not in _DEAD_PEERING:
                if pair in live:
                    self.error(
                        ("peering_connections", i, "id"),
                        f"{owner}: {p.requester} and {p.accepter} are already peered by {live[pair]} (one connection per pair)",
                        p.id,
                        "id",
                    )
                    continue
                live[pair] = p.id
            self.peerings[p.id] = PeeringConnection(
                p.id, p.requester, p.accepter, p.status, p.name, tags_of(p.tags)
            )

    # -- security groups ------------------------------------------------------------

    # -- instances, interfaces, NAT gateways -------------------------------------------

    # -- route tables --------------------------------------------------------------------

    # -- network ACLs ----------------------------------------------------------------------

    # -- IAM, log groups, flow logs -----------------------------------------------------

    def _check_public_ips_have_gateways(self) -> None:
        attached = {g.vpc for g in self.igws.values() if g.vpc}
        for i, m in enumerate(self.lab.instances):
            inst = self.instances.get(m.id)
            subnet = self.subnets.get(inst.subnet) if inst is not None else None
            if inst is None or inst.public_ip is None or subnet is None:
                continue
            vpc = subnet.vpc
            if vpc not in attached:
                self.warn(
                    ("instances", i, "public_ip"),
                    f"instance {m.id} has public IP {inst.public_ip} but {vpc} has no attached internet gateway, so it cannot be reached",
                    m.id,
                    "public_ip",
                )
