"""Blocker messages in the house style, and the concrete fix for each (vpc-semantics.md §11.3).

``<CODE> (<direction>, return path): <component> (<how it was chosen>) <what
it did> — <fix hint>.`` Every fix names the lab-file change and the AWS CLI
command(s) that make the same change in an account.

Decisions: a missing peering is proposed as ``pcx-<a>-<b>`` (the two VPC ids
without ``vpc-``, sorted) and created once per answer, later fixes reuse it;
CLI commands for resources that do not exist yet use shell variables
(``$PCX``, ``$IGW``, ``$EIP``). Security group fixes open exactly the traffic
that was refused, from the sender's VPC block (private senders) or its /32
(internet senders); network ACL fixes use the VPC block or ``0.0.0.0/0``,
and ``1024-65535`` for replies to ephemeral ports (every client OS and NAT
gateway picks from that range, §8.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcflow.network.addresses import ANY_IPV4, Cidr, ip_str, is_private
from vpcflow.network.filters import NaclVerdict, SgVerdict
from vpcflow.network.packet import Packet
from vpcflow.network.resources import Eni, NetworkAcl, PeeringConnection, Route, RouteTable
from vpcflow.network.routing import Candidate, RouteLookup
from vpcflow.network.trace import Blocker, Fix, Leg

if TYPE_CHECKING:
    from vpcflow.network.topology import Topology


def _head(code: str, direction: str | None, leg: Leg) -> str:
    parts = [p for p in (direction, "return path" if leg == "return" else None) if p]
    return f"{code} ({', '.join(parts)})" if parts else code


def _short(vpc_id: str) -> str:
    return vpc_id[4:] if vpc_id.startswith("vpc-") else vpc_id


class FixWriter:
    """Writes the blockers of one reachability answer (remembers peerings it proposed)."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.proposed: set[frozenset[str]] = set()

    # -- helpers --------------------------------------------------------------------

    def table_how(self, table: RouteTable, explicit: bool, subnet: str) -> str:
        if explicit:
            return f"explicitly associated with {subnet}"
        return f"the main route table of {table.vpc}, used implicitly by {subnet}"

    def vpc_of_address(self, address: int) -> str | None:
        """The VPC whose blocks contain ``address`` (the first, if blocks overlap)."""
        for vpc in self.topo.vpcs.values():
            if vpc.contains(address):
                return vpc.id
        return None

    def block_of(self, address: int) -> Cidr | None:
        for vpc in self.topo.vpcs.values():
            block = vpc.block_for(address)
            if block is not None:
                return block
        return None

    def peer_block(self, address: int, *, public_wide: bool, public_host: bool = False) -> Cidr:
        block = self.block_of(address)
        if block is not None:
            return block
        if public_host or not public_wide:
            return Cidr.host(address)
        return ANY_IPV4

    def peering_fix(self, table: RouteTable, far_vpc: str, dest: int) -> tuple[str, Fix]:
        """Hint and fix for "route table needs a path to far_vpc over a peering"."""
        near = table.vpc
        block = self.block_of(dest) or self.topo.vpc(far_vpc).cidr
        existing = [p for p in self.topo.peerings_between(near, far_vpc)]
        usable = next((p for p in existing if p.status in ("active", "pending-acceptance")), None)
        route_lab = f"route_tables › {table.id} › routes: add {{destination: {block}, target: %s}}"
        route_cli = (
            f"aws ec2 create-route --route-table-id {table.id} --destination-cidr-block {block} "
            "--vpc-peering-connection-id %s"
        )
        if usable is not None and usable.active:
            hint = f"add {block} → {usable.id}"
            return hint, Fix(route_lab % usable.id, route_cli % usable.id)
        if usable is not None:
            hint = f"accept {usable.id} (it is {usable.status}) and add {block} → {usable.id}"
            lab = f"peering_connections › {usable.id}: set status: active; " + route_lab % usable.id
            cli = (
                f"aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {usable.id}\n"
                + route_cli % usable.id
            )
            return hint, Fix(lab, cli)
        pair = frozenset((near, far_vpc))
        a, b = sorted(pair)
        new_id = f"pcx-{_short(a)}-{_short(b)}"
        if pair in self.proposed:
            hint = f"add {block} → {new_id} (the new peering connection above)"
            return hint, Fix(route_lab % new_id, route_cli % '"$PCX"')
        self.proposed.add(pair)
        hint = (
            f"{near} and {far_vpc} are not peered: create and accept a peering connection, "
            f"then add {block} → it in {table.id} (and the return route in {far_vpc})"
        )
        lab = (
            f"peering_connections: add {{id: {new_id}, requester: {a}, accepter: {b}, "
            f"status: active}}; " + route_lab % new_id
        )
        cli = (
            f"PCX=$(aws ec2 create-vpc-peering-connection --vpc-id {a} --peer-vpc-id {b} "
            "--query VpcPeeringConnection.VpcPeeringConnectionId --output text)\n"
            'aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$PCX"\n'
            + route_cli
            % '"$PCX"'
        )
        return hint, Fix(lab, cli)

    def internet_fix(self, table: RouteTable, eni: Eni | None) -> tuple[str, Fix]:
        """Hint and fix for "this subnet needs a route to the internet"."""
        vpc = table.vpc
        igw = self.topo.internet_gateway_of(vpc)
        if eni is not None and eni.public_ip is None:
            nat = next(
                (
                    n
                    for n in self.topo.nat_gateways.values()
                    if n.vpc == vpc and n.subnet != eni.subnet and n.public
                ),
                None,
            )
            if nat is not None:
                return f"add 0.0.0.0/0 → {nat.id}", Fix(
                    f"route_tables › {table.id} › routes: add {{destination: 0.0.0.0/0, target: {nat.id}}}",
                    f"aws ec2 create-route --route-table-id {table.id} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {nat.id}",
                )
        if igw is not None:
            return f"add 0.0.0.0/0 → {igw.id}", Fix(
                f"route_tables › {table.id} › routes: add {{destination: 0.0.0.0/0, target: {igw.id}}}",
                f"aws ec2 create-route --route-table-id {table.id} --destination-cidr-block 0.0.0.0/0 --gateway-id {igw.id}",
            )
        new = f"igw-{_short(vpc)}"
        return f"attach an internet gateway to {vpc} and add 0.0.0.0/0 → it", Fix(
            f"internet_gateways: add {{id: {new}, vpc: {vpc}}}; route_tables › {table.id} › routes: "
            f"add {{destination: 0.0.0.0/0, target: {new}}}",
            "IGW=$(aws ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)\n"
            f'aws ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id {vpc}\n'
            f'aws ec2 create-route --route-table-id {table.id} --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW"',
        )

    def public_ip_fix(self, eni: Eni) -> Fix:
        owner = f"instances › {eni.instance}" if eni.instance else f"network_interfaces › {eni.id}"
        target = (
            f"--instance-id {eni.instance}" if eni.instance else f"--network-interface-id {eni.id}"
        )
        return Fix(
            f"{owner}: set public_ip: <an Elastic IP address>",
            "EIP=$(aws ec2 allocate-address --domain vpc --query AllocationId --output text)\n"
            f'aws ec2 associate-address --allocation-id "$EIP" {target}',
        )

    # -- security groups and network ACLs ---------------------------------------------------

    def sg_denied(
        self, eni: Eni, verdict: SgVerdict, direction: str, pkt: Packet, leg: Leg
    ) -> Blocker:
        code = "SG_HAS_NO_RULES" if verdict.no_rules else "ENI_SG_RULES_MISMATCH"
        if verdict.unpreserved:
            code = "SG_REFERENCES_NOT_PRESERVED"
        groups = ",".join(verdict.groups)
        word = "from" if direction == "ingress" else "to"
        peer = pkt.src if direction == "ingress" else pkt.dst
        block = self.peer_block(
            peer, public_wide=direction == "egress", public_host=direction == "ingress"
        )
        what = _sg_permission(pkt)
        alt = ""
        if direction == "ingress" and is_private(peer) and pkt.sg_identity:
            sender = self.topo.eni_at(eni.vpc, peer) or next(
                (
                    self.topo.eni_at(v, peer)
                    for v in self.topo.active_peers(eni.vpc)
                    if self.topo.eni_at(v, peer)
                ),
                None,
            )
            if sender is not None and sender.security_groups:
                alt = f" or from {sender.security_groups[0]}"
        empty = (
            f"has no {direction} rules"
            if verdict.no_rules
            else f"has no rule allowing {pkt.what()} {word} {ip_str(peer)}"
        )
        stale = ""
        if verdict.unpreserved:
            stale = (
                f" (the rule referencing {', '.join(verdict.unpreserved)} cannot match: a "
                "middlebox forwarded the packet, so security group references no longer apply; "
                "use a CIDR)"
            )
        if verdict.stale:
            stale = f" (the rule referencing {', '.join(verdict.stale)} is stale: no active peering joins the VPCs)"
        message = (
            f"{_head(code, direction, leg)}: {eni.id} ({groups}) {empty}{stale} — "
            f"add {what['text']} {word} {block}{alt}."
        )
        group = verdict.groups[0]
        perm = f"IpProtocol={what['proto']},FromPort={what['from']},ToPort={what['to']},IpRanges=[{{CidrIp={block}}}]"
        fix = Fix(
            f"security_groups › {group} › {direction}: add {{{what['lab']}, cidr: {block}}}",
            f"aws ec2 authorize-security-group-{direction} --group-id {group} --ip-permissions '{perm}'",
        )
        return Blocker(code, groups, leg, direction, None, message, fix)

    def nacl_denied(
        self,
        acl: NetworkAcl,
        subnet: str,
        verdict: NaclVerdict,
        direction: str,
        pkt: Packet,
        leg: Leg,
    ) -> Blocker:
        code = "SUBNET_ACL_RESTRICTION"
        rule = verdict.rule
        peer = pkt.src if direction == "ingress" else pkt.dst
        block = self.peer_block(peer, public_wide=True)
        word = "from" if direction == "ingress" else "to"
        ports = None
        if pkt.has_ports:
            ports = "1024-65535" if leg == "return" else str(pkt.dport)
        rules = acl.ingress if direction == "ingress" else acl.egress
        used = {r.number for r in rules}
        if rule is None:
            number = next(n for n in range(100, 32767, 10) if n not in used)
        else:
            number = next((n for n in range(rule.number - 1, 0, -1) if n not in used), 0)
        decided = (
            "rule *" if rule is None else f"rule {rule.number} ({rule.action} {_rule_what(rule)})"
        )
        name = pkt.what().split(" ")[0]
        if ports is not None:
            allow_text = f"allow {'outbound' if direction == 'egress' else 'inbound'} {name} {ports} {word} {block}"
        else:
            allow_text = f"allow {'outbound' if direction == 'egress' else 'inbound'} {pkt.what()} {word} {block}"
        how = "the default network ACL" if acl.default else "associated"
        if number == 0:
            assert rule is not None
            hint = f"delete rule {rule.number} or {allow_text} before it"
            fix = Fix(
                f"network_acls › {acl.id} › {direction}: remove the rule numbered {rule.number}",
                f"aws ec2 delete-network-acl-entry --network-acl-id {acl.id} --{direction} --rule-number {rule.number}",
            )
        else:
            hint = f"{allow_text} (rule {number})"
            lab_rule = f"rule: {number}, protocol: {_nacl_proto(pkt)}"
            cli_rule = f"--rule-number {number} --protocol {_nacl_proto_cli(pkt)}"
            if ports is not None:
                lab_rule += f", ports: {ports}"
                lo, _, hi = ports.partition("-")
                cli_rule += f" --port-range From={lo},To={hi or lo}"
            elif pkt.protocol == 1:
                lab_rule += f", icmp_type: {pkt.icmp_type}, icmp_code: -1"
                cli_rule += f" --icmp-type-code Type={pkt.icmp_type},Code=-1"
            fix = Fix(
                f"network_acls › {acl.id} › {direction}: add {{{lab_rule}, cidr: {block}, action: allow}}",
                f"aws ec2 create-network-acl-entry --network-acl-id {acl.id} --{direction} {cli_rule} "
                f"--cidr-block {block} --rule-action allow",
            )
        message = (
            f"{_head(code, direction, leg)}: {acl.id} ({how}, subnet {subnet}) {decided} denied "
            f"{pkt} — {hint}."
        )
        return Blocker(code, acl.id, leg, direction, verdict.rule_number, message, fix)

    # -- routing ------------------------------------------------------------------------------

    def route_failure(
        self,
        *,
        table: RouteTable,
        explicit: bool,
        subnet: str,
        eni: Eni,
        pkt: Packet,
        leg: Leg,
        lookup: RouteLookup,
        disconnected: bool,
    ) -> Blocker:
        """No usable route, or the chosen route sends a private destination to an IGW."""
        best = lookup.best
        dest = pkt.dst
        far = self.vpc_of_address(dest)
        how = self.table_how(table, explicit, subnet)
        private = is_private(dest) or far is not None
        if private and far is not None and far != table.vpc:
            block = self.block_of(dest)
            pl_route = self._prefix_list_route_to(table, far)
            notes = ""
            if pl_route is not None:
                pl = self.topo.prefix_list(pl_route.prefix_list or "")
                entries = ", ".join(str(c) for c in pl.entries) or "no entries"
                notes = f"; route {pl_route} does not cover it ({pl.id} = {entries})"
                hint = f"add {block} to prefix list {pl.id}"
                fix = Fix(
                    f"prefix_lists › {pl.id} › entries: add {block}",
                    f"aws ec2 modify-managed-prefix-list --prefix-list-id {pl.id} "
                    f"--current-version <version> --add-entries Cidr={block}",
                )
            else:
                hint, fix = self.peering_fix(table, far, dest)
                idle = [
                    p
                    for p in self.topo.peerings_between(table.vpc, far)
                    if p.active and not any(r.target.id == p.id for r in table.routes)
                ]
                if idle:
                    notes = f"; {idle[0].id} is active but no route in {table.id} points at it"
            if best is None:
                code = "NO_ROUTE_TO_DESTINATION"
                what = f"has no route for {ip_str(dest)} ({far} {block}){notes}"
            else:
                code = "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"
                what = (
                    f"has no route for {block} ({far}){notes}; the best match "
                    f"{best.route} sends {ip_str(dest)} to the internet gateway, which drops "
                    "private destinations"
                )
            if disconnected:
                code = "DISCONNECTED_VPCS"
            message = f"{_head(code, None, leg)}: route table {table.id} ({how}) {what} — {hint}."
            rule = str(best.route) if best else None
            return Blocker(code, table.id, leg, "egress", rule, message, fix)
        if private:
            code = (
                "NO_ROUTE_TO_DESTINATION"
                if best is None
                else "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"
            )
            what = (
                f"has no route for {ip_str(dest)}, which is not in any VPC of the lab"
                if best is None
                else f"sends {ip_str(dest)} to the internet gateway by {best.route}, which drops private destinations"
            )
            message = f"{_head(code, None, leg)}: route table {table.id} ({how}) {what} — nothing in the lab owns {ip_str(dest)}."
            fix = Fix(
                "no change: no VPC of the lab contains this address",
                f"aws ec2 describe-network-interfaces --filters Name=addresses.private-ip-address,Values={ip_str(dest)}",
            )
            return Blocker(
                code, table.id, leg, "egress", str(best.route) if best else None, message, fix
            )
        hint, fix = self.internet_fix(table, eni)
        message = (
            f"{_head('NO_ROUTE_TO_DESTINATION', None, leg)}: route table {table.id} ({how}) has no "
            f"route for {ip_str(dest)}: {subnet} is private (its route table has no route to an "
            f"internet gateway) — {hint}."
        )
        return Blocker("NO_ROUTE_TO_DESTINATION", table.id, leg, "egress", None, message, fix)

    def _prefix_list_route_to(self, table: RouteTable, far_vpc: str) -> Route | None:
        """A prefix-list route of ``table`` over an active peering into ``far_vpc``, if any."""
        for r in table.routes:
            if r.prefix_list and r.target.kind == "peering_connection":
                pcx = self.topo.peering_connections.get(r.target.id or "")
                if pcx is not None and pcx.active and pcx.other(table.vpc) == far_vpc:
                    return r
        return None

    def bad_state_route(
        self,
        *,
        table: RouteTable,
        explicit: bool,
        subnet: str,
        cand: Candidate,
        pkt: Packet,
        leg: Leg,
    ) -> Blocker:
        route = cand.route
        how = self.table_how(table, explicit, subnet)
        target = route.target
        dest = route.destination
        pcx_ = self.topo.peering_connections.get(target.id or "")
        if target.kind == "peering_connection" and pcx_ is not None:
            pcx: PeeringConnection = pcx_
            if pcx.status == "pending-acceptance":
                hint = f"the owner of {pcx.accepter} must accept {pcx.id}"
                fix = Fix(
                    f"peering_connections › {pcx.id}: set status: active",
                    f"aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {pcx.id}",
                )
            elif frozenset((pcx.requester, pcx.accepter)) in self.proposed:
                a, b = sorted((pcx.requester, pcx.accepter))
                new_id = f"pcx-{_short(a)}-{_short(b)}"
                hint = f"{pcx.id} is {pcx.status}: point {dest} at {new_id} (the new peering connection above)"
                fix = Fix(
                    f"route_tables › {table.id} › routes: change {dest} to target: {new_id}",
                    f'aws ec2 replace-route --route-table-id {table.id} --destination-cidr-block {dest} --vpc-peering-connection-id "$PCX"',
                )
            else:
                a, b = sorted((pcx.requester, pcx.accepter))
                self.proposed.add(frozenset((a, b)))
                new_id = f"pcx-{_short(a)}-{_short(b)}"
                hint = f"{pcx.id} is {pcx.status}: create a new peering connection and point {dest} at it"
                fix = Fix(
                    f"peering_connections: add {{id: {new_id}, requester: {a}, accepter: {b}, status: active}}; "
                    f"route_tables › {table.id} › routes: change {dest} to target: {new_id}",
                    f"PCX=$(aws ec2 create-vpc-peering-connection --vpc-id {a} --peer-vpc-id {b} --query VpcPeeringConnection.VpcPeeringConnectionId --output text)\n"
                    'aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$PCX"\n'
                    f'aws ec2 replace-route --route-table-id {table.id} --destination-cidr-block {dest} --vpc-peering-connection-id "$PCX"',
                )
        elif target.kind == "internet_gateway":
            hint = f"attach {target.id} to {table.vpc}"
            fix = Fix(
                f"internet_gateways › {target.id}: set vpc: {table.vpc}",
                f"aws ec2 attach-internet-gateway --internet-gateway-id {target.id} --vpc-id {table.vpc}",
            )
        else:
            hint = f"point {dest} at a target that exists, or delete the route"
            fix = Fix(
                f"route_tables › {table.id} › routes: remove the route for {dest} or change its target",
                f"aws ec2 delete-route --route-table-id {table.id} --destination-cidr-block {dest}",
            )
        message = (
            f"{_head('BAD_STATE_ROUTE', None, leg)}: route table {table.id} ({how}) selects {route} for "
            f"{pkt.dst_ip}, a blackhole because {cand.reason}; the router does not fall back to a "
            f"less specific route — {hint}."
        )
        return Blocker("BAD_STATE_ROUTE", table.id, leg, "egress", str(route), message, fix)

    def pcx_refuses(
        self,
        *,
        table: RouteTable,
        explicit: bool,
        subnet: str,
        eni: Eni,
        pcx: PeeringConnection,
        cand: Candidate,
        lookup: RouteLookup,
        pkt: Packet,
        leg: Leg,
    ) -> Blocker:
        code = "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"
        far = pcx.other(table.vpc)
        dest = pkt.dst
        better = next(
            (
                c
                for c in lookup.shadowed
                if c.usable
                and c.route.target.kind == "peering_connection"
                and self._pcx_reaches(c.route.target.id or "", table.vpc, dest)
            ),
            None,
        )
        if better is not None:
            message = (
                f"{_head(code, None, leg)}: route table {table.id} ({self.table_how(table, explicit, subnet)}) "
                f"selects {cand.route} for {pkt.dst_ip} by longest prefix, shadowing {better.route} "
                f"(MORE_SPECIFIC_ROUTE); {pcx.id} only carries packets for {far} — delete the route for "
                f"{cand.route.destination}."
            )
            fix = Fix(
                f"route_tables › {table.id} › routes: remove {{destination: {cand.route.destination}, target: {pcx.id}}}",
                f"aws ec2 delete-route --route-table-id {table.id} --destination-cidr-block {cand.route.destination}",
            )
            return Blocker(code, table.id, leg, "egress", str(cand.route), message, fix)
        owner = self.vpc_of_address(dest)
        blocks = ", ".join(str(c) for c in self.topo.vpc(far).cidrs)
        if owner is not None and owner != table.vpc:
            _, fix = self.peering_fix(table, owner, dest)
            hint = (
                f"peering is not transitive: peer {table.vpc} with {owner} directly and route "
                f"{self.block_of(dest)} over that connection"
            )
        else:
            hint, fix = self.internet_fix(table, eni)
            hint = f"a peer never lends its internet gateway or NAT device (no edge-to-edge routing): {hint}"
            if eni.public_ip is None and self.topo.internet_gateway_of(table.vpc) is None:
                pub = self.public_ip_fix(eni)
                fix = Fix(fix.lab + "; " + pub.lab, fix.cli + "\n" + pub.cli)
        message = (
            f"{_head(code, None, leg)}: {pcx.id} ({pcx.requester} ↔ {pcx.accepter}, chosen by route "
            f"{cand.route} in {table.id}) only carries packets whose destination is in {far} "
            f"({blocks}); {pkt.dst_ip} is not — {hint}."
        )
        return Blocker(code, pcx.id, leg, "egress", str(cand.route), message, fix)

    def _pcx_reaches(self, pcx_id: str, vpc: str, dest: int) -> bool:
        pcx = self.topo.peering_connections.get(pcx_id)
        return bool(pcx and pcx.active and self.topo.vpc(pcx.other(vpc)).contains(dest))

    # -- gateways -------------------------------------------------------------------------

    def igw_no_public_ip(self, igw: str, eni: Eni | None, pkt: Packet, leg: Leg) -> Blocker:
        code = "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
        if eni is None:
            message = f"{_head(code, 'egress', leg)}: {igw} refuses {pkt}: the source {pkt.src_ip} is not an interface of its VPC — send from an interface with a public IP."
            return Blocker(code, igw, leg, "egress", None, message, Fix("no change", ""))
        fix = self.public_ip_fix(eni)
        nat_hint = ""
        nat = next(
            (
                n
                for n in self.topo.nat_gateways.values()
                if n.vpc == eni.vpc and n.public and n.subnet != eni.subnet
            ),
            None,
        )
        if nat is not None:
            nat_hint = f", or route the subnet's internet traffic to {nat.id}"
        message = (
            f"{_head(code, 'egress', leg)}: {igw} refuses {pkt}: {eni.label} has no public IP, so "
            f"there is no address to translate {pkt.src_ip} to — associate an Elastic IP with it{nat_hint}."
        )
        return Blocker(code, igw, leg, "egress", None, message, fix)

    def igw_no_mapping(self, component: str, target: Eni | None, pkt: Packet, leg: Leg) -> Blocker:
        code = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
        if target is None:
            message = f"{_head(code, 'ingress', leg)}: {pkt.dst_ip} is not a public IP mapped to any interface of the lab — nothing on the internet can reach it."
            return Blocker(code, component, leg, "ingress", None, message, Fix("no change", ""))
        message = (
            f"{_head(code, 'ingress', leg)}: {component} cannot deliver {pkt}: {target.label} has no "
            f"public IP, so it is not addressable from the internet — associate an Elastic IP with it."
        )
        return Blocker(code, component, leg, "ingress", None, message, self.public_ip_fix(target))

    def igw_private_source(self, igw: str, pkt: Packet, leg: Leg) -> Blocker:
        code = "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"
        message = f"{_head(code, 'ingress', leg)}: {igw} refuses {pkt}: a private source address cannot arrive from the internet — connect that network with a peering connection or VPN instead."
        return Blocker(code, igw, leg, "ingress", None, message, Fix("no change", ""))

    def vpc_without_igw(self, vpc: str, target: Eni, pkt: Packet, leg: Leg) -> Blocker:
        code = "BAD_STATE_ATTACHMENT"
        new = f"igw-{_short(vpc)}"
        message = (
            f"{_head(code, 'ingress', leg)}: {vpc} has no attached internet gateway, so public IP "
            f"{pkt.dst_ip} of {target.label} is unreachable — attach an internet gateway to {vpc}."
        )
        fix = Fix(
            f"internet_gateways: add {{id: {new}, vpc: {vpc}}}",
            "IGW=$(aws ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)\n"
            f'aws ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id {vpc}',
        )
        return Blocker(code, vpc, leg, "ingress", None, message, fix)

    def no_destination(
        self, vpc: str, route: str | None, pkt: Packet, leg: Leg, why: str | None = None
    ) -> Blocker:
        code = "NO_POSSIBLE_DESTINATION"
        reason = why or f"no network interface in {vpc} has {pkt.dst_ip}"
        via = f" (delivered by {route})" if route else ""
        message = f"{_head(code, 'ingress', leg)}: {vpc}{via} cannot deliver {pkt}: {reason} — check the address."
        fix = Fix(
            f"no change: nothing in {vpc} owns {pkt.dst_ip}",
            f"aws ec2 describe-network-interfaces --filters Name=addresses.private-ip-address,Values={pkt.dst_ip}",
        )
        return Blocker(code, vpc, leg, "ingress", route, message, fix)

    def source_dest_check(self, eni: Eni, pkt: Packet, leg: Leg) -> Blocker:
        code = "ENI_SOURCE_DEST_CHECK_RESTRICTION"
        message = (
            f"{_head(code, 'ingress', leg)}: {eni.label} receives {pkt} addressed to someone else and "
            f"drops it: source/destination check is on — disable it on the appliance."
        )
        owner = f"instances › {eni.instance}" if eni.instance else f"network_interfaces › {eni.id}"
        fix = Fix(
            f"{owner}: set source_dest_check: false",
            f"aws ec2 modify-network-interface-attribute --network-interface-id {eni.id} --no-source-dest-check",
        )
        return Blocker(code, eni.id, leg, "ingress", None, message, fix)

    def nat_refuses_source(self, nat: str, vpc: str, pkt: Packet, leg: Leg) -> Blocker:
        code = "NGW_REQUIRES_SOURCE_IN_VPC"
        message = f"{_head(code, 'ingress', leg)}: {nat} only translates traffic that started in {vpc}; {pkt.src_ip} did not — give that network its own NAT gateway."
        return Blocker(code, nat, leg, "ingress", None, message, Fix("no change", ""))

    def nat_unsolicited(self, nat: str, pkt: Packet, leg: Leg) -> Blocker:
        code = "NO_POSSIBLE_DESTINATION"
        message = f"{_head(code, 'ingress', leg)}: {nat} drops {pkt}: a NAT gateway accepts no connection initiated from outside — address an instance instead."
        return Blocker(code, nat, leg, "ingress", None, message, Fix("no change", ""))

    def loop(self, component: str, pkt: Packet, leg: Leg) -> Blocker:
        message = f"{_head('NO_PATH', None, leg)}: {pkt} was forwarded more than 32 times (a routing loop through {component}) — check the appliance routes."
        return Blocker("NO_PATH", component, leg, "egress", None, message, Fix("no change", ""))

    def wrong_reply_target(self, component: str, got: str, want: str, pkt: Packet) -> Blocker:
        message = f"{_head('NO_PATH', None, 'return')}: the reply {pkt} reaches {got}, not {want} — make the return routes of {component} point back the way the request came."
        return Blocker(
            "NO_PATH", component, "return", "egress", None, message, Fix("no change", "")
        )


def _sg_permission(pkt: Packet) -> dict[str, str]:
    if pkt.has_ports:
        name = "tcp" if pkt.protocol == 6 else "udp"
        return {
            "text": f"{name.upper()} {pkt.dport}",
            "proto": name,
            "from": str(pkt.dport),
            "to": str(pkt.dport),
            "lab": f"protocol: {name}, ports: {pkt.dport}",
        }
    if pkt.protocol == 1:
        return {
            "text": f"ICMP type {pkt.icmp_type}",
            "proto": "icmp",
            "from": str(pkt.icmp_type),
            "to": "-1",
            "lab": f"protocol: icmp, icmp_type: {pkt.icmp_type}",
        }
    return {
        "text": f"protocol {pkt.protocol}",
        "proto": str(pkt.protocol),
        "from": "-1",
        "to": "-1",
        "lab": f"protocol: {pkt.protocol}",
    }


def _nacl_proto(pkt: Packet) -> str:
    return {6: "tcp", 17: "udp", 1: "icmp"}.get(pkt.protocol, str(pkt.protocol))


def _nacl_proto_cli(pkt: Packet) -> str:
    return {6: "tcp", 17: "udp", 1: "icmp"}.get(pkt.protocol, str(pkt.protocol))


def _rule_what(rule: object) -> str:
    text = str(rule)
    # "rule 90 deny icmp (all types) from 10.1.0.0/16" -> "icmp (all types) from 10.1.0.0/16"
    parts = text.split(" ", 3)
    return parts[3] if len(parts) > 3 else text
