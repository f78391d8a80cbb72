"""Security group and network ACL evaluation of one packet (vpc-semantics.md §7, §8).

Security groups: the rules of every group on the interface are merged into
one allow set; any matching rule admits the packet. Replies are not decided
here: the walk passes them as tracked connections (§7.4). A security-group
reference matches the private IP of an interface that carries the group, in
the same VPC or in a VPC peered over an *active* connection, and only while
the packet still carries its sender's identity (not after a middlebox).

Network ACLs: rules in number order, the first match decides, ``*`` denies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from vpcflow.network.packet import Packet
from vpcflow.network.resources import Eni, NaclRule, NetworkAcl, SgRule

if TYPE_CHECKING:
    from vpcflow.network.topology import Topology

Direction = Literal["ingress", "egress"]


def protocol_matches(
    rule_protocol: int,
    ports: object,
    icmp_type: int | None,
    icmp_code: int | None,
    pkt: Packet,
) -> bool:
    """Protocol, port range (destination port) or ICMP type/code of a rule against ``pkt``."""
    if rule_protocol == -1:
        return True
    if rule_protocol != pkt.protocol:
        return False
    if pkt.has_ports:
        return ports is None or ports.contains(pkt.dport)  # type: ignore[attr-defined]
    if pkt.protocol in (1, 58):
        return (icmp_type is None or icmp_type == pkt.icmp_type) and (
            icmp_code is None or icmp_code == pkt.icmp_code
        )
    return True


@dataclass(frozen=True)
class SgVerdict:
    allowed: bool
    groups: tuple[str, ...]
    rule: SgRule | None = None
    group: str | None = None
    """The group whose rule admitted the packet."""
    no_rules: bool = False
    """True when the merged rule set for the direction is empty (SG_HAS_NO_RULES)."""
    stale: tuple[str, ...] = ()
    """Referenced groups that would have matched but whose peering is not active."""
    unpreserved: tuple[str, ...] = ()
    """Referenced groups that would have matched had a middlebox not forwarded the packet."""


def sg_reference_matches(
    topo: Topology, eni: Eni, group_id: str, address: int, pkt: Packet
) -> tuple[bool, bool]:
    """(matches, stale): does ``address`` belong to an interface carrying ``group_id``?"""
    group = topo.security_groups.get(group_id)
    if group is None:
        return False, False
    peers = topo.active_peers(eni.vpc)
    if group.vpc != eni.vpc and group.vpc not in peers:
        holder = topo.eni_at(group.vpc, address)
        return False, holder is not None and group_id in holder.security_groups
    holder = topo.eni_at(group.vpc, address)
    return holder is not None and group_id in holder.security_groups, False


def evaluate_sg(topo: Topology, eni: Eni, direction: Direction, pkt: Packet) -> SgVerdict:
    """Does any rule of ``eni``'s groups admit ``pkt`` in ``direction``?"""
    address = pkt.src if direction == "ingress" else pkt.dst
    any_rule = False
    stale: list[str] = []
    unpreserved: list[str] = []
    for gid in eni.security_groups:
        group = topo.security_groups[gid]
        for rule in group.ingress if direction == "ingress" else group.egress:
            any_rule = True
            if not protocol_matches(rule.protocol, rule.ports, rule.icmp_type, rule.icmp_code, pkt):
                continue
            if rule.cidr is not None:
                hit = rule.cidr.contains(address)
            elif rule.prefix_list is not None:
                hit = topo.prefix_list(rule.prefix_list).contains(address)
            elif rule.security_group is not None:
                hit, was_stale = sg_reference_matches(topo, eni, rule.security_group, address, pkt)
                if was_stale:
                    stale.append(rule.security_group)
                if hit and not pkt.sg_identity:
                    # A middlebox forwarded the packet: group identity is lost (§6.4).
                    unpreserved.append(rule.security_group)
                    hit = False
            else:
                hit = False
            if hit:
                return SgVerdict(True, eni.security_groups, rule, gid)
    return SgVerdict(
        False,
        eni.security_groups,
        no_rules=not any_rule,
        stale=tuple(stale),
        unpreserved=tuple(unpreserved),
    )


@dataclass(frozen=True)
class NaclVerdict:
    allowed: bool
    acl: str
    rule: NaclRule | None
    """The deciding rule; None means the implicit ``*`` rule denied."""

    @property
    def rule_number(self) -> str:
        return "*" if self.rule is None else str(self.rule.number)


def evaluate_nacl(acl: NetworkAcl, direction: Direction, pkt: Packet) -> NaclVerdict:
    """First matching rule in number order decides; otherwise ``*`` denies."""
    address = pkt.src if direction == "ingress" else pkt.dst
    for rule in acl.ingress if direction == "ingress" else acl.egress:
        if rule.cidr.contains(address) and protocol_matches(
            rule.protocol, rule.ports, rule.icmp_type, rule.icmp_code, pkt
        ):
            return NaclVerdict(rule.action == "allow", acl.id, rule)
    return NaclVerdict(False, acl.id, None)
