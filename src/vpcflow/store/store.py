"""The store: one DuckDB file holding flow records, generic events and their catalog.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "doc.duckdb")
>>> with Store(path) as store:
...     store.info()["records"]
0

One process writes at a time (DuckDB's file lock); a second *read-only*
connection to the same file works whenever no writer has it open. Sessions
run with ``TimeZone='UTC'``; all stored times are naive UTC.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpcflow.errors import StoreError, UsageError
from vpcflow.records.formats import FlowFormat
from vpcflow.store import schema

if TYPE_CHECKING:
    import pyarrow as pa

    from vpcflow.ingest.summary import IngestSummary


class Store:
    """A vpcflow store (a DuckDB file). ``store.con`` is the DuckDB connection."""

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        import duckdb

        if path is None:
            path = os.environ.get("VPCFLOW_DB") or "vpcflow.duckdb"
        self.path = str(path)
        self.read_only = read_only
        if read_only and self.path != ":memory:" and not os.path.exists(self.path):
            raise StoreError(f"{self.path}: no such store (run `vpcflow ingest` first)")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"{self.path}: cannot open store: {first}") from None
        self.con.execute("SET TimeZone='UTC'")
        if not read_only:
            # Each ingested file commits on its own and leaves a short row group behind.
            # DuckDB's checkpoint vacuum would merge them by rewriting the whole table at
            # the next checkpoint after *any* write (18 s and 6 GB of RSS at close after
            # 10 M records). The store keeps row groups as written; only an ingest that
            # deleted rows (``--force``) vacuums (see ``ingest.pipeline._checkpoint``).
            self.con.execute("SET max_vacuum_tasks = 0")
        if read_only:
            if "flow_logs" not in self._tables():
                self.con.close()
                raise StoreError(f"{self.path}: not a vpcflow store")
        else:
            self._create()

    # -- lifecycle ------------------------------------------------------------------

    def _tables(self) -> set[str]:
        """Tables and views of the main schema."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def _create(self) -> None:
        from vpcflow.store import layout

        tables = self._tables()
        if tables and "flow_logs" not in tables:
            self.con.close()
            raise StoreError(f"{self.path}: a DuckDB file that is not a vpcflow store")
        fresh = not tables
        for stmt in schema.ddl():
            self.con.execute(stmt)
        # a store without a version row predates versioning: schema 1
        version = "2" if fresh else "1"
        self.con.execute(
            "INSERT INTO store_meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [version]
        )
        layout.migrate(self.con)
        if "flow_logs" not in self._tables():
            layout.rebuild_view(self.con)

    def drop_log_group(self, name: str) -> int:
        """Delete a log group: its records or events, rejects, files and catalog rows.

        Returns the number of records (or events) removed; 0 when the group is unknown.
        """
        from vpcflow.store import catalog

        self._writable()
        self.con.execute("BEGIN TRANSACTION")
        try:
            n = catalog.delete_log_group(self.con, name)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return n

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _writable(self) -> None:
        if self.read_only:
            raise UsageError(f"{self.path}: store opened read-only")

    # -- loading ----------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        log_group: str | None = None,
        fmt: str | FlowFormat | None = None,
        force: bool = False,
        strict: bool = False,
        progress: Callable[..., None] | None = None,
        generic: bool = False,
        exact: bool = False,
    ) -> IngestSummary:
        """Load files, directories (recursively) or ``-`` (stdin); see :mod:`vpcflow.ingest.pipeline`.

        Returns an :class:`~vpcflow.ingest.summary.IngestSummary`. With
        ``strict=True`` any rejected line raises
        :class:`~vpcflow.ingest.pipeline.RejectedLinesError` *after* storing
        (its ``summary`` attribute has the result).
        """
        from vpcflow.ingest.pipeline import ingest

        self._writable()
        return ingest(
            self,
            paths,
            log_group=log_group,
            fmt=fmt,
            force=force,
            strict=strict,
            progress=progress,
            generic=generic,
            exact=exact,
        )

    def append_flow_records(
        self,
        table: pa.Table,
        *,
        log_group: str,
        fmt: FlowFormat,
        source: str,
        account_id: str | None = None,
    ) -> int:
        """Append flow records delivered CloudWatch-style (the traffic simulator's path).

        ``table`` has registry column names (e.g. ``fmt.columns``) and optionally
        ``timestamp``, ``ingestion_time``, ``log_stream``. Missing ones are filled
        (timestamp = start, log_stream = ``<interface-id>-all``). The table is
        registered in ``files`` under ``source`` with a content hash: appending the
        same table to the same group again is a no-op returning 0.
        """
        from vpcflow.records.columns import arrow_type
        from vpcflow.records.fields import BY_COLUMN
        from vpcflow.store.writer import FileWrite, table_sha256

        self._writable()
        import pyarrow as pa

        # cast registry columns to their canonical types
        cols = []
        for name in table.schema.names:
            col = table.column(name)
            f = BY_COLUMN.get(name)
            if f is not None:
                col = col.cast(arrow_type(f.store_type))
            cols.append(col)
        table = pa.Table.from_arrays(cols, names=table.schema.names)
        if "line" not in table.schema.names:
            table = table.append_column("line", pa.array(range(1, table.num_rows + 1), pa.int64()))
        digest = table_sha256(table)
        from vpcflow.store import catalog

        if catalog.find_files(self.con, digest, log_group):
            return 0
        from vpcflow.ingest.summary import FileResult

        result = FileResult(path=source, source_type="table", log_group=log_group)
        with FileWrite(
            self.con,
            path=source,
            size=table.nbytes,
            sha256=digest,
            log_group=log_group,
            kind="flow",
            account_id=account_id,
        ) as w:
            n = w.insert_flow(fmt, table)
            result.lines = result.records = n
            result.formats = [fmt.name()]
            w.commit(result)
        return n

    def append_events(self, table: pa.Table, *, log_group: str, source: str) -> int:
        """Append generic log events (``timestamp`` TIMESTAMP or epoch ms, ``message``,
        optional ``log_stream``, ``ingestion_time``). Idempotent like
        :meth:`append_flow_records`."""
        from vpcflow.ingest.summary import FileResult
        from vpcflow.store import catalog
        from vpcflow.store.writer import FileWrite, table_sha256

        self._writable()
        digest = table_sha256(table)
        if catalog.find_files(self.con, digest, log_group):
            return 0
        result = FileResult(path=source, source_type="table", kind="generic", log_group=log_group)
        with FileWrite(
            self.con,
            path=source,
            size=table.nbytes,
            sha256=digest,
            log_group=log_group,
            kind="generic",
        ) as w:
            n = w.insert_events(table)
            result.lines = result.records = n
            w.commit(result)
        return n

    # -- reading ------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Log groups (kind, account, records, time range, formats), totals, files, rejects."""
        con = self.con
        formats = {
            int(i): f
            for i, f in con.execute("SELECT id, format FROM formats ORDER BY id").fetchall()
        }
        group_formats: dict[str, list[str]] = {}
        for g, fid in con.execute(
            "SELECT log_group, format_id FROM log_group_formats ORDER BY log_group, format_id"
        ).fetchall():
            group_formats.setdefault(g, []).append(_format_name(formats.get(int(fid), "?")))
        groups = []
        for name, kind, acct, records, first, last in con.execute(
            "SELECT name, kind, account_id, records, first_event, last_event FROM log_groups ORDER BY name"
        ).fetchall():
            groups.append(
                {
                    "name": name,
                    "kind": kind,
                    "account_id": acct,
                    "records": int(records or 0),
                    "first_event": _iso(first),
                    "last_event": _iso(last),
                    "formats": group_formats.get(name, []),
                }
            )
        row = con.execute(
            "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM rejects)"
        ).fetchone()
        files, rejects = row if row is not None else (0, 0)
        flow = sum(g["records"] for g in groups if g["kind"] == "flow")
        events = sum(g["records"] for g in groups if g["kind"] == "generic")
        return {
            "db": self.path,
            "log_groups": groups,
            "records": flow,
            "events": events,
            "files": int(files),
            "rejects": int(rejects),
            "formats": [_format_name(f) for f in formats.values()],
        }

    def rejects(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Quarantined lines, in file and line order."""
        sql = 'SELECT source, line, "column", reason, raw, file_id FROM rejects ORDER BY file_id, line'
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            {"source": s, "line": ln, "column": c, "reason": r, "raw": raw, "file_id": fid}
            for s, ln, c, r, raw, fid in self.con.execute(sql).fetchall()
        ]


def _format_name(rendered: str) -> str:
    from vpcflow.records.formats import DEFAULT_FORMAT

    return "default" if rendered == DEFAULT_FORMAT.render() else rendered


def _iso(ts: Any) -> str | None:
    if ts is None:
        return None
    return ts.isoformat() + "Z" if ts.tzinfo is None else ts.isoformat()
