"""The Topology API the simulator and the demo rely on, and what the loader fills in by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcflow.network.builder import generated_eni_id
from vpcflow.network.loader import load_lab, load_lab_text
from vpcflow.records.formats import DEFAULT_FORMAT

LABS = Path(__file__).parent / "cases" / "labs"


def test_lookups_and_flow_log_coverage() -> None:
    topo = load_lab(LABS / "n01.yaml")
    nat_eni = topo.eni("eni-0a11c0ffee0000001")
    assert (nat_eni.kind, nat_eni.instance, nat_eni.nat_gateway, nat_eni.private_ip) == (
        "nat_gateway",
        None,
        "nat-1",
        "10.0.0.220",
    )
    app = topo.instance_eni("app-1")
    assert (app.kind, app.instance, app.subnet, app.vpc, app.az) == (
        "instance",
        "app-1",
        "subnet-private",
        "vpc-nat",
        "us-east-1a",
    )
    assert [e.id for e in topo.enis()][-1] == nat_eni.id
    (fl,) = topo.flow_logs_for_eni(nat_eni.id)
    assert fl.destination.type == "s3"
    assert (fl.destination.bucket, fl.destination.prefix, fl.destination.file_format) == (
        "nat-lab-flow-logs",
        "vpcflow",
        "parquet",
    )
    assert fl.destination.hive_compatible and fl.destination.per_hour_partition
    assert fl.format.tokens[-2:] == ("flow-direction", "traffic-path") and fl.format.version == 5
    assert topo.delivery_error(fl) is None
    with pytest.raises(KeyError, match="no instance 'i-9'"):
        topo.instance("i-9")
    with pytest.raises(AttributeError):
        topo.account = "x"  # type: ignore[misc]


def test_defaults_are_filled_in() -> None:
    topo = load_lab_text(
        """
vpcs: [{id: vpc-1, cidr: 10.1.0.0/16}]
subnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.1.1.0/24}]
instances:
  - {id: i-1, subnet: subnet-1, private_ip: 10.1.1.10}
  - {id: i-2, subnet: subnet-1, private_ip: 10.1.1.11, platform: windows}
flow_logs:
  - id: fl-1
    resource: i-1
    destination: {type: s3, bucket: b}
""",
        "lab.yaml",
    )
    assert (topo.account, topo.region) == ("123456789012", "us-east-1")
    table, explicit = topo.route_table_of("subnet-1")
    assert (table.id, table.main, table.implicit, explicit) == ("rtb-main-vpc-1", True, True, False)
    assert topo.network_acl_of("subnet-1").id == "acl-default-vpc-1"
    eni = topo.instance_eni("i-1")
    assert eni.id == generated_eni_id("i-1") == generated_eni_id("i-1")
    assert eni.security_groups == ("sg-default-vpc-1",)
    assert eni.az == "us-east-1a" and topo.instance_eni("i-2").platform == "windows"
    (fl,) = topo.flow_logs
    assert (fl.resource_type, fl.resource_id, fl.traffic_type, fl.max_aggregation_interval) == (
        "network_interface",
        eni.id,
        "ALL",
        600,
    )
    assert fl.format == DEFAULT_FORMAT
    assert topo.flow_logs_for_eni(eni.id) == (fl,)
    assert topo.flow_logs_for_eni(topo.instance("i-2").eni) == ()
    # Members of the implicit default group reach each other; nothing else gets in.
    from vpcflow.network.reach import reach

    assert reach(topo, "i-1", "i-2", "tcp", port=5432).reachable
    assert not reach(topo, "198.51.100.1", "i-1", "icmp").reachable


def test_summary_counts_declared_resources_only() -> None:
    counts = load_lab(LABS / "t0.yaml").summary()
    assert counts["route_tables"] == 2 and counts["network_acls"] == 2
    assert counts["network_interfaces"] == 2 and counts["flow_logs"] == 2
