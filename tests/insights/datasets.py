"""The conformance datasets of spec/logs-insights-cases.md §1, loaded through the real store.

F and L (flow logs) are written as default-format text and ingested with
``Store.ingest``; G, K, T, S and J (generic events) go in with
``Store.append_events``. Each dataset has its own log group and default
time range, which the harness passes as ``--log-group``/``--start``/``--end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ACCOUNT = "123456789012"

F_LINES = [
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.1.5 10.0.2.9 44321 443 6 10 8400 1714557605 1714557660 ACCEPT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.1.5 10.0.2.9 44322 443 6 5 2100 1714557640 1714557700 ACCEPT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 203.0.113.7 10.0.1.5 51515 22 6 1 40 1714557730 1714557790 REJECT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 203.0.113.7 10.0.1.5 51516 3389 6 2 80 1714557899 1714557959 REJECT OK",
    "2 123456789012 eni-0bbbbbbbbbbbbbbb2 10.0.2.9 10.0.1.5 443 44321 6 12 15000 1714557900 1714557960 ACCEPT OK",
    "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.1.5 8.8.8.8 53000 53 17 2 150 1714558050 1714558110 ACCEPT OK",
    "2 123456789012 eni-0bbbbbbbbbbbbbbb2 192.0.2.44 10.0.1.5 123 123 17 1 76 1714558140 1714558200 REJECT OK",
    "2 123456789012 eni-0ccccccccccccccc3 - - - - - - - 1714558320 1714558380 - NODATA",
    "2 123456789012 eni-0ccccccccccccccc3 - - - - - - - 1714558500 1714558560 - SKIPDATA",
    "2 123456789012 eni-0bbbbbbbbbbbbbbb2 2001:db8::1 2001:db8::2 5000 443 6 4 300 1714561200 1714561260 ACCEPT OK",
]

G_MESSAGES = [
    "25 May 2019 10:24:39,474 [ERROR] {foo=2, bar=data} The error was: DataIntegrityException",
    "25 May 2019 10:24:40,100 [INFO] {foo=3, bar=ok} all good",
    "user=alice, method:GET, latency := 120",
    "user=bob, method:POST, latency := 80",
    "user=alice, method:GET, latency := 200",
    "   padded   ",
    "GET /api/v1/users 200",
]
K_MESSAGES = ["k=|", "k=  |", "k=x|", "nothing"]
T_EVENTS = [
    (1714557599999, "t1"),
    (1714557600000, "t2"),
    (1714557899999, "t3"),
    (1714557900000, "t4"),
    (1714561140000, "t5"),
    (1714608000000, "t6"),
]
S_MESSAGES = [
    "111A",
    "@_",
    "3",
    "a12345hfh",
    "#",
    "0#",
    "1",
    "A9876fghj",
    "2345_",
    "!:",
    "01",
    "@",
    "5A",
    "0",
    "*%04",
    "A",
    "2",
]
J_MESSAGE = '{"events":[{"name":"exception"},{"name":"user action"}]}'

DAY = ("2024-05-01T00:00:00Z", "2024-05-01T23:59:59Z")


@dataclass(frozen=True)
class Dataset:
    letter: str
    log_group: str
    range: tuple[str, str] = DAY


DATASETS = {
    "F": Dataset("F", "/vpcflow/lab"),
    "L": Dataset("L", "/vpcflow/volume"),
    "G": Dataset("G", "/app/demo"),
    "K": Dataset("K", "/test/blank"),
    "T": Dataset("T", "/test/bins", ("2024-05-01T00:00:00Z", "2024-05-02T23:59:59Z")),
    "S": Dataset("S", "/test/natural"),
    "J": Dataset("J", "/test/json"),
}


def _events(times: list[datetime], messages: list[str]):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.table({"timestamp": pa.array(times, pa.timestamp("ms")), "message": messages})


def build_store(path: Path) -> Path:
    """Create a store at ``path`` holding every dataset."""
    from vpcflow.store import Store

    work = path.parent
    f_file = work / "dataset-F.log"
    f_file.write_text("\n".join(F_LINES) + "\n")
    l_file = work / "dataset-L.log"
    l_file.write_text(
        "".join(
            f"2 {ACCOUNT} eni-0ddddddddddddddd4 10.9.0.1 10.9.0.2 40000 443 6 1 100 {s} {s + 1} ACCEPT OK\n"
            for s in (1714521600 + i for i in range(10050))
        )
    )
    base = datetime(2024, 5, 1)
    with Store(path) as store:
        store.ingest([f_file], log_group=DATASETS["F"].log_group)
        store.ingest([l_file], log_group=DATASETS["L"].log_group)
        g_times = [base.replace(hour=9) + timedelta(seconds=n) for n in range(len(G_MESSAGES))]
        store.append_events(_events(g_times, G_MESSAGES), log_group="/app/demo", source="dataset-G")
        k_times = [base.replace(hour=10) + timedelta(seconds=n) for n in range(len(K_MESSAGES))]
        store.append_events(
            _events(k_times, K_MESSAGES), log_group="/test/blank", source="dataset-K"
        )
        t_times = [datetime(1970, 1, 1) + timedelta(milliseconds=ms) for ms, _ in T_EVENTS]
        store.append_events(
            _events(t_times, [m for _, m in T_EVENTS]), log_group="/test/bins", source="dataset-T"
        )
        s_times = [base.replace(hour=8) + timedelta(seconds=n + 1) for n in range(len(S_MESSAGES))]
        store.append_events(
            _events(s_times, S_MESSAGES), log_group="/test/natural", source="dataset-S"
        )
        store.append_events(
            _events([base.replace(hour=9, minute=30)], [J_MESSAGE]),
            log_group="/test/json",
            source="dataset-J",
        )
    return path
