"""Run a traffic file on a lab: decide every flow, write the records, deliver them.

:func:`simulate` is the one entry point (the CLI and the demo call it):

1. expand the traffic file into flows (:mod:`vpcflow.simulate.plan`);
2. decide each flow with :func:`vpcflow.network.reach.reach` — the same code
   path as ``vpcflow reach``: which ENIs see the request and the reply, and
   with which verdict (the simulator never re-decides routing, security
   groups or NACLs);
3. turn the packets into records per flow log, ENI, direction and window
   (:mod:`vpcflow.simulate.records`), NODATA for idle windows;
4. deliver each flow log's records to its destination
   (:mod:`vpcflow.simulate.deliver`), or report its delivery error.

Where records go: CloudWatch Logs destinations into the store (``db``);
S3 destinations into ``out`` as objects, or — when no ``out`` is given — into
the store under a log group named after the flow log id (what
``vpcflow ingest`` of that bucket would give). With neither ``db`` nor
``out`` nothing is written (the summary still counts the records).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vpcflow.errors import InputError, VpcflowError
from vpcflow.simulate.deliver import Delivery, deliver_to_s3, deliver_to_store
from vpcflow.simulate.labview import LabView
from vpcflow.simulate.packets import bursts
from vpcflow.simulate.plan import Flow, expand
from vpcflow.simulate.records import DHCP_PORTS, FlowRecord, RecordBuilder
from vpcflow.simulate.traffic import Traffic

ReachFn = Callable[..., Any]


def iso(ms_or_s: int, *, ms: bool = True) -> str:
    """``2025-07-15T11:12:31Z`` (milliseconds kept only when not whole seconds)."""
    seconds = ms_or_s / 1000 if ms else ms_or_s
    dt = datetime.fromtimestamp(seconds, UTC)
    text = dt.isoformat(timespec="milliseconds" if dt.microsecond else "seconds")
    return text.replace("+00:00", "Z")


@dataclass
class FlowOutcome:
    """What happened to one flow."""

    flow: Flow
    reachable: bool | None
    blocker: dict[str, Any] | None = None
    unlogged: str | None = None
    records: int = 0
    start_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        f = self.flow
        return {
            "index": f.index,
            "entry": f.entry,
            "line": f.line,
            "label": f.label,
            "at": iso(self.start_ms + f.at_ms),
            "from": f.source,
            "to": f.destination,
            "protocol": f.protocol_name,
            "port": f.port,
            "source_port": f.source_port,
            "reachable": self.reachable,
            "blocker": self.blocker,
            "unlogged": self.unlogged,
            "records": self.records,
        }


@dataclass
class SimulationSummary:
    """The result of :func:`simulate`; ``to_dict()`` is the ``--json`` document."""

    traffic: str
    seed: int
    start_ms: int
    end_ms: int
    flows: list[FlowOutcome] = field(default_factory=list)
    records: dict[str, list[FlowRecord]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def total_records(self) -> int:
        return sum(len(v) for v in self.records.values())

    @property
    def delivery_errors(self) -> list[dict[str, str]]:
        return [
            {"flow_log": d.flow_log, "destination": d.destination, "error": d.error}
            for d in self.deliveries
            if d.error
        ]

    def per_eni(self) -> list[dict[str, Any]]:
        """Records per flow log and ENI: OK records, ACCEPT/REJECT, NODATA, packets, bytes."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for fl_id, recs in self.records.items():
            for r in recs:
                row = rows.setdefault(
                    (fl_id, r.eni),
                    {
                        "flow_log": fl_id,
                        "eni": r.eni,
                        "records": 0,
                        "accept": 0,
                        "reject": 0,
                        "nodata": 0,
                        "packets": 0,
                        "bytes": 0,
                    },
                )
                row["records"] += 1
                if r.log_status == "NODATA":
                    row["nodata"] += 1
                    continue
                row["accept" if r.action == "ACCEPT" else "reject"] += 1
                row["packets"] += r.packets or 0
                row["bytes"] += r.bytes or 0
        return [rows[k] for k in sorted(rows)]

    def per_entry(self) -> list[dict[str, Any]]:
        """Flows grouped by traffic-file entry: counts reachable / unreachable / unlogged."""
        out: dict[int, dict[str, Any]] = {}
        for o in self.flows:
            row = out.setdefault(
                o.flow.entry,
                {
                    "entry": o.flow.entry,
                    "line": o.flow.line,
                    "label": o.flow.label,
                    "flows": 0,
                    "reachable": 0,
                    "unreachable": 0,
                    "unlogged": 0,
                    "records": 0,
                    "blockers": Counter(),
                },
            )
            row["flows"] += 1
            row["records"] += o.records
            if o.unlogged:
                row["unlogged"] += 1
            elif o.reachable:
                row["reachable"] += 1
            else:
                row["unreachable"] += 1
                if o.blocker:
                    b = o.blocker
                    row["blockers"][f"{b.get('code') or '?'} at {b.get('component') or '?'}"] += 1
        return [
            {**row, "blockers": dict(sorted(row["blockers"].items()))}
            for _, row in sorted(out.items())
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "traffic": self.traffic,
            "seed": self.seed,
            "start": iso(self.start_ms),
            "end": iso(self.end_ms),
            "flows": [o.to_dict() for o in self.flows],
            "entries": self.per_entry(),
            "records": {
                "total": self.total_records,
                "per_flow_log": {k: len(v) for k, v in sorted(self.records.items())},
                "per_eni": self.per_eni(),
            },
            "deliveries": [d.to_dict() for d in self.deliveries],
            "delivery_errors": self.delivery_errors,
        }


def _blocker(result: Any) -> dict[str, Any] | None:
    blockers = getattr(result, "blockers", None) or []
    if not blockers:
        return None
    b = blockers[0]
    to_dict = getattr(b, "to_dict", None)
    if isinstance(b, dict):
        d = b
    elif callable(to_dict):
        d = dict(to_dict())
    else:
        d = {k: getattr(b, k, None) for k in ("code", "component", "leg", "direction", "message")}
    return {k: d.get(k) for k in ("code", "component", "leg", "direction", "message")}


def _default_reach() -> ReachFn:
    from vpcflow.network.reach import reach

    return reach


def simulate(
    topology: Any,
    traffic: Traffic,
    *,
    db: Any = None,
    out: str | Path | None = None,
    lab: LabView | None = None,
    reach_fn: ReachFn | None = None,
    window_phase: int | None = None,
) -> SimulationSummary:
    """Simulate ``traffic`` on ``topology`` and deliver the records.

    ``db``: a store path or an open :class:`vpcflow.store.Store` (CloudWatch
    destinations, and S3 destinations when ``out`` is None). ``out``: the
    directory S3 destinations are written under. ``lab``/``reach_fn`` replace
    the topology adapter and the reachability walk (tests). ``window_phase``
    fixes where every ENI's capture windows start (seconds past the interval
    boundary) instead of drawing it from the seed.
    """
    lab = lab if lab is not None else LabView.from_topology(topology)
    reach_fn = reach_fn or _default_reach()
    flows = expand(traffic, lab)
    builder = RecordBuilder(lab, seed=traffic.seed, phase=window_phase)
    start_ms = traffic.start_ms
    end_ms = start_ms + (traffic.end_ms or 0)
    for entry in traffic.entries:
        if entry.preset == "background" and entry.duration_ms is not None:
            end_ms = max(end_ms, start_ms + entry.at_ms + entry.duration_ms)
    summary = SimulationSummary(traffic.path, traffic.seed, start_ms, end_ms)
    cache: dict[tuple[Any, ...], Any] = {}
    for flow in flows:
        outcome = FlowOutcome(flow, None, start_ms=start_ms)
        summary.flows.append(outcome)
        end_ms = max(end_ms, start_ms + flow.at_ms)
        reason = lab.never_logged(flow.destination) or lab.never_logged(flow.source)
        if reason is None and flow.protocol == 17 and flow.port in DHCP_PORTS:
            reason = "DHCP traffic"
        if reason:
            outcome.unlogged = f"{reason} is never logged (flow-logs §7.2)"
            continue
        key = (flow.source, flow.destination, flow.protocol, flow.port, flow.source_port)
        decided = cache.get(key)
        if decided is None:
            # keep only what the records need, not the whole trace (memory at scale)
            result = _decide(reach_fn, topology, flow, traffic.path)
            reachable = bool(result.reachable)
            forward, return_ = result.observations()
            blocker = None if reachable else _blocker(result)
            decided = cache[key] = (reachable, blocker, forward, return_)
        outcome.reachable, outcome.blocker, forward, return_ = decided
        packets = bursts(flow, start_ms, established=outcome.reachable, replied=return_ is not None)
        for b in packets:
            end_ms = max(end_ms, b.t1)
        outcome.records = len(builder.add(forward, return_, packets))
    summary.end_ms = end_ms
    summary.records = builder.records(start_ms, end_ms)
    summary.deliveries = _deliver(summary.records, lab, traffic.seed, db, out)
    return summary


def _decide(reach_fn: ReachFn, topology: Any, flow: Flow, path: str) -> Any:
    """One reachability walk; a bad ``from``/``to`` is an error at the flow's line."""
    try:
        return reach_fn(
            topology,
            flow.source,
            flow.destination,
            flow.protocol_name,
            port=flow.port,
            source_port=flow.source_port,
            icmp_type=8 if flow.protocol in (1, 58) else None,
        )
    except InputError as exc:
        if exc.path == path:
            raise
        raise InputError(f"flow {flow.describe()}: {exc.message}", path, flow.line) from None
    except VpcflowError as exc:
        raise InputError(f"flow {flow.describe()}: {exc.message}", path, flow.line) from None


def _deliver(
    records: dict[str, list[FlowRecord]],
    lab: LabView,
    seed: int,
    db: Any,
    out: str | Path | None,
) -> list[Delivery]:
    results: list[Delivery] = []
    with ExitStack() as stack:
        store = None
        target = None

        def open_store() -> Any:
            nonlocal store, target
            if store is None and db is not None:
                if isinstance(db, str | Path):
                    from vpcflow.store import Store

                    store = stack.enter_context(Store(db))
                    target = str(db)
                else:
                    store = db
                    target = str(getattr(db, "path", "store"))
            return store

        for fl in lab.flow_logs:
            recs = records.get(fl.id, [])
            if fl.delivery_error:
                results.append(
                    Delivery(fl.id, fl.destination_type, fl.destination, error=fl.delivery_error)
                )
                continue
            if fl.destination_type == "s3" and out is not None:
                results.append(deliver_to_s3(Path(out), fl, recs, lab, seed))
                continue
            st = open_store() if recs else None
            if st is None:
                d = Delivery(fl.id, fl.destination_type, fl.destination, records=0)
                if recs:
                    d.note = f"{len(recs)} records not written: no store or output directory given"
                else:
                    d.note = "no records: nothing to deliver"
                results.append(d)
                continue
            group = fl.id if fl.destination_type == "s3" else fl.log_group
            results.append(
                deliver_to_store(st, fl, recs, lab, seed, log_group=group, target=target)
            )
    return results
