"""The SQL building blocks the compiler needs, as one overridable generator.

The compiler never writes SQL text: it asks a :class:`Dialect` for small
SQLGlot expression trees ("a regex search", "the natural-order sort keys of a
string", "floor a timestamp to 5 minutes") and SQLGlot prints them for the
target. This base class builds portable SQLGlot nodes wherever SQLGlot knows
the operation; an engine subclass (``dialects/duckdb.py`` now, Spark SQL in
the scale-out issue) overrides only what its engine spells differently or
lacks. What a target cannot express raises :class:`UnsupportedError`.

User text only ever enters a tree as ``exp.Literal.string`` (quoted and
escaped by SQLGlot) or as an identifier built by the compiler, never by
string formatting.
"""

from __future__ import annotations

from fractions import Fraction

from sqlglot import exp

from vpcflow.errors import QueryError
from vpcflow.insights.dialects.render import render

# A decimal number as spec §3.2 coerces it (after trimming spaces).
NUMBER_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
# A "number" for natural sort (spec §4.6): digits with an optional fraction.
SORT_NUMBER_RE = r"[0-9]+(\.[0-9]+)?"

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4_RE = rf"{_OCTET}(\.{_OCTET}){{3}}"
_H = r"[0-9A-Fa-f]{1,4}"
_V4TAIL = IPV4_RE
IPV6_RE = (
    "("
    + "|".join(
        [
            rf"({_H}:){{7}}{_H}",
            rf"({_H}:){{1,7}}:",
            rf"({_H}:){{1,6}}:{_H}",
            rf"({_H}:){{1,5}}(:{_H}){{1,2}}",
            rf"({_H}:){{1,4}}(:{_H}){{1,3}}",
            rf"({_H}:){{1,3}}(:{_H}){{1,4}}",
            rf"({_H}:){{1,2}}(:{_H}){{1,5}}",
            rf"{_H}:(:{_H}){{1,6}}",
            rf":((:{_H}){{1,7}}|:)",
            rf"({_H}:){{6}}{_V4TAIL}",
            rf"({_H}:){{1,5}}:{_V4TAIL}",
            rf"({_H}:){{1,4}}:({_H}:){{1}}{_V4TAIL}",
            rf"({_H}:){{1,3}}:({_H}:){{1,2}}{_V4TAIL}",
            rf"({_H}:){{1,2}}:({_H}:){{1,3}}{_V4TAIL}",
            rf"{_H}::({_H}:){{1,4}}{_V4TAIL}",
            rf"::({_H}:){{0,5}}{_V4TAIL}",
        ]
    )
    + ")"
)


class UnsupportedError(QueryError):
    """The target engine cannot express this operation."""

    def __init__(self, message: str) -> None:
        super().__init__("INVALID_ARGUMENT", message)


def lit(value: str | int | float | bool | None) -> exp.Expr:
    """A SQL literal (strings quoted and escaped by SQLGlot)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        if isinstance(value, float) and value != value:  # NaN
            return exp.Null()
        node = exp.Literal.number(repr(value) if isinstance(value, float) else value)
        return exp.Paren(this=exp.Neg(this=exp.Literal.number(-value))) if value < 0 else node
    return exp.Literal.string(value)


def col(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference."""
    if table is None:  # built directly: the common case, on the compiler's hot path
        return exp.Column(this=exp.Identifier(this=name, quoted=True))
    return exp.column(name, table=table, quoted=True)


def fn(name: str, *args: exp.Expr) -> exp.Expr:
    """A function call SQLGlot prints verbatim (for engine-specific functions)."""
    return exp.Anonymous(this=name, expressions=list(args))


_TYPES: dict[str, exp.DataType] = {}


def cast(e: exp.Expr, to: str) -> exp.Cast:
    known = _TYPES.get(to)
    if known is None:
        known = _TYPES[to] = exp.DataType.build(to)
    return exp.Cast(this=e, to=known.copy())


def paren(e: exp.Expr) -> exp.Expr:
    return e if isinstance(e, exp.Paren | exp.Column | exp.Literal) else exp.Paren(this=e)


def case(*whens: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Case:
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value, copy=False)
    if default is not None:
        node = node.else_(default, copy=False)
    return node


def coalesce_false(pred: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=pred, expressions=[exp.false()])


class Dialect:
    """Portable building blocks; engine dialects override what differs."""

    name = "generic"
    sqlglot_dialect = ""
    # Widest integer type; bytes and packets sums stay exact in it.
    int_type = "BIGINT"

    def sql(self, node: exp.Expr, pretty: bool = False, copy: bool = True) -> str:
        """Render ``node``. ``copy=False`` skips SQLGlot's defensive deep copy (a third of
        the compile time of a small query); only for trees that are not rendered again."""
        return render(node, self.sqlglot_dialect, pretty=pretty, copy=copy)

    # ------------------------------------------------------------ scalars

    def to_number(self, e: exp.Expr) -> exp.Expr:
        """DOUBLE of a string that is a decimal number (spec §3.2), else NULL."""
        trimmed = exp.Trim(this=e)
        return case(
            (self.regex_full(trimmed, NUMBER_RE), cast(trimmed.copy(), "DOUBLE")),
        )

    def float_text(self, e: exp.Expr) -> exp.Expr:
        """A double as text: integral values without ``.0`` (spec §6.2)."""
        integral = exp.and_(
            exp.EQ(this=paren(e.copy()), expression=exp.Floor(this=e.copy())),
            exp.LT(this=exp.Abs(this=e.copy()), expression=lit(1e15)),
        )
        return case(
            (integral, cast(cast(e.copy(), self.int_type), "VARCHAR")),
            default=cast(e.copy(), "VARCHAR"),
        )

    def ts_text(self, e: exp.Expr) -> exp.Expr:
        """``YYYY-MM-DD HH:MM:SS.mmm`` in UTC."""
        return exp.TimeToStr(this=e, format=lit("%Y-%m-%d %H:%M:%S.%f"))

    def epoch_ms(self, ts: exp.Expr) -> exp.Expr:
        return exp.TimeToUnix(this=ts)  # pragma: no cover - overridden by engines

    def from_ms(self, ms: exp.Expr) -> exp.Expr:
        return exp.UnixToTime(this=ms, scale=exp.UnixToTime.MILLIS)

    def timestamp_literal(self, iso: str) -> exp.Expr:
        return cast(lit(iso), "TIMESTAMP")

    def join_text(self, sep: str, parts: list[exp.Expr]) -> exp.Expr:
        """``parts`` (never NULL) joined by ``sep``."""
        return exp.ConcatWs(expressions=[lit(sep), *parts])

    def contains(self, e: exp.Expr, needle: exp.Expr) -> exp.Expr:
        """Substring test (``like "text"``): never SQL LIKE, so % and _ are plain."""
        return exp.GT(this=exp.StrPosition(this=e, substr=needle), expression=lit(0))

    def regex_search(self, e: exp.Expr, pattern: str) -> exp.Expr:
        """Unanchored regex match anywhere in ``e``."""
        return exp.RegexpLike(this=e, expression=lit(pattern))

    def regex_full(self, e: exp.Expr, pattern: str) -> exp.Expr:
        """The whole of ``e`` matches ``pattern``."""
        return exp.RegexpLike(this=e, expression=lit(f"^(?:{pattern})$"))

    def regex_groups(self, e: exp.Expr, pattern: str, count: int) -> exp.Expr:
        """A struct of the first match's groups 1..count (fields g1..gN); NULL without a match."""
        raise UnsupportedError(f"parse is not supported on {self.name}")

    def struct_field(self, struct: exp.Expr, index: int) -> exp.Expr:
        return exp.Dot(this=struct, expression=exp.to_identifier(f"g{index}"))

    def regex_replace(self, e: exp.Expr, pattern: str, repl: exp.Expr) -> exp.Expr:
        return exp.RegexpReplace(this=e, expression=lit(pattern), replacement=repl)

    def greatest(self, args: list[exp.Expr], largest: bool) -> exp.Expr:
        """Largest (smallest) non-null argument; NULL only when all are NULL."""
        cls = exp.Greatest if largest else exp.Least
        return cls(this=args[0], expressions=args[1:])

    def trim_chars(self, e: exp.Expr, chars: exp.Expr | None, where: str) -> exp.Expr:
        """Strip whitespace (chars None) or any of ``chars`` from the LEADING/TRAILING/BOTH side."""
        if chars is None:
            pattern = {"LEADING": r"^\s+", "TRAILING": r"\s+$", "BOTH": r"^\s+|\s+$"}[where]
            return exp.RegexpReplace(this=e, expression=lit(pattern), replacement=lit(""))
        return exp.Trim(this=e, expression=chars, position=where)

    def strlen(self, e: exp.Expr) -> exp.Expr:
        """Length in Unicode code points."""
        return exp.Length(this=e)

    def substring(self, e: exp.Expr, start0: exp.Expr, length: exp.Expr | None) -> exp.Expr:
        start = exp.Add(this=paren(start0), expression=lit(1))
        return exp.Substring(this=e, start=start, length=length)

    def starts_with(self, e: exp.Expr, prefix: exp.Expr) -> exp.Expr:
        return exp.StartsWith(this=e, expression=prefix)

    def ends_with(self, e: exp.Expr, suffix: exp.Expr) -> exp.Expr:
        return exp.EndsWith(this=e, expression=suffix)

    def power(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        return exp.Pow(this=a, expression=b)

    def month_trunc(self, ts: exp.Expr, unit: str) -> exp.Expr:
        """``date_trunc`` to SECOND, MINUTE, HOUR, DAY, MONTH, QUARTER or YEAR (UTC)."""
        return exp.TimestampTrunc(this=ts, unit=exp.var(unit))

    def year_month_index(self, ts: exp.Expr) -> exp.Expr:
        """Months since 1970-01: (year - 1970) * 12 + month - 1."""
        year = exp.Extract(this=exp.var("YEAR"), expression=ts)
        month = exp.Extract(this=exp.var("MONTH"), expression=ts.copy())
        return exp.Add(
            this=exp.Mul(this=paren(exp.Sub(this=year, expression=lit(1970))), expression=lit(12)),
            expression=exp.Sub(this=month, expression=lit(1)),
        )

    def month_start(self, index: exp.Expr) -> exp.Expr:
        """The timestamp of the first instant of month ``index`` (months since 1970-01)."""
        raise UnsupportedError(f"multi-month periods are not supported on {self.name}")

    def add_months(self, ts: exp.Expr, months: int) -> exp.Expr:
        return exp.Add(
            this=ts, expression=exp.Interval(this=lit(str(months)), unit=exp.var("MONTH"))
        )

    # ------------------------------------------------------------ IP addresses

    def ipv4_number(self, e: exp.Expr) -> exp.Expr:
        """The 32-bit value of a valid dotted IPv4 string (caller checks validity)."""
        total: exp.Expr | None = None
        for i, weight in enumerate((16777216, 65536, 256, 1)):
            part = exp.Mul(
                this=exp.TryCast(
                    this=exp.SplitPart(this=e.copy(), delimiter=lit("."), part_index=lit(i + 1)),
                    to=exp.DataType.build(self.int_type),
                ),
                expression=lit(weight),
            )
            total = part if total is None else exp.Add(this=total, expression=part)
        assert total is not None
        return total

    def ipv4_rest_valid(self, e: exp.Expr, known: int, prefix_len: int) -> exp.Expr:
        """``e`` is a valid dotted IPv4 address, given that its first ``known``
        octets, ``prefix_len`` characters with the dot, were matched literally."""
        return self.regex_full(e, IPV4_RE)

    def ipv6_hex(self, e: exp.Expr) -> exp.Expr:
        """The 32 lower-case hex digits of a valid IPv6 string."""
        raise UnsupportedError(f"IPv6 subnet tests are not supported on {self.name}")

    # ------------------------------------------------------------ ordering

    def natural_sort_keys(self, e: exp.Expr, descending: bool) -> list[exp.Ordered]:
        """ORDER BY items giving AWS's natural order of a string (spec §4.6), nulls last."""
        raise UnsupportedError(f"natural sort is not supported on {self.name}")

    def natural_struct(self, e: exp.Expr) -> exp.Expr:
        """One comparable value carrying the natural order (for arg_min/arg_max)."""
        raise UnsupportedError(f"min/max of text is not supported on {self.name}")

    def ordered(self, e: exp.Expr, descending: bool) -> exp.Ordered:
        return exp.Ordered(this=e, desc=descending, nulls_first=False)

    def row_seq(self) -> list[exp.Expr]:
        """Expressions giving ingestion order: files in load order, then lines.

        File ids are shared by flow records and generic events, so the same keys
        order a mixed relation. (DuckDB's ``rowid`` did this before the store
        became a view over per-format tables; a view has no ``rowid``.)
        """
        return [exp.column("file_id"), exp.column("line")]

    # ------------------------------------------------------------ aggregates

    def sum_int(self, e: exp.Expr) -> exp.Expr:
        return cast(exp.Sum(this=e), self.int_type)

    def arg_extreme(self, value: exp.Expr, key: exp.Expr, smallest: bool) -> exp.Expr:
        cls = exp.ArgMin if smallest else exp.ArgMax
        return cls(this=value, expression=key)

    def row_key(self, *parts: exp.Expr) -> exp.Expr:
        """A comparable tuple of ``parts`` (first differs first)."""
        return exp.Struct(expressions=list(parts))

    def percentile_nearest_rank(self, e: exp.Expr, p: Fraction) -> exp.Expr:
        raise UnsupportedError(f"pct() is not supported on {self.name}")

    def filtered(self, agg: exp.Expr, cond: exp.Expr) -> exp.Expr:
        return exp.Filter(this=agg, expression=exp.Where(this=cond))

    # ------------------------------------------------------------ relations

    def union_by_name(self, left: exp.Select, right: exp.Select) -> exp.Expr:
        raise UnsupportedError(
            f"mixing flow logs and other log groups is not supported on {self.name}"
        )
