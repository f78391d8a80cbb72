"""`vpcflow query` and `vpcflow queries`: outputs, errors with a caret, saved queries, explain."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

# dataset F of the Logs Insights conformance cases
F_LINES = [
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.1.5 10.0.2.9 44321 443 6 10 8400 1714557605 1714557660 ACCEPT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.1.5 10.0.2.9 44322 443 6 5 2100 1714557640 1714557700 ACCEPT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 203.0.113.7 10.0.1.5 51515 22 6 1 40 1714557730 1714557790 REJECT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 203.0.113.7 10.0.1.5 51516 3389 6 2 80 1714557899 1714557959 REJECT OK",
    "2 123456789012 eni-0bbbbbbbbbbbbbbb2 10.0.2.9 10.0.1.5 443 44321 6 12 15000 1714557900 1714557960 ACCEPT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.1.5 8.8.8.8 53000 53 17 2 150 1714558050 1714558110 ACCEPT OK",
    "2 123456789012 eni-0bbbbbbbbbbbbbbb2 192.0.2.44 10.0.1.5 123 123 17 1 76 1714558140 1714558200 REJECT OK",
    "2 123456789012 eni-0ccccccccccccccc3 - - - - - - - 1714558320 1714558380 - NODATA",
    "2 123456789012 eni-0ccccccccccccccc3 - - - - - - - 1714558500 1714558560 - SKIPDATA",
    "2 123456789012 eni-0bbbbbbbbbbbbbbb2 2001:db8::1 2001:db8::2 5000 443 6 4 300 1714561200 1714561260 ACCEPT OK",
]

Q = "stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 3"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from vpcflow.store import Store

    work = tmp_path_factory.mktemp("cli")
    log = work / "f.log"
    log.write_text("\n".join(F_LINES) + "\n")
    path = work / "cli.duckdb"
    with Store(path) as store:
        store.ingest([log], log_group="/vpcflow/lab")
    return str(path)


def test_json_output_shape(cli: Any, db: str) -> None:
    res = cli(["query", Q, "--db", db, "--json"])
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc == {
        "fields": ["srcAddr", "dstAddr", "bytesTransferred"],
        "results": [
            {"srcAddr": "10.0.2.9", "dstAddr": "10.0.1.5", "bytesTransferred": 15000},
            {"srcAddr": "10.0.1.5", "dstAddr": "10.0.2.9", "bytesTransferred": 10500},
            {"srcAddr": "2001:db8::1", "dstAddr": "2001:db8::2", "bytesTransferred": 300},
        ],
        "statistics": {
            "recordsMatched": 10,
            "recordsScanned": 10,
            "bytesScanned": doc["statistics"]["bytesScanned"],
        },
        "truncated": False,
    }
    assert cli(["query", Q, "--db", db, "--output", "json"]).stdout == res.stdout


def test_table_csv_ndjson(cli: Any, db: str) -> None:
    table = cli(["query", Q, "--db", db])
    assert table.code == 0 and "bytesTransferred" in table.stdout and "15000" in table.stdout
    assert "3 rows; 10 of 10 records matched" in table.stderr
    rows = list(csv.reader(io.StringIO(cli(["query", Q, "--db", db, "-o", "csv"]).stdout)))
    assert rows[0] == ["srcAddr", "dstAddr", "bytesTransferred"] and rows[1] == [
        "10.0.2.9",
        "10.0.1.5",
        "15000",
    ]
    lines = cli(["query", Q, "--db", db, "-o", "ndjson"]).stdout.splitlines()
    assert json.loads(lines[2]) == {
        "srcAddr": "2001:db8::1",
        "dstAddr": "2001:db8::2",
        "bytesTransferred": 300,
    }
    nulls = cli(
        [
            "query",
            "filter logStatus = 'NODATA' | fields srcAddr, @timestamp",
            "--db",
            db,
            "-o",
            "csv",
        ]
    )
    assert nulls.stdout.splitlines()[1] == ",2024-05-01 10:12:00.000"


def test_query_error_prints_a_caret_and_exits_2(cli: Any, db: str) -> None:
    res = cli(["query", "fields srcAddr | frobnicate srcAddr", "--db", db, "--json"])
    assert res.code == 2 and res.stdout == ""
    assert res.stderr.splitlines() == [
        "vpcflow: error: query:1:18: UNKNOWN_COMMAND: unknown command 'frobnicate'",
        "  fields srcAddr | frobnicate srcAddr",
        "                   ^^^^^^^^^^",
    ]


def test_usage_errors(cli: Any, db: str, tmp_path: Path) -> None:
    assert cli(["query", "--db", db]).code == 2
    assert cli(["query", "fields x", "--saved", "udp-sources", "--db", db]).code == 2
    bad = cli(["query", "fields x", "--db", db, "-o", "xml"])
    assert bad.code == 2 and "--output must be one of" in bad.stderr
    missing = cli(["query", "fields x", "--db", str(tmp_path / "none.duckdb")])
    assert missing.code == 2 and "no such store" in missing.stderr
    group = cli(["query", "fields x", "--db", db, "--log-group", "/nope"])
    assert group.code == 2 and "no log group '/nope'" in group.stderr
    when = cli(["query", "fields x", "--db", db, "--start", "yesterday-ish"])
    assert when.code == 2 and "bad start time" in when.stderr


def test_saved_queries(cli: Any, db: str) -> None:
    res = cli(["query", "--saved", "top-rejected-sources", "--db", db, "--json"])
    assert json.loads(res.stdout)["results"][0] == {"srcAddr": "203.0.113.7", "numRejections": 2}
    need = cli(["query", "--saved", "nat-uploads", "--db", db])
    assert need.code == 2 and "--param nat_ip=VALUE" in need.stderr
    nat = cli(
        [
            "query",
            "--saved",
            "nat-top-talkers",
            "--param",
            "nat_ip=10.0.1.5",
            "--param",
            "vpc_prefix=203.",
            "--db",
            db,
            "--json",
        ]
    )
    assert json.loads(nat.stdout)["results"] == [
        {"srcAddr": "203.0.113.7", "dstAddr": "10.0.1.5", "bytesTransferred": 120}
    ]
    listing = cli(["queries", "--json"])
    slugs = [q["slug"] for q in json.loads(listing.stdout)["queries"]]
    assert "top-10-byte-transfers" in slugs and "top-rejected-sources" in slugs
    table = cli(["queries"])
    assert table.code == 0 and "skipdata-per-hour" in table.stdout


def test_user_queries_file(cli: Any, db: str, tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "queries:\n  - slug: ssh\n    title: SSH\n    query: filter dstPort = 22 | stats count(*) as n\n"
    )
    res = cli(["query", "--saved", "ssh", "--queries-file", str(f), "--db", db, "--json"])
    assert json.loads(res.stdout)["results"] == [{"n": 1}]
    listing = json.loads(cli(["queries", "--queries-file", str(f), "--json"]).stdout)["queries"]
    assert listing[-1]["slug"] == "ssh" and listing[-1]["user"] is True


def test_explain_prints_sql_without_running(cli: Any, db: str, tmp_path: Path) -> None:
    res = cli(["query", Q, "--db", db, "--explain"])
    assert res.code == 0 and res.stdout.startswith("SELECT") and "GROUP BY" in res.stdout
    no_store = cli(["query", Q, "--db", str(tmp_path / "none.duckdb"), "--explain"])
    assert no_store.code == 0 and "FROM flow_logs" in no_store.stdout


def test_range_clock_and_warnings(cli: Any, db: str) -> None:
    res = cli(
        [
            "query",
            "stats count(*) as n",
            "--db",
            db,
            "--start",
            "2024-05-01T10:05:30Z",
            "--end",
            "2024-05-01T10:09:30Z",
            "--json",
        ]
    )
    assert json.loads(res.stdout)["results"] == [{"n": 2}]
    res = cli(
        [
            "query",
            "fields now() as t | limit 1",
            "--db",
            db,
            "--now",
            "2024-05-01T12:00:00Z",
            "--json",
        ]
    )
    assert json.loads(res.stdout)["results"] == [{"t": 1714564800}]
    res = cli(["query", "stats count(*) by bin(120m)", "--db", db, "--json"])
    assert "warning: bin(120m) is capped at 60 minutes" in res.stderr
    json.loads(res.stdout)  # stdout stays one JSON document
