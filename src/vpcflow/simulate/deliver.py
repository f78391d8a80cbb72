"""Deliver simulated records as AWS would: to a CloudWatch Logs group or to S3 objects.

- **CloudWatch Logs** (flow-logs.md §6.1): one log event per record in the
  store's log group, log stream ``<interface-id>-all``, event ``timestamp`` =
  the record's ``start``; ``ingestion_time`` = the end of the record's capture
  window plus a delivery delay of 1-5 minutes drawn from the seed (AWS quotes
  ~5 min). Through :meth:`vpcflow.store.Store.append_flow_records`, which is
  idempotent: delivering the same records again adds nothing.
- **S3** (§6.2): objects under ``OUT/<bucket>/<key>``, the key and file name
  built by :func:`vpcflow.ingest.s3layout.s3_key` (the function the S3 reader
  parses with), one file per 5-minute window of the records' ``end`` time,
  named by the window's start. Plain text is gzip with a header line of the
  format's tokens (written with a zero gzip timestamp so the same seed gives
  the same bytes); Parquet uses the spec's physical types (INT32 for
  version/ports/protocol/tcp_flags/traffic_path, INT64 for
  packets/bytes/start/end, strings otherwise) and gzip compression. The
  8-hex-digit hash in the file name is derived from the seed and the window.
  Files are not split at AWS's 75 MB cap.
- A flow log with a delivery error (``topology.delivery_error``: the IAM role
  is missing, cannot be assumed by ``vpc-flow-logs.amazonaws.com``, or lacks
  ``logs:CreateLogStream``/``logs:PutLogEvents``) delivers nothing; the error
  is reported instead, as ``DeliverLogsErrorMessage`` would show it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpcflow.records.fields import BIGINT, INTEGER, SMALLINT, TINYINT, field_for
from vpcflow.records.formats import FlowFormat
from vpcflow.simulate.labview import FlowLogInfo, LabView
from vpcflow.simulate.records import FlowRecord, record_values, render_line

if TYPE_CHECKING:
    import pyarrow as pa

S3_FILE_WINDOW = 300


@dataclass
class Delivery:
    """What one flow log delivered (or why it delivered nothing)."""

    flow_log: str
    destination_type: str
    destination: str
    records: int = 0
    target: str | None = None
    """The store file or output directory written; None when nothing was written."""
    files: list[str] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow_log": self.flow_log,
            "destination_type": self.destination_type,
            "destination": self.destination,
            "records": self.records,
            "target": self.target,
            "files": self.files,
            "error": self.error,
            "note": self.note,
        }


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(map(str, parts)).encode()).digest()


def ingestion_ms(rec: FlowRecord, seed: int) -> int:
    """When CloudWatch received the record: window end + 60-300 s (stable for a seed)."""
    delay = (
        60_000
        + int.from_bytes(_digest(seed, rec.flow_log, rec.eni, rec.window)[:4], "big") % 240_001
    )
    return (rec.window + rec.interval) * 1000 + delay


def _arrow_type(token: str, parquet: bool) -> pa.DataType:
    import pyarrow as pa

    store_type = field_for(token).store_type
    if store_type == BIGINT:
        return pa.int64()
    if parquet and store_type in (INTEGER, SMALLINT, TINYINT):
        return pa.int32()
    return {
        INTEGER: pa.int32(),
        SMALLINT: pa.int16(),
        TINYINT: pa.int8(),
    }.get(store_type, pa.string())


def to_arrow(
    records: Sequence[FlowRecord], fmt: FlowFormat, lab: LabView, *, parquet: bool = False
) -> pa.Table:
    """The records as an Arrow table with one column per format field (store column names)."""
    import pyarrow as pa

    rows = [record_values(r, fmt, lab) for r in records]
    arrays = []
    for i, token in enumerate(fmt.tokens):
        arrays.append(pa.array([row[i] for row in rows], type=_arrow_type(token, parquet)))
    return pa.Table.from_arrays(arrays, names=list(fmt.columns))


def cloudwatch_table(
    records: Sequence[FlowRecord], fmt: FlowFormat, lab: LabView, seed: int
) -> pa.Table:
    """:func:`to_arrow` plus the CloudWatch event columns: timestamp, ingestion time, stream."""
    import pyarrow as pa

    table = to_arrow(records, fmt, lab)
    ts = pa.array([r.start * 1000 for r in records], type=pa.int64()).cast(pa.timestamp("ms"))
    ing = pa.array([ingestion_ms(r, seed) for r in records], type=pa.int64()).cast(
        pa.timestamp("ms")
    )
    streams = pa.array([f"{r.eni}-all" for r in records], type=pa.string())
    table = table.append_column("timestamp", ts)
    table = table.append_column("ingestion_time", ing)
    return table.append_column("log_stream", streams)


def deliver_to_store(
    store: Any,
    fl: FlowLogInfo,
    records: Sequence[FlowRecord],
    lab: LabView,
    seed: int,
    *,
    log_group: str | None = None,
    target: str | None = None,
) -> Delivery:
    """Append ``records`` to the store's log group (CloudWatch-style delivery)."""
    group = log_group or fl.log_group or fl.id
    result = Delivery(fl.id, fl.destination_type, fl.destination, target=target)
    if not records:
        result.note = "no records: nothing to deliver (the log group is created on first traffic)"
        result.target = None
        return result
    table = cloudwatch_table(records, fl.fmt, lab, seed)
    store.append_flow_records(
        table,
        log_group=group,
        fmt=fl.fmt,
        source=f"vpcflow-simulate:{fl.id}:seed={seed}",
        account_id=lab.account,
    )
    result.records = len(records)
    if log_group and log_group != fl.log_group:
        result.note = f"stored as log group {group} (what `vpcflow ingest` of the bucket gives)"
    return result


def s3_files(
    fl: FlowLogInfo, records: Sequence[FlowRecord], lab: LabView, seed: int
) -> list[tuple[str, list[FlowRecord]]]:
    """(key, records) per 5-minute file window of the records' ``end`` time, in time order."""
    from vpcflow.ingest.s3layout import s3_key

    groups: dict[int, list[FlowRecord]] = {}
    for rec in records:
        groups.setdefault(rec.end - rec.end % S3_FILE_WINDOW, []).append(rec)
    parquet = fl.file_format == "parquet"
    out = []
    for window in sorted(groups):
        hash_ = _digest(seed, fl.id, window).hex()[:8]
        key = s3_key(
            fl.prefix or "",
            lab.account,
            lab.region,
            fl.id,
            datetime.fromtimestamp(window, UTC),
            hive=fl.hive,
            per_hour=fl.per_hour,
            parquet=parquet,
            hash_=hash_,
        )
        out.append((key, groups[window]))
    return out


def gzip_text(fmt: FlowFormat, records: Sequence[FlowRecord], lab: LabView) -> bytes:
    """An S3 text object: header line, then one record per line, gzip with a zero mtime."""
    lines = [fmt.header()]
    lines += [render_line(record_values(r, fmt, lab)) for r in records]
    raw = ("\n".join(lines) + "\n").encode()
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(raw)
    return buf.getvalue()


def deliver_to_s3(
    out: Path, fl: FlowLogInfo, records: Sequence[FlowRecord], lab: LabView, seed: int
) -> Delivery:
    """Write ``records`` as S3 objects under ``out/<bucket>/``."""
    result = Delivery(fl.id, fl.destination_type, fl.destination, target=str(out))
    root = out / (fl.bucket or "bucket")
    for key, recs in s3_files(fl, records, lab, seed):
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if fl.file_format == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(to_arrow(recs, fl.fmt, lab, parquet=True), path, compression="gzip")
        else:
            path.write_bytes(gzip_text(fl.fmt, recs, lab))
        result.files.append(str(path))
        result.records += len(recs)
    if not result.files:
        result.note = "no records: no objects written"
    return result
