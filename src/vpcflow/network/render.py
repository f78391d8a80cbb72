"""Readable views of a topology: a tree (``lab show``), a dict (``--json``), diagrams (``lab graph``).

The tree is plain data (:class:`Node`) so the CLI can draw it with Rich and
tests can read it as text. Diagrams draw each VPC as a box holding its
subnets and instances, with one "router" node per VPC (the implicit VPC
router every route table belongs to), its internet gateway, NAT gateways, and
peering connections between routers.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from vpcflow.network.resources import Eni, SgRule
from vpcflow.network.topology import Topology


@dataclass
class Node:
    label: str
    children: list[Node] = field(default_factory=list)

    def add(self, label: str) -> Node:
        child = Node(label)
        self.children.append(child)
        return child

    def lines(self, prefix: str = "") -> list[str]:
        """The tree as text with ├── └── connectors."""
        out = [self.label] if not prefix else []
        for i, child in enumerate(self.children):
            last = i == len(self.children) - 1
            out.append(f"{prefix}{'└── ' if last else '├── '}{child.label}")
            out.extend(child.lines(prefix + ("    " if last else "│   "))[0:])
        return out


def _name(res: Any) -> str:
    name = getattr(res, "name", None)
    return f" ({name})" if name else ""


def _rule_text(rule: SgRule) -> str:
    return str(rule) + (f"  # {rule.description}" if rule.description else "")


def _eni_text(eni: Eni) -> str:
    owner = eni.instance or eni.nat_gateway
    head = f"{owner}{' (' + eni.name + ')' if eni.name else ''} — {eni.id}" if owner else eni.id
    public = f" / {eni.public_ip}" if eni.public_ip else ""
    groups = f" [{', '.join(eni.security_groups)}]" if eni.security_groups else ""
    kind = "" if eni.kind == "instance" else f" {eni.kind}"
    return f"{head}{kind} {eni.private_ip}{public}{groups}"


def topology_tree(topo: Topology) -> Node:
    """VPCs with their gateways, route tables, subnets (with interfaces), groups, ACLs, flow logs."""
    title = topo.name or topo.path
    root = Node(f"{title} — account {topo.account}, {topo.region}")
    enis_by_subnet: dict[str, list[Eni]] = {}
    for eni in topo.enis():
        enis_by_subnet.setdefault(eni.subnet, []).append(eni)
    for vpc in topo.vpcs.values():
        blocks = ", ".join(str(c) for c in vpc.cidrs)
        v = root.add(f"VPC {vpc.id}{_name(vpc)} {blocks}")
        igw = topo.internet_gateway_of(vpc.id)
        if igw is not None:
            v.add(f"internet gateway {igw.id}")
        for table in topo.route_tables.values():
            if table.vpc != vpc.id:
                continue
            users = [s for s in topo.subnets_of(vpc.id) if topo.route_table_of(s)[0].id == table.id]
            if table.implicit and not users:
                continue
            flags = " main" if table.main else ""
            flags += " (implicit)" if table.implicit else ""
            t = v.add(
                f"route table {table.id}{flags}{_name(table)} → {', '.join(users) or 'no subnets'}"
            )
            for route in table.routes:
                usable, why = topo.route_state(route)
                state = "" if usable else f"  [blackhole: {why}]"
                t.add(f"{route}{state}")
        for sid in topo.subnets_of(vpc.id):
            sub = topo.subnet(sid)
            acl = topo.network_acl_of(sid)
            table, _ = topo.route_table_of(sid)
            s = v.add(
                f"subnet {sid}{_name(sub)} {sub.cidr} {sub.az} — route table {table.id}, network ACL {acl.id}"
            )
            for eni in enis_by_subnet.get(sid, []):
                s.add(_eni_text(eni))
        for group in topo.security_groups.values():
            if group.vpc != vpc.id:
                continue
            g = v.add(
                f"security group {group.id}{_name(group)}{' (implicit default)' if group.implicit else ''}"
            )
            for rule in group.ingress:
                g.add(f"in:  {_rule_text(rule)}")
            for rule in group.egress:
                g.add(f"out: {_rule_text(rule)}")
            if not group.egress:
                g.add("out: (none)")
        for acl in topo.network_acls.values():
            if acl.vpc != vpc.id or (acl.implicit and acl.default):
                if acl.vpc == vpc.id:
                    v.add(f"network ACL {acl.id} default (implicit): allow all both ways")
                continue
            served = ", ".join(acl.subnets) or (
                "unassociated subnets" if acl.default else "no subnets"
            )
            a = v.add(f"network ACL {acl.id}{' default' if acl.default else ''} → {served}")
            for nrule in acl.ingress:
                a.add(f"in:  {nrule}")
            a.add("in:  rule * deny all")
            for nrule in acl.egress:
                a.add(f"out: {nrule}")
            a.add("out: rule * deny all")
    for pcx in topo.peering_connections.values():
        root.add(
            f"peering connection {pcx.id}{_name(pcx)} {pcx.requester} ↔ {pcx.accepter} ({pcx.status})"
        )
    for pl in topo.prefix_lists.values():
        root.add(f"prefix list {pl.id}{_name(pl)}: {', '.join(str(c) for c in pl.entries)}")
    for fl in topo.flow_logs:
        d = fl.destination
        where = (
            f"CloudWatch Logs group {d.log_group} (role {d.role})"
            if d.type == "cloud-watch-logs"
            else f"s3://{d.bucket}/{d.prefix or ''} ({d.file_format})"
        )
        f = root.add(
            f"flow log {fl.id} on {fl.resource} — {fl.traffic_type}, {fl.max_aggregation_interval}s, format {fl.format.name()} → {where}"
        )
        err = topo.delivery_error(fl)
        if err:
            f.add(f"delivery fails: {err}")
    return root


def topology_to_dict(topo: Topology) -> dict[str, Any]:
    """A JSON-ready description of the lab as vpcflow understood it (ids resolved, defaults filled)."""
    return {
        "name": topo.name,
        "account": topo.account,
        "region": topo.region,
        "vpcs": [
            {
                "id": v.id,
                "cidrs": [str(c) for c in v.cidrs],
                "internet_gateway": (g.id if (g := topo.internet_gateway_of(v.id)) else None),
                "subnets": [
                    {
                        "id": s,
                        "cidr": str(topo.subnet(s).cidr),
                        "az": topo.subnet(s).az,
                        "route_table": topo.route_table_of(s)[0].id,
                        "route_table_explicit": topo.route_table_of(s)[1],
                        "network_acl": topo.network_acl_of(s).id,
                    }
                    for s in topo.subnets_of(v.id)
                ],
            }
            for v in topo.vpcs.values()
        ],
        "route_tables": [
            {
                "id": t.id,
                "vpc": t.vpc,
                "main": t.main,
                "routes": [
                    {
                        "destination": r.destination,
                        "target": str(r.target),
                        "state": "active" if topo.route_state(r)[0] else "blackhole",
                    }
                    for r in t.routes
                ],
            }
            for t in topo.route_tables.values()
        ],
        "network_interfaces": [
            {
                "id": e.id,
                "kind": e.kind,
                "instance": e.instance,
                "nat_gateway": e.nat_gateway,
                "subnet": e.subnet,
                "vpc": e.vpc,
                "az": e.az,
                "private_ip": e.private_ip,
                "public_ip": e.public_ip,
                "security_groups": list(e.security_groups),
            }
            for e in topo.enis()
        ],
        "peering_connections": [
            {"id": p.id, "requester": p.requester, "accepter": p.accepter, "status": p.status}
            for p in topo.peering_connections.values()
        ],
        "flow_logs": [
            {
                "id": f.id,
                "resource": f.resource,
                "traffic_type": f.traffic_type,
                "max_aggregation_interval": f.max_aggregation_interval,
                "format": f.format.name(),
                "destination": asdict(f.destination),
                "delivery_error": topo.delivery_error(f),
            }
            for f in topo.flow_logs
        ],
    }


def _mid(text: str) -> str:
    """A diagram-safe node id."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", text)


def mermaid(topo: Topology) -> str:
    """A Mermaid ``flowchart`` of the lab."""
    out = ["flowchart LR", '  internet(("internet"))']
    for vpc in topo.vpcs.values():
        blocks = ", ".join(str(c) for c in vpc.cidrs)
        out.append(f'  subgraph {_mid(vpc.id)}["{vpc.id} {blocks}"]')
        router = _mid(vpc.id + "-router")
        out.append(f'    {router}{{"router"}}')
        for sid in topo.subnets_of(vpc.id):
            sub = topo.subnet(sid)
            out.append(f'    subgraph {_mid(sid)}["{sid} {sub.cidr}"]')
            for eni in topo.enis():
                if eni.subnet == sid:
                    owner = eni.instance or eni.nat_gateway or eni.id
                    public = f"<br/>{eni.public_ip}" if eni.public_ip else ""
                    out.append(f'      {_mid(eni.id)}["{owner}<br/>{eni.private_ip}{public}"]')
            out.append("    end")
        igw = topo.internet_gateway_of(vpc.id)
        if igw is not None:
            out.append(f'    {_mid(igw.id)}(["{igw.id}"])')
        out.append("  end")
        for sid in topo.subnets_of(vpc.id):
            table, _ = topo.route_table_of(sid)
            out.append(f"  {_mid(sid)} ---|{table.id}| {router}")
        if igw is not None:
            out.append(f"  {router} --- {_mid(igw.id)} --- internet")
    for pcx in topo.peering_connections.values():
        style = "<-->" if pcx.active else "-.-"
        a, b = _mid(pcx.requester + "-router"), _mid(pcx.accepter + "-router")
        out.append(f"  {a} {style}|{pcx.id} {pcx.status}| {b}")
    return "\n".join(out) + "\n"


def dot(topo: Topology) -> str:
    """A Graphviz ``digraph`` of the lab."""

    def q(text: str) -> str:
        return '"' + text.replace('"', r"\"") + '"'

    out = ["digraph lab {", "  rankdir=LR; compound=true; node [fontname=Helvetica, fontsize=10];"]
    out.append('  internet [shape=doublecircle, label="internet"];')
    for vpc in topo.vpcs.values():
        blocks = ", ".join(str(c) for c in vpc.cidrs)
        out.append(f"  subgraph {q('cluster_' + vpc.id)} {{")
        out.append(f"    label={q(f'{vpc.id} {blocks}')};")
        out.append(f'    {q(vpc.id + "/router")} [shape=diamond, label="router"];')
        for sid in topo.subnets_of(vpc.id):
            sub = topo.subnet(sid)
            out.append(f"    subgraph {q('cluster_' + sid)} {{")
            out.append(f"      label={q(f'{sid} {sub.cidr}')};")
            out.append(f"      {q(sid)} [shape=point, width=0.05];")
            for eni in topo.enis():
                if eni.subnet == sid:
                    owner = eni.instance or eni.nat_gateway or eni.id
                    public = f"\\n{eni.public_ip}" if eni.public_ip else ""
                    out.append(
                        f'      {q(eni.id)} [shape=box, label="{owner}\\n{eni.private_ip}{public}"];'
                    )
            out.append("    }")
        igw = topo.internet_gateway_of(vpc.id)
        if igw is not None:
            out.append(f"    {q(igw.id)} [shape=house];")
        out.append("  }")
        for sid in topo.subnets_of(vpc.id):
            table, _ = topo.route_table_of(sid)
            out.append(f"  {q(sid)} -> {q(vpc.id + '/router')} [dir=both, label={q(table.id)}];")
        if igw is not None:
            out.append(f"  {q(vpc.id + '/router')} -> {q(igw.id)} [dir=both];")
            out.append(f"  {q(igw.id)} -> internet [dir=both];")
    for pcx in topo.peering_connections.values():
        style = "solid" if pcx.active else "dashed"
        out.append(
            f"  {q(pcx.requester + '/router')} -> {q(pcx.accepter + '/router')} "
            f"[dir=both, style={style}, label={q(f'{pcx.id} {pcx.status}')}];"
        )
    out.append("}")
    return "\n".join(out) + "\n"
