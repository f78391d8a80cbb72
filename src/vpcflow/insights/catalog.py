"""What the compiler needs to know about a store: log groups, flow columns, formats.

An engine builds a :class:`Catalog` from its store (``engines/duckdb.py``);
the compiler never opens a database itself, so compiling is pure and the
golden-SQL tests need no store.

Field names (spec §8, DESIGN.md): the 14 default-format fields under the names
AWS documents (``srcAddr``, ``startTime``, ``logStatus``, ...); every other
registered field under its camelCase alias (``vpcId``, ``pktSrcaddr``,
``tcpFlags`` — a documented vpcflow extension); unknown format tokens stored
as extra VARCHAR columns likewise under their camelCase alias.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vpcflow.errors import UsageError
from vpcflow.records.fields import BY_COLUMN, DEFAULT_TOKENS, camel_case, column_name, field_for
from vpcflow.store.schema import FLOW_SYSTEM_COLUMNS, flow_columns

FLOW = "flow"
GENERIC = "generic"

_SYSTEM = {name for name, _ in FLOW_SYSTEM_COLUMNS}


@dataclass(frozen=True)
class LogGroup:
    name: str
    kind: str = FLOW  # 'flow' | 'generic'
    account_id: str | None = None

    @property
    def at_log(self) -> str:
        """The ``@log`` value: ``account-id:log-group-name`` (spec §8)."""
        return f"{self.account_id}:{self.name}" if self.account_id else self.name


@dataclass(frozen=True)
class Catalog:
    groups: tuple[LogGroup, ...] = ()
    flow_columns: tuple[tuple[str, str], ...] = field(default_factory=lambda: tuple(flow_columns()))
    # format id -> store columns in format order (for rebuilding @message)
    formats: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # log group -> format ids its records use (None: unknown, assume every format)
    group_formats: dict[str, tuple[int, ...]] | None = None

    def formats_of(self, groups: list[LogGroup]) -> dict[int, tuple[str, ...]]:
        """The formats the records of ``groups`` use."""
        if self.group_formats is None:
            return dict(self.formats)
        ids = {fid for g in groups for fid in self.group_formats.get(g.name, ())}
        return {fid: cols for fid, cols in self.formats.items() if fid in ids}

    def flow_fields(self) -> dict[str, tuple[str, str]]:
        """Insights name -> (store column, store type) for every flow field column."""
        return self._flow_fields

    @cached_property
    def _flow_fields(self) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for column, store_type in self.flow_columns:
            if column in _SYSTEM:
                continue
            registered = BY_COLUMN.get(column)
            name = registered.insights if registered is not None else camel_case(column)
            out.setdefault(name, (column, store_type.upper()))
        return out

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """Compiler pieces derived from this catalog alone (``@message``), built once."""
        return {}

    def group(self, name: str) -> LogGroup | None:
        for g in self.groups:
            if g.name == name:
                return g
        return None

    def select(
        self, names: list[str] | None = None, prefixes: list[str] | None = None
    ) -> list[LogGroup]:
        """The groups a query reads: all when neither names nor prefixes are given."""
        if not names and not prefixes:
            return list(self.groups)
        chosen: list[LogGroup] = []
        for name in names or []:
            g = self.group(name)
            if g is None:
                known = ", ".join(x.name for x in self.groups) or "none"
                raise UsageError(f"no log group {name!r} in the store (log groups: {known})")
            if g not in chosen:
                chosen.append(g)
        for prefix in prefixes or []:
            for g in self.groups:
                if g.name.startswith(prefix) and g not in chosen:
                    chosen.append(g)
        return chosen


def format_columns(rendered: str) -> tuple[str, ...]:
    """Store columns of a ``${a} ${b}`` format string (unknown tokens included)."""
    tokens = [t[2:-1] if t.startswith("${") and t.endswith("}") else t for t in rendered.split()]
    if [t.lower() for t in tokens] == ["default"]:
        tokens = list(DEFAULT_TOKENS)
    return tuple(field_for(t).column if field_for(t).known else column_name(t) for t in tokens)
