"""User text never reaches SQL unquoted: injection payloads in every literal position.

The store holds generic events whose messages *are* the payloads; each
query must treat the payload as plain data (find exactly the event that
carries it), never as SQL. Positions: string literals (=, like, in,
function arguments), regex literals (like, =~, parse, regexReplace), glob
parse patterns, CIDR arguments, backtick names and aliases, log group names
(CLI and SOURCE) and saved-query parameters.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from vpcflow.errors import QueryError, UsageError
from vpcflow.insights.api import run_query
from vpcflow.insights.saved import Param, SavedQuery
from vpcflow.insights.transforms import escape_re2

PAYLOADS = [
    "'; DROP TABLE flow_logs; --",
    '" OR 1=1 --',
    "') UNION SELECT * FROM log_groups --",
    "\\'; SELECT 1; --",
    "$$ || (SELECT current_database()) || $$",
    "a''b\"\"c",
    "tab\there\\n",
    "/* comment */ x",
    "é ✓ 🙂",
]
GROUP = "/inj/g'roup\"; DROP TABLE events; --"


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from vpcflow.store import Store

    path = tmp_path_factory.mktemp("inj") / "inj.duckdb"
    base = datetime.datetime(2024, 5, 1, 9)
    times = [base + datetime.timedelta(seconds=i) for i in range(len(PAYLOADS))]
    table = pa.table(
        {"timestamp": pa.array(times, pa.timestamp("ms")), "message": [f"<{p}>" for p in PAYLOADS]}
    )
    with Store(path) as store:
        store.append_events(table, log_group=GROUP, source="payloads")
    return str(path)


def q_string(value: str) -> str:
    """``value`` as a Logs Insights double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def q_regex(value: str) -> str:
    """A ``/regex/`` literal matching ``value`` literally."""
    return "/" + escape_re2(value).replace("/", "\\/") + "/"


def messages(db: str, text: str, **kw: Any) -> list[str]:
    result = run_query(db, text, **kw)
    return [r["@message"] for r in result.records()]


def assert_intact(db: str) -> None:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] == len(PAYLOADS)
    con.close()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_string_literals(payload_db: str, payload: str) -> None:
    want = [f"<{payload}>"]
    lit = q_string(payload)
    whole = q_string(f"<{payload}>")
    assert messages(payload_db, f"filter @message = {whole} | display @message") == want
    assert messages(payload_db, f"filter @message like {lit} | display @message") == want
    assert messages(payload_db, f"filter @message in [{whole}, 'x'] | display @message") == want
    assert messages(payload_db, f"filter strcontains(@message, {lit}) | display @message") == want
    got = run_query(payload_db, f"filter @message = {whole} | fields concat({lit}, '!') as c")
    assert got.records() == [{"c": payload + "!"}]
    got = run_query(
        payload_db, f"filter @message = {whole} | fields replace(@message, {lit}, 'X') as r"
    )
    assert got.records() == [{"r": "<X>"}]
    assert_intact(payload_db)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_regex_literals(payload_db: str, payload: str) -> None:
    want = [f"<{payload}>"]
    rx = q_regex(payload)
    assert messages(payload_db, f"filter @message like {rx} | display @message") == want
    assert messages(payload_db, f"filter @message =~ {rx} | display @message") == want
    named = "/<(?<inner>" + escape_re2(payload).replace("/", "\\/") + ")>/"
    got = run_query(payload_db, f"parse @message {named} | filter ispresent(inner) | display inner")
    assert got.records() == [{"inner": payload}]
    got = run_query(
        payload_db, f"filter @message like {rx} | fields regexReplace(@message, {rx}, 'Z') as r"
    )
    assert got.records() == [{"r": "<Z>"}]
    assert_intact(payload_db)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "*" not in p])
def test_glob_parse_patterns(payload_db: str, payload: str) -> None:
    glob = q_string(f"<{payload[:3]}*>")
    got = run_query(
        payload_db, f"parse @message {glob} as rest | filter ispresent(rest) | display rest"
    )
    assert {r["rest"] for r in got.records()} >= {payload[3:]}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cidr_arguments_are_validated_not_interpolated(payload_db: str, payload: str) -> None:
    with pytest.raises(QueryError) as info:
        run_query(payload_db, f"filter isIpInSubnet(@message, {q_string(payload)})")
    assert info.value.code == "INVALID_ARGUMENT"


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "`" not in p and "\n" not in p])
def test_backtick_names_and_aliases(payload_db: str, payload: str) -> None:
    got = run_query(
        payload_db, f"fields strlen(@message) as `{payload}` | display `{payload}` | limit 1"
    )
    assert got.fields == [payload]
    assert got.records() == [{payload: len(PAYLOADS[-1]) + 2}]
    got = run_query(payload_db, f"stats count(*) as `{payload}` by `{payload}x`")
    assert got.fields == [f"{payload}x", payload]
    assert got.records() == [{f"{payload}x": None, payload: len(PAYLOADS)}]


def test_log_group_names(payload_db: str) -> None:
    assert len(run_query(payload_db, "fields @log", log_groups=[GROUP]).records()) == len(PAYLOADS)
    source = f"SOURCE {q_string(GROUP)} | stats count(*) as n"
    assert run_query(payload_db, source).records() == [{"n": len(PAYLOADS)}]
    with pytest.raises(UsageError):
        run_query(payload_db, "fields @log", log_groups=["'; DROP TABLE events; --"])
    with pytest.raises(QueryError):
        run_query(payload_db, "SOURCE '\\'; DROP TABLE events; --' | fields @log")
    assert_intact(payload_db)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_saved_query_parameters(payload_db: str, payload: str) -> None:
    saved = SavedQuery(
        "p", "P", "filter @message = '<{v}>' | display @message", params={"v": Param("")}
    )
    assert messages(payload_db, saved.render({"v": payload})) == [f"<{payload}>"]
    saved = SavedQuery(
        "p", "P", 'filter @message like "{v}" | display @message', params={"v": Param("")}
    )
    assert messages(payload_db, saved.render({"v": payload})) == [f"<{payload}>"]


def test_cli_prints_payload_columns_as_data(payload_db: str, cli: Any) -> None:
    payload = PAYLOADS[0]
    res = cli(
        [
            "query",
            f"filter @message like {q_string(payload)} | display @message",
            "--db",
            payload_db,
            "--json",
        ]
    )
    assert res.code == 0, res.stderr
    assert json.loads(res.stdout)["results"] == [{"@message": f"<{payload}>"}]
    assert Path(payload_db).exists()
