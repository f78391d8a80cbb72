"""Recursive-descent parser: query text -> :class:`~vpcflow.insights.ast.Query`.

One method per command (table :data:`Parser.COMMANDS`) and one per precedence
level of spec §3.1 (lowest first: ``or``, ``and``, ``not``, comparison,
``+ -``, ``* / %``, unary ``-``, ``^``, primary). Comparisons do not chain
(``a < b < c`` is a ``SYNTAX_ERROR``).

The parser is purely syntactic plus the checks that only need the text:
unknown commands and functions, arity, period literals, ``limit`` range,
glob ``*`` count. Everything that needs the pipeline (aggregate context,
fields after ``stats``, command order) is checked by the compiler.

>>> q = parse("filter action = 'REJECT' | stats count(*) as n by srcAddr")
>>> [c.keyword for c in q.commands]
['filter', 'stats']
>>> q.commands[1].items[0].name, q.commands[1].by[0].name
('n', 'srcAddr')
"""

from __future__ import annotations

from collections.abc import Callable

from vpcflow.errors import QueryError
from vpcflow.insights import ast
from vpcflow.insights.functions import NOT_IMPLEMENTED, lookup
from vpcflow.insights.periods import parse_period
from vpcflow.insights.tokens import RESERVED, Lexer, Token, TokenType, syntax_error

T = TokenType

MAX_LIMIT = 100_000

# Commands AWS has and vpcflow refuses precisely (spec §4.10-4.14).
UNSUPPORTED = {
    "pattern": "pattern (ML clustering of messages) is not supported by vpcflow",
    "diff": "diff (comparison with an earlier period) is not supported by vpcflow",
    "anomaly": "anomaly (anomaly detection) is not supported by vpcflow",
    "lookup": "lookup (lookup tables) is not supported by vpcflow",
    "join": "join is not supported by vpcflow",
    "addtotals": "addtotals is not supported by vpcflow",
    "unnest": "unnest (needs jsonParse, not implemented) is not supported by vpcflow",
}
DEPRECATED = {
    "head": "'head' was removed from Logs Insights; use 'limit N'",
    "tail": "'tail' was removed from Logs Insights; use 'sort @timestamp asc | limit N'",
}

_COMPARE = {
    T.EQ: "=",
    T.NEQ: "!=",
    T.LT: "<",
    T.LTE: "<=",
    T.GT: ">",
    T.GTE: ">=",
}
_NAME_TOKENS = (T.IDENT, T.AT_IDENT, T.BACKTICK)


def parse(text: str) -> ast.Query:
    """Parse ``text``; raises :class:`QueryError` (with ``query`` set) on any mistake."""
    try:
        return Parser(text).query()
    except QueryError as exc:
        exc.query = text
        raise


def _describe(tok: Token) -> str:
    if tok.type is T.EOF:
        return "end of query"
    return repr(tok.text)


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lex = Lexer(text)
        self.tokens: list[Token] = []  # consumed tokens, for item source text
        self.tok = self.lex.next()
        self._period_ok = False

    # ------------------------------------------------------------ plumbing

    def advance(self) -> Token:
        tok = self.tok
        self.tokens.append(tok)
        self.tok = self.lex.next()
        return tok

    def peek_next(self) -> Token:
        """The token after the current one, without consuming anything."""
        save = self.lex.pos
        try:
            return self.lex.next()
        finally:
            self.lex.pos = save

    def expect(self, kind: TokenType, what: str) -> Token:
        if self.tok.type is not kind:
            raise self.unexpected(what)
        return self.advance()

    def unexpected(self, expected: str | None = None) -> QueryError:
        tok = self.tok
        msg = f"unexpected {_describe(tok)}"
        if expected:
            msg += f"; expected {expected}"
        return syntax_error(msg, tok.start, max(tok.end, tok.start + 1))

    def at_word(self, *words: str) -> bool:
        return self.tok.is_word(*words)

    def at_command_end(self) -> bool:
        return self.tok.type in (T.PIPE, T.EOF)

    def source_text(self, first: int) -> str:
        """Concatenated token texts from token index ``first``: the §6.3 column name."""
        return "".join(t.text for t in self.tokens[first:])

    def regex_here(self) -> Token:
        """Turn the current ``SLASH`` into a regex literal (we are at an operand)."""
        self.tok = self.lex.rescan_regex(self.tok)
        return self.advance()

    # ------------------------------------------------------------ query

    COMMANDS: dict[str, Callable[[Parser, Token], ast.Command]] = {}

    def query(self) -> ast.Query:
        if self.tok.type is T.EOF:
            raise syntax_error("empty query", 0, max(1, len(self.text)))
        source = None
        if self.at_word("source"):
            source = self.source()
        commands: list[ast.Command] = []
        while True:
            commands.append(self.command())
            if self.tok.type is T.EOF:
                break
            pipe = self.expect(T.PIPE, "'|' between commands")
            if self.tok.type in (T.EOF, T.PIPE):
                raise syntax_error("empty command after '|'", pipe.start, pipe.end)
        return ast.Query(self.text, tuple(commands), source)

    def command(self) -> ast.Command:
        tok = self.tok
        if tok.type is T.PIPE:
            raise syntax_error("empty command (a query cannot start with '|')", tok.start)
        if tok.type is not T.IDENT:
            raise syntax_error(
                f"expected a command such as fields, filter or stats, found {_describe(tok)}",
                tok.start,
                max(tok.end, tok.start + 1),
            )
        word = tok.value.lower()
        if word in UNSUPPORTED:
            raise QueryError("UNSUPPORTED_COMMAND", UNSUPPORTED[word], tok.start, tok.end)
        if word in DEPRECATED:
            raise syntax_error(DEPRECATED[word], tok.start, tok.end)
        if word == "source":
            raise syntax_error("SOURCE must be the first element of the query", tok.start, tok.end)
        method = self.COMMANDS.get(word)
        if method is None:
            raise QueryError("UNKNOWN_COMMAND", f"unknown command {tok.text!r}", tok.start, tok.end)
        self.advance()
        cmd = method(self, tok)
        if not self.at_command_end():
            raise self.unexpected("'|' or the end of the query")
        return cmd

    # ------------------------------------------------------------ commands

    def _fields(self, tok: Token) -> ast.Command:
        items = self.items()
        cls = ast.Display if tok.value.lower() == "display" else ast.Fields
        return cls(tok.start, self.tokens[-1].end, tuple(items))

    def _filter(self, tok: Token) -> ast.Command:
        if self.at_command_end():
            raise self.unexpected("a condition")
        cond = self.expression()
        return ast.Filter(tok.start, cond.end, cond, tok.text)

    def _stats(self, tok: Token) -> ast.Command:
        if self.at_command_end() or self.at_word("by"):
            raise self.unexpected("an aggregation such as count(*)")
        items = [self.item()]
        while self.tok.type is T.COMMA:
            self.advance()
            items.append(self.item())
        by: list[ast.Item] = []
        if self.at_word("by"):
            self.advance()
            by = self.items()
        return ast.Stats(tok.start, self.tokens[-1].end, tuple(items), tuple(by))

    def _sort(self, tok: Token) -> ast.Command:
        if self.at_word("by"):
            self.advance()
        keys: list[ast.SortKey] = []
        while True:
            if self.at_command_end():
                raise self.unexpected("a sort key")
            expr = self.expression()
            desc = True  # spec §4.6: the direction defaults to descending
            end = expr.end
            if self.at_word("asc", "desc"):
                word = self.advance()
                desc = word.value.lower() == "desc"
                end = word.end
            keys.append(ast.SortKey(expr, desc, expr.start, end))
            if self.tok.type is not T.COMMA:
                break
            self.advance()
        return ast.Sort(tok.start, keys[-1].end, tuple(keys))

    def _limit(self, tok: Token) -> ast.Command:
        if self.at_word("any"):  # `limit any N` (EXT): locally a plain limit
            self.advance()
        start = self.tok.start
        negative = False
        if self.tok.type is T.MINUS:
            negative = True
            self.advance()
        num = self.expect(T.NUMBER, "a row count")
        text = num.text
        if negative or not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            raise QueryError(
                "INVALID_ARGUMENT",
                f"limit must be a whole number from 1 to {MAX_LIMIT:,}",
                start,
                num.end,
            )
        return ast.Limit(tok.start, num.end, int(text))

    def _parse(self, tok: Token) -> ast.Command:
        source = ast.FieldRef(tok.end, tok.end, "@message")
        if self.tok.type in _NAME_TOKENS and not self.at_word(*RESERVED):
            source = self.field_ref()
        if self.tok.type is T.IDENT:
            word = self.tok.value.lower()
            if word in ("logfmt", "csv", "json"):
                raise QueryError(
                    "UNSUPPORTED_COMMAND",
                    f"parse ... {word} is not supported by vpcflow; use a glob or a regex",
                    self.tok.start,
                    self.tok.end,
                )
        pattern: ast.String | ast.Regex
        names: list[str] = []
        if self.tok.type is T.STRING:
            s = self.advance()
            pattern = ast.String(s.start, s.end, s.value)
            if not self.at_word("as"):
                raise self.unexpected("'as' and the names of the extracted fields")
            self.advance()
            names.append(self.name())
            while self.tok.type is T.COMMA:
                self.advance()
                names.append(self.name())
            stars = pattern.value.count("*")
            if stars != len(names):
                raise QueryError(
                    "PARSE_ALIAS_MISMATCH",
                    f"the pattern has {stars} '*' but {len(names)} field name"
                    f"{'s' if len(names) != 1 else ''} after 'as'",
                    s.start,
                    self.tokens[-1].end,
                )
        elif self.tok.type is T.SLASH:
            r = self.regex_here()
            pattern = ast.Regex(r.start, r.end, r.value)
            if self.at_word("as"):
                raise QueryError(
                    "UNSUPPORTED_COMMAND",
                    "parse /regex/ as ... multi is not supported by vpcflow; "
                    "name the fields with (?<name>...) groups",
                    self.tok.start,
                    self.tok.end,
                )
        else:
            raise self.unexpected('a "glob * pattern" or a /regex/')
        return ast.Parse(tok.start, self.tokens[-1].end, source, pattern, tuple(names))

    def _dedup(self, tok: Token) -> ast.Command:
        keys = [self.field_ref()]
        while self.tok.type is T.COMMA:
            self.advance()
            keys.append(self.field_ref())
        return ast.Dedup(tok.start, keys[-1].end, tuple(keys))

    # ------------------------------------------------------------ SOURCE prefix

    def source(self) -> ast.Source:
        first = self.advance()
        names: list[str] = []
        prefixes: list[str] = []
        times: dict[str, str] = {}
        while not self.at_command_end():
            tok = self.tok
            if tok.type is T.STRING:
                names.append(self.advance().value)
            elif tok.is_word("source"):
                self.advance()
            elif tok.is_word("loggroups"):
                self.advance()
                self._log_groups(names, prefixes)
            elif tok.is_word("start", "end"):
                key = self.advance().value.lower()
                if self.tok.type is not T.EQ:
                    raise self.unexpected("'='")
                self.lex.pos = self.tok.end
                value, vstart, _ = self.lex.raw_word()
                if not value:
                    raise syntax_error(f"{key.upper()}= needs a time", vstart)
                times[key] = value
                self.tok = self.lex.next()
            else:
                raise self.unexpected("a log group name, logGroups(...), START= or END=")
        if self.tok.type is not T.PIPE:
            raise syntax_error("SOURCE must be followed by '|' and a command", self.tok.start)
        if not names and not prefixes:
            raise syntax_error("SOURCE needs at least one log group", first.start, first.end)
        self.advance()
        if self.tok.type in (T.EOF, T.PIPE):
            raise syntax_error("SOURCE must be followed by a command", self.tok.start)
        return ast.Source(
            tuple(names),
            tuple(prefixes),
            times.get("start"),
            times.get("end"),
            first.start,
            self.tokens[-1].end,
        )

    def _log_groups(self, names: list[str], prefixes: list[str]) -> None:
        self.expect(T.LPAREN, "'('")
        while self.tok.type is not T.RPAREN:
            key = self.expect(T.IDENT, "namePrefix:, names: or class:")
            self.expect(T.COLON, "':'")
            values: list[str] = []
            if self.tok.type is T.LBRACKET:
                self.advance()
                while self.tok.type is not T.RBRACKET:
                    values.append(self.expect(T.STRING, "a quoted name").value)
                    if self.tok.type is T.COMMA:
                        self.advance()
                self.advance()
            else:
                values.append(self.expect(T.STRING, "a quoted value").value)
            word = key.value.lower()
            if word == "nameprefix":
                prefixes.extend(values)
            elif word == "names":
                names.extend(values)
            elif word != "class":
                raise syntax_error(f"unknown logGroups() option {key.text!r}", key.start, key.end)
            if self.tok.type is T.COMMA:
                self.advance()
        self.advance()

    # ------------------------------------------------------------ items and names

    def items(self) -> list[ast.Item]:
        if self.at_command_end():
            raise self.unexpected("a field or an expression")
        items = [self.item()]
        while self.tok.type is T.COMMA:
            self.advance()
            items.append(self.item())
        return items

    def item(self) -> ast.Item:
        first = len(self.tokens)
        expr = self.expression()
        text = self.source_text(first)
        alias = None
        end = expr.end
        if self.at_word("as"):
            self.advance()
            alias = self.name()
            end = self.tokens[-1].end
        return ast.Item(expr, alias, text, expr.start, end)

    def name(self) -> str:
        tok = self.tok
        if tok.type not in _NAME_TOKENS or tok.is_word(*RESERVED):
            raise self.unexpected("a field name")
        self.advance()
        return tok.value

    def field_ref(self) -> ast.FieldRef:
        tok = self.tok
        if tok.type not in _NAME_TOKENS or tok.is_word(*RESERVED):
            raise self.unexpected("a field name")
        self.advance()
        return ast.FieldRef(tok.start, tok.end, tok.value)

    # ------------------------------------------------------------ expressions

    def expression(self) -> ast.Expr:
        return self.or_expr()

    def or_expr(self) -> ast.Expr:
        left = self.and_expr()
        while self.at_word("or"):
            self.advance()
            right = self.and_expr()
            left = ast.Binary(left.start, right.end, "or", left, right)
        return left

    def and_expr(self) -> ast.Expr:
        left = self.not_expr()
        while self.at_word("and"):
            self.advance()
            right = self.not_expr()
            left = ast.Binary(left.start, right.end, "and", left, right)
        return left

    def not_expr(self) -> ast.Expr:
        if self.at_word("not"):
            tok = self.advance()
            operand = self.not_expr()
            return ast.Unary(tok.start, operand.end, "not", operand)
        return self.comparison()

    def _comparison_ahead(self) -> bool:
        if self.tok.type in _COMPARE or self.tok.type is T.MATCH:
            return True
        if self.at_word("like", "in"):
            return True
        return self.at_word("not") and self.peek_next().is_word("like", "in")

    def comparison(self) -> ast.Expr:
        left = self.additive()
        if not self._comparison_ahead():
            return left
        node = self._compare_rhs(left)
        if self._comparison_ahead():
            raise syntax_error(
                "comparisons cannot be chained; combine them with 'and'",
                self.tok.start,
                self.tok.end,
            )
        return node

    def _compare_rhs(self, left: ast.Expr) -> ast.Expr:
        tok = self.tok
        if tok.type in _COMPARE:
            self.advance()
            right = self.additive()
            return ast.Binary(left.start, right.end, _COMPARE[tok.type], left, right)
        negated = False
        if self.at_word("not"):
            self.advance()
            negated = True
        if self.tok.type is T.MATCH:
            if negated:  # pragma: no cover - `not =~` is not reached (not must precede like/in)
                raise self.unexpected()
            self.advance()
            pattern = self._like_pattern("=~")
            return ast.Like(left.start, pattern.end, left, pattern, False)
        if self.at_word("like"):
            self.advance()
            pattern = self._like_pattern("like")
            return ast.Like(left.start, pattern.end, left, pattern, negated)
        # in / not in
        self.advance()
        open_ = self.expect(T.LBRACKET, "'[' to start the list")
        items: list[ast.Expr] = []
        while self.tok.type is not T.RBRACKET:
            items.append(self.additive())
            if self.tok.type is T.COMMA:
                self.advance()
            elif self.tok.type is not T.RBRACKET:
                raise self.unexpected("',' or ']'")
        close = self.advance()
        if not items:
            raise syntax_error("empty list after 'in'", open_.start, close.end)
        return ast.In(left.start, close.end, left, tuple(items), negated)

    def _like_pattern(self, op: str) -> ast.String | ast.Regex:
        if self.tok.type is T.SLASH:
            r = self.regex_here()
            return ast.Regex(r.start, r.end, r.value)
        if self.tok.type is T.STRING:
            s = self.advance()
            if op == "=~":  # a quoted pattern after =~ is still a regex
                return ast.Regex(s.start, s.end, s.value)
            return ast.String(s.start, s.end, s.value)
        raise self.unexpected(f"a quoted string or a /regex/ after '{op}'")

    def additive(self) -> ast.Expr:
        left = self.multiplicative()
        while self.tok.type in (T.PLUS, T.MINUS):
            op = self.advance().text
            right = self.multiplicative()
            left = ast.Binary(left.start, right.end, op, left, right)
        return left

    def multiplicative(self) -> ast.Expr:
        left = self.power()
        while self.tok.type in (T.STAR, T.SLASH, T.PERCENT):
            op = self.advance().text
            right = self.power()
            left = ast.Binary(left.start, right.end, op, left, right)
        return left

    def power(self) -> ast.Expr:
        # Unary minus binds tighter than ^ (spec §3.1): -2^2 is (-2)^2; ^ is right-associative.
        base = self.unary()
        if self.tok.type is T.CARET:
            self.advance()
            exponent = self.power()
            return ast.Binary(base.start, exponent.end, "^", base, exponent)
        return base

    def unary(self) -> ast.Expr:
        if self.tok.type is T.MINUS:
            tok = self.advance()
            operand = self.unary()
            return ast.Unary(tok.start, operand.end, "-", operand)
        return self.primary()

    def primary(self) -> ast.Expr:
        tok = self.tok
        kind = tok.type
        if kind is T.NUMBER:
            self.advance()
            return ast.Number(tok.start, tok.end, tok.text)
        if kind is T.STRING:
            self.advance()
            return ast.String(tok.start, tok.end, tok.value)
        if kind is T.SLASH:
            r = self.regex_here()
            return ast.Regex(r.start, r.end, r.value)
        if kind is T.PERIOD:
            return self.period()
        if kind is T.LPAREN:
            self.advance()
            if self.tok.type is T.RPAREN:
                raise self.unexpected("an expression")
            inner = self.expression()
            self.expect(T.RPAREN, "')'")
            return inner
        if kind is T.LBRACKET:
            raise syntax_error("a [list] may only follow 'in' or 'not in'", tok.start)
        if kind is T.IDENT and not tok.is_word(*RESERVED):
            if self.peek_next().type is T.LPAREN:
                return self.call()
            self.advance()
            return ast.FieldRef(tok.start, tok.end, tok.value)
        if kind in (T.AT_IDENT, T.BACKTICK):
            self.advance()
            return ast.FieldRef(tok.start, tok.end, tok.value)
        raise self.unexpected("a value, a field or a function call")

    def period(self) -> ast.Period:
        tok = self.advance()
        parsed = parse_period(tok.text)
        if parsed is None:
            raise QueryError(
                "INVALID_ARGUMENT",
                f"{tok.text!r} is not a time period; write a number and a unit "
                "such as 30s, 5m, 1h, 1d, 1w, 1mo, 1q or 1y",
                tok.start,
                tok.end,
            )
        if not self._period_ok:
            raise syntax_error(
                f"a time period such as {tok.text} is only allowed in bin(), "
                "datefloor() and dateceil()",
                tok.start,
                tok.end,
            )
        return ast.Period(tok.start, tok.end, parsed[0], parsed[1], tok.text)

    def call(self) -> ast.Call:
        name_tok = self.advance()
        name = name_tok.value.lower()
        fn = lookup(name)
        if fn is None:
            msg = (
                f"function {name_tok.text}() is not supported by vpcflow"
                if name in NOT_IMPLEMENTED
                else f"unknown function {name_tok.text}()"
            )
            raise QueryError("UNKNOWN_FUNCTION", msg, name_tok.start, name_tok.end)
        self.advance()  # (
        args: list[ast.Expr] = []
        saved = self._period_ok
        self._period_ok = bool(fn.literal) and "period" in fn.literal.values()
        try:
            while self.tok.type is not T.RPAREN:
                if self.tok.type is T.STAR and fn.name == "count":
                    star = self.advance()
                    args.append(ast.Star(star.start, star.end))
                else:
                    args.append(self.expression())
                if self.tok.type is T.COMMA:
                    self.advance()
                    if self.tok.type is T.RPAREN:
                        raise self.unexpected("an argument")
                elif self.tok.type is not T.RPAREN:
                    raise self.unexpected("',' or ')'")
        finally:
            self._period_ok = saved
        close = self.advance()
        if fn.name == "count" and args and isinstance(args[0], ast.Star):
            args = []  # count(*) == count()
            star_given = True
        else:
            star_given = False
        if not fn.min_args <= len(args) <= fn.max_args and not star_given:
            raise QueryError(
                "ARITY_ERROR",
                f"{name_tok.text}() takes {fn.arity_text()}, not {len(args)}",
                name_tok.start,
                close.end,
            )
        for i, kind in fn.literal.items():
            if kind == "period" and i < len(args) and not isinstance(args[i], ast.Period):
                raise QueryError(
                    "INVALID_ARGUMENT",
                    f"argument {i + 1} of {name_tok.text}() must be a time period such as 5m",
                    args[i].start,
                    args[i].end,
                )
        for i, arg in enumerate(args):
            if isinstance(arg, ast.Period) and fn.literal.get(i) != "period":
                raise syntax_error("unexpected time period", arg.start, arg.end)
        return ast.Call(name_tok.start, close.end, fn.name, tuple(args), name_tok.text)


Parser.COMMANDS = {
    "fields": Parser._fields,
    "display": Parser._fields,
    "filter": Parser._filter,
    "where": Parser._filter,
    "filterindex": Parser._filter,
    "stats": Parser._stats,
    "sort": Parser._sort,
    "limit": Parser._limit,
    "parse": Parser._parse,
    "dedup": Parser._dedup,
}
