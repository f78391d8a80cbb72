"""From ENI observations and packet bursts to flow log records.

One record per flow log, per ENI, per direction (5-tuple), per verdict, per
aggregation window (flow-logs.md §1, §7.1, §10): the reachability walk says
which ENIs see each leg and with which verdict (:class:`EniObservation`),
:mod:`vpcflow.simulate.packets` says how many packets each leg carries and
when, and :mod:`vpcflow.simulate.windows` cuts them into each ENI's windows.

Rules applied here, each from the specs:

- Only ENIs covered by a flow log (VPC, subnet or ENI resource) write records,
  and only for the flow log's traffic type (ACCEPT, REJECT or ALL).
- ``srcaddr``/``dstaddr`` come from the observation (the ENI's side is its
  primary private IP); ``pkt-*addr`` are the packet's real addresses.
- TCP flags are OR-ed per record; other protocols write ``tcp-flags`` 0.
  ICMP records carry ports 0.
- ``start``/``end`` are the seconds of the first and last packet in the window.
- ``traffic-path`` only on egress records; ``flow-direction`` on all.
- NODATA: a covered ENI with no traffic at all in one of its windows that
  *begin* inside the simulated span ``[start, end)`` writes one NODATA record
  (``start``/``end`` = the window; traffic fields ``-``; the ENI's own metadata
  filled), so simulations of consecutive spans tile without doubles. An ENI
  whose only traffic in a window was filtered out by the traffic type writes
  nothing.
- Traffic AWS never logs (§7.2: instance metadata, Time Sync, Amazon DNS,
  the VPC router address, DHCP) never becomes a record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vpcflow.network.observe import EniObservation
from vpcflow.records.formats import FlowFormat
from vpcflow.simulate.labview import FlowLogInfo, LabView
from vpcflow.simulate.packets import Burst
from vpcflow.simulate.windows import split, window_phase, window_start

DHCP_PORTS = (67, 68)


@dataclass(frozen=True)
class FlowRecord:
    """One flow log record before it is written in a format."""

    flow_log: str
    eni: str
    window: int
    interval: int
    start: int
    end: int
    log_status: str = "OK"
    direction: str | None = None
    srcaddr: str | None = None
    dstaddr: str | None = None
    srcport: int | None = None
    dstport: int | None = None
    protocol: int | None = None
    packets: int | None = None
    bytes: int | None = None
    action: str | None = None
    tcp_flags: int | None = None
    pkt_srcaddr: str | None = None
    pkt_dstaddr: str | None = None
    traffic_path: int | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.window,
            self.eni,
            self.start,
            self.end,
            self.log_status != "NODATA",
            self.srcaddr or "",
            self.dstaddr or "",
            self.srcport or 0,
            self.dstport or 0,
            self.protocol or 0,
            self.action or "",
            self.pkt_srcaddr or "",
            self.pkt_dstaddr or "",
        )


@dataclass
class _Acc:
    packets: int = 0
    bytes: int = 0
    first_ms: int = 2**62
    last_ms: int = -1
    flags: int = 0
    traffic_path: int | None = None


_Key = tuple[str, str, int, str, str, str, int, int, int, str, str, str]


@dataclass
class RecordBuilder:
    """Accumulates the records of a simulation, flow by flow."""

    lab: LabView
    seed: int = 0
    phase: int | None = None
    """Force every window phase (tests); None draws it from the seed per flow log and ENI."""
    _acc: dict[_Key, _Acc] = field(default_factory=dict)
    _active: set[tuple[str, str, int]] = field(default_factory=set)
    _phases: dict[tuple[str, str], int] = field(default_factory=dict)

    def phase_of(self, fl: FlowLogInfo, eni: str) -> int:
        key = (fl.id, eni)
        if key not in self._phases:
            if self.phase is not None:
                self._phases[key] = self.phase % fl.interval
            else:
                self._phases[key] = window_phase(self.seed, fl.id, eni, fl.interval)
        return self._phases[key]

    def add(
        self,
        forward: Sequence[EniObservation],
        return_: Sequence[EniObservation] | None,
        bursts: Iterable[Burst],
    ) -> set[_Key]:
        """Count ``bursts`` at every ENI that observes their leg; returns the record keys touched."""
        touched: set[_Key] = set()
        by_leg: dict[str, list[Burst]] = {"forward": [], "return": []}
        for b in bursts:
            by_leg[b.leg].append(b)
        for leg, observations in (("forward", forward), ("return", return_ or ())):
            for obs in observations:
                if self.never_logged(obs) is not None:
                    continue
                for fl in self.lab.flow_logs_for(obs.eni):
                    phase = self.phase_of(fl, obs.eni)
                    for burst in by_leg[leg]:
                        for piece in split(burst, phase, fl.interval):
                            self._active.add((fl.id, obs.eni, piece.window))
                            if not fl.admits(obs.action):
                                continue
                            key = self._key(fl, obs, piece.window)
                            acc = self._acc.get(key)
                            if acc is None:
                                acc = self._acc[key] = _Acc(traffic_path=obs.traffic_path)
                            acc.packets += piece.packets
                            acc.bytes += piece.bytes
                            acc.first_ms = min(acc.first_ms, piece.first_ms)
                            acc.last_ms = max(acc.last_ms, piece.last_ms)
                            acc.flags |= burst.flags
                            touched.add(key)
        return touched

    def never_logged(self, obs: EniObservation) -> str | None:
        """Why AWS would not log this packet at this ENI (§7.2), or None."""
        for addr in (obs.pkt_dstaddr, obs.pkt_srcaddr, obs.dstaddr, obs.srcaddr):
            reason = self.lab.never_logged(addr)
            if reason:
                return reason
        if obs.protocol == 17 and {obs.srcport, obs.dstport} <= set(DHCP_PORTS):
            return "DHCP traffic"
        return None

    @staticmethod
    def _key(fl: FlowLogInfo, obs: EniObservation, window: int) -> _Key:
        ported = obs.protocol in (6, 17, 132)
        return (
            fl.id,
            obs.eni,
            window,
            obs.direction,
            obs.srcaddr,
            obs.dstaddr,
            obs.srcport if ported else 0,
            obs.dstport if ported else 0,
            obs.protocol,
            obs.action,
            obs.pkt_srcaddr,
            obs.pkt_dstaddr,
        )

    def records(self, span_start_ms: int, span_end_ms: int) -> dict[str, list[FlowRecord]]:
        """Every record per flow log id (sorted), NODATA included for ``[start, end]`` ms."""
        out: dict[str, list[FlowRecord]] = {fl.id: [] for fl in self.lab.flow_logs}
        intervals = {fl.id: fl.interval for fl in self.lab.flow_logs}
        for key, acc in self._acc.items():
            fl_id, eni, window, direction, src, dst, sport, dport, proto, action, psrc, pdst = key
            out[fl_id].append(
                FlowRecord(
                    flow_log=fl_id,
                    eni=eni,
                    window=window,
                    interval=intervals[fl_id],
                    start=acc.first_ms // 1000,
                    end=acc.last_ms // 1000,
                    direction=direction,
                    srcaddr=src,
                    dstaddr=dst,
                    srcport=sport,
                    dstport=dport,
                    protocol=proto,
                    packets=acc.packets,
                    bytes=acc.bytes,
                    action=action,
                    tcp_flags=acc.flags if proto == 6 else 0,
                    pkt_srcaddr=psrc,
                    pkt_dstaddr=pdst,
                    traffic_path=acc.traffic_path if direction == "egress" else None,
                )
            )
        for fl in self.lab.flow_logs:
            for eni in fl.enis:
                phase = self.phase_of(fl, eni)
                w = window_start(span_start_ms, phase, fl.interval)
                if w * 1000 < span_start_ms:
                    w += fl.interval  # windows that begin inside [start, end) only
                while w * 1000 < max(span_end_ms, span_start_ms + 1):
                    if (fl.id, eni, w) not in self._active:
                        out[fl.id].append(
                            FlowRecord(
                                flow_log=fl.id,
                                eni=eni,
                                window=w,
                                interval=fl.interval,
                                start=w,
                                end=w + fl.interval - 1,
                                log_status="NODATA",
                            )
                        )
                    w += fl.interval
        for recs in out.values():
            recs.sort(key=FlowRecord.sort_key)
        return out


def record_values(rec: FlowRecord, fmt: FlowFormat, lab: LabView) -> list[Any]:
    """The record's value for each token of ``fmt`` (None where AWS writes ``-``)."""
    eni = lab.eni(rec.eni)
    ok = rec.log_status == "OK"
    addr = rec.srcaddr or ""
    ip_type = ("IPv6" if ":" in addr else "IPv4") if ok else None
    known: dict[str, Any] = {
        "version": fmt.version,
        "account-id": eni.account or lab.account,
        "interface-id": rec.eni,
        "srcaddr": rec.srcaddr,
        "dstaddr": rec.dstaddr,
        "srcport": rec.srcport,
        "dstport": rec.dstport,
        "protocol": rec.protocol,
        "packets": rec.packets,
        "bytes": rec.bytes,
        "start": rec.start,
        "end": rec.end,
        "action": rec.action,
        "log-status": rec.log_status,
        "vpc-id": eni.vpc_id,
        "subnet-id": eni.subnet_id,
        "instance-id": eni.instance_id,
        "tcp-flags": rec.tcp_flags,
        "type": ip_type,
        "pkt-srcaddr": rec.pkt_srcaddr,
        "pkt-dstaddr": rec.pkt_dstaddr,
        "region": eni.region or lab.region,
        "az-id": eni.az_id,
        "flow-direction": rec.direction,
        "traffic-path": rec.traffic_path,
        "interface-type": eni.interface_type,
    }
    return [known.get(token) for token in fmt.tokens]


def render_line(values: Sequence[Any]) -> str:
    """A record as AWS writes it: values separated by single spaces, ``-`` for none."""
    return " ".join("-" if v is None else str(v) for v in values)
