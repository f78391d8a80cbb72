"""Compile a parsed query into one SQL SELECT over the store (the pipeline planner).

The pipeline of commands (spec §1) becomes a stack of *layers*. A layer is a
FROM relation, the fields visible in it (each a typed SQL expression over the
relation's columns, see :class:`~vpcflow.insights.expressions.Scope`), its
WHERE conditions, its current row order and an optional LIMIT. ``fields``,
``display``, ``filter``, ``sort`` and ``limit`` only edit the current layer:
field expressions are substituted where they are used, so
``stats sum(bytes) as b by srcAddr | sort b desc | limit 10`` compiles to a
single GROUP BY wrapped by one ORDER BY/LIMIT, as a person would write it.
A new layer (a subquery) starts where SQL needs one: a ``filter`` or ``sort``
after a ``limit``, ``stats`` (GROUP BY), ``parse`` (the regex runs once per
row, its groups land in a struct column) and ``dedup`` (ROW_NUMBER).

Order (spec §4.6, §6.4): raw rows come ``@timestamp`` descending, then in
ingestion order; a ``sort`` is stable, so the previous order breaks its ties.
``stats`` output comes in ascending natural order of its keys. Natural sort
keys are costly (two regex passes per value), so two decisions keep them off
the hot path: ties of a ``sort`` over ``stats`` output are broken by the keys'
plain order (code point for text); and when a ``limit`` or the row cap cuts
unsorted ``stats`` output, the rows kept are the first in plain key order,
then shown in natural order (AWS leaves this order unspecified).

Output columns (spec §6.1): the last ``display``; else the last ``stats``
outputs (plus fields created after it); else every ``fields`` item in first-
mention order; else ``@timestamp`` and ``@message``; ``parse`` outputs are
appended in the last two cases. A ``display`` before a ``stats`` is reset by
it. Without any ``limit`` at most ``cap`` rows are returned (10,000 by
default, spec §4.7) and one extra row is fetched to report truncation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from vpcflow.errors import QueryError, UsageError
from vpcflow.insights import ast
from vpcflow.insights.catalog import FLOW, Catalog, LogGroup
from vpcflow.insights.dialects.base import Dialect, case, cast, col, lit
from vpcflow.insights.dialects.render import fragment, fragment_trees
from vpcflow.insights.expressions import Env, Exprs, Scope, StatsExprs
from vpcflow.insights.parser import parse
from vpcflow.insights.transforms import lower_parse
from vpcflow.insights.types import STORE_TYPES, Type, Val

DEFAULT_CAP = 10_000
# DuckDB's late_materialization_max_rows: up to this LIMIT a flat top-N computes
# the projection on the kept rows only (measured: 8.6 ms flat vs 10.9 ms nested
# for 20 rows; 54 ms vs 11 ms for 200 rows).
LATE_MATERIALIZATION_ROWS = 50


@dataclass(frozen=True)
class OutputColumn:
    name: str
    type: Type


@dataclass
class Compiled:
    """A compiled query: the SQL, its output columns, and what the engine must check."""

    text: str
    tree: exp.Select  # may hold Fragments: render it with Dialect.sql, not tree.sql()
    sql: str
    columns: list[OutputColumn]
    cap: int | None  # default row cap (LIMIT cap+1 is in the SQL), None with an explicit limit
    warnings: list[str]
    regexes: list[tuple[str, int, int]]  # (RE2 pattern, start, end) to validate
    groups: list[LogGroup]
    aggregated: bool = False
    # recordsScanned / recordsMatched: the tree is built on first use of
    # ``counts_tree`` (``vpcflow.query`` reports no statistics, never needs it)
    counts_builder: Callable[[], exp.Select] | None = field(default=None, repr=False)
    _counts: exp.Select | None = field(default=None, init=False, repr=False)

    @property
    def counts_tree(self) -> exp.Select | None:
        """``SELECT count(*) scanned, count(*) FILTER (matched)`` over the base relation."""
        if self._counts is None and self.counts_builder is not None:
            self._counts = self.counts_builder()
        return self._counts


@dataclass
class Layer:
    frm: exp.Expr
    scope: Scope
    cols: set[str]  # lower-case column names the FROM relation provides
    where: list[exp.Expr] = field(default_factory=list)
    order: list[exp.Ordered] = field(default_factory=list)
    tiebreak: list[exp.Ordered] = field(default_factory=list)
    limit: int | None = None
    # stats output in its default (natural key) order: a LIMIT keeps the first
    # rows by plain key order, which are then shown in natural order
    natural_default: bool = False


def aliased(e: exp.Expr, name: str) -> exp.Alias:
    """``e AS "name"`` without the copy SQLGlot's ``as_`` makes."""
    return exp.Alias(this=e, alias=exp.to_identifier(name, quoted=True))


def where_form(e: exp.Expr) -> exp.Expr:
    """Drop ``COALESCE(p, FALSE)`` where only TRUE matters (WHERE, under AND/OR).

    A WHERE keeps a row only when its condition is TRUE, and ``COALESCE(p,
    FALSE)`` is TRUE exactly when ``p`` is, also under AND and OR. Bare
    comparisons let DuckDB push filters into the scan; under NOT the
    coalesce stays (that is where two-valued logic matters).
    """
    if isinstance(e, exp.Coalesce):
        rest = e.expressions
        if len(rest) == 1 and isinstance(rest[0], exp.Boolean) and rest[0].this is False:
            return where_form(e.this)
    if isinstance(e, exp.Paren):
        return exp.Paren(this=where_form(e.this))
    if isinstance(e, exp.And | exp.Or):
        return type(e)(this=where_form(e.this), expression=where_form(e.expression))
    return e


def table(name: str) -> exp.Table:
    """An unquoted table reference (``exp.to_table`` would parse ``name`` as SQL)."""
    return exp.Table(this=exp.to_identifier(name))


def free_columns(e: exp.Expr) -> list[exp.Column]:
    """Column references of ``e`` that are not lambda parameters."""
    out = [c for tree in fragment_trees(e) for c in free_columns(tree)]
    for c in e.find_all(exp.Column):
        bound = False
        node = c.parent
        while node is not None:
            if isinstance(node, exp.Lambda) and any(p.name == c.name for p in node.expressions):
                bound = True
                break
            node = node.parent
        if not bound:
            out.append(c)
    return out


def _hint(name: str) -> str:
    cleaned = re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_") or "f"
    return cleaned if not cleaned[0].isdigit() else f"f_{cleaned}"


def fresh(cols: set[str], hint: str) -> str:
    """A column name based on ``hint`` that is new in ``cols`` (case-insensitively)."""
    base = _hint(hint)
    name, n = base, 1
    while name.lower() in cols:
        n += 1
        name = f"{base}_{n}"
    cols.add(name.lower())
    return name


class Compiler:
    def __init__(
        self,
        query: ast.Query,
        catalog: Catalog,
        dialect: Dialect,
        *,
        log_groups: list[str] | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        now_s: int = 0,
        cap: int | None = DEFAULT_CAP,
    ) -> None:
        self.q = query
        self.catalog = catalog
        self.d = dialect
        self.env = Env(now_s=now_s, text=query.text, start_ms=start_ms, end_ms=end_ms)
        self.log_groups = log_groups
        self.cap = cap
        self._aliases = 0
        # output bookkeeping (spec §6.1)
        self.display: list[ast.Item] | None = None
        self.fields_names: list[str] = []
        self.parse_names: list[str] = []
        self.stats_names: list[str] | None = None
        self.after_stats_names: list[str] = []
        self.matched: list[exp.Expr] | None = None
        self.rest: tuple[ast.Command, ...] = ()

    # ------------------------------------------------------------ entry

    def compile(self) -> Compiled:
        self.check_order()
        names = list(self.log_groups or [])
        prefixes: list[str] = []
        if self.q.source is not None:
            names = list(self.q.source.names)
            prefixes = list(self.q.source.prefixes)
        try:
            groups = self.catalog.select(names, prefixes)
        except UsageError as exc:
            if self.q.source is None:
                raise
            raise QueryError(
                "INVALID_ARGUMENT", exc.message, self.q.source.start, self.q.source.end
            ) from None
        layer, base_from, base_where = self.base_layer(groups)
        limited = False
        # recordsMatched counts the rows that pass the filters applied to the
        # scanned rows themselves, before any stats, parse, dedup or limit.
        self.matched = list(base_where)
        for i, cmd in enumerate(self.q.commands):
            self.rest = self.q.commands[i + 1 :]
            handler = getattr(self, f"cmd_{type(cmd).__name__.lower()}")
            layer = handler(cmd, layer)
            limited = limited or isinstance(cmd, ast.Limit)
            if layer.frm is base_from:
                self.matched = list(layer.where)
        columns, projection = self.outputs(layer)
        cap = None if limited else self.cap
        limit = layer.limit
        if cap is not None:
            limit = cap + 1 if limit is None else min(limit, cap + 1)
        tree = self.final_select(layer, projection, limit=limit)
        return Compiled(
            text=self.q.text,
            tree=tree,
            sql=self.d.sql(tree, copy=False),
            columns=columns,
            cap=cap,
            warnings=self.env.warnings,
            regexes=self.env.regexes,
            groups=groups,
            counts_builder=lambda: self.counts_tree(base_from, base_where),
            aggregated=self.stats_names is not None,
        )

    def check_order(self) -> None:
        """STATS_LIMIT and COMMAND_ORDER (spec §4.4, §4.9)."""
        cmds = self.q.commands
        stats = [i for i, c in enumerate(cmds) if isinstance(c, ast.Stats)]
        if len(stats) > 2:
            third = cmds[stats[2]]
            raise QueryError(
                "STATS_LIMIT", "a query can have at most two stats commands", third.start, third.end
            )
        if len(stats) == 2:
            for c in cmds[: stats[1]]:
                if isinstance(c, ast.Sort | ast.Limit):
                    raise QueryError(
                        "COMMAND_ORDER",
                        f"{type(c).__name__.lower()} must come after the second stats command",
                        c.start,
                        c.end,
                    )
        for i, c in enumerate(cmds):
            if isinstance(c, ast.Dedup):
                for later in cmds[i + 1 :]:
                    if not isinstance(later, ast.Limit):
                        raise QueryError(
                            "COMMAND_ORDER",
                            "only limit may follow dedup",
                            later.start,
                            later.end,
                        )

    # ------------------------------------------------------------ the base relation

    def alias(self) -> str:
        self._aliases += 1
        return f"s{self._aliases}"

    def time_conditions(self) -> list[exp.Expr]:
        out: list[exp.Expr] = []
        ts = col("timestamp")
        if self.env.start_ms is not None:
            out.append(exp.GTE(this=ts, expression=self.d.from_ms(lit(self.env.start_ms))))
        if self.env.end_ms is not None:
            out.append(exp.LTE(this=ts.copy(), expression=self.d.from_ms(lit(self.env.end_ms))))
        return out

    def group_condition(self, selected: list[LogGroup], kind: str) -> list[exp.Expr]:
        mine = [g for g in selected if (g.kind == FLOW) == (kind == FLOW)]
        every = [g for g in self.catalog.groups if (g.kind == FLOW) == (kind == FLOW)]
        if not mine:
            return [exp.false()]
        if {g.name for g in mine} == {g.name for g in every}:
            return []  # every group of this kind: no filter (the fast path)
        return [exp.In(this=col("log_group"), expressions=[lit(g.name) for g in mine])]

    def message_expr(self, groups: list[LogGroup]) -> exp.Expr:
        """``@message`` of a flow record, rebuilt from its format (NULL shown as ``-``).

        It depends only on the catalog (formats, column types) and the dialect,
        so it is built and rendered once per catalog: a :class:`Fragment`.
        """
        formats = self.catalog.formats_of([g for g in groups if g.kind == FLOW])
        memo = self.catalog.memo
        key = ("@message", type(self.d), tuple(sorted(formats)))
        found = memo.get(key)
        if found is None:
            if len(memo) > 256:  # bounded: one entry per distinct set of formats
                memo.clear()
            found = memo[key] = fragment(self._message_tree(formats))
        return found.copy()

    def _message_tree(self, formats: dict[int, tuple[str, ...]]) -> exp.Expr:
        types = dict(self.catalog.flow_columns)
        rendered: list[tuple[int, exp.Expr]] = []
        for fid, columns in sorted(formats.items()):
            parts: list[exp.Expr] = []
            for c in columns:
                if c not in types:
                    value: exp.Expr = exp.Null()
                elif str(types[c]).upper() == "VARCHAR":
                    value = col(c)  # already text: a CAST would only cost DuckDB planning time
                else:
                    value = cast(col(c), "VARCHAR")
                parts.append(exp.Coalesce(this=value, expressions=[lit("-")]))
            rendered.append((fid, self.d.join_text(" ", parts)))
        if not rendered:
            return cast(exp.Null(), "VARCHAR")
        if len(rendered) == 1:
            return rendered[0][1]
        return case(
            *[(exp.EQ(this=col("format_id"), expression=lit(fid)), e) for fid, e in rendered]
        )

    def system_fields(self, groups: list[LogGroup]) -> dict[str, Callable[[], Val]]:
        """The ``@`` fields, each built when a query first uses it."""

        def at_log() -> Val:
            if len(groups) == 1:
                return Val(lit(groups[0].at_log), Type.STR)
            if not groups:
                return Val(cast(exp.Null(), "VARCHAR"), Type.STR)
            whens = [
                (exp.EQ(this=col("log_group"), expression=lit(g.name)), lit(g.at_log))
                for g in groups
            ]
            return Val(case(*whens), Type.STR)

        def ptr() -> Val:
            parts = [cast(col("file_id"), "VARCHAR"), lit(":"), cast(col("line"), "VARCHAR")]
            return Val(exp.Concat(expressions=parts), Type.STR)

        return {
            "@timestamp": lambda: Val(col("timestamp"), Type.TS),
            "@ingestionTime": lambda: Val(col("ingestion_time"), Type.TS),
            "@logStream": lambda: Val(col("log_stream"), Type.STR),
            "@log": at_log,
            "@ptr": ptr,
        }

    def flow_field_factories(self) -> dict[str, Callable[[], Val]]:
        """Insights name -> builder of its flow column (once per catalog; copy before use)."""
        found = self.catalog.memo.get("flow_fields")
        if found is None:
            found = {}
            for name, (column, store_type) in self.catalog.flow_fields().items():
                kind = STORE_TYPES.get(store_type, Type.STR)
                found[name] = lambda column=column, kind=kind: Val(col(column), kind)  # type: ignore[misc]
            self.catalog.memo["flow_fields"] = found
        return dict(found)

    def flow_column_names(self) -> frozenset[str]:
        """Lower-case names of the ``flow_logs`` columns (once per catalog)."""
        found = self.catalog.memo.get("flow_cols")
        if found is None:
            found = frozenset(name.lower() for name, _ in self.catalog.flow_columns)
            self.catalog.memo["flow_cols"] = found
        return found  # type: ignore[no-any-return]

    def base_layer(self, groups: list[LogGroup]) -> tuple[Layer, exp.Expr, list[exp.Expr]]:
        flow = [g for g in groups if g.kind == FLOW]
        generic = [g for g in groups if g.kind != FLOW]
        values: dict[str, Val] = {}
        lazy: dict[str, Callable[[], Val]] = {}
        seq_exprs = self.d.row_seq()
        times = self.time_conditions()
        if generic and not flow:
            frm: exp.Expr = table("events")
            cols = {
                "timestamp",
                "ingestion_time",
                "message",
                "log_group",
                "log_stream",
                "source",
                "file_id",
                "line",
            }
            values["@message"] = Val(col("message"), Type.STR)
            where = self.group_condition(groups, "generic") + times
        else:
            lazy = self.flow_field_factories()
            if not generic:
                frm = table("flow_logs")
                cols = set(self.flow_column_names())
                lazy["@message"] = lambda: Val(self.message_expr(groups), Type.STR)
                where = self.group_condition(groups, FLOW) + times
            else:
                frm, cols = self.mixed_relation(groups)
                values["@message"] = Val(col("message"), Type.STR)
                where = []
        lazy.update(self.system_fields(groups))  # over flow fields of the same name
        seq_key: exp.Expr | None = None
        if len(seq_exprs) > 1:
            seq_key = self.d.row_key(*[e.copy() for e in seq_exprs])
        elif seq_exprs:
            seq_key = seq_exprs[0].copy()
        scope = Scope(values, after_stats=False, seq=seq_key, lazy=lazy)
        # row_seq() builds its nodes per call: the ORDER BY takes them uncopied
        order = [self.d.ordered(col("timestamp"), True)] + [
            self.d.ordered(e, False) for e in seq_exprs
        ]
        layer = Layer(frm, scope, cols, list(where), order, list(order))
        return layer, frm, list(where)

    def mixed_relation(self, groups: list[LogGroup]) -> tuple[exp.Expr, set[str]]:
        """Flow records and generic events in one relation (UNION ALL BY NAME)."""
        times = self.time_conditions()
        flow = exp.select(exp.Star(), self.message_expr(groups).as_("message")).from_(
            "flow_logs", copy=False
        )
        events = exp.select(exp.Star()).from_("events")
        for cond in self.group_condition(groups, FLOW) + times:
            flow = flow.where(cond, copy=False)
        for cond in self.group_condition(groups, "generic") + [t.copy() for t in times]:
            events = events.where(cond, copy=False)
        union = self.d.union_by_name(flow, events)
        cols = {name.lower() for name, _ in self.catalog.flow_columns} | {"message"}
        return exp.Subquery(
            this=union, alias=exp.TableAlias(this=exp.to_identifier(self.alias()))
        ), cols

    # ------------------------------------------------------------ layers

    def select(
        self,
        layer: Layer,
        projection: list[exp.Expr],
        *,
        limit: int | None,
        order: bool = True,
    ) -> exp.Select:
        # The layer is consumed: its FROM tree and order keys move into the new
        # SELECT uncopied (nothing reads them afterwards; the WHERE conditions
        # are copied: recordsMatched reuses them). Nodes are built directly:
        # SQLGlot's builders re-check (and for ints, parse) every argument.
        sel = exp.Select(expressions=projection)
        sel.set("from_", exp.From(this=layer.frm))
        if layer.where:
            sel = sel.where(*[w.copy() for w in layer.where], copy=False)
        keys = layer.tiebreak if layer.natural_default and limit is not None else layer.order
        if order and keys:
            sel.set("order", exp.Order(expressions=list(keys)))
        if limit is not None:
            sel.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
        return sel

    def final_select(
        self, layer: Layer, projection: list[exp.Expr], limit: int | None
    ) -> exp.Select:
        """The outermost SELECT.

        With a LIMIT, rows are ordered and cut in an inner SELECT and the output
        expressions are computed outside it, on the kept rows only (DuckDB
        evaluates a projection before a top-N under it). Natural-order stats
        output is cut by plain key order there and sorted naturally outside.
        """
        if limit is None or not layer.order:
            return self.select(layer, projection, limit=limit)
        if limit <= LATE_MATERIALIZATION_ROWS and not layer.natural_default:
            # DuckDB itself defers the projection for such small top-N results
            return self.select(layer, projection, limit=limit)
        layer.limit = limit
        outer, _ = self.wrap(layer)
        return self.select(outer, projection, limit=None)

    def wrap(
        self, layer: Layer, extra: Sequence[tuple[str, exp.Expr]] = ()
    ) -> tuple[Layer, list[str]]:
        """Start a new layer over ``layer`` (``SELECT *, extra... FROM ...``).

        Order keys and the ingestion-order expression that are not plain columns
        are materialized so the outer layer can keep ordering by them.
        """
        cols = set(layer.cols)
        projection: list[exp.Expr] = [exp.Star()]
        names: list[str] = []
        for hint, e in extra:
            name = fresh(cols, hint)
            projection.append(aliased(e, name))
            names.append(name)
        materialized: list[tuple[exp.Expr, str]] = []

        def keep(e: exp.Expr) -> exp.Expr:
            # expressions of columns that pass through `*` are recomputed outside;
            # others (windows, computed keys) are materialized as columns
            columns = [e] if isinstance(e, exp.Column) else free_columns(e)
            if (
                all(c.name.lower() in layer.cols and not c.table for c in columns)
                and e.find(exp.Window) is None
            ):
                return e.copy()
            for done, name in materialized:
                if done == e:  # structural equality
                    return col(name)
            name = fresh(cols, "_o")
            materialized.append((e, name))
            projection.append(aliased(e.copy(), name))
            return col(name)

        order = [
            exp.Ordered(this=keep(o.this), desc=o.args.get("desc"), nulls_first=False)
            for o in layer.order
        ]
        tiebreak = [
            exp.Ordered(this=keep(o.this), desc=o.args.get("desc"), nulls_first=False)
            for o in layer.tiebreak
        ]
        scope = layer.scope.copy()
        if scope.seq is not None:
            scope.seq = keep(scope.seq)
        inner = self.select(layer, projection, limit=layer.limit, order=layer.limit is not None)
        frm = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(self.alias())))
        return Layer(
            frm, scope, cols, [], order, tiebreak, natural_default=layer.natural_default
        ), names

    def row(self, layer: Layer) -> Exprs:
        return Exprs(self.d, self.env, layer.scope)

    def sort_keys(self, v: Val, descending: bool) -> list[exp.Ordered]:
        if v.type is Type.STR:
            return self.d.natural_sort_keys(v.e(), descending)
        return [self.d.ordered(v.e(), descending)]

    def note_field(self, name: str) -> None:
        target = self.after_stats_names if self.stats_names is not None else self.fields_names
        if name not in target:
            target.append(name)

    # ------------------------------------------------------------ commands

    def cmd_fields(self, cmd: ast.Fields, layer: Layer) -> Layer:
        rows = self.row(layer)
        for item in cmd.items:
            layer.scope.values[item.name] = rows.compile(item.expr)
            self.note_field(item.name)
        return layer

    def cmd_display(self, cmd: ast.Display, layer: Layer) -> Layer:
        rows = self.row(layer)
        seen: set[str] = set()
        for item in cmd.items:
            if item.name in seen:
                raise QueryError(
                    "SYNTAX_ERROR", f"duplicate output name {item.name!r}", item.start, item.end
                )
            seen.add(item.name)
            value = rows.compile(item.expr)
            if item.alias is not None or not isinstance(item.expr, ast.FieldRef):
                layer.scope.values[item.name] = value
        self.display = list(cmd.items)
        return layer

    def cmd_filter(self, cmd: ast.Filter, layer: Layer) -> Layer:
        if layer.limit is not None:
            layer, _ = self.wrap(layer)
        layer.where.append(where_form(self.row(layer).predicate(cmd.condition)))
        return layer

    def cmd_sort(self, cmd: ast.Sort, layer: Layer) -> Layer:
        if layer.limit is not None:
            layer, _ = self.wrap(layer)
        rows = self.row(layer)
        keys: list[exp.Ordered] = []
        for key in cmd.keys:
            keys.extend(self.sort_keys(rows.compile(key.expr), key.descending))
        seen = [k.this for k in keys]
        for o in layer.tiebreak:
            if not any(o.this == k for k in seen):
                keys.append(o)  # moved, not copied: the layer's old keys are dropped here
                seen.append(o.this)
        layer.order = keys
        layer.tiebreak = list(keys)  # shared nodes: a layer's SELECT takes one of the two
        layer.natural_default = False
        return layer

    def cmd_limit(self, cmd: ast.Limit, layer: Layer) -> Layer:
        layer.limit = cmd.count if layer.limit is None else min(layer.limit, cmd.count)
        return layer

    def cmd_parse(self, cmd: ast.Parse, layer: Layer) -> Layer:
        lowered = lower_parse(cmd)
        assert lowered.regex is not None
        rows = self.row(layer)
        source = rows.text(rows.compile(lowered.source))
        self.env.regexes.append((lowered.regex, cmd.pattern.start, cmd.pattern.end))
        if not lowered.names:
            return layer
        groups = max(lowered.group_index)
        struct = self.d.regex_groups(source.e(), lowered.regex, groups)
        # When only fields/display/limit follow, the extracted fields are output
        # expressions: computed after the final LIMIT, on the kept rows only.
        # Otherwise the regex runs once per row into a struct column.
        lazy = all(isinstance(c, ast.Fields | ast.Display | ast.Limit) for c in self.rest)
        if lazy:
            holder: exp.Expr = struct
        else:
            layer, (name,) = self.wrap(layer, [("_parse", struct)])
            holder = col(name)
        for field_name, index in zip(lowered.names, lowered.group_index, strict=True):
            layer.scope.values[field_name] = Val(
                self.d.struct_field(holder.copy(), index), Type.STR
            )
            target = self.after_stats_names if self.stats_names is not None else self.parse_names
            if field_name not in target:
                target.append(field_name)
        return layer

    def cmd_dedup(self, cmd: ast.Dedup, layer: Layer) -> Layer:
        if layer.limit is not None:
            layer, _ = self.wrap(layer)
        rows = self.row(layer)
        keys = [rows.compile(k) for k in cmd.keys]
        window = exp.Window(
            this=exp.RowNumber(),
            partition_by=[k.e() for k in keys],
            order=exp.Order(expressions=[o.copy() for o in layer.order]),
        )
        layer, (rn,) = self.wrap(layer, [("_rn", window)])
        keep: list[exp.Expr] = [exp.EQ(this=col(rn), expression=lit(1))]
        keep += [exp.Is(this=k.e(), expression=exp.Null()) for k in keys]
        layer.where.append(exp.or_(*keep) if len(keep) > 1 else keep[0])
        return layer

    def cmd_stats(self, cmd: ast.Stats, layer: Layer) -> Layer:
        if layer.limit is not None:
            layer, _ = self.wrap(layer)
        rows = self.row(layer)
        inner_cols: set[str] = set()
        key_proj: list[exp.Expr] = []
        group_by: list[exp.Expr] = []
        names: dict[str, Val] = {}
        outputs: list[tuple[str, Val, ast.Item]] = []
        key_vals: list[tuple[str, Val]] = []
        for item in cmd.by:
            v = rows.compile(item.expr)
            cname = fresh(inner_cols, item.name)
            key_proj.append(aliased(v.e(), cname))
            group_by.append(v.e())
            ref = Val(col(cname), v.type)
            names[item.name] = ref
            outputs.append((item.name, ref, item))
            key_vals.append((cname, ref))
        aggs: list[exp.Expr] = []

        def add_aggregate(sql: exp.Expr, kind: Type) -> Val:
            cname = fresh(inner_cols, f"_a{len(aggs) + 1}")
            aggs.append(aliased(sql, cname))
            return Val(col(cname), kind, agg=True)

        for item in cmd.items:
            sx = StatsExprs(self.d, self.env, layer.scope, dict(names), add_aggregate)
            v = sx.compile(item.expr)
            names[item.name] = v
            outputs.append((item.name, v, item))
        seen: set[str] = set()
        for name, _, item in outputs:
            if name in seen:
                raise QueryError(
                    "SYNTAX_ERROR", f"duplicate output name {name!r}", item.start, item.end
                )
            seen.add(name)
        inner = exp.select(*(key_proj + aggs)).from_(layer.frm, copy=False)
        if layer.where:
            inner = inner.where(*[w.copy() for w in layer.where], copy=False)
        if group_by:
            inner = inner.group_by(*group_by, copy=False)
        else:  # no rows in, no row out (spec §4.4)
            inner = inner.having(
                exp.GT(this=exp.Count(this=exp.Star()), expression=lit(0)), copy=False
            )
        frm = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(self.alias())))
        scope = Scope({name: v for name, v, _ in outputs}, after_stats=True, seq=None)
        order: list[exp.Ordered] = []
        tiebreak: list[exp.Ordered] = []
        for _, ref in key_vals:
            order.extend(self.sort_keys(ref, False))
            tiebreak.append(self.d.ordered(ref.e(), False))
        self.stats_names = [name for name, _, _ in outputs]
        self.after_stats_names = []
        self.display = None
        return Layer(frm, scope, set(inner_cols), [], order, tiebreak, natural_default=True)

    # ------------------------------------------------------------ outputs

    def outputs(self, layer: Layer) -> tuple[list[OutputColumn], list[exp.Expr]]:
        scope = layer.scope
        names: list[tuple[str, ast.Item | None]]
        if self.display is not None:
            names = [(i.name, i) for i in self.display]
        elif self.stats_names is not None:
            names = [
                (n, None)
                for n in self.stats_names
                + [n for n in self.after_stats_names if n not in self.stats_names]
            ]
        elif self.fields_names:
            names = [
                (n, None)
                for n in self.fields_names
                + [n for n in self.parse_names if n not in self.fields_names]
            ]
        else:
            base = ["@timestamp", "@message"]
            names = [(n, None) for n in base + [n for n in self.parse_names if n not in base]]
        lowered = [n.lower() for n, _ in names]
        clash = len(set(lowered)) != len(lowered)
        columns: list[OutputColumn] = []
        projection: list[exp.Expr] = []
        for i, (name, item) in enumerate(names):
            found = scope.get(name)
            if found is not None:
                v = found
            else:
                node = item.expr if item is not None else None
                start = node.start if node is not None else 0
                end = node.end if node is not None else 0
                v = scope.lookup(ast.FieldRef(start, end, name))
            sql = v.e()
            if v.type is Type.BOOL:
                sql = cast(sql, "INTEGER")
            name_sql = f"c{i}" if clash else name
            projection.append(aliased(sql, name_sql))
            columns.append(OutputColumn(name, v.type))
        return columns, projection

    def counts_tree(self, base_from: exp.Expr, base_where: list[exp.Expr]) -> exp.Select:
        """``SELECT count(*) scanned, count(*) FILTER (matched)`` over the base relation."""
        scanned = exp.Count(this=exp.Star()).as_("scanned")
        matched_conds = [c for c in (self.matched or []) if c not in base_where]
        if matched_conds:
            cond = (
                exp.and_(*[c.copy() for c in matched_conds])
                if len(matched_conds) > 1
                else matched_conds[0].copy()
            )
            matched: exp.Expr = self.d.filtered(exp.Count(this=exp.Star()), cond).as_("matched")
        else:
            matched = exp.Count(this=exp.Star()).as_("matched")
        sel = exp.select(scanned, matched).from_(base_from.copy(), copy=False)
        if base_where:
            sel = sel.where(*[w.copy() for w in base_where], copy=False)
        return sel


def compile_query(
    query: str | ast.Query,
    catalog: Catalog,
    dialect: Dialect,
    *,
    log_groups: list[str] | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    now_s: int = 0,
    cap: int | None = DEFAULT_CAP,
) -> Compiled:
    """Parse (if needed) and compile ``query``; every mistake is a :class:`QueryError`."""
    text = query if isinstance(query, str) else query.text
    try:
        parsed = parse(query) if isinstance(query, str) else query
        return Compiler(
            parsed,
            catalog,
            dialect,
            log_groups=log_groups,
            start_ms=start_ms,
            end_ms=end_ms,
            now_s=now_s,
            cap=cap,
        ).compile()
    except QueryError as exc:
        exc.query = text
        raise
