"""CLI: ``vpcflow reach``, ``vpcflow lab check|show|graph``, ``vpcflow audit``.

Thin shells over :mod:`vpcflow.network`: parse options, load the lab, call one
function, render. Lab warnings go to stderr (so ``--json`` keeps stdout to
one document). Exit codes: 0 yes / valid, 1 the answer is no (unreachable,
findings at or above ``--fail-on``), 2 bad input.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from vpcflow.network.reach import ReachResult
    from vpcflow.network.topology import Topology


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


def _load(path: Path, quiet: bool = False) -> Topology:
    from vpcflow.network.loader import load_lab

    topo = load_lab(path)
    if not quiet:
        for w in topo.warnings:
            sys.stderr.write(f"vpcflow: {w}\n")
    return topo


def _print_reach(result: ReachResult) -> None:
    from rich.text import Text

    from vpcflow.cli.output import console

    out = console()
    section = ""
    for line in str(result).splitlines():
        style = ""
        stripped = line.strip()
        if line.startswith("REACHABLE"):
            style = "bold green"
        elif line.startswith("UNREACHABLE"):
            style = "bold red"
        elif line in ("Forward path", "Return path", "Blockers"):
            style, section = "bold", line
        elif (section != "Blockers" and stripped[2:5].strip() == "✗") or " ✗ " in line[:8]:
            style = "red"
        elif "(assumed)" in line:
            style = "dim"
        elif stripped.startswith(("lab:", "cli:")):
            style = "cyan"
        out.print(Text(line, style=style), soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``reach``, ``lab`` and ``audit`` to ``app``."""

    @app.command("reach")
    def reach_cmd(
        lab: Path = typer.Argument(..., help="Lab file (YAML or JSON)."),
        from_: str = typer.Option(
            ...,
            "--from",
            help="Source: instance id, ENI id, private or public IP, or an internet address.",
        ),
        to: str = typer.Option(
            ...,
            "--to",
            help="Destination: instance id, ENI id, private or public IP, or an internet address.",
        ),
        protocol: str = typer.Option(
            "icmp", "--protocol", "-p", help="icmp, tcp, udp or a protocol number."
        ),
        port: int | None = typer.Option(None, "--port", help="Destination port (tcp/udp)."),
        source_port: int | None = typer.Option(
            None,
            "--source-port",
            help="Client port (default: one from the client's ephemeral range).",
        ),
        icmp_type: int | None = typer.Option(
            None, "--icmp-type", help="ICMP type (default 8, echo request)."
        ),
        json_: bool = typer.Option(False, "--json", help="Print the answer as one JSON document."),
    ) -> None:
        """Can FROM reach TO (request and reply)? Exit 0 reachable, 1 unreachable, 2 bad input."""
        from vpcflow.cli.output import print_json
        from vpcflow.network.reach import reach

        topo = _load(lab)
        result = reach(
            topo, from_, to, protocol, port=port, source_port=source_port, icmp_type=icmp_type
        )
        if json_:
            print_json(result.to_dict())
        else:
            _print_reach(result)
        raise typer.Exit(0 if result.reachable else 1)

    lab_app = typer.Typer(
        help="Validate, show and draw a lab file.", no_args_is_help=True, rich_markup_mode=None
    )
    app.add_typer(lab_app, name="lab")

    @lab_app.command("check")
    def check_cmd(
        lab: Path = typer.Argument(..., help="Lab file (YAML or JSON)."),
        json_: bool = typer.Option(False, "--json", help="Print the result as one JSON document."),
    ) -> None:
        """Validate a lab file: every problem with file, line, resource and key; a summary if valid."""
        from vpcflow.cli.output import print_json
        from vpcflow.errors import TopologyError
        from vpcflow.network.loader import LabValidationError

        try:
            topo = _load(lab, quiet=json_)
        except LabValidationError as exc:
            _report_problems(exc.problems, json_)
            raise typer.Exit(2) from None
        except TopologyError as exc:
            _report_problems([exc], json_)
            raise typer.Exit(2) from None
        counts = topo.summary()
        if json_:
            print_json(
                {
                    "valid": True,
                    "path": str(lab),
                    "counts": counts,
                    "warnings": [w.to_dict() for w in topo.warnings],
                }
            )
            return
        parts = [_count(v, k) for k, v in counts.items() if v]
        warned = f"; {len(topo.warnings)} warning(s) above" if topo.warnings else ""
        typer.echo(f"{lab}: valid — {', '.join(parts)}{warned}")

    @lab_app.command("show")
    def show_cmd(
        lab: Path = typer.Argument(..., help="Lab file (YAML or JSON)."),
        json_: bool = typer.Option(
            False, "--json", help="Print the resolved lab as one JSON document."
        ),
    ) -> None:
        """A readable tree of VPCs, route tables, subnets, instances, groups, ACLs, peering, flow logs."""
        from vpcflow.cli.output import print_json
        from vpcflow.network.render import topology_to_dict, topology_tree

        topo = _load(lab)
        if json_:
            print_json(topology_to_dict(topo))
            return
        from rich.tree import Tree

        from vpcflow.cli.output import console

        root = topology_tree(topo)
        out = console()
        if not out.is_terminal:
            sys.stdout.write("\n".join(root.lines()) + "\n")
            return

        def build(node: Any, tree: Tree) -> None:
            for child in node.children:
                build(child, tree.add(child.label))

        tree = Tree(root.label)
        build(root, tree)
        out.print(tree)

    @lab_app.command("graph")
    def graph_cmd(
        lab: Path = typer.Argument(..., help="Lab file (YAML or JSON)."),
        output: GraphFormat = typer.Option(
            GraphFormat.mermaid, "--output", "-o", help="mermaid or dot."
        ),
    ) -> None:
        """Print a diagram of the lab (Mermaid flowchart or Graphviz dot)."""
        from vpcflow.network.render import dot, mermaid

        topo = _load(lab)
        sys.stdout.write(mermaid(topo) if output is GraphFormat.mermaid else dot(topo))

    @app.command("audit")
    def audit_cmd(
        lab: Path = typer.Argument(..., help="Lab file (YAML or JSON)."),
        json_: bool = typer.Option(
            False, "--json", help="Print the findings as one JSON document."
        ),
        fail_on: Severity | None = typer.Option(
            None, "--fail-on", help="Exit 1 when a finding of this severity or higher exists."
        ),
    ) -> None:
        """Network Access Analyzer-style findings: internet exposure, open admin ports, broken peering."""
        from vpcflow.cli.output import print_json
        from vpcflow.network.audit import SEVERITY_ORDER, audit

        topo = _load(lab)
        findings = audit(topo)
        if json_:
            counts = {
                s: sum(1 for f in findings if f.severity == s) for s in ("high", "medium", "low")
            }
            print_json({"findings": [f.to_dict() for f in findings], "counts": counts})
        else:
            from rich.text import Text

            from vpcflow.cli.output import console

            out = console()
            styles = {"high": "bold red", "medium": "yellow", "low": "dim"}
            for f in findings:
                line = Text(f"{f.severity.upper():<6} ", style=styles[f.severity])
                line.append(f"{f.kind}  {f.resource}: {f.message}")
                out.print(line, soft_wrap=True)
            counts = {
                s: sum(1 for f in findings if f.severity == s) for s in ("high", "medium", "low")
            }
            summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            typer.echo(f"{len(findings)} finding(s) in {lab}" + (f": {summary}" if summary else ""))
        if fail_on is not None and any(
            SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER[fail_on.value] for f in findings
        ):
            raise typer.Exit(1)


_NOUNS = {
    "vpcs": "VPC",
    "iam_roles": "IAM role",
    "network_acls": "network ACL",
    "nat_gateways": "NAT gateway",
}


def _count(n: int, key: str) -> str:
    """``2 VPCs``, ``1 IAM role``, ``3 route tables``."""
    noun = _NOUNS.get(key, key.replace("_", " ").removesuffix("s"))
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _report_problems(problems: list[Any], json_: bool) -> None:
    from vpcflow.cli.output import print_json

    if json_:
        print_json({"valid": False, "errors": [p.to_dict()["error"] for p in problems]})
        return
    for p in problems:
        sys.stderr.write(f"vpcflow: error: {p.one_line()}\n")
    sys.stderr.write(f"vpcflow: {len(problems)} problem(s) found\n")
