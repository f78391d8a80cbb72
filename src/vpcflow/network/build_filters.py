"""Lab building, part 2: security groups and network ACLs (rules, references, defaults)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from vpcflow.network.addresses import ANY_IPV4, PORT_PROTOCOLS, PortRange, parse_protocol
from vpcflow.network.builder import tags_of
from vpcflow.network.resources import NaclRule, NetworkAcl, SecurityGroup, SgRule
from vpcflow.network.schema import NaclRuleModel, SgRuleModel

Direction = Literal["ingress", "egress"]

if TYPE_CHECKING:
    from vpcflow.network.builder import LabBuilder, Path


def build_security_groups(b: LabBuilder) -> None:
    for i, g in enumerate(b.lab.security_groups):
        owner = f"security group {g.id}"
        if not b.ref(("security_groups", i, "vpc"), g.id, g.vpc, ["vpcs"], owner, "vpc"):
            continue
        ingress = tuple(
            r
            for j, m in enumerate(g.ingress)
            if (
                r := _sg_rule(b, ("security_groups", i, "ingress", j), g.id, g.vpc, "ingress", m, j)
            )
            is not None
        )
        if g.egress is None:
            egress: tuple[SgRule, ...] = (
                SgRule("egress", -1, cidr=ANY_IPV4, description="default: all traffic", index=0),
            )
        else:
            egress = tuple(
                r
                for j, m in enumerate(g.egress)
                if (
                    r := _sg_rule(
                        b, ("security_groups", i, "egress", j), g.id, g.vpc, "egress", m, j
                    )
                )
                is not None
            )
        b.groups[g.id] = SecurityGroup(g.id, g.vpc, ingress, egress, g.name, False, tags_of(g.tags))


def _protocol(b: LabBuilder, path: Path, rid: str, value: int | str, owner: str) -> int | None:
    try:
        return parse_protocol(value)
    except ValueError as exc:
        b.error((*path, "protocol"), f"{owner}: {exc}", rid, "protocol")
        return None


def _ports_and_icmp(
    b: LabBuilder, path: Path, rid: str, owner: str, protocol: int, m: SgRuleModel | NaclRuleModel
) -> tuple[bool, PortRange | None, int | None, int | None]:
    ports = None
    if m.ports is not None:
        if protocol not in PORT_PROTOCOLS:
            b.error(
                (*path, "ports"),
                f"{owner}: ports apply to tcp and udp only (use icmp_type/icmp_code for ICMP)",
                rid,
                "ports",
            )
            return False, None, None, None
        try:
            ports = PortRange.parse(m.ports)
        except ValueError as exc:
            b.error((*path, "ports"), f"{owner}: {exc}", rid, "ports")
            return False, None, None, None
    itype, icode = m.icmp_type, m.icmp_code
    if (itype is not None or icode is not None) and protocol not in (1, 58):
        b.error(
            (*path, "icmp_type"),
            f"{owner}: icmp_type/icmp_code apply to icmp and icmpv6 only",
            rid,
            "icmp_type",
        )
        return False, None, None, None
    for key, val in (("icmp_type", itype), ("icmp_code", icode)):
        if val is not None and not -1 <= val <= 255:
            b.error((*path, key), f"{owner}: {key} {val} is outside -1..255", rid, key)
            return False, None, None, None
    if itype in (None, -1) and icode not in (None, -1):
        b.error(
            (*path, "icmp_code"),
            f"{owner}: an ICMP code needs an ICMP type (type -1 means all types and codes)",
            rid,
            "icmp_code",
        )
        return False, None, None, None
    return True, ports, None if itype == -1 else itype, None if icode == -1 else icode


def _sg_rule(
    b: LabBuilder, path: Path, gid: str, vpc: str, direction: Direction, m: SgRuleModel, index: int
) -> SgRule | None:
    owner = f"security group {gid} {direction} rule {index + 1}"
    protocol = _protocol(b, path, gid, m.protocol, owner)
    if protocol is None:
        return None
    ok, ports, itype, icode = _ports_and_icmp(b, path, gid, owner, protocol, m)
    if not ok:
        return None
    peers = [k for k in ("cidr", "security_group", "prefix_list") if getattr(m, k) is not None]
    if len(peers) != 1:
        b.error(
            path,
            f"{owner} needs exactly one of cidr, security_group, prefix_list (found {len(peers)})",
            gid,
            "cidr",
        )
        return None
    cidr = None
    if m.cidr is not None:
        cidr = b.cidr((*path, "cidr"), m.cidr, gid, "cidr", owner)
        if cidr is None:
            return None
    if m.security_group is not None:
        ref = m.security_group.split("/")[-1]  # account-id/sg-... names a peer account's group
        ok_ref = ref in b.kinds and b.kinds[ref] == "security_groups"
        if not ok_ref:
            b.ref(
                (*path, "security_group"),
                gid,
                ref,
                ["security_groups"],
                owner,
                "security_group",
            )
            return None
        other_vpc = next((g.vpc for g in b.lab.security_groups if g.id == ref), None)
        if other_vpc is not None and other_vpc != vpc:
            joined = [
                p
                for p in b.lab.peering_connections
                if {p.requester, p.accepter} == {vpc, other_vpc}
            ]
            if not joined:
                b.error(
                    (*path, "security_group"),
                    f"{owner} references {ref} in {other_vpc}, which is not peered with {vpc}",
                    gid,
                    "security_group",
                )
                return None
            if all(p.status != "active" for p in joined):
                b.warn(
                    (*path, "security_group"),
                    f"{owner} references {ref} in {other_vpc} but no active peering joins the VPCs: the rule is stale and matches nothing",
                    gid,
                    "security_group",
                )
        m_sg: str | None = ref
    else:
        m_sg = None
    if m.prefix_list is not None and not b.ref(
        (*path, "prefix_list"), gid, m.prefix_list, ["prefix_lists"], owner, "prefix_list"
    ):
        return None
    return SgRule(
        direction,
        protocol,
        ports,
        itype,
        icode,
        cidr,
        m_sg,
        m.prefix_list,
        m.description,
        index,
    )


def groups_for(
    b: LabBuilder, path: Path, rid: str, owner: str, vpc: str, groups: list[str]
) -> tuple[str, ...] | None:
    if not groups:
        return (_default_group(b, vpc),)
    out = []
    for j, g in enumerate(groups):
        if not b.ref((*path, j), rid, g, ["security_groups"], owner, "security_groups"):
            return None
        sg = b.groups.get(g)
        if sg is not None and sg.vpc != vpc:
            b.error(
                (*path, j),
                f"{owner}: security group {g} belongs to {sg.vpc}, not {vpc}",
                rid,
                "security_groups",
            )
            return None
        out.append(g)
    if len(out) > 5:
        b.warn(
            path,
            f"{owner} has {len(out)} security groups; AWS's default quota is 5 per interface",
            rid,
            "security_groups",
        )
    return tuple(out)


def _default_group(b: LabBuilder, vpc: str) -> str:
    named = next((g for g in b.groups.values() if g.vpc == vpc and g.name == "default"), None)
    if named is not None:
        return named.id
    gid = f"sg-default-{vpc}"
    if gid not in b.groups:
        b.groups[gid] = SecurityGroup(
            gid,
            vpc,
            (
                SgRule(
                    "ingress",
                    -1,
                    security_group=gid,
                    description="default: members of this group",
                ),
            ),
            (SgRule("egress", -1, cidr=ANY_IPV4, description="default: all traffic"),),
            "default",
            True,
        )
    return gid


def build_network_acls(b: LabBuilder) -> None:
    defaults: dict[str, str] = {}
    owner_of_subnet: dict[str, str] = {}
    for i, a in enumerate(b.lab.network_acls):
        owner = f"network ACL {a.id}"
        if not b.ref(("network_acls", i, "vpc"), a.id, a.vpc, ["vpcs"], owner, "vpc"):
            continue
        if a.default:
            if a.vpc in defaults:
                b.error(
                    ("network_acls", i, "default"),
                    f"{owner}: vpc {a.vpc} already has default network ACL {defaults[a.vpc]}",
                    a.id,
                    "default",
                )
                continue
            defaults[a.vpc] = a.id
        subnets = []
        for j, sid in enumerate(a.subnets):
            path = ("network_acls", i, "subnets", j)
            if not b.ref(path, a.id, sid, ["subnets"], owner, "subnets"):
                continue
            sub = b.subnets.get(sid)
            if sub is not None and sub.vpc != a.vpc:
                b.error(
                    path,
                    f"{owner} is in {a.vpc} but subnet {sid} is in {sub.vpc}",
                    a.id,
                    "subnets",
                )
                continue
            if sid in owner_of_subnet:
                b.error(
                    path,
                    f"subnet {sid} is associated with both {owner_of_subnet[sid]} and {a.id} (one network ACL per subnet)",
                    a.id,
                    "subnets",
                )
                continue
            owner_of_subnet[sid] = a.id
            subnets.append(sid)
        rules: dict[str, list[NaclRule]] = {"ingress": [], "egress": []}
        for direction in ("ingress", "egress"):
            numbers: set[int] = set()
            for j, m in enumerate(getattr(a, direction)):
                path = ("network_acls", i, direction, j)
                if m.rule in numbers:
                    b.error(
                        (*path, "rule"),
                        f"{owner}: {direction} rule number {m.rule} is used twice",
                        a.id,
                        "rule",
                    )
                    continue
                numbers.add(m.rule)
                rule = _nacl_rule(b, path, a.id, direction, m)
                if rule is not None:
                    rules[direction].append(rule)
        b.acls[a.id] = NetworkAcl(
            a.id,
            a.vpc,
            tuple(subnets),
            tuple(sorted(rules["ingress"], key=lambda r: r.number)),
            tuple(sorted(rules["egress"], key=lambda r: r.number)),
            a.default,
            False,
            a.name,
            tags_of(a.tags),
        )
    for vpc in b.vpcs.values():
        if vpc.id not in defaults:
            aid = f"acl-default-{vpc.id}"
            b.acls[aid] = NetworkAcl(
                aid,
                vpc.id,
                (),
                (NaclRule(100, "ingress", -1, "allow", ANY_IPV4),),
                (NaclRule(100, "egress", -1, "allow", ANY_IPV4),),
                True,
                True,
            )


def _nacl_rule(
    b: LabBuilder, path: Path, aid: str, direction: Direction, m: NaclRuleModel
) -> NaclRule | None:
    owner = f"network ACL {aid} {direction} rule {m.rule}"
    if not 1 <= m.rule <= 32766:
        b.error((*path, "rule"), f"{owner}: rule numbers run from 1 to 32766", aid, "rule")
        return None
    protocol = _protocol(b, path, aid, m.protocol, owner)
    if protocol is None:
        return None
    ok, ports, itype, icode = _ports_and_icmp(b, path, aid, owner, protocol, m)
    cidr = b.cidr((*path, "cidr"), m.cidr, aid, "cidr", owner)
    if not ok or cidr is None:
        return None
    return NaclRule(m.rule, direction, protocol, m.action, cidr, ports, itype, icode)  # type: ignore[arg-type]
