"""``vpcflow reach``, ``vpcflow lab check|show|graph`` and ``vpcflow audit`` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

Cli = Callable[..., Any]
SEED = str(resources.files("vpcflow.examples") / "seed-lab.yaml")
PEERED = str(resources.files("vpcflow.examples") / "seed-lab-peered.yaml")
NAT = str(resources.files("vpcflow.examples") / "nat-lab.yaml")
CASES = Path(__file__).parents[1] / "network" / "cases" / "labs"


def test_reach_before_the_fix_says_unreachable_names_the_route_table_and_the_fix(cli: Cli) -> None:
    out = cli(["reach", SEED, "--from", "instance-2", "--to", "10.1.1.133", "--protocol", "icmp"])
    assert out.code == 1
    assert out.stdout.startswith(
        "instance-2 → 10.1.1.133: ICMP echo-request 10.2.0.73 → 10.1.1.133"
    )
    assert "UNREACHABLE: 2 blockers." in out.stdout
    assert "✗ route-table rtb-2: 0.0.0.0/0 → igw-2" in out.stdout
    assert "vpc-2 and vpc-1 are not peered" in out.stdout
    assert "lab: peering_connections: add {id: pcx-1-2" in out.stdout
    assert (
        "cli: PCX=$(aws ec2 create-vpc-peering-connection --vpc-id vpc-1 --peer-vpc-id vpc-2"
        in out.stdout
    )
    assert out.stderr == ""


def test_reach_after_the_fix_draws_both_legs(cli: Cli) -> None:
    out = cli(["reach", PEERED, "--from", "instance-2", "--to", "10.1.1.133", "--protocol", "icmp"])
    assert out.code == 0
    assert "REACHABLE: the request arrives and the reply returns." in out.stdout
    assert "Forward path" in out.stdout and "Return path" in out.stdout
    assert "✓ peering-connection pcx-1-2" in out.stdout
    assert "✗" not in out.stdout


def test_reach_json_is_one_document_with_the_issue_shape(cli: Cli) -> None:
    out = cli(["reach", SEED, "--from", "instance-2", "--to", "10.1.1.133", "--json"])
    assert out.code == 1
    doc = json.loads(out.stdout)
    assert {"reachable", "forward", "return", "blockers"} <= set(doc)
    assert doc["reachable"] is False
    first = doc["blockers"][0]
    assert set(first) == {"code", "component", "leg", "direction", "rule", "message", "fix"}
    assert (first["component"], first["leg"], first["direction"]) == ("rtb-2", "forward", "egress")
    assert set(first["fix"]) == {"lab", "cli"}
    assert doc["forward"][0]["kind"] == "network-interface"


def test_reach_tcp_with_source_port(cli: Cli) -> None:
    out = cli(
        [
            "reach",
            str(CASES / "c20.yaml"),
            "--from",
            "i-1",
            "--to",
            "10.2.1.20",
            "-p",
            "tcp",
            "--port",
            "22",
            "--source-port",
            "40312",
            "--json",
        ]
    )
    assert out.code == 1
    doc = json.loads(out.stdout)
    assert doc["query"]["source_port"] == 40312
    assert [(b["component"], b["leg"], b["rule"]) for b in doc["blockers"]] == [
        ("acl-2c", "return", "*")
    ]
    assert "TCP 10.2.1.20:22 → 10.1.1.10:40312" in doc["blockers"][0]["message"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--from", "instance-2", "--to", "10.1.1.133", "-p", "tcp"],
            "tcp needs a destination port",
        ),
        (["--from", "instance-9", "--to", "10.1.1.133"], "source 'instance-9' is not an instance"),
        (["--from", "instance-2", "--to", "10.1.1.1"], "is the VPC router of subnet-1"),
    ],
)
def test_reach_bad_input_exits_2_with_one_line(cli: Cli, argv: list[str], message: str) -> None:
    out = cli(["reach", SEED, *argv])
    assert out.code == 2
    assert out.stdout == ""
    assert message in out.stderr and out.stderr.count("\n") == 1


def test_reach_on_an_invalid_lab_exits_2_naming_file_and_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        Path(SEED).read_text().replace("private_ip: 10.1.1.133", "private_ip: 10.1.9.133")
    )
    out = cli(["reach", str(bad), "--from", "instance-1", "--to", "instance-2"])
    assert out.code == 2
    assert out.stderr.startswith(f"vpcflow: error: {bad}:")
    assert "instance instance-1: private_ip 10.1.9.133 is outside subnet subnet-1" in out.stderr


def test_warnings_go_to_stderr_and_json_stays_clean(cli: Cli, tmp_path: Path) -> None:
    lab = yaml.safe_load(Path(SEED).read_text())
    lab["iam_roles"][0]["trust_policy"]["Statement"][0]["Principal"]["Service"] = (
        "ec2.amazonaws.com"
    )
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(lab, sort_keys=False))
    out = cli(["reach", str(path), "--from", "instance-2", "--to", "3.80.10.20", "--json"])
    assert out.code == 0
    assert json.loads(out.stdout)["reachable"] is True
    assert "warning: flow log fl-vpc-1: delivery will fail: Access error" in out.stderr


def test_lab_check_valid(cli: Cli) -> None:
    out = cli(["lab", "check", SEED])
    assert out.code == 0
    assert "valid — 2 VPCs, 2 subnets, 2 internet gateways" in out.stdout
    assert "1 IAM role, 1 log group, 1 flow log" in out.stdout
    doc = json.loads(cli(["lab", "check", NAT, "--json"]).stdout)
    assert doc["valid"] is True and doc["counts"]["nat_gateways"] == 1 and doc["warnings"] == []


def test_lab_check_lists_every_problem(cli: Cli, tmp_path: Path) -> None:
    text = Path(SEED).read_text()
    text = text.replace("private_ip: 10.1.1.133", "private_ip: 10.1.1.0").replace(
        "target: igw-2", "target: igw-9"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = cli(["lab", "check", str(bad)])
    assert out.code == 2
    lines = out.stderr.splitlines()
    assert lines[-1] == "vpcflow: 2 problem(s) found"
    assert "refers to 'igw-9', which is not defined" in lines[0]
    assert "private_ip 10.1.1.0 is reserved in subnet subnet-1 (the network address)" in lines[1]
    doc = json.loads(cli(["lab", "check", str(bad), "--json"]).stdout)
    assert doc["valid"] is False
    assert [e["key"] for e in doc["errors"]] == ["target", "private_ip"]
    assert all(e["line"] for e in doc["errors"])


def test_lab_show_text_and_json(cli: Cli) -> None:
    out = cli(["lab", "show", PEERED])
    assert out.code == 0
    assert out.stdout.splitlines()[0] == "seed-lab-peered — account 394971810761, us-east-1"
    assert "│   ├── route table rtb-1 → subnet-1" in out.stdout
    assert "peering connection pcx-1-2 (lab-peering) vpc-1 ↔ vpc-2 (active)" in out.stdout
    doc = json.loads(cli(["lab", "show", PEERED, "--json"]).stdout)
    assert doc["peering_connections"] == [
        {"id": "pcx-1-2", "requester": "vpc-1", "accepter": "vpc-2", "status": "active"}
    ]
    assert doc["flow_logs"][0]["delivery_error"] is None


@pytest.mark.parametrize(
    ("fmt", "first", "needle"),
    [
        ("mermaid", "flowchart LR", "n_vpc_1_router <-->|pcx-1-2 active| n_vpc_2_router"),
        (
            "dot",
            "digraph lab {",
            '"vpc-1/router" -> "vpc-2/router" [dir=both, style=solid, label="pcx-1-2 active"];',
        ),
    ],
)
def test_lab_graph(cli: Cli, fmt: str, first: str, needle: str) -> None:
    out = cli(["lab", "graph", PEERED, "--output", fmt])
    assert out.code == 0
    assert out.stdout.splitlines()[0] == first
    assert needle in out.stdout


def test_audit(cli: Cli) -> None:
    out = cli(["audit", SEED, "--json"])
    assert out.code == 0
    doc = json.loads(out.stdout)
    kinds = {(f["kind"], f["resource"]) for f in doc["findings"]}
    assert ("admin-port-open-to-world", "sg-1") in kinds
    assert ("internet-reachable", "eni-0ba4fb34d7e9a41ff") in kinds
    assert doc["counts"]["high"] == 4
    text = cli(["audit", SEED])
    assert text.stdout.splitlines()[0].startswith("HIGH   admin-port-open-to-world  sg-1")
    assert cli(["audit", SEED, "--fail-on", "high"]).code == 1
    assert cli(["audit", str(CASES / "c06.yaml"), "--json"]).code == 0
