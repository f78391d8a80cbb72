"""Fuzzing: any text yields a result or a QueryError, never another exception.

Two generators: arbitrary Unicode text, and sequences of the language's own
tokens (commands, functions, operators, literals, pipes), which reach the
compiler and the engine far more often. Every query runs end to end on a
store holding flow records and generic events.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.errors import QueryError
from vpcflow.insights.api import run_query

WORDS = [
    "fields", "display", "filter", "stats", "sort", "limit", "parse", "dedup", "where",
    "filterIndex", "SOURCE", "pattern", "head", "by", "as", "asc", "desc", "and", "or", "not",
    "like", "in", "|", "|", ",", "(", ")", "[", "]", "+", "-", "*", "/", "%", "^", "=", "!=",
    "<", "<=", ">", ">=", "=~", "@timestamp", "@message", "@logStream", "@log", "@ptr",
    "srcAddr", "dstAddr", "bytes", "packets", "action", "logStatus", "startTime", "u", "x",
    "`odd name`", "0", "1", "17", "2.5", "1e3", "100000", '"REJECT"', "'10.0.'", '"* *"',
    '"user=*,"', "/b{3}/", r"/(?<g>\d+)/", "/(/", "5m", "1h", "90m", "2mo", "1y", "count",
    "count(*)", "sum(bytes)", "avg(", "pct(bytes, 95)", "earliest(", "bin(5m)",
    "isIpv4InSubnet(srcAddr, '10.0.0.0/8')", "isIpInSubnet(", "'2001:db8::/32'", "concat(",
    "substr(", "strlen(", "datefloor(@timestamp,", "dateceil(", "fromMillis(", "toMillis(",
    "coalesce(", "greatest(", "ispresent(", "now()", "ltrim(", "replace(", "regexReplace(",
    "sortsFirst(", "count_distinct(", "stddev(", "#", "\n",
]  # fmt: skip


def _run(db: str, text: str) -> None:
    try:
        run_query(db, text, now="2024-05-01T12:00:00Z")
    except QueryError as exc:
        assert exc.code in {
            "SYNTAX_ERROR",
            "UNKNOWN_COMMAND",
            "UNSUPPORTED_COMMAND",
            "UNKNOWN_FUNCTION",
            "ARITY_ERROR",
            "INVALID_ARGUMENT",
            "AGGREGATE_CONTEXT",
            "STATS_LIMIT",
            "COMMAND_ORDER",
            "UNKNOWN_FIELD_AFTER_STATS",
            "PARSE_ALIAS_MISMATCH",
        }
        assert 0 <= exc.start <= max(len(text), 1)
        exc.caret()  # renders for any offset


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(text=st.text(max_size=80))
def test_any_text(conformance_db: str, text: str) -> None:
    _run(conformance_db, text)


@FUZZ
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
def test_token_soup(conformance_db: str, words: list[str]) -> None:
    _run(conformance_db, " ".join(words))


@FUZZ
@given(
    head=st.sampled_from(["fields", "filter", "stats", "sort", "display", "parse"]),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
)
def test_commands_with_random_arguments(conformance_db: str, head: str, words: list[str]) -> None:
    _run(conformance_db, f"{head} {' '.join(words)}")


@pytest.mark.parametrize(
    "text",
    [
        "filter bytes * 9223372036854775807 > 1",  # BIGINT overflow at run time
        "fields 99999999999999999999999 as big",
        "fields 10 ^ 400 as inf",
        "filter srcAddr like /(/",
        "filter srcAddr =~ /(?<=x)y/",
        "parse @message /(?<a>x)(?<a>y)/",
        "fields substr(@message, -1)",
        "stats pct(bytes, 101)",
        "SOURCE 'nope' | fields x",
        "fields @message | sort @message | dedup @message | limit 3",
    ],
)
def test_edge_queries_fail_cleanly_or_run(conformance_db: str, text: str) -> None:
    _run(conformance_db, text)


def test_runtime_engine_errors_become_query_errors(conformance_db: str) -> None:
    with pytest.raises(QueryError) as info:
        run_query(
            conformance_db, "filter bytes * 9223372036854775807 > 1", log_groups=["/vpcflow/lab"]
        )
    assert info.value.code == "INVALID_ARGUMENT"
    assert "while running" in info.value.message


# A small grammar of mostly valid queries, to exercise the compiler and the engine.
LEAVES = st.sampled_from(
    ["bytes", "packets", "srcAddr", "action", "@timestamp", "@message", "u", "startTime",
     "0", "1", "2.5", "-3", '"443"', '"REJECT"', "'10.0.'", '""']
)  # fmt: skip
ONE_ARG = ["abs", "ceil", "floor", "log", "sqrt", "strlen", "toupper", "tolower", "trim",
           "ispresent", "isempty", "isblank", "toMillis", "fromMillis", "isValidIp", "unmask"]  # fmt: skip
TWO_ARG = ["concat", "coalesce", "greatest", "least", "substr", "strcontains", "ltrim"]
OPS = ["+", "-", "*", "/", "%", "^", "=", "!=", "<", ">=", "and", "or"]


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(OPS), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(ONE_ARG), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(TWO_ARG), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f'{e} like "1"'),
            inner.map(lambda e: f'{e} in [1, "ACCEPT"]'),
            inner.map(lambda e: f"{e} =~ /[0-9]/"),
        )

    return st.recursive(LEAVES, extend, max_leaves=5)


EXPR = _expressions()
AGG = st.sampled_from(
    ["count", "sum", "avg", "min", "max", "count_distinct", "stddev", "earliest", "sortsLast"]
)
COMMAND = st.one_of(
    EXPR.map(lambda e: f"fields {e} as f"),
    EXPR.map(lambda e: f"filter {e}"),
    st.tuples(AGG, EXPR, EXPR).map(lambda t: f"stats {t[0]}({t[1]}) as s by {t[2]}"),
    st.tuples(EXPR, st.sampled_from(["asc", "desc", ""])).map(lambda t: f"sort {t[0]} {t[1]}"),
    st.integers(1, 30).map(lambda n: f"limit {n}"),
    st.just('parse @message "* *" as u, v'),
    st.just("parse @message /(?<u>[0-9]+)/"),
    st.sampled_from(["dedup srcAddr", "display f", "stats count(*) by bin(5m)"]),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(commands=st.lists(COMMAND, min_size=1, max_size=4))
def test_grammar_generated_queries(conformance_db: str, commands: list[str]) -> None:
    _run(conformance_db, " | ".join(commands))
