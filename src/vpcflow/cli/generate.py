"""CLI command: ``generate`` — synthetic flow logs at scale (:mod:`vpcflow.simulate.synthetic`)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from vpcflow.cli.output import console, print_json


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command("generate")(generate_command)


def generate_command(
    records: int = typer.Option(
        ..., "--records", help="How many records to write.", show_default=False
    ),
    out: str = typer.Option(
        ..., "--out", help="Directory to write the S3-style layout into.", show_default=False
    ),
    fmt: str = typer.Option(
        "default", "--format", help="Flow log format: 'default' or '${a} ${b} ...'."
    ),
    file_format: str = typer.Option("gzip", "--file-format", help="text | gzip | parquet."),
    records_per_file: int | None = typer.Option(
        None, "--records-per-file", help="Records per file (default 250,000)."
    ),
    files: int | None = typer.Option(
        None, "--files", help="Number of files (overrides --records-per-file)."
    ),
    start: str | None = typer.Option(
        None, "--start", help="ISO time of the first 5-minute window (UTC)."
    ),
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes."),
    hive: bool = typer.Option(False, "--hive", help="Hive-compatible S3 partitions."),
    per_hour: bool = typer.Option(False, "--per-hour", help="Hourly S3 partitions."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON only."),
) -> None:
    """Write synthetic VPC Flow Logs laid out like an S3 bucket (for benchmarks and demos)."""
    from vpcflow.errors import UsageError
    from vpcflow.ingest.pipeline import parse_format_option
    from vpcflow.simulate.synthetic import generate

    begin = None
    if start is not None:
        try:
            begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--start: not an ISO-8601 time: {start!r}") from None
        if begin.tzinfo is None:
            begin = begin.replace(tzinfo=UTC)
    flow_fmt = parse_format_option(fmt)
    assert flow_fmt is not None
    summary = generate(
        records,
        out,
        fmt=flow_fmt,
        file_format=file_format,
        records_per_file=records_per_file,
        files=files,
        start=begin,
        seed=seed,
        hive=hive,
        per_hour=per_hour,
    )
    if json_out:
        print_json(summary.to_dict())
        return
    console().print(
        f"wrote {summary.records:,} records in {len(summary.files)} {file_format} file(s) "
        f"({summary.bytes / 1e6:,.1f} MB) under {summary.out} in {summary.seconds:.2f}s "
        f"({summary.records_per_second:,.0f} records/s)"
    )
