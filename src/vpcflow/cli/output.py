"""Rendering helpers shared by the CLI commands: JSON on stdout, Rich tables on a terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any


def print_json(doc: Any) -> None:
    """Write one JSON document to stdout (the ``--json`` contract)."""
    sys.stdout.write(json.dumps(doc, indent=2, default=_default, ensure_ascii=False))
    sys.stdout.write("\n")


def _default(obj: Any) -> Any:
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    return str(obj)


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str | None = None,
) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(str(c), overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console().print(table)
