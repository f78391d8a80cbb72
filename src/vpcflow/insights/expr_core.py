"""The core of the expression compiler: scopes, literals, operators, coercion (spec §3).

:class:`ExprCore` turns Logs Insights expressions into typed SQLGlot trees
for everything but function calls; :mod:`vpcflow.insights.expressions` adds
one ``fn_<name>`` method per function (spec §5) on top of it.

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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from vpcflow.errors import QueryError
from vpcflow.insights import ast
from vpcflow.insights.dialects.base import (
    NUMBER_RE,
    Dialect,
    case,
    cast,
    coalesce_false,
    lit,
    paren,
)
from vpcflow.insights.functions import AGG, lookup
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


class ExprCore:
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
