"""The store's DuckDB schema: the contract between ingest, the simulator and the query engine.

Tables (all in the ``main`` schema of one DuckDB file):

``flow_logs``
    One row per flow log record. One column per registry field
    (:data:`vpcflow.records.fields.FIELDS`, column = token with ``-`` -> ``_``,
    type = the field's store type; unknown tokens of a format appear as VARCHAR
    columns), plus the system columns of :data:`FLOW_SYSTEM_COLUMNS`. Since
    schema version 2 this is a *view* over one table per format
    (``flow_logs_<format id>``, see :mod:`vpcflow.store.layout`): read it
    freely; write and delete through the store. ``-`` in the input is NULL, never 0 or ``'-'``.
    ``timestamp`` is the CloudWatch event time: ``start`` for flow logs.
    ``format_id`` points at ``formats``; ``@message`` is rebuilt from the
    record's format columns joined by single spaces (NULL shown as ``-``).
``events``
    Generic (non flow log) log events: :data:`EVENT_COLUMNS`.
``log_groups``
    Catalog of log groups: name, kind (``flow`` | ``generic``), account id
    (for ``@log`` = ``account:group``), record count, first/last event time.
``formats``
    Every flow log format seen: id and rendered ``${a} ${b}`` string.
``files``
    Every ingested file or stream: path, size, content hash, counts, time.
``rejects``
    Quarantined input lines: file, source, line number, raw text, reason.
``log_group_formats``
    Which formats each flow log group holds (added by the ingest issue).

Times are stored as naive ``TIMESTAMP`` values in UTC (the session time zone
is pinned to UTC by :func:`connect`).
"""

from __future__ import annotations

from vpcflow.records.fields import FIELDS

SCHEMA_VERSION = 2

FLOW_SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("timestamp", "TIMESTAMP"),  # event time (= start), UTC
    ("ingestion_time", "TIMESTAMP"),  # when the record reached the store / CloudWatch
    ("log_group", "VARCHAR"),
    ("log_stream", "VARCHAR"),  # <interface-id>-all when unknown
    ("source", "VARCHAR"),  # file path or stream the record came from
    ("flow_log_id", "VARCHAR"),  # fl-... from S3 file names, when known
    ("format_id", "SMALLINT"),  # -> formats.id
    ("file_id", "INTEGER"),  # -> files.id
    ("line", "BIGINT"),  # 1-based line (or event index) in the source; @ptr = file_id:line
    ("ms_timestamp", "BOOLEAN"),  # start/end were milliseconds and were normalised
)

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("timestamp", "TIMESTAMP"),
    ("ingestion_time", "TIMESTAMP"),
    ("message", "VARCHAR"),
    ("log_group", "VARCHAR"),
    ("log_stream", "VARCHAR"),
    ("source", "VARCHAR"),
    ("file_id", "INTEGER"),
    ("line", "BIGINT"),
)


def quote_ident(name: str) -> str:
    """Double-quote an identifier for DuckDB (``end`` and ``timestamp`` need it)."""
    return '"' + name.replace('"', '""') + '"'


def flow_columns() -> list[tuple[str, str]]:
    """(column, type) of ``flow_logs`` for the registered fields, then system columns."""
    return [(f.column, f.store_type) for f in FIELDS] + list(FLOW_SYSTEM_COLUMNS)


def ddl() -> list[str]:
    """Statements that create an empty store (idempotent; the ``flow_logs`` view is
    created by :func:`vpcflow.store.layout.rebuild_view`)."""
    event_cols = ",\n  ".join(f"{quote_ident(c)} {t}" for c, t in EVENT_COLUMNS)
    return [
        "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        f"CREATE TABLE IF NOT EXISTS events (\n  {event_cols}\n)",
        """CREATE TABLE IF NOT EXISTS log_groups (
  name VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL,          -- 'flow' | 'generic'
  account_id VARCHAR,
  records BIGINT DEFAULT 0,
  first_event TIMESTAMP,
  last_event TIMESTAMP,
  created_at TIMESTAMP
)""",
        """CREATE TABLE IF NOT EXISTS formats (
  id SMALLINT PRIMARY KEY,
  format VARCHAR UNIQUE NOT NULL  -- rendered ${a} ${b} ... string
)""",
        """CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  path VARCHAR NOT NULL,
  size BIGINT,
  sha256 VARCHAR NOT NULL,
  log_group VARCHAR,
  kind VARCHAR,                   -- 'flow' | 'generic'
  lines BIGINT,
  records BIGINT,
  rejects BIGINT,
  headers BIGINT,
  blanks BIGINT,
  warnings VARCHAR,               -- JSON object: warning -> count
  ingested_at TIMESTAMP,
  seconds DOUBLE
)""",
        """CREATE TABLE IF NOT EXISTS rejects (
  file_id INTEGER,
  source VARCHAR,
  line BIGINT,
  raw VARCHAR,
  reason VARCHAR,
  "column" INTEGER
)""",
        """CREATE TABLE IF NOT EXISTS log_group_formats (
  log_group VARCHAR NOT NULL,
  format_id SMALLINT NOT NULL,
  PRIMARY KEY (log_group, format_id)
)""",
    ]
