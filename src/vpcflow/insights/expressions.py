"""Compile Logs Insights expressions to typed SQLGlot trees (spec §3, §5).

:class:`Exprs` compiles an expression in a *row* context (fields, filter,
sort keys, ``by`` keys, aggregate arguments); :class:`StatsExprs` compiles a
``stats`` item, where bare names must be ``by`` keys or earlier aliases and
aggregate calls become columns of the aggregating SELECT.

Semantics implemented here (all from the spec):

- two-valued logic: every predicate is ``COALESCE(pred, FALSE)``; ``not``
  applies after the coalesce, so ``not (x = 1)`` keeps rows lacking ``x``;
- comparison is numeric when both sides are numbers (or strings that are
  decimal numbers), else by code point; timestamps compare as epoch ms;
- ``like "text"`` is a substring test, ``like /re/`` and ``=~`` RE2 searches;
- integral arithmetic stays BIGINT (exact byte sums); ``/`` is always float;
  division and ``%`` by zero give NULL;
- functions skip or propagate NULL as the spec's tables say.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlglot import exp

from vpcflow.errors import QueryError
from vpcflow.insights import ast
from vpcflow.insights.dialects.base import (
    IPV4_RE,
    IPV6_RE,
    NUMBER_RE,
    Dialect,
    case,
    cast,
    coalesce_false,
    lit,
    paren,
)
from vpcflow.insights.functions import AGG, lookup
from vpcflow.insights.periods import UNIT_MS, clamp, describe
from vpcflow.insights.transforms import translate_regex
from vpcflow.insights.types import Type, Val

INT64_MAX = 2**63 - 1
_NUMBER = re.compile(NUMBER_RE)
_MONDAY_MS = 4 * 86_400_000  # 1970-01-05, the first Monday after the epoch
_MONTHS = {"mo": 1, "q": 3, "y": 12}
_TRUNC = {1: "MONTH", 3: "QUARTER", 12: "YEAR"}
_PLAIN_TRUNC = {"s": "SECOND", "m": "MINUTE", "h": "HOUR", "d": "DAY"}


@dataclass
class Env:
    """Query-wide facts the expressions need: the clock, the range, collected notes."""

    now_s: int
    text: str = ""  # the query, to name expressions by their source text
    start_ms: int | None = None
    end_ms: int | None = None
    warnings: list[str] = field(default_factory=list)
    regexes: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Scope:
    """The fields visible at one point of the pipeline.

    After a ``stats`` (``after_stats``), a name that is not in ``values`` is
    an error (spec §4.4); before it, an unknown field is simply NULL.
    """

    values: dict[str, Val]
    after_stats: bool = False
    seq: exp.Expr | None = None  # ingestion order, for earliest/latest ties
    # fields built only when used (``@message`` of flow logs is a long expression)
    lazy: dict[str, Callable[[], Val]] = field(default_factory=dict)

    def get(self, name: str) -> Val | None:
        found = self.values.get(name)
        if found is None and name in self.lazy:
            found = self.values[name] = self.lazy.pop(name)()
        return found

    def lookup(self, node: ast.FieldRef) -> Val:
        found = self.get(node.name)
        if found is not None:
            return found
        if self.after_stats:
            raise QueryError(
                "UNKNOWN_FIELD_AFTER_STATS",
                f"field {node.name!r} does not exist after stats; only the stats keys and "
                "aggregates can be used",
                node.start,
                node.end,
            )
        return Val(cast(exp.Null(), "VARCHAR"), Type.STR)

    def copy(self) -> Scope:
        return Scope(dict(self.values), self.after_stats, self.seq, dict(self.lazy))


def _numeric_const(value: Any) -> int | float | None:
    """The number a literal coerces to (spec §3.2), or None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        if re.fullmatch(r"[+-]?[0-9]+", text):
            n = int(text)
            return n if abs(n) <= INT64_MAX else float(n)
        return float(text)
    return None


def _num_val(value: int | float) -> Val:
    kind = Type.INT if isinstance(value, int) else Type.FLOAT
    return Val(lit(value), kind, const=value)


class Exprs:
    """Compile expressions in a row context."""

    def __init__(self, dialect: Dialect, env: Env, scope: Scope) -> None:
        self.d = dialect
        self.env = env
        self.scope = scope

    # ------------------------------------------------------------ entry points

    def compile(self, node: ast.Expr) -> Val:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node)  # type: ignore[no-any-return]

    def predicate(self, node: ast.Expr) -> exp.Expr:
        """The truth of ``node`` as a never-NULL SQL boolean (for filter)."""
        return self.truth(self.compile(node)).sql

    def field(self, node: ast.FieldRef) -> Val:
        return self.scope.lookup(node)

    def aggregate(self, node: ast.Call) -> Val:
        raise QueryError(
            "AGGREGATE_CONTEXT",
            f"{node.name_text}() is an aggregation and can only be used in stats",
            node.start,
            node.end,
        )

    # ------------------------------------------------------------ coercions

    def num(self, v: Val) -> Val:
        """``v`` as a number: BOOL as 1/0, TS as epoch ms, strings coerced or NULL."""
        if v.type in (Type.INT, Type.FLOAT):
            return v
        if v.type is Type.BOOL:
            return Val(cast(v.e(), "INTEGER"), Type.INT)
        if v.type is Type.TS:
            return Val(self.d.epoch_ms(v.e()), Type.INT)
        if v.is_const:
            n = _numeric_const(v.const)
            return _num_val(n) if n is not None else Val(cast(exp.Null(), "DOUBLE"), Type.FLOAT)
        return Val(self.d.to_number(v.e()), Type.FLOAT)

    def wide(self, v: Val) -> exp.Expr:
        """An integer operand widened to BIGINT so arithmetic cannot overflow INTEGER."""
        if v.is_const:
            return v.e()
        return cast(v.e(), self.d.int_type)

    def text(self, v: Val) -> Val:
        if v.type is Type.STR:
            return v
        if v.is_const and isinstance(v.const, int | float) and not isinstance(v.const, bool):
            return self.string_const(_render_number(v.const))
        if v.type is Type.INT:
            return Val(cast(v.e(), "VARCHAR"), Type.STR)
        if v.type is Type.FLOAT:
            return Val(self.d.float_text(v.e()), Type.STR)
        if v.type is Type.BOOL:
            return Val(case((v.e(), lit("1")), (exp.Not(this=paren(v.e())), lit("0"))), Type.STR)
        return Val(self.d.ts_text(v.e()), Type.STR)

    def truth(self, v: Val) -> Val:
        """Truthiness (spec §3.2): true, non-zero numbers, the string 'true'."""
        if v.type is Type.BOOL:
            if v.nonnull:
                return v
            return Val(coalesce_false(v.e()), Type.BOOL, nonnull=True)
        if v.type in (Type.INT, Type.FLOAT):
            pred: exp.Expr = exp.NEQ(this=v.e(), expression=lit(0))
        elif v.type is Type.TS:
            pred = exp.Not(this=exp.Is(this=v.e(), expression=exp.Null()))
        else:
            pred = exp.or_(
                exp.EQ(this=exp.Lower(this=v.e()), expression=lit("true")),
                exp.NEQ(this=self.d.to_number(v.e()), expression=lit(0)),
            )
        return Val(coalesce_false(pred), Type.BOOL, nonnull=True)

    def string_const(self, s: str) -> Val:
        return Val(lit(s), Type.STR, const=s)

    # ------------------------------------------------------------ leaves

    def _fieldref(self, node: ast.FieldRef) -> Val:
        return self.field(node)

    def _number(self, node: ast.Number) -> Val:
        value = node.value
        if isinstance(value, int) and value > INT64_MAX:
            value = float(value)
        return _num_val(value)

    def _string(self, node: ast.String) -> Val:
        return self.string_const(node.value)

    def _regex(self, node: ast.Regex) -> Val:
        raise QueryError(
            "SYNTAX_ERROR",
            "a /regex/ can only follow like, not like or =~, or be a pattern argument",
            node.start,
            node.end,
        )

    def _period(self, node: ast.Period) -> Val:  # pragma: no cover - the parser rejects these
        raise QueryError("SYNTAX_ERROR", "unexpected time period", node.start, node.end)

    def _star(self, node: ast.Star) -> Val:  # pragma: no cover - the parser folds count(*)
        raise QueryError("SYNTAX_ERROR", "'*' is only allowed in count(*)", node.start, node.end)

    def _listlit(self, node: ast.ListLit) -> Val:  # pragma: no cover - only inside `in`
        raise QueryError("SYNTAX_ERROR", "a list may only follow 'in'", node.start, node.end)

    # ------------------------------------------------------------ operators

    def _unary(self, node: ast.Unary) -> Val:
        operand = self.compile(node.operand)
        if node.op == "not":
            t = self.truth(operand)
            return Val(exp.Not(this=paren(t.e())), Type.BOOL, nonnull=True, agg=operand.agg)
        n = self.num(operand)
        if n.is_const:
            return _num_val(-n.const)
        return Val(
            exp.Neg(this=paren(self.wide(n) if n.type is Type.INT else n.e())), n.type, agg=n.agg
        )

    def _binary(self, node: ast.Binary) -> Val:
        op = node.op
        if op in ("and", "or"):
            left = self.truth(self.compile(node.left))
            right = self.truth(self.compile(node.right))
            build = exp.and_ if op == "and" else exp.or_
            return Val(
                paren(build(left.e(), right.e())),
                Type.BOOL,
                nonnull=True,
                agg=left.agg or right.agg,
            )
        left, right = self.compile(node.left), self.compile(node.right)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return Val(
                coalesce_false(self.compare(op, left, right)),
                Type.BOOL,
                nonnull=True,
                agg=left.agg or right.agg,
            )
        return self.arithmetic(op, left, right)

    def arithmetic(self, op: str, left: Val, right: Val) -> Val:
        a, b = self.num(left), self.num(right)
        agg = left.agg or right.agg
        both_int = a.type is Type.INT and b.type is Type.INT
        if a.is_const and b.is_const:
            folded = _fold(op, a.const, b.const)
            if folded is not None:
                return _num_val(folded)
        if op == "/":
            denominator = exp.Nullif(this=cast(b.e(), "DOUBLE"), expression=lit(0))
            return Val(
                exp.Div(this=cast(a.e(), "DOUBLE"), expression=denominator), Type.FLOAT, agg=agg
            )
        if op == "^":
            return Val(
                self.d.power(cast(a.e(), "DOUBLE"), cast(b.e(), "DOUBLE")), Type.FLOAT, agg=agg
            )
        if both_int:
            x, y = self.wide(a), self.wide(b)
            kind = Type.INT
        else:
            x, y = cast(a.e(), "DOUBLE"), cast(b.e(), "DOUBLE")
            kind = Type.FLOAT
        if op == "%":
            return Val(
                exp.Mod(this=paren(x), expression=exp.Nullif(this=y, expression=lit(0))),
                kind,
                agg=agg,
            )
        cls = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[op]
        return Val(paren(cls(this=paren(x), expression=paren(y))), kind, agg=agg)

    def compare(self, op: str, left: Val, right: Val) -> exp.Expr:
        """``left op right`` per spec §3.2 (not yet coalesced)."""
        if left.type is Type.TS and right.type is Type.TS:
            return _cmp(op, left.e(), right.e())
        if left.type.numeric and right.type.numeric:
            return _cmp(op, self.num(left).e(), self.num(right).e())
        if left.type.numeric or right.type.numeric:
            num_side, str_side = (left, right) if left.type.numeric else (right, left)
            flip = num_side is right

            def ordered(a: exp.Expr, b: exp.Expr) -> exp.Expr:
                return _cmp(op, b, a) if flip else _cmp(op, a, b)

            n = self.num(num_side).e()
            if str_side.is_const:
                value = _numeric_const(str_side.const)
                if value is not None:
                    return ordered(n, lit(value))
                return ordered(self.text(num_side).e(), str_side.e())
            coerced = self.d.to_number(str_side.e())
            return case(
                (
                    exp.Not(this=exp.Is(this=coerced, expression=exp.Null())),
                    ordered(n, coerced.copy()),
                ),
                default=ordered(self.text(num_side).e(), str_side.e()),
            )
        # both strings
        if left.is_const or right.is_const:
            const_side, other = (left, right) if left.is_const else (right, left)
            flip = const_side is left
            value = _numeric_const(const_side.const)
            if value is None:
                return _cmp(op, left.e(), right.e())
            coerced = self.d.to_number(other.e())
            numeric = _cmp(op, lit(value), coerced) if flip else _cmp(op, coerced, lit(value))
            return case(
                (exp.Not(this=exp.Is(this=coerced.copy(), expression=exp.Null())), numeric),
                default=_cmp(op, left.e(), right.e()),
            )
        ln, rn = self.d.to_number(left.e()), self.d.to_number(right.e())
        both = exp.and_(
            exp.Not(this=exp.Is(this=ln, expression=exp.Null())),
            exp.Not(this=exp.Is(this=rn, expression=exp.Null())),
        )
        return case((both, _cmp(op, ln.copy(), rn.copy())), default=_cmp(op, left.e(), right.e()))

    def _like(self, node: ast.Like) -> Val:
        operand = self.compile(node.operand)
        subject = self.text(operand).e()
        if isinstance(node.pattern, ast.String):
            pred = self.d.contains(subject, lit(node.pattern.value))
        else:
            pred = self.d.regex_search(subject, self.regex(node.pattern.pattern, node.pattern))
        if node.negated:
            pred = exp.Not(this=paren(pred))
        return Val(coalesce_false(pred), Type.BOOL, nonnull=True, agg=operand.agg)

    def _in(self, node: ast.In) -> Val:
        operand = self.compile(node.operand)
        items = [self.compile(i) for i in node.items]
        if all(i.is_const for i in items) and operand.type.numeric:
            numbers = [_numeric_const(i.const) for i in items]
            if all(n is not None for n in numbers):
                pred: exp.Expr = exp.In(
                    this=self.num(operand).e(), expressions=[lit(n) for n in numbers]
                )
            else:
                pred = _or_all([self.compare("=", operand, i) for i in items])
        elif (
            all(i.is_const and isinstance(i.const, str) for i in items)
            and operand.type is Type.STR
            and all(_numeric_const(i.const) is None for i in items)
        ):
            pred = exp.In(this=operand.e(), expressions=[i.e() for i in items])
        else:
            pred = _or_all([self.compare("=", operand, i) for i in items])
        if node.negated:
            pred = exp.Not(this=paren(pred))
        return Val(coalesce_false(pred), Type.BOOL, nonnull=True, agg=operand.agg)

    def regex(self, pattern: str, node: ast.Node) -> str:
        """Translate a user regex for RE2 and remember it for validation."""
        translated = translate_regex(pattern)
        self.env.regexes.append((translated, node.start, node.end))
        return translated

    # ------------------------------------------------------------ calls

    def _call(self, node: ast.Call) -> Val:
        if self.scope.after_stats and self.env.text:
            # `stats count(*) by x | sort count(*) desc`: an unaliased stats output
            # is referred to by its source text (spec §6.3)
            named = self.scope.get(source_name(self.env.text, node.start, node.end))
            if named is not None:
                return named
        fn = lookup(node.name)
        assert fn is not None  # the parser rejects unknown functions
        if fn.kind is AGG:
            return self.aggregate(node)
        method: Callable[[ast.Call], Val] = getattr(self, f"fn_{node.name}")
        return method(node)

    def args(self, node: ast.Call) -> list[Val]:
        return [self.compile(a) for a in node.args]

    def _agg_of(self, *vals: Val) -> bool:
        return any(v.agg for v in vals)

    # numeric (§5.1)

    def _numeric1(
        self, node: ast.Call, build: Callable[[exp.Expr], exp.Expr], keep_int: bool
    ) -> Val:
        (v,) = self.args(node)
        n = self.num(v)
        kind = Type.INT if keep_int and n.type is Type.INT else Type.FLOAT
        return Val(build(n.e()), kind, agg=v.agg)

    def fn_abs(self, node: ast.Call) -> Val:
        return self._numeric1(node, lambda e: exp.Abs(this=e), keep_int=True)

    def fn_ceil(self, node: ast.Call) -> Val:
        return self._numeric1(node, lambda e: exp.Ceil(this=e), keep_int=True)

    def fn_floor(self, node: ast.Call) -> Val:
        return self._numeric1(node, lambda e: exp.Floor(this=e), keep_int=True)

    def fn_log(self, node: ast.Call) -> Val:
        def build(e: exp.Expr) -> exp.Expr:
            return case((exp.GT(this=e, expression=lit(0)), exp.Ln(this=cast(e.copy(), "DOUBLE"))))

        return self._numeric1(node, build, keep_int=False)

    def fn_sqrt(self, node: ast.Call) -> Val:
        def build(e: exp.Expr) -> exp.Expr:
            return case(
                (exp.GTE(this=e, expression=lit(0)), exp.Sqrt(this=cast(e.copy(), "DOUBLE")))
            )

        return self._numeric1(node, build, keep_int=False)

    def _extreme(self, node: ast.Call, largest: bool) -> Val:
        vals = [self.num(v) for v in self.args(node)]
        all_int = all(v.type is Type.INT for v in vals)
        parts = [self.wide(v) if all_int else cast(v.e(), "DOUBLE") for v in vals]
        kind = Type.INT if all_int else Type.FLOAT
        return Val(self.d.greatest(parts, largest), kind, agg=self._agg_of(*vals))

    def fn_greatest(self, node: ast.Call) -> Val:
        return self._extreme(node, True)

    def fn_least(self, node: ast.Call) -> Val:
        return self._extreme(node, False)

    def fn_round(self, node: ast.Call) -> Val:
        vals = self.args(node)
        n = self.num(vals[0])
        digits = 0
        if len(vals) > 1:
            d = _numeric_const(vals[1].const) if vals[1].is_const else None
            if not isinstance(d, int):
                raise _invalid(node.args[1], "round() takes a whole number of decimal places")
            digits = d
        rounded = exp.Round(this=cast(n.e(), "DOUBLE"), decimals=lit(digits))
        return Val(rounded, Type.FLOAT, agg=n.agg)

    def fn_tonumber(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        if v.type in (Type.INT, Type.FLOAT):
            return v
        return self.num(self.text(v))

    fn_todouble = fn_tonumber

    def fn_toint(self, node: ast.Call) -> Val:
        n = self.fn_tonumber(node)
        if n.type is Type.INT:
            return n
        return Val(
            exp.TryCast(
                this=exp.Anonymous(this="trunc", expressions=[n.e()]),
                to=exp.DataType.build(self.d.int_type),
            ),
            Type.INT,
            agg=n.agg,
        )

    fn_tolong = fn_toint

    # general (§5.2)

    def fn_ispresent(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(
            exp.Not(this=exp.Is(this=v.e(), expression=exp.Null())),
            Type.BOOL,
            nonnull=True,
            agg=v.agg,
        )

    def unify(self, vals: list[Val]) -> tuple[list[exp.Expr], Type]:
        """Bring values to one SQL type: same type as is, numbers widened, else text."""
        kinds = {v.type for v in vals}
        if len(kinds) == 1:
            kind = kinds.pop()
            if kind is Type.INT:
                return [self.wide(v) for v in vals], kind
            return [v.e() for v in vals], kind
        if kinds <= {Type.INT, Type.FLOAT, Type.BOOL}:
            return [cast(self.num(v).e(), "DOUBLE") for v in vals], Type.FLOAT
        return [self.text(v).e() for v in vals], Type.STR

    def fn_coalesce(self, node: ast.Call) -> Val:
        vals = self.args(node)
        parts, kind = self.unify(vals)
        return Val(
            exp.Coalesce(this=parts[0], expressions=parts[1:]), kind, agg=self._agg_of(*vals)
        )

    def fn_if(self, node: ast.Call) -> Val:
        cond, a, b = self.args(node)
        (x, y), kind = self.unify([a, b])
        return Val(case((self.truth(cond).e(), x), default=y), kind, agg=self._agg_of(cond, a, b))

    def fn_isnumeric(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        if v.type in (Type.INT, Type.FLOAT):
            return Val(
                exp.Not(this=exp.Is(this=v.e(), expression=exp.Null())),
                Type.BOOL,
                nonnull=True,
                agg=v.agg,
            )
        coerced = self.d.to_number(self.text(v).e())
        return Val(
            exp.Not(this=exp.Is(this=coerced, expression=exp.Null())),
            Type.BOOL,
            nonnull=True,
            agg=v.agg,
        )

    def _range_ms(self, node: ast.Call, which: str) -> int:
        value = self.env.start_ms if which == "start" else self.env.end_ms
        if value is None:
            raise _invalid(node, f"{node.name_text}() needs a query time range (--start/--end)")
        return value

    def fn_querystarttime(self, node: ast.Call) -> Val:
        return _num_val(self._range_ms(node, "start"))

    def fn_queryendtime(self, node: ast.Call) -> Val:
        return _num_val(self._range_ms(node, "end"))

    def fn_querytimerange(self, node: ast.Call) -> Val:
        return _num_val(self._range_ms(node, "end") - self._range_ms(node, "start"))

    # string (§5.3)

    def fn_isempty(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        t = self.text(v)
        pred = exp.or_(
            exp.Is(this=t.e(), expression=exp.Null()), exp.EQ(this=t.e(), expression=lit(""))
        )
        return Val(coalesce_false(pred), Type.BOOL, nonnull=True, agg=v.agg)

    def fn_isblank(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        t = self.text(v)
        pred = exp.or_(exp.Is(this=t.e(), expression=exp.Null()), self.d.regex_full(t.e(), r"\s*"))
        return Val(coalesce_false(pred), Type.BOOL, nonnull=True, agg=v.agg)

    def fn_concat(self, node: ast.Call) -> Val:
        vals = self.args(node)
        parts = [exp.Coalesce(this=self.text(v).e(), expressions=[lit("")]) for v in vals]
        if len(parts) == 1:
            return Val(parts[0], Type.STR, agg=vals[0].agg)
        return Val(exp.Concat(expressions=parts), Type.STR, agg=self._agg_of(*vals))

    def _trim(self, node: ast.Call, where: str) -> Val:
        vals = self.args(node)
        s = self.text(vals[0])
        chars = self.text(vals[1]).e() if len(vals) > 1 else None
        return Val(self.d.trim_chars(s.e(), chars, where), Type.STR, agg=self._agg_of(*vals))

    def fn_ltrim(self, node: ast.Call) -> Val:
        return self._trim(node, "LEADING")

    def fn_rtrim(self, node: ast.Call) -> Val:
        return self._trim(node, "TRAILING")

    def fn_trim(self, node: ast.Call) -> Val:
        return self._trim(node, "BOTH")

    def fn_strlen(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(self.d.strlen(self.text(v).e()), Type.INT, agg=v.agg)

    def fn_toupper(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(exp.Upper(this=self.text(v).e()), Type.STR, agg=v.agg)

    def fn_tolower(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(exp.Lower(this=self.text(v).e()), Type.STR, agg=v.agg)

    def fn_substr(self, node: ast.Call) -> Val:
        vals = self.args(node)
        s = self.text(vals[0])
        nums = [self.num(v) for v in vals[1:]]
        for v, arg in zip(nums, node.args[1:], strict=True):
            if v.is_const and v.const < 0:
                raise _invalid(arg, "substr() start and length cannot be negative")
        ints = [
            cast(exp.Floor(this=v.e()), self.d.int_type) if v.type is Type.FLOAT else self.wide(v)
            for v in nums
        ]
        start = ints[0]
        length = ints[1] if len(ints) > 1 else None
        result = self.d.substring(s.e(), start, length)
        negative = [
            exp.LT(this=i.copy(), expression=lit(0))
            for i, v in zip(ints, nums, strict=True)
            if not v.is_const
        ]
        if negative:
            result = case((_or_all(negative), exp.Null()), default=result)
        return Val(result, Type.STR, agg=self._agg_of(*vals))

    def fn_replace(self, node: ast.Call) -> Val:
        vals = self.args(node)
        s, a, b = (self.text(v).e() for v in vals)
        return Val(
            exp.Anonymous(this="replace", expressions=[s, a, b]), Type.STR, agg=self._agg_of(*vals)
        )

    def fn_strcontains(self, node: ast.Call) -> Val:
        vals = self.args(node)
        s, sub = self.text(vals[0]).e(), self.text(vals[1]).e()
        if len(vals) > 2:
            ci = self.truth(vals[2]).e()
            pred: exp.Expr = case(
                (ci, self.d.contains(exp.Lower(this=s), exp.Lower(this=sub))),
                default=self.d.contains(s.copy(), sub.copy()),
            )
        else:
            pred = self.d.contains(s, sub)
        return Val(pred, Type.BOOL, agg=self._agg_of(*vals))

    def fn_regexreplace(self, node: ast.Call) -> Val:
        s = self.text(self.compile(node.args[0]))
        pattern_node = node.args[1]
        if isinstance(pattern_node, ast.Regex):
            pattern = pattern_node.pattern
        elif isinstance(pattern_node, ast.String):
            pattern = pattern_node.value
        else:
            raise _invalid(pattern_node, "regexReplace() takes a /regex/ or a quoted pattern")
        repl = self.text(self.compile(node.args[2]))
        return Val(
            self.d.regex_replace(s.e(), self.regex(pattern, pattern_node), repl.e()),
            Type.STR,
            agg=s.agg or repl.agg,
        )

    def fn_startswith(self, node: ast.Call) -> Val:
        a, b = (self.text(v) for v in self.args(node))
        return Val(self.d.starts_with(a.e(), b.e()), Type.BOOL, agg=a.agg or b.agg)

    def fn_endswith(self, node: ast.Call) -> Val:
        a, b = (self.text(v) for v in self.args(node))
        return Val(self.d.ends_with(a.e(), b.e()), Type.BOOL, agg=a.agg or b.agg)

    def fn_unmask(self, node: ast.Call) -> Val:
        (v,) = self.args(node)  # nothing is masked locally (spec §4.12)
        return v

    # datetime (§5.4, §5.5)

    def period(self, node: ast.Expr, fn_text: str) -> tuple[int, str]:
        assert isinstance(node, ast.Period)  # the parser checks period arguments
        count = clamp(node.count, node.unit)
        if count != node.count:
            self.env.warnings.append(
                f"{fn_text}({node.text}) is capped at {describe(count, node.unit)} as in AWS; "
                "use a larger unit"
            )
        return count, node.unit

    def timestamp_arg(self, v: Val) -> Val:
        if v.type is Type.TS:
            return v
        n = self.num(v)
        return Val(self.d.from_ms(n.e()), Type.TS, agg=v.agg)

    def floor_ts(self, ts: Val, count: int, unit: str, ceil: bool = False) -> Val:
        d = self.d
        if unit in _MONTHS:
            months = count * _MONTHS[unit]
            if months in _TRUNC:
                floored = d.month_trunc(ts.e(), _TRUNC[months])
            else:
                index = d.year_month_index(ts.e())
                floored = d.month_start(
                    exp.Sub(
                        this=paren(index),
                        expression=exp.Mod(
                            this=paren(
                                exp.Add(
                                    this=exp.Mod(this=paren(index.copy()), expression=lit(months)),
                                    expression=lit(months),
                                )
                            ),
                            expression=lit(months),
                        ),
                    )
                )
            if not ceil:
                return Val(floored, Type.TS, agg=ts.agg)
            bumped = d.add_months(floored.copy(), months)
            return Val(
                case((exp.EQ(this=floored, expression=ts.e()), ts.e()), default=bumped),
                Type.TS,
                agg=ts.agg,
            )
        if count == 1 and unit in _PLAIN_TRUNC and not ceil:
            # one whole UTC second/minute/hour/day: the engine's date_trunc is the
            # epoch-aligned floor and cheaper than millisecond arithmetic
            return Val(d.month_trunc(ts.e(), _PLAIN_TRUNC[unit]), Type.TS, agg=ts.agg)
        step = count * (7 * 86_400_000 if unit == "w" else UNIT_MS[unit])
        offset = _MONDAY_MS if unit == "w" else 0
        ms = d.epoch_ms(ts.e())
        shifted = exp.Sub(this=ms, expression=lit(offset)) if offset else ms
        # floor modulo, correct before 1970 too: ((x % p) + p) % p
        rem = exp.Mod(
            this=paren(
                exp.Add(
                    this=exp.Mod(this=paren(shifted), expression=lit(step)), expression=lit(step)
                )
            ),
            expression=lit(step),
        )
        floored_ms: exp.Expr = exp.Sub(this=d.epoch_ms(ts.e()), expression=paren(rem))
        if ceil:
            floored_ms = exp.Add(
                this=floored_ms,
                expression=case(
                    (exp.EQ(this=rem.copy(), expression=lit(0)), lit(0)), default=lit(step)
                ),
            )
        return Val(d.from_ms(floored_ms), Type.TS, agg=ts.agg)

    def fn_bin(self, node: ast.Call) -> Val:
        count, unit = self.period(node.args[0], node.name_text)
        ts = self.field(ast.FieldRef(node.start, node.end, "@timestamp"))
        return self.floor_ts(self.timestamp_arg(ts), count, unit)

    def fn_datefloor(self, node: ast.Call) -> Val:
        ts = self.timestamp_arg(self.compile(node.args[0]))
        count, unit = self.period(node.args[1], node.name_text)
        return self.floor_ts(ts, count, unit)

    def fn_dateceil(self, node: ast.Call) -> Val:
        ts = self.timestamp_arg(self.compile(node.args[0]))
        count, unit = self.period(node.args[1], node.name_text)
        return self.floor_ts(ts, count, unit, ceil=True)

    def fn_frommillis(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        n = self.num(v)
        ms = cast(exp.Floor(this=n.e()), self.d.int_type) if n.type is Type.FLOAT else n.e()
        return Val(self.d.from_ms(ms), Type.TS, agg=v.agg)

    def fn_tomillis(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return self.num(v)  # timestamps become epoch ms; numbers are taken as ms already

    def fn_now(self, node: ast.Call) -> Val:
        return _num_val(self.env.now_s)

    # IP addresses (§5.6)

    def _valid(self, s: exp.Expr, v4: bool, v6: bool) -> exp.Expr:
        parts = []
        if v4:
            parts.append(self.d.regex_full(s.copy(), IPV4_RE))
        if v6:
            parts.append(self.d.regex_full(s.copy(), IPV6_RE))
        return _or_all(parts)

    def fn_isvalidip(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(
            coalesce_false(self._valid(self.text(v).e(), True, True)),
            Type.BOOL,
            nonnull=True,
            agg=v.agg,
        )

    def fn_isvalidipv4(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(
            coalesce_false(self._valid(self.text(v).e(), True, False)),
            Type.BOOL,
            nonnull=True,
            agg=v.agg,
        )

    def fn_isvalidipv6(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        return Val(
            coalesce_false(self._valid(self.text(v).e(), False, True)),
            Type.BOOL,
            nonnull=True,
            agg=v.agg,
        )

    def cidr(self, node: ast.Call) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        arg = node.args[1]
        if not isinstance(arg, ast.String):
            raise _invalid(arg, f'{node.name_text}() takes a quoted CIDR such as "10.0.0.0/16"')
        try:
            return ipaddress.ip_network(arg.value.strip(), strict=False)
        except ValueError:
            raise _invalid(arg, f"{arg.value!r} is not a valid CIDR block") from None

    def _in_subnet(self, node: ast.Call, want: int | None) -> Val:
        v = self.compile(node.args[0])
        net = self.cidr(node)
        if want is not None and net.version != want:
            raise _invalid(node.args[1], f"{node.name_text}() needs an IPv{want} CIDR, not {net}")
        s = self.text(v).e()
        if net.version == 4:
            pred = self._v4_in(s, net)  # type: ignore[arg-type]
        else:
            pred = self._v6_in(s, net)  # type: ignore[arg-type]
        return Val(coalesce_false(pred), Type.BOOL, nonnull=True, agg=v.agg)

    def _v4_in(self, s: exp.Expr, net: ipaddress.IPv4Network) -> exp.Expr:
        valid = self._valid(s, True, False)
        p = net.prefixlen
        if p == 0:
            return valid
        if p % 8 == 0:
            octets = str(net.network_address).split(".")[: p // 8]
            if p == 32:
                return exp.EQ(this=s.copy(), expression=lit(str(net.network_address)))
            # cheap prefix test first; the rest is then checked on candidates only
            text = ".".join(octets) + "."
            prefix = self.d.starts_with(s.copy(), lit(text))
            return exp.and_(prefix, self.d.ipv4_rest_valid(s.copy(), p // 8, len(text)))
        lo, hi = int(net.network_address), int(net.broadcast_address)
        number = self.d.ipv4_number(s.copy())
        return exp.and_(valid, exp.Between(this=number, low=lit(lo), high=lit(hi)))

    def _v6_in(self, s: exp.Expr, net: ipaddress.IPv6Network) -> exp.Expr:
        valid = self._valid(s, False, True)
        p = net.prefixlen
        if p == 0:
            return valid
        hexnet = net.network_address.exploded.replace(":", "")
        full, rem = divmod(p, 4)
        pattern = "^" + hexnet[:full]
        if rem:
            # the partial nibble: every hex digit whose top `rem` bits match
            span = 2 ** (4 - rem)
            low = int(hexnet[full], 16) // span * span
            pattern += "[" + "".join(f"{d:x}" for d in range(low, low + span)) + "]"
        inside = self.d.regex_search(self.d.ipv6_hex(s.copy()), pattern)
        return case((valid, inside), default=exp.false())

    def fn_isipinsubnet(self, node: ast.Call) -> Val:
        return self._in_subnet(node, None)

    def fn_isipv4insubnet(self, node: ast.Call) -> Val:
        return self._in_subnet(node, 4)

    def fn_isipv6insubnet(self, node: ast.Call) -> Val:
        return self._in_subnet(node, 6)

    def fn_ipv4tonumber(self, node: ast.Call) -> Val:
        (v,) = self.args(node)
        s = self.text(v).e()
        return Val(
            case((self._valid(s, True, False), self.d.ipv4_number(s.copy()))), Type.INT, agg=v.agg
        )


class StatsExprs(Exprs):
    """Compile one ``stats`` item.

    Bare names resolve to ``by`` keys and earlier aliases of the same stats
    (``names``); aggregate calls compile their arguments in the row scope and
    are handed to ``add_aggregate``, which returns the column they become.
    """

    def __init__(
        self,
        dialect: Dialect,
        env: Env,
        scope: Scope,
        names: dict[str, Val],
        add_aggregate: Callable[[exp.Expr, Type], Val],
    ) -> None:
        super().__init__(dialect, env, scope)
        self.names = names
        self.add_aggregate = add_aggregate
        self.rows = Exprs(dialect, env, scope)

    def field(self, node: ast.FieldRef) -> Val:
        found = self.names.get(node.name)
        if found is not None:
            return found
        raise QueryError(
            "AGGREGATE_CONTEXT",
            f"field {node.name!r} in stats must be inside an aggregation such as "
            f"sum({node.name}), or be a 'by' key",
            node.start,
            node.end,
        )

    def fn_bin(self, node: ast.Call) -> Val:
        raise QueryError(
            "AGGREGATE_CONTEXT",
            "bin() can only be used as a 'by' key in stats",
            node.start,
            node.end,
        )

    def aggregate(self, node: ast.Call) -> Val:
        r = self.rows
        args = [r.compile(a) for a in node.args if not isinstance(a, ast.Period)]
        name = node.name
        d = self.d
        if name == "count":
            if not args:
                return self.add_aggregate(exp.Count(this=exp.Star()), Type.INT)
            return self.add_aggregate(exp.Count(this=args[0].e()), Type.INT)
        v = args[0]
        not_null = exp.Not(this=exp.Is(this=v.e(), expression=exp.Null()))
        if name == "count_distinct":
            return self.add_aggregate(exp.Count(this=exp.Distinct(expressions=[v.e()])), Type.INT)
        if name == "sum":
            n = r.num(v)
            if n.type is Type.INT:
                return self.add_aggregate(d.sum_int(n.e()), Type.INT)
            return self.add_aggregate(exp.Sum(this=n.e()), Type.FLOAT)
        if name == "avg":
            return self.add_aggregate(exp.Avg(this=r.num(v).e()), Type.FLOAT)
        if name == "stddev":
            return self.add_aggregate(exp.StddevSamp(this=cast(r.num(v).e(), "DOUBLE")), Type.FLOAT)
        if name in ("min", "max", "sortsfirst", "sortslast"):
            smallest = name in ("min", "sortsfirst")
            if v.type is Type.STR:
                key = d.natural_struct(v.e())
                agg = d.filtered(d.arg_extreme(v.e(), key, smallest), not_null)
                return self.add_aggregate(agg, Type.STR)
            base = r.num(v) if v.type is Type.BOOL else v
            cls = exp.Min if smallest else exp.Max
            return self.add_aggregate(cls(this=base.e()), base.type)
        if name == "pct":
            p_node = node.args[1]
            p = _numeric_const(args[1].const) if args[1].is_const else None
            if p is None or not 0 <= p <= 100:
                raise _invalid(p_node, "pct() takes a percentile from 0 to 100")
            n = r.num(v)
            value = Fraction(str(p))
            return self.add_aggregate(d.percentile_nearest_rank(n.e(), value), n.type)
        if name in ("earliest", "latest"):
            ts = self.scope.lookup(ast.FieldRef(node.start, node.end, "@timestamp"))
            parts = [ts.e()]
            if self.scope.seq is not None:
                parts.append(self.scope.seq.copy())
            key = d.row_key(*parts) if len(parts) > 1 else parts[0]
            agg = d.filtered(d.arg_extreme(v.e(), key, name == "earliest"), not_null)
            return self.add_aggregate(agg, v.type)
        raise AssertionError(f"no lowering for aggregate {name}")  # pragma: no cover


# ---------------------------------------------------------------- helpers


def source_name(text: str, start: int, end: int) -> str:
    """The §6.3 name of ``text[start:end]``: its tokens joined without whitespace."""
    from vpcflow.insights.tokens import Lexer, TokenType

    lexer = Lexer(text[start:end])
    parts = []
    try:
        while (tok := lexer.next()).type is not TokenType.EOF:
            parts.append(tok.text)
    except QueryError:
        return text[start:end]
    return "".join(parts)


def _invalid(node: ast.Node, message: str) -> QueryError:
    return QueryError("INVALID_ARGUMENT", message, node.start, node.end)


def _cmp(op: str, a: exp.Expr, b: exp.Expr) -> exp.Expr:
    cls = {
        "=": exp.EQ,
        "!=": exp.NEQ,
        "<": exp.LT,
        "<=": exp.LTE,
        ">": exp.GT,
        ">=": exp.GTE,
    }[op]
    return cls(this=a, expression=b)


def _or_all(parts: Sequence[exp.Expr]) -> exp.Expr:
    if len(parts) == 1:
        return parts[0]
    return paren(exp.or_(*parts))


def _fold(op: str, a: Any, b: Any) -> int | float | None:
    """Constant-fold ``a op b`` like the SQL would compute it, or None to leave it to SQL."""
    try:
        if op == "/":
            if b == 0:
                return None
            return a / b
        if op == "^":
            result = float(a) ** float(b)
            return (
                result
                if isinstance(result, float) and result == result and abs(result) != float("inf")
                else None
            )
        if op == "%":
            if b == 0:
                return None
            if isinstance(a, int) and isinstance(b, int):
                r = abs(a) % abs(b)  # sign of the dividend, like SQL
                return r if a >= 0 else -r
            return None
        result = {"+": a + b, "-": a - b, "*": a * b}[op]
    except (OverflowError, ZeroDivisionError, TypeError):  # pragma: no cover - defensive
        return None
    if isinstance(result, int) and abs(result) > INT64_MAX:
        return float(result)
    return result  # type: ignore[no-any-return]


def _render_number(value: int | float) -> str:
    """Numbers as the output shows them (spec §6.2): ``8400``, ``2.5``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
