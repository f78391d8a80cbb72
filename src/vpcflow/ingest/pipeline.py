"""``Store.ingest``: every input stored or quarantined, one transaction per file.

For each source (see :mod:`vpcflow.ingest.discover`):

1. hash the raw bytes (sha256); the log group is ``--log-group``, else the
   flow log id of an S3 file name, else a CloudWatch payload's ``logGroup``,
   else ``default``;
2. if that content is already stored in that group, report it ``skipped``
   (``force=True`` replaces the earlier load in the same transaction);
3. parse and insert inside one transaction: rows, rejects, the ``files`` row
   and the log-group counters commit together.

Text files are parsed on a producer thread (decompression and Arrow kernels
release the GIL) while DuckDB inserts the previous batches, so parsing and
storing overlap on two cores. A file that cannot be read at all (a corrupt
gzip stream, a broken Parquet footer) is rolled back and reported ``failed``
with the reason; the other files still load.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from vpcflow.errors import FormatError, InputError, VpcflowError
from vpcflow.ingest.discover import Source, discover, sha256_file
from vpcflow.ingest.summary import FileResult, IngestSummary
from vpcflow.ingest.text import RejectedLine, TextReader, iter_chunks
from vpcflow.records.formats import DEFAULT_FORMAT, FlowFormat, parse_format

if TYPE_CHECKING:
    from vpcflow.store.store import Store
    from vpcflow.store.writer import FileWrite

DEFAULT_GROUP = "default"
INGEST_MEMORY_LIMIT = "1GB"


class RejectedLinesError(InputError):
    """``--strict``: lines were rejected (they are stored in the quarantine all the same)."""

    def __init__(self, summary: IngestSummary) -> None:
        first = next((r for r in summary.results if r.rejects), None)
        where = first.path if first else None
        super().__init__(
            f"{summary.rejects} line(s) rejected (--strict); they are stored in the quarantine: "
            "see `vpcflow rejects`",
            where,
        )
        self.summary = summary


@dataclass
class Progress:
    """What a progress callback receives after every batch."""

    path: str
    bytes_done: int
    bytes_total: int
    records: int
    files_done: int
    files_total: int


def parse_format_option(fmt: str | FlowFormat | None) -> FlowFormat | None:
    """``--format`` as a FlowFormat; errors name ``--format:1:COL``."""
    if fmt is None or isinstance(fmt, FlowFormat):
        return fmt
    try:
        return parse_format(fmt)
    except FormatError as exc:
        raise FormatError(exc.message, "--format", 1, exc.column) from None


def ingest(
    store: Store,
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
    """Load ``paths`` into ``store``; see the module docstring."""
    started = time.perf_counter()
    flow_fmt = parse_format_option(fmt)
    if not paths:
        raise InputError("no input given (a file, a directory, or - for stdin)")
    sources = discover([str(p) for p in paths])
    summary = IngestSummary()
    total = sum(s.size for s in sources)
    # Row order inside a file does not matter (every row keeps its line number), and
    # letting DuckDB append in parallel halves the insert time. Restored afterwards
    # because readers of store.con may rely on insertion order.
    store.con.execute("SET preserve_insertion_order = false")
    # DuckDB's default cache is 80 % of RAM; an ingest streams, it needs far less.
    limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()
    store.con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")
    # Every file commits its own rows, so each leaves a partly filled row group behind.
    # DuckDB's checkpoint "vacuum" merges such neighbours by rewriting (decompressing
    # and recompressing) the whole table: at close after 10 M records that took 18 s
    # and 6 GB of RSS. Without vacuum the checkpoint only writes metadata; the cost
    # is one short row group per file. (Store() already turns it off; a connection
    # handed in by someone else may not have.) Checkpoint here, while the memory
    # limit holds, so closing the store has nothing left to do.
    vacuum = store.con.execute("SELECT current_setting('max_vacuum_tasks')").fetchone()
    store.con.execute("SET max_vacuum_tasks = 0")
    replaced: list[int] = []  # ids of earlier loads deleted by --force
    try:
        _ingest_all(
            store,
            sources,
            summary,
            total,
            log_group,
            flow_fmt,
            force,
            generic,
            exact,
            progress,
            replaced,
        )
    finally:
        _checkpoint(store, vacuum=bool(replaced))
        if vacuum is not None:
            store.con.execute(f"SET max_vacuum_tasks = {int(vacuum[0])}")
        store.con.execute("RESET preserve_insertion_order")
        if limit is not None:
            store.con.execute(f"SET memory_limit = '{limit[0]}'")
    summary.seconds = time.perf_counter() - started
    if strict and summary.rejects:
        raise RejectedLinesError(summary)
    return summary


def _checkpoint(store: Store, *, vacuum: bool) -> None:
    """Best-effort CHECKPOINT (it fails if another connection has a transaction open).

    With ``vacuum`` (``--force`` deleted earlier rows) the space is reclaimed,
    which needs the rewrite; otherwise row groups are kept as written.
    """
    import duckdb

    if store.path == ":memory:":
        return
    try:
        if vacuum:
            store.con.execute("RESET max_vacuum_tasks")
        store.con.execute("CHECKPOINT")
    except duckdb.Error:
        pass  # the checkpoint then happens at close, as it would have anyway


def _ingest_all(
    store: Store,
    sources: list[Source],
    summary: IngestSummary,
    total: int,
    log_group: str | None,
    flow_fmt: FlowFormat | None,
    force: bool,
    generic: bool,
    exact: bool,
    progress: Callable[..., None] | None,
    replaced: list[int],
) -> None:
    ahead = _ParseAhead(sources, flow_fmt or DEFAULT_FORMAT, exact, enabled=not generic)
    try:
        _ingest_each(
            store,
            sources,
            summary,
            total,
            log_group,
            flow_fmt,
            force,
            generic,
            exact,
            progress,
            ahead,
            replaced,
        )
    finally:
        ahead.close()


def _ingest_each(
    store: Store,
    sources: list[Source],
    summary: IngestSummary,
    total: int,
    log_group: str | None,
    flow_fmt: FlowFormat | None,
    force: bool,
    generic: bool,
    exact: bool,
    progress: Callable[..., None] | None,
    ahead: _ParseAhead,
    replaced: list[int],
) -> None:
    done_bytes = 0
    done_records = 0
    for n, src in enumerate(sources):

        def tick(
            file_bytes: int,
            records: int,
            src: Source = src,
            n: int = n,
            base_bytes: int = done_bytes,
            base_records: int = done_records,
        ) -> None:
            if progress is not None:
                progress(
                    Progress(
                        src.path,
                        base_bytes + min(file_bytes, src.size),
                        total,
                        base_records + records,
                        n,
                        len(sources),
                    )
                )

        try:
            result = _ingest_source(
                store,
                src,
                log_group=log_group,
                fmt=flow_fmt,
                force=force,
                generic=generic,
                exact=exact,
                tick=tick,
                ahead=ahead,
                n=n,
                replaced=replaced,
            )
        finally:
            ahead.drop(n)  # not consumed: the file was skipped or failed early
            src.cleanup()
        summary.results.append(result)
        done_bytes += src.size
        done_records += result.records if result.status == "loaded" else 0
        if progress is not None:
            progress(Progress(src.path, done_bytes, total, done_records, n + 1, len(sources)))


def _ingest_source(
    store: Store,
    src: Source,
    *,
    log_group: str | None,
    fmt: FlowFormat | None,
    force: bool,
    generic: bool,
    exact: bool,
    tick: Callable[[int, int], None],
    ahead: _ParseAhead | None = None,
    n: int = 0,
    replaced: list[int] | None = None,
) -> FileResult:
    from vpcflow.store import catalog
    from vpcflow.store.writer import FileWrite

    t0 = time.perf_counter()
    result = FileResult(path=src.path, source_type=src.source_type, size=src.size)
    result.sha256 = sha256_file(src.local)
    export = None
    if src.kind == "cloudwatch" and not generic:
        from vpcflow.ingest.cloudwatch import load_export

        try:
            export = load_export(src.local, gzipped=src.gzip, shown=src.path)
        except InputError as exc:
            return _failed(result, exc, t0)
    s3 = src.s3
    group = (
        log_group
        or (s3.flow_log_id if s3 is not None else None)
        or (export.log_group if export is not None else None)
        or DEFAULT_GROUP
    )
    result.log_group = group
    existing = catalog.find_files(store.con, result.sha256, group)
    if existing and not force:
        result.status = "skipped"
        result.seconds = time.perf_counter() - t0
        return result
    kind = "generic" if generic else "flow"
    account = (s3.account_id if s3 is not None else None) or (
        export.owner if export is not None else None
    )
    if export is not None:
        from vpcflow.ingest.cloudwatch import classify

        parsed = classify(export, fmt or DEFAULT_FORMAT)
        kind = parsed.kind
    result.kind = kind
    try:
        with FileWrite(
            store.con,
            path=src.path,
            size=src.size,
            sha256=result.sha256,
            log_group=group,
            kind=kind,
            flow_log_id=s3.flow_log_id if s3 is not None else None,
            account_id=account,
            region=s3.region if s3 is not None else None,
            replace_ids=existing,
        ) as w:
            if export is not None:
                _load_cloudwatch(w, export, parsed, result)
            elif generic:
                _load_generic(w, src, result, tick)
            elif src.kind == "parquet":
                _load_parquet(w, src, result, tick)
            else:
                _load_text(w, src, fmt or DEFAULT_FORMAT, exact, result, tick, ahead, n)
            result.seconds = time.perf_counter() - t0
            w.commit(result)
        if replaced is not None:
            replaced.extend(existing)
    except VpcflowError as exc:
        if isinstance(exc, InputError) and exc.path is None:
            exc.path = src.path
        if isinstance(exc, InputError):
            return _failed(result, exc, t0)
        raise
    except (OSError, EOFError, ValueError) as exc:
        return _failed(result, InputError(f"cannot read: {_first_line(exc)}", src.path), t0)
    return result


def _failed(result: FileResult, exc: InputError, t0: float) -> FileResult:
    result.status = "failed"
    result.error = exc.one_line()
    result.seconds = time.perf_counter() - t0
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- text ---------------------------------------------------------------------------------

_END = object()

# Rows per INSERT of parsed text: bounds memory (~100 MB of Arrow) while giving
# DuckDB a table it can scan on several threads.
INSERT_BATCH_ROWS = 500_000


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _open_text(src: Source) -> tuple[Any, Any]:
    """(decompressed stream, raw file) — the raw file's tell() drives the progress bar.

    gzip goes through ISA-L (``isal``): 2.5x faster than zlib on this machine
    (0.16 s against 0.41 s per million records), with the GIL released, and
    concatenated members read as one stream like the ``gzip`` module does.
    """
    raw = open(src.local, "rb")  # noqa: SIM115 - closed by _Parse.close
    if src.gzip:
        from isal import igzip

        return _Gunzip(igzip.IGzipFile(fileobj=raw, mode="rb")), raw
    return raw, raw


class _Gunzip:
    """An ISA-L gzip reader whose corrupt-data errors are ``OSError`` like the ``gzip`` module's
    (``IsalError`` derives from ``Exception`` only), so a broken file is reported, not raised."""

    def __init__(self, gz: Any) -> None:
        self.gz = gz

    def read(self, size: int = -1) -> bytes:
        from isal import igzip_lib

        # isal's stub declares IsalError as an instance, not a class
        corrupt = cast("type[Exception]", igzip_lib.IsalError)
        try:
            data: bytes = self.gz.read(size)
        except corrupt as exc:
            raise OSError(f"corrupt gzip data: {exc}") from None
        return data

    def close(self) -> None:
        self.gz.close()


class _Parse:
    """One text source parsed on its own thread into a small bounded queue.

    Decompression and the Arrow kernels release the GIL, so this runs beside
    DuckDB's insert. The queue holds at most a few batches: memory stays flat
    however large the file.
    """

    def __init__(self, src: Source, fmt: FlowFormat, exact: bool) -> None:
        self.reader = TextReader(fmt, exact=exact)
        self.stream, self.raw = _open_text(src)
        self.q: queue.Queue[Any] = queue.Queue(maxsize=4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._produce, name="vpcflow-parse", daemon=True)
        self.thread.start()

    def _put(self, item: Any) -> None:
        while not self.stop.is_set():
            try:
                self.q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _produce(self) -> None:
        try:
            for item in self.reader.batches(self.stream):
                if self.stop.is_set():
                    return
                self._put(item)
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, re-raised there
            self._put(_Failure(exc))

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.stream.close()
        if self.raw is not self.stream:
            self.raw.close()


class _ParseAhead:
    """Starts parsing the next text source while the current one is being inserted.

    Without it DuckDB waits for the first batch of every file (~0.1 s of
    decompression and parsing per 250,000 records). A prefetched parse of a
    file that turns out to be skipped is dropped unread.
    """

    def __init__(
        self, sources: list[Source], fmt: FlowFormat, exact: bool, *, enabled: bool
    ) -> None:
        self.sources = sources
        self.fmt = fmt
        self.exact = exact
        self.enabled = enabled
        self.started: dict[int, _Parse] = {}

    def take(self, n: int) -> _Parse | None:
        return self.started.pop(n, None)

    def start(self, n: int) -> None:
        if not self.enabled or n >= len(self.sources) or n in self.started:
            return
        src = self.sources[n]
        if src.kind != "text":
            return
        try:
            self.started[n] = _Parse(src, self.fmt, self.exact)
        except (OSError, ValueError):
            return  # reported when the file's own turn comes

    def drop(self, n: int) -> None:
        parse = self.started.pop(n, None)
        if parse is not None:
            parse.close()

    def close(self) -> None:
        for n in list(self.started):
            self.drop(n)


def _load_text(
    w: FileWrite,
    src: Source,
    fmt: FlowFormat,
    exact: bool,
    result: FileResult,
    tick: Callable[[int, int], None],
    ahead: _ParseAhead | None = None,
    n: int = 0,
) -> None:
    import pyarrow as pa

    from vpcflow.records.columns import flow_schema

    parse = (ahead.take(n) if ahead is not None else None) or _Parse(src, fmt, exact)
    reader, raw, q = parse.reader, parse.raw, parse.q
    records = 0
    try:
        pending: Any = None
        first = True
        while True:
            item = pending if pending is not None else q.get()
            pending = None
            if first and ahead is not None:
                ahead.start(n + 1)  # this file's parse is under way: let the next one start
            first = False
            if item is _END:
                break
            if isinstance(item, _Failure):
                raise item.exc
            seg_fmt: FlowFormat = item[0]

            def segment(
                first: pa.RecordBatch, seg_fmt: FlowFormat = seg_fmt
            ) -> Iterator[pa.RecordBatch]:
                nonlocal pending, records
                batch = first
                while True:
                    records += batch.num_rows
                    yield batch
                    tick(raw.tell(), records)
                    nxt = q.get()
                    if nxt is _END or isinstance(nxt, _Failure) or nxt[0] != seg_fmt:
                        pending = nxt
                        return
                    batch = nxt[1]

            # Insert whole Arrow tables of up to INSERT_BATCH_ROWS rows, not a stream:
            # DuckDB scans a table on all its threads but a stream on one.
            schema = flow_schema(seg_fmt)
            group: list[pa.RecordBatch] = []
            rows = 0
            for batch in segment(item[1]):
                group.append(batch)
                rows += batch.num_rows
                if rows >= INSERT_BATCH_ROWS:
                    w.insert_flow(seg_fmt, pa.Table.from_batches(group, schema))
                    group, rows = [], 0
            if group:
                w.insert_flow(seg_fmt, pa.Table.from_batches(group, schema))
    finally:
        parse.close()
    st = reader.stats
    result.lines = st.lines
    result.records = w.records
    result.headers = st.headers
    result.blanks = st.blanks
    result.rejects = w.insert_rejects(st.rejects)
    result.warnings.update(st.warnings)
    _unknown_field_warnings(result, st.formats)
    result.formats = [f.name() for f in st.formats]
    result.path_used = "exact" if exact else ("fast" if set(st.routes) <= {"csv"} else "mixed")


def _unknown_field_warnings(result: FileResult, formats: Sequence[FlowFormat]) -> None:
    for f in formats:
        for token in f.unknown_tokens:
            result.warnings[f"unknown field {token!r} (stored as text column)"] += 1


# -- parquet --------------------------------------------------------------------------------


def _load_parquet(
    w: FileWrite, src: Source, result: FileResult, tick: Callable[[int, int], None]
) -> None:
    """Read by column name, validate like text (through strings), cast to the canonical types.

    Going through strings gives Parquet exactly the rules of text: a negative
    or out-of-range value, or a bad action, is a reject; ``-`` is NULL.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from vpcflow.records.columns import rebuild_lines, records_to_batch, validate_strings
    from vpcflow.records.fields import BY_COLUMN
    from vpcflow.records.lines import Reject, parse_line

    try:
        pf = pq.ParquetFile(str(src.local))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {_first_line(exc)}", src.path) from None
    names = pf.schema_arrow.names
    tokens = [BY_COLUMN[n].token if n in BY_COLUMN else n.replace("_", "-") for n in names]
    fmt = parse_format(" ".join(tokens))
    total_rows = max(pf.metadata.num_rows, 1)
    row = 0
    rejects: list[RejectedLine] = []
    records = 0
    null = pa.scalar(None, pa.string())
    for batch in pf.iter_batches(batch_size=65536):
        cols = [pc.cast(c, pa.string()) for c in batch.columns]
        cols = [pc.if_else(pc.equal(c, "-"), null, c) for c in cols]
        strings = pa.RecordBatch.from_arrays(cols, names=[f"c{i}" for i in range(len(cols))])
        lines = pa.array(range(row + 1, row + batch.num_rows + 1), pa.int64())
        row += batch.num_rows
        v = validate_strings(strings, fmt, lines)
        result.warnings.update(v.warnings)
        if v.batch.num_rows:
            records += w.insert_flow(fmt, v.batch)
        if len(v.bad):
            good, good_lines = [], []
            numbers = pc.take(lines, v.bad).to_pylist()
            for number, raw in zip(numbers, rebuild_lines(strings, v.bad), strict=True):
                parsed = parse_line(raw, fmt)
                if isinstance(parsed, Reject):
                    rejects.append(RejectedLine(number, raw, parsed.reason, parsed.column))
                else:
                    good.append(parsed)
                    good_lines.append(number)
                    result.warnings.update(parsed.warnings)
            if good:
                records += w.insert_flow(fmt, records_to_batch(good, good_lines, fmt))
        tick(src.size * row // total_rows, records)
    result.lines = row
    result.records = records
    result.rejects = w.insert_rejects(rejects)
    result.formats = [fmt.name()]
    _unknown_field_warnings(result, [fmt])


# -- CloudWatch exports ---------------------------------------------------------------------


def _load_cloudwatch(w: FileWrite, export: Any, parsed: Any, result: FileResult) -> None:
    import pyarrow as pa

    from vpcflow.records.columns import records_to_batch

    events = export.events
    result.lines = len(events)
    if parsed.kind == "generic":
        table = pa.table(
            {
                "timestamp": pa.array([e.timestamp for e in events], pa.int64()),
                "message": pa.array([e.message for e in events], pa.string()),
                "log_stream": pa.array([e.log_stream for e in events], pa.string()),
                "ingestion_time": pa.array([e.ingestion_time for e in events], pa.int64()),
                "line": pa.array(range(1, len(events) + 1), pa.int64()),
            }
        )
        result.records = w.insert_events(table)
        return
    formats = []
    for fmt, records, numbers in parsed.chunks:
        batch = records_to_batch(records, numbers, fmt)
        evs = [events[n - 1] for n in numbers]
        table = pa.Table.from_batches([batch])
        start_at = fmt.tokens.index("start") if "start" in fmt.tokens else None
        ts = [
            e.timestamp
            if e.timestamp is not None
            else (
                r.values[start_at] * 1000
                if start_at is not None and r.values[start_at] is not None
                else None
            )
            for e, r in zip(evs, records, strict=True)
        ]
        if any(t is not None for t in ts):
            table = table.append_column(
                "timestamp",
                pa.array(ts, pa.int64()).cast(pa.timestamp("ms")),
            )
        streams = [e.log_stream for e in evs]
        if any(s is not None for s in streams):
            import pyarrow.compute as pc

            fallback = _default_streams(table)
            table = table.append_column(
                "log_stream", pc.coalesce(pa.array(streams, pa.string()), fallback)
            )
        ing = [e.ingestion_time for e in evs]
        if any(i is not None for i in ing):
            table = table.append_column(
                "ingestion_time", pa.array(ing, pa.int64()).cast(pa.timestamp("ms"))
            )
        w.insert_flow(fmt, table)
        if fmt.name() not in formats:
            formats.append(fmt.name())
    result.records = w.records
    result.headers = parsed.headers
    result.blanks = parsed.blanks
    result.rejects = w.insert_rejects(
        RejectedLine(n, raw, reason, col) for n, raw, reason, col in parsed.rejects
    )
    result.warnings.update(parsed.warnings)
    result.formats = formats or [DEFAULT_FORMAT.name()]


def _default_streams(table: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    for col in ("interface_id", "resource_id"):
        if col in table.schema.names:
            ids = pc.fill_null(table.column(col), "unknown")
            return pc.binary_join_element_wise(ids, pa.scalar("-all"), "")
    return pa.array(["unknown-all"] * table.num_rows, pa.string())


# -- generic logs ---------------------------------------------------------------------------


def _load_generic(
    w: FileWrite, src: Source, result: FileResult, tick: Callable[[int, int], None]
) -> None:
    from vpcflow.ingest.generic import event_batches

    stream, raw = _open_text(src)
    name = "stdin" if src.path == "-" else Path(src.path).name
    try:
        for batch, lines, blanks in event_batches(iter_chunks(stream), stream_name=name, now=w.now):
            result.lines += lines
            result.blanks += blanks
            if batch.num_rows:
                w.insert_events(batch)
            tick(raw.tell(), w.records)
    finally:
        stream.close()
    result.records = w.records
