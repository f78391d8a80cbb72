"""CLI commands: ``ingest``, ``info``, ``rejects`` — thin shells over :class:`vpcflow.store.Store`."""

from __future__ import annotations

import sys
from typing import Any

import typer

from vpcflow.cli.output import console, print_json, print_table


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command("ingest")(ingest_command)
    app.command("info")(info_command)
    app.command("rejects")(rejects_command)


def _db_option() -> Any:
    return typer.Option(None, "--db", help="Store file (default: $VPCFLOW_DB or ./vpcflow.duckdb).")


def ingest_command(
    paths: list[str] = typer.Argument(
        ..., help="Files, directories (walked recursively) or - for stdin.", show_default=False
    ),
    db: str | None = _db_option(),
    log_group: str | None = typer.Option(
        None,
        "--log-group",
        help="Log group to load into (default: the flow log id of S3 file names, else 'default').",
    ),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="Flow log format for input without a header line: 'default' or '${a} ${b} ...'.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Reload files already stored (replaces them)."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 2 if any line is rejected."),
    generic: bool = typer.Option(
        False, "--generic", help="Store each line as a generic log event (not flow logs)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON only."),
) -> None:
    """Load VPC Flow Logs (text, gzip, Parquet, S3 layouts, CloudWatch exports) into the store."""
    from vpcflow.cli.app import default_db
    from vpcflow.errors import VpcflowError
    from vpcflow.ingest.pipeline import RejectedLinesError
    from vpcflow.store import Store

    path = db or default_db()
    strict_error: VpcflowError | None = None
    with Store(path) as store, _ProgressBar(enabled=not json_out) as tick:
        try:
            summary = store.ingest(
                paths,
                log_group=log_group,
                fmt=fmt,
                force=force,
                strict=strict,
                progress=tick,
                generic=generic,
            )
        except RejectedLinesError as exc:
            summary = exc.summary
            strict_error = exc
    if json_out:
        doc = summary.to_dict()
        doc["db"] = path
        print_json(doc)
    else:
        _print_summary(summary, path)
    failed = [r for r in summary.results if r.status == "failed"]
    if failed:
        for r in failed[1:]:
            sys.stderr.write(f"vpcflow: error: {r.error}\n")
        from vpcflow.errors import InputError

        first = failed[0]
        raise InputError((first.error or "cannot read").split(": ", 1)[-1], first.path)
    if strict_error is not None:
        raise strict_error


class _ProgressBar:
    """A Rich progress bar on stderr when it is a terminal; otherwise a no-op callback."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.bar = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[records]:>12,} records  {task.fields[rate]:>9,}/s"),
            TimeRemainingColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("ingest", total=None, records=0, rate=0)
        import time

        started = time.perf_counter()

        def tick(p: Any) -> None:
            elapsed = max(time.perf_counter() - started, 1e-6)
            self.bar.update(
                self.task,
                completed=p.bytes_done,
                total=p.bytes_total,
                records=p.records,
                rate=int(p.records / elapsed),
            )

        return tick

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_summary(summary: Any, db: str) -> None:
    rows = []
    for r in summary.results:
        rows.append(
            (
                r.path
                if len(r.path) <= 48
                else "…/" + r.path.replace("\\", "/").rsplit("/", 1)[-1],
                r.status,
                r.log_group or "",
                f"{r.records:,}",
                f"{r.rejects:,}",
                f"{r.headers + r.blanks:,}",
                f"{r.lines:,}",
            )
        )
    if len(rows) > 20:
        rows = [*rows[:10], ("...", f"{len(rows) - 20} more", "", "", "", "", ""), *rows[-10:]]
    print_table(
        ["file", "status", "log group", "records", "rejects", "headers+blank", "lines"],
        rows,
        title=f"vpcflow ingest -> {db}",
    )
    out = console()
    rate = f" ({summary.records / summary.seconds:,.0f} records/s)" if summary.seconds else ""
    out.print(
        f"{summary.files} file(s) loaded, {summary.skipped} skipped (already stored), "
        f"{summary.failed} failed; {summary.records:,} records, {summary.rejects:,} rejected "
        f"in {summary.seconds:.2f}s{rate}"
    )
    verdict = "holds" if summary.conserved else "BROKEN"
    out.print(
        f"lines read {summary.lines:,} = records {summary.records:,} + rejects {summary.rejects:,}"
        f" + headers {summary.headers:,} + blank {summary.blanks:,} (conservation {verdict})"
    )
    for message, count in sorted(summary.warnings.items()):
        out.print(f"warning: {message}: {count:,} line(s)")
    if summary.rejects:
        out.print("rejected lines are quarantined: see `vpcflow rejects`")
    if summary.files == 0 and summary.skipped == 0 and not summary.failed:
        out.print("nothing to ingest")
    for r in summary.results:
        if r.status == "loaded" and r.records == 0 and r.rejects and r.kind == "flow":
            out.print(
                f"hint: no line of {r.path} is a flow log record; if it is another kind of log, "
                "load it with --generic --log-group NAME"
            )


def info_command(
    db: str | None = _db_option(),
    json_out: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Show the store: log groups, record counts, time ranges, formats, files and rejects."""
    from vpcflow.cli.app import default_db
    from vpcflow.store import Store

    path = db or default_db()
    with Store(path, read_only=True) as store:
        info = store.info()
    if json_out:
        print_json(info)
        return
    rows = [
        (
            g["name"],
            g["kind"],
            g["account_id"] or "",
            f"{g['records']:,}",
            g["first_event"] or "",
            g["last_event"] or "",
            "\n".join(_short(f) for f in g["formats"]),
        )
        for g in info["log_groups"]
    ]
    print_table(
        ["log group", "kind", "account", "records", "first event", "last event", "formats"],
        rows,
        title=f"vpcflow store {path}",
    )
    console().print(
        f"{info['records']:,} flow records, {info['events']:,} events, {info['files']:,} file(s), "
        f"{info['rejects']:,} rejected line(s)"
    )


def _short(fmt: str, width: int = 60) -> str:
    return fmt if len(fmt) <= width else fmt[: width - 3] + "..."


def rejects_command(
    db: str | None = _db_option(),
    limit: int | None = typer.Option(None, "--limit", help="Show at most this many lines."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """List quarantined lines: source, line, column, reason and the raw text."""
    from vpcflow.cli.app import default_db
    from vpcflow.store import Store

    path = db or default_db()
    with Store(path, read_only=True) as store:
        rows = store.rejects(limit=limit)
    if json_out:
        print_json({"rejects": rows, "count": len(rows)})
        return
    if not rows:
        console().print("no rejected lines")
        return
    print_table(
        ["source:line:col", "reason", "raw"],
        [
            (
                f"{r['source']}:{r['line']}" + (f":{r['column']}" if r["column"] else ""),
                r["reason"],
                r["raw"],
            )
            for r in rows
        ],
        title="rejected lines",
    )
