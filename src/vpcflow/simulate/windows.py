"""Aggregation windows: which packets of a burst fall in which capture window.

Each flow log aggregates each ENI's traffic over its maximum aggregation
interval (60 or 600 s, flow-logs.md §7.1). Windows are per ENI and not aligned
to wall-clock minutes [§7.1, inference from AWS's examples]: window ``k`` of an
ENI under a flow log is ``[phase + k * interval, phase + (k + 1) * interval)``
in Unix seconds, with ``phase`` drawn from the seed, the flow log id and the
ENI id (:func:`window_phase`). A flow that spans windows is split, one record
per window (long flows are several records).

Packet ``i`` of a burst of ``n`` packets over ``[t0, t1]`` ms is at
``t0 + (t1 - t0) * i // (n - 1)``; splitting is exact integer arithmetic, so
the packets and bytes of the pieces always add up to the burst's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from vpcflow.simulate.packets import Burst


def window_phase(seed: int, flow_log_id: str, eni: str, interval: int) -> int:
    """Seconds in ``[0, interval)`` where this ENI's windows start (stable for a seed)."""
    digest = hashlib.sha256(f"{seed}:{flow_log_id}:{eni}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % interval


def window_start(t_ms: int, phase: int, interval: int) -> int:
    """Start (Unix seconds) of the window holding time ``t_ms``."""
    t = t_ms // 1000
    return t - (t - phase) % interval


@dataclass(frozen=True)
class Piece:
    """The part of a burst inside one window."""

    window: int
    packets: int
    bytes: int
    first_ms: int
    last_ms: int


def _first_index_at_or_after(burst: Burst, t_ms: int) -> int:
    """Smallest packet index whose time is >= ``t_ms`` (``packets`` when none)."""
    n = burst.packets
    if t_ms <= burst.t0:
        return 0
    if n == 1 or burst.t1 == burst.t0:
        return n if t_ms > burst.t0 else 0
    span = burst.t1 - burst.t0
    # t0 + span * i // (n - 1) >= t  <=>  span * i >= (t - t0) * (n - 1)  (integers)
    need = (t_ms - burst.t0) * (n - 1)
    return min(n, -(-need // span))


def _time_of(burst: Burst, i: int) -> int:
    if burst.packets == 1:
        return burst.t0
    return burst.t0 + (burst.t1 - burst.t0) * i // (burst.packets - 1)


def _bytes_of(burst: Burst, a: int, b: int) -> int:
    """Bytes of packets ``[a, b)``: each has bytes // n, the first bytes % n one more."""
    each, extra = divmod(burst.bytes, burst.packets)
    return (b - a) * each + max(0, min(b, extra) - a)


def split(burst: Burst, phase: int, interval: int) -> Iterator[Piece]:
    """The pieces of ``burst`` per window, in time order."""
    if burst.packets <= 0:
        return
    a = 0
    while a < burst.packets:
        # jump straight to the window of the next packet (sparse bursts skip empty windows)
        w = window_start(_time_of(burst, a), phase, interval)
        b = _first_index_at_or_after(burst, (w + interval) * 1000)
        yield Piece(w, b - a, _bytes_of(burst, a, b), _time_of(burst, a), _time_of(burst, b - 1))
        a = b
