"""The DuckDB engine: opening stores, the catalog, regex validation, run-time errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from vpcflow.engines.duckdb import DuckDBEngine
from vpcflow.errors import QueryError, StoreError
from vpcflow.insights.api import compile_for, run_query


def test_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        DuckDBEngine.open(tmp_path / "nope.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INT)").close()
    with pytest.raises(StoreError, match="not a vpcflow store"):
        DuckDBEngine.open(other)


def _store(tmp_path: Path) -> Path:
    from vpcflow.store import Store

    log = tmp_path / "f.log"
    log.write_text(
        "2 123456789012 eni-0a 10.0.0.1 10.0.0.2 1 2 6 1 100 1714557605 1714557660 ACCEPT OK\n"
    )
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.ingest([log], log_group="/g")
    return path


def test_catalog_and_read_only_connection(tmp_path: Path) -> None:
    path = _store(tmp_path)
    with DuckDBEngine.open(path) as engine:
        catalog = engine.catalog()
        assert [(g.name, g.kind, g.account_id) for g in catalog.groups] == [
            ("/g", "flow", "123456789012")
        ]
        assert catalog.flow_fields()["srcAddr"] == ("srcaddr", "VARCHAR")
        assert catalog.flow_fields()["vpcId"] == ("vpc_id", "VARCHAR")  # camelCase extension
        assert list(catalog.formats_of(list(catalog.groups))) == [1]
        assert engine.con.execute("SELECT current_setting('access_mode')").fetchall() == [
            ("read_only",)
        ]


def test_catalog_follows_a_writable_store(tmp_path: Path) -> None:
    from vpcflow.store import Store

    path = _store(tmp_path)
    with Store(path) as store:
        assert [g.name for g in DuckDBEngine(store.con).catalog().groups] == ["/g"]
        log = tmp_path / "h.log"
        log.write_text(
            "2 123456789012 eni-0b 10.0.0.1 10.0.0.2 1 2 6 1 100 1714557605 1714557660 ACCEPT OK\n"
        )
        store.ingest([log], log_group="/h")
        assert [g.name for g in DuckDBEngine(store.con).catalog().groups] == ["/g", "/h"]


def test_invalid_regex_is_reported_at_its_offset(tmp_path: Path) -> None:
    path = _store(tmp_path)
    text = "filter srcAddr like /(?<=x)a/"
    with pytest.raises(QueryError) as info:
        run_query(path, text)
    assert (info.value.code, info.value.start, info.value.end) == (
        "INVALID_ARGUMENT",
        20,
        len(text),
    )
    with pytest.raises(QueryError) as info:
        run_query(path, "parse @message /([a-/ | fields x")
    assert (info.value.code, info.value.start) == ("INVALID_ARGUMENT", 15)


def test_compiled_sql_runs_on_a_borrowed_connection(tmp_path: Path) -> None:
    path = _store(tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    engine = DuckDBEngine(con)
    compiled = compile_for(engine.catalog(), "stats sum(bytes) as b", dialect=engine.dialect)
    assert engine.execute(compiled).to_pylist() == [{"b": 100}]
    engine.close()  # borrowed: stays open
    assert con.execute("SELECT 1").fetchall() == [(1,)]


def test_results_match_the_relation_api_without_warnings(tmp_path: Path) -> None:
    """The engine runs a statement once (DB-API path, not con.sql), hiding duckdb's
    extra-copy warning even from callers that make warnings errors, filters untouched."""
    import warnings

    path = _store(tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone='UTC'")
    engine = DuckDBEngine(con)
    text = "fields @timestamp, @message, srcAddr, bytes / 3 as third | sort @timestamp desc"
    compiled = compile_for(engine.catalog(), text, dialect=engine.dialect)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = list(warnings.filters)
        table = engine.execute(compiled)
        assert warnings.filters == before
    reference = con.sql(compiled.sql).to_arrow_table()
    assert table.schema.equals(reference.schema, check_metadata=True)
    assert table.equals(reference)
    assert table.column_names == ["@timestamp", "@message", "srcAddr", "third"]
    assert table.column("srcAddr").to_pylist() == ["10.0.0.1"]
    con.close()


def test_several_regexes_are_checked_in_one_go_and_a_bad_one_is_found(tmp_path: Path) -> None:
    path = _store(tmp_path)
    ok = run_query(path, r"filter srcAddr like /^10\./ and dstAddr =~ /2$/ | fields srcAddr")
    assert ok.rows() == [["10.0.0.1"]]
    text = "filter srcAddr like /^10/ and dstAddr like /(?<=x)a/ and action like /A/"
    with pytest.raises(QueryError) as info:
        run_query(path, text)
    bad = text.index("/(?<=")
    assert (info.value.code, info.value.start, info.value.end) == (
        "INVALID_ARGUMENT",
        bad,
        text.index(" and action"),
    )
