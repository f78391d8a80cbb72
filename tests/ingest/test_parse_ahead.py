"""Parsing the next file ahead while the current one is inserted changes no outcome.

Also: an ingest leaves the session settings as it found them and checkpoints
without the row-group vacuum (see ``pipeline.ingest``).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from vpcflow.store import Store

HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status\n"
)


def rec(i: int) -> str:
    return (
        f"2 123456789012 eni-0a1b2c3d4e5f6{i:04d} 10.0.1.5 203.0.113.5 49152 443 6 10 {i} "
        "1718000000 1718000060 ACCEPT OK\n"
    )


def write(d: Path, name: str, n: int, start: int) -> None:
    text = HEADER + "".join(rec(start + i) for i in range(n))
    (d / name).write_bytes(gzip.compress(text.encode()))


def test_many_files_with_skipped_and_failed_neighbours(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    write(d, "a.log.gz", 5, 0)
    write(d, "b.log.gz", 7, 100)
    (d / "c.log.gz").write_bytes(b"\x1f\x8b\x08\x00garbage-not-a-deflate-stream")
    write(d, "d.log.gz", 3, 200)
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        first = store.ingest([d])
        by_name = {Path(r.path).name: r for r in first.results}
        assert [by_name[n].status for n in ("a.log.gz", "b.log.gz", "c.log.gz", "d.log.gz")] == [
            "loaded",
            "loaded",
            "failed",
            "loaded",
        ]
        assert [by_name[n].records for n in ("a.log.gz", "b.log.gz", "d.log.gz")] == [5, 7, 3]
        assert first.records == 15
        # a second run: a and b are skipped (their prefetched parses dropped), e is new
        write(d, "e.log.gz", 4, 300)
        second = store.ingest([d])
        statuses = {Path(r.path).name: r.status for r in second.results}
        assert statuses == {
            "a.log.gz": "skipped",
            "b.log.gz": "skipped",
            "c.log.gz": "failed",
            "d.log.gz": "skipped",
            "e.log.gz": "loaded",
        }
        rows = store.con.execute(
            "SELECT f.path, count(*), min(l.bytes), max(l.bytes) FROM flow_logs l "
            "JOIN files f ON f.id = l.file_id GROUP BY f.path ORDER BY f.path"
        ).fetchall()
        assert [(Path(p).name, n, lo, hi) for p, n, lo, hi in rows] == [
            ("a.log.gz", 5, 0, 4),
            ("b.log.gz", 7, 100, 106),
            ("d.log.gz", 3, 200, 202),
            ("e.log.gz", 4, 300, 303),
        ]
        # settings restored; the WAL was checkpointed into the database file
        assert store.con.execute("SELECT current_setting('max_vacuum_tasks')").fetchone() == (0,)
        assert store.con.execute(
            "SELECT current_setting('preserve_insertion_order')"
        ).fetchone() == (True,)
    wal = Path(str(db) + ".wal")
    assert not wal.exists() or os.path.getsize(wal) == 0


def test_force_reingest_replaces_rows_once(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for k in range(3):
        write(d, f"f{k}.log.gz", 4, 10 * k)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([d])
        again = store.ingest([d], force=True)
        assert [r.status for r in again.results] == ["loaded"] * 3
        assert store.con.execute(
            "SELECT count(*), count(DISTINCT line) FROM flow_logs"
        ).fetchone() == (
            12,
            4,
        )
        assert store.con.execute("SELECT count(*) FROM files").fetchone() == (3,)
