"""Run compiled Logs Insights queries on a vpcflow DuckDB store.

The engine reads the store's catalog (log groups, ``flow_logs`` columns,
formats), checks every regex of a compiled query with DuckDB's own RE2 (a
pattern RE2 rejects is ``INVALID_ARGUMENT`` at the pattern's offset, spec
§2.5), executes the SQL and returns an Arrow table. Engine errors at run time
(an integer overflow, say) become ``QueryError`` too, never a traceback.

It opens its own read-only connection (``TimeZone='UTC'``) unless given a
connection or a :class:`~vpcflow.store.Store`, whose connection it borrows.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

from vpcflow.errors import QueryError, StoreError
from vpcflow.insights.catalog import Catalog, LogGroup, format_columns
from vpcflow.insights.dialects.duckdb import DuckDBDialect

if TYPE_CHECKING:
    import pyarrow as pa

    from vpcflow.insights.compiler import Compiled

# Catalogs by connection (id) or store path, with the fingerprint they were read at.
_CATALOGS: dict[Any, tuple[Any, tuple[Any, ...], Catalog]] = {}
_READ_ONLY: dict[int, tuple[Any, bool]] = {}
_FINGERPRINT = (
    "SELECT (SELECT count(*) FROM log_groups), (SELECT count(account_id) FROM log_groups), "
    "(SELECT count(*) FROM formats), (SELECT count(*) FROM log_group_formats), "
    "(SELECT count(*) FROM duckdb_columns() WHERE table_name = 'flow_logs' AND schema_name = 'main')"
)

# duckdb 2's warning that Arrow output of a DB-API result copies the rows
# (see DuckDBEngine._arrow).
_ARROW_COPY_MESSAGE = "Arrow output on a DB-API result makes an extra copy"

# Bytes of one default-format record line, for bytesScanned when the store
# has no file sizes for a group (records appended from tables).
DEFAULT_RECORD_BYTES = 100


def engine_threads() -> int:
    """DuckDB threads for connections the engine opens: 1.5 x the CPU count.

    On the 2-core benchmark machine, hash aggregation over ~10M groups (the
    "top 10 byte transfers" query on 10M records) took 1.09 s with 2 threads
    and 0.69 s with 3 (bench/README.md): more threads than cores overlap
    the aggregation's memory stalls.
    """
    return max(2, (os.cpu_count() or 2) * 3 // 2)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class DuckDBEngine:
    dialect = DuckDBDialect()

    def __init__(self, con: Any, owned: bool = False, key: Any = None) -> None:
        self.con = con
        self.owned = owned
        self.key = key if key is not None else ("con", id(con))
        self._catalog: Catalog | None = None

    @classmethod
    def open(cls, db: Any) -> DuckDBEngine:
        """An engine over a path, a ``Store``, or a DuckDB connection."""
        import duckdb

        if isinstance(db, duckdb.DuckDBPyConnection):
            return cls(db)
        con = getattr(db, "con", None)
        if con is not None:
            return cls(con)
        path = os.fspath(db)
        if path != ":memory:" and not os.path.exists(path):
            raise StoreError(f"{path}: no such store (run `vpcflow ingest` first)")
        try:
            con = duckdb.connect(path, read_only=path != ":memory:")
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open store: {_first_line(exc)}") from None
        con.execute("SET TimeZone='UTC'")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET threads = {engine_threads()}")
        engine = cls(con, owned=True, key=("path", os.path.abspath(path)))
        try:
            engine.catalog()
        except StoreError:
            con.close()
            raise
        return engine

    def close(self) -> None:
        if self.owned:
            self.con.close()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ catalog

    def _tables(self) -> set[str]:
        # flow_logs is a view since schema 2; schema-1 stores have a table
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def _read_only(self) -> bool:
        known = _READ_ONLY.get(id(self.con))
        if known is None or known[0] is not self.con:
            import duckdb

            try:
                mode = self.con.execute("SELECT current_setting('access_mode')").fetchall()[0][0]
            except duckdb.Error:
                mode = ""
            known = _READ_ONLY[id(self.con)] = (self.con, str(mode).upper() == "READ_ONLY")
        return known[1]

    def _fingerprint(self) -> tuple[Any, ...] | None:
        import duckdb

        try:
            rows = self.con.execute(_FINGERPRINT).fetchall()
        except duckdb.Error:
            return None
        return tuple(rows[0]) if rows else None

    def catalog(self) -> Catalog:
        """The store's catalog; reused while its fingerprint (group, format, column counts) holds."""
        if self._catalog is not None:
            return self._catalog
        cached = _CATALOGS.get(self.key)
        if cached is not None and cached[0] is self.con and self._read_only():
            # nobody can write the file while a read-only connection holds it
            self._catalog = cached[2]
            return cached[2]
        fingerprint = self._fingerprint()
        if (
            cached is not None
            and fingerprint is not None
            and cached[1] == fingerprint
            and (self.key[0] == "path" or cached[0] is self.con)
        ):
            self._catalog = cached[2]
            return cached[2]
        catalog = self._read_catalog()
        if fingerprint is not None:
            _CATALOGS[self.key] = (self.con if self.key[0] == "con" else None, fingerprint, catalog)
        self._catalog = catalog
        return catalog

    def _read_catalog(self) -> Catalog:
        import duckdb

        try:
            tables = self._tables()
            if not {"flow_logs", "events", "log_groups", "formats"} <= tables:
                raise StoreError("not a vpcflow store (no flow_logs/events/log_groups tables)")
            groups = tuple(
                LogGroup(name, kind or "flow", account)
                for name, kind, account in self.con.execute(
                    "SELECT name, kind, account_id FROM log_groups ORDER BY name"
                ).fetchall()
            )
            columns = tuple(
                (name, str(kind))
                for name, kind in self.con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() "
                    "WHERE table_name = 'flow_logs' AND schema_name = 'main' ORDER BY column_index"
                ).fetchall()
            )
            formats = {
                int(fid): format_columns(text)
                for fid, text in self.con.execute("SELECT id, format FROM formats").fetchall()
            }
            group_formats: dict[str, tuple[int, ...]] | None = None
            if "log_group_formats" in tables:
                pairs: dict[str, list[int]] = {}
                for group, fid in self.con.execute(
                    "SELECT log_group, format_id FROM log_group_formats"
                ).fetchall():
                    pairs.setdefault(group, []).append(int(fid))
                group_formats = {g: tuple(ids) for g, ids in pairs.items()}
        except duckdb.Error as exc:
            raise StoreError(f"cannot read the store catalog: {_first_line(exc)}") from None
        return Catalog(
            groups=groups, flow_columns=columns, formats=formats, group_formats=group_formats
        )

    # ------------------------------------------------------------ running

    def validate(self, compiled: Compiled) -> None:
        """Check every regex with DuckDB's RE2; a bad one is INVALID_ARGUMENT at its offset."""
        import duckdb

        if len(compiled.regexes) > 1:
            # one round trip for all (each costs ~0.3 ms); one by one only to find a bad one
            checks = ", ".join("regexp_matches('', ?)" for _ in compiled.regexes)
            try:
                self.con.execute(f"SELECT {checks}", [p for p, _, _ in compiled.regexes]).fetchall()
                return
            except duckdb.Error:
                pass
        for pattern, start, end in compiled.regexes:
            try:
                self.con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
            except duckdb.Error as exc:
                raise QueryError(
                    "INVALID_ARGUMENT",
                    f"invalid regular expression: {_first_line(exc).split(': ', 1)[-1]}",
                    start,
                    end,
                    compiled.text,
                ) from None

    def execute(self, compiled: Compiled) -> pa.Table:
        """Run the compiled SQL; the Arrow table has internal column names."""
        import duckdb

        self.validate(compiled)
        try:
            return self._arrow(compiled.sql)
        except duckdb.Error as exc:
            raise QueryError(
                "INVALID_ARGUMENT",
                f"the query failed while running: {_first_line(exc)}",
                0,
                len(compiled.text),
                compiled.text,
            ) from None

    def _arrow(self, sql: str) -> pa.Table:
        """All rows of ``sql`` as an Arrow table, running the statement once.

        ``con.sql(sql).to_arrow_table()`` parses and binds the statement to
        describe the relation, then parses, binds and runs it: for the 20-row
        ``recent-events`` on 10M records that is 0.45 ms of its 8 ms. The
        DB-API path runs it once; its Arrow output copies the rows once more,
        which is noise at vpcflow's result sizes (at most 100,000 rows: within
        +-2% there, measured). duckdb 2 warns about that copy on every call;
        that one warning is ignored around the call (innermost, so a caller's
        "error" filter does not turn it into an exception).
        """
        con = self.con
        fetch = getattr(con, "to_arrow_table", None)
        if fetch is None:  # duckdb 1.x: the DB-API result has fetch_arrow_table, no warning
            return con.execute(sql).fetch_arrow_table()
        con.execute(sql)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _ARROW_COPY_MESSAGE, UserWarning)
            return fetch()

    def counts(self, compiled: Compiled) -> tuple[int, int]:
        """(recordsScanned, recordsMatched) for the query's groups and time range."""
        import duckdb

        if compiled.counts_tree is None:
            return 0, 0
        sql = self.dialect.sql(compiled.counts_tree)
        try:
            rows = self.con.execute(sql).fetchall()
        except duckdb.Error:
            return 0, 0
        if not rows:
            return 0, 0
        return int(rows[0][0] or 0), int(rows[0][1] or 0)

    def bytes_per_record(self, groups: list[LogGroup]) -> float:
        """Average stored line size of the groups' files (an estimate for bytesScanned)."""
        if not groups:
            return 0.0
        marks = ", ".join("?" for _ in groups)
        rows = self.con.execute(
            f"SELECT sum(size), sum(lines) FROM files WHERE log_group IN ({marks}) AND lines > 0",
            [g.name for g in groups],
        ).fetchall()
        row = rows[0] if rows else None
        if row is None or not row[0] or not row[1]:
            return float(DEFAULT_RECORD_BYTES)
        return float(row[0]) / float(row[1])
