"""The reach API beyond the spec cases: the seed story, query resolution, NAT, appliances, properties."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.errors import UsageError
from vpcflow.network.loader import load_lab, load_lab_text
from vpcflow.network.reach import OutOfScopeError, choose_source_port, reach
from vpcflow.network.topology import Topology

LABS = Path(__file__).parent / "cases" / "labs"
T1 = yaml.safe_load((LABS / "t1.yaml").read_text())


def packaged(name: str) -> Topology:
    return load_lab(Path(str(resources.files("vpcflow.examples") / name)))


def lab(data: dict[str, Any]) -> Topology:
    return load_lab_text(json.dumps(data), "lab.json")


def test_seed_story_before_the_fix() -> None:
    """DESIGN.md step 3: the private ping fails; VPC 2's route table and the missing peering are named."""
    topo = packaged("seed-lab.yaml")
    result = reach(topo, "instance-2", "10.1.1.133", "icmp")
    assert not result.reachable
    first = result.blockers[0]
    assert (first.component, first.leg, first.code) == (
        "rtb-2",
        "forward",
        "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
    )
    assert "vpc-2 and vpc-1 are not peered" in first.message
    assert "create-vpc-peering-connection --vpc-id vpc-1 --peer-vpc-id vpc-2" in first.fix.cli
    assert (
        "create-route --route-table-id rtb-2 --destination-cidr-block 10.1.0.0/16" in first.fix.cli
    )
    assert "peering_connections: add {id: pcx-1-2" in first.fix.lab
    # The return route is missing too, and its fix reuses the peering proposed above.
    second = result.blockers[1]
    assert (second.component, second.leg) == ("rtb-1", "return")
    assert "create-vpc-peering-connection" not in second.fix.cli
    text = str(result)
    assert "UNREACHABLE: 2 blockers." in text and "✗ route-table rtb-2" in text
    # Pinging the public IP works (DESIGN.md step 3, second half).
    assert reach(topo, "instance-2", "3.80.10.20", "icmp").reachable


def test_seed_story_after_the_fix_draws_both_legs() -> None:
    topo = packaged("seed-lab-peered.yaml")
    result = reach(topo, "instance-2", "10.1.1.133", "icmp")
    assert result.reachable and result.blockers == ()
    kinds = [h.kind for h in result.forward]
    assert kinds == [
        "network-interface",
        "security-group",
        "network-acl",
        "route-table",
        "peering-connection",
        "network-acl",
        "security-group",
        "network-interface",
    ]
    assert [h.kind for h in result.return_] == kinds
    assert result.return_[3].rule == "10.2.0.0/16 → pcx-1-2"
    doc = result.to_dict()
    assert doc["reachable"] is True and len(doc["forward"]) == 8 and doc["blockers"] == []
    assert json.loads(json.dumps(doc)) == doc


def test_seed_scanner_record_is_a_reject_on_instance_1() -> None:
    """The seed's example record: 143.110.152.75:56142 -> 10.1.1.133:20167 on eni-0ba4fb34d7e9a41ff."""
    topo = packaged("seed-lab.yaml")
    result = reach(topo, "143.110.152.75", "3.80.10.20", "tcp", port=20167, source_port=56142)
    forward, ret = result.observations()
    assert ret is None
    (obs,) = forward
    assert (obs.eni, obs.srcaddr, obs.dstaddr, obs.srcport, obs.dstport, obs.action) == (
        "eni-0ba4fb34d7e9a41ff",
        "143.110.152.75",
        "10.1.1.133",
        56142,
        20167,
        "REJECT",
    )


@pytest.mark.parametrize(
    ("source", "destination", "protocol", "port", "match"),
    [
        ("i-1", "10.2.1.20", "tcp", None, "needs a destination port"),
        ("i-1", "10.2.1.20", "icmp", 22, "ICMP has no ports"),
        ("i-1", "fe80::1", "icmp", None, "IPv6"),
        ("i-1", "10.2.1.20", "icmpv6", None, "IPv4 only"),
        ("i-1", "i-nope", "icmp", None, "not an instance, network interface or NAT gateway id"),
        ("i-1", "i-1", "icmp", None, "the same interface"),
        ("198.51.100.1", "198.51.100.2", "icmp", None, "neither"),
        ("i-1", "10.2.1.20", "all", None, "not a packet"),
        ("i-1", "10.2.1.20", "bogus", None, "unknown protocol"),
    ],
)
def test_bad_questions_are_usage_errors(
    source: str, destination: str, protocol: str, port: int | None, match: str
) -> None:
    topo = load_lab(LABS / "t1.yaml")
    with pytest.raises(UsageError, match=match):
        reach(topo, source, destination, protocol, port=port)


@pytest.mark.parametrize("address", ["10.2.1.1", "10.2.1.2", "10.2.1.255", "169.254.169.254"])
def test_reserved_and_link_local_destinations_are_out_of_scope(address: str) -> None:
    with pytest.raises(OutOfScopeError, match="not filtered by security groups"):
        reach(load_lab(LABS / "t1.yaml"), "i-1", address, "icmp")


def test_sources_and_destinations_resolve_by_id_ip_and_public_ip() -> None:
    topo = load_lab(LABS / "t1.yaml")
    by_id = reach(topo, "i-1", "i-2", "icmp")
    assert by_id.reachable and by_id.query.packet.dst_ip == "10.2.1.20"
    assert reach(topo, "eni-1", "10.2.1.20", "icmp").reachable
    assert reach(topo, "10.1.1.10", "eni-2", "icmp").reachable
    via_public = reach(topo, "203.0.113.10", "203.0.113.20", "icmp")
    assert via_public.reachable and via_public.query.packet.src_ip == "10.1.1.10"
    # An internet host asking for an instance by id reaches its public IP.
    scan = reach(topo, "198.51.100.77", "i-2", "tcp", port=22)
    assert scan.reachable and scan.query.packet.dst_ip == "203.0.113.20"


def test_source_port_is_stable_and_in_the_platform_range() -> None:
    topo = load_lab(LABS / "t1.yaml")
    a = reach(topo, "i-1", "10.2.1.20", "tcp", port=22).source_port
    b = reach(topo, "i-1", "10.2.1.20", "tcp", port=22).source_port
    assert a == b and a is not None and 32768 <= a <= 60999
    assert 49152 <= choose_source_port("windows", "x") <= 65535
    assert reach(topo, "i-1", "10.2.1.20", "tcp", port=22, source_port=40312).source_port == 40312


def test_windows_clients_need_a_different_ephemeral_range() -> None:
    data = copy.deepcopy(T1)
    data["instances"][0]["platform"] = "windows"
    # Replies may come back to 1024-49151 only (an ACL written for old Windows/Linux ranges).
    data["network_acls"][0]["ingress"] = [
        {
            "rule": 90,
            "protocol": "tcp",
            "ports": "49152-65535",
            "cidr": "0.0.0.0/0",
            "action": "deny",
        },
        {
            "rule": 100,
            "protocol": "tcp",
            "ports": "1024-65535",
            "cidr": "10.2.0.0/16",
            "action": "allow",
        },
    ]
    result = reach(lab(data), "i-1", "10.2.1.20", "tcp", port=22)
    assert result.source_port is not None and result.source_port >= 49152
    assert [(b.component, b.leg, b.rule) for b in result.blockers] == [("acl-1", "return", "90")]
    data["instances"][0]["platform"] = "linux"
    linux = reach(lab(data), "i-1", "10.2.1.20", "tcp", port=22)
    assert linux.source_port is not None and 32768 <= linux.source_port < 49152
    assert linux.reachable


def test_nat_lab_answers() -> None:
    topo = packaged("nat-lab.yaml")
    out = reach(topo, "app-1", "203.0.113.5", "tcp", port=443)
    assert out.reachable
    assert [h.component for h in out.forward if h.kind == "nat-gateway"] == ["nat-1"]
    # The internet cannot start a connection through the NAT gateway.
    inbound = reach(topo, "198.51.100.7", "52.20.30.40", "tcp", port=22)
    assert [b.code for b in inbound.blockers] == ["NO_POSSIBLE_DESTINATION"]
    assert inbound.blockers[0].component == "nat-1"
    # A database that only trusts the app's group refuses the bastion, and the fix says how.
    db = reach(topo, "bastion", "db-1", "tcp", port=5432)
    assert [b.code for b in db.blockers] == ["ENI_SG_RULES_MISMATCH"]
    assert "or from sg-bastion" in db.blockers[0].message
    assert "authorize-security-group-ingress --group-id sg-db" in db.blockers[0].fix.cli
    assert reach(topo, "app-1", "db-1", "tcp", port=5432).reachable


APPLIANCE = {
    "vpcs": [{"id": "vpc-a", "cidr": "10.0.0.0/16"}],
    "subnets": [
        {"id": "sub-client", "vpc": "vpc-a", "cidr": "10.0.1.0/24", "route_table": "rtb-client"},
        {"id": "sub-fw", "vpc": "vpc-a", "cidr": "10.0.2.0/24"},
        {"id": "sub-server", "vpc": "vpc-a", "cidr": "10.0.3.0/24", "route_table": "rtb-server"},
    ],
    "route_tables": [
        {
            "id": "rtb-client",
            "vpc": "vpc-a",
            "routes": [{"destination": "10.0.3.0/24", "target": "fw"}],
        },
        {
            "id": "rtb-server",
            "vpc": "vpc-a",
            "routes": [{"destination": "10.0.1.0/24", "target": "fw"}],
        },
    ],
    "security_groups": [
        {"id": "sg-client", "vpc": "vpc-a"},
        {"id": "sg-fw", "vpc": "vpc-a", "ingress": [{"protocol": "all", "cidr": "10.0.0.0/16"}]},
        {
            "id": "sg-server",
            "vpc": "vpc-a",
            "ingress": [{"protocol": "tcp", "ports": 443, "security_group": "sg-client"}],
        },
    ],
    "instances": [
        {
            "id": "client",
            "subnet": "sub-client",
            "private_ip": "10.0.1.10",
            "security_groups": ["sg-client"],
        },
        {
            "id": "fw",
            "subnet": "sub-fw",
            "private_ip": "10.0.2.10",
            "security_groups": ["sg-fw"],
            "source_dest_check": False,
        },
        {
            "id": "server",
            "subnet": "sub-server",
            "private_ip": "10.0.3.10",
            "security_groups": ["sg-server"],
        },
    ],
}


def test_appliance_routing_and_sg_references() -> None:
    result = reach(lab(APPLIANCE), "client", "server", "tcp", port=443)
    # Through the firewall the client's group identity is lost (§6.4).
    assert [b.code for b in result.blockers] == ["SG_REFERENCES_NOT_PRESERVED"]
    fw = lab(APPLIANCE).instance("fw").eni
    assert [h.component for h in result.forward if h.action == "forwarded"] == [fw]
    fixed = copy.deepcopy(APPLIANCE)
    fixed["security_groups"][2]["ingress"] = [
        {"protocol": "tcp", "ports": 443, "cidr": "10.0.1.0/24"}
    ]
    ok = reach(lab(fixed), "client", "server", "tcp", port=443)
    assert ok.reachable
    forward, ret = ok.observations()
    fw_eni = lab(fixed).instance("fw").eni
    assert [(o.eni, o.direction) for o in forward] == [
        (lab(fixed).instance("client").eni, "egress"),
        (fw_eni, "ingress"),
        (fw_eni, "egress"),
        (lab(fixed).instance("server").eni, "ingress"),
    ]
    assert ret is not None and len(ret) == 4
    checked = copy.deepcopy(fixed)
    checked["instances"][1]["source_dest_check"] = True
    assert [b.code for b in reach(lab(checked), "client", "server", "tcp", port=443).blockers] == [
        "ENI_SOURCE_DEST_CHECK_RESTRICTION",
        "ENI_SOURCE_DEST_CHECK_RESTRICTION",
    ]


def test_one_way_icmp_and_udp_wording() -> None:
    topo = load_lab(LABS / "t1.yaml")
    unreachable = reach(topo, "i-1", "10.2.1.20", "icmp", icmp_type=3)
    assert unreachable.reachable and unreachable.return_ == ()
    assert unreachable.observations()[1] is None
    udp = reach(load_lab(LABS / "c40b.yaml"), "i-1", "10.2.1.20", "udp", port=53)
    assert "UDP: delivered, no return path" in str(udp)


def test_observations_stop_at_the_first_real_drop_but_blockers_continue() -> None:
    data = copy.deepcopy(T1)
    data["security_groups"][0]["egress"] = []  # sg-1: no outbound rules
    data["security_groups"][1]["ingress"] = []  # sg-2: no inbound rules
    result = reach(lab(data), "i-1", "10.2.1.20", "icmp")
    assert [(b.component, b.code) for b in result.blockers] == [
        ("sg-1", "SG_HAS_NO_RULES"),
        ("sg-2", "SG_HAS_NO_RULES"),
    ]
    forward, ret = result.observations()
    assert [(o.eni, o.action) for o in forward] == [("eni-1", "REJECT")] and ret is None
    assert all(h.assumed for h in result.forward[3:])


# -- property: opening everything never breaks a working path ------------------------

ports = st.sampled_from([22, 53, 443, 3389, 40312])
rule_protocols = st.sampled_from(["tcp", "udp", "icmp", "all"])
cidrs = st.sampled_from(["0.0.0.0/0", "10.1.0.0/16", "10.2.0.0/16", "10.0.0.0/8", "203.0.113.0/24"])


@st.composite
def sg_rules(draw: st.DrawFn) -> dict[str, Any]:
    proto = draw(rule_protocols)
    rule: dict[str, Any] = {"protocol": proto, "cidr": draw(cidrs)}
    if proto in ("tcp", "udp") and draw(st.booleans()):
        low = draw(ports)
        rule["ports"] = f"{low}-{draw(st.sampled_from([low, 65535]))}"
    return rule


@st.composite
def nacl_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    numbers = draw(st.lists(st.integers(1, 300), unique=True, max_size=4))
    out = []
    for n in numbers:
        rule = draw(sg_rules())
        rule.update(rule=n, action=draw(st.sampled_from(["allow", "deny"])))
        out.append(rule)
    return out


@st.composite
def random_labs(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(T1)
    for group in data["security_groups"]:
        group["ingress"] = draw(st.lists(sg_rules(), max_size=3))
        group["egress"] = draw(st.lists(sg_rules(), max_size=3))
    for acl in data["network_acls"]:
        acl["ingress"] = draw(nacl_rules())
        acl["egress"] = draw(nacl_rules())
    return data


queries = st.sampled_from(
    [
        ("i-1", "10.2.1.20", "icmp", None),
        ("i-1", "10.2.1.20", "tcp", 22),
        ("i-2", "10.1.1.10", "udp", 53),
        ("i-1", "203.0.113.20", "tcp", 443),
        ("198.51.100.7", "i-1", "tcp", 3389),
    ]
)


def open_everything(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Add allow-all rules everywhere; True when each ACL's new rule comes before all others."""
    wide = copy.deepcopy(data)
    first_everywhere = True
    for group in wide["security_groups"]:
        group["ingress"].append({"protocol": "all", "cidr": "0.0.0.0/0"})
        group["egress"].append({"protocol": "all", "cidr": "0.0.0.0/0"})
    for acl in wide["network_acls"]:
        for direction in ("ingress", "egress"):
            used = {r["rule"] for r in acl[direction]}
            lowest = min(used, default=400)
            number = lowest - 1 if lowest > 1 else min(n for n in range(1, 400) if n not in used)
            first_everywhere &= number < lowest
            acl[direction].append(
                {"rule": number, "protocol": "all", "cidr": "0.0.0.0/0", "action": "allow"}
            )
    return wide, first_everywhere


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_labs(), queries, st.integers(0, 3))
def test_adding_allow_all_rules_never_breaks_reachability(
    data: dict[str, Any], query: tuple[str, str, str, int | None], where: int
) -> None:
    source, destination, protocol, port = query
    before = reach(lab(data), source, destination, protocol, port=port, source_port=40312)
    wide = copy.deepcopy(data)
    # Add an allow-all rule to one place only (one group or one ACL direction) ...
    target, first_everywhere = open_everything(data)
    if where == 0:
        wide["security_groups"] = target["security_groups"]
    elif where == 1:
        wide["network_acls"] = target["network_acls"]
    else:
        wide = target
    after = reach(lab(wide), source, destination, protocol, port=port, source_port=40312)
    if before.reachable:
        assert after.reachable
    assert len(after.blockers) <= len(before.blockers)
    if where == 2 and first_everywhere:
        # ... and with every filter opened ahead of all other rules, the T1 paths all work.
        assert after.reachable
