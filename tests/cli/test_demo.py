"""`vpcflow demo`: the seed story end to end, its key facts, idempotence, and store safety."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from vpcflow.store import Store


def _run(cli: Callable[..., Any], db: Path) -> dict[str, Any]:
    res = cli(["demo", "--db", str(db), "--json"])
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    return {s["step"]: s["result"] for s in doc["steps"]}


def test_demo_tells_the_story(tmp_path: Path, cli: Callable[..., Any]) -> None:
    db = tmp_path / "demo.duckdb"
    steps = _run(cli, db)
    assert sorted(steps) == list(range(1, 10))
    # 1-2: the lab and its flow log with a deliverable role
    assert [i["private_ip"] for i in steps[1]["instances"]] == ["10.1.1.133", "10.2.0.73"]
    (fl,) = steps[2]["flow_logs"]
    assert fl["delivery_error"] is None and fl["covers"] == ["eni-0ba4fb34d7e9a41ff"]
    assert fl["checks"] == {
        "trust_policy_allows_service": True,
        "logs:CreateLogStream": True,
        "logs:PutLogEvents": True,
    }
    # 3: the private ping fails at VPC 2's route table (no peering), with the fix
    assert steps[3]["reachable"] is False
    first = steps[3]["blockers"][0]
    assert (first["component"], first["leg"], first["code"]) == (
        "rtb-2",
        "forward",
        "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
    )
    assert "peering" in first["message"]
    # 4: the public ping works; only instance 1's ENI is logged
    assert steps[4]["reachable"] is True
    per_eni = steps[4]["simulation"]["records"]["per_eni"]
    assert [(r["eni"], r["accept"], r["reject"]) for r in per_eni] == [
        ("eni-0ba4fb34d7e9a41ff", 2, 0)
    ]
    # 5: the fix: a peering connection and a route on each side
    assert [p["status"] for p in steps[5]["peering_connections"]] == ["active"]
    assert sorted((r["route_table"], r["destination"]) for r in steps[5]["routes_added"]) == [
        ("rtb-1", "10.2.0.0/16"),
        ("rtb-2", "10.1.0.0/16"),
    ]
    # 6: the private ping works now; the scanner: 20167 rejected, 22 accepted
    assert steps[6]["reachable"] is True
    scanner = {r["to"]: r["action"] for r in steps[6]["scanner"]}
    assert scanner["3.80.10.20:20167"] == "REJECT" and scanner["3.80.10.20:22"] == "ACCEPT"
    assert steps[6]["simulation"]["delivery_errors"] == []
    # 7: the seed's record, as the simulation writes it (REJECT: the SG has no rule for 20167)
    fields = {e["field"]: e["value"] for e in steps[7]["explained"]}
    assert fields == {
        "version": "2",
        "account-id": "394971810761",
        "interface-id": "eni-0ba4fb34d7e9a41ff",
        "srcaddr": "143.110.152.75",
        "dstaddr": "10.1.1.133",
        "srcport": "56142",
        "dstport": "20167",
        "protocol": "6",
        "packets": "1",
        "bytes": "44",
        "start": "1752577951",
        "end": "1752577951",
        "action": "REJECT",
        "log-status": "OK",
    }
    assert steps[7]["streams"] == [
        {"@logStream": "eni-0ba4fb34d7e9a41ff-all", "records": _count(db)}
    ]
    # 8: the saved queries: the HTTPS download tops the byte transfers, the scanner the rejects
    top10 = steps[8]["top-10-byte-transfers"]
    assert top10["columns"] == ["srcAddr", "dstAddr", "bytesTransferred"]
    assert top10["rows"][0] == ["52.216.8.75", "10.1.1.133", 2589968]
    assert len(top10["rows"]) == 10
    assert steps[8]["top-rejected-sources"]["rows"][0] == [
        "143.110.152.75",
        7,
    ]  # 8 probes, SSH answered
    assert any("vpcflow query" in c for c in steps[9]["commands"])


def _count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM flow_logs").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def test_demo_is_idempotent_and_deterministic(tmp_path: Path, cli: Callable[..., Any]) -> None:
    db = tmp_path / "demo.duckdb"
    first = _run(cli, db)
    n = _count(db)
    second = _run(cli, db)
    assert _count(db) == n
    assert first[8] == second[8] and first[7] == second[7]
    other = _run(cli, tmp_path / "other.duckdb")
    assert other[8] == first[8]


def test_demo_refuses_a_store_it_did_not_write(tmp_path: Path, cli: Callable[..., Any]) -> None:
    import pyarrow as pa

    db = tmp_path / "mine.duckdb"
    with Store(db) as store:
        store.append_events(
            pa.table({"timestamp": pa.array([1752577200000], pa.int64()), "message": ["hello"]}),
            log_group="/app/mine",
            source="test",
        )
    res = cli(["demo", "--db", str(db)])
    assert res.code == 2
    assert "holds data the demo did not write" in res.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM flow_logs").fetchone() == (0,)
    con.close()


def test_demo_text_narration(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    res = cli(["demo"])  # default store in the current directory
    assert res.code == 0, res.stderr
    out = " ".join(res.stdout.split())
    for text in (
        "1. The lab: two VPCs, one instance each",
        "Verdict: UNREACHABLE. Blocked at rtb-2 on the forward leg",
        "9. Your turn",
        "143.110.152.75 10.1.1.133 56142 20167 6 1 44 1752577951 1752577951 REJECT OK",
    ):
        assert text in out
    assert (tmp_path / "vpcflow.duckdb").exists()
