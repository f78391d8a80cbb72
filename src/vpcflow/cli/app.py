"""The ``vpcflow`` command: builds the Typer app from one module per command group.

Each module in :data:`COMMAND_MODULES` exposes ``register(app)``; commands stay
thin (parse options, call one library function, render). Heavy libraries are
imported inside the commands so ``vpcflow --help`` stays fast.

Errors: every :class:`~vpcflow.errors.VpcflowError` becomes one line on stderr
and exit code 2 here, and nowhere else.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from vpcflow.errors import VpcflowError

COMMAND_MODULES = (
    "vpcflow.cli.ingest",
    "vpcflow.cli.generate",
    "vpcflow.cli.query",
    "vpcflow.cli.lab",
    "vpcflow.cli.simulate",
    "vpcflow.cli.demo",
)

DB_ENV = "VPCFLOW_DB"
DEFAULT_DB = "vpcflow.duckdb"


def default_db() -> str:
    """The store path: ``$VPCFLOW_DB`` or ``./vpcflow.duckdb``."""
    return os.environ.get(DB_ENV) or DEFAULT_DB


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="vpcflow",
        help=(
            "VPC network monitoring with flow logs, offline: a VPC lab with a reachability "
            "analyser, a traffic simulator, ingestion into DuckDB, and Logs Insights queries."
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @app.callback()
    def _root() -> None:
        """VPC network monitoring with flow logs, offline."""

    @app.command("version")
    def version() -> None:
        """Print the vpcflow version."""
        from vpcflow import __version__

        typer.echo(__version__)

    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Commands signal "no" with ``raise typer.Exit(1)``."""
    app = build_app()
    try:
        app(args=argv, prog_name="vpcflow")
    except VpcflowError as exc:
        sys.stderr.write(f"vpcflow: error: {exc.one_line()}\n")
        raise SystemExit(exc.exit_code) from None
