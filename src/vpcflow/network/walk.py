"""The packet walk of vpc-semantics.md §9: forward leg, return leg, hops, blockers, observations.

The walk follows one packet through the components a real VPC would use:
sender's security groups (egress) and subnet network ACL (outbound), the
subnet's route table, the target (local delivery, peering connection,
internet gateway with its 1:1 translation, NAT gateway, appliance interface),
the receiving subnet's network ACL (inbound) and the receiver's security
groups (ingress). The reply is walked back from the receiver with the same
steps; security groups pass it as a tracked connection, network ACLs judge it
again.

Two records are kept side by side:

- hops and blockers: after a blocker the walk goes on as if the component had
  let the packet through ("assume it passed"), so every blocker of both legs
  is listed. Where a routing failure leaves no next hop, the packet is assumed
  to reach the intended destination (the interface the query named, or the
  only interface owning the address, or the internet through the VPC's
  internet gateway).
- observations (for flow logs): only what real packets do, so they stop at
  the first real drop, and the return leg exists only when the request reached
  the destination application.

Modeling decisions (vpc-semantics.md marks them; kept here, in one place):

- §4: an unsolicited packet from the internet to the public IP of an interface
  whose subnet has no route to the internet gateway is still delivered; only
  the reply is lost at the route lookup.
- §9.7: an interface logs ACCEPT for a packet its security groups and ACL
  passed even when the router then drops it.
- v5 ``traffic-path`` on egress records: 1 for delivery inside the VPC (also
  to a NAT gateway or appliance), 4 over peering (all lab peerings are
  intra-Region), 2 through an internet gateway (vpcflow does not model Nitro,
  so 8 is never written); None on REJECT records.
- A NAT gateway remaps the source port of TCP/UDP to a port in 1024-65535
  derived from a hash of the flow (stable from run to run); ICMP keeps 0.
- Replies are only generated for TCP, UDP, other non-ICMP protocols, and ICMP
  query types (echo, timestamp, ...); other ICMP types are one-way.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from vpcflow.network.addresses import is_private, is_rfc1918, parse_ipv4
from vpcflow.network.filters import evaluate_nacl, evaluate_sg
from vpcflow.network.fixes import FixWriter
from vpcflow.network.observe import EniObservation
from vpcflow.network.packet import Packet
from vpcflow.network.resources import Eni
from vpcflow.network.trace import Blocker, Hop, Leg

if TYPE_CHECKING:
    from vpcflow.network.topology import Topology

MAX_FORWARDS = 32

TRAFFIC_PATH = {
    "local": 1,
    "nat_gateway": 1,
    "network_interface": 1,
    "instance": 1,
    "peering_connection": 4,
    "internet_gateway": 2,
}


@dataclass(frozen=True)
class Arrival:
    """Where a leg ended: at an interface, at an internet host, or nowhere."""

    kind: Literal["eni", "internet", "lost"]
    packet: Packet
    eni: Eni | None = None


@dataclass
class Endpoint:
    """One end of the conversation: an interface, or an internet address."""

    eni: Eni | None
    address: int


@dataclass
class WalkResult:
    forward: list[Hop] = field(default_factory=list)
    return_: list[Hop] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    observations_forward: list[EniObservation] = field(default_factory=list)
    observations_return: list[EniObservation] | None = None
    forward_arrived: bool = False
    return_arrived: bool = False
    reply_expected: bool = True


class Walker:
    """Walks one request and its reply through a topology. Use :func:`walk`."""

    def __init__(
        self,
        topo: Topology,
        source: Endpoint,
        destination: Endpoint | None,
        *,
        dest_named: bool = False,
    ) -> None:
        self.topo = topo
        self.source = source
        self.destination = destination
        self.dest_named = dest_named
        self.fixes = FixWriter(topo)
        self.result = WalkResult()
        self.leg: Leg = "forward"
        self.real = True
        self.forwards = 0
        self.nat_sessions: dict[tuple[str, int, int], tuple[int, int]] = {}

    # -- bookkeeping -----------------------------------------------------------------

    def hop(
        self,
        kind: str,
        component: str,
        action: str,
        detail: str,
        pkt: Packet,
        *,
        direction: str | None = None,
        rule: str | None = None,
    ) -> None:
        hops = self.result.forward if self.leg == "forward" else self.result.return_
        hops.append(
            Hop(self.leg, kind, component, action, detail, pkt, direction, rule, not self.real)
        )

    def block(self, blocker: Blocker) -> None:
        self.result.blockers.append(blocker)

    def drop(self) -> None:
        """A real packet stops here: later hops are "assumed", no more observations."""
        self.real = False

    def observe(
        self,
        eni: Eni,
        direction: Literal["ingress", "egress"],
        pkt: Packet,
        action: Literal["ACCEPT", "REJECT"],
        traffic_path: int | None = None,
    ) -> None:
        if not self.real:
            return
        own = eni.private_ip
        if direction == "egress":
            src, dst = own, pkt.dst_ip
        else:
            src, dst = pkt.src_ip, own
        obs = EniObservation(
            eni=eni.id,
            direction=direction,
            srcaddr=src,
            dstaddr=dst,
            pkt_srcaddr=pkt.src_ip,
            pkt_dstaddr=pkt.dst_ip,
            srcport=pkt.sport if pkt.has_ports else 0,
            dstport=pkt.dport if pkt.has_ports else 0,
            protocol=pkt.protocol,
            action=action,
            traffic_path=traffic_path if direction == "egress" and action == "ACCEPT" else None,
        )
        if self.leg == "forward":
            self.result.observations_forward.append(obs)
        else:
            assert self.result.observations_return is not None
            self.result.observations_return.append(obs)

    # -- the two legs --------------------------------------------------------------------

    def run(self, request: Packet) -> WalkResult:
        res = self.result
        if self.source.eni is not None:
            arrival = self.send(self.source.eni, request)
        else:
            self.hop(
                "internet",
                _ip(self.source.address),
                "sent",
                f"internet host sends {request}",
                request,
            )
            arrival = self.internet(request)
        res.forward_arrived = arrival.kind != "lost" and self._is_destination(arrival)
        if arrival.kind != "lost" and not self._is_destination(arrival):
            self.block(
                self.fixes.no_destination(
                    arrival.eni.vpc if arrival.eni else "internet",
                    None,
                    arrival.packet,
                    "forward",
                    "the request reached a different interface than the one asked for",
                )
            )
        res.reply_expected = request.expects_reply()
        if arrival.kind == "lost" or not res.reply_expected:
            if self.real and arrival.kind != "lost" and not res.reply_expected:
                res.observations_return = None
            return res
        self.leg = "return"
        if self.real:
            res.observations_return = []
        reply = arrival.packet.reply()
        if arrival.kind == "eni":
            assert arrival.eni is not None
            back = self.send(arrival.eni, reply)
        else:
            self.hop(
                "internet", arrival.packet.dst_ip, "sent", f"internet host replies {reply}", reply
            )
            back = self.internet(reply)
        res.return_arrived = self._is_origin(back)
        if back.kind != "lost" and not res.return_arrived:
            got = back.eni.label if back.eni else back.packet.dst_ip
            want = self.source.eni.label if self.source.eni else _ip(self.source.address)
            self.block(self.fixes.wrong_reply_target(got, got, want, back.packet))
        return res

    def _is_destination(self, arrival: Arrival) -> bool:
        dest = self.destination
        if dest is None or arrival.kind == "lost":
            return arrival.kind != "lost"
        if arrival.kind == "eni":
            return dest.eni is None or arrival.eni is None or arrival.eni.id == dest.eni.id
        return dest.eni is None

    def _is_origin(self, arrival: Arrival) -> bool:
        if arrival.kind == "lost":
            return False
        if self.source.eni is not None:
            return (
                arrival.kind == "eni"
                and arrival.eni is not None
                and arrival.eni.id == self.source.eni.id
            )
        return arrival.kind == "internet" and arrival.packet.dst == self.source.address

    # -- sending from an interface ----------------------------------------------------------

    def send(self, eni: Eni, pkt: Packet) -> Arrival:
        self.forwards += 1
        if self.forwards > MAX_FORWARDS:
            self.block(self.fixes.loop(eni.id, pkt, self.leg))
            self.drop()
            return Arrival("lost", pkt)
        owner = eni.instance or eni.nat_gateway
        who = f"{owner} ({eni.id})" if owner else eni.id
        self.hop("network-interface", eni.id, "sent", f"{who} sends {pkt}", pkt, direction="egress")
        passed = self.sg_egress(eni, pkt)
        target = self.topo.eni_at(eni.vpc, pkt.dst)
        if target is not None and target.subnet == eni.subnet and target.id != eni.id:
            self.observe(eni, "egress", pkt, "ACCEPT" if passed else "REJECT", 1)
            if not passed:
                self.drop()
            self.hop(
                "subnet",
                eni.subnet,
                "skipped",
                "same subnet: delivered directly, network ACL and route table not consulted",
                pkt,
            )
            return self.receive(target, pkt, same_subnet=True)
        acl = self.topo.network_acl_of(eni.subnet)
        verdict = evaluate_nacl(acl, "egress", pkt)
        if verdict.allowed:
            self.hop(
                "network-acl",
                acl.id,
                "allowed",
                f"outbound allowed by {verdict.rule}",
                pkt,
                direction="egress",
                rule=verdict.rule_number,
            )
        else:
            self.hop(
                "network-acl",
                acl.id,
                "denied",
                f"outbound denied by rule {verdict.rule_number}",
                pkt,
                direction="egress",
                rule=verdict.rule_number,
            )
            self.block(self.fixes.nacl_denied(acl, eni.subnet, verdict, "egress", pkt, self.leg))
            passed = False
        if not passed:
            self.observe(eni, "egress", pkt, "REJECT")
            self.drop()
        return self.route(eni, pkt, observe_accept=passed)

    def sg_egress(self, eni: Eni, pkt: Packet) -> bool:
        if not eni.security_groups:
            return True
        groups = ",".join(eni.security_groups)
        if self.leg == "return":
            self.hop(
                "security-group",
                groups,
                "allowed",
                "reply of a tracked connection (security groups are stateful)",
                pkt,
                direction="egress",
            )
            return True
        verdict = evaluate_sg(self.topo, eni, "egress", pkt)
        if verdict.allowed:
            self.hop(
                "security-group",
                groups,
                "allowed",
                f"outbound allowed by {verdict.group}: {verdict.rule}",
                pkt,
                direction="egress",
                rule=str(verdict.rule),
            )
            return True
        self.hop(
            "security-group", groups, "denied", "no outbound rule matches", pkt, direction="egress"
        )
        self.block(self.fixes.sg_denied(eni, verdict, "egress", pkt, self.leg))
        return False

    def route(self, eni: Eni, pkt: Packet, *, observe_accept: bool) -> Arrival:
        table, explicit = self.topo.route_table_of(eni.subnet)
        lookup = self.topo.route_index(table.id).lookup(pkt.dst)
        best = lookup.best
        kind = best.route.target.kind if best is not None else None
        usable = best is not None and best.usable
        if observe_accept:
            self.observe(
                eni, "egress", pkt, "ACCEPT", TRAFFIC_PATH.get(kind or "") if usable else None
            )
        if best is None or (kind == "internet_gateway" and usable and is_private(pkt.dst)):
            self.hop(
                "route-table",
                table.id,
                "dropped",
                f"no route for {pkt.dst_ip}"
                if best is None
                else f"{best.route}: the internet gateway drops private destinations",
                pkt,
                direction="egress",
                rule=str(best.route) if best else None,
            )
            self.block(
                self.fixes.route_failure(
                    table=table,
                    explicit=explicit,
                    subnet=eni.subnet,
                    eni=eni,
                    pkt=pkt,
                    leg=self.leg,
                    lookup=lookup,
                    disconnected=self._disconnected(table.vpc, pkt.dst),
                )
            )
            self.drop()
            return self.assume_delivery(eni, pkt)
        if not best.usable:
            self.hop(
                "route-table",
                table.id,
                "dropped",
                f"{best.route} is a blackhole: {best.reason}",
                pkt,
                direction="egress",
                rule=str(best.route),
            )
            self.block(
                self.fixes.bad_state_route(
                    table=table,
                    explicit=explicit,
                    subnet=eni.subnet,
                    cand=best,
                    pkt=pkt,
                    leg=self.leg,
                )
            )
            self.drop()
            return self.assume_delivery(eni, pkt)
        how = "explicit association" if explicit else "main route table"
        self.hop(
            "route-table",
            table.id,
            "routed",
            f"{best.route} ({how}, longest prefix /{best.cidr.prefix})",
            pkt,
            direction="egress",
            rule=str(best.route),
        )
        target = best.route.target
        if target.kind == "local":
            dest = self.topo.eni_at(table.vpc, pkt.dst)
            if dest is None:
                self.block(self.fixes.no_destination(table.vpc, str(best.route), pkt, self.leg))
                self.drop()
                return Arrival("lost", pkt)
            return self.receive(dest, pkt)
        if target.kind == "peering_connection":
            return self.through_peering(eni, table.id, explicit, pkt, best, lookup)
        if target.kind == "internet_gateway":
            return self.igw_egress(eni.vpc, target.id or "", pkt)
        if target.kind == "nat_gateway":
            nat = self.topo.nat_gateway(target.id or "")
            return self.receive(self.topo.eni(nat.eni), pkt, same_subnet=nat.subnet == eni.subnet)
        appliance_id = target.id or ""
        if target.kind == "instance":
            appliance_id = self.topo.instance(appliance_id).eni
        appliance = self.topo.eni(appliance_id)
        return self.receive(appliance, pkt, same_subnet=appliance.subnet == eni.subnet)

    def _disconnected(self, vpc: str, address: int) -> bool:
        """DISCONNECTED_VPCS: asked resource-to-resource, and no peering joins the two VPCs."""
        dest = self.destination
        if not self.dest_named or dest is None or dest.eni is None or self.leg != "forward":
            return False
        far = dest.eni.vpc
        return far != vpc and not self.topo.peerings_between(vpc, far)

    def through_peering(
        self, eni: Eni, table_id: str, explicit: bool, pkt: Packet, cand: object, lookup: object
    ) -> Arrival:
        from vpcflow.network.routing import Candidate, RouteLookup

        assert isinstance(cand, Candidate) and isinstance(lookup, RouteLookup)
        table = self.topo.route_table(table_id)
        pcx = self.topo.peering_connection(cand.route.target.id or "")
        far = pcx.other(table.vpc)
        far_vpc = self.topo.vpc(far)
        near_vpc = self.topo.vpc(table.vpc)
        if not far_vpc.contains(pkt.dst) or not near_vpc.contains(pkt.src):
            self.hop(
                "peering-connection",
                pcx.id,
                "dropped",
                f"{pkt.dst_ip} is not in {far}",
                pkt,
                direction="egress",
            )
            self.block(
                self.fixes.pcx_refuses(
                    table=table,
                    explicit=explicit,
                    subnet=eni.subnet,
                    eni=eni,
                    pcx=pcx,
                    cand=cand,
                    lookup=lookup,
                    pkt=pkt,
                    leg=self.leg,
                )
            )
            self.drop()
            return self.assume_delivery(eni, pkt)
        self.hop(
            "peering-connection",
            pcx.id,
            "forwarded",
            f"{pcx.requester} ↔ {pcx.accepter} ({pcx.status}); {pkt.dst_ip} is in {far}",
            pkt,
        )
        dest = self.topo.eni_at(far, pkt.dst)
        if dest is None:
            self.block(self.fixes.no_destination(far, str(cand.route), pkt, self.leg))
            self.drop()
            return Arrival("lost", pkt)
        return self.receive(dest, pkt)

    # -- internet gateways and the internet --------------------------------------------------

    def igw_egress(self, vpc: str, igw_id: str, pkt: Packet) -> Arrival:
        sender = self.topo.eni_at(vpc, pkt.src)
        public = sender.public_ip if sender is not None else None
        if public is None:
            self.hop(
                "internet-gateway",
                igw_id,
                "dropped",
                f"{pkt.src_ip} has no public IP",
                pkt,
                direction="egress",
            )
            self.block(self.fixes.igw_no_public_ip(igw_id, sender, pkt, self.leg))
            self.drop()
            return self.internet(pkt)
        out = replace(pkt, src=parse_ipv4(public))
        self.hop(
            "internet-gateway",
            igw_id,
            "translated",
            f"source {pkt.src_ip} → {public}",
            out,
            direction="egress",
        )
        return self.internet(out)

    def internet(self, pkt: Packet) -> Arrival:
        """Deliver a packet on the internet: to the VPC that owns its public destination, or to a host."""
        target = self.topo.eni_by_public_ip(pkt.dst)
        if target is None:
            owners = self.topo.enis_with_ip(pkt.dst)
            if owners and (is_private(pkt.dst) or self.source.eni is None):
                owner = owners[0]
                igw = self.topo.internet_gateway_of(owner.vpc)
                self.block(
                    self.fixes.igw_no_mapping(igw.id if igw else owner.vpc, owner, pkt, self.leg)
                )
                self.drop()
                return Arrival("lost", pkt)
            if is_private(pkt.dst):
                self.block(self.fixes.igw_no_mapping("internet", None, pkt, self.leg))
                self.drop()
                return Arrival("lost", pkt)
            self.hop(
                "internet",
                pkt.dst_ip,
                "delivered",
                f"internet host {pkt.dst_ip} receives {pkt}",
                pkt,
            )
            return Arrival("internet", pkt)
        igw = self.topo.internet_gateway_of(target.vpc)
        igw_name = igw.id if igw else target.vpc
        if igw is None:
            self.block(self.fixes.vpc_without_igw(target.vpc, target, pkt, self.leg))
            self.drop()
        if is_rfc1918(pkt.src) or is_private(pkt.src):
            self.block(self.fixes.igw_private_source(igw_name, pkt, self.leg))
            self.drop()
        inside = replace(pkt, dst=parse_ipv4(target.private_ip))
        self.hop(
            "internet-gateway",
            igw_name,
            "translated",
            f"destination {pkt.dst_ip} → {target.private_ip}",
            inside,
            direction="ingress",
        )
        return self.receive(target, inside)

    # -- receiving at an interface ----------------------------------------------------------

    def receive(self, eni: Eni, pkt: Packet, *, same_subnet: bool = False) -> Arrival:
        passed = True
        if not same_subnet:
            acl = self.topo.network_acl_of(eni.subnet)
            verdict = evaluate_nacl(acl, "ingress", pkt)
            if verdict.allowed:
                self.hop(
                    "network-acl",
                    acl.id,
                    "allowed",
                    f"inbound allowed by {verdict.rule}",
                    pkt,
                    direction="ingress",
                    rule=verdict.rule_number,
                )
            else:
                self.hop(
                    "network-acl",
                    acl.id,
                    "denied",
                    f"inbound denied by rule {verdict.rule_number}",
                    pkt,
                    direction="ingress",
                    rule=verdict.rule_number,
                )
                self.block(
                    self.fixes.nacl_denied(acl, eni.subnet, verdict, "ingress", pkt, self.leg)
                )
                passed = False
        if eni.security_groups:
            groups = ",".join(eni.security_groups)
            if self.leg == "return":
                self.hop(
                    "security-group",
                    groups,
                    "allowed",
                    "reply of a tracked connection (security groups are stateful)",
                    pkt,
                    direction="ingress",
                )
            else:
                sg = evaluate_sg(self.topo, eni, "ingress", pkt)
                if sg.allowed:
                    self.hop(
                        "security-group",
                        groups,
                        "allowed",
                        f"inbound allowed by {sg.group}: {sg.rule}",
                        pkt,
                        direction="ingress",
                        rule=str(sg.rule),
                    )
                else:
                    self.hop(
                        "security-group",
                        groups,
                        "denied",
                        "no inbound rule matches",
                        pkt,
                        direction="ingress",
                    )
                    self.block(self.fixes.sg_denied(eni, sg, "ingress", pkt, self.leg))
                    passed = False
        self.observe(eni, "ingress", pkt, "ACCEPT" if passed else "REJECT")
        if not passed:
            self.drop()
        if eni.kind == "nat_gateway":
            return self.nat(eni, pkt)
        if pkt.dst == parse_ipv4(eni.private_ip):
            owner = eni.instance or eni.nat_gateway
            who = f"{owner} ({eni.id})" if owner else eni.id
            self.hop(
                "network-interface",
                eni.id,
                "delivered",
                f"{who} receives {pkt}",
                pkt,
                direction="ingress",
            )
            return Arrival("eni", pkt, eni)
        # An appliance: the packet is addressed to someone else.
        if eni.source_dest_check:
            self.hop(
                "network-interface",
                eni.id,
                "dropped",
                "source/destination check is on",
                pkt,
                direction="ingress",
            )
            self.block(self.fixes.source_dest_check(eni, pkt, self.leg))
            self.drop()
        else:
            self.hop(
                "network-interface",
                eni.id,
                "forwarded",
                "appliance forwards (source/destination check off)",
                pkt,
            )
        return self.send(eni, replace(pkt, sg_identity=False))

    def nat(self, eni: Eni, pkt: Packet) -> Arrival:
        nat = self.topo.nat_for_eni(eni.id)
        assert nat is not None
        nat_ip = parse_ipv4(nat.private_ip)
        if pkt.dst == nat_ip:
            session = self.nat_sessions.get(
                (eni.id, pkt.protocol, pkt.dport if pkt.has_ports else 0)
            )
            if session is None:
                self.block(self.fixes.nat_unsolicited(nat.id, pkt, self.leg))
                self.drop()
                return Arrival("lost", pkt)
            src, sport = session
            back = replace(pkt, dst=src, dport=sport if pkt.has_ports else 0)
            self.hop(
                "nat-gateway",
                nat.id,
                "translated",
                f"destination {pkt.dst_ip}:{pkt.dport} → {back.dst_ip}:{back.dport}"
                if pkt.has_ports
                else f"destination {pkt.dst_ip} → {back.dst_ip}",
                back,
            )
            return self.send(eni, back)
        if not self.topo.vpc(nat.vpc).contains(pkt.src):
            self.block(self.fixes.nat_refuses_source(nat.id, nat.vpc, pkt, self.leg))
            self.drop()
        port = nat_port(pkt) if pkt.has_ports else 0
        out = replace(pkt, src=nat_ip, sport=port if pkt.has_ports else 0)
        self.nat_sessions[(eni.id, pkt.protocol, port)] = (pkt.src, pkt.sport)
        detail = (
            f"source {pkt.src_ip}:{pkt.sport} → {nat.private_ip}:{port}"
            if pkt.has_ports
            else f"source {pkt.src_ip} → {nat.private_ip}"
        )
        self.hop("nat-gateway", nat.id, "translated", detail, out)
        return self.send(eni, out)

    # -- "assume it passed" after a routing failure ----------------------------------------

    def assume_delivery(self, eni: Eni, pkt: Packet) -> Arrival:
        """Continue as if the router had found the intended next hop (hops are marked assumed)."""
        intended: Endpoint | None = self.destination if self.leg == "forward" else self.source
        if intended is not None and intended.eni is None and not is_private(pkt.dst):
            igw = self.topo.internet_gateway_of(eni.vpc)
            if igw is not None:
                return self.igw_egress(eni.vpc, igw.id, pkt)
            sender = self.topo.eni_at(eni.vpc, pkt.src)
            if sender is not None and sender.public_ip:
                pkt = replace(pkt, src=parse_ipv4(sender.public_ip))
            return self.internet(pkt)
        if intended is not None and intended.eni is not None:
            target = intended.eni
            if pkt.dst == parse_ipv4(target.private_ip):
                return self.receive(target, pkt)
            if target.public_ip and pkt.dst == parse_ipv4(target.public_ip):
                igw = self.topo.internet_gateway_of(eni.vpc)
                if igw is not None:
                    return self.igw_egress(eni.vpc, igw.id, pkt)
                return self.internet(pkt)
        owners = self.topo.enis_with_ip(pkt.dst)
        if len(owners) == 1:
            return self.receive(owners[0], pkt)
        if not is_private(pkt.dst) and self.topo.eni_by_public_ip(pkt.dst) is not None:
            return self.internet(pkt)
        return Arrival("lost", pkt)


def nat_port(pkt: Packet) -> int:
    """The source port a NAT gateway maps a flow to: stable, in 1024-65535."""
    key = f"{pkt.src}|{pkt.sport}|{pkt.dst}|{pkt.dport}|{pkt.protocol}".encode()
    return 1024 + zlib.crc32(key) % (65535 - 1024 + 1)


def _ip(address: int) -> str:
    from vpcflow.network.addresses import ip_str

    return ip_str(address)
