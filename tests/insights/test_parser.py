"""Tokens and parser: precedence, names, literals, error codes and offsets (spec §2, §3.1, §7.2)."""

from __future__ import annotations

import pytest

from vpcflow.errors import QueryError
from vpcflow.insights import ast
from vpcflow.insights.parser import parse
from vpcflow.insights.tokens import Lexer, TokenType


def expr_of(text: str) -> ast.Expr:
    cmd = parse(f"filter {text}").commands[0]
    assert isinstance(cmd, ast.Filter)
    return cmd.condition


def shape(e: ast.Expr) -> str:
    """A fully parenthesised rendering of the tree, to check precedence."""
    if isinstance(e, ast.Binary):
        return f"({shape(e.left)} {e.op} {shape(e.right)})"
    if isinstance(e, ast.Unary):
        return f"({e.op} {shape(e.operand)})"
    if isinstance(e, ast.FieldRef):
        return e.name
    if isinstance(e, ast.Number):
        return e.text
    if isinstance(e, ast.String):
        return repr(e.value)
    if isinstance(e, ast.Like):
        pat = e.pattern.value if isinstance(e.pattern, ast.String) else f"/{e.pattern.pattern}/"
        return f"({shape(e.operand)} {'not ' if e.negated else ''}like {pat})"
    if isinstance(e, ast.In):
        return f"({shape(e.operand)} {'not ' if e.negated else ''}in [{', '.join(map(shape, e.items))}])"
    if isinstance(e, ast.Call):
        return f"{e.name}({', '.join(map(shape, e.args))})"
    raise AssertionError(type(e))


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a or b and c", "(a or (b and c))"),
        ("not a = 1 and b", "((not (a = 1)) and b)"),
        ("a + b * c ^ 2", "(a + (b * (c ^ 2)))"),
        ("-2 ^ 2", "((- 2) ^ 2)"),
        ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
        ("2 ^ -1", "(2 ^ (- 1))"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b % c", "((a / b) % c)"),
        ("bytes-packets > 1", "((bytes - packets) > 1)"),
        ("(a or b) and c", "((a or b) and c)"),
        ("x not like 'y' or x in [1, 'a']", "((x not like y) or (x in [1, 'a']))"),
        ("x =~ /a|b/ and y", "((x like /a|b/) and y)"),
        ("ABS(x) >= 2", "(abs(x) >= 2)"),
    ],
)
def test_precedence(text: str, tree: str) -> None:
    assert shape(expr_of(text)) == tree


def test_item_names_are_source_text_without_whitespace() -> None:
    q = parse('stats avg (f1), count( * ), sum(x - y) as total by bin (1min), concat(a, " b ")')
    stats = q.commands[0]
    assert isinstance(stats, ast.Stats)
    assert [i.name for i in stats.items] == ["avg(f1)", "count(*)", "total"]
    assert [i.name for i in stats.by] == ["bin(1min)", 'concat(a," b ")']


def test_names_and_literals() -> None:
    q = parse(r"""fields `foo-bar`, @timestamp, @@odd, user.type, "a\"b\n", 'it\'s', "\d" """)
    items = q.commands[0].items  # type: ignore[attr-defined]
    values = [i.expr.name if isinstance(i.expr, ast.FieldRef) else i.expr.value for i in items]
    assert values == ["foo-bar", "@timestamp", "@@odd", "user.type", 'a"b\n', "it's", "\\d"]


def test_regex_literal_is_read_only_where_an_operand_is_expected() -> None:
    q = parse(r"filter x like /a\/b|#c/ | fields bytes / packets as r")
    like = q.commands[0].condition  # type: ignore[attr-defined]
    assert isinstance(like, ast.Like) and like.pattern.pattern == "a/b|#c"  # type: ignore[union-attr]
    r = q.commands[1].items[0].expr  # type: ignore[attr-defined]
    assert isinstance(r, ast.Binary) and r.op == "/"


def test_comments_and_line_continuation() -> None:
    q = parse('# top\nfilter a = "x # not a comment" |  # tail\n# | filter gone\nstats count(*)')
    assert [c.keyword for c in q.commands] == ["filter", "stats"]


def test_periods_and_units() -> None:
    for text, count, unit in [
        ("5m", 5, "m"),
        ("2hrs", 2, "h"),
        ("1MIN", 1, "m"),
        ("3mo", 3, "mo"),
        ("1qtr", 1, "q"),
    ]:
        call = parse(f"stats count(*) by bin({text})").commands[0].by[0].expr  # type: ignore[attr-defined]
        assert (call.args[0].count, call.args[0].unit) == (count, unit)


def test_sort_keys_default_to_descending_and_accept_by() -> None:
    sort = parse("sort by a, b asc, c DESC").commands[0]
    assert isinstance(sort, ast.Sort)
    assert [k.descending for k in sort.keys] == [True, False, True]


def test_source_prefix() -> None:
    q = parse(
        "SOURCE '/a' SOURCE logGroups(namePrefix: ['/b'], class: \"STANDARD\") START=-3600s END=0s | fields x"
    )
    assert q.source is not None
    assert (q.source.names, q.source.prefixes) == (("/a",), ("/b",))
    assert (q.source.start_text, q.source.end_text) == ("-3600s", "0s")


@pytest.mark.parametrize(
    ("text", "code", "start"),
    [
        ("", "SYNTAX_ERROR", 0),
        ("   # only a comment", "SYNTAX_ERROR", 0),
        ("| fields a", "SYNTAX_ERROR", 0),
        ("fields a |", "SYNTAX_ERROR", 9),
        ("fields a | | limit 1", "SYNTAX_ERROR", 9),
        ("fields srcAddr | frobnicate srcAddr", "UNKNOWN_COMMAND", 17),
        ('filter action = "REJECT | stats count(*)', "SYNTAX_ERROR", 16),
        ("filter a == 1", "SYNTAX_ERROR", 9),
        ("filter a <> 1", "SYNTAX_ERROR", 9),
        ("filter a && b", "SYNTAX_ERROR", 9),
        ("filter a < b < c", "SYNTAX_ERROR", 13),
        ("filter @message like /error/i", "SYNTAX_ERROR", 28),
        ("filter x like /unterminated", "SYNTAX_ERROR", 14),
        ("fields `unterminated", "SYNTAX_ERROR", 7),
        ("fields a | head 5", "SYNTAX_ERROR", 11),
        ("fields a | pattern @message", "UNSUPPORTED_COMMAND", 11),
        ("anomaly", "UNSUPPORTED_COMMAND", 0),
        ("fields a | lookup t", "UNSUPPORTED_COMMAND", 11),
        ("fields nope(1)", "UNKNOWN_FUNCTION", 7),
        ("fields jsonParse(@message)", "UNKNOWN_FUNCTION", 7),
        ("fields abs(1, 2)", "ARITY_ERROR", 7),
        ("fields concat()", "ARITY_ERROR", 7),
        ("stats count(*) by bin(5x)", "INVALID_ARGUMENT", 22),
        ("stats count(*) by bin(x)", "INVALID_ARGUMENT", 22),
        ("fields 5m", "SYNTAX_ERROR", 7),
        ("fields a | limit 0", "INVALID_ARGUMENT", 17),
        ("fields a | limit 100001", "INVALID_ARGUMENT", 17),
        ("fields a | limit -1", "INVALID_ARGUMENT", 17),
        ("fields a | limit 2.5", "INVALID_ARGUMENT", 17),
        ('parse @message "* *" as a', "PARSE_ALIAS_MISMATCH", 15),
        ("filter a in []", "SYNTAX_ERROR", 12),
        ("fields a as", "SYNTAX_ERROR", 11),
        ("fields a b", "SYNTAX_ERROR", 9),
        ("fields a | SOURCE 'x'", "SYNTAX_ERROR", 11),
    ],
)
def test_errors_carry_code_and_offset(text: str, code: str, start: int) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert (info.value.code, info.value.start) == (code, start), info.value.message
    assert info.value.query == text


def test_caret_points_at_the_offending_text() -> None:
    with pytest.raises(QueryError) as info:
        parse("fields srcAddr\n| frobnicate x")
    err = info.value
    assert err.one_line() == "query:2:3: UNKNOWN_COMMAND: unknown command 'frobnicate'"
    assert err.caret() == "  | frobnicate x\n    ^^^^^^^^^^"


def test_lexer_offsets() -> None:
    toks = Lexer("a=~/x/").all()
    assert [(t.type, t.start, t.end) for t in toks[:2]] == [
        (TokenType.IDENT, 0, 1),
        (TokenType.MATCH, 1, 3),
    ]
