"""End to end: a bucket-shaped directory (text, gzip, Parquet, hive paths) through Store.ingest."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vpcflow.ingest.summary import IngestSummary
from vpcflow.store import Store

DATA = Path(__file__).parent / "data"
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
REC = "2 123456789012 eni-0a1b2c3d4e5f60789 10.0.1.5 203.0.113.5 49152 443 6 10 8400 1718000000 1718000060 ACCEPT OK\n"


def conserved(summary: IngestSummary) -> None:
    for r in summary.results:
        if r.status == "loaded":
            assert r.lines == r.records + r.rejects + r.headers + r.blanks, r.path
    assert summary.conserved


def bucket(root: Path) -> Path:
    """A bucket mixing the layouts of spec §6.2 and the three file kinds."""
    daily = root / "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/06/10"
    daily.mkdir(parents=True)
    (
        daily / "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20240610T0615Z_fe123456.log.gz"
    ).write_bytes(gzip.compress((HEADER + REC * 3 + "2 123 eni-1 bad\n").encode()))
    (
        daily / "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20240610T0620Z_fe123457.log"
    ).write_text(HEADER + REC * 2)
    hive = root / (
        "org/AWSLogs/aws-account-id=210987654321/aws-service=vpcflowlogs/aws-region=eu-west-1/"
        "year=2024/month=06/day=10/hour=06"
    )
    hive.mkdir(parents=True)
    table = pa.table(
        {
            "version": pa.array([3, 3], pa.int32()),
            "interface_id": ["eni-1", "eni-2"],
            "srcaddr": ["10.9.0.1", "10.9.0.2"],
            "srcport": pa.array([443, -1], pa.int32()),
            "protocol": pa.array([6, 17], pa.int32()),
            "bytes": pa.array([100, 200], pa.int64()),
            "start": pa.array([1718000000, 1718000000], pa.int64()),
            "end": pa.array([1718000060, 1718000060], pa.int64()),
            "tcp_flags": pa.array([2, None], pa.int32()),
            "log_status": ["OK", "OK"],
        }
    )
    pq.write_table(
        table,
        hive / "210987654321_vpcflowlogs_eu-west-1_fl-5678efgh_20240610T0600Z_0badcafe.log.parquet",
        compression="gzip",
    )
    (root / "notes.md").write_text("not a log")  # ignored when walking
    return root


def test_bucket_everything_stored_or_quarantined(tmp_path: Path) -> None:
    root = bucket(tmp_path / "bucket")
    with Store(tmp_path / "s.duckdb") as store:
        summary = store.ingest([root])
        conserved(summary)
        assert summary.files == 3 and summary.failed == 0
        assert summary.records == 3 + 2 + 1
        assert summary.rejects == 2
        groups = {g["name"]: g for g in store.info()["log_groups"]}
        assert set(groups) == {"fl-1234abcd", "fl-5678efgh"}
        assert groups["fl-5678efgh"]["account_id"] == "210987654321"
        # account and region from the S3 path fill the columns the format lacks
        row = store.con.execute(
            "SELECT account_id, region, flow_log_id, tcp_flags, bytes FROM flow_logs "
            "WHERE log_group = 'fl-5678efgh'"
        ).fetchone()
        assert row == ("210987654321", "eu-west-1", "fl-5678efgh", 2, 100)
        rejects = store.rejects()
        assert [r["reason"] for r in rejects] == [
            "wrong field count: expected 14, found 4",
            "srcport: negative number '-1'",
        ]
        assert rejects[0]["line"] == 5
        assert rejects[1]["source"].endswith(".log.parquet") and rejects[1]["line"] == 2


def test_reingest_is_a_noop_and_force_replaces(tmp_path: Path) -> None:
    root = bucket(tmp_path / "bucket")
    with Store(tmp_path / "s.duckdb") as store:
        first = store.ingest([root])
        again = store.ingest([root])
        assert again.skipped == 3 and again.files == 0 and again.records == 0
        total = store.con.execute("SELECT count(*) FROM flow_logs").fetchone()[0]
        assert total == first.records
        forced = store.ingest([root], force=True)
        conserved(forced)
        assert forced.files == 3
        assert store.con.execute("SELECT count(*) FROM flow_logs").fetchone()[0] == total
        assert store.con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 2
        assert store.info()["files"] == 3
        assert sum(g["records"] for g in store.info()["log_groups"]) == total


def test_strict_stores_then_raises(tmp_path: Path) -> None:
    from vpcflow.ingest.pipeline import RejectedLinesError

    root = bucket(tmp_path / "bucket")
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(RejectedLinesError) as info:
            store.ingest([root], strict=True)
        assert info.value.summary.rejects == 2
        assert store.info()["rejects"] == 2


def test_plain_file_without_header_uses_format_and_default_group(tmp_path: Path) -> None:
    f = tmp_path / "flows.txt"
    f.write_text("eni-1 10.0.0.1 443\neni-2 10.0.0.2 80\n")
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([f], fmt="${interface-id} ${srcaddr} ${srcport}")
        conserved(s)
        assert s.records == 2
        assert store.info()["log_groups"][0]["name"] == "default"
        s2 = store.ingest([f], log_group="mine", fmt="${interface-id} ${srcaddr} ${srcport}")
        assert s2.records == 2  # same content, other group: loaded


def test_corrupt_gzip_fails_that_file_only(tmp_path: Path) -> None:
    good = tmp_path / "good.log"
    good.write_text(HEADER + REC)
    bad = tmp_path / "bad.log.gz"
    bad.write_bytes(gzip.compress((HEADER + REC * 2000).encode())[:-200])
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([good, bad])
        assert [r.status for r in s.results] == ["loaded", "failed"]
        assert "bad.log.gz" in (s.results[1].error or "")
        assert store.con.execute("SELECT count(*) FROM flow_logs").fetchone()[0] == 1
        assert store.info()["files"] == 1


def test_cloudwatch_filter_log_events_export(tmp_path: Path) -> None:
    doc = {
        "events": [
            {
                "logStreamName": "eni-0ba4fb34d7e9a41ff-all",
                "timestamp": 1752577951000,
                "message": "2 394971810761 eni-0ba4fb34d7e9a41ff 143.110.152.75 10.1.1.133 56142 20167 6 1 44 1752577951 1752578009 ACCEPT OK",
                "ingestionTime": 1752578321000,
                "eventId": "1",
            },
            {
                "logStreamName": "eni-0ba4fb34d7e9a41ff-all",
                "timestamp": 1752577960000,
                "message": "2 394971810761 eni-0ba4fb34d7e9a41ff 1.2.3.4",
                "ingestionTime": 1752578321000,
                "eventId": "2",
            },
        ],
        "searchedLogStreams": [],
    }
    f = tmp_path / "export.json"
    f.write_text(json.dumps(doc))
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([f], log_group="/vpc/flow-logs")
        conserved(s)
        assert (s.records, s.rejects) == (1, 1)
        row = store.con.execute(
            'SELECT "timestamp"::VARCHAR, ingestion_time::VARCHAR, log_stream, log_group FROM flow_logs'
        ).fetchone()
        assert row == (
            "2025-07-15 11:12:31",
            "2025-07-15 11:18:41",
            "eni-0ba4fb34d7e9a41ff-all",
            "/vpc/flow-logs",
        )


def test_cloudwatch_subscription_payloads_concatenated(tmp_path: Path) -> None:
    def payload(stream: str, msgs: list[str]) -> dict[str, object]:
        return {
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": "/aws/vpc/flows",
            "logStream": stream,
            "subscriptionFilters": ["all"],
            "logEvents": [
                {"id": str(i), "timestamp": 1718000000000 + i, "message": m}
                for i, m in enumerate(msgs)
            ],
        }

    blob = json.dumps(
        {
            "messageType": "CONTROL_MESSAGE",
            "logEvents": [
                {
                    "id": "0",
                    "timestamp": 0,
                    "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
                }
            ],
        }
    )
    blob += json.dumps(payload("eni-1-all", [REC.strip(), REC.strip()]))
    blob += json.dumps(payload("eni-2-all", [REC.strip()]))
    f = tmp_path / "firehose-object"
    f.write_bytes(gzip.compress(blob.encode()))
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([f])
        conserved(s)
        assert s.records == 3
        g = store.info()["log_groups"][0]
        assert (g["name"], g["account_id"]) == ("/aws/vpc/flows", "123456789012")
        streams = store.con.execute(
            "SELECT DISTINCT log_stream FROM flow_logs ORDER BY 1"
        ).fetchall()
        assert streams == [("eni-1-all",), ("eni-2-all",)]


def test_cloudwatch_export_of_other_logs_is_generic(tmp_path: Path) -> None:
    doc = {
        "events": [
            {
                "logStreamName": "app-1",
                "timestamp": 1700000000000,
                "message": "user alice logged in",
            },
            {
                "logStreamName": "app-1",
                "timestamp": 1700000005000,
                "message": "user bob logged out",
            },
        ]
    }
    f = tmp_path / "app.json"
    f.write_text(json.dumps(doc))
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([f], log_group="/app/demo")
        assert s.results[0].kind == "generic" and s.records == 2 and s.rejects == 0
        assert store.con.execute("SELECT message FROM events ORDER BY line").fetchall() == [
            ("user alice logged in",),
            ("user bob logged out",),
        ]


def test_generic_text_log_with_iso_timestamps(tmp_path: Path) -> None:
    f = tmp_path / "app.log"
    f.write_text("2024-05-01T12:00:00Z start\n\nno time here\n2024-05-01 14:00:00+02:00 later\n")
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([f], log_group="/app/demo", generic=True)
        conserved(s)
        assert (s.lines, s.records, s.blanks) == (4, 3, 1)
        rows = store.con.execute(
            'SELECT "timestamp"::VARCHAR, message, log_stream FROM events ORDER BY line'
        ).fetchall()
        assert rows[0] == ("2024-05-01 12:00:00", "2024-05-01T12:00:00Z start", "app.log")
        assert rows[2][0] == "2024-05-01 12:00:00"


def test_unknown_fields_become_columns(tmp_path: Path) -> None:
    shutil.copy(DATA / "two-formats.log", tmp_path / "two.log")
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([tmp_path / "two.log"])
        conserved(s)
        assert s.records == 4
        assert any("future-field" in w for w in s.warnings)
        assert store.con.execute(
            "SELECT future_field FROM flow_logs WHERE future_field IS NOT NULL"
        ).fetchall() == [("shiny",)]
        assert len(store.info()["log_groups"][0]["formats"]) == 3


def test_gzip_members_and_corrupt_deflate_through_the_store(tmp_path: Path) -> None:
    """The store's gzip reader (ISA-L): concatenated members are one stream; corrupt
    deflate data fails that file with a reason, never an exception."""
    members = tmp_path / "members.log.gz"
    members.write_bytes(
        gzip.compress((HEADER + REC * 3).encode()) + gzip.compress((REC * 2).encode())
    )
    blob = bytearray(gzip.compress((HEADER + REC * 500).encode()))
    blob[40:60] = b"\xff" * 20  # inside the deflate stream
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(bytes(blob))
    with Store(tmp_path / "s.duckdb") as store:
        s = store.ingest([members, broken])
        by_name = {Path(r.path).name: r for r in s.results}
        assert by_name["members.log.gz"].status == "loaded"
        assert (by_name["members.log.gz"].lines, by_name["members.log.gz"].records) == (6, 5)
        assert by_name["broken.log.gz"].status == "failed"
        assert "cannot read" in (by_name["broken.log.gz"].error or "")
        assert store.con.execute("SELECT count(*) FROM flow_logs").fetchone()[0] == 5
