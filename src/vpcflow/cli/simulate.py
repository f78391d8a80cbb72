"""CLI command ``vpcflow simulate LAB TRAFFIC``: run traffic on a lab, deliver its flow logs.

Where records go: CloudWatch Logs destinations into the store (``--db``,
default ``$VPCFLOW_DB`` or ``./vpcflow.duckdb``); S3 destinations into
``--out DIR`` as objects laid out like the bucket, or into the store (log
group = the flow log id) when ``--out`` is not given.
"""

from __future__ import annotations

from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to ``app``."""

    @app.command("simulate")
    def simulate_cmd(
        lab: str = typer.Argument(..., help="Lab file (YAML or JSON), as for `vpcflow reach`."),
        traffic: str = typer.Argument(..., help="Traffic file (YAML): start, seed, flows."),
        db: str | None = typer.Option(
            None,
            "--db",
            help="Store for CloudWatch Logs destinations (default: $VPCFLOW_DB or ./vpcflow.duckdb).",
        ),
        out: str | None = typer.Option(
            None,
            "--out",
            help="Directory for S3 destinations (objects under DIR/<bucket>/AWSLogs/...).",
        ),
        json_out: bool = typer.Option(
            False, "--json", help="Print the summary as one JSON document."
        ),
    ) -> None:
        """Simulate TRAFFIC on LAB: decide every flow as `vpcflow reach` does, write the flow log
        records AWS would write (per ENI, direction and aggregation window), and deliver them."""
        from vpcflow.cli.app import default_db
        from vpcflow.network.loader import load_lab
        from vpcflow.simulate.engine import simulate
        from vpcflow.simulate.traffic import load_traffic

        topology = load_lab(lab)
        plan = load_traffic(traffic)
        summary = simulate(topology, plan, db=db or default_db(), out=out)
        if json_out:
            from vpcflow.cli.output import print_json

            print_json(summary.to_dict())
            return
        render_summary(summary.to_dict(), lab)


def render_summary(doc: dict[str, Any], lab: str) -> None:
    """The text summary: flows per traffic entry, records per ENI, deliveries and their errors."""
    from vpcflow.cli.output import console, print_table

    out = console()
    flows = doc["flows"]
    out.print(
        f"Simulated {len(flows)} flow{'s' if len(flows) != 1 else ''} from {doc['traffic']} on {lab} "
        f"({doc['start']} to {doc['end']}, seed {doc['seed']})."
    )
    rows = [
        [
            e["line"],
            e["label"],
            e["flows"],
            e["reachable"],
            e["unreachable"],
            e["unlogged"],
            e["records"],
        ]
        for e in doc["entries"]
    ]
    print_table(
        ["line", "entry", "flows", "answered", "unanswered", "not logged", "records"],
        rows,
        title="Flows by traffic file entry",
    )
    for e in doc["entries"]:
        for blocker, n in e["blockers"].items():
            times = f" ({n} flows)" if n > 1 else ""
            out.print(f"line {e['line']} ({e['label']}): blocked by {blocker}{times}", markup=False)
    per_eni = doc["records"]["per_eni"]
    print_table(
        ["flow log", "ENI", "records", "ACCEPT", "REJECT", "NODATA", "packets", "bytes"],
        [
            [
                r["flow_log"],
                r["eni"],
                r["records"],
                r["accept"],
                r["reject"],
                r["nodata"],
                r["packets"],
                r["bytes"],
            ]
            for r in per_eni
        ],
        title=f"Records per ENI ({doc['records']['total']} in all)",
    )
    print_table(
        ["flow log", "destination", "records", "written to", "note"],
        [
            [
                d["flow_log"],
                d["destination"],
                d["records"],
                _written(d),
                "delivery error (below)" if d["error"] else d["note"] or "",
            ]
            for d in doc["deliveries"]
        ],
        title="Delivery",
    )
    for err in doc["delivery_errors"]:
        out.print(
            f"delivery error: {err['flow_log']} ({err['destination']}): "
            f"DeliverLogsErrorMessage: {err['error']}",
            markup=False,
        )


def _written(d: dict[str, Any]) -> str:
    if d["error"]:
        return "nothing"
    if d["files"]:
        n = len(d["files"])
        return f"{n} object{'s' if n != 1 else ''} under {d['target']}"
    return d["target"] or ""
