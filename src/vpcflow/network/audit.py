"""Network Access Analyzer-style findings over a lab (``vpcflow audit``).

Each finding is a path or setting that should probably not exist:

- ``internet-reachable``: an interface port that an internet host reaches,
  proved by the reachability walk from a sample address the security group
  rule admits (a rule that admits everyone is tried from 198.51.100.77);
- ``admin-port-open-to-world``: a security group rule that opens an
  administration or database port (or everything) to ``0.0.0.0/0``/``::/0``;
- ``peering-without-routes`` (no route on either side) and
  ``peering-one-sided`` (requests go, replies cannot come back);
- ``route-to-inactive-peering`` and ``blackhole-route``;
- ``stale-security-group-reference``;
- ``unused-security-group`` (attached to no interface);
- ``flow-log-delivery-error``.

Severity: high for exposure of admin ports and delivery errors, medium for
other exposure and broken routing, low for hygiene.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from vpcflow.network.addresses import ANY_IPV4, Cidr, ip_str, is_private, parse_ipv4
from vpcflow.network.reach import reach
from vpcflow.network.resources import SgRule
from vpcflow.network.topology import Topology

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER = {"high": 3, "medium": 2, "low": 1}

ADMIN_PORTS = {
    22: "SSH",
    3389: "RDP",
    3306: "MySQL",
    5432: "PostgreSQL",
    1433: "SQL Server",
    1521: "Oracle",
    27017: "MongoDB",
    6379: "Redis",
    9200: "Elasticsearch",
    5439: "Redshift",
    11211: "Memcached",
    2375: "Docker API",
}
SAMPLE_INTERNET_HOST = "198.51.100.77"


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: Severity
    resource: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "resource": self.resource,
            "message": self.message,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        return f"[{self.severity}] {self.kind}: {self.message}"


def _sample_address(cidr: Cidr) -> str | None:
    """An internet (non-private) address the CIDR contains, or None."""
    if cidr.version != 4:
        return None
    if cidr.covers(Cidr.host(parse_ipv4(SAMPLE_INTERNET_HOST))):
        return SAMPLE_INTERNET_HOST
    for offset in (1, 0, cidr.size // 2):
        addr = cidr.network + min(offset, cidr.size - 1)
        if not is_private(addr):
            return ip_str(addr)
    return None


def _open_to_world(rule: SgRule) -> bool:
    return rule.cidr is not None and rule.cidr.prefix == 0


def _admin_ports(rule: SgRule) -> list[int]:
    if rule.protocol == -1:
        return sorted(ADMIN_PORTS)
    if rule.protocol != 6:
        return []
    return [p for p in sorted(ADMIN_PORTS) if rule.ports is None or rule.ports.contains(p)]


def audit(topo: Topology) -> list[Finding]:
    """Every finding, most severe first, then by resource id."""
    findings: list[Finding] = []
    findings += _internet_exposure(topo)
    findings += _admin_rules(topo)
    findings += _peering_routes(topo)
    findings += _bad_routes(topo)
    findings += _groups(topo)
    for fl in topo.flow_logs:
        err = topo.delivery_error(fl)
        if err is not None:
            findings.append(
                Finding(
                    "flow-log-delivery-error",
                    "high",
                    fl.id,
                    f"flow log {fl.id} delivers nothing: {err}",
                )
            )
    findings.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], f.kind, f.resource))
    return findings


def _internet_exposure(topo: Topology) -> list[Finding]:
    out: list[Finding] = []
    for eni in topo.enis():
        if eni.public_ip is None or not eni.security_groups:
            continue
        seen: set[tuple[int, str]] = set()
        for gid in eni.security_groups:
            for rule in topo.security_group(gid).ingress:
                source = None
                if rule.cidr is not None:
                    source = _sample_address(rule.cidr)
                elif rule.prefix_list is not None:
                    source = next(
                        (
                            a
                            for c in topo.prefix_list(rule.prefix_list).entries
                            if (a := _sample_address(c))
                        ),
                        None,
                    )
                if source is None:
                    continue
                if rule.protocol in (6, 17):
                    port = rule.ports.low if rule.ports is not None else 0
                    proto: str | int = "tcp" if rule.protocol == 6 else "udp"
                    what = f"{proto} {rule.ports or 'all ports'}"
                elif rule.protocol == 1:
                    port, proto, what = 0, "icmp", "icmp (ping)"
                elif rule.protocol == -1:
                    port, proto, what = 22, "tcp", "all traffic"
                else:
                    continue
                if (rule.protocol, what) in seen:
                    continue
                result = reach(
                    topo, source, eni.id, proto, port=port if proto in ("tcp", "udp") else None
                )
                if not result.reachable:
                    continue
                seen.add((rule.protocol, what))
                admin = (
                    [ADMIN_PORTS[p] for p in _admin_ports(rule)] if rule.protocol in (6, -1) else []
                )
                severity: Severity = (
                    "high" if admin else ("low" if rule.protocol == 1 else "medium")
                )
                owner = eni.instance or eni.id
                out.append(
                    Finding(
                        "internet-reachable",
                        severity,
                        eni.id,
                        f"{owner} ({eni.id}, public {eni.public_ip}) accepts {what} from the internet "
                        f"({rule.peer}, {gid})" + (f" — {', '.join(admin)}" if admin else ""),
                        {
                            "instance": eni.instance,
                            "public_ip": eni.public_ip,
                            "security_group": gid,
                            "rule": str(rule),
                            "checked_from": source,
                        },
                    )
                )
    return out


def _admin_rules(topo: Topology) -> list[Finding]:
    out = []
    for group in topo.security_groups.values():
        for rule in group.ingress:
            if not _open_to_world(rule):
                continue
            ports = _admin_ports(rule)
            if not ports:
                continue
            names = ", ".join(f"{ADMIN_PORTS[p]} {p}" for p in ports)
            members = topo.sg_members(group.id)
            what = "all traffic" if rule.protocol == -1 else names
            out.append(
                Finding(
                    "admin-port-open-to-world",
                    "high" if members else "medium",
                    group.id,
                    f"{group.id} allows {what} from {rule.cidr} ({len(members)} interface"
                    f"{'s' * (len(members) != 1)} attached)",
                    {"rule": str(rule), "ports": ports, "interfaces": list(members)},
                )
            )
    return out


def _peering_routes(topo: Topology) -> list[Finding]:
    out = []
    for pcx in topo.peering_connections.values():
        if not pcx.active:
            continue
        sides = {}
        for vpc in (pcx.requester, pcx.accepter):
            sides[vpc] = [
                t.id
                for t in topo.route_tables.values()
                if t.vpc == vpc and any(r.target.id == pcx.id for r in t.routes)
            ]
        missing = [v for v, tables in sides.items() if not tables]
        if len(missing) == 2:
            out.append(
                Finding(
                    "peering-without-routes",
                    "medium",
                    pcx.id,
                    f"{pcx.id} ({pcx.requester} ↔ {pcx.accepter}) is active but no route table points at it",
                    {"routes": sides},
                )
            )
        elif missing:
            have = next(v for v in sides if v not in missing)
            out.append(
                Finding(
                    "peering-one-sided",
                    "medium",
                    pcx.id,
                    f"{pcx.id}: only {have} routes to it; {missing[0]} has no route back, so replies are lost",
                    {"routes": sides},
                )
            )
    return out


def _bad_routes(topo: Topology) -> list[Finding]:
    out = []
    for table in topo.route_tables.values():
        for route in table.routes:
            usable, why = topo.route_state(route)
            if usable:
                continue
            kind = (
                "route-to-inactive-peering"
                if route.target.kind == "peering_connection"
                else "blackhole-route"
            )
            out.append(
                Finding(
                    kind,
                    "medium",
                    table.id,
                    f"{table.id}: route {route} is a blackhole: {why}",
                    {"route": str(route)},
                )
            )
    return out


def _groups(topo: Topology) -> list[Finding]:
    out = []
    referenced = {
        r.security_group
        for g in topo.security_groups.values()
        for r in (*g.ingress, *g.egress)
        if r.security_group
    }
    for group in topo.security_groups.values():
        if group.implicit:
            continue
        if not topo.sg_members(group.id):
            note = " (other groups reference it)" if group.id in referenced else ""
            out.append(
                Finding(
                    "unused-security-group",
                    "low",
                    group.id,
                    f"{group.id} is attached to no network interface{note}",
                )
            )
        for rule in (*group.ingress, *group.egress):
            ref = rule.security_group
            if ref is None or ref not in topo.security_groups:
                continue
            other = topo.security_group(ref).vpc
            if other != group.vpc and other not in topo.active_peers(group.vpc):
                out.append(
                    Finding(
                        "stale-security-group-reference",
                        "low",
                        group.id,
                        f"{group.id} rule {rule} references {ref} in {other}, which no active peering joins to {group.vpc}: it matches nothing",
                    )
                )
    return out


__all__ = ["ADMIN_PORTS", "ANY_IPV4", "Finding", "audit"]
