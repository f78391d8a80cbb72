"""The seed story, told with real computed results: what ``vpcflow demo`` runs.

Two VPCs, flow logs on, a ping that fails, the troubleshooting, the peering
fix, the ping that works, an internet scanner, the records in the log group,
and Logs Insights queries over them (DESIGN.md). Each step is a :class:`Step`
(narration, tables, preformatted blocks, and a JSON-able ``result``) yielded
by :func:`run_story` as soon as it is computed, so the CLI prints as it goes.

Everything comes from the package (``vpcflow/examples/``: the labs before and
after the fix, and the two traffic files), so the demo works from any
directory and gives the same records on every run (fixed seeds).

The store: a fresh DuckDB file, or one a previous demo wrote (then the demo's
log group is emptied first, so the demo is idempotent). A store holding
anything else is refused rather than changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from vpcflow.errors import StoreError

SEED_LAB = "seed-lab.yaml"
PEERED_LAB = "seed-lab-peered.yaml"
BEFORE_TRAFFIC = "seed-before-peering.traffic.yaml"
AFTER_TRAFFIC = "seed-after-peering.traffic.yaml"
DEMO_MARKER = "vpcflow-demo"

SCANNER = "143.110.152.75"
SCANNER_PORT = 56142
SCANNED_PORT = 20167

FIELD_MEANINGS = {
    "version": "flow log record version (2: the default format)",
    "account-id": "AWS account that owns the network interface",
    "interface-id": "the network interface (ENI) that recorded the flow",
    "srcaddr": "source address",
    "dstaddr": "destination address; the ENI's side is always its primary private IP",
    "srcport": "source port",
    "dstport": "destination port",
    "protocol": "IANA protocol number (1 ICMP, 6 TCP, 17 UDP)",
    "packets": "packets of this flow in the aggregation window",
    "bytes": "bytes of those packets (IP headers included)",
    "start": "first packet in the window (Unix seconds); the log event's @timestamp",
    "end": "last packet in the window (Unix seconds)",
    "action": "ACCEPT or REJECT by the security groups and network ACLs",
    "log-status": "OK; NODATA when the ENI had no traffic in the window",
}


@dataclass
class Table:
    """A table to print: title, column names, rows."""

    title: str | None
    columns: list[str]
    rows: list[list[Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Step:
    """One step of the story: what to print, in order, and the result for ``--json``."""

    number: int
    title: str
    items: list[tuple[str, Any]] = field(default_factory=list)
    """("text", str) narration, ("block", str) preformatted output, ("table", Table)."""
    result: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def say(self, *lines: str) -> None:
        self.items.extend(("text", line) for line in lines)

    def block(self, text: str) -> None:
        self.items.append(("block", text))

    def table(self, table: Table) -> None:
        self.items.append(("table", table))

    def tables(self) -> list[Table]:
        return [v for k, v in self.items if k == "table"]

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.number, "title": self.title, "result": self.result}


def example_path(name: str) -> Path:
    """A file of the packaged examples (``vpcflow/examples/NAME``) as a filesystem path."""
    ref = resources.files("vpcflow").joinpath("examples", name)
    with resources.as_file(ref) as path:
        if not path.exists():
            raise StoreError(f"the packaged example {name} is missing: reinstall vpcflow")
        return Path(path)


# --- the store ------------------------------------------------------------------------


def prepare_store(db: Path, log_groups: list[str]) -> bool:
    """Make ``db`` ready for the demo; True when it already existed (and was reset).

    Refuses (StoreError) a store that holds data the demo did not write.
    """
    from vpcflow.store import Store

    existed = db.exists()
    with Store(db) as store:
        con = store.con
        marker = con.execute("SELECT value FROM store_meta WHERE key = ?", [DEMO_MARKER]).fetchone()
        if existed and marker is None:
            used = con.execute(
                "SELECT (SELECT count(*) FROM log_groups) + (SELECT count(*) FROM flow_logs)"
                " + (SELECT count(*) FROM events)"
            ).fetchone()
            if used and used[0]:
                raise StoreError(
                    f"{db} holds data the demo did not write; run the demo with its own store, "
                    "e.g. --db demo.duckdb"
                )
        for group in log_groups:
            _drop_log_group(store, group)
        con.execute(
            "INSERT OR REPLACE INTO store_meta VALUES (?, ?)",
            [DEMO_MARKER, "written by vpcflow demo"],
        )
    return existed


def _drop_log_group(store: Any, group: str) -> None:
    """Empty ``group`` (rows, catalog, files) so the demo can deliver it again."""
    store.drop_log_group(group)


# --- the steps ---------------------------------------------------------------------------


def _instances(topology: Any) -> tuple[Any, Any]:
    """(instance 1, instance 2): the instance in the flow-logged VPC first."""
    instances = list(topology.instances())
    logged = {eni for fl in topology.flow_logs for eni in _covered(topology, fl)}
    instances.sort(key=lambda i: (i.eni not in logged, i.id))
    return instances[0], instances[1]


def _covered(topology: Any, fl: Any) -> list[str]:
    return [e.id for e in topology.enis() if fl in topology.flow_logs_for_eni(e.id)]


def _name(inst: Any) -> str:
    return f"{inst.name} ({inst.id})" if getattr(inst, "name", None) else inst.id


def _routes(topology: Any) -> list[list[Any]]:
    rows = []
    for rt in topology.route_tables.values():
        if getattr(rt, "implicit", False):
            continue
        for route in rt.routes:
            rows.append([rt.id, rt.vpc, route.destination, str(route.target)])
    return rows


def step_lab(topology: Any, lab_path: Path) -> Step:
    one, two = _instances(topology)
    step = Step(1, "The lab: two VPCs, one instance each")
    step.say(
        f"Lab file: examples/{SEED_LAB} (packaged at {lab_path}).",
        f"Account {topology.account}, region {topology.region}. Instance 1 is {_name(one)}, "
        f"instance 2 is {_name(two)}; each security group allows SSH (tcp/22) and ICMP.",
    )
    vpc_rows = []
    for vpc in topology.vpcs.values():
        subnets = [s for s in topology.subnets.values() if s.vpc == vpc.id]
        igw = topology.internet_gateway_of(vpc.id)
        vpc_rows.append(
            [
                vpc.id,
                str(vpc.cidr),
                ", ".join(f"{s.id} {s.cidr}" for s in subnets),
                igw.id if igw else "-",
            ]
        )
    inst_rows = []
    for inst in (one, two):
        subnet = topology.subnet(inst.subnet)
        inst_rows.append(
            [
                inst.id,
                inst.eni,
                subnet.vpc,
                inst.private_ip,
                inst.public_ip or "-",
                ", ".join(inst.security_groups),
            ]
        )
    routes = _routes(topology)
    step.table(Table("VPCs", ["VPC", "CIDR", "subnets", "internet gateway"], vpc_rows))
    step.table(
        Table(
            "Instances",
            ["instance", "ENI", "VPC", "private IP", "public IP", "security groups"],
            inst_rows,
        )
    )
    step.table(Table("Route tables", ["route table", "VPC", "destination", "target"], routes))
    step.say(
        "Note what is missing: no route between 10.1.0.0/16 and 10.2.0.0/16, and no peering connection."
    )
    step.result = {
        "lab": str(lab_path),
        "account": topology.account,
        "region": topology.region,
        "vpcs": [
            dict(zip(["id", "cidr", "subnets", "internet_gateway"], r, strict=True))
            for r in vpc_rows
        ],
        "instances": [
            dict(
                zip(
                    ["id", "eni", "vpc", "private_ip", "public_ip", "security_groups"],
                    r,
                    strict=True,
                )
            )
            for r in inst_rows
        ],
        "routes": [
            dict(zip(["route_table", "vpc", "destination", "target"], r, strict=True))
            for r in routes
        ],
    }
    return step


def step_flow_logs(topology: Any) -> Step:
    from vpcflow.network.iam import (
        DELIVERY_ACTIONS,
        FLOW_LOGS_SERVICE,
        policy_allows,
        trust_allows_service,
    )

    step = Step(2, "Flow logs on, and the IAM role checked")
    rows = []
    logs = []
    for fl in topology.flow_logs:
        dest = fl.destination
        covered = _covered(topology, fl)
        error = topology.delivery_error(fl)
        checks: dict[str, Any] = {}
        if dest.type == "cloud-watch-logs" and dest.role and topology.has_role(dest.role):
            role = topology.iam_role(dest.role)
            arn = f"arn:aws:logs:{topology.region}:{topology.account}:log-group:{dest.log_group}:*"
            checks = {"trust_policy_allows_service": trust_allows_service(role.trust_policy)}
            for action in DELIVERY_ACTIONS:
                checks[action] = policy_allows(role.policies, action, arn)
        where = (
            f"log group {dest.log_group}"
            if dest.type == "cloud-watch-logs"
            else f"s3://{dest.bucket}"
        )
        rows.append(
            [
                fl.id,
                fl.resource,
                fl.traffic_type,
                f"{fl.max_aggregation_interval} s",
                where,
                dest.role or "-",
                ", ".join(covered),
                error or "OK",
            ]
        )
        logs.append(
            {
                "id": fl.id,
                "resource": fl.resource,
                "traffic_type": fl.traffic_type,
                "max_aggregation_interval": fl.max_aggregation_interval,
                "format": fl.format.name(),
                "destination": where,
                "role": dest.role,
                "covers": covered,
                "checks": checks,
                "delivery_error": error,
            }
        )
        if checks:
            trust = "names" if checks["trust_policy_allows_service"] else "does NOT name"
            missing = [a for a in DELIVERY_ACTIONS if not checks[a]]
            grants = (
                f"allows {' and '.join(DELIVERY_ACTIONS)}"
                if not missing
                else f"does NOT allow {' and '.join(missing)}"
            )
            step.say(
                f"{fl.id} records {fl.traffic_type} traffic of {fl.resource} ({', '.join(covered)}) "
                f"into {where}, through role {dest.role}: its trust policy {trust} "
                f"{FLOW_LOGS_SERVICE}, and its policy {grants}. Delivery: {error or 'OK'}."
            )
    step.table(
        Table(
            "Flow logs",
            [
                "flow log",
                "resource",
                "traffic",
                "window",
                "destination",
                "role",
                "covers",
                "delivery",
            ],
            rows,
        )
    )
    uncovered = [i.id for i in topology.instances() if not any(topology.flow_logs_for_eni(i.eni))]
    if uncovered:
        step.say(
            f"No flow log covers {', '.join(uncovered)}: what happens only there leaves no record."
        )
    step.result = {"flow_logs": logs, "uncovered_instances": uncovered}
    return step


def _reach_block(result: Any) -> str:
    return str(result).rstrip()


def _verdict(result: Any) -> str:
    return "REACHABLE" if result.reachable else "UNREACHABLE"


def step_failing_ping(topology: Any) -> Step:
    from vpcflow.network.reach import reach

    one, two = _instances(topology)
    result = reach(topology, two.id, one.private_ip, "icmp")
    step = Step(3, "Ping instance 1's private IP from instance 2: no reply")
    step.say(f"$ vpcflow reach {SEED_LAB} --from {two.id} --to {one.private_ip} --protocol icmp")
    step.block(_reach_block(result))
    doc = result.to_dict()
    blockers = doc.get("blockers", [])
    if blockers:
        where = ", ".join(f"{b.get('component')} on the {b.get('leg')} leg" for b in blockers)
        step.say(
            f"Verdict: {_verdict(result)}. Blocked at {where}: the VPCs are not peered, and "
            "neither route table has a route to the other VPC, so the packets follow the default "
            "route to the internet gateway, which drops private destinations. The fix: a peering "
            "connection, and a route to it on each side."
        )
    step.result = {"query": {"from": two.id, "to": one.private_ip, "protocol": "icmp"}, **doc}
    return step


def step_public_ping(topology: Any, summary: Any) -> Step:
    from vpcflow.network.reach import reach

    one, two = _instances(topology)
    result = reach(topology, two.id, one.public_ip, "icmp")
    step = Step(4, "Ping instance 1's public IP instead: it works")
    step.say(f"$ vpcflow reach {SEED_LAB} --from {two.id} --to {one.public_ip} --protocol icmp")
    step.block(_reach_block(result))
    step.say(
        f"Verdict: {_verdict(result)}: out through VPC 2's internet gateway, in through VPC 1's, and back.",
        _traffic_line(summary),
    )
    step.table(_records_table(summary, "Records written for these pings"))
    step.say(
        "The private ping left no record in VPC 1's flow log: its packets never left VPC 2 "
        "(which has no flow log). The public ping shows on instance 1's ENI as "
        f"{two.public_ip} -> {one.private_ip}: flow logs write the instance's private address."
    )
    step.result = {
        "query": {"from": two.id, "to": one.public_ip, "protocol": "icmp"},
        **result.to_dict(),
        "simulation": _sim_result(summary),
    }
    return step


def step_fix(before: Any, after: Any, lab_path: Path) -> Step:
    step = Step(5, "The fix: peer the VPCs and add a route on each side")
    added_pcx = [
        p for pid, p in after.peering_connections.items() if pid not in before.peering_connections
    ]
    rows = []
    commands = []
    for pcx in added_pcx:
        rows.append(
            [
                "peering connection",
                pcx.id,
                f"{pcx.requester} requests, {pcx.accepter} accepts",
                pcx.status,
            ]
        )
        commands += [
            f"aws ec2 create-vpc-peering-connection --vpc-id {pcx.requester} --peer-vpc-id {pcx.accepter}",
            f"aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {pcx.id}",
        ]
    route_changes = []
    for rt_id, rt in after.route_tables.items():
        old = before.route_tables.get(rt_id)
        old_routes = {(r.destination, str(r.target)) for r in (old.routes if old else ())}
        for r in rt.routes:
            if (r.destination, str(r.target)) not in old_routes:
                rows.append(["route", rt_id, f"{r.destination} -> {r.target}", "added"])
                route_changes.append(
                    {"route_table": rt_id, "destination": r.destination, "target": str(r.target)}
                )
                kind = (
                    "--vpc-peering-connection-id"
                    if str(r.target).startswith("pcx-")
                    else "--gateway-id"
                )
                commands.append(
                    f"aws ec2 create-route --route-table-id {rt_id} --destination-cidr-block {r.destination} {kind} {r.target}"
                )
    step.say(
        f"The lab after the fix is examples/{PEERED_LAB} (packaged at {lab_path}). What changed:"
    )
    step.table(Table("Changes", ["what", "id", "change", "state"], rows))
    step.say("The same change in AWS:")
    step.block("\n".join(f"$ {c}" for c in commands))
    step.result = {
        "lab": str(lab_path),
        "peering_connections": [
            {"id": p.id, "requester": p.requester, "accepter": p.accepter, "status": p.status}
            for p in added_pcx
        ],
        "routes_added": route_changes,
        "commands": commands,
    }
    return step


def step_ping_again(topology: Any, summary: Any) -> Step:
    from vpcflow.network.reach import reach

    one, two = _instances(topology)
    result = reach(topology, two.id, one.private_ip, "icmp")
    step = Step(6, "Ping again: it works; and an internet scanner knocks")
    scan_rows = []
    for o in summary.flows:
        f = o.flow
        if f.source == SCANNER:
            verdict = "ACCEPT" if o.reachable else "REJECT"
            scan_rows.append(
                [
                    f"{f.source}:{f.source_port}",
                    f"{f.destination}:{f.port}",
                    verdict,
                    (o.blocker or {}).get("component") or "-",
                ]
            )
    step.say(f"$ vpcflow reach {PEERED_LAB} --from {two.id} --to {one.private_ip} --protocol icmp")
    step.block(_reach_block(result))
    step.say(
        f"Verdict: {_verdict(result)} over the peering connection, both legs.",
        _traffic_line(summary),
        f"The scanner {SCANNER} probes instance 1's public IP {one.public_ip} on tcp/{SCANNED_PORT} "
        f"from port {SCANNER_PORT} at 2025-07-15T11:12:31Z, as in the seed's record, then SSH and "
        "a few other well-known ports. Instance 1's security group allows only SSH and ICMP, so "
        f"tcp/{SCANNED_PORT} is REJECTed (the seed's real record says ACCEPT: that instance's "
        "group must have let it in), and so is every other probe but tcp/22, which is ACCEPTed "
        "and answered with a SYN-ACK (the scanner then resets the connection).",
    )
    step.table(Table("Scanner probes", ["from", "to", "verdict", "blocked by"], scan_rows))
    step.table(_records_table(summary, "Records written after the fix"))
    step.result = {
        "query": {"from": two.id, "to": one.private_ip, "protocol": "icmp"},
        **result.to_dict(),
        "scanner": [
            dict(zip(["from", "to", "action", "blocked_by"], r, strict=True)) for r in scan_rows
        ],
        "simulation": _sim_result(summary),
    }
    return step


def _traffic_line(summary: Any) -> str:
    n = len(summary.flows)
    ok = sum(1 for o in summary.flows if o.reachable)
    return (
        f"Simulated {n} flows ({ok} answered) from {Path(summary.traffic).name}, "
        f"{_hhmm(summary.start_ms)} to {_hhmm(summary.end_ms)} UTC: "
        f"{summary.total_records} flow log records delivered."
    )


def _hhmm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M:%S")


def _sim_result(summary: Any) -> dict[str, Any]:
    doc = summary.to_dict()
    return {
        "traffic": doc["traffic"],
        "flows": len(doc["flows"]),
        "records": doc["records"],
        "deliveries": doc["deliveries"],
        "delivery_errors": doc["delivery_errors"],
    }


def _records_table(summary: Any, title: str) -> Table:
    rows = [
        [r["flow_log"], r["eni"], r["accept"], r["reject"], r["nodata"], r["packets"], r["bytes"]]
        for r in summary.per_eni()
    ]
    return Table(title, ["flow log", "ENI", "ACCEPT", "REJECT", "NODATA", "packets", "bytes"], rows)


# --- queries over the store -----------------------------------------------------------


def _query(db: Path, text: str) -> tuple[list[str], list[list[Any]]]:
    """Run a Logs Insights query on the store: (column names, rows)."""
    from vpcflow.insights.api import query

    table = query(str(db), text)
    columns = list(table.column_names)
    rows = [[row[c] for c in columns] for row in table.to_pylist()]
    return columns, rows


def _saved_query_text(slug: str) -> str:
    from vpcflow.insights import saved

    return saved.get(slug).render()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    return value


def step_records(db: Path, log_group: str, topology: Any) -> Step:
    one, _ = _instances(topology)
    step = Step(7, "The records land in the log group")
    streams_q = "stats count(*) as records by @logStream | sort @logStream"
    cols, streams = _query(db, streams_q)
    raw_q = 'filter logStatus = "OK" | fields @timestamp, @message | sort @timestamp asc | limit 5'
    raw_cols, raw = _query(db, raw_q)
    pick_q = (
        f'filter srcAddr = "{SCANNER}" and dstPort = {SCANNED_PORT} | fields @timestamp, @message'
    )
    _, picked = _query(db, pick_q)
    step.say(
        f"Log group {log_group}: one log stream per ENI, one event per record; each event's "
        "time is its record's start.",
        f"$ vpcflow query '{streams_q}'",
    )
    step.table(Table(None, cols, [[_cell(v) for v in r] for r in streams]))
    step.say(f"$ vpcflow query '{raw_q}'")
    step.table(Table(None, raw_cols, [[_cell(v) for v in r] for r in raw]))
    explained: list[dict[str, Any]] = []
    if picked:
        message = str(picked[0][-1])
        step.say(f"The scanner's record, field by field ($ vpcflow query '{pick_q}'):")
        step.block(message)
        from vpcflow.records.fields import DEFAULT_TOKENS

        rows = []
        for token, value in zip(DEFAULT_TOKENS, message.split(), strict=False):
            meaning = FIELD_MEANINGS.get(token, "")
            if token == "dstaddr" and value == one.private_ip:
                meaning += f" (the scanner sent to the public IP {one.public_ip})"
            if token in ("start", "end") and value.isdigit():
                meaning += f" = {datetime.fromtimestamp(int(value), UTC):%Y-%m-%dT%H:%M:%SZ}"
            if token == "action" and value == "REJECT":
                meaning += f": instance 1's security group has no rule for tcp/{SCANNED_PORT}"
            rows.append([token, value, meaning])
            explained.append({"field": token, "value": value, "meaning": meaning})
        step.table(Table(None, ["field", "value", "meaning"], rows))
    step.result = {
        "log_group": log_group,
        "streams": [dict(zip(cols, r, strict=True)) for r in streams],
        "first_records": [dict(zip(raw_cols, [_cell(v) for v in r], strict=True)) for r in raw],
        "explained": explained,
    }
    return step


def step_queries(db: Path) -> Step:
    step = Step(8, "Logs Insights: the saved queries")
    results = {}
    for slug in ("top-10-byte-transfers", "top-rejected-sources"):
        text = _saved_query_text(slug)
        cols, rows = _query(db, text)
        cells = [[_cell(v) for v in r] for r in rows]
        step.say(f"$ vpcflow query --saved {slug}", f"  {text}")
        step.table(Table(None, cols, cells))
        if cells:
            top = ", ".join(f"{c} {v}" for c, v in zip(cols, cells[0], strict=True))
            step.say(f"Top row: {top}.")
        results[slug] = {"query": text, "columns": cols, "rows": cells}
    step.result = results
    return step


def step_next(db: Path, log_group: str, topology: Any) -> Step:
    one, two = _instances(topology)
    step = Step(9, "Your turn")
    commands = [
        f"vpcflow query --db {db} 'filter action = \"REJECT\" | stats count(*) as rejects by srcAddr, dstPort | sort rejects desc'",
        f"vpcflow query --db {db} --saved top-10-byte-transfers",
        "vpcflow queries",
        f"vpcflow reach {example_path(SEED_LAB)} --from {two.id} --to {one.private_ip} --protocol icmp",
        f"vpcflow simulate {example_path(PEERED_LAB)} {example_path(AFTER_TRAFFIC)} --db {db}",
        f"vpcflow info --db {db}",
    ]
    serve = _has_command("serve")
    if serve:
        commands.append(f"vpcflow serve --db {db}")
    step.say("Next, try:")
    step.block("\n".join(f"$ {c}" for c in commands))
    if not serve:
        step.say("(A web dashboard, `vpcflow serve`, is planned.)")
    step.result = {"commands": commands, "db": str(db), "log_group": log_group}
    return step


def _has_command(name: str) -> bool:
    from vpcflow.cli.app import build_app

    app = build_app()
    return any(getattr(c, "name", None) == name for c in app.registered_commands)


# --- the whole story -----------------------------------------------------------------


def run_story(db: str | Path) -> Iterator[Step]:
    """Tell the seed story on the store ``db``, one :class:`Step` at a time."""
    from vpcflow.network.loader import load_lab
    from vpcflow.simulate.engine import simulate
    from vpcflow.simulate.traffic import load_traffic

    db = Path(db)
    seed_path, peered_path = example_path(SEED_LAB), example_path(PEERED_LAB)
    before = load_lab(seed_path)
    after = load_lab(peered_path)
    groups = sorted(
        {fl.destination.log_group for fl in before.flow_logs if fl.destination.log_group}
    )
    prepare_store(db, groups)
    log_group = groups[0] if groups else "-"

    yield _timed(lambda: step_lab(before, seed_path))
    yield _timed(lambda: step_flow_logs(before))
    yield _timed(lambda: step_failing_ping(before))
    first = simulate(before, load_traffic(example_path(BEFORE_TRAFFIC)), db=db)
    yield _timed(lambda: step_public_ping(before, first))
    yield _timed(lambda: step_fix(before, after, peered_path))
    second = simulate(after, load_traffic(example_path(AFTER_TRAFFIC)), db=db)
    yield _timed(lambda: step_ping_again(after, second))
    yield _timed(lambda: step_records(db, log_group, after))
    yield _timed(lambda: step_queries(db))
    yield _timed(lambda: step_next(db, log_group, after))


def _timed(make: Any) -> Step:
    t = time.perf_counter()
    step: Step = make()
    step.seconds = time.perf_counter() - t
    return step
