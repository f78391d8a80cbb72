"""Where flow records physically live: one table per format, ``flow_logs`` a view over them.

Why not one wide table: a record of the default format fills 14 of the ~80
registry columns, and DuckDB pays for every column on insert, NULL or not. On
the ingest benchmark (10 M default-format records) the wide table made the
INSERT 2.5x slower than a table holding only the format's columns, and the
INSERT was 85 % of the ingest time (bench/README.md).

So each flow log format gets its own table ``flow_logs_<format id>`` holding
the format's columns (registry types; unknown tokens as VARCHAR), ``account_id``
and ``region`` (filled from the S3 path when the format lacks them) and the
stored system columns (:data:`STORED_SYSTEM_COLUMNS`). ``flow_logs`` stays
the one name every reader uses: a view that ``UNION ALL``\\ s the format tables,
each padded with typed NULLs to the full column list and given its constant
``format_id``. Readers (the query engine, tests, users' own SQL) see the same
columns as before; only writers and deletes go through this module.

A store written by schema version 1 has a physical wide ``flow_logs`` table;
:func:`migrate` renames it to ``flow_logs_v1`` (no data is copied) and makes
it one member of the view, with its own ``format_id`` column.
"""

from __future__ import annotations

import re
from typing import Any

from vpcflow.records.fields import FIELDS
from vpcflow.records.formats import FlowFormat
from vpcflow.store.schema import FLOW_SYSTEM_COLUMNS, flow_columns, quote_ident

LEGACY_TABLE = "flow_logs_v1"
_FORMAT_TABLE = re.compile(r"^flow_logs_(\d+)$")

# Columns every format table has besides its format's fields. ``format_id`` is
# not stored: the view gives each table's constant.
STORED_SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (c, t) for c, t in FLOW_SYSTEM_COLUMNS if c != "format_id"
)
# Registry fields every format table has, so S3-path values have a home.
_ALWAYS = ("account_id", "region")
_TYPES = {f.column: f.store_type for f in FIELDS}


def format_table(fid: int) -> str:
    return f"flow_logs_{fid}"


def flow_tables(con: Any) -> list[tuple[str, int | None]]:
    """(table, format id) of every physical flow table, legacy (format id None) first."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND table_name LIKE 'flow\\_logs\\_%' ESCAPE '\\'"
    ).fetchall()
    out: list[tuple[str, int | None]] = []
    for (name,) in rows:
        if name == LEGACY_TABLE:
            out.append((name, None))
        elif m := _FORMAT_TABLE.match(name):
            out.append((name, int(m.group(1))))
    return sorted(out, key=lambda t: -1 if t[1] is None else t[1])


def _columns(con: Any, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index",
        [table],
    ).fetchall()
    return {name: str(kind) for name, kind in rows}


def ensure_format_table(con: Any, fmt: FlowFormat, fid: int) -> str:
    """The table of format ``fid`` (created, and the view rebuilt, when new)."""
    table = format_table(fid)
    if any(t == table for t, _ in flow_tables(con)):
        return table
    cols: list[tuple[str, str]] = [(f.column, f.store_type) for f in fmt.fields]
    have = {c for c, _ in cols}
    cols += [(c, _TYPES[c]) for c in _ALWAYS if c not in have]
    cols += list(STORED_SYSTEM_COLUMNS)
    body = ", ".join(f"{quote_ident(c)} {t}" for c, t in cols)
    con.execute(f"CREATE TABLE {table} ({body})")
    rebuild_view(con)
    return table


def rebuild_view(con: Any) -> None:
    """(Re)define ``flow_logs`` over the current flow tables."""
    members = [(t, fid, _columns(con, t)) for t, fid in flow_tables(con)]
    canonical = flow_columns()
    known = {c for c, _ in canonical}
    extra: dict[str, str] = {}
    for _, _, cols in members:
        for c, t in cols.items():
            if c not in known and c not in extra:
                extra[c] = t
    full = canonical + list(extra.items())
    if not members:
        nulls = ", ".join(f"NULL::{t} AS {quote_ident(c)}" for c, t in full)
        body = f"SELECT {nulls} WHERE false"
    else:
        body = "\nUNION ALL\n".join(_member(t, fid, cols, full) for t, fid, cols in members)
    con.execute(f"CREATE OR REPLACE VIEW flow_logs AS\n{body}")


def _member(table: str, fid: int | None, cols: dict[str, str], full: list[tuple[str, str]]) -> str:
    parts = []
    for c, t in full:
        q = quote_ident(c)
        if c == "format_id" and fid is not None:
            parts.append(f"{fid}::SMALLINT AS format_id")
        elif c in cols:
            parts.append(q if cols[c] == t else f"{q}::{t} AS {q}")
        else:
            parts.append(f"NULL::{t} AS {q}")
    return f"SELECT {', '.join(parts)} FROM {table}"


def delete_where(con: Any, condition: str, params: list[Any]) -> None:
    """DELETE matching flow records from every flow table (``condition`` uses stored columns)."""
    for table, _ in flow_tables(con):
        con.execute(f"DELETE FROM {table} WHERE {condition}", params)


def migrate(con: Any) -> None:
    """Bring a schema-1 store (physical ``flow_logs`` table) to the per-format layout."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = 'flow_logs'"
    ).fetchone()
    if kind is None or kind[0] != "BASE TABLE":
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"ALTER TABLE flow_logs RENAME TO {LEGACY_TABLE}")
        rebuild_view(con)
        con.execute("UPDATE store_meta SET value = '2' WHERE key = 'schema_version'")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
