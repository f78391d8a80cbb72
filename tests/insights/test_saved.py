"""Saved queries: the shipped AWS samples, golden compiled SQL, parameters, user files."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from vpcflow.errors import InputError, UsageError
from vpcflow.insights import saved
from vpcflow.insights.api import explain, run_query

from .datasets import DAY

GOLDEN = Path(__file__).parent / "golden"
PARAMS = {
    "nat-top-talkers": {"nat_ip": "10.0.1.5", "vpc_prefix": "203.0."},
    "nat-top-talkers-both-ways": {"nat_ip": "10.0.1.5", "vpc_prefix": "203.0."},
    "nat-uploads": {"nat_ip": "10.0.1.5", "vpc_prefix": "10.0."},
    "nat-downloads": {"nat_ip": "10.0.1.5", "vpc_prefix": "10.0."},
    "eni-port-hits": {"eni": "eni-0aaaaaaaaaaaaaaa1"},
    "subnet-byte-transfers": {"subnet": "10.0.0.0/16"},
}
F = {"log_groups": ["/vpcflow/lab"], "start": DAY[0], "end": DAY[1]}
SHIPPED = saved.builtin()


def test_shipped_queries_cover_the_console_samples() -> None:
    slugs = {q.slug for q in SHIPPED}
    assert {
        "top-10-byte-transfers",
        "top-rejected-sources",
        "top-15-packet-transfers",
        "avg-min-max-bytes",
        "udp-sources",
        "skipdata-per-hour",
    } <= slugs
    by_slug = {q.slug: q for q in SHIPPED}
    # the console's first entry, not Grafana's mislabelled copy
    assert (
        by_slug["avg-min-max-bytes"].query
        == "stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr"
    )
    # the AWS sample that filtered after stats is fixed: filters come first
    assert by_slug["eni-port-hits"].query.index("filter") < by_slug["eni-port-hits"].query.index(
        "stats"
    )
    assert all(q.title and q.description for q in SHIPPED)


@pytest.mark.parametrize("query", SHIPPED, ids=[q.slug for q in SHIPPED])
def test_golden_sql(query: saved.SavedQuery) -> None:
    """The DuckDB SQL each saved query compiles to (sample catalog: one default-format group)."""
    sql = explain(None, query.render(PARAMS.get(query.slug, {}))) + "\n"
    path = GOLDEN / f"{query.slug}.sql"
    if os.environ.get("VPCFLOW_UPDATE_GOLDEN"):
        path.write_text(sql)
    assert path.exists(), f"missing golden file {path.name} (run with VPCFLOW_UPDATE_GOLDEN=1)"
    assert sql == path.read_text()
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    from vpcflow.store.layout import rebuild_view
    from vpcflow.store.schema import ddl

    for stmt in ddl():
        con.execute(stmt)
    rebuild_view(con)
    con.sql(sql).fetchall()  # the golden SQL runs on an empty store


@pytest.mark.parametrize("query", SHIPPED, ids=[q.slug for q in SHIPPED])
def test_every_saved_query_runs(query: saved.SavedQuery, conformance_db: str) -> None:
    result = run_query(conformance_db, query.render(PARAMS.get(query.slug, {})), **F)
    assert result.fields


def test_saved_answers_match_the_conformance_cases(conformance_db: str) -> None:
    top = run_query(conformance_db, saved.find("top-10-byte-transfers").render(), **F).rows()
    assert top[:2] == [["10.0.2.9", "10.0.1.5", 15000], ["10.0.1.5", "10.0.2.9", 10500]]
    assert top[-1] == [None, None, None]
    rejected = run_query(conformance_db, saved.find("top-rejected-sources").render(), **F).records()
    assert rejected == [
        {"srcAddr": "203.0.113.7", "numRejections": 2},
        {"srcAddr": "192.0.2.44", "numRejections": 1},
    ]
    nat = run_query(
        conformance_db, saved.find("nat-top-talkers").render(PARAMS["nat-top-talkers"]), **F
    )
    assert nat.records() == [
        {"srcAddr": "203.0.113.7", "dstAddr": "10.0.1.5", "bytesTransferred": 120}
    ]
    hits = run_query(
        conformance_db, saved.find("eni-port-hits").render(PARAMS["eni-port-hits"]), **F
    )
    assert hits.records()[0] == {
        "dstPort": 443,
        "Source": "10.0.1.5",
        "Destination": "10.0.2.9",
        "HitCount": 2,
    }


def test_parameters() -> None:
    q = saved.find("nat-uploads")
    with pytest.raises(UsageError, match="--param nat_ip=VALUE --param vpc_prefix=VALUE"):
        q.render()
    with pytest.raises(UsageError, match="no parameter"):
        q.render({"nat_ip": "1", "vpc_prefix": "2", "bogus": "3"})
    assert "'10.0.0.1'" in q.render({"nat_ip": "10.0.0.1", "vpc_prefix": "10."})
    assert '"192.0.2.0/24"' in saved.find("subnet-byte-transfers").render()  # default


def test_user_file_adds_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "q.yaml"
    f.write_text(
        "queries:\n"
        "  - slug: ssh-rejects\n    title: SSH rejects\n    query: filter dstPort = 22 | stats count(*)\n"
        "  - slug: udp-sources\n    query: filter protocol = 17 | stats count(*) as n\n"
    )
    got = {q.slug: q for q in saved.load(f)}
    assert got["ssh-rejects"].user and got["ssh-rejects"].title == "SSH rejects"
    assert got["udp-sources"].query.endswith("as n")
    # the default location is used when it exists
    cfg = tmp_path / "cfg" / "vpcflow"
    cfg.mkdir(parents=True)
    (cfg / "queries.yaml").write_text(f.read_text())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert saved.find("ssh-rejects").user


def test_bad_user_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        saved.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("queries: [\n")
    with pytest.raises(InputError) as info:
        saved.load(bad)
    assert info.value.path == str(bad)
    bad.write_text("queries:\n  - title: no slug\n")
    with pytest.raises(InputError, match="slug"):
        saved.load(bad)
    with pytest.raises(UsageError, match="did you mean top-10-byte-transfers"):
        saved.find("top-10")
