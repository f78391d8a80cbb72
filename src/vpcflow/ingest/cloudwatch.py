"""CloudWatch Logs exports: ``aws logs filter-log-events`` / ``get-log-events`` JSON and
subscription-filter payloads (gzip'd JSON with ``logEvents[]``), spec/flow-logs.md §6.1.

A file may hold one JSON document or several back to back (Firehose
concatenates payloads without separators) or a JSON array of events. Each
event gives ``timestamp`` (ms), ``message``, the stream (``logStreamName`` or
the payload's ``logStream``) and ``ingestionTime`` when present. Payloads of
``messageType`` ``CONTROL_MESSAGE`` carry no log data and are skipped.

Decisions where AWS is silent:

- ``--log-group`` wins over the payload's ``logGroup``; without either the
  group is ``default``.
- Messages are parsed with ``--format`` (default format if not given). If
  *no* message parses as a flow record the export is stored as generic events
  (``events`` table); otherwise non-parsing messages are rejects. A header line
  among messages is counted and switches the format, as in a text file.
- For flow records the event timestamp is kept as given (CloudWatch sets it
  to ``start``).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpcflow.errors import FormatError, InputError
from vpcflow.records.formats import FlowFormat, looks_like_header, parse_format
from vpcflow.records.lines import Record, Reject, is_blank, parse_line


@dataclass
class CwEvent:
    timestamp: int | None
    message: str
    log_stream: str | None
    ingestion_time: int | None


@dataclass
class CwExport:
    events: list[CwEvent] = field(default_factory=list)
    log_group: str | None = None
    owner: str | None = None


def load_export(path: Path, *, gzipped: bool, shown: str) -> CwExport:
    """Read every JSON document of a CloudWatch export file."""
    raw = path.read_bytes()
    if gzipped:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"not a readable gzip file: {exc}", shown) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"JSON export is not valid UTF-8 (byte {exc.start + 1})", shown) from None
    export = CwExport()
    decoder = json.JSONDecoder()
    pos = 0
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            break
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(f"bad JSON: {exc.msg}", shown, exc.lineno, exc.colno) from None
        _add_document(export, doc, shown)
    return export


def _add_document(export: CwExport, doc: Any, shown: str) -> None:
    if isinstance(doc, list):
        for item in doc:
            _add_event(export, item, None, shown)
        return
    if not isinstance(doc, dict):
        raise InputError("JSON export: expected an object with events or logEvents", shown)
    if "logEvents" in doc or "messageType" in doc:
        if doc.get("messageType") == "CONTROL_MESSAGE":
            return
        export.log_group = export.log_group or doc.get("logGroup")
        export.owner = export.owner or doc.get("owner")
        for item in doc.get("logEvents") or []:
            _add_event(export, item, doc.get("logStream"), shown)
        return
    if "events" in doc:
        for item in doc.get("events") or []:
            _add_event(export, item, None, shown)
        return
    if "message" in doc:
        _add_event(export, doc, None, shown)
        return
    raise InputError("JSON export: expected an object with events or logEvents", shown)


def _add_event(export: CwExport, item: Any, stream: str | None, shown: str) -> None:
    if not isinstance(item, dict) or "message" not in item:
        raise InputError("JSON export: an event without a message", shown)
    ts = item.get("timestamp")
    ing = item.get("ingestionTime")
    export.events.append(
        CwEvent(
            int(ts) if isinstance(ts, int | float) else None,
            str(item["message"]),
            item.get("logStreamName") or stream,
            int(ing) if isinstance(ing, int | float) else None,
        )
    )


@dataclass
class ParsedExport:
    """Events classified: flow records per format, rejects, headers, blanks."""

    kind: str = "flow"
    chunks: list[tuple[FlowFormat, list[Record], list[int]]] = field(default_factory=list)
    rejects: list[tuple[int, str, str, int | None]] = field(default_factory=list)
    headers: int = 0
    blanks: int = 0
    warnings: Counter[str] = field(default_factory=Counter)


def classify(export: CwExport, fmt: FlowFormat) -> ParsedExport:
    """Parse every message as a flow record (event index = line number)."""
    out = ParsedExport()
    current = fmt
    records: list[Record] = []
    numbers: list[int] = []
    for i, ev in enumerate(export.events, start=1):
        msg = ev.message
        if is_blank(msg):
            out.blanks += 1
            continue
        if looks_like_header(msg):
            try:
                new = parse_format(msg)
            except FormatError as exc:
                out.rejects.append((i, msg, f"bad header: {exc.message}", exc.column))
                continue
            out.headers += 1
            if new != current:
                if records:
                    out.chunks.append((current, records, numbers))
                records, numbers = [], []
                current = new
            continue
        result = parse_line(msg, current)
        if isinstance(result, Reject):
            out.rejects.append((i, msg.rstrip("\r\n"), result.reason, result.column))
        else:
            records.append(result)
            numbers.append(i)
            out.warnings.update(result.warnings)
    if records:
        out.chunks.append((current, records, numbers))
    if not out.chunks and out.rejects:
        out.kind = "generic"
    return out
