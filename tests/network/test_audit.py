"""Audit findings on labs with known problems."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from vpcflow.network.audit import audit
from vpcflow.network.loader import load_lab, load_lab_text

LABS = Path(__file__).parent / "cases" / "labs"


def kinds(findings: list) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    return {(f.kind, f.severity, f.resource) for f in findings}


def test_peering_problems() -> None:
    assert ("peering-without-routes", "medium", "pcx-12") in kinds(
        audit(load_lab(LABS / "c06.yaml"))
    )
    one_sided = audit(load_lab(LABS / "c07.yaml"))
    (finding,) = [f for f in one_sided if f.kind == "peering-one-sided"]
    assert "vpc-2 has no route back" in finding.message
    pending = kinds(audit(load_lab(LABS / "c09.yaml")))
    assert {
        ("route-to-inactive-peering", "medium", "rtb-1"),
        ("route-to-inactive-peering", "medium", "rtb-2"),
    } <= pending


def test_hygiene_and_delivery_findings() -> None:
    lab = yaml.safe_load((LABS / "c13.yaml").read_text())
    lab["peering_connections"][0]["status"] = "deleted"
    lab["security_groups"].append({"id": "sg-spare", "vpc": "vpc-1"})
    lab["iam_roles"][0]["policies"] = []
    found = kinds(audit(load_lab_text(json.dumps(lab), "lab.json")))
    assert ("stale-security-group-reference", "low", "sg-2") in found
    assert ("unused-security-group", "low", "sg-spare") in found
    assert ("flow-log-delivery-error", "high", "fl-vpc-1") in found


def test_internet_exposure_is_proved_by_the_walk() -> None:
    t0 = yaml.safe_load((LABS / "t0.yaml").read_text())
    found = kinds(audit(load_lab_text(json.dumps(t0), "lab.json")))
    assert ("internet-reachable", "high", "eni-2") in found  # SSH from anywhere
    assert ("internet-reachable", "low", "eni-2") in found  # ping
    # Same rules, but the subnet's network ACL refuses the internet: no exposure finding,
    # the open-to-the-world rule is still reported.
    closed = copy.deepcopy(t0)
    closed["network_acls"][1]["ingress"] = [
        {"rule": 100, "protocol": "all", "cidr": "10.0.0.0/8", "action": "allow"}
    ]
    found = kinds(audit(load_lab_text(json.dumps(closed), "lab.json")))
    assert not {k for k in found if k[0] == "internet-reachable" and k[2] == "eni-2"}
    assert ("admin-port-open-to-world", "high", "sg-2") in found
