"""Route selection: longest prefix match agrees with a brute-force scan; ties and blackholes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcflow.network.addresses import Cidr, parse_ipv4
from vpcflow.network.loader import load_lab_text
from vpcflow.network.resources import Route, RouteTable, RouteTarget
from vpcflow.network.routing import RouteIndex, brute_force_best

# Prefixes drawn from a small space so that random routes overlap often.
prefixes = st.builds(
    lambda net, length: Cidr(4, net & ((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF), length),
    st.integers(0, 2**32 - 1).map(lambda n: (10 << 24) | (n & 0x00FF00FF)),
    st.integers(0, 32),
)


@st.composite
def route_tables(draw: st.DrawFn) -> RouteTable:
    routes = []
    seen: set[Cidr] = set()
    for order, cidr in enumerate(draw(st.lists(prefixes, max_size=25))):
        if cidr in seen:
            continue
        seen.add(cidr)
        routes.append(
            Route(str(cidr), (cidr,), RouteTarget("nat_gateway", f"nat-{order}"), order=order)
        )
    # A few prefix-list routes whose entries may tie with CIDR routes.
    for k, entries in enumerate(
        draw(st.lists(st.lists(prefixes, min_size=1, max_size=3), max_size=3))
    ):
        routes.append(
            Route(
                f"pl-{k}",
                tuple(entries),
                RouteTarget("peering_connection", f"pcx-{k}"),
                prefix_list=f"pl-{k}",
                order=100 + k,
            )
        )
    return RouteTable("rtb-x", "vpc-x", tuple(routes))


@settings(max_examples=300, deadline=None)
@given(
    route_tables(),
    st.lists(
        st.integers(0, 2**32 - 1).map(lambda n: (10 << 24) | (n & 0x00FF00FF)),
        min_size=1,
        max_size=20,
    ),
)
def test_lpm_agrees_with_brute_force(table: RouteTable, addresses: list[int]) -> None:
    index = RouteIndex(table)
    for address in addresses:
        best = index.lookup(address).best
        expected = brute_force_best(table, address)
        assert (best.route if best else None) == expected
        assert (index.best(address).route if index.best(address) else None) == expected  # type: ignore[union-attr]


def test_candidates_are_longest_first_and_cidr_beats_prefix_list_on_a_tie() -> None:
    c16, c24 = Cidr.parse("10.2.0.0/16"), Cidr.parse("10.2.1.0/24")
    table = RouteTable(
        "rtb-1",
        "vpc-1",
        (
            Route(
                "pl-a",
                (c24,),
                RouteTarget("peering_connection", "pcx-a"),
                prefix_list="pl-a",
                order=0,
            ),
            Route("10.2.1.0/24", (c24,), RouteTarget("peering_connection", "pcx-b"), order=1),
            Route("10.2.0.0/16", (c16,), RouteTarget("peering_connection", "pcx-c"), order=2),
        ),
    )
    look = RouteIndex(table).lookup(parse_ipv4("10.2.1.9"))
    assert [str(c.route.target) for c in look.candidates] == ["pcx-b", "pcx-a", "pcx-c"]
    assert RouteIndex(table).lookup(parse_ipv4("10.3.0.1")).best is None


def test_blackhole_more_specific_route_does_not_fall_back() -> None:
    topo = load_lab_text(
        """
vpcs: [{id: vpc-1, cidr: 10.1.0.0/16}, {id: vpc-2, cidr: 10.2.0.0/16}]
peering_connections: [{id: pcx-12, requester: vpc-1, accepter: vpc-2, status: pending-acceptance},
                      {id: pcx-old, requester: vpc-1, accepter: vpc-2, status: deleted}]
internet_gateways: [{id: igw-1}]
route_tables:
  - id: rtb-1
    vpc: vpc-1
    main: true
    routes:
      - {destination: 10.2.0.0/16, target: pcx-12}
      - {destination: 10.2.1.7/32, target: blackhole}
      - {destination: 0.0.0.0/0, target: igw-1}
      - {destination: 10.3.0.0/16, target: pcx-old}
""",
        "lab.yaml",
    )
    index = topo.route_index("rtb-1")
    hit = index.lookup(parse_ipv4("10.2.1.7")).best
    assert hit is not None and str(hit.route) == "10.2.1.7/32 → blackhole" and not hit.usable
    hit = index.lookup(parse_ipv4("10.2.1.8")).best
    assert (
        hit is not None
        and not hit.usable
        and hit.reason == "pcx-12 is pending-acceptance, not active"
    )
    hit = index.lookup(parse_ipv4("8.8.8.8")).best
    assert hit is not None and hit.reason == "igw-1 is not attached to any VPC"
    assert any("detached" in w.message for w in topo.warnings)
