"""`vpcflow simulate`: the command end to end on a lab file, with the real reach and store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

LABS = Path(__file__).parent.parent / "simulate" / "labs"

TRAFFIC = """start: 2025-07-15T11:00:00Z
seed: 5
flows:
  - {at: 5s, preset: ping, from: i-1, to: 10.2.1.20}
  - {at: 10s, preset: ping, from: i-1, to: 203.0.113.20}
  - {at: 15s, preset: scan, from: 198.51.100.77, to: 203.0.113.20, ports: [3389, 22], source_port: 51515}
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_simulate_json_and_store(tmp_path: Path, cli: Callable[..., Any]) -> None:
    traffic = write(tmp_path, "t.yaml", TRAFFIC)
    db = tmp_path / "s.duckdb"
    res = cli(["simulate", str(LABS / "t0.yaml"), traffic, "--db", str(db), "--json"])
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [f["reachable"] for f in doc["flows"]] == [False, True, False, True]
    assert doc["flows"][0]["blocker"]["component"] == "rtb-1"
    assert doc["flows"][2]["blocker"]["code"] == "ENI_SG_RULES_MISMATCH"
    assert doc["delivery_errors"] == []
    stored = sum(d["records"] for d in doc["deliveries"])
    assert stored == doc["records"]["total"]
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT srcaddr, dstaddr, srcport, dstport, packets, bytes, action FROM flow_logs "
        "WHERE interface_id = 'eni-2' AND log_status = 'OK' ORDER BY dstport, srcaddr"
    ).fetchall()
    assert rows == [
        ("10.2.1.20", "203.0.113.10", 0, 0, 4, 336, "ACCEPT"),
        ("203.0.113.10", "10.2.1.20", 0, 0, 4, 336, "ACCEPT"),
        ("198.51.100.77", "10.2.1.20", 51515, 22, 2, 84, "ACCEPT"),
        ("198.51.100.77", "10.2.1.20", 51515, 3389, 1, 44, "REJECT"),
        ("10.2.1.20", "198.51.100.77", 22, 51515, 1, 44, "ACCEPT"),
    ]
    assert con.execute("SELECT count(*) FROM flow_logs").fetchone() == (stored,)
    con.close()
    # delivering the same simulation again adds nothing
    again = cli(["simulate", str(LABS / "t0.yaml"), traffic, "--db", str(db), "--json"])
    assert again.code == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM flow_logs").fetchone() == (stored,)
    con.close()


def test_simulate_text_summary(tmp_path: Path, cli: Callable[..., Any]) -> None:
    traffic = write(tmp_path, "t.yaml", TRAFFIC)
    res = cli(["simulate", str(LABS / "t0.yaml"), traffic, "--db", str(tmp_path / "s.duckdb")])
    assert res.code == 0, res.stderr
    assert "Simulated 4 flows" in res.stdout
    assert "blocked by IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS at rtb-1" in " ".join(
        res.stdout.split()
    )
    assert "log group flows" in res.stdout


def test_bad_flow_names_the_traffic_file_line(tmp_path: Path, cli: Callable[..., Any]) -> None:
    traffic = write(
        tmp_path, "t.yaml", TRAFFIC + "  - {at: 20s, preset: ping, from: i-9, to: 10.2.1.20}\n"
    )
    res = cli(["simulate", str(LABS / "t0.yaml"), traffic, "--db", str(tmp_path / "s.duckdb")])
    assert res.code == 2
    assert res.stderr.startswith(f"vpcflow: error: {traffic}:7:")
    assert "i-9" in res.stderr and "Traceback" not in res.stderr
    bad = write(
        tmp_path,
        "bad.yaml",
        "start: 2025-07-15T11:00:00Z\nflows:\n  - {at: 1s, preset: ping, from: i-1}\n",
    )
    res = cli(["simulate", str(LABS / "t0.yaml"), bad, "--json"])
    assert res.code == 2 and res.stdout == ""
    assert (
        res.stderr
        == f"vpcflow: error: {bad}:3:5: missing 'to' (an instance id, ENI id or address)\n"
    )


def test_delivery_error_is_reported_and_nothing_delivered(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    lab = (LABS / "t0.yaml").read_text().replace("logs:PutLogEvents, ", "")
    lab_path = write(tmp_path, "lab.yaml", lab)
    traffic = write(tmp_path, "t.yaml", TRAFFIC)
    res = cli(["simulate", lab_path, traffic, "--db", str(tmp_path / "s.duckdb"), "--json"])
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [e["flow_log"] for e in doc["delivery_errors"]] == ["fl-1", "fl-2"]
    assert all(e["error"].startswith("Access error") for e in doc["delivery_errors"])
    assert "logs:PutLogEvents" in doc["delivery_errors"][0]["error"]
    assert all(d["records"] == 0 for d in doc["deliveries"])
    text = cli(["simulate", lab_path, traffic, "--db", str(tmp_path / "s.duckdb")])
    assert "DeliverLogsErrorMessage: Access error" in text.stdout


def test_s3_destination_to_out_dir(tmp_path: Path, cli: Callable[..., Any]) -> None:
    lab = (
        (LABS / "t0.yaml")
        .read_text()
        .replace(
            "destination: {type: cloud-watch-logs, log_group: flows, role: flow-logs-role}",
            "destination: {type: s3, bucket: my-flow-logs, prefix: lab, file_format: parquet, hive_compatible: true}",
        )
    )
    lab_path = write(tmp_path, "lab.yaml", lab)
    traffic = write(tmp_path, "t.yaml", TRAFFIC)
    out = tmp_path / "out"
    res = cli(
        [
            "simulate",
            lab_path,
            traffic,
            "--out",
            str(out),
            "--db",
            str(tmp_path / "s.duckdb"),
            "--json",
        ]
    )
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    files = [f for d in doc["deliveries"] for f in d["files"]]
    assert files and all(f.endswith(".log.parquet") for f in files)
    assert all(
        "/my-flow-logs/lab/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/" in f
        for f in files
    )
    assert not (tmp_path / "s.duckdb").exists()  # nothing for the store
