"""The Store API: schema, append_flow_records, append_events, info, rejects, read-only access."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from vpcflow.errors import StoreError
from vpcflow.records.formats import DEFAULT_FORMAT, parse_format
from vpcflow.store import Store


def _flow_table() -> pa.Table:
    return pa.table(
        {
            "version": [2, 2, 2],
            "account_id": ["394971810761"] * 3,
            "interface_id": ["eni-0ba4fb34d7e9a41ff", "eni-0ba4fb34d7e9a41ff", None],
            "srcaddr": ["143.110.152.75", "10.1.1.133", None],
            "dstaddr": ["10.1.1.133", "143.110.152.75", None],
            "srcport": [56142, 20167, None],
            "dstport": [20167, 56142, None],
            "protocol": [6, 6, None],
            "packets": [1, 1, None],
            "bytes": [44, 40, None],
            "start": [1752577951, 1752577951, 1752577900],
            "end": [1752578009, 1752578009, 1752577960],
            "action": ["ACCEPT", "REJECT", None],
            "log_status": ["OK", "OK", "NODATA"],
        }
    )


def test_schema_created_and_utc(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        tables = {r[0] for r in store.con.execute("SHOW TABLES").fetchall()}
        assert {"flow_logs", "events", "log_groups", "formats", "files", "rejects"} <= tables
        assert store.con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"


def test_append_flow_records_fills_system_columns(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        n = store.append_flow_records(
            _flow_table(),
            log_group="/vpc/flow",
            fmt=DEFAULT_FORMAT,
            source="sim",
            account_id="394971810761",
        )
        assert n == 3
        rows = store.con.execute(
            'SELECT "timestamp", log_stream, log_group, source, bytes, format_id, line '
            "FROM flow_logs ORDER BY line"
        ).fetchall()
        assert str(rows[0][0]) == "2025-07-15 11:12:31"
        assert rows[0][1] == "eni-0ba4fb34d7e9a41ff-all"
        assert rows[2][1] == "unknown-all"
        assert rows[0][2:5] == ("/vpc/flow", "sim", 44)
        fmt = store.con.execute("SELECT format FROM formats WHERE id = ?", [rows[0][5]]).fetchone()[
            0
        ]
        assert parse_format(fmt) == DEFAULT_FORMAT
        # the same table again is a no-op
        assert (
            store.append_flow_records(
                _flow_table(), log_group="/vpc/flow", fmt=DEFAULT_FORMAT, source="sim"
            )
            == 0
        )
        info = store.info()
        group = info["log_groups"][0]
        assert (group["name"], group["kind"], group["records"]) == ("/vpc/flow", "flow", 3)
        assert group["account_id"] == "394971810761"
        assert group["first_event"] == "2025-07-15T11:11:40Z"
        assert group["formats"] == ["default"]


def test_append_flow_records_keeps_given_timestamp_and_stream(tmp_path: Path) -> None:
    table = _flow_table().slice(0, 1)
    table = table.append_column(
        "timestamp", pa.array([1752577951000], pa.int64()).cast(pa.timestamp("ms"))
    )
    table = table.append_column("log_stream", pa.array(["eni-x-accept"]))
    with Store(tmp_path / "s.duckdb") as store:
        store.append_flow_records(table, log_group="g", fmt=DEFAULT_FORMAT, source="s")
        assert store.con.execute(
            'SELECT log_stream, "timestamp"::VARCHAR FROM flow_logs'
        ).fetchone() == (
            "eni-x-accept",
            "2025-07-15 11:12:31",
        )


def test_append_events(tmp_path: Path) -> None:
    table = pa.table(
        {
            "timestamp": pa.array([1700000000000, 1700000001000], pa.int64()),
            "message": ["GET /index.html 200", "GET /missing 404"],
            "log_stream": ["web-1", "web-1"],
        }
    )
    with Store(tmp_path / "s.duckdb") as store:
        assert store.append_events(table, log_group="/app/web", source="fixture") == 2
        assert store.append_events(table, log_group="/app/web", source="fixture") == 0
        rows = store.con.execute(
            'SELECT "timestamp"::VARCHAR, message, log_stream, line FROM events ORDER BY line'
        ).fetchall()
        assert rows[0] == ("2023-11-14 22:13:20", "GET /index.html 200", "web-1", 1)
        info = store.info()
        assert info["events"] == 2
        assert info["log_groups"][0]["kind"] == "generic"


def test_flow_and_generic_do_not_mix(tmp_path: Path) -> None:
    from vpcflow.errors import UsageError

    events = pa.table({"timestamp": pa.array([1], pa.int64()), "message": ["x"]})
    with Store(tmp_path / "s.duckdb") as store:
        store.append_flow_records(_flow_table(), log_group="g", fmt=DEFAULT_FORMAT, source="s")
        with pytest.raises(UsageError, match="holds flow log records"):
            store.append_events(events, log_group="g", source="e")
        assert store.info()["events"] == 0


def test_read_only_second_connection(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.append_flow_records(_flow_table(), log_group="g", fmt=DEFAULT_FORMAT, source="s")
    with Store(path, read_only=True) as a, Store(path, read_only=True) as b:
        assert a.info()["records"] == b.info()["records"] == 3


def test_read_only_missing_and_foreign_files(tmp_path: Path) -> None:
    import duckdb

    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "nope.duckdb", read_only=True)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (a INT)").close()
    with pytest.raises(StoreError, match="not a vpcflow store"):
        Store(other)
