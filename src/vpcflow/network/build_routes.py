"""Lab building, part 3: route tables, their targets and the implicit local and main tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcflow.network.addresses import in_reserved_route_range
from vpcflow.network.builder import tags_of
from vpcflow.network.resources import Route, RouteTable, RouteTarget, Vpc

if TYPE_CHECKING:
    from vpcflow.network.builder import LabBuilder, Path


def build_route_tables(b: LabBuilder) -> None:
    mains: dict[str, str] = {}
    for i, t in enumerate(b.lab.route_tables):
        owner = f"route table {t.id}"
        if not b.ref(("route_tables", i, "vpc"), t.id, t.vpc, ["vpcs"], owner, "vpc"):
            continue
        vpc = b.vpcs.get(t.vpc)
        if vpc is None:
            continue
        if t.main:
            if t.vpc in mains:
                b.error(
                    ("route_tables", i, "main"),
                    f"{owner}: vpc {t.vpc} already has main route table {mains[t.vpc]}",
                    t.id,
                    "main",
                )
            else:
                mains[t.vpc] = t.id
        routes: list[Route] = []
        seen: dict[str, int] = {}
        for j, r in enumerate(t.routes):
            route = _route(
                b, ("route_tables", i, "routes", j), t.id, vpc, r.destination, r.target, j
            )
            if route is None:
                continue
            key = route.prefix_list or str(route.cidrs[0])
            if key in seen:
                b.error(
                    ("route_tables", i, "routes", j, "destination"),
                    f"{owner} has two routes for {route.destination}",
                    t.id,
                    "destination",
                )
                continue
            seen[key] = j
            routes.append(route)
        written_local = {str(r.cidrs[0]) for r in routes if r.target.kind == "local"}
        locals_ = [
            Route(str(c), (c,), RouteTarget("local"), origin="CreateRouteTable", order=-1)
            for c in vpc.cidrs
            if str(c) not in written_local
        ]
        _warn_prefix_list_ties(b, i, t.id, routes)
        b.tables[t.id] = RouteTable(
            t.id, t.vpc, tuple(locals_ + routes), t.main, False, t.name, tags_of(t.tags)
        )
    for vpc in b.vpcs.values():
        if vpc.id not in mains:
            tid = f"rtb-main-{vpc.id}"
            local = tuple(
                Route(str(c), (c,), RouteTarget("local"), origin="CreateRouteTable", order=-1)
                for c in vpc.cidrs
            )
            b.tables[tid] = RouteTable(tid, vpc.id, local, True, True)
    for i, s in enumerate(b.lab.subnets):
        if s.route_table is None or s.id not in b.subnets:
            continue
        if not b.ref(
            ("subnets", i, "route_table"),
            s.id,
            s.route_table,
            ["route_tables"],
            f"subnet {s.id}",
            "route_table",
        ):
            b.subnets.pop(s.id)
            continue
        table = b.tables.get(s.route_table)
        if table is not None and table.vpc != s.vpc:
            b.error(
                ("subnets", i, "route_table"),
                f"subnet {s.id} is in {s.vpc} but route table {s.route_table} belongs to {table.vpc}",
                s.id,
                "route_table",
            )
            b.subnets.pop(s.id)


def _route(
    b: LabBuilder, path: Path, tid: str, vpc: Vpc, destination: str, target: str, order: int
) -> Route | None:
    owner = f"route table {tid} route {destination}"
    prefix_list = None
    if destination in b.prefix_lists or destination.startswith("pl-"):
        if not b.ref(
            (*path, "destination"), tid, destination, ["prefix_lists"], owner, "destination"
        ):
            return None
        prefix_list = destination
        cidrs = b.prefix_lists[destination].entries
    else:
        c = b.cidr((*path, "destination"), destination, tid, "destination", f"route table {tid}")
        if c is None:
            return None
        if in_reserved_route_range(c):
            b.error(
                (*path, "destination"),
                f"{owner}: 169.254.168.0/22 is reserved for AWS services and cannot be a route destination",
                tid,
                "destination",
            )
            return None
        cidrs = (c,)
    tgt = _target(b, (*path, "target"), tid, vpc, target, owner)
    if tgt is None:
        return None
    if prefix_list is None:
        c = cidrs[0]
        block = next((b for b in vpc.cidrs if b.covers(c)), None)
        if tgt.kind == "local":
            if block is None or block != c:
                b.error(
                    (*path, "destination"),
                    f"{owner}: a local route's destination must be one of {vpc.id}'s CIDR blocks ({', '.join(map(str, vpc.cidrs))})",
                    tid,
                    "destination",
                )
                return None
        elif block is not None and block == c:
            b.error(
                (*path, "target"),
                f"{owner}: replacing the local route of {c} (middlebox routing) is not supported",
                tid,
                "target",
            )
            return None
        elif block is not None:
            is_subnet = any(s.cidr == c and s.vpc == vpc.id for s in b.subnets.values())
            if not (is_subnet and tgt.kind in ("nat_gateway", "network_interface", "instance")):
                b.error(
                    (*path, "destination"),
                    f"{owner}: a route more specific than the local route {block} must name exactly a subnet CIDR and target a NAT gateway or network interface",
                    tid,
                    "destination",
                )
                return None
    return Route(destination, tuple(cidrs), tgt, prefix_list, "CreateRoute", order)


def _target(
    b: LabBuilder, path: Path, tid: str, vpc: Vpc, target: str, owner: str
) -> RouteTarget | None:
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
    if not b.ref(path, tid, word, list(kinds), owner, "target"):
        return None
    kind = kinds[b.kinds[word]]
    elsewhere = None
    if kind == "internet_gateway":
        igw = b.igws.get(word)
        if igw is not None and igw.vpc is not None and igw.vpc != vpc.id:
            elsewhere = igw.vpc
        elif igw is not None and igw.vpc is None:
            b.warn(path, f"{owner}: {word} is detached, so the route is a blackhole", tid, "target")
    elif kind == "nat_gateway":
        nat = b.nats.get(word)
        elsewhere = nat.vpc if nat is not None and nat.vpc != vpc.id else None
    elif kind == "peering_connection":
        pcx = b.peerings.get(word)
        if pcx is not None and not pcx.joins(vpc.id):
            b.error(
                path,
                f"{owner}: {word} joins {pcx.requester} and {pcx.accepter}, not {vpc.id}",
                tid,
                "target",
            )
            return None
    elif kind == "network_interface":
        eni = b.enis.get(word)
        elsewhere = eni.vpc if eni is not None and eni.vpc != vpc.id else None
    elif kind == "instance":
        inst = b.instances.get(word)
        if inst is not None:
            ivpc = b.subnets[inst.subnet].vpc
            elsewhere = ivpc if ivpc != vpc.id else None
    if elsewhere is not None:
        b.error(path, f"{owner}: target {word} is in {elsewhere}, not in {vpc.id}", tid, "target")
        return None
    return RouteTarget(kind, word)  # type: ignore[arg-type]


def _warn_prefix_list_ties(b: LabBuilder, i: int, tid: str, routes: list[Route]) -> None:
    pls = [r for r in routes if r.prefix_list]
    for a_i, a in enumerate(pls):
        for other in pls[a_i + 1 :]:
            if a.target == other.target:
                continue
            for ca in a.cidrs:
                if any(ca == cb for cb in other.cidrs):
                    b.warn(
                        ("route_tables", i, "routes"),
                        f"route table {tid}: prefix lists {a.prefix_list} and {other.prefix_list} both contain {ca} with different targets; {a.prefix_list} (written first) wins",
                        tid,
                        "routes",
                    )
