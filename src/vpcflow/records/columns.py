"""Flow records as Arrow columns: types, and the vectorised twin of :mod:`vpcflow.records.lines`.

:func:`validate_strings` takes a batch of text values (one string column per
format field, ``-`` already NULL) and returns the rows that the exact line
parser would accept *with the same values*, typed; every other row is handed
back by index so the caller can run the exact parser on it (which decides
between a record, a header and a reject). The vectorised checks are
deliberately stricter than the rules, never looser: a value it is unsure
about (19+ digits, a non-printable or non-ASCII byte, an empty field from a
double space) goes to the exact path. ``tests/ingest/test_paths_agree.py``
holds the two paths to identical rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vpcflow.records.fields import (
    ACTIONS,
    BIGINT,
    INTEGER,
    LOG_STATUSES,
    MS_TIMESTAMP_THRESHOLD,
    OPEN_ENUMS,
    SMALLINT,
    TINYINT,
    VARCHAR,
)
from vpcflow.records.formats import FlowFormat
from vpcflow.records.lines import MS_WARNING, TIME_TOKENS, Record, open_enum_warning

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_type(store_type: str) -> pa.DataType:
    """The Arrow type for a DuckDB store type of the registry."""
    import pyarrow as pa

    return {
        VARCHAR: pa.string(),
        TINYINT: pa.int8(),
        SMALLINT: pa.int16(),
        INTEGER: pa.int32(),
        BIGINT: pa.int64(),
    }[store_type]


def flow_schema(fmt: FlowFormat) -> pa.Schema:
    """Schema of the batches readers hand to the store: format columns, ``line``, ``ms_timestamp``."""
    import pyarrow as pa

    fields = [pa.field(f.column, arrow_type(f.store_type)) for f in fmt.fields]
    fields.append(pa.field("line", pa.int64()))
    fields.append(pa.field("ms_timestamp", pa.bool_()))
    return pa.schema(fields)


def records_to_batch(
    records: Sequence[Record], lines: Sequence[int], fmt: FlowFormat
) -> pa.RecordBatch:
    """Build a typed batch (:func:`flow_schema`) from exact-parser records."""
    import pyarrow as pa

    schema = flow_schema(fmt)
    width = len(fmt.tokens)
    cols: list[Any] = [[r.values[i] for r in records] for i in range(width)]
    arrays = [pa.array(c, type=schema.field(i).type) for i, c in enumerate(cols)]
    arrays.append(pa.array(lines, type=pa.int64()))
    arrays.append(pa.array([r.ms_timestamp for r in records], type=pa.bool_()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


@dataclass
class Validated:
    """Result of :func:`validate_strings`."""

    batch: pa.RecordBatch
    """The accepted rows, typed (:func:`flow_schema`)."""
    bad: pa.Array
    """Indices (into the input) of rows for the exact parser."""
    warnings: Counter[str]


def validate_strings(strings: pa.RecordBatch, fmt: FlowFormat, lines: pa.Array) -> Validated:
    """Type and check a batch of string columns; route doubtful rows to the exact parser.

    Each column is first checked as a whole with a few kernels and aggregates
    (all decimal, longest value, largest number, every text printable): real
    flow logs pass, and then no per-row mask is built or combined. A column that
    fails falls back to the per-row checks, which find the rows to hand back.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    schema = flow_schema(fmt)
    masks: list[Any] = []  # per-row "ok" masks of the columns that need one
    ms_row: Any = None
    values: list[Any] = []
    open_checks: list[tuple[str, Any, frozenset[str]]] = []
    for i, f in enumerate(fmt.fields):
        c = strings.column(i)
        if f.is_integer:
            v, col_ok, is_ms = _check_integers(c, f)
            if is_ms is not None:
                ms_row = is_ms if ms_row is None else pc.or_(ms_row, is_ms)
        else:
            v, col_ok = c, _check_text(c, f)
            if f.token in OPEN_ENUMS:
                open_checks.append((f.token, c, OPEN_ENUMS[f.token]))
        values.append(v)
        if col_ok is not None:
            masks.append(col_ok)
    n = strings.num_rows
    if ms_row is None:
        ms_row = pa.array([False] * n, type=pa.bool_()) if n else pa.array([], type=pa.bool_())
    ok: Any = None
    for m in masks:
        ok = m if ok is None else pc.and_(ok, m)
    if ok is not None:
        ok = pc.fill_null(ok, False)
        if pc.all(ok).as_py() is not False:
            ok = None  # every row passed after all
    if ok is None:
        arrays = [pc.cast(v, schema.field(i).type) for i, v in enumerate(values)]
        arrays.append(lines)
        ms_ok = ms_row
        bad = pa.array([], type=pa.int64())
    else:
        arrays = [pc.cast(pc.filter(v, ok), schema.field(i).type) for i, v in enumerate(values)]
        arrays.append(pc.filter(lines, ok))
        ms_ok = pc.filter(ms_row, ok)
        bad = pc.indices_nonzero(pc.invert(ok))
    arrays.append(ms_ok)
    batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
    warnings: Counter[str] = Counter()
    ms_count = pc.sum(ms_ok).as_py() or 0
    if ms_count:
        warnings[MS_WARNING] += ms_count
    for token, c, known in open_checks:
        kept = c if ok is None else pc.filter(c, ok)
        known_mask = pc.is_in(kept, value_set=pa.array(sorted(known)))
        unknown = pc.filter(kept, pc.and_(pc.is_valid(kept), pc.invert(known_mask)))
        if len(unknown):
            for item in pc.value_counts(unknown).to_pylist():
                warnings[open_enum_warning(token, item["values"])] += item["counts"]
    return Validated(batch, bad, warnings)


def _check_integers(c: pa.Array, f: Any) -> tuple[Any, Any, Any]:
    """(int64 values, per-row ok mask or None when all pass, ms flags or None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    is_time = f.token in TIME_TOKENS
    decimal = pc.ascii_is_decimal(c)
    longest = pc.max(pc.binary_length(c)).as_py()
    if pc.all(decimal).as_py() is not False and (longest is None or longest <= 18):
        v = pc.cast(c, pa.int64())
        largest = pc.max(v).as_py()
        if largest is None or (
            largest <= f.upper_bound and not (is_time and largest > MS_TIMESTAMP_THRESHOLD)
        ):
            return v, None, None
        good: Any = None
    else:
        good = pc.and_(decimal, pc.less_equal(pc.binary_length(c), 18))
        v = pc.cast(pc.if_else(good, c, pa.scalar(None, pa.string())), pa.int64())
    is_ms = None
    if is_time:
        is_ms = pc.greater(v, MS_TIMESTAMP_THRESHOLD)
        v = pc.if_else(is_ms, pc.divide(v, 1000), v)
        is_ms = pc.fill_null(is_ms, False)
    in_range = pc.less_equal(v, f.upper_bound)
    if good is not None:
        in_range = pc.and_(good, in_range)
    return v, pc.or_kleene(pc.is_null(c), in_range), is_ms


def _check_text(c: pa.Array, f: Any) -> Any:
    """Per-row ok mask of a text column, or None when every row passes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    closed = ACTIONS if f.token == "action" else LOG_STATUSES if f.token == "log-status" else None
    value_set = pa.array(sorted(closed)) if closed is not None else None
    printable = pc.ascii_is_printable(c)
    shortest = pc.min(pc.binary_length(c)).as_py()
    if pc.all(printable).as_py() is not False and (shortest is None or shortest > 0):
        # is_in gives false for NULL: all pass when every non-NULL value is in the set
        if value_set is None:
            return None
        matched = pc.sum(pc.is_in(c, value_set=value_set)).as_py() or 0
        if matched == pc.count(c).as_py():
            return None
    cond = pc.and_(printable, pc.greater(pc.binary_length(c), 0))
    if value_set is not None:
        cond = pc.and_(cond, pc.is_in(c, value_set=value_set))
    return pc.or_kleene(pc.is_null(c), cond)


def rebuild_lines(strings: pa.RecordBatch, indices: pa.Array) -> list[str]:
    """The raw text of rows ``indices`` of a single-space-split batch (NULL back to ``-``)."""
    import pyarrow.compute as pc

    taken = strings.take(indices)
    cols = [pc.fill_null(taken.column(i), "-") for i in range(taken.num_columns)]
    if len(cols) == 1:
        return [str(v) for v in cols[0].to_pylist()]
    return [str(v) for v in pc.binary_join_element_wise(*cols, " ").to_pylist()]
