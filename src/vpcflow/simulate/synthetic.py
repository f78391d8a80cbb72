"""Synthetic flow logs at scale (``vpcflow generate``): fast, deterministic, vectorised.

Not the traffic simulator (that one follows a topology packet by packet); this
writes a *statistically* realistic S3 bucket for benchmarks and demos:

- a pool of ENIs (``eni-`` + 17 hex) in a few VPCs/subnets, busy ones chosen
  more often (Zipf-like), each with a primary private IPv4;
- peers: 60 % private (other ENIs or 10.x hosts), 40 % public addresses;
- TCP 80 % / UDP 15 % / ICMP 5 %, service ports (443, 80, 22, 53, ...) against
  ephemeral ones, ICMP with ports 0;
- heavy-tailed packets (Pareto, shape 1.2) times 40–1500 byte packets;
- ~10 % REJECT (small flows), ~1 % NODATA and ~0.2 % SKIPDATA (NULL 5-tuple);
- each file holds the records whose ``end`` falls in its 5-minute window,
  named and laid out like AWS writes them (:func:`vpcflow.ingest.s3layout.s3_key`),
  text files with a header line.

Any format works: fields the generator knows get values (v2–v5 fields), the
others are ``-``. Output per file is built with Arrow string kernels and
written in one go; files are compressed on a second thread while the next one
is generated, so memory stays bounded by ~2 files.

>>> import tempfile
>>> s = generate(1000, tempfile.mkdtemp(), records_per_file=400, seed=1)
>>> (s.records, len(s.files))
(1000, 3)
"""

from __future__ import annotations

import hashlib
import time
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpcflow.errors import UsageError
from vpcflow.records.formats import DEFAULT_FORMAT, FlowFormat, parse_format

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

FILE_FORMATS = ("text", "gzip", "parquet")
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)
WINDOW_SECONDS = 300
SERVICE_PORTS = (443, 80, 22, 53, 3306, 5432, 6379, 8080, 123, 3389, 9092, 27017)
PUBLIC_FIRST_OCTETS = (3, 13, 18, 34, 35, 44, 52, 54, 63, 99, 104, 142, 151, 185, 203, 209)
AWS_SERVICES = ("AMAZON", "S3", "EC2", "DYNAMODB", "CLOUDFRONT", "ROUTE53")


@dataclass
class GenerateSummary:
    """What :func:`generate` wrote."""

    out: str
    file_format: str
    format: str
    records: int = 0
    bytes: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "file_format": self.file_format,
            "format": self.format,
            "records": self.records,
            "files": len(self.files),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_per_second),
            "first_file": self.files[0] if self.files else None,
        }


@dataclass
class _Enis:
    ids: np.ndarray
    ips: np.ndarray  # uint32
    vpc: np.ndarray
    subnet: np.ndarray
    instance: np.ndarray
    az: np.ndarray
    weights: np.ndarray


def _eni_pool(n: int, seed: int) -> _Enis:
    import numpy as np

    rng = np.random.default_rng([seed, 0xE41])

    def hexid(prefix: str, k: int) -> Any:
        values = rng.integers(0, 2**63, k, dtype=np.int64).tolist()
        return np.array([f"{prefix}{v:017x}" for v in values], dtype=object)

    n_vpc = max(1, min(4, n // 20))
    vpc_idx = rng.integers(0, n_vpc, n)
    subnet_idx = rng.integers(0, 3, n)
    hosts = rng.integers(4, 250, n)
    ips = (10 << 24) | ((vpc_idx + 1) << 16) | ((subnet_idx + 1) << 8) | hosts
    vpcs = hexid("vpc-", n_vpc)
    subnets = hexid("subnet-", n_vpc * 3)
    azs = np.array(["use1-az1", "use1-az2", "use1-az4"], dtype=object)
    weights = 1.0 / (np.arange(n) + 1.0) ** 0.8
    return _Enis(
        ids=hexid("eni-", n),
        ips=ips.astype(np.uint32),
        vpc=vpcs[vpc_idx],
        subnet=subnets[vpc_idx * 3 + subnet_idx],
        instance=hexid("i-", n),
        az=azs[subnet_idx],
        weights=weights / weights.sum(),
    )


def _ipv4(values: np.ndarray) -> pa.Array:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    v = values.astype(np.uint32)
    parts = [pc.cast(pa.array((v >> s) & 255), pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*parts, ".")


def _columns(
    n: int,
    fmt: FlowFormat,
    enis: _Enis,
    window: int,
    rng: np.random.Generator,
    account: str,
    region: str,
) -> dict[str, pa.Array]:
    """Typed Arrow columns (store names) for the known fields of ``fmt``."""
    import numpy as np
    import pyarrow as pa

    eni = rng.choice(len(enis.ids), n, p=enis.weights)
    status = rng.random(n)
    ok = status >= 0.012
    nodata = status < 0.010
    skip = ~ok & ~nodata
    egress = rng.random(n) < 0.5
    public = rng.random(n) < 0.4
    peer_private = (10 << 24) | (rng.integers(1, 5, n) << 16) | rng.integers(0, 65536, n)
    peer_public = (
        np.array(PUBLIC_FIRST_OCTETS)[rng.integers(0, len(PUBLIC_FIRST_OCTETS), n)] << 24
    ) | rng.integers(0, 2**24, n)
    peer = np.where(public, peer_public, peer_private).astype(np.uint32)
    own = enis.ips[eni]
    src = np.where(egress, own, peer)
    dst = np.where(egress, peer, own)
    proto_draw = rng.random(n)
    proto = np.where(proto_draw < 0.80, 6, np.where(proto_draw < 0.95, 17, 1))
    service = np.array(SERVICE_PORTS)[np.minimum(rng.zipf(1.6, n) - 1, len(SERVICE_PORTS) - 1)]
    ephemeral = rng.integers(32768, 61000, n)
    client_is_src = rng.random(n) < 0.5
    sport = np.where(client_is_src, ephemeral, service)
    dport = np.where(client_is_src, service, ephemeral)
    icmp = proto == 1
    sport = np.where(icmp, 0, sport)
    dport = np.where(icmp, 0, dport)
    reject = rng.random(n) < 0.10
    packets = np.minimum(1 + (rng.pareto(1.2, n) * 3).astype(np.int64), 50_000_000)
    packets = np.where(reject, rng.integers(1, 4, n), packets)
    size = rng.integers(40, 1501, n)
    nbytes = packets * size
    end = window + rng.integers(0, WINDOW_SECONDS, n)
    start = end - rng.integers(0, 61, n)
    flags = np.array([2, 18, 3, 19, 1, 0, 4, 16])[rng.integers(0, 8, n)]

    def masked(values: Any, type_: pa.DataType, mask: Any = None) -> pa.Array:
        m = ~ok if mask is None else mask
        return pa.array(values, type=type_, mask=m)

    out: dict[str, pa.Array] = {}
    for f in fmt.fields:
        t = f.token
        col: pa.Array | None = None
        if t == "version":
            col = pa.array(np.full(n, fmt.version), pa.int16())
        elif t == "account-id":
            col = _const(account, n)
        elif t == "interface-id":
            col = _pick(enis.ids, eni)
        elif t in ("srcaddr", "pkt-srcaddr"):
            col = _null_where(_ipv4(src), ~ok)
        elif t in ("dstaddr", "pkt-dstaddr"):
            col = _null_where(_ipv4(dst), ~ok)
        elif t == "srcport":
            col = masked(sport, pa.int32())
        elif t == "dstport":
            col = masked(dport, pa.int32())
        elif t == "protocol":
            col = masked(proto, pa.int16())
        elif t == "packets":
            col = masked(packets, pa.int64())
        elif t == "bytes":
            col = masked(nbytes, pa.int64())
        elif t == "start":
            col = pa.array(start, pa.int64())
        elif t == "end":
            col = pa.array(end, pa.int64())
        elif t == "action":
            col = _null_where(_pick(["ACCEPT", "REJECT"], reject.astype(np.int32)), ~ok)
        elif t == "log-status":
            col = _pick(["OK", "NODATA", "SKIPDATA"], np.where(nodata, 1, np.where(skip, 2, 0)))
        elif t == "vpc-id":
            col = _pick(enis.vpc, eni)
        elif t == "subnet-id":
            col = _pick(enis.subnet, eni)
        elif t == "instance-id":
            col = _pick(enis.instance, eni)
        elif t == "az-id":
            col = _pick(enis.az, eni)
        elif t == "region":
            col = _const(region, n)
        elif t == "type":
            col = _null_where(_const("IPv4", n), ~ok)
        elif t == "tcp-flags":
            col = masked(flags, pa.int16(), ~ok | (proto != 6))
        elif t == "flow-direction":
            col = _null_where(_pick(["ingress", "egress"], egress.astype(np.int32)), ~ok)
        elif t == "traffic-path":
            col = masked(np.where(public, 8, 1), pa.int16(), ~ok | ~egress)
        elif t == "pkt-src-aws-service":
            svc = _pick(AWS_SERVICES, rng.integers(0, len(AWS_SERVICES), n))
            col = _null_where(svc, ~ok | egress | ~public)
        elif t == "pkt-dst-aws-service":
            svc = _pick(AWS_SERVICES, rng.integers(0, len(AWS_SERVICES), n))
            col = _null_where(svc, ~ok | ~egress | ~public)
        if col is None:
            from vpcflow.records.columns import arrow_type

            col = pa.nulls(n, arrow_type(f.store_type))
        out[f.column] = col
    return out


def _pick(values: Any, index: Any) -> pa.Array:
    """``values[index]`` as an Arrow string array, gathered in C++."""
    import pyarrow as pa

    return pa.array(list(values), pa.string()).take(pa.array(index))


def _const(value: str, n: int) -> pa.Array:
    import pyarrow as pa

    return pa.repeat(pa.scalar(value, pa.string()), n)


def _null_where(arr: pa.Array, mask: Any) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def _text_body(cols: dict[str, pa.Array]) -> bytes:
    """The records as text lines (``-`` for NULL), newline-terminated, as one bytes object."""
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = [pc.fill_null(pc.cast(c, pa.string()), "-") for c in cols.values()]
    if len(strings) == 1:
        lines = strings[0]
    else:
        lines = pc.binary_join_element_wise(*strings, " ")
    lines = pc.binary_join_element_wise(lines, pa.scalar(""), "\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    import numpy as np

    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    return lines.buffers()[2].to_pybytes()[int(offsets[0]) : int(offsets[-1])]


def generate(
    records: int,
    out: str | Path,
    *,
    fmt: FlowFormat | str = DEFAULT_FORMAT,
    file_format: str = "gzip",
    records_per_file: int | None = None,
    files: int | None = None,
    start: datetime | None = None,
    seed: int = 0,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    flow_log_id: str = "fl-0a1b2c3d4e5f60789",
    prefix: str = "",
    hive: bool = False,
    per_hour: bool = False,
    enis: int = 500,
    gzip_level: int = 6,
    workers: int = 2,
) -> GenerateSummary:
    """Write ``records`` synthetic flow log records under ``out`` in the S3 layout.

    ``file_format`` is ``text`` (``.log``), ``gzip`` (``.log.gz``, AWS's text
    delivery) or ``parquet`` (``.log.parquet``, gzip-compressed columns).
    ``records_per_file`` (default 250,000) or ``files`` sets the split; file
    *k* covers the 5-minute window ``start + 5 min * k``. Same arguments, same
    bytes.
    """
    import numpy as np

    if isinstance(fmt, str):
        fmt = parse_format(fmt)
    if file_format not in FILE_FORMATS:
        raise UsageError(f"--file-format must be one of {', '.join(FILE_FORMATS)}")
    if records < 0:
        raise UsageError("--records must be >= 0")
    if files is not None and files <= 0:
        raise UsageError("--files must be > 0")
    if files is not None:
        per = max(1, -(-records // files))
    else:
        per = records_per_file or 250_000
    if per <= 0:
        raise UsageError("--records-per-file must be > 0")
    t0 = time.perf_counter()
    begin = start or DEFAULT_START
    begin = begin.astimezone(UTC) if begin.tzinfo else begin.replace(tzinfo=UTC)
    # files are named by 5-minute windows: align the first one
    begin = begin.replace(second=0, microsecond=0) - timedelta(minutes=begin.minute % 5)
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    pool = _eni_pool(enis, seed)
    summary = GenerateSummary(str(root), file_format, fmt.name())
    header = (fmt.header() + "\n").encode()

    def make_file(k: int, n: int) -> tuple[str, int]:
        # one file from its own RNG stream: the output does not depend on thread timing
        window_dt = begin + timedelta(seconds=WINDOW_SECONDS * k)
        rng = np.random.default_rng([seed, k + 1])
        cols = _columns(n, fmt, pool, int(window_dt.timestamp()), rng, account_id, region)
        key = _key(
            prefix, account_id, region, flow_log_id, window_dt, seed, k, file_format, hive, per_hour
        )
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if file_format == "parquet":
            return str(path), _write_parquet(path, cols)
        body = _text_body(cols)
        return str(path), _write_text(path, header, body, file_format == "gzip", gzip_level)

    # numpy's generators, Arrow kernels and zlib release the GIL: two workers use two cores
    pending: list[Future[tuple[str, int]]] = []
    with ThreadPoolExecutor(max_workers=workers) as executor:
        done = 0
        k = 0
        while done < records:
            n = min(per, records - done)
            pending.append(executor.submit(make_file, k, n))
            done += n
            k += 1
            while len(pending) > workers:  # bounded memory: a few files in flight
                name, size = pending.pop(0).result()
                summary.files.append(name)
                summary.bytes += size
        for fut in pending:
            name, size = fut.result()
            summary.files.append(name)
            summary.bytes += size
    summary.records = records
    summary.seconds = time.perf_counter() - t0
    return summary


def _key(
    prefix: str,
    account: str,
    region: str,
    flow_log_id: str,
    window: datetime,
    seed: int,
    k: int,
    file_format: str,
    hive: bool,
    per_hour: bool,
) -> str:
    from vpcflow.ingest.s3layout import s3_key

    digest = hashlib.sha256(f"{seed}:{flow_log_id}:{k}".encode()).hexdigest()[:8]
    key = s3_key(
        prefix,
        account,
        region,
        flow_log_id,
        window,
        hive=hive,
        per_hour=per_hour,
        parquet=file_format == "parquet",
        hash_=digest,
    )
    return key[: -len(".gz")] if file_format == "text" else key


def _write_text(path: Path, header: bytes, body: bytes, gz: bool, level: int) -> int:
    if gz:
        comp = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31 = gzip container
        data = comp.compress(header) + comp.compress(body) + comp.flush()
    else:
        data = header + body
    path.write_bytes(data)
    return len(data)


def _write_parquet(path: Path, cols: dict[str, pa.Array]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(cols), path, compression="gzip")
    return path.stat().st_size
