"""Capture windows and packet bursts: exact splitting, stable phases."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vpcflow.simulate.packets import FIN, SYN, SYN_ACK, Burst, bursts
from vpcflow.simulate.plan import Flow
from vpcflow.simulate.windows import split, window_phase, window_start

T = 1752577200_000


@given(
    t0=st.integers(min_value=T, max_value=T + 10**7),
    span=st.integers(min_value=0, max_value=10**7),
    packets=st.integers(min_value=1, max_value=10**6),
    extra=st.integers(min_value=0, max_value=10**9),
    phase=st.integers(min_value=0, max_value=599),
    interval=st.sampled_from([60, 600]),
)
def test_split_conserves_packets_and_bytes(
    t0: int, span: int, packets: int, extra: int, phase: int, interval: int
) -> None:
    burst = Burst("forward", t0, t0 + span, packets, packets * 40 + extra)
    pieces = list(split(burst, phase % interval, interval))
    assert sum(p.packets for p in pieces) == packets
    assert sum(p.bytes for p in pieces) == burst.bytes
    assert pieces[0].first_ms == t0
    assert pieces[-1].last_ms == (t0 + span if packets > 1 else t0)
    for p in pieces:
        assert (p.window - phase) % interval == 0
        assert p.window * 1000 <= p.first_ms <= p.last_ms < (p.window + interval) * 1000
    assert [p.window for p in pieces] == sorted({p.window for p in pieces})


def test_split_matches_packet_times() -> None:
    burst = Burst("forward", T + 50_000, T + 130_000, 5, 500)
    assert burst.times() == [T + 50_000, T + 70_000, T + 90_000, T + 110_000, T + 130_000]
    pieces = list(split(burst, 0, 60))
    assert [(p.packets, p.bytes) for p in pieces] == [(1, 100), (3, 300), (1, 100)]


def test_window_phase_is_stable_and_within_interval() -> None:
    assert window_phase(7, "fl-1", "eni-1", 60) == window_phase(7, "fl-1", "eni-1", 60)
    phases = {window_phase(7, "fl-1", f"eni-{i}", 600) for i in range(50)}
    assert len(phases) > 40 and all(0 <= p < 600 for p in phases)
    assert window_start(T + 59_999, 0, 60) == T // 1000
    assert window_start(T + 60_000, 0, 60) == T // 1000 + 60
    assert window_start(T + 10_000, 15, 60) == T // 1000 - 45


def flow(kind: str, **kw: object) -> Flow:
    base = {
        "index": 0,
        "entry": 0,
        "label": kind,
        "at_ms": 0,
        "source": "a",
        "destination": "b",
        "protocol": 6,
        "port": 22,
        "source_port": 40000,
    }
    return Flow(kind=kind, **{**base, **kw})  # type: ignore[arg-type]


def test_ping_bursts() -> None:
    out = bursts(
        flow("icmp", protocol=1, port=None, count=4, bytes=336, reply_bytes=336, duration_ms=3000),
        T,
        established=True,
        replied=True,
    )
    assert [(b.leg, b.packets, b.bytes, b.t0 - T, b.t1 - T) for b in out] == [
        ("forward", 4, 336, 0, 3000),
        ("return", 4, 336, 1, 3001),
    ]
    only = bursts(
        flow("icmp", protocol=1, count=4, bytes=336, reply_bytes=336, duration_ms=3000),
        T,
        established=False,
        replied=False,
    )
    assert [(b.leg, b.packets, b.bytes) for b in only] == [("forward", 4, 336)]


def test_failed_connect_retries_syn_and_server_answers_each() -> None:
    out = bursts(flow("tcp"), T, established=False, replied=True)
    fwd = [b for b in out if b.leg == "forward"]
    ret = [b for b in out if b.leg == "return"]
    assert [(b.t0 - T, b.flags, b.bytes) for b in fwd] == [
        (0, SYN, 60),
        (1000, SYN, 60),
        (3000, SYN, 60),
    ]
    assert [b.flags for b in ret] == [SYN_ACK] * 3


def test_session_opens_and_closes() -> None:
    out = bursts(
        flow("tcp", count=0, bytes=0, reply_bytes=0, duration_ms=1000),
        T,
        established=True,
        replied=True,
    )
    fwd_flags = [b.flags for b in out if b.leg == "forward"]
    ret_flags = [b.flags for b in out if b.leg == "return"]
    assert fwd_flags == [SYN, 0, FIN, 0]
    assert ret_flags == [SYN_ACK, FIN]
