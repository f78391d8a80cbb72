"""Run Logs Insights queries on a store: ``vpcflow.query`` and :func:`run_query`.

>>> import vpcflow  # doctest: +SKIP
>>> table = vpcflow.query("vpcflow.duckdb",
...     "stats sum(bytes) as bytesTransferred by srcAddr, dstAddr "
...     "| sort bytesTransferred desc | limit 10")  # doctest: +SKIP
>>> table.to_pandas()  # doctest: +SKIP

``db`` is a store path, a :class:`~vpcflow.store.Store` or a DuckDB
connection. ``log_groups`` selects log groups (default: all); ``start`` and
``end`` bound ``@timestamp`` inclusively (ISO 8601, epoch seconds or ms,
relative ``-1h``/``-7d``, ``now``, or a ``datetime``); ``now`` fixes the
clock for ``now()`` and relative times; ``limit`` replaces the default cap of
10,000 rows for queries without a ``limit`` command.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from vpcflow.insights import ast
from vpcflow.insights.catalog import Catalog, LogGroup, format_columns
from vpcflow.insights.compiler import DEFAULT_CAP, Compiled, compile_query
from vpcflow.insights.parser import parse
from vpcflow.insights.results import QueryResult
from vpcflow.insights.timerange import parse_time, resolve
from vpcflow.records.formats import DEFAULT_FORMAT

if TYPE_CHECKING:
    import pyarrow as pa

    from vpcflow.engines.duckdb import DuckDBEngine

TimeLike = str | int | float | datetime | date | None


def clock(now: TimeLike) -> int:
    """The query start time in epoch seconds (``now`` fixes it, e.g. for tests)."""
    if now is None:
        return int(time.time())
    return parse_time(now, int(time.time()), what="clock")[0] // 1000


def sample_catalog() -> Catalog:
    """A catalog of one default-format flow log group (``--explain`` without a store)."""
    return Catalog(
        groups=(LogGroup("/vpcflow/lab", "flow", "123456789012"),),
        formats={1: format_columns(DEFAULT_FORMAT.render())},
    )


def compile_for(
    catalog: Catalog,
    text: str,
    *,
    dialect: Any,
    log_groups: list[str] | None = None,
    start: TimeLike = None,
    end: TimeLike = None,
    now: TimeLike = None,
    limit: int | None = None,
) -> Compiled:
    """Parse and compile ``text`` against ``catalog`` (SOURCE START/END override the range)."""
    from vpcflow.errors import QueryError

    now_s = clock(now)
    parsed: ast.Query = parse(text)
    if parsed.source is not None and (parsed.source.start_text or parsed.source.end_text):
        try:
            start = parsed.source.start_text or start
            end = parsed.source.end_text or end
            start_ms, end_ms = resolve(start, end, now_s)
        except Exception as exc:  # a bad START=/END= is a query error with a position
            raise QueryError(
                "INVALID_ARGUMENT",
                str(getattr(exc, "message", exc)),
                parsed.source.start,
                parsed.source.end,
                text,
            ) from None
    else:
        start_ms, end_ms = resolve(start, end, now_s)
    return compile_query(
        parsed,
        catalog,
        dialect,
        log_groups=log_groups,
        start_ms=start_ms,
        end_ms=end_ms,
        now_s=now_s,
        cap=limit if limit is not None else DEFAULT_CAP,
    )


def _engine(db: Any) -> DuckDBEngine:
    from vpcflow.engines.duckdb import DuckDBEngine

    return DuckDBEngine.open(db)


def run_compiled(
    engine: DuckDBEngine, compiled: Compiled, *, statistics: bool = True
) -> QueryResult:
    """Execute ``compiled`` on ``engine``: rows, statistics, truncation."""
    raw = engine.execute(compiled)
    truncated = False
    if compiled.cap is not None and raw.num_rows > compiled.cap:
        raw = raw.slice(0, compiled.cap)
        truncated = True
    table = raw.rename_columns([c.name for c in compiled.columns])
    stats: dict[str, int] = {}
    if statistics:
        scanned, matched = engine.counts(compiled)
        flow = [g for g in compiled.groups if g.kind == "flow"]
        per_record = engine.bytes_per_record(flow or compiled.groups)
        stats = {
            "recordsMatched": matched,
            "recordsScanned": scanned,
            "bytesScanned": round(scanned * per_record),
        }
    return QueryResult(
        fields=[c.name for c in compiled.columns],
        types=[c.type for c in compiled.columns],
        table=table,
        statistics=stats,
        truncated=truncated,
        sql=compiled.sql,
        warnings=list(compiled.warnings),
    )


def run_query(
    db: Any,
    text: str,
    *,
    log_groups: list[str] | None = None,
    start: TimeLike = None,
    end: TimeLike = None,
    now: TimeLike = None,
    limit: int | None = None,
    statistics: bool = True,
) -> QueryResult:
    """Compile and run ``text`` on the store ``db``; every mistake is a ``VpcflowError``."""
    engine = _engine(db)
    try:
        compiled = compile_for(
            engine.catalog(),
            text,
            dialect=engine.dialect,
            log_groups=log_groups,
            start=start,
            end=end,
            now=now,
            limit=limit,
        )
        return run_compiled(engine, compiled, statistics=statistics)
    finally:
        engine.close()


def explain(
    db: Any | None,
    text: str,
    *,
    log_groups: list[str] | None = None,
    start: TimeLike = None,
    end: TimeLike = None,
    now: TimeLike = None,
    limit: int | None = None,
) -> str:
    """The SQL ``text`` compiles to (pretty-printed); without a store, for a sample catalog."""
    from vpcflow.engines.duckdb import DuckDBEngine

    engine = _engine(db) if db is not None else None
    try:
        catalog = engine.catalog() if engine is not None else sample_catalog()
        compiled = compile_for(
            catalog,
            text,
            dialect=DuckDBEngine.dialect,
            log_groups=log_groups,
            start=start,
            end=end,
            now=now,
            limit=limit,
        )
        return DuckDBEngine.dialect.sql(compiled.tree, pretty=True)
    finally:
        if engine is not None:
            engine.close()


def query(
    db: Any,
    text: str,
    *,
    log_groups: list[str] | None = None,
    start: TimeLike = None,
    end: TimeLike = None,
    now: TimeLike = None,
    limit: int | None = None,
) -> pa.Table:
    """Run a Logs Insights query; returns a PyArrow table (``.to_pandas()`` works).

    Columns are the query's output fields in order; timestamps are Arrow
    timestamps (UTC), booleans 1/0 integers, missing values null.
    """
    return run_query(
        db,
        text,
        log_groups=log_groups,
        start=start,
        end=end,
        now=now,
        limit=limit,
        statistics=False,
    ).table
