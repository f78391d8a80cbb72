"""The example labs ship inside the package and as identical copies in the repository's examples/."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from vpcflow.network.loader import load_lab

EXAMPLES = ("seed-lab.yaml", "seed-lab-peered.yaml", "nat-lab.yaml")
REPO_EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize("name", EXAMPLES)
def test_packaged_example_loads_cleanly_and_matches_the_repository_copy(name: str) -> None:
    packaged = resources.files("vpcflow.examples") / name
    topo = load_lab(Path(str(packaged)))
    assert topo.warnings == ()
    assert (REPO_EXAMPLES / name).read_bytes() == packaged.read_bytes()


def test_seed_lab_has_the_design_values() -> None:
    topo = load_lab(Path(str(resources.files("vpcflow.examples") / "seed-lab.yaml")))
    assert (topo.account, topo.region) == ("394971810761", "us-east-1")
    one = topo.instance_eni("instance-1")
    assert (one.id, one.private_ip, one.vpc) == ("eni-0ba4fb34d7e9a41ff", "10.1.1.133", "vpc-1")
    assert topo.instance_eni("instance-2").private_ip == "10.2.0.73"
    assert [str(r) for r in topo.route_table("rtb-2").routes] == [
        "10.2.0.0/16 → local",
        "0.0.0.0/0 → igw-2",
    ]
    (fl,) = topo.flow_logs_for_eni(one.id)
    assert (fl.resource, fl.traffic_type, fl.destination.log_group) == (
        "vpc-1",
        "ALL",
        "vpc-flow-logs-lab",
    )
    assert topo.delivery_error(fl) is None
    assert topo.flow_logs_for_eni(topo.instance("instance-2").eni) == ()
    assert topo.peering_connections == {}
    peered = load_lab(Path(str(resources.files("vpcflow.examples") / "seed-lab-peered.yaml")))
    assert peered.peering_connection("pcx-1-2").active
