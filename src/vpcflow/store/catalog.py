"""Catalog bookkeeping inside a file's transaction: formats, log groups, files, columns.

Every function takes the connection of the (single) writer and runs inside the
caller's transaction, so a file's rows, its rejects, its ``files`` row and the
log-group counters appear together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vpcflow.errors import UsageError
from vpcflow.records.formats import FlowFormat
from vpcflow.store import layout


def format_id(con: Any, fmt: FlowFormat) -> int:
    """The id of ``fmt`` in ``formats`` (inserted when new)."""
    rendered = fmt.render()
    row = con.execute("SELECT id FROM formats WHERE format = ?", [rendered]).fetchone()
    if row is not None:
        return int(row[0])
    new_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM formats").fetchone()[0]
    con.execute("INSERT INTO formats VALUES (?, ?)", [new_id, rendered])
    return int(new_id)


def ensure_log_group(con: Any, name: str, kind: str, account_id: str | None, now: datetime) -> None:
    """Create the log group row if missing; refuse to mix flow records and generic events."""
    row = con.execute("SELECT kind, account_id FROM log_groups WHERE name = ?", [name]).fetchone()
    if row is None:
        con.execute(
            "INSERT INTO log_groups (name, kind, account_id, records, created_at) VALUES (?, ?, ?, 0, ?)",
            [name, kind, account_id, now],
        )
        return
    if row[0] != kind:
        what = "flow log records" if row[0] == "flow" else "generic log events"
        raise UsageError(
            f"log group {name!r} holds {what}; choose another --log-group for this input"
        )
    if row[1] is None and account_id is not None:
        con.execute("UPDATE log_groups SET account_id = ? WHERE name = ?", [account_id, name])


def add_group_format(con: Any, group: str, fid: int) -> None:
    con.execute(
        "INSERT INTO log_group_formats VALUES (?, ?) ON CONFLICT DO NOTHING",
        [group, fid],
    )


def bump_log_group(
    con: Any, name: str, records: int, first: datetime | None, last: datetime | None
) -> None:
    """Add a file's records and widen the group's time range."""
    con.execute(
        """UPDATE log_groups SET
             records = records + ?,
             first_event = CASE WHEN first_event IS NULL THEN ?::TIMESTAMP
                                WHEN ? IS NULL THEN first_event
                                ELSE least(first_event, ?::TIMESTAMP) END,
             last_event = CASE WHEN last_event IS NULL THEN ?::TIMESTAMP
                               WHEN ? IS NULL THEN last_event
                               ELSE greatest(last_event, ?::TIMESTAMP) END
           WHERE name = ?""",
        [records, first, first, first, last, last, last, name],
    )


def refresh_log_group(con: Any, name: str) -> None:
    """Recompute a group's counters from its rows (after ``--force`` deleted some)."""
    kind = con.execute("SELECT kind FROM log_groups WHERE name = ?", [name]).fetchone()
    if kind is None:
        return
    table = "flow_logs" if kind[0] == "flow" else "events"
    n, first, last = con.execute(
        f'SELECT count(*), min("timestamp"), max("timestamp") FROM {table} WHERE log_group = ?',
        [name],
    ).fetchone()
    con.execute(
        "UPDATE log_groups SET records = ?, first_event = ?, last_event = ? WHERE name = ?",
        [n, first, last, name],
    )


def find_files(con: Any, sha256: str, log_group: str) -> list[int]:
    """Ids of files already stored with this content in this log group."""
    rows = con.execute(
        "SELECT id FROM files WHERE sha256 = ? AND log_group = ? ORDER BY id", [sha256, log_group]
    ).fetchall()
    return [int(r[0]) for r in rows]


def next_file_id(con: Any) -> int:
    return int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM files").fetchone()[0])


def delete_files(con: Any, ids: list[int]) -> None:
    """Remove earlier loads of a file (``--force``): rows, events, rejects and the catalog row."""
    if not ids:
        return
    marks = ", ".join("?" for _ in ids)
    groups = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT log_group FROM files WHERE id IN ({marks})", ids
        ).fetchall()
    ]
    layout.delete_where(con, f"file_id IN ({marks})", ids)
    for table in ("events", "rejects"):
        con.execute(f"DELETE FROM {table} WHERE file_id IN ({marks})", ids)
    con.execute(f"DELETE FROM files WHERE id IN ({marks})", ids)
    for g in groups:
        if g is not None:
            refresh_log_group(con, g)


def delete_log_group(con: Any, name: str) -> int:
    """Remove a log group and everything in it; returns the records (or events) removed."""
    row = con.execute("SELECT kind, records FROM log_groups WHERE name = ?", [name]).fetchone()
    if row is None:
        return 0
    if row[0] == "flow":
        layout.delete_where(con, "log_group = ?", [name])
    else:
        con.execute("DELETE FROM events WHERE log_group = ?", [name])
    con.execute(
        "DELETE FROM rejects WHERE file_id IN (SELECT id FROM files WHERE log_group = ?)", [name]
    )
    con.execute("DELETE FROM files WHERE log_group = ?", [name])
    con.execute("DELETE FROM log_group_formats WHERE log_group = ?", [name])
    con.execute("DELETE FROM log_groups WHERE name = ?", [name])
    return int(row[1] or 0)
