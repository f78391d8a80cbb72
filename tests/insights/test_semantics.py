"""Semantics beyond the conformance cases: ordering, caps, bins, ranges, groups, formats."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcflow.errors import QueryError, UsageError
from vpcflow.insights.api import run_query

from .datasets import DAY, S_MESSAGES

T_RANGE = {"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T23:59:59Z"}
F = {"log_groups": ["/vpcflow/lab"], "start": DAY[0], "end": DAY[1]}

AWS_NATURAL = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"]  # fmt: skip


def rows(db: str, text: str, **kw: Any) -> list[dict[str, Any]]:
    return run_query(db, text, **kw).records()


def col(db: str, text: str, name: str, **kw: Any) -> list[Any]:
    return [r[name] for r in rows(db, text, **kw)]


# ---------------------------------------------------------------- ordering


def test_natural_sort_ascending_is_the_aws_example(conformance_db: str) -> None:
    got = col(
        conformance_db,
        "fields @message | sort @message asc",
        "@message",
        log_groups=["/test/natural"],
    )
    assert got == AWS_NATURAL
    assert sorted(S_MESSAGES) != AWS_NATURAL  # code-point order would differ


def test_unsorted_stats_come_in_natural_key_order(conformance_db: str) -> None:
    got = col(
        conformance_db, "stats count(*) as n by @message", "@message", log_groups=["/test/natural"]
    )
    assert got == AWS_NATURAL


def test_min_max_and_sorts_first_use_natural_order(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "stats min(@message) as lo, max(@message) as hi, sortsFirst(@message) as f, sortsLast(@message) as l",
        log_groups=["/test/natural"],
    )
    assert got == [{"lo": "!:", "hi": "3", "f": "!:", "l": "3"}]


def test_sort_is_stable_over_previous_order(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "filter logStatus = 'OK' | sort interfaceId asc | fields interfaceId, bytes",
        **F,
    )
    # ties on interfaceId keep the incoming @timestamp-descending order
    assert [r["bytes"] for r in got] == [150, 80, 40, 2100, 8400, 300, 76, 15000]


def test_second_sort_breaks_ties_by_the_first(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "filter logStatus='OK' | sort bytes asc | sort action asc | fields action, bytes",
        **F,
    )
    assert [(r["action"], r["bytes"]) for r in got] == [
        ("ACCEPT", 150), ("ACCEPT", 300), ("ACCEPT", 2100), ("ACCEPT", 8400), ("ACCEPT", 15000),
        ("REJECT", 40), ("REJECT", 76), ("REJECT", 80),
    ]  # fmt: skip


def test_dedup_follows_the_current_order(conformance_db: str) -> None:
    got = rows(
        conformance_db, "filter logStatus='OK' | sort bytes asc | dedup interfaceId | limit 5", **F
    )
    assert [r["@message"].split()[2] for r in got] == [
        "eni-0aaaaaaaaaaaaaaa1",
        "eni-0bbbbbbbbbbbbbbb2",
    ]


# ---------------------------------------------------------------- caps and limits


def test_default_cap_truncates_and_says_so(conformance_db: str) -> None:
    result = run_query(conformance_db, "fields startTime", log_groups=["/vpcflow/volume"])
    assert result.table.num_rows == 10_000 and result.truncated
    assert result.records()[0]["startTime"] == 1714521600 + 10049  # newest first
    result = run_query(
        conformance_db, "fields startTime", log_groups=["/vpcflow/volume"], limit=20_000
    )
    assert result.table.num_rows == 10_050 and not result.truncated
    result = run_query(
        conformance_db, "fields startTime | limit 10", log_groups=["/vpcflow/volume"]
    )
    assert result.table.num_rows == 10 and not result.truncated


def test_statistics(conformance_db: str) -> None:
    result = run_query(conformance_db, 'filter action = "REJECT" | stats count(*) as n', **F)
    assert result.statistics["recordsScanned"] == 10
    assert result.statistics["recordsMatched"] == 3
    assert result.statistics["bytesScanned"] > 0


# ---------------------------------------------------------------- bins and dates


def test_bin_caps_warn_and_clamp(conformance_db: str) -> None:
    result = run_query(
        conformance_db,
        "stats count(*) as n by bin(300s) as b | sort b asc",
        log_groups=["/test/bins"],
        **T_RANGE,
    )
    same = run_query(
        conformance_db,
        "stats count(*) as n by bin(60s) as b | sort b asc",
        log_groups=["/test/bins"],
        **T_RANGE,
    )
    assert result.records() == same.records()
    assert result.warnings and "60 seconds" in result.warnings[0]


@pytest.mark.parametrize(
    ("period", "buckets"),
    [
        ("1w", ["2024-04-29 00:00:00.000"]),
        ("1mo", ["2024-05-01 00:00:00.000"]),
        ("2mo", ["2024-05-01 00:00:00.000"]),
        ("5mo", ["2024-03-01 00:00:00.000"]),
        ("1q", ["2024-04-01 00:00:00.000"]),
        ("1y", ["2024-01-01 00:00:00.000"]),
        ("2y", ["2024-01-01 00:00:00.000"]),
        ("3d", ["2024-04-29 00:00:00.000"]),  # day 19842 = 3 * 6614
        ("500ms", ["2024-05-01 09:59:59.500", "2024-05-01 10:00:00.000", "2024-05-01 10:04:59.500", "2024-05-01 10:05:00.000", "2024-05-01 10:59:00.000", "2024-05-02 00:00:00.000"]),
    ],
)  # fmt: skip
def test_calendar_and_multi_unit_bins(conformance_db: str, period: str, buckets: list[str]) -> None:
    got = col(
        conformance_db,
        f"stats count(*) by bin({period}) as b | sort b asc",
        "b",
        log_groups=["/test/bins"],
        **T_RANGE,
    )
    assert got[: len(buckets)] == buckets


def test_dateceil_calendar_units(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "fields dateceil(@timestamp, 1mo) as m, datefloor(@timestamp, 1w) as w | sort @timestamp asc | limit 1",
        log_groups=["/test/bins"],
        **T_RANGE,
    )
    assert got == [{"m": "2024-06-01 00:00:00.000", "w": "2024-04-29 00:00:00.000"}]


@pytest.mark.parametrize(
    ("start", "end", "n"),
    [
        ("2024-05-01T10:00:05Z", "2024-05-01T10:15:00Z", 9),
        ("1714558805", "1714558800", None),  # end before start
        ("1714557605", "1714558500", 9),  # epoch seconds, end second inclusive
        ("1714557605000", "1714558500000", 9),  # epoch ms: end exact
        ("1714557605000", "1714558499999", 8),
        ("2024-05-01", "2024-05-02", 10),
        ("-2h", "now", 10),  # clock 2024-05-01T12:00Z: 10:00:00 .. 12:00:00.999
        ("-1h", "now", 1),
        ("2024-05-01T12:05:05+02:00", "2024-05-01T10:15:00.000", 4),  # r6..r9
        ("2024-05-01T12:05:05+02:00", "2024-05-01T10:14:59.999", 3),
    ],
)
def test_time_range_forms(conformance_db: str, start: str, end: str, n: int | None) -> None:
    kw = {"log_groups": ["/vpcflow/lab"], "start": start, "end": end, "now": "2024-05-01T12:00:00Z"}
    if n is None:
        with pytest.raises(UsageError):
            run_query(conformance_db, "stats count(*) as n", **kw)
        return
    assert rows(conformance_db, "stats count(*) as n", **kw) == [{"n": n}]


def test_source_range_overrides_the_request(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "SOURCE '/vpcflow/lab' START=2024-05-01T10:05:30Z END=2024-05-01T10:09:30Z | stats count(*) as n",
    )
    assert got == [{"n": 2}]
    with pytest.raises(QueryError) as info:
        run_query(conformance_db, "SOURCE '/vpcflow/lab' START=yesterday | fields x")
    assert info.value.code == "INVALID_ARGUMENT"


# ---------------------------------------------------------------- values


def test_number_rendering_and_concat(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        'fields 5 / 2 as h, 4 / 2 as w, concat(2.5, "|", bytes / packets, "|", 1e20) as c, 7 % 0 as z '
        "| filter srcPort = 44321 | limit 1",
        **F,
    )
    assert got == [{"h": 2.5, "w": 2, "c": "2.5|840|1e+20", "z": None}]


def test_like_is_literal_and_field_names_are_case_sensitive(conformance_db: str) -> None:
    assert rows(conformance_db, 'filter @message like "%" | stats count(*) as n', **F) == []
    assert rows(conformance_db, "filter ispresent(srcaddr) | stats count(*) as n", **F) == []
    got = rows(conformance_db, "filter ispresent(srcAddr) | stats count(*) as n", **F)
    assert got == [{"n": 8}]


def test_predicates_in_output_are_one_or_zero(conformance_db: str) -> None:
    got = col(conformance_db, 'fields action = "ACCEPT" as a | sort @timestamp asc', "a", **F)
    assert got == [1, 1, 0, 0, 1, 1, 0, 0, 0, 1]


def test_stats_results_can_be_filtered_and_extended(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "stats count(*) as n, sum(bytes) as b by interfaceId | filter n > 2 | fields b / n as per "
        "| sort interfaceId asc",
        **F,
    )
    assert got == [
        {"interfaceId": "eni-0aaaaaaaaaaaaaaa1", "n": 5, "b": 10770, "per": 2154},
        {"interfaceId": "eni-0bbbbbbbbbbbbbbb2", "n": 3, "b": 15376, "per": 15376 / 3},
    ]


def test_stats_alias_references_and_pct_edges(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "filter logStatus = 'OK' | stats max(bytes) as hi, min(bytes) as lo, hi - lo as spread, "
        "pct(bytes, 0) as p0, pct(bytes, 95) as p95, latest(srcAddr) as last",
        **F,
    )
    assert got == [
        {"hi": 15000, "lo": 40, "spread": 14960, "p0": 40, "p95": 15000, "last": "2001:db8::1"}
    ]


def test_after_stats_only_stats_fields_exist(conformance_db: str) -> None:
    with pytest.raises(QueryError) as info:
        run_query(conformance_db, "stats count(*) as n by srcAddr | display dstAddr", **F)
    assert (info.value.code, info.value.start) == ("UNKNOWN_FIELD_AFTER_STATS", 41)
    with pytest.raises(QueryError) as info:
        run_query(conformance_db, "stats count(*) as n, count(*) as n", **F)
    assert info.value.code == "SYNTAX_ERROR"


# ---------------------------------------------------------------- groups, system fields, formats


def test_system_fields(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "fields @log, @logStream, @ptr, @ingestionTime | sort @timestamp asc | limit 1",
        **F,
    )
    assert got[0]["@log"] == "123456789012:/vpcflow/lab"
    assert got[0]["@logStream"] == "eni-0aaaaaaaaaaaaaaa1-all"
    assert got[0]["@ptr"].count(":") == 1
    assert got[0]["@ingestionTime"] > "2024-05-01"


def test_flow_and_generic_groups_together(conformance_db: str) -> None:
    got = rows(
        conformance_db,
        "stats count(*) as n, count(bytes) as withBytes by @log | sort @log asc",
        log_groups=["/vpcflow/lab", "/app/demo"],
    )
    assert got == [
        {"@log": "/app/demo", "n": 7, "withBytes": 0},
        {"@log": "123456789012:/vpcflow/lab", "n": 10, "withBytes": 8},
    ]
    newest = rows(
        conformance_db, "fields @message | limit 1", log_groups=["/vpcflow/lab", "/app/demo"]
    )
    assert newest[0]["@message"].endswith("ACCEPT OK")  # r10 at 11:00 is newer than every g event


def test_unknown_log_group_is_a_usage_error(conformance_db: str) -> None:
    with pytest.raises(UsageError, match="no log group"):
        run_query(conformance_db, "fields x", log_groups=["/nope"])


@pytest.fixture(scope="module")
def custom_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from vpcflow.store import Store

    work = tmp_path_factory.mktemp("custom")
    log = work / "custom.log"
    log.write_text(
        "5 vpc-0abc 10.0.1.5 10.0.2.9 443 ACCEPT OK egress\n5 vpc-0abc 10.0.2.9 - - - NODATA -\n"
    )
    path = Path(work) / "custom.duckdb"
    fmt = "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${dstport} ${action} ${log-status} ${flow-direction}"
    with Store(path) as store:
        store.ingest([log], log_group="/custom", fmt=fmt)
    return str(path)


def test_custom_format_message_and_aliases(custom_db: str) -> None:
    got = rows(custom_db, "fields vpcId, flowDirection, dstPort, @message | sort @timestamp asc")
    messages = {r["@message"] for r in got}
    assert messages == {
        "5 vpc-0abc 10.0.1.5 10.0.2.9 443 ACCEPT OK egress",
        "5 vpc-0abc 10.0.2.9 - - - NODATA -",
    }
    assert {r["vpcId"] for r in got} == {"vpc-0abc"}
    assert {r["flowDirection"] for r in got} == {"egress", None}


# ---------------------------------------------------------------- IP functions against ipaddress


def _expected_in(value: str, cidr: str) -> bool:
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return False
    net = ipaddress.ip_network(cidr, strict=False)
    return addr.version == net.version and addr in net


ADDRESSES = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: a.compressed),
    st.ip_addresses(v=6).map(lambda a: a.exploded),
    st.sampled_from(
        ["10.0.0.256", "10.0.0", "1.2.3.4.5", "01.2.3.4", "::g", "1:2:3:4:5:6:7:8:9", ""]
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    addrs=st.lists(ADDRESSES, min_size=1, max_size=8),
    net=st.one_of(
        st.tuples(st.ip_addresses(v=4), st.integers(0, 32)),
        st.tuples(st.ip_addresses(v=6), st.integers(0, 128)),
    ),
)
def test_subnet_functions_match_ipaddress(
    conformance_db: str, addrs: list[str], net: tuple[Any, int]
) -> None:
    cidr = f"{net[0]}/{net[1]}"
    items = ", ".join(f'"{a}"' for a in addrs)
    text = (
        f'fields concat({items}) as x | limit 1 | fields isIpInSubnet("{addrs[0]}", "{cidr}") as inside, '
        f'isValidIp("{addrs[0]}") as valid'
    )
    got = rows(conformance_db, text, log_groups=["/vpcflow/lab"])[0]
    assert got["inside"] == int(_expected_in(addrs[0], cidr))
    try:
        ipaddress.ip_address(addrs[0])
        valid = True
    except ValueError:
        valid = False
    assert got["valid"] == int(valid)


def test_time_now_is_fixed_by_clock(conformance_db: str) -> None:
    now = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
    got = rows(conformance_db, "fields now() as n | limit 1", now=now, **F)
    assert got == [{"n": 1714564800}]
