"""Typed AST of a Logs Insights query.

Expressions and commands are small frozen dataclasses. Each node keeps its
``start``/``end`` character offsets into the query, so later stages (the
transforms, the compiler) report errors at the right place, and ``text``
(the item's source with whitespace outside strings removed) names unaliased
output columns (spec §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class FieldRef(Node):
    """A field: ``srcAddr``, ``@timestamp``, ```foo-bar```."""

    name: str


@dataclass(frozen=True)
class Number(Node):
    text: str

    @property
    def value(self) -> int | float:
        if any(c in self.text for c in ".eE"):
            return float(self.text)
        return int(self.text)


@dataclass(frozen=True)
class String(Node):
    value: str


@dataclass(frozen=True)
class Regex(Node):
    """A ``/.../`` literal; ``pattern`` is the RE2 pattern as the user wrote it."""

    pattern: str


@dataclass(frozen=True)
class Period(Node):
    """``5m``: count and canonical unit (ms, s, m, h, d, w, mo, q, y)."""

    count: int
    unit: str
    text: str


@dataclass(frozen=True)
class Star(Node):
    """``*`` as a function argument: ``count(*)``."""


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic ``+ - * / % ^``, comparison ``= != < <= > >=``, ``and``, ``or``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Like(Node):
    """``x like "text"`` (substring), ``x like /re/`` and ``x =~ /re/`` (regex search)."""

    operand: Expr
    pattern: String | Regex
    negated: bool = False


@dataclass(frozen=True)
class In(Node):
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False


@dataclass(frozen=True)
class Call(Node):
    name: str  # lower-cased function name
    args: tuple[Expr, ...]
    name_text: str = ""  # as the user wrote it


Expr = (
    FieldRef | Number | String | Regex | Period | Star | ListLit | Unary | Binary | Like | In | Call
)


@dataclass(frozen=True)
class Item:
    """One ``expr [as alias]`` of fields, display, stats or a ``by`` key."""

    expr: Expr
    alias: str | None
    text: str  # source text without whitespace: the column name when unaliased
    start: int
    end: int

    @property
    def name(self) -> str:
        """The output name: the alias, a plain field's own name, else the source text."""
        if self.alias is not None:
            return self.alias
        if isinstance(self.expr, FieldRef):
            return self.expr.name  # `foo-bar` is shown as foo-bar
        return self.text


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return type(self).__name__.lower()


@dataclass(frozen=True)
class Fields(Command):
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Display(Command):
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Filter(Command):
    condition: Expr
    word: str = "filter"  # filter | where | filterIndex, as written


@dataclass(frozen=True)
class Stats(Command):
    items: tuple[Item, ...]
    by: tuple[Item, ...] = ()


@dataclass(frozen=True)
class SortKey:
    expr: Expr
    descending: bool
    start: int
    end: int


@dataclass(frozen=True)
class Sort(Command):
    keys: tuple[SortKey, ...]


@dataclass(frozen=True)
class Limit(Command):
    count: int


@dataclass(frozen=True)
class Parse(Command):
    """``parse [source] "glob" as a, b`` or ``parse [source] /regex/``.

    After the transforms, ``regex`` holds the RE2 pattern for both modes and
    ``names`` the field names in capture-group order.
    """

    source: FieldRef
    pattern: String | Regex
    names: tuple[str, ...] = ()
    regex: str | None = None
    group_index: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Dedup(Command):
    keys: tuple[FieldRef, ...]


@dataclass(frozen=True)
class Source:
    """``SOURCE 'group' ... [START=.. END=..] |`` (spec §4.16)."""

    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    start_text: str | None = None
    end_text: str | None = None
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Query:
    text: str
    commands: tuple[Command, ...]
    source: Source | None = None
