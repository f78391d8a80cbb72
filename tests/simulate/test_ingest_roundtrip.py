"""S3 objects written by the simulator, read back by the real ingest path, equal direct delivery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vpcflow.records.formats import parse_format
from vpcflow.simulate.engine import simulate
from vpcflow.simulate.traffic import load_traffic_text
from vpcflow.store import Store

from .conftest import FakeReach, t0_lab

TRAFFIC = """start: 2025-07-15T11:00:00Z
seed: 11
end: 20m
flows:
  - {at: 1m, preset: ping, from: i-1, to: 10.2.1.20}
  - {at: 4m50s, preset: ssh, from: i-1, to: 10.2.1.20, duration: 3m}
  - {at: 12m, preset: scan, from: 198.51.100.77, to: 203.0.113.20, ports: [22, 3389]}
"""

V5 = parse_format(
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} "
    "${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} "
    "${az-id} ${flow-direction} ${traffic-path}"
)


def reach_for(fake: FakeReach) -> Any:
    def call(topology: str, source: str, destination: str, protocol: str, **kw: Any) -> Any:
        return fake(
            "T0" if source == "198.51.100.77" else "T1", source, destination, protocol, **kw
        )

    return call


def rows(db: Path, group: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in columns)
    with Store(db) as store:
        return store.con.execute(
            f"SELECT {cols}, timestamp FROM flow_logs WHERE log_group = ? ORDER BY ALL", [group]
        ).fetchall()


@pytest.mark.parametrize(
    ("fmt", "file_format", "hive"),
    [(None, "plain-text", False), (V5, "parquet", True), (V5, "plain-text", False)],
)
def test_s3_objects_ingest_to_the_same_rows(
    tmp_path: Path, fake_reach: FakeReach, fmt: Any, file_format: str, hive: bool
) -> None:
    extra = {"fmt": fmt} if fmt is not None else {}
    traffic = load_traffic_text(TRAFFIC)
    cw_lab = t0_lab(**extra)
    s3_lab = t0_lab(destination_type="s3", bucket="b", file_format=file_format, hive=hive, **extra)
    direct = simulate(
        "T", traffic, lab=cw_lab, reach_fn=reach_for(fake_reach), db=tmp_path / "cw.duckdb"
    )
    out = tmp_path / "bucket"
    simulate("T", traffic, lab=s3_lab, reach_fn=reach_for(fake_reach), out=out)
    with Store(tmp_path / "s3.duckdb") as store:
        summary = store.ingest([out])
    assert summary.rejects == 0
    assert summary.records == direct.total_records > 20
    columns = cw_lab.flow_logs[0].fmt.columns
    for fl in ("fl-1", "fl-2"):
        ingested = rows(tmp_path / "s3.duckdb", fl, columns)
        assert len(ingested) == len(direct.records[fl])
        by_eni = [
            r
            for r in rows(tmp_path / "cw.duckdb", "flows", columns)
            if r[columns.index("interface_id")] == f"eni-{fl[-1]}"
        ]
        assert ingested == by_eni
