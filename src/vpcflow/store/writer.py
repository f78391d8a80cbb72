"""One file, one transaction: rows, rejects, the ``files`` row and log-group counters together.

A SIGKILL at any point leaves either the whole file or nothing (DuckDB rolls
back an uncommitted transaction when the database is reopened), so re-running
an interrupted ingest completes it without duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vpcflow.records.formats import FlowFormat
from vpcflow.store import catalog, layout
from vpcflow.store.schema import quote_ident

if TYPE_CHECKING:
    import pyarrow as pa

    from vpcflow.ingest.summary import FileResult
    from vpcflow.ingest.text import RejectedLine


def utc_now() -> datetime:
    """Now as a naive UTC datetime (the store keeps naive UTC timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class FileWrite:
    """The transaction of one input. Use as a context manager; call :meth:`commit` at the end."""

    def __init__(
        self,
        con: Any,
        *,
        path: str,
        size: int,
        sha256: str,
        log_group: str,
        kind: str,
        source: str | None = None,
        flow_log_id: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        replace_ids: Sequence[int] = (),
    ) -> None:
        self.con = con
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.log_group = log_group
        self.kind = kind
        self.source = source if source is not None else path
        self.flow_log_id = flow_log_id
        self.account_id = account_id
        self.region = region
        self.replace_ids = list(replace_ids)
        self.now = utc_now()
        self.file_id = 0
        self.records = 0
        self._formats: list[int] = []
        self._open = False

    def __enter__(self) -> FileWrite:
        self.con.execute("BEGIN TRANSACTION")
        self._open = True
        catalog.delete_files(self.con, self.replace_ids)
        self.file_id = catalog.next_file_id(self.con)
        catalog.ensure_log_group(self.con, self.log_group, self.kind, self.account_id, self.now)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._open:
            self._open = False
            self.con.execute("ROLLBACK")

    # -- rows ---------------------------------------------------------------------

    def insert_flow(self, fmt: FlowFormat, data: Any) -> int:
        """Insert flow records: an Arrow table, batch or RecordBatchReader with store column names.

        Absent system columns are filled: ``timestamp`` = start (else end),
        ``log_stream`` = ``<interface-id>-all``, ``ingestion_time`` = now,
        account/region from the S3 path when the format lacks them.
        """
        fid = catalog.format_id(self.con, fmt)
        if fid not in self._formats:
            self._formats.append(fid)
            catalog.add_group_format(self.con, self.log_group, fid)
        table = layout.ensure_format_table(self.con, fmt, fid)
        names = set(data.schema.names)
        select = [f"b.{quote_ident(n)}" for n in data.schema.names if n != "timestamp"]
        params: list[Any] = []
        if "timestamp" in names:
            ts_type = str(data.schema.field("timestamp").type)
            if ts_type.startswith("int"):
                select.append('make_timestamp(b."timestamp" * 1000) AS "timestamp"')
            else:
                select.append('b."timestamp"::TIMESTAMP AS "timestamp"')
        else:
            times = [f"b.{quote_ident(c)}" for c in ("start", "end") if c in names]
            if times:
                select.append(
                    f'make_timestamp(coalesce({", ".join(times)}) * 1000000) AS "timestamp"'
                )
        if "log_stream" not in names:
            ids = [f"b.{quote_ident(c)}" for c in ("interface_id", "resource_id") if c in names]
            ids.append("'unknown'")
            select.append(f"coalesce({', '.join(ids)}) || '-all' AS log_stream")
        if "ingestion_time" not in names:
            select.append("?::TIMESTAMP AS ingestion_time")
            params.append(self.now)
        consts = [
            ("log_group", self.log_group),
            ("source", self.source),
            ("flow_log_id", self.flow_log_id),
            ("file_id", self.file_id),
        ]
        if "account_id" not in names and self.account_id is not None:
            consts.append(("account_id", self.account_id))
        if "region" not in names and self.region is not None:
            consts.append(("region", self.region))
        for col, value in consts:
            select.append(f"? AS {quote_ident(col)}")
            params.append(value)
        if "ms_timestamp" not in names:
            select.append("false AS ms_timestamp")
        sql = f"INSERT INTO {table} BY NAME SELECT {', '.join(select)} FROM b"
        self.con.register("b", data)
        try:
            row = self.con.execute(sql, params).fetchone()
        finally:
            self.con.unregister("b")
        n = int(row[0]) if row else 0
        self.records += n
        return n

    def insert_events(self, data: Any) -> int:
        """Insert generic events: ``timestamp`` (TIMESTAMP or epoch ms), ``message``, optional
        ``log_stream``, ``ingestion_time``, ``line``."""
        names = set(data.schema.names)
        ts_type = str(data.schema.field("timestamp").type)
        if ts_type.startswith("int"):
            ts = 'make_timestamp(b."timestamp" * 1000)'
        else:
            ts = 'b."timestamp"::TIMESTAMP'
        ing = "b.ingestion_time" if "ingestion_time" in names else "?::TIMESTAMP"
        if "ingestion_time" in names and str(data.schema.field("ingestion_time").type).startswith(
            "int"
        ):
            ing = "make_timestamp(b.ingestion_time * 1000)"
        stream = "b.log_stream" if "log_stream" in names else "NULL"
        line = "b.line" if "line" in names else "row_number() OVER ()"
        params: list[Any] = [] if "ingestion_time" in names else [self.now]
        params += [self.log_group, self.source, self.file_id]
        sql = f"""INSERT INTO events BY NAME
            SELECT {ts} AS "timestamp", {ing}::TIMESTAMP AS ingestion_time,
                   b.message::VARCHAR AS message, ? AS log_group, {stream} AS log_stream,
                   ? AS source, ? AS file_id, {line} AS line
            FROM b"""
        self.con.register("b", data)
        try:
            row = self.con.execute(sql, params).fetchone()
        finally:
            self.con.unregister("b")
        n = int(row[0]) if row else 0
        self.records += n
        return n

    def insert_rejects(self, rejects: Iterable[RejectedLine]) -> int:
        import pyarrow as pa

        rows = list(rejects)
        if not rows:
            return 0
        table = pa.table(
            {
                "file_id": pa.array([self.file_id] * len(rows), pa.int32()),
                "source": pa.array([self.source] * len(rows), pa.string()),
                "line": pa.array([r.line for r in rows], pa.int64()),
                "raw": pa.array([r.raw for r in rows], pa.string()),
                "reason": pa.array([r.reason for r in rows], pa.string()),
                "column": pa.array([r.column for r in rows], pa.int32()),
            }
        )
        self.con.register("rj", table)
        try:
            self.con.execute("INSERT INTO rejects BY NAME SELECT * FROM rj")
        finally:
            self.con.unregister("rj")
        return len(rows)

    # -- the end --------------------------------------------------------------------

    def commit(self, result: FileResult) -> None:
        """Write the ``files`` row and log-group counters, then COMMIT."""
        # only the tables this file wrote (the flow_logs view would scan them all)
        if self.kind == "flow":
            tables = [layout.format_table(fid) for fid in self._formats]
        else:
            tables = ["events"]
        rows = " UNION ALL ".join(
            f'SELECT "timestamp"{", account_id" if self.kind == "flow" else ""} FROM {t} '
            "WHERE file_id = $1"
            for t in tables
        )
        n, first, last = (0, None, None)
        if rows:
            n, first, last = self.con.execute(
                f'SELECT count(*), min("timestamp"), max("timestamp") FROM ({rows})',
                [self.file_id],
            ).fetchone()
        if self.kind == "flow" and self.account_id is None and n:
            acct = self.con.execute(
                f"SELECT account_id FROM ({rows}) WHERE account_id IS NOT NULL "
                "AND account_id <> 'unknown' LIMIT 1",
                [self.file_id],
            ).fetchall()
            acct = acct[0] if acct else None
            if acct is not None:
                self.con.execute(
                    "UPDATE log_groups SET account_id = ? WHERE name = ? AND account_id IS NULL",
                    [acct[0], self.log_group],
                )
        catalog.bump_log_group(self.con, self.log_group, int(n), first, last)
        self.con.execute(
            """INSERT INTO files (id, path, size, sha256, log_group, kind, lines, records, rejects,
                                  headers, blanks, warnings, ingested_at, seconds)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                self.file_id,
                self.path,
                self.size,
                self.sha256,
                self.log_group,
                self.kind,
                result.lines,
                result.records,
                result.rejects,
                result.headers,
                result.blanks,
                json.dumps(dict(result.warnings), sort_keys=True),
                self.now,
                round(result.seconds, 3),
            ],
        )
        self.con.execute("COMMIT")
        self._open = False
        result.file_id = self.file_id


def table_sha256(table: pa.Table) -> str:
    """Content hash of an Arrow table (its IPC stream), for idempotent appends."""
    import hashlib

    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
