"""Per-format tables behind the ``flow_logs`` view: mixing formats, deletes, schema-1 migration."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import vpcflow
from vpcflow.store import Store
from vpcflow.store.layout import LEGACY_TABLE, flow_tables
from vpcflow.store.schema import ddl, flow_columns, quote_ident

DEFAULT_LINES = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status\n"
    "2 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.5 10.0.2.9 443 49152 6 10 8400 "
    "1752577000 1752577060 ACCEPT OK\n"
    "2 123456789012 eni-0a1b2c3d4e5f60001 10.0.2.9 10.0.1.5 49152 443 6 8 640 "
    "1752577000 1752577060 ACCEPT OK\n"
)
CUSTOM_LINES = (
    "version vpc-id interface-id srcaddr dstaddr bytes start end action log-status future-field\n"
    "5 vpc-0a1b2c3d eni-0f0f0f0f0f0f0f0f0 10.9.0.1 10.9.0.2 77 1752577100 1752577160 REJECT OK x1\n"
)


def _store_with_two_formats(tmp_path: Path) -> Path:
    (tmp_path / "a.log").write_text(DEFAULT_LINES)
    (tmp_path / "b.log").write_text(CUSTOM_LINES)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.ingest([tmp_path / "a.log"], log_group="g1")
        store.ingest([tmp_path / "b.log"], log_group="g2")
    return db


def test_each_format_has_its_own_narrow_table(tmp_path: Path) -> None:
    db = _store_with_two_formats(tmp_path)
    with Store(db) as store:
        con = store.con
        tables = flow_tables(con)
        assert [fid for _, fid in tables] == [1, 2]
        cols = {t: {r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()} for t, _ in tables}
        # only the format's fields (+ account/region and stored system columns)
        assert "vpc_id" not in cols["flow_logs_1"] and "tcp_flags" not in cols["flow_logs_1"]
        assert {"vpc_id", "future_field"} <= cols["flow_logs_2"]
        assert "format_id" not in cols["flow_logs_1"]  # constant per table, given by the view
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'flow_logs'"
        ).fetchone()
        assert kind == ("VIEW",)
        rows = con.execute(
            "SELECT log_group, format_id, vpc_id, srcport, future_field, log_stream, bytes "
            "FROM flow_logs ORDER BY file_id, line"
        ).fetchall()
    assert rows == [
        ("g1", 1, None, 443, None, "eni-0a1b2c3d4e5f60001-all", 8400),
        ("g1", 1, None, 49152, None, "eni-0a1b2c3d4e5f60001-all", 640),
        ("g2", 2, "vpc-0a1b2c3d", None, "x1", "eni-0f0f0f0f0f0f0f0f0-all", 77),
    ]


def test_view_keeps_the_canonical_columns_and_types(tmp_path: Path) -> None:
    db = _store_with_two_formats(tmp_path)
    with Store(db) as store:
        described = store.con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'flow_logs'"
        ).fetchall()
    canonical = flow_columns()
    assert described[: len(canonical)] == canonical
    assert described[len(canonical) :] == [("future_field", "VARCHAR")]


def test_queries_span_formats(tmp_path: Path) -> None:
    db = _store_with_two_formats(tmp_path)
    table = vpcflow.query(
        db, "stats sum(bytes) as total, count(*) as n by action | sort action asc"
    )
    assert table.to_pylist() == [
        {"action": "ACCEPT", "total": 9040, "n": 2},
        {"action": "REJECT", "total": 77, "n": 1},
    ]
    messages = vpcflow.query(db, "fields @message | sort @timestamp desc | limit 1")
    assert messages.column("@message").to_pylist() == [
        "5 vpc-0a1b2c3d eni-0f0f0f0f0f0f0f0f0 10.9.0.1 10.9.0.2 77 1752577100 1752577160 REJECT OK x1"
    ]


def test_force_and_drop_delete_from_the_right_tables(tmp_path: Path) -> None:
    db = _store_with_two_formats(tmp_path)
    with Store(db) as store:
        again = store.ingest([tmp_path / "a.log"], log_group="g1", force=True)
        assert again.records == 2
        assert store.con.execute("SELECT count(*) FROM flow_logs").fetchone() == (3,)
        assert store.drop_log_group("g2") == 1
        assert store.drop_log_group("nope") == 0
        con = store.con
        assert con.execute("SELECT count(*) FROM flow_logs_2").fetchone() == (0,)
        assert con.execute("SELECT DISTINCT log_group FROM flow_logs").fetchall() == [("g1",)]
        assert con.execute("SELECT name FROM log_groups").fetchall() == [("g1",)]
        assert con.execute("SELECT count(*) FROM files WHERE log_group = 'g2'").fetchone() == (0,)
        assert store.info()["records"] == 2


def _schema1_store(path: Path) -> None:
    """A store as schema version 1 wrote it: one wide physical flow_logs table."""
    con = duckdb.connect(str(path))
    for stmt in ddl():
        con.execute(stmt)
    cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in flow_columns())
    con.execute(f"CREATE TABLE flow_logs ({cols})")
    con.execute("INSERT INTO store_meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO formats VALUES (1, 'x')")
    con.execute("INSERT INTO log_groups (name, kind, records) VALUES ('old', 'flow', 1)")
    con.execute(
        "INSERT INTO files (id, path, sha256, log_group, kind, records) "
        "VALUES (1, 'old.log', 'h', 'old', 'flow', 1)"
    )
    con.execute(
        'INSERT INTO flow_logs (version, srcaddr, bytes, "timestamp", log_group, log_stream, '
        "format_id, file_id, line) VALUES (2, '10.7.7.7', 5, '2025-07-15 11:00:00', 'old', "
        "'eni-1-all', 1, 1, 2)"
    )
    con.close()


def test_schema1_store_migrates_without_copying(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    _schema1_store(db)
    (tmp_path / "a.log").write_text(DEFAULT_LINES)
    with Store(db) as store:
        con = store.con
        assert (LEGACY_TABLE, None) in flow_tables(con)
        version = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'")
        assert version.fetchone() == ("2",)
        store.ingest([tmp_path / "a.log"], log_group="new")
        rows = con.execute(
            "SELECT log_group, format_id, srcaddr, log_stream FROM flow_logs ORDER BY file_id, line"
        ).fetchall()
        assert rows[0] == ("old", 1, "10.7.7.7", "eni-1-all")
        assert [r[0] for r in rows[1:]] == ["new", "new"]
        assert store.drop_log_group("old") == 1
        assert con.execute(f"SELECT count(*) FROM {LEGACY_TABLE}").fetchone() == (0,)
    # opening again is a no-op
    with Store(db) as store:
        assert store.con.execute("SELECT count(*) FROM flow_logs").fetchone() == (2,)


def test_read_only_open_of_a_schema1_store_still_queries(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    _schema1_store(db)
    table = vpcflow.query(db, "fields srcAddr, bytes")
    assert table.to_pylist() == [{"srcAddr": "10.7.7.7", "bytes": 5}]


@pytest.mark.parametrize("fresh", [True, False])
def test_empty_store_has_an_empty_view(tmp_path: Path, fresh: bool) -> None:
    db = tmp_path / "e.duckdb"
    with Store(db):
        pass
    if not fresh:
        with Store(db):
            pass
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM flow_logs").fetchone() == (0,)
        assert flow_tables(store.con) == []
