"""Query results and their renderings (spec §6.2).

- timestamps: ``YYYY-MM-DD HH:MM:SS.mmm`` in UTC;
- integral numbers without a decimal point (``8400``, not ``8400.0``), other
  numbers in the shortest form that round-trips; non-finite numbers are null;
- booleans as ``1``/``0``; missing values null (JSON) or empty (table, CSV).

``--output json`` keeps numbers as JSON numbers:
``{"fields": [...], "results": [{field: value}], "statistics": {...}, "truncated": bool}``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vpcflow.insights.types import Type

if TYPE_CHECKING:
    import pyarrow as pa


def render_value(value: Any, kind: Type | None = None) -> Any:
    """A JSON-ready value: numbers as numbers, timestamps as display strings."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00.000")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    return value


def render_text(value: Any) -> str:
    """A value as table/CSV text (missing values empty)."""
    v = render_value(value)
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


@dataclass
class QueryResult:
    """Rows of a query with its output fields, statistics and truncation flag."""

    fields: list[str]
    types: list[Type]
    table: pa.Table  # columns named after ``fields``
    statistics: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    sql: str = ""
    warnings: list[str] = field(default_factory=list)

    def columns(self) -> list[list[Any]]:
        return [c.to_pylist() for c in self.table.columns]

    def rows(self) -> list[list[Any]]:
        """Rows as lists of JSON-ready values, in column order."""
        cols = self.columns()
        kinds = self.types
        return [
            [render_value(col[i], kinds[j]) for j, col in enumerate(cols)]
            for i in range(self.table.num_rows)
        ]

    def records(self) -> list[dict[str, Any]]:
        """Rows as ``{field: value}`` (JSON-ready)."""
        return [dict(zip(self.fields, row, strict=True)) for row in self.rows()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "results": self.records(),
            "statistics": dict(self.statistics),
            "truncated": self.truncated,
        }

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.fields)
        cols = self.columns()
        for i in range(self.table.num_rows):
            writer.writerow([render_text(c[i]) for c in cols])
        return buf.getvalue()

    def to_ndjson(self) -> str:
        return "".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in self.records()
        )

    def text_rows(self) -> list[list[str]]:
        cols = self.columns()
        return [[render_text(c[i]) for c in cols] for i in range(self.table.num_rows)]
