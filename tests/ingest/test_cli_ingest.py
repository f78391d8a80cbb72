"""The ingest, info, rejects and generate commands through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
REC = "2 123456789012 eni-0a1b2c3d4e5f60789 10.0.1.5 203.0.113.5 49152 443 6 10 8400 1718000000 1718000060 ACCEPT OK\n"


def test_ingest_json_info_rejects(tmp_path: Path, cli: Callable[..., Any]) -> None:
    f = tmp_path / "a.log"
    f.write_text(HEADER + REC + "2 1 2\n\n")
    db = str(tmp_path / "s.duckdb")
    r = cli(["ingest", str(f), "--db", db, "--json"])
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (
        doc["files"],
        doc["records"],
        doc["rejects"],
        doc["headers"],
        doc["blanks"],
        doc["lines"],
    ) == (
        1,
        1,
        1,
        1,
        1,
        4,
    )
    assert doc["conserved"] is True and doc["skipped"] == 0
    again = json.loads(cli(["ingest", str(f), "--db", db, "--json"]).stdout)
    assert again["skipped"] == 1 and again["records"] == 0
    info = json.loads(cli(["info", "--db", db, "--json"]).stdout)
    assert info["records"] == 1 and info["rejects"] == 1 and info["files"] == 1
    rej = json.loads(cli(["rejects", "--db", db, "--json"]).stdout)
    assert rej["rejects"][0]["line"] == 3
    assert rej["rejects"][0]["reason"] == "wrong field count: expected 14, found 3"
    text = cli(["ingest", str(f), "--db", db, "--force"])
    assert text.code == 0 and "conservation holds" in text.stdout
    assert "rejected lines" in cli(["rejects", "--db", db]).stdout


def test_strict_exits_2_after_storing(tmp_path: Path, cli: Callable[..., Any]) -> None:
    f = tmp_path / "a.log"
    f.write_text(HEADER + REC + "garbage\n")
    db = str(tmp_path / "s.duckdb")
    r = cli(["ingest", str(f), "--db", db, "--strict"])
    assert r.code == 2
    assert r.stderr.startswith("vpcflow: error: ") and "--strict" in r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads(cli(["info", "--db", db, "--json"]).stdout)["records"] == 1


def test_usage_errors_are_one_line(tmp_path: Path, cli: Callable[..., Any]) -> None:
    db = str(tmp_path / "s.duckdb")
    missing = cli(["ingest", str(tmp_path / "nope.log"), "--db", db])
    assert missing.code == 2
    assert (
        missing.stderr.strip()
        == f"vpcflow: error: {tmp_path / 'nope.log'}: no such file or directory"
    )
    bad = cli(["ingest", "-", "--db", db, "--format", "${version} srcaddr+x"], stdin="")
    assert bad.code == 2
    assert bad.stderr.startswith("vpcflow: error: --format:1:12: ")
    nostore = cli(["info", "--db", str(tmp_path / "none.duckdb")])
    assert nostore.code == 2 and "no such store" in nostore.stderr


def test_stdin_is_ingested_and_idempotent(tmp_path: Path, cli: Callable[..., Any]) -> None:
    db = str(tmp_path / "s.duckdb")
    body = REC * 3
    r = cli(["ingest", "-", "--db", db, "--json", "--log-group", "/vpc/piped"], stdin=body)
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["records"] == 3 and doc["results"][0]["path"] == "-"
    assert doc["results"][0]["source_type"] == "stdin"
    again = json.loads(
        cli(["ingest", "-", "--db", db, "--json", "--log-group", "/vpc/piped"], stdin=body).stdout
    )
    assert again["skipped"] == 1


def test_generic_flag(tmp_path: Path, cli: Callable[..., Any]) -> None:
    f = tmp_path / "app.log"
    f.write_text("2024-05-01T12:00:00Z hello\nworld\n")
    db = str(tmp_path / "s.duckdb")
    r = cli(["ingest", str(f), "--db", db, "--generic", "--log-group", "/app/demo", "--json"])
    assert r.code == 0, r.stderr
    info = json.loads(cli(["info", "--db", db, "--json"]).stdout)
    assert info["events"] == 2 and info["log_groups"][0]["kind"] == "generic"


def test_garbage_text_hints_at_generic(tmp_path: Path, cli: Callable[..., Any]) -> None:
    f = tmp_path / "app.log"
    f.write_text("this is not\na flow log\n")
    r = cli(["ingest", str(f), "--db", str(tmp_path / "s.duckdb")])
    assert r.code == 0
    assert "--generic" in r.stdout


def test_generate_then_ingest(tmp_path: Path, cli: Callable[..., Any]) -> None:
    out = tmp_path / "bucket"
    r = cli(
        [
            "generate", "--records", "5000", "--out", str(out), "--records-per-file", "2000",
            "--seed", "3", "--start", "2024-06-10T06:17:00Z", "--json",
        ]
    )  # fmt: skip
    assert r.code == 0, r.stderr
    gen = json.loads(r.stdout)
    assert gen["records"] == 5000 and gen["files"] == 3
    assert gen["first_file"].endswith(
        "_20240610T0615Z_" + Path(gen["first_file"]).name.split("_")[-1]
    )
    db = str(tmp_path / "s.duckdb")
    doc = json.loads(cli(["ingest", str(out), "--db", db, "--json"]).stdout)
    assert doc["records"] == 5000 and doc["rejects"] == 0 and doc["headers"] == 3
    assert doc["results"][0]["log_group"] == "fl-0a1b2c3d4e5f60789"
