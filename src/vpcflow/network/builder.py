"""Check a schema-valid lab against the rules of topology.md and build its resources.

Every problem is recorded with the path of the offending key (for example
``("instances", 3, "private_ip")``), the resource id and the key; the loader
turns paths into file lines. All problems are collected, not just the first.

Decisions where topology.md is silent (also in docs/readme/30-lab.md):

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
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from vpcflow.errors import FormatError
from vpcflow.network.addresses import (
    ANY_IPV4,
    PORT_PROTOCOLS,
    Cidr,
    PortRange,
    in_reserved_route_range,
    is_private,
    is_rfc1918,
    parse_ipv4,
    parse_protocol,
    reserved_in_subnet,
)
from vpcflow.network.resources import (
    Eni,
    FlowLog,
    FlowLogDestination,
    IamRole,
    Instance,
    InternetGateway,
    LogGroup,
    NaclRule,
    NatGateway,
    NetworkAcl,
    PeeringConnection,
    PrefixList,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
)
from vpcflow.network.schema import KIND_OF_SECTION, LabModel, NaclRuleModel, SgRuleModel
from vpcflow.records.formats import parse_format

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


def _tags(tags: dict[str, str]) -> MappingProxyType[str, str]:
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
        self._ips_in_vpc: dict[tuple[str, int], str] = {}
        self._public_ips: dict[int, str] = {}

    # -- reporting ---------------------------------------------------------------

    def error(self, path: Path, message: str, resource: str | None = None, key: str | None = None) -> None:
        self.errors.append(Problem(path, message, resource, key))

    def warn(self, path: Path, message: str, resource: str | None = None, key: str | None = None) -> None:
        self.warnings.append(Problem(path, message, resource, key))

    def _ref(
        self, path: Path, rid: str | None, ref: str, kinds: Sequence[str], owner: str, key: str
    ) -> bool:
        """Check that ``ref`` names a resource of one of ``kinds``; report otherwise."""
        kind = self.kinds.get(ref)
        if kind is None:
            self.error(path, f"{owner} refers to {ref!r}, which is not defined in the lab", rid, key)
            return False
        if kind not in kinds:
            wanted = " or ".join(KIND_OF_SECTION[k] for k in kinds)
            self.error(
                path, f"{owner}: {key} {ref!r} is a {KIND_OF_SECTION[kind]}, not a {wanted}", rid, key
            )
            return False
        return True

    def _cidr(self, path: Path, text: str, rid: str | None, key: str, owner: str) -> Cidr | None:
        try:
            cidr = Cidr.parse(text)
        except ValueError:
            self.error(path, f"{owner}: {key} {text!r} is not a valid CIDR block", rid, key)
            return None
        if "/" not in str(text):
            self.error(path, f"{owner}: {key} {text!r} needs a prefix length (e.g. {text}/32)", rid, key)
            return None
        if Cidr.had_host_bits(text):
            self.warn(path, f"{owner}: {key} {text} has host bits set; using {cidr}", rid, key)
        return cidr

    # -- the build ---------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        lab = self.lab
        self._check_account()
        self._collect_ids()
        self._build_prefix_lists()
        self._build_vpcs()
        self._build_subnets()
        self._build_igws()
        self._build_peerings()
        self._build_security_groups()
        self._build_instances_and_enis()
        self._build_nat_gateways()
        self._build_route_tables()
        self._build_network_acls()
        self._build_iam()
        self._build_flow_logs()
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
                c = self._cidr(("prefix_lists", i, "entries", j), text, pl.id, "entries", owner)
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
                pl.id, tuple(entries), max_entries, pl.name, _tags(pl.tags)
            )

    def _vpc_block(self, path: Path, text: str, rid: str, key: str) -> Cidr | None:
        cidr = self._cidr(path, text, rid, key, f"vpc {rid}")
        if cidr is None:
            return None
        if cidr.version != 4:
            self.error(path, f"vpc {rid}: {key} {text} is not an IPv4 block (use ipv6_cidr)", rid, key)
            return None
        if not 16 <= cidr.prefix <= 28:
            self.error(path, f"vpc {rid}: {key} {cidr} must be between /16 and /28", rid, key)
            return None
        if Cidr.parse("169.254.0.0/16").overlaps(cidr):
            self.error(path, f"vpc {rid}: {key} {cidr} is link-local and cannot be a VPC block", rid, key)
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
                    self.error(path, f"vpc {v.id}: {c} overlaps its block {clash}", v.id, "secondary_cidrs")
                    continue
                if primary is not None:
                    self._secondary_range_rules(path, v.id, primary, c)
                blocks.append(c)
            ipv6 = None
            if v.ipv6_cidr is not None:
                ipv6 = self._cidr(("vpcs", i, "ipv6_cidr"), v.ipv6_cidr, v.id, "ipv6_cidr", f"vpc {v.id}")
                if ipv6 is not None and (ipv6.version != 6 or ipv6.prefix != 56):
                    self.error(
                        ("vpcs", i, "ipv6_cidr"),
                        f"vpc {v.id}: ipv6_cidr {v.ipv6_cidr} must be an IPv6 /56",
                        v.id,
                        "ipv6_cidr",
                    )
                    ipv6 = None
            if blocks:
                self.vpcs[v.id] = Vpc(v.id, tuple(blocks), ipv6, v.name, _tags(v.tags))

    def _secondary_range_rules(self, path: Path, rid: str, primary: Cidr, block: Cidr) -> None:
        ten = Cidr.parse("10.0.0.0/8")
        others = (Cidr.parse("172.16.0.0/12"), Cidr.parse("192.168.0.0/16"), Cidr.parse("198.19.0.0/16"))
        reason = None
        if ten.covers(primary) and any(o.overlaps(block) for o in others):
            reason = "a VPC whose primary block is in 10.0.0.0/8 cannot add 172.16.0.0/12, 192.168.0.0/16 or 198.19.0.0/16 blocks"
        elif not is_rfc1918(primary.network) and is_rfc1918(block.network):
            reason = "a VPC with a non-RFC 1918 primary block cannot add RFC 1918 blocks"
        if reason:
            self.warn(path, f"vpc {rid}: AWS would refuse secondary block {block}: {reason}", rid, "secondary_cidrs")

    def _build_subnets(self) -> None:
        by_vpc: dict[str, list[tuple[Cidr, str, int]]] = {}
        for i, s in enumerate(self.lab.subnets):
            owner = f"subnet {s.id}"
            if not self._ref(("subnets", i, "vpc"), s.id, s.vpc, ["vpcs"], owner, "vpc"):
                continue
            vpc = self.vpcs.get(s.vpc)
            cidr = self._cidr(("subnets", i, "cidr"), s.cidr, s.id, "cidr", owner)
            if vpc is None or cidr is None:
                continue
            if cidr.version != 4 or not 16 <= cidr.prefix <= 28:
                self.error(("subnets", i, "cidr"), f"{owner}: cidr {cidr} must be an IPv4 block between /16 and /28", s.id, "cidr")
                continue
            if not any(b.covers(cidr) for b in vpc.cidrs):
                blocks = ", ".join(str(b) for b in vpc.cidrs)
                self.error(("subnets", i, "cidr"), f"{owner}: cidr {cidr} is outside vpc {s.vpc} ({blocks})", s.id, "cidr")
                continue
            by_vpc.setdefault(s.vpc, []).append((cidr, s.id, i))
            az = s.az or f"{self.lab.region}a"
            self.subnets[s.id] = Subnet(s.id, s.vpc, cidr, az, s.route_table, s.map_public_ip, s.name, _tags(s.tags))
        for items in by_vpc.values():
            items.sort(key=lambda t: t[0].network)
            for (a, a_id, _), (b, b_id, j) in zip(items, items[1:], strict=False):
                if a.overlaps(b):
                    self.error(("subnets", j, "cidr"), f"subnet {b_id}: cidr {b} overlaps subnet {a_id} ({a})", b_id, "cidr")
                    self.subnets.pop(b_id, None)

    def _build_igws(self) -> None:
        seen: dict[str, str] = {}
        for i, g in enumerate(self.lab.internet_gateways):
            if g.vpc is not None:
                if not self._ref(("internet_gateways", i, "vpc"), g.id, g.vpc, ["vpcs"], f"internet gateway {g.id}", "vpc"):
                    continue
                if g.vpc in seen:
                    self.error(("internet_gateways", i, "vpc"), f"vpc {g.vpc} already has internet gateway {seen[g.vpc]} (one per VPC)", g.id, "vpc")
                    continue
                seen[g.vpc] = g.id
            self.igws[g.id] = InternetGateway(g.id, g.vpc, g.name, _tags(g.tags))

    def _build_peerings(self) -> None:
        live: dict[frozenset[str], str] = {}
        for i, p in enumerate(self.lab.peering_connections):
            owner = f"peering connection {p.id}"
            ok = self._ref(("peering_connections", i, "requester"), p.id, p.requester, ["vpcs"], owner, "requester")
            ok = self._ref(("peering_connections", i, "accepter"), p.id, p.accepter, ["vpcs"], owner, "accepter") and ok
            if not ok:
                continue
            if p.requester == p.accepter:
                self.error(("peering_connections", i, "accepter"), f"{owner} joins {p.requester} with itself", p.id, "accepter")
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
                    self.error(("peering_connections", i, "id"), f"{owner}: {p.requester} and {p.accepter} are already peered by {live[pair]} (one connection per pair)", p.id, "id")
                    continue
                live[pair] = p.id
            self.peerings[p.id] = PeeringConnection(p.id, p.requester, p.accepter, p.status, p.name, _tags(p.tags))

    # -- security groups ------------------------------------------------------------

    def _build_security_groups(self) -> None:
        for i, g in enumerate(self.lab.security_groups):
            owner = f"security group {g.id}"
            if not self._ref(("security_groups", i, "vpc"), g.id, g.vpc, ["vpcs"], owner, "vpc"):
                continue
            ingress = tuple(
                r for j, m in enumerate(g.ingress)
                if (r := self._sg_rule(("security_groups", i, "ingress", j), g.id, g.vpc, "ingress", m, j)) is not None
            )
            if g.egress is None:
                egress: tuple[SgRule, ...] = (SgRule("egress", -1, cidr=ANY_IPV4, description="default: all traffic", index=0),)
            else:
                egress = tuple(
                    r for j, m in enumerate(g.egress)
                    if (r := self._sg_rule(("security_groups", i, "egress", j), g.id, g.vpc, "egress", m, j)) is not None
                )
            self.groups[g.id] = SecurityGroup(g.id, g.vpc, ingress, egress, g.name, False, _tags(g.tags))

    def _protocol(self, path: Path, rid: str, value: int | str, owner: str) -> int | None:
        try:
            return parse_protocol(value)
        except ValueError as exc:
            self.error(path + ("protocol",), f"{owner}: {exc}", rid, "protocol")
            return None

    def _ports_and_icmp(
        self, path: Path, rid: str, owner: str, protocol: int, m: SgRuleModel | NaclRuleModel
    ) -> tuple[bool, PortRange | None, int | None, int | None]:
        ports = None
        if m.ports is not None:
            if protocol not in PORT_PROTOCOLS:
                self.error(path + ("ports",), f"{owner}: ports apply to tcp and udp only (use icmp_type/icmp_code for ICMP)", rid, "ports")
                return False, None, None, None
            try:
                ports = PortRange.parse(m.ports)
            except ValueError as exc:
                self.error(path + ("ports",), f"{owner}: {exc}", rid, "ports")
                return False, None, None, None
        itype, icode = m.icmp_type, m.icmp_code
        if (itype is not None or icode is not None) and protocol not in (1, 58):
            self.error(path + ("icmp_type",), f"{owner}: icmp_type/icmp_code apply to icmp and icmpv6 only", rid, "icmp_type")
            return False, None, None, None
        for key, val in (("icmp_type", itype), ("icmp_code", icode)):
            if val is not None and not -1 <= val <= 255:
                self.error(path + (key,), f"{owner}: {key} {val} is outside -1..255", rid, key)
                return False, None, None, None
        if itype in (None, -1) and icode not in (None, -1):
            self.error(path + ("icmp_code",), f"{owner}: an ICMP code needs an ICMP type (type -1 means all types and codes)", rid, "icmp_code")
            return False, None, None, None
        return True, ports, None if itype == -1 else itype, None if icode == -1 else icode

    def _sg_rule(self, path: Path, gid: str, vpc: str, direction: str, m: SgRuleModel, index: int) -> SgRule | None:
        owner = f"security group {gid} {direction} rule {index + 1}"
        protocol = self._protocol(path, gid, m.protocol, owner)
        if protocol is None:
            return None
        ok, ports, itype, icode = self._ports_and_icmp(path, gid, owner, protocol, m)
        if not ok:
            return None
        peers = [k for k in ("cidr", "security_group", "prefix_list") if getattr(m, k) is not None]
        if len(peers) != 1:
            self.error(path, f"{owner} needs exactly one of cidr, security_group, prefix_list (found {len(peers)})", gid, "cidr")
            return None
        cidr = None
        if m.cidr is not None:
            cidr = self._cidr(path + ("cidr",), m.cidr, gid, "cidr", owner)
            if cidr is None:
                return None
        if m.security_group is not None:
            ref = m.security_group.split("/")[-1]  # account-id/sg-... names a peer account's group
            ok_ref = ref in self.kinds and self.kinds[ref] == "security_groups"
            if not ok_ref:
                self._ref(path + ("security_group",), gid, ref, ["security_groups"], owner, "security_group")
                return None
            other_vpc = next((g.vpc for g in self.lab.security_groups if g.id == ref), None)
            if other_vpc is not None and other_vpc != vpc:
                joined = [p for p in self.lab.peering_connections if {p.requester, p.accepter} == {vpc, other_vpc}]
                if not joined:
                    self.error(path + ("security_group",), f"{owner} references {ref} in {other_vpc}, which is not peered with {vpc}", gid, "security_group")
                    return None
                if all(p.status != "active" for p in joined):
                    self.warn(path + ("security_group",), f"{owner} references {ref} in {other_vpc} but no active peering joins the VPCs: the rule is stale and matches nothing", gid, "security_group")
            m_sg: str | None = ref
        else:
            m_sg = None
        if m.prefix_list is not None and not self._ref(path + ("prefix_list",), gid, m.prefix_list, ["prefix_lists"], owner, "prefix_list"):
            return None
        return SgRule(direction, protocol, ports, itype, icode, cidr, m_sg, m.prefix_list, m.description, index)  # type: ignore[arg-type]

    # -- instances, interfaces, NAT gateways -------------------------------------------

    def _private_ip(self, path: Path, rid: str, owner: str, subnet: Subnet, text: str) -> int | None:
        try:
            ip = parse_ipv4(text)
        except ValueError:
            self.error(path, f"{owner}: private_ip {text!r} is not an IPv4 address", rid, "private_ip")
            return None
        if not subnet.cidr.contains(ip):
            self.error(path, f"{owner}: private_ip {text} is outside subnet {subnet.id} ({subnet.cidr})", rid, "private_ip")
            return None
        why = reserved_in_subnet(subnet.cidr, ip)
        if why:
            self.error(path, f"{owner}: private_ip {text} is reserved in subnet {subnet.id} ({why})", rid, "private_ip")
            return None
        taken = self._ips_in_vpc.get((subnet.vpc, ip))
        if taken:
            self.error(path, f"{owner}: private_ip {text} is already used by {taken} in {subnet.vpc}", rid, "private_ip")
            return None
        self._ips_in_vpc[(subnet.vpc, ip)] = rid
        return ip

    def _public_ip(self, path: Path, rid: str, owner: str, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            ip = parse_ipv4(text)
        except ValueError:
            self.error(path, f"{owner}: public_ip {text!r} is not an IPv4 address", rid, "public_ip")
            return None
        if is_private(ip):
            self.error(path, f"{owner}: public_ip {text} is a private (RFC 1918 / 100.64.0.0/10) address", rid, "public_ip")
            return None
        if ip in self._public_ips:
            self.error(path, f"{owner}: public_ip {text} is already mapped to {self._public_ips[ip]}", rid, "public_ip")
            return None
        self._public_ips[ip] = rid
        return str(text).strip()

    def _groups_for(self, path: Path, rid: str, owner: str, vpc: str, groups: list[str]) -> tuple[str, ...] | None:
        if not groups:
            return (self._default_group(vpc),)
        out = []
        for j, g in enumerate(groups):
            if not self._ref(path + (j,), rid, g, ["security_groups"], owner, "security_groups"):
                return None
            sg = self.groups.get(g)
            if sg is not None and sg.vpc != vpc:
                self.error(path + (j,), f"{owner}: security group {g} belongs to {sg.vpc}, not {vpc}", rid, "security_groups")
                return None
            out.append(g)
        if len(out) > 5:
            self.warn(path, f"{owner} has {len(out)} security groups; AWS's default quota is 5 per interface", rid, "security_groups")
        return tuple(out)

    def _default_group(self, vpc: str) -> str:
        named = next((g for g in self.groups.values() if g.vpc == vpc and g.name == "default"), None)
        if named is not None:
            return named.id
        gid = f"sg-default-{vpc}"
        if gid not in self.groups:
            self.groups[gid] = SecurityGroup(
                gid,
                vpc,
                (SgRule("ingress", -1, security_group=gid, description="default: members of this group"),),
                (SgRule("egress", -1, cidr=ANY_IPV4, description="default: all traffic"),),
                "default",
                True,
            )
        return gid

    def _build_instances_and_enis(self) -> None:
        for i, m in enumerate(self.lab.instances):
            owner = f"instance {m.id}"
            if not self._ref(("instances", i, "subnet"), m.id, m.subnet, ["subnets"], owner, "subnet"):
                continue
            subnet = self.subnets.get(m.subnet)
            if subnet is None:
                continue
            ip = self._private_ip(("instances", i, "private_ip"), m.id, owner, subnet, m.private_ip)
            public = self._public_ip(("instances", i, "public_ip"), m.id, owner, m.public_ip)
            groups = self._groups_for(("instances", i, "security_groups"), m.id, owner, subnet.vpc, m.security_groups)
            if ip is None or groups is None:
                continue
            eni_id = m.eni or generated_eni_id(m.id)
            self.instances[m.id] = Instance(m.id, m.subnet, m.private_ip.strip(), eni_id, groups, public, m.platform, m.name, _tags(m.tags))
            self.enis[eni_id] = Eni(
                eni_id, m.subnet, subnet.vpc, subnet.az, m.private_ip.strip(), groups, "instance",
                public, m.id, None, m.source_dest_check, m.platform, m.name,
            )
        for i, n in enumerate(self.lab.network_interfaces):
            owner = f"network interface {n.id}"
            if not self._ref(("network_interfaces", i, "subnet"), n.id, n.subnet, ["subnets"], owner, "subnet"):
                continue
            subnet = self.subnets.get(n.subnet)
            if subnet is None:
                continue
            platform = "linux"
            if n.instance is not None:
                if not self._ref(("network_interfaces", i, "instance"), n.id, n.instance, ["instances"], owner, "instance"):
                    continue
                inst = self.instances.get(n.instance)
                if inst is not None:
                    platform = inst.platform
                    if self.subnets[inst.subnet].vpc != subnet.vpc:
                        self.error(("network_interfaces", i, "instance"), f"{owner} is in {subnet.vpc} but instance {n.instance} is in another VPC", n.id, "instance")
                        continue
            ip = self._private_ip(("network_interfaces", i, "private_ip"), n.id, owner, subnet, n.private_ip)
            public = self._public_ip(("network_interfaces", i, "public_ip"), n.id, owner, n.public_ip)
            groups = self._groups_for(("network_interfaces", i, "security_groups"), n.id, owner, subnet.vpc, n.security_groups)
            if ip is None or groups is None:
                continue
            kind = n.kind or ("instance" if n.instance else "interface")
            self.enis[n.id] = Eni(
                n.id, n.subnet, subnet.vpc, subnet.az, n.private_ip.strip(), groups, kind,
                public, n.instance, None, n.source_dest_check, platform, n.name,  # type: ignore[arg-type]
            )

    def _build_nat_gateways(self) -> None:
        for i, m in enumerate(self.lab.nat_gateways):
            owner = f"NAT gateway {m.id}"
            if not self._ref(("nat_gateways", i, "subnet"), m.id, m.subnet, ["subnets"], owner, "subnet"):
                continue
            subnet = self.subnets.get(m.subnet)
            if subnet is None:
                continue
            ip = self._private_ip(("nat_gateways", i, "private_ip"), m.id, owner, subnet, m.private_ip)
            public = self._public_ip(("nat_gateways", i, "public_ip"), m.id, owner, m.public_ip)
            if ip is None:
                continue
            eni_id = m.eni or generated_eni_id(m.id)
            self.nats[m.id] = NatGateway(m.id, m.subnet, subnet.vpc, m.private_ip.strip(), eni_id, public, m.name, _tags(m.tags))
            self.enis[eni_id] = Eni(
                eni_id, m.subnet, subnet.vpc, subnet.az, m.private_ip.strip(), (), "nat_gateway",
                public, None, m.id, False, "linux", m.name,
            )

    # -- route tables --------------------------------------------------------------------

    def _build_route_tables(self) -> None:
        mains: dict[str, str] = {}
        for i, t in enumerate(self.lab.route_tables):
            owner = f"route table {t.id}"
            if not self._ref(("route_tables", i, "vpc"), t.id, t.vpc, ["vpcs"], owner, "vpc"):
                continue
            vpc = self.vpcs.get(t.vpc)
            if vpc is None:
                continue
            if t.main:
                if t.vpc in mains:
                    self.error(("route_tables", i, "main"), f"{owner}: vpc {t.vpc} already has main route table {mains[t.vpc]}", t.id, "main")
                    continue
                mains[t.vpc] = t.id
            routes: list[Route] = []
            seen: dict[str, int] = {}
            for j, r in enumerate(t.routes):
                route = self._route(("route_tables", i, "routes", j), t.id, vpc, r.destination, r.target, j)
                if route is None:
                    continue
                key = route.prefix_list or str(route.cidrs[0])
                if key in seen:
                    self.error(("route_tables", i, "routes", j, "destination"), f"{owner} has two routes for {route.destination}", t.id, "destination")
                    continue
                seen[key] = j
                routes.append(route)
            written_local = {str(r.cidrs[0]) for r in routes if r.target.kind == "local"}
            locals_ = [
                Route(str(c), (c,), RouteTarget("local"), origin="CreateRouteTable", order=-1)
                for c in vpc.cidrs
                if str(c) not in written_local
            ]
            self._warn_prefix_list_ties(i, t.id, routes)
            self.tables[t.id] = RouteTable(t.id, t.vpc, tuple(locals_ + routes), t.main, False, t.name, _tags(t.tags))
        for vpc in self.vpcs.values():
            if vpc.id not in mains:
                tid = f"rtb-main-{vpc.id}"
                local = tuple(Route(str(c), (c,), RouteTarget("local"), origin="CreateRouteTable", order=-1) for c in vpc.cidrs)
                self.tables[tid] = RouteTable(tid, vpc.id, local, True, True)
        for i, s in enumerate(self.lab.subnets):
            if s.route_table is None or s.id not in self.subnets:
                continue
            if not self._ref(("subnets", i, "route_table"), s.id, s.route_table, ["route_tables"], f"subnet {s.id}", "route_table"):
                self.subnets.pop(s.id)
                continue
            table = self.tables.get(s.route_table)
            if table is not None and table.vpc != s.vpc:
                self.error(("subnets", i, "route_table"), f"subnet {s.id} is in {s.vpc} but route table {s.route_table} belongs to {table.vpc}", s.id, "route_table")
                self.subnets.pop(s.id)

    def _route(self, path: Path, tid: str, vpc: Vpc, destination: str, target: str, order: int) -> Route | None:
        owner = f"route table {tid} route {destination}"
        prefix_list = None
        if destination in self.prefix_lists or destination.startswith("pl-"):
            if not self._ref(path + ("destination",), tid, destination, ["prefix_lists"], owner, "destination"):
                return None
            prefix_list = destination
            cidrs = self.prefix_lists[destination].entries
        else:
            c = self._cidr(path + ("destination",), destination, tid, "destination", f"route table {tid}")
            if c is None:
                return None
            if in_reserved_route_range(c):
                self.error(path + ("destination",), f"{owner}: 169.254.168.0/22 is reserved for AWS services and cannot be a route destination", tid, "destination")
                return None
            cidrs = (c,)
        tgt = self._target(path + ("target",), tid, vpc, target, owner)
        if tgt is None:
            return None
        if prefix_list is None:
            c = cidrs[0]
            block = next((b for b in vpc.cidrs if b.covers(c)), None)
            if tgt.kind == "local":
                if block is None or block != c:
                    self.error(path + ("destination",), f"{owner}: a local route's destination must be one of {vpc.id}'s CIDR blocks ({', '.join(map(str, vpc.cidrs))})", tid, "destination")
                    return None
            elif block is not None and block == c:
                self.error(path + ("target",), f"{owner}: replacing the local route of {c} (middlebox routing) is not supported", tid, "target")
                return None
            elif block is not None:
                is_subnet = any(s.cidr == c and s.vpc == vpc.id for s in self.subnets.values())
                if not (is_subnet and tgt.kind in ("nat_gateway", "network_interface", "instance")):
                    self.error(path + ("destination",), f"{owner}: a route more specific than the local route {block} must name exactly a subnet CIDR and target a NAT gateway or network interface", tid, "destination")
                    return None
        return Route(destination, tuple(cidrs), tgt, prefix_list, "CreateRoute", order)

    def _target(self, path: Path, tid: str, vpc: Vpc, target: str, owner: str) -> RouteTarget | None:
        word = target.strip()
        if word in ("local", "blackhole"):
            return RouteTarget(word)  # type: ignore[arg-type]
        kinds = {
            "internet_gateways": "internet_gateway",
            "nat_gateways": "nat_gateway",
            "peering_connections": "peering_connection",
            "network_interfaces": "network_interface",
            "instances": "instance",
        }
        if not self._ref(path, tid, word, list(kinds), owner, "target"):
            return None
        kind = kinds[self.kinds[word]]
        elsewhere = None
        if kind == "internet_gateway":
            igw = self.igws.get(word)
            if igw is not None and igw.vpc is not None and igw.vpc != vpc.id:
                elsewhere = igw.vpc
            elif igw is not None and igw.vpc is None:
                self.warn(path, f"{owner}: {word} is detached, so the route is a blackhole", tid, "target")
        elif kind == "nat_gateway":
            nat = self.nats.get(word)
            elsewhere = nat.vpc if nat is not None and nat.vpc != vpc.id else None
        elif kind == "peering_connection":
            pcx = self.peerings.get(word)
            if pcx is not None and not pcx.joins(vpc.id):
                self.error(path, f"{owner}: {word} joins {pcx.requester} and {pcx.accepter}, not {vpc.id}", tid, "target")
                return None
        elif kind == "network_interface":
            eni = self.enis.get(word)
            elsewhere = eni.vpc if eni is not None and eni.vpc != vpc.id else None
        elif kind == "instance":
            inst = self.instances.get(word)
            if inst is not None:
                ivpc = self.subnets[inst.subnet].vpc
                elsewhere = ivpc if ivpc != vpc.id else None
        if elsewhere is not None:
            self.error(path, f"{owner}: target {word} is in {elsewhere}, not in {vpc.id}", tid, "target")
            return None
        return RouteTarget(kind, word)  # type: ignore[arg-type]

    def _warn_prefix_list_ties(self, i: int, tid: str, routes: list[Route]) -> None:
        pls = [r for r in routes if r.prefix_list]
        for a_i, a in enumerate(pls):
            for b in pls[a_i + 1 :]:
                if a.target == b.target:
                    continue
                for ca in a.cidrs:
                    if any(ca == cb for cb in b.cidrs):
                        self.warn(("route_tables", i, "routes"), f"route table {tid}: prefix lists {a.prefix_list} and {b.prefix_list} both contain {ca} with different targets; {a.prefix_list} (written first) wins", tid, "routes")

    # -- network ACLs ----------------------------------------------------------------------

    def _build_network_acls(self) -> None:
        defaults: dict[str, str] = {}
        owner_of_subnet: dict[str, str] = {}
        for i, a in enumerate(self.lab.network_acls):
            owner = f"network ACL {a.id}"
            if not self._ref(("network_acls", i, "vpc"), a.id, a.vpc, ["vpcs"], owner, "vpc"):
                continue
            if a.default:
                if a.vpc in defaults:
                    self.error(("network_acls", i, "default"), f"{owner}: vpc {a.vpc} already has default network ACL {defaults[a.vpc]}", a.id, "default")
                    continue
                defaults[a.vpc] = a.id
            subnets = []
            for j, sid in enumerate(a.subnets):
                path = ("network_acls", i, "subnets", j)
                if not self._ref(path, a.id, sid, ["subnets"], owner, "subnets"):
                    continue
                sub = self.subnets.get(sid)
                if sub is not None and sub.vpc != a.vpc:
                    self.error(path, f"{owner} is in {a.vpc} but subnet {sid} is in {sub.vpc}", a.id, "subnets")
                    continue
                if sid in owner_of_subnet:
                    self.error(path, f"subnet {sid} is associated with both {owner_of_subnet[sid]} and {a.id} (one network ACL per subnet)", a.id, "subnets")
                    continue
                owner_of_subnet[sid] = a.id
                subnets.append(sid)
            rules: dict[str, list[NaclRule]] = {"ingress": [], "egress": []}
            for direction in ("ingress", "egress"):
                numbers: set[int] = set()
                for j, m in enumerate(getattr(a, direction)):
                    path = ("network_acls", i, direction, j)
                    if m.rule in numbers:
                        self.error(path + ("rule",), f"{owner}: {direction} rule number {m.rule} is used twice", a.id, "rule")
                        continue
                    numbers.add(m.rule)
                    rule = self._nacl_rule(path, a.id, direction, m)
                    if rule is not None:
                        rules[direction].append(rule)
            self.acls[a.id] = NetworkAcl(
                a.id, a.vpc, tuple(subnets),
                tuple(sorted(rules["ingress"], key=lambda r: r.number)),
                tuple(sorted(rules["egress"], key=lambda r: r.number)),
                a.default, False, a.name, _tags(a.tags),
            )
        for vpc in self.vpcs.values():
            if vpc.id not in defaults:
                aid = f"acl-default-{vpc.id}"
                self.acls[aid] = NetworkAcl(
                    aid, vpc.id, (),
                    (NaclRule(100, "ingress", -1, "allow", ANY_IPV4),),
                    (NaclRule(100, "egress", -1, "allow", ANY_IPV4),),
                    True, True,
                )

    def _nacl_rule(self, path: Path, aid: str, direction: str, m: NaclRuleModel) -> NaclRule | None:
        owner = f"network ACL {aid} {direction} rule {m.rule}"
        if not 1 <= m.rule <= 32766:
            self.error(path + ("rule",), f"{owner}: rule numbers run from 1 to 32766", aid, "rule")
            return None
        protocol = self._protocol(path, aid, m.protocol, owner)
        if protocol is None:
            return None
        ok, ports, itype, icode = self._ports_and_icmp(path, aid, owner, protocol, m)
        cidr = self._cidr(path + ("cidr",), m.cidr, aid, "cidr", owner)
        if not ok or cidr is None:
            return None
        return NaclRule(m.rule, direction, protocol, m.action, cidr, ports, itype, icode)  # type: ignore[arg-type]

    # -- IAM, log groups, flow logs -----------------------------------------------------

    def _build_iam(self) -> None:
        for i, r in enumerate(self.lab.iam_roles):
            if r.name in self.roles:
                self.error(("iam_roles", i, "name"), f"IAM role name {r.name!r} is used twice", r.name, "name")
                continue
            self.roles[r.name] = IamRole(
                r.name, MappingProxyType(dict(r.trust_policy)),
                tuple(MappingProxyType(dict(p)) for p in r.policies), _tags(r.tags),
            )
        for i, g in enumerate(self.lab.log_groups):
            if g.name in self.log_groups:
                self.error(("log_groups", i, "name"), f"log group {g.name!r} is declared twice", g.name, "name")
                continue
            self.log_groups[g.name] = LogGroup(g.name, g.retention_days)

    def _build_flow_logs(self) -> None:
        for i, f in enumerate(self.lab.flow_logs):
            owner = f"flow log {f.id}"
            kinds = ["vpcs", "subnets", "network_interfaces", "instances"]
            if not self._ref(("flow_logs", i, "resource"), f.id, f.resource, kinds, owner, "resource"):
                continue
            section = self.kinds[f.resource]
            rtype = {"vpcs": "vpc", "subnets": "subnet"}.get(section, "network_interface")
            resolved = f.resource
            if section == "instances":
                inst = self.instances.get(f.resource)
                if inst is None:
                    continue
                resolved = inst.eni
            try:
                fmt = parse_format(f.format)
            except FormatError as exc:
                self.error(("flow_logs", i, "format"), f"{owner}: {exc.message}", f.id, "format")
                continue
            d = f.destination
            dpath = ("flow_logs", i, "destination")
            if d.type == "cloud-watch-logs":
                missing = [k for k in ("log_group", "role") if getattr(d, k) is None]
                extra = [k for k in ("bucket", "prefix") if getattr(d, k) is not None]
                if missing:
                    self.error(dpath, f"{owner}: a cloud-watch-logs destination needs {' and '.join(missing)}", f.id, missing[0])
                    continue
                if extra:
                    self.error(dpath + (extra[0],), f"{owner}: {extra[0]} applies to an s3 destination only", f.id, extra[0])
                    continue
            else:
                if d.bucket is None:
                    self.error(dpath, f"{owner}: an s3 destination needs bucket", f.id, "bucket")
                    continue
                extra = [k for k in ("log_group", "role") if getattr(d, k) is not None]
                if extra:
                    self.error(dpath + (extra[0],), f"{owner}: {extra[0]} applies to a cloud-watch-logs destination only", f.id, extra[0])
                    continue
                if d.prefix is not None and "AWSLogs" in d.prefix.split("/"):
                    self.error(dpath + ("prefix",), f"{owner}: the S3 prefix cannot contain AWSLogs (AWS reserves it)", f.id, "prefix")
                    continue
            role = d.role.rsplit("/", 1)[-1] if d.role else None
            dest = FlowLogDestination(
                d.type, d.log_group, role, d.bucket, d.prefix.strip("/") if d.prefix else None,
                d.file_format, d.hive_compatible, d.per_hour_partition,
            )
            self.flow_logs.append(
                FlowLog(f.id, f.resource, rtype, f.traffic_type, f.max_aggregation_interval, fmt, dest, resolved, f.name, _tags(f.tags))  # type: ignore[arg-type]
            )

    def _check_public_ips_have_gateways(self) -> None:
        attached = {g.vpc for g in self.igws.values() if g.vpc}
        for i, m in enumerate(self.lab.instances):
            inst = self.instances.get(m.id)
            if inst is None or inst.public_ip is None:
                continue
            vpc = self.subnets[inst.subnet].vpc
            if vpc not in attached:
                self.warn(("instances", i, "public_ip"), f"instance {m.id} has public IP {inst.public_ip} but {vpc} has no attached internet gateway, so it cannot be reached", m.id, "public_ip")
