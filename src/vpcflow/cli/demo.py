"""CLI command ``vpcflow demo``: the seed story, narrated, with real computed results.

The story itself (labs, traffic, queries) is :mod:`vpcflow.simulate.story`;
this module only prints its steps, or their results as one JSON document.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command("demo")
    def demo_cmd(
        db: str | None = typer.Option(
            None,
            "--db",
            help="Store to write (default: $VPCFLOW_DB or ./vpcflow.duckdb). A store from an earlier "
            "demo is reset; a store holding other data is refused.",
        ),
        json_out: bool = typer.Option(
            False, "--json", help="Print each step's result as one JSON document."
        ),
    ) -> None:
        """Tell the seed story: two VPCs, flow logs on, a ping that fails and why, the peering fix,
        the ping that works, an internet scanner, the records, and Logs Insights queries."""
        from vpcflow.cli.app import default_db
        from vpcflow.simulate.story import run_story

        path = Path(db or default_db())
        started = time.perf_counter()
        if json_out:
            from vpcflow.cli.output import print_json

            steps = [s.to_dict() for s in run_story(path)]
            print_json(
                {
                    "db": str(path),
                    "steps": steps,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
            return
        for step in run_story(path):
            render_step(step)
        from vpcflow.cli.output import console

        console().print(f"\nDone in {time.perf_counter() - started:.1f} s. The store is {path}.")


def render_step(step: Any) -> None:
    """Print one step: a rule with its title, the narration, blocks and tables."""
    from rich.padding import Padding
    from rich.rule import Rule
    from rich.text import Text

    from vpcflow.cli.output import console, print_table

    out = console()
    out.print()
    out.print(Rule(Text(f"{step.number}. {step.title}", style="bold"), align="left"))
    for kind, value in step.items:
        if kind == "text":
            out.print(Text(value))
        elif kind == "block":
            out.print(Padding(Text(value), (0, 0, 0, 2)))
        else:
            print_table(value.columns, value.rows, title=value.title)
