"""Read flow log text (plain or gzip, headers, any format) into typed Arrow batches.

The file is decompressed as a stream and cut into chunks of whole lines
(~8 MB). Each chunk takes one of three routes, all giving the same rows:

``csv``
    Arrow's C++ CSV reader splits the chunk on single spaces (``-`` as NULL,
    no quoting), then :func:`vpcflow.records.columns.validate_strings` types
    and checks every value at once. Taken when every line of the chunk has
    exactly the format's field count and every CR is part of a CRLF, so that
    rows map one-to-one onto physical lines (exact line numbers).
``split``
    The chunk is split into lines and fields with Arrow string kernels; rows
    with the right count are validated as above, the rest go to the exact
    parser with their line numbers. Taken for chunks with irregular lines
    (double spaces, short lines, lone CRs).
``exact``
    Every line through :mod:`vpcflow.records.lines` in Python. Taken for a
    chunk that is not valid UTF-8, and for everything when ``exact=True``.

Rows that the vectorised checks doubt (see ``columns.py``) are always
re-parsed exactly, which decides between record, header and reject. A header
line repeated mid-file is counted; a header with a *different* format switches
the format from that line on (concatenated files of two flow logs). Blank
lines are counted. So for every file: lines = records + rejects + headers +
blanks.

Lines end at ``\\n``; a ``\\r`` before it is dropped with the rest of the
trailing whitespace.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from vpcflow.errors import FormatError
from vpcflow.records.columns import rebuild_lines, records_to_batch, validate_strings
from vpcflow.records.fields import BY_TOKEN
from vpcflow.records.formats import FlowFormat, looks_like_header, parse_format
from vpcflow.records.lines import Record, Reject, is_blank, parse_line

if TYPE_CHECKING:
    import pyarrow as pa

# Size of the decompressed chunks (whole lines) each route works on; the environment
# variable is a tuning knob (and lets tests get many batches out of a small file).
CHUNK_BYTES = int(os.environ.get("VPCFLOW_CHUNK_BYTES", str(8 << 20)))
_KNOWN_TOKENS = sorted(BY_TOKEN)


@dataclass
class RejectedLine:
    """One quarantined line."""

    line: int
    raw: str
    reason: str
    column: int | None = None


@dataclass
class TextStats:
    """Counters of one text source (conservation: lines = records + rejects + headers + blanks)."""

    lines: int = 0
    records: int = 0
    headers: int = 0
    blanks: int = 0
    rejects: list[RejectedLine] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    formats: list[FlowFormat] = field(default_factory=list)
    routes: Counter[str] = field(default_factory=Counter)


class _Switch(Exception):
    """A header with another format at ``offset`` lines into the chunk."""

    def __init__(self, offset: int, fmt: FlowFormat) -> None:
        self.offset = offset
        self.fmt = fmt


def iter_chunks(stream: BinaryIO | Any, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Chunks of whole lines (each ends with ``\\n`` except possibly the last)."""
    carry = b""
    while True:
        buf = stream.read(size)
        if not buf:
            if carry:
                yield carry
            return
        cut = buf.rfind(b"\n") + 1
        if cut == 0:
            carry += buf
            continue
        # one copy of the chunk: the carried partial line plus this buffer's whole lines
        view = memoryview(buf)
        yield carry + view[:cut] if carry else bytes(view[:cut])
        carry = bytes(view[cut:])


def _count_lines(chunk: bytes) -> int:
    if not chunk:
        return 0
    return chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)


def _split_lines(chunk: bytes) -> list[bytes]:
    parts = chunk.split(b"\n")
    if chunk.endswith(b"\n"):
        parts.pop()
    return parts


class TextReader:
    """Produces ``(format, batch)`` pairs for one text stream; counters in :attr:`stats`.

    ``fmt`` is the format for lines before any header (``--format`` or the
    default). Rejected lines accumulate in ``stats.rejects``.
    """

    def __init__(self, fmt: FlowFormat, *, exact: bool = False, chunk_bytes: int = CHUNK_BYTES):
        self.fmt = fmt
        self.exact = exact
        self.chunk_bytes = chunk_bytes
        self.stats = TextStats()

    # -- public -----------------------------------------------------------------

    def batches(self, stream: BinaryIO | Any) -> Iterator[tuple[FlowFormat, pa.RecordBatch]]:
        """Read ``stream`` to the end, yielding typed batches (``records.columns.flow_schema``)."""
        line_base = 0
        for chunk in iter_chunks(stream, self.chunk_bytes):
            pending: bytes | None = chunk
            while pending:
                try:
                    out = list(self._chunk(pending, line_base))
                except _Switch as sw:
                    # Keep what precedes the header, count the header, go on with the new format.
                    head, rest = _cut_lines(pending, sw.offset)
                    out = list(self._chunk(head, line_base)) if head else []
                    for item in out:
                        yield item
                    line_base += sw.offset + 1
                    self.stats.lines += 1
                    self.stats.headers += 1
                    self._use(sw.fmt)
                    pending = rest
                    continue
                for item in out:
                    yield item
                line_base += _count_lines(pending)
                pending = None
        if not self.stats.formats:
            self._use(self.fmt)

    # -- routes -------------------------------------------------------------------

    def _use(self, fmt: FlowFormat) -> None:
        self.fmt = fmt
        if fmt not in self.stats.formats:
            self.stats.formats.append(fmt)

    def _chunk(self, chunk: bytes, line_base: int) -> Iterator[tuple[FlowFormat, pa.RecordBatch]]:
        """Process one chunk whose first line is line ``line_base + 1``.

        Counters are only updated once the whole chunk is done (a _Switch raised
        midway leaves them untouched, so the caller can redo the head).
        """
        n_lines = _count_lines(chunk)
        if line_base == 0 and not self.stats.formats:
            first = chunk.split(b"\n", 1)[0]
            header = self._header_of(first)
            if header is not None:
                raise _Switch(0, header)
            self._use(self.fmt)
        local = TextStats()
        results: list[tuple[FlowFormat, pa.RecordBatch]] = []
        doubtful: list[tuple[int, Any]] = []
        route = "exact" if self.exact else self._pick_route(chunk)
        if route == "csv":
            strings = self._csv(chunk, n_lines)
            if strings is None:
                route = "split"
            else:
                import numpy as np
                import pyarrow as pa

                lines = pa.array(np.arange(line_base + 1, line_base + n_lines + 1, dtype=np.int64))
                self._validated(strings, lines, local, results, doubtful)
        if route == "split":
            try:
                self._split(chunk, line_base, local, results, doubtful)
            except UnicodeDecodeError:
                route = "exact"
                local = TextStats()
                results = []
                doubtful = []
        if route == "exact":
            doubtful = list(enumerate(_split_lines(chunk), start=line_base + 1))
        doubtful.sort(key=lambda item: item[0])
        results.extend(self._exact_lines(doubtful, line_base, local))
        local.routes[route] += 1
        # the chunk is complete: commit its counters
        self.stats.lines += n_lines
        self.stats.records += sum(b.num_rows for _, b in results)
        self.stats.headers += local.headers
        self.stats.blanks += local.blanks
        self.stats.rejects.extend(local.rejects)
        self.stats.warnings.update(local.warnings)
        self.stats.routes.update(local.routes)
        yield from results

    def _pick_route(self, chunk: bytes) -> str:
        if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
            return "split"
        return "csv"

    def _csv(self, chunk: bytes, n_lines: int) -> pa.RecordBatch | None:
        """Arrow CSV parse of a chunk, or None when its rows do not map 1:1 onto lines."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        width = len(self.fmt.tokens)
        names = [f"c{i}" for i in range(width)]
        invalid = 0

        def on_invalid(_row: Any) -> str:
            nonlocal invalid
            invalid += 1
            return "skip"

        try:
            table = pcsv.read_csv(
                pa.BufferReader(chunk),
                # One block, one thread: the chunk is already a unit of work, and the
                # other core is busy with DuckDB's insert. Half the CPU of 1 MB blocks
                # on Arrow's thread pool, and no chunks to combine afterwards.
                read_options=pcsv.ReadOptions(
                    column_names=names, block_size=len(chunk) + 1, use_threads=False
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=" ",
                    quote_char=False,
                    escape_char=False,
                    double_quote=False,
                    newlines_in_values=False,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    null_values=["-"],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid:
            return None
        if invalid or table.num_rows != n_lines or not table.num_rows:
            return None
        return table.combine_chunks().to_batches()[0]

    def _split(
        self,
        chunk: bytes,
        line_base: int,
        local: TextStats,
        results: list[tuple[FlowFormat, pa.RecordBatch]],
        doubtful: list[tuple[int, Any]],
    ) -> None:
        """Arrow string kernels: exact line numbers even for irregular lines."""
        import pyarrow as pa
        import pyarrow.compute as pc

        text = chunk.decode("utf-8")  # UnicodeDecodeError -> exact route
        if text.endswith("\n"):
            text = text[:-1]
        lines = pc.split_pattern(pa.array([text], pa.string()), "\n").flatten()
        fields = pc.split_pattern(lines, " ")
        width = len(self.fmt.tokens)
        regular = pc.equal(pc.list_value_length(fields), width)
        idx = pc.indices_nonzero(regular)
        irregular = pc.indices_nonzero(pc.invert(regular))
        starts = pc.take(fields.offsets, idx)
        flat = fields.values
        cols = []
        for i in range(width):
            c = pc.take(flat, pc.add(starts, i))
            cols.append(pc.if_else(pc.equal(c, "-"), pa.scalar(None, pa.string()), c))
        strings = pa.RecordBatch.from_arrays(cols, names=[f"c{i}" for i in range(width)])
        numbers = pc.add(pc.cast(idx, pa.int64()), line_base + 1)
        if strings.num_rows:
            self._validated(strings, numbers, local, results, doubtful)
        odd = pc.take(lines, irregular).to_pylist()
        odd_numbers = pc.add(pc.cast(irregular, pa.int64()), line_base + 1).to_pylist()
        doubtful.extend(zip(odd_numbers, odd, strict=True))

    def _validated(
        self,
        strings: pa.RecordBatch,
        lines: pa.Array,
        local: TextStats,
        results: list[tuple[FlowFormat, pa.RecordBatch]],
        doubtful: list[tuple[int, Any]],
    ) -> None:
        """Vectorised checks: good rows to ``results``, the rest (with line numbers) to ``doubtful``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        # a header row can pass as values when the format has no integer column
        header_like = pc.fill_null(
            pc.is_in(strings.column(0), value_set=pa.array(_KNOWN_TOKENS)), False
        )
        if pc.any(header_like).as_py():
            hdr = pc.indices_nonzero(header_like)
            doubtful.extend(
                zip(pc.take(lines, hdr).to_pylist(), rebuild_lines(strings, hdr), strict=True)
            )
            keep = pc.invert(header_like)
            strings = strings.filter(keep)
            lines = pc.filter(lines, keep)
        v = validate_strings(strings, self.fmt, lines)
        local.warnings.update(v.warnings)
        if v.batch.num_rows:
            results.append((self.fmt, v.batch))
        if len(v.bad):
            raw = rebuild_lines(strings, v.bad)
            numbers = pc.take(lines, v.bad).to_pylist()
            doubtful.extend(zip(numbers, raw, strict=True))

    def _exact_lines(
        self,
        doubtful: list[tuple[int, Any]],
        line_base: int,
        local: TextStats,
    ) -> Iterator[tuple[FlowFormat, pa.RecordBatch]]:
        """The exact parser on lines in line order; a header with a new format raises _Switch."""
        records: list[Record] = []
        rec_lines: list[int] = []
        for number, raw in doubtful:
            if is_blank(raw):
                local.blanks += 1
                continue
            text = raw if isinstance(raw, str) else None
            if text is None:
                try:
                    text = bytes(raw).decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            if text is not None and looks_like_header(text):
                try:
                    fmt = parse_format(text)
                except FormatError as exc:
                    local.rejects.append(
                        RejectedLine(
                            number, text.rstrip("\r"), f"bad header: {exc.message}", exc.column
                        )
                    )
                    continue
                if fmt == self.fmt:
                    local.headers += 1
                    continue
                raise _Switch(number - line_base - 1, fmt)
            result = parse_line(raw, self.fmt)
            if isinstance(result, Reject):
                shown = text if text is not None else bytes(raw).decode("utf-8", "replace")
                local.rejects.append(
                    RejectedLine(number, shown.rstrip("\r\n"), result.reason, result.column)
                )
            else:
                records.append(result)
                rec_lines.append(number)
                local.warnings.update(result.warnings)
        if records:
            yield self.fmt, records_to_batch(records, rec_lines, self.fmt)

    @staticmethod
    def _header_of(first: bytes) -> FlowFormat | None:
        try:
            text = first.decode("utf-8").strip()
        except UnicodeDecodeError:
            return None
        if not text or not looks_like_header(text):
            return None
        try:
            return parse_format(text)
        except FormatError:
            return None


def _cut_lines(chunk: bytes, offset: int) -> tuple[bytes, bytes]:
    """(the first ``offset`` lines, everything after line ``offset + 1``)."""
    pos = 0
    for _ in range(offset):
        pos = chunk.index(b"\n", pos) + 1
    end = chunk.find(b"\n", pos)
    rest = b"" if end < 0 else chunk[end + 1 :]
    return chunk[:pos], rest


def read_text(
    stream: BinaryIO | Any,
    fmt: FlowFormat,
    *,
    exact: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[list[tuple[FlowFormat, pa.RecordBatch]], TextStats]:
    """Read a whole stream into memory (tests and small inputs); see :class:`TextReader`."""
    reader = TextReader(fmt, exact=exact)
    out = []
    for item in reader.batches(stream):
        out.append(item)
        if on_batch is not None:
            on_batch(item[1].num_rows)
    return out, reader.stats
