"""Route selection in one VPC route table (vpc-semantics.md §3.3).

A :class:`RouteIndex` is built once per table: IPv4 routes are bucketed by
prefix length into dicts keyed by the masked network, so a lookup is at most
33 dict probes, longest prefix first. Prefix-list routes are expanded into
their entries. Ties on an identical prefix: a static CIDR route beats a
prefix-list route; between prefix lists the route written first wins (AWS is
arbitrary but stable; the loader warns about such ties).

Modeling decision (§3.3 step 4): a selected route in state ``blackhole`` drops
the packet; the router never falls back to a less specific route.

>>> from vpcflow.network.resources import Route, RouteTable, RouteTarget
>>> from vpcflow.network.addresses import Cidr, parse_ipv4
>>> def r(dst, kind, tid, n):
...     return Route(dst, (Cidr.parse(dst),), RouteTarget(kind, tid), order=n)
>>> table = RouteTable("rtb-1", "vpc-1", (r("10.1.0.0/16", "local", None, 0),
...     r("0.0.0.0/0", "internet_gateway", "igw-1", 1),
...     r("10.2.0.0/16", "peering_connection", "pcx-12", 2)))
>>> index = RouteIndex(table)
>>> str(index.lookup(parse_ipv4("10.2.1.20")).best.route)
'10.2.0.0/16 → pcx-12'
>>> [str(c.route) for c in index.lookup(parse_ipv4("10.2.1.20")).candidates]
['10.2.0.0/16 → pcx-12', '0.0.0.0/0 → igw-1']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vpcflow.network.addresses import Cidr
from vpcflow.network.resources import Route, RouteTable

# (usable, reason-when-not) for a route's target, decided by the topology.
StateFn = Callable[[Route], tuple[bool, str | None]]


@dataclass(frozen=True)
class Candidate:
    """A route whose destination contains the address, through ``cidr``."""

    route: Route
    cidr: Cidr
    usable: bool = True
    reason: str | None = None
    """Why the route is a blackhole (target detached, deleted, not active)."""

    @property
    def via_prefix_list(self) -> bool:
        return self.route.prefix_list is not None


@dataclass(frozen=True)
class RouteLookup:
    """The selected route (``best``) and every route that matched, best first."""

    best: Candidate | None
    candidates: tuple[Candidate, ...]

    @property
    def shadowed(self) -> tuple[Candidate, ...]:
        """Matching routes that lost to ``best`` (RA: MORE_SPECIFIC_ROUTE / HIGHER_PRIORITY_ROUTE)."""
        return self.candidates[1:]


def _always_usable(route: Route) -> tuple[bool, str | None]:
    return True, None


class RouteIndex:
    """Longest-prefix-match lookups over one route table's IPv4 routes."""

    def __init__(self, table: RouteTable, state: StateFn = _always_usable) -> None:
        self.table = table
        buckets: dict[int, dict[int, list[Candidate]]] = {}
        for route in table.routes:
            usable, reason = state(route)
            for cidr in route.cidrs:
                if cidr.version != 4:
                    continue
                cand = Candidate(route, cidr, usable, reason)
                buckets.setdefault(cidr.prefix, {}).setdefault(cidr.network, []).append(cand)
        for by_net in buckets.values():
            for cands in by_net.values():
                cands.sort(key=_priority)
        self._lengths = sorted(buckets, reverse=True)
        self._masks = {n: ((1 << 32) - 1) ^ ((1 << (32 - n)) - 1) for n in self._lengths}
        self._buckets = buckets

    def lookup(self, address: int) -> RouteLookup:
        """Every route containing ``address``, longest prefix first; ``best`` is the first."""
        found: list[Candidate] = []
        for length in self._lengths:
            cands = self._buckets[length].get(address & self._masks[length])
            if cands:
                found.extend(cands)
        # The same route can match twice through two overlapping prefix-list entries.
        seen: set[int] = set()
        unique = []
        for c in found:
            if id(c.route) not in seen:
                seen.add(id(c.route))
                unique.append(c)
        return RouteLookup(unique[0] if unique else None, tuple(unique))

    def best(self, address: int) -> Candidate | None:
        """The selected route only (the fast path of :meth:`lookup`)."""
        for length in self._lengths:
            cands = self._buckets[length].get(address & self._masks[length])
            if cands:
                return cands[0]
        return None

    def routes_to(self, target_id: str) -> tuple[Route, ...]:
        return tuple(r for r in self.table.routes if r.target.id == target_id)


def _priority(c: Candidate) -> tuple[int, int]:
    # Local routes first (they cannot tie with anything valid), then static
    # CIDR routes, then prefix-list routes in the order written.
    if c.route.target.kind == "local":
        return (0, c.route.order)
    return (2 if c.via_prefix_list else 1, c.route.order)


def brute_force_best(table: RouteTable, address: int) -> Route | None:
    """Reference implementation of route selection, for property tests: scan every route."""
    best: tuple[int, tuple[int, int], Route] | None = None
    for route in table.routes:
        for cidr in route.cidrs:
            if cidr.version == 4 and cidr.contains(address):
                key = (-cidr.prefix, _priority(Candidate(route, cidr)))
                if best is None or (key[0], key[1]) < (best[0], best[1]):
                    best = (key[0], key[1], route)
    return None if best is None else best[2]
