"""The packets of one flow, on each leg, in time: what the flow log counts.

The reachability walk says *where* the request (forward leg) and the reply
(return leg) are seen and with which verdict; this module says *how many
packets and bytes* each leg carries and *when*, as a few :class:`Burst` s.
A burst is ``packets`` packets spread evenly from ``t0`` to ``t1`` (epoch ms),
all carrying the same TCP flags; bytes are shared out exactly (the first
``bytes % packets`` packets carry one byte more).

Packet accounting (documented decisions; sizes are IP packet sizes, which is
what flow logs count):

- **ICMP echo**: ``count`` requests of ``bytes / count`` (ping: 84 = 20 IP +
  8 ICMP + 56 data), one per second; each reply has the request's size.
  Requests are sent whether or not replies come back (4 pings = ``4 336``).
- **TCP session** (reply reaches the client): client -> server: SYN (60 bytes,
  flags 2), ACK (52), data segments of up to 1448 payload bytes + 52 header,
  one ACK (52) per two server segments, FIN (52, flags 1), last ACK (52).
  Server -> client: SYN-ACK (60, flags 18), data segments, one ACK per two
  client segments, FIN (52, flags 1). A session that opens and closes within
  one window therefore shows flags 3 and 19.
- **TCP connect that gets no answer** (request dropped, or reply lost): the
  client sends 3 SYNs (60 bytes) at 0, 1 and 3 s; every SYN that reaches the
  server is answered with a SYN-ACK (flags 18), which travels as far as the
  return leg goes.
- **Scanner probe**: one SYN of 44 bytes (flags 2); an answering SYN-ACK
  (44 bytes, flags 18) is reset by the scanner (RST, 40 bytes, flags 4).
- **UDP / other protocols**: ``count`` datagrams of payload + 28 bytes (20 for
  protocols without ports); one reply datagram per request when the reply is
  generated and ``reply_bytes`` > 0.
- Round trip: 1 ms between a packet and its answer (all hops).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from vpcflow.simulate.plan import MSS, Flow

Leg = Literal["forward", "return"]

SYN, FIN, RST, SYN_ACK = 2, 1, 4, 18
TCP_HEADER = 52  # 20 IP + 20 TCP + 12 timestamp option
TCP_SYN_SIZE = 60  # with MSS, SACK, timestamp and window-scale options
PROBE_SYN_SIZE = 44  # a scanner's bare SYN with only an MSS option
RST_SIZE = 40
UDP_HEADER = 28
IP_HEADER = 20
RTT_MS = 1
SYN_RETRIES_MS = (0, 1000, 3000)


@dataclass(frozen=True)
class Burst:
    """``packets`` packets spread evenly over [t0, t1] (epoch ms) on one leg."""

    leg: Leg
    t0: int
    t1: int
    packets: int
    bytes: int
    flags: int = 0

    def times(self) -> list[int]:
        """Each packet's time (for tests and small bursts)."""
        if self.packets == 1:
            return [self.t0]
        span = self.t1 - self.t0
        return [self.t0 + span * i // (self.packets - 1) for i in range(self.packets)]


def bursts(flow: Flow, start_ms: int, *, established: bool, replied: bool) -> list[Burst]:
    """The packets of ``flow`` (time offsets from ``start_ms``).

    ``replied``: the destination generated a reply (the reachability walk has a
    return leg). ``established``: the reply reached the client (the flow is
    reachable), so a TCP session proceeds past the handshake.
    """
    t0 = start_ms + flow.at_ms
    out: list[Burst] = []
    if flow.kind == "icmp":
        n = flow.count
        t1 = t0 + flow.duration_ms
        out.append(Burst("forward", t0, t1, n, flow.bytes))
        if replied:
            out.append(Burst("return", t0 + RTT_MS, t1 + RTT_MS, n, flow.reply_bytes))
        return out
    if flow.kind == "probe":
        out.append(Burst("forward", t0, t0, 1, PROBE_SYN_SIZE, SYN))
        if replied:
            out.append(Burst("return", t0 + RTT_MS, t0 + RTT_MS, 1, PROBE_SYN_SIZE, SYN_ACK))
        if established:
            out.append(Burst("forward", t0 + 2 * RTT_MS, t0 + 2 * RTT_MS, 1, RST_SIZE, RST))
        return out
    if flow.kind == "tcp":
        if not established:
            for delay in SYN_RETRIES_MS:
                out.append(Burst("forward", t0 + delay, t0 + delay, 1, TCP_SYN_SIZE, SYN))
                if replied:
                    t = t0 + delay + RTT_MS
                    out.append(Burst("return", t, t, 1, TCP_SYN_SIZE, SYN_ACK))
            return out
        return _session(flow, t0)
    # udp and port-less protocols
    header = UDP_HEADER if flow.protocol == 17 else IP_HEADER
    n = flow.count
    t1 = t0 + flow.duration_ms
    out.append(Burst("forward", t0, t1, n, flow.bytes + header * n))
    if replied and flow.reply_bytes > 0:
        out.append(Burst("return", t0 + RTT_MS, t1 + RTT_MS, n, flow.reply_bytes + header * n))
    return out


def _session(flow: Flow, t0: int) -> list[Burst]:
    """A TCP connection that opens, carries data both ways and closes."""
    t_end = t0 + max(flow.duration_ms, 4 * RTT_MS)
    up_segments = flow.count if flow.count else math.ceil(flow.bytes / MSS)
    down_segments = math.ceil(flow.reply_bytes / MSS)
    data0, data1 = t0 + 2 * RTT_MS, t_end - RTT_MS
    out = [
        Burst("forward", t0, t0, 1, TCP_SYN_SIZE, SYN),
        Burst("return", t0 + RTT_MS, t0 + RTT_MS, 1, TCP_SYN_SIZE, SYN_ACK),
        Burst("forward", t0 + 2 * RTT_MS, t0 + 2 * RTT_MS, 1, TCP_HEADER),
    ]
    up_acks = math.ceil(down_segments / 2)
    down_acks = math.ceil(up_segments / 2)
    if up_segments + up_acks:
        size = flow.bytes + TCP_HEADER * (up_segments + up_acks)
        out.append(Burst("forward", data0, data1, up_segments + up_acks, size))
    if down_segments + down_acks:
        size = flow.reply_bytes + TCP_HEADER * (down_segments + down_acks)
        out.append(Burst("return", data0, data1, down_segments + down_acks, size))
    out += [
        Burst("forward", t_end, t_end, 1, TCP_HEADER, FIN),
        Burst("return", t_end + RTT_MS, t_end + RTT_MS, 1, TCP_HEADER, FIN),
        Burst("forward", t_end + 2 * RTT_MS, t_end + 2 * RTT_MS, 1, TCP_HEADER),
    ]
    return out
