"""Loading lab files: every error names file, line, resource id and key; warnings never stop a load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcflow.errors import TopologyError
from vpcflow.network.loader import LabValidationError, load_lab, load_lab_text

HERE = Path(__file__).parent
BASE = (HERE / "cases" / "labs" / "t0.yaml").read_text()

MINIMAL = """\
vpcs:
  - {id: vpc-1, cidr: 10.1.0.0/16}
subnets:
  - {id: subnet-1, vpc: vpc-1, cidr: 10.1.1.0/24}
instances:
  - id: i-1
    subnet: subnet-1
    private_ip: 10.1.1.10
"""


def error_of(text: str) -> TopologyError:
    with pytest.raises(TopologyError) as info:
        load_lab_text(text, "lab.yaml")
    return info.value


# (lab text, line, column or None, resource, key, words the message must contain)
BAD_LABS = [
    pytest.param(
        MINIMAL + "    privte_ip: 10.1.1.11\n",
        9,
        5,
        "i-1",
        "privte_ip",
        ["unknown key 'privte_ip'", "did you mean 'private_ip'"],
        id="unknown-key",
    ),
    pytest.param(
        MINIMAL.replace("    private_ip: 10.1.1.10\n", ""),
        6,
        None,
        "i-1",
        "private_ip",
        ["missing required key 'private_ip'"],
        id="missing-key",
    ),
    pytest.param(
        MINIMAL + "    subnet: subnet-1\n",
        9,
        5,
        None,
        "subnet",
        ["'subnet' appears twice", "first on line 7"],
        id="duplicate-yaml-key",
    ),
    pytest.param(
        MINIMAL.replace("id: subnet-1", "id: vpc-1"),
        4,
        None,
        "vpc-1",
        "id",
        ["duplicate id 'vpc-1'"],
        id="duplicate-id",
    ),
    pytest.param(
        MINIMAL.replace("10.1.0.0/16", "10.1.0.0/33"),
        2,
        None,
        "vpc-1",
        "cidr",
        ["not a valid CIDR"],
        id="bad-cidr",
    ),
    pytest.param(
        MINIMAL.replace("10.1.0.0/16", "10.0.0.0/8"),
        2,
        None,
        "vpc-1",
        "cidr",
        ["between /16 and /28"],
        id="vpc-too-big",
    ),
    pytest.param(
        MINIMAL.replace("10.1.1.0/24", "10.2.1.0/24"),
        4,
        None,
        "subnet-1",
        "cidr",
        ["outside vpc vpc-1"],
        id="subnet-outside-vpc",
    ),
    pytest.param(
        MINIMAL.replace("10.1.1.10", "10.1.2.10"),
        8,
        5,
        "i-1",
        "private_ip",
        ["outside subnet subnet-1"],
        id="ip-outside-subnet",
    ),
    pytest.param(
        MINIMAL.replace("10.1.1.10", "10.1.1.1"),
        8,
        5,
        "i-1",
        "private_ip",
        ["reserved", "VPC router"],
        id="reserved-ip",
    ),
    pytest.param(
        MINIMAL.replace("subnet: subnet-1", "subnet: subnet-9"),
        7,
        5,
        "i-1",
        "subnet",
        ["'subnet-9', which is not defined"],
        id="dangling-reference",
    ),
    pytest.param(
        MINIMAL.replace("subnet: subnet-1", "subnet: vpc-1"),
        7,
        5,
        "i-1",
        "subnet",
        ["is a vpc, not a subnet"],
        id="wrong-kind",
    ),
    pytest.param(
        MINIMAL + "    platform: solaris\n",
        9,
        5,
        "i-1",
        "platform",
        ["platform", "'linux' or 'windows'"],
        id="bad-enum",
    ),
    pytest.param(
        "vpcs: [{id: vpc-1, cidr: 10.1.0.0/16}]\nvpc: []\n",
        2,
        1,
        None,
        "vpc",
        ["unknown key 'vpc'", "did you mean 'vpcs'"],
        id="unknown-top-level-key",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "resource", "key", "words"), BAD_LABS)
def test_errors_name_file_line_resource_and_key(
    text: str, line: int, column: int | None, resource: str | None, key: str, words: list[str]
) -> None:
    err = error_of(text)
    assert err.path == "lab.yaml"
    assert err.line == line
    if column is not None:
        assert err.column == column
    assert err.resource == resource
    assert err.key == key
    for word in words:
        assert word in err.message
    assert err.one_line().startswith(f"lab.yaml:{line}:")


def test_semantic_errors_on_t0_variants() -> None:
    lab = yaml.safe_load(BASE)
    lab["route_tables"][0]["main"] = True
    lab["route_tables"][1]["vpc"] = "vpc-1"
    lab["route_tables"][1]["main"] = True
    err = error_of(yaml.safe_dump(lab))
    assert isinstance(err, LabValidationError)
    messages = [p.message for p in err.problems]
    assert any("already has main route table rtb-1" in m for m in messages)
    assert any("target igw-2 is in vpc-2, not in vpc-1" in m for m in messages)
    assert "more problem" in err.message


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda lab: lab["network_acls"][0]["ingress"].append(
                {"rule": 100, "protocol": "tcp", "cidr": "0.0.0.0/0", "action": "deny"}
            ),
            ["ingress rule number 100 is used twice"],
        ),
        (
            lambda lab: lab.setdefault("peering_connections", []).append(
                {"id": "pcx-11", "requester": "vpc-1", "accepter": "vpc-1"}
            ),
            ["joins vpc-1 with itself"],
        ),
        (
            lambda lab: lab["route_tables"][0]["routes"].append(
                {"destination": "10.1.1.0/24", "target": "igw-1"}
            ),
            ["more specific than the local route"],
        ),
        (
            lambda lab: lab["route_tables"][0]["routes"].append(
                {"destination": "10.1.0.0/16", "target": "igw-1"}
            ),
            ["replacing the local route of 10.1.0.0/16", "not supported"],
        ),
        (
            lambda lab: lab["route_tables"][0]["routes"].append(
                {"destination": "0.0.0.0/0", "target": "blackhole"}
            ),
            ["two routes for 0.0.0.0/0"],
        ),
        (
            lambda lab: lab["security_groups"][0]["ingress"].append(
                {"protocol": "icmp", "ports": 22, "cidr": "0.0.0.0/0"}
            ),
            ["ports apply to tcp and udp only"],
        ),
        (
            lambda lab: lab["security_groups"][0]["ingress"].append(
                {"protocol": "tcp", "ports": 22, "cidr": "0.0.0.0/0", "security_group": "sg-1"}
            ),
            ["exactly one of cidr, security_group, prefix_list"],
        ),
        (
            lambda lab: lab["security_groups"][0]["ingress"].append(
                {"protocol": "tcp", "ports": 22, "security_group": "sg-2"}
            ),
            ["references sg-2 in vpc-2, which is not peered with vpc-1"],
        ),
        (
            lambda lab: lab["instances"][1].update(public_ip="203.0.113.10"),
            ["already mapped to i-1"],
        ),
        (
            lambda lab: lab["flow_logs"][0].update(format="${version} ${srcaddr} ${srcaddr}"),
            ["appears twice in flow log format"],
        ),
        (
            lambda lab: lab["flow_logs"][0]["destination"].update(bucket="b"),
            ["bucket applies to an s3 destination only"],
        ),
        (
            lambda lab: lab.update(account=12345),
            ["must be 12 digits", "quote it"],
        ),
    ],
)
def test_semantic_errors(edit: object, words: list[str]) -> None:
    lab = yaml.safe_load(BASE)
    edit(lab)  # type: ignore[operator]
    err = error_of(yaml.safe_dump(lab, sort_keys=False))
    assert err.line is not None
    for word in words:
        assert word in err.message


def test_yaml_syntax_error_has_position() -> None:
    err = error_of("vpcs:\n  - {id: vpc-1, cidr: [\n")
    assert err.message.startswith("YAML syntax error")
    assert err.line == 3


def test_json_lab_loads_like_yaml_and_errors_have_lines(tmp_path: Path) -> None:
    lab = yaml.safe_load(BASE)
    path = tmp_path / "t0.json"
    path.write_text(json.dumps(lab, indent=2))
    topo = load_lab(path)
    assert topo.instance_eni("i-2").private_ip == "10.2.1.20"
    lab["instances"][0]["private_ip"] = "10.1.9.10"
    path.write_text(json.dumps(lab, indent=2))
    with pytest.raises(TopologyError) as info:
        load_lab(path)
    text = path.read_text().splitlines()
    assert '"private_ip": "10.1.9.10"' in text[info.value.line - 1]  # type: ignore[operator]
    path.write_text('{"vpcs": [}')
    with pytest.raises(TopologyError, match="JSON syntax error") as info:
        load_lab(path)
    assert info.value.line == 1


def test_missing_file_is_a_topology_error(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="lab file not found"):
        load_lab(tmp_path / "nope.yaml")


def test_host_bits_are_canonicalised_with_a_warning() -> None:
    topo = load_lab_text(MINIMAL.replace("10.1.0.0/16", "10.1.0.5/16"), "lab.yaml")
    assert str(topo.vpc("vpc-1").cidr) == "10.1.0.0/16"
    (warning,) = topo.warnings
    assert warning.line == 2 and "host bits" in warning.message


ROLE_CASES = [
    ("flow-logs-role", None),
    ("nope", "Access error: IAM role 'nope' does not exist"),
]


def _lab_with_role(trust_service: str, actions: list[str], role: str = "flow-logs-role") -> str:
    lab = yaml.safe_load(BASE)
    lab["iam_roles"][0]["trust_policy"]["Statement"][0]["Principal"]["Service"] = trust_service
    lab["iam_roles"][0]["policies"][0]["Statement"][0]["Action"] = actions
    for fl in lab["flow_logs"]:
        fl["destination"]["role"] = role
    return yaml.safe_dump(lab, sort_keys=False)


@pytest.mark.parametrize(
    ("service", "actions", "role", "expected"),
    [
        (
            "vpc-flow-logs.amazonaws.com",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            "flow-logs-role",
            None,
        ),
        ("vpc-flow-logs.amazonaws.com", ["logs:*"], "flow-logs-role", None),
        ("vpc-flow-logs.amazonaws.com", ["logs:Create*", "logs:Put*"], "flow-logs-role", None),
        (
            "ec2.amazonaws.com",
            ["logs:*"],
            "flow-logs-role",
            "Access error: the trust policy of IAM role 'flow-logs-role' does not allow "
            "vpc-flow-logs.amazonaws.com to assume it (sts:AssumeRole)",
        ),
        (
            "vpc-flow-logs.amazonaws.com",
            ["logs:CreateLogStream"],
            "flow-logs-role",
            "Access error: IAM role 'flow-logs-role' is not allowed logs:PutLogEvents on log "
            "group 'cases-flow-logs'",
        ),
        (
            "vpc-flow-logs.amazonaws.com",
            ["logs:*"],
            "missing-role",
            "Access error: IAM role 'missing-role' does not exist",
        ),
    ],
)
def test_delivery_errors_are_warnings_and_aws_messages(
    service: str, actions: list[str], role: str, expected: str | None
) -> None:
    topo = load_lab_text(_lab_with_role(service, actions, role), "lab.yaml")
    errors = {topo.delivery_error(fl) for fl in topo.flow_logs}
    assert errors == {expected}
    if expected is None:
        assert topo.warnings == ()
    else:
        assert len(topo.warnings) == 2
        assert all(w.key == "role" and w.line and expected in w.message for w in topo.warnings)


def test_undeclared_log_group_needs_create_log_group() -> None:
    lab = yaml.safe_load(
        _lab_with_role("vpc-flow-logs.amazonaws.com", ["logs:CreateLogStream", "logs:PutLogEvents"])
    )
    lab["log_groups"] = []
    topo = load_lab_text(yaml.safe_dump(lab), "lab.yaml")
    assert "logs:CreateLogGroup" in (topo.delivery_error(topo.flow_logs[0]) or "")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("vpcs:-{}[] ,\n'\"id10./#abc:")), max_size=80))
def test_any_text_gives_a_lab_or_a_topology_error(text: str) -> None:
    try:
        load_lab_text(text, "fuzz.yaml")
    except TopologyError as exc:
        assert exc.path == "fuzz.yaml"


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["id", "cidr", "vpc", "name", "tags", "az", "extra"]),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=12), st.lists(st.integers(), max_size=2)
        ),
        max_size=5,
    )
)
def test_any_subnet_mapping_gives_a_lab_or_a_topology_error(subnet: dict[str, object]) -> None:
    lab = {"vpcs": [{"id": "vpc-1", "cidr": "10.1.0.0/16"}], "subnets": [subnet]}
    try:
        load_lab_text(json.dumps(lab), "fuzz.json")
    except TopologyError as exc:
        assert exc.path == "fuzz.json"


def test_yaml_anchors_merge_keys_and_quoted_scalars() -> None:
    topo = load_lab_text(
        """
account: '012345678901'
vpcs: [{id: vpc-1, cidr: 10.1.0.0/16}]
subnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.1.1.0/24}]
security_groups:
  - {id: sg-1, vpc: vpc-1, ingress: [&ssh {protocol: tcp, ports: 22, cidr: 0.0.0.0/0}, {<<: *ssh, ports: 2222}]}
instances:
  - {id: i-1, subnet: subnet-1, private_ip: 10.1.1.10, security_groups: [sg-1], tags: {n: 1}}
""",
        "lab.yaml",
    )
    assert topo.account == "012345678901"
    ports = [str(r.ports) for r in topo.security_group("sg-1").ingress]
    assert ports == ["22", "2222"]
    assert topo.instance("i-1").tags == {"n": "1"}
    err = error_of(
        "vpcs: [{id: vpc-1, cidr: 10.1.0.0/16, <<: {cidr: 10.2.0.0/16}, cidr: 10.3.0.0/16}]"
    )
    assert "'cidr' appears twice" in err.message


def test_unknown_key_does_not_hide_the_other_problems() -> None:
    text = MINIMAL.replace("cidr: 10.1.1.0/24", "cidr: 10.9.1.0/24") + "    privte_ip: 10.1.1.11\n"
    err = error_of(text)
    assert isinstance(err, LabValidationError)
    # in file order: the subnet outside its VPC (line 4), then the typo (line 9)
    assert [p.line for p in err.problems] == [4, 9]
    assert "unknown key 'privte_ip'" in err.problems[1].message
    assert err.problems[0].resource == "subnet-1"
    assert "1 more problem" in err.message
