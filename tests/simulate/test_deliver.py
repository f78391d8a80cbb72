"""S3-style delivery: key layout, 5-minute files by end time, header lines, gzip/Parquet, errors."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from vpcflow.ingest.s3layout import parse_s3_path
from vpcflow.simulate.engine import simulate
from vpcflow.simulate.labview import LabView
from vpcflow.simulate.traffic import load_traffic_text

from .conftest import FakeReach, t0_lab

FLOWS = """start: 2025-07-15T11:00:00Z
seed: 4
flows:
  - {at: 1m, preset: ping, from: i-1, to: 10.2.1.20}
  - {at: 4m50s, preset: ssh, from: i-1, to: 10.2.1.20, duration: 20s}
  - {at: 12m, preset: scan, from: 198.51.100.77, to: 203.0.113.20, ports: [22, 3389]}
"""


def s3_lab(**dest: Any) -> LabView:
    lab = t0_lab(destination_type="s3", bucket="flow-bucket", prefix="lab", **dest)
    return lab


def topo_for(name: str) -> str:
    return name


def run(tmp_path: Path, lab: LabView, reach: FakeReach, topology: str = "T1") -> Any:
    traffic = load_traffic_text(FLOWS)
    return simulate(topology, traffic, lab=lab, reach_fn=_both(reach), out=tmp_path, window_phase=0)


def _both(reach: FakeReach) -> Any:
    """T1 for the peered flows, T0 for the scanner (the fake table knows each once)."""

    def call(topology: str, source: str, destination: str, protocol: str, **kw: Any) -> Any:
        name = "T0" if source == "198.51.100.77" else "T1"
        return reach(name, source, destination, protocol, **kw)

    return call


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_text_objects_have_the_real_layout_and_a_header(
    tmp_path: Path, fake_reach: FakeReach
) -> None:
    summary = run(tmp_path, s3_lab(), fake_reach)
    paths = files(tmp_path)
    rel = [str(p.relative_to(tmp_path)) for p in paths]
    assert all(
        r.startswith("flow-bucket/lab/AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/07/15/")
        for r in rel
    )
    names = [p.name for p in paths]
    # one file per flow log per 5-minute window of record end times (1100, 1105, 1110)
    stamps = sorted({n.split("_")[4] for n in names})
    assert stamps == ["20250715T1100Z", "20250715T1105Z", "20250715T1110Z"]
    for p in paths:
        loc = parse_s3_path(str(p))
        assert loc is not None and loc.flow_log_id in ("fl-1", "fl-2") and not loc.parquet
        lines = gzip.decompress(p.read_bytes()).decode().splitlines()
        assert (
            lines[0]
            == "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
        )
        assert loc.window_start is not None
        w = int(loc.window_start.timestamp())
        for line in lines[1:]:
            end = int(line.split()[11])
            assert w <= end < w + 300
    total = sum(len(gzip.decompress(p.read_bytes()).decode().splitlines()) - 1 for p in paths)
    assert total == summary.total_records == sum(d.records for d in summary.deliveries)
    assert {d.target for d in summary.deliveries} == {str(tmp_path)}


def test_same_seed_same_bytes(tmp_path: Path, fake_reach: FakeReach) -> None:
    run(tmp_path / "a", s3_lab(), fake_reach)
    run(tmp_path / "b", s3_lab(), fake_reach)
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_hive_hourly_parquet(tmp_path: Path, fake_reach: FakeReach) -> None:
    run(tmp_path, s3_lab(hive=True, per_hour=True, file_format="parquet"), fake_reach)
    paths = files(tmp_path)
    assert paths and all(p.name.endswith(".log.parquet") for p in paths)
    rel = str(paths[0].relative_to(tmp_path))
    assert (
        "/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2025/month=07/day=15/hour=11/"
        in "/" + rel
    )
    table = pq.read_table(paths[0])
    schema = {f.name: str(f.type) for f in table.schema}
    assert (
        schema["version"] == "int32"
        and schema["srcport"] == "int32"
        and schema["protocol"] == "int32"
    )
    assert (
        schema["packets"] == "int64"
        and schema["start"] == "int64"
        and schema["account_id"] == "string"
    )
    assert pq.ParquetFile(paths[0]).metadata.row_group(0).column(0).compression == "GZIP"


def test_delivery_error_delivers_nothing(tmp_path: Path, fake_reach: FakeReach) -> None:
    lab = s3_lab()
    broken = replace(
        lab.flow_logs[0], delivery_error="Access error: role flow-logs-role cannot be assumed"
    )
    lab = LabView(lab.account, lab.region, lab.enis, (broken, lab.flow_logs[1]), lab.instances)
    summary = run(tmp_path, lab, fake_reach)
    assert summary.delivery_errors == [
        {
            "flow_log": "fl-1",
            "destination": "s3://flow-bucket/lab",
            "error": "Access error: role flow-logs-role cannot be assumed",
        }
    ]
    assert all("_fl-1_" not in p.name for p in files(tmp_path))
    assert any("_fl-2_" in p.name for p in files(tmp_path))
    assert len(summary.records["fl-1"]) > 0  # computed, just not delivered


def test_no_target_writes_nothing(fake_reach: FakeReach) -> None:
    traffic = load_traffic_text(FLOWS)
    summary = simulate("T1", traffic, lab=t0_lab(), reach_fn=_both(fake_reach), window_phase=0)
    assert all(d.records == 0 and d.target is None for d in summary.deliveries)
    assert "not written" in (summary.deliveries[0].note or "")
