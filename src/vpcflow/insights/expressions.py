"""Compile Logs Insights expressions to typed SQLGlot trees (spec §3, §5).

:class:`Exprs` compiles an expression in a *row* context (fields, filter,
sort keys, ``by`` keys, aggregate arguments): the operators and coercions of
:class:`~vpcflow.insights.expr_core.ExprCore` plus one ``fn_<name>`` method per
function of the spec's tables. :class:`StatsExprs` compiles a ``stats`` item,
where bare names must be ``by`` keys or earlier aliases and aggregate calls
become columns of the aggregating SELECT.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from fractions import Fraction

from sqlglot import exp

from vpcflow.errors import QueryError
from vpcflow.insights import ast
from vpcflow.insights.dialects.base import (
    IPV4_RE,
    IPV6_RE,
    Dialect,
    case,
    cast,
    coalesce_false,
    lit,
    paren,
)
from vpcflow.insights.expr_core import (
    _MONDAY_MS,
    _MONTHS,
    _PLAIN_TRUNC,
    _TRUNC,
    Env,
    ExprCore,
    Scope,
    _invalid,
    _num_val,
    _numeric_const,
    _or_all,
    source_name,
)
from vpcflow.insights.periods import UNIT_MS, clamp, describe
from vpcflow.insights.types import Type, Val


class Exprs(ExprCore):
    """Row-context expressions: the core plus every function (spec §5)."""

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


__all__ = ["Env", "Exprs", "Scope", "StatsExprs", "source_name"]
