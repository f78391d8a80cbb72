"""Value types of compiled expressions (spec §3.2) and the compiled value itself.

Every expression the compiler produces has one static type, because every SQL
column has one: integral flow columns stay ``INT`` (BIGINT arithmetic keeps
byte sums exact), ``/`` and coerced strings give ``FLOAT``, predicates give
``BOOL`` (shown as 1/0), ``@timestamp`` and ``bin()`` give ``TS``. A field no
event has is a NULL ``STR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlglot import exp


class Type(Enum):
    INT = "int"
    FLOAT = "float"
    STR = "str"
    BOOL = "bool"
    TS = "ts"

    @property
    def numeric(self) -> bool:
        """Compares and sorts as a number (timestamps as epoch milliseconds)."""
        return self is not Type.STR


STORE_TYPES: dict[str, Type] = {
    "TINYINT": Type.INT,
    "SMALLINT": Type.INT,
    "INTEGER": Type.INT,
    "BIGINT": Type.INT,
    "HUGEINT": Type.INT,
    "UTINYINT": Type.INT,
    "USMALLINT": Type.INT,
    "UINTEGER": Type.INT,
    "UBIGINT": Type.INT,
    "DOUBLE": Type.FLOAT,
    "FLOAT": Type.FLOAT,
    "REAL": Type.FLOAT,
    "BOOLEAN": Type.BOOL,
    "TIMESTAMP": Type.TS,
    "TIMESTAMP WITH TIME ZONE": Type.TS,
    "VARCHAR": Type.STR,
}

NO_CONST = object()


@dataclass(frozen=True)
class Val:
    """A compiled expression: SQL, static type, and facts the compiler uses.

    ``const`` is the Python value of a literal (for folding, CIDR and period
    arguments); ``nonnull`` marks predicates already wrapped in
    ``COALESCE(..., FALSE)``; ``agg`` marks expressions containing an aggregate.
    """

    sql: exp.Expr
    type: Type
    const: Any = NO_CONST
    nonnull: bool = False
    agg: bool = False

    @property
    def is_const(self) -> bool:
        return self.const is not NO_CONST

    def e(self) -> exp.Expr:
        """A fresh copy of the SQL tree (sqlglot nodes have one parent each)."""
        return self.sql.copy()
