"""CLI commands ``vpcflow query`` (run Logs Insights queries) and ``vpcflow queries``.

Thin shells over :mod:`vpcflow.insights.api` and :mod:`vpcflow.insights.saved`.
``--output`` is named as in the AWS CLI (``--format`` is the flow log format
everywhere in vpcflow); ``--json`` is ``--output json``. A bad query prints
``vpcflow: error: query:LINE:COL: CODE: message`` and the query line with a
caret under the offending text, and exits 2.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from vpcflow.cli.output import print_json, print_table
from vpcflow.errors import QueryError, UsageError

OUTPUTS = ("table", "json", "csv", "ndjson")


def _params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param takes NAME=VALUE, not {pair!r}")
        out[name.strip()] = value
    return out


def _fail(exc: QueryError) -> None:
    """Print the error line and the caret under the offending text; exit 2."""
    sys.stderr.write(f"vpcflow: error: {exc.one_line()}\n")
    if exc.query:
        sys.stderr.write(exc.caret() + "\n")
    raise typer.Exit(exc.exit_code)


def register(app: typer.Typer) -> None:
    """Add ``query`` and ``queries`` to ``app``."""

    @app.command("query")
    def query_cmd(
        text: str = typer.Argument(
            None,
            metavar="QUERY",
            help="A Logs Insights query, e.g. 'filter action=\"REJECT\" | stats count(*) by srcAddr'.",
        ),
        saved: str = typer.Option(
            None, "--saved", help="Run a saved query by slug (see `vpcflow queries`)."
        ),
        param: list[str] = typer.Option(
            [], "--param", help="NAME=VALUE for a saved query's parameter (repeatable)."
        ),
        queries_file: str = typer.Option(
            None, "--queries-file", help="YAML file of your own saved queries."
        ),
        db: str = typer.Option(
            None, "--db", help="Store path (default: $VPCFLOW_DB or ./vpcflow.duckdb)."
        ),
        log_group: list[str] = typer.Option(
            [], "--log-group", "-g", help="Log group to query (repeatable; default: all)."
        ),
        start: str = typer.Option(
            None,
            "--start",
            help="Earliest @timestamp: ISO 8601, epoch seconds, or relative (-1h, -7d).",
        ),
        end: str = typer.Option(
            None, "--end", help="Latest @timestamp (inclusive): same forms as --start, or 'now'."
        ),
        limit: int = typer.Option(
            None,
            "--limit",
            min=1,
            help="Row cap for queries without a limit command (default 10000).",
        ),
        output: str = typer.Option("table", "--output", "-o", help="table, json, csv or ndjson."),
        as_json: bool = typer.Option(False, "--json", help="Same as --output json."),
        explain: bool = typer.Option(
            False, "--explain", help="Print the compiled SQL instead of running the query."
        ),
        now: str = typer.Option(
            None, "--now", hidden=True, help="Fix the query clock (tests, reproducible now())."
        ),
    ) -> None:
        """Run a CloudWatch Logs Insights query on the local store."""
        from vpcflow.cli.app import default_db

        fmt = "json" if as_json else output.lower()
        if fmt not in OUTPUTS:
            raise UsageError(f"--output must be one of {', '.join(OUTPUTS)}, not {output!r}")
        if saved is not None and text is not None:
            raise UsageError("give either a QUERY or --saved, not both")
        if saved is None and text is None:
            raise UsageError("give a QUERY (in quotes) or --saved SLUG")
        if saved is not None:
            from vpcflow.insights.saved import find

            text = find(saved, queries_file).render(_params(param))
        elif param:
            raise UsageError("--param only applies to --saved queries")
        assert text is not None
        path = db or default_db()
        options: dict[str, Any] = {
            "log_groups": log_group or None,
            "start": start,
            "end": end,
            "now": now,
            "limit": limit,
        }
        try:
            if explain:
                import os

                from vpcflow.insights.api import explain as explain_sql

                sql = explain_sql(path if os.path.exists(path) else None, text, **options)
                sys.stdout.write(sql + "\n")
                return
            from vpcflow.insights.api import run_query

            result = run_query(path, text, **options)
        except QueryError as exc:
            _fail(exc)
            return
        for warning in result.warnings:
            sys.stderr.write(f"vpcflow: warning: {warning}\n")
        if fmt == "json":
            print_json(result.to_dict())
        elif fmt == "ndjson":
            sys.stdout.write(result.to_ndjson())
        elif fmt == "csv":
            sys.stdout.write(result.to_csv())
        else:
            print_table(result.fields, result.text_rows())
            sys.stdout.flush()  # the table before the note on stderr
            s = result.statistics
            n = result.table.num_rows
            note = (
                f"{n:,} row{'' if n == 1 else 's'}; {int(s.get('recordsMatched', 0)):,} of "
                f"{int(s.get('recordsScanned', 0)):,} records matched"
            )
            sys.stderr.write(note + "\n")
        if result.truncated:
            sys.stderr.write(
                f"vpcflow: note: results truncated at {result.table.num_rows:,} rows; "
                "add a limit command (up to 100,000) or --limit\n"
            )

    @app.command("queries")
    def queries_cmd(
        queries_file: str = typer.Option(
            None, "--queries-file", help="YAML file of your own saved queries."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the saved queries as JSON."),
    ) -> None:
        """List saved Logs Insights queries (run one with `vpcflow query --saved SLUG`)."""
        from vpcflow.insights.saved import load

        queries = load(queries_file)
        if as_json:
            print_json({"queries": [q.to_dict() for q in queries]})
            return
        rows = []
        for q in queries:
            params = " ".join(f"--param {n}=..." for n, p in q.params.items() if p.default is None)
            rows.append([q.slug, q.title + (f"  [{params}]" if params else ""), q.query])
        print_table(["slug", "title", "query"], rows)
