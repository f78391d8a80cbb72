"""S3 key layouts of VPC Flow Logs (spec/flow-logs.md §6.2): parse a key, or build one.

Layouts (``prefix/`` optional, matched loosely so an extra organisation segment
after ``AWSLogs/`` is fine)::

    prefix/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]FILE
    prefix/AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/
        year={yyyy}/month={mm}/day={dd}/[hour={HH}/]FILE

    FILE = {account}_vpcflowlogs_{region}_{flow_log_id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
           (or .log.parquet)

The file name alone carries account, region, flow log id and window start, so
it is what :func:`parse_s3_path` trusts first; the directories fill in what a
renamed file lacks.

>>> loc = parse_s3_path("b/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
...                     "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz")
>>> loc.account_id, loc.region, loc.flow_log_id, loc.window_start.isoformat()
('123456789012', 'us-east-1', 'fl-1234abcd', '2018-06-20T16:20:00+00:00')
>>> s3_key("b", "123456789012", "us-east-1", "fl-1234abcd", loc.window_start,
...        hive=True, per_hour=True, parquet=True, hash_="fe123456")
'b/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/hour=16/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.parquet'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_FILE = re.compile(
    r"^(?P<account>\d{12}|unknown)_vpcflowlogs_(?P<region>[a-z0-9-]+)_(?P<flid>fl-[0-9A-Za-z]+)_"
    r"(?P<ts>\d{8}T\d{4}Z)_(?P<hash>[0-9A-Za-z]+)\.log(?P<ext>\.gz|\.parquet)?$"
)
_PLAIN = re.compile(
    r"(?:^|/)AWSLogs/(?:[^/]+/)?(?P<account>\d{12})/vpcflowlogs/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?:(?P<h>\d{2})/)?"
)
_HIVE = re.compile(
    r"(?:^|/)AWSLogs/(?:[^/]+/)?aws-account-id=(?P<account>\d{12})/aws-service=vpcflowlogs/"
    r"aws-region=(?P<region>[a-z0-9-]+)/year=(?P<y>\d{4})/month=(?P<m>\d{2})/day=(?P<d>\d{2})/"
    r"(?:hour=(?P<h>\d{2})/)?"
)


@dataclass(frozen=True)
class S3Location:
    """What an S3 flow log key tells about its records."""

    account_id: str | None
    region: str | None
    flow_log_id: str | None
    window_start: datetime | None
    hive: bool = False
    per_hour: bool = False
    parquet: bool = False
    hash: str | None = None


def parse_s3_path(path: str) -> S3Location | None:
    """The :class:`S3Location` of a key or local path laid out like a flow log bucket, else None."""
    norm = path.replace("\\", "/")
    name = norm.rsplit("/", 1)[-1]
    fm = _FILE.match(name)
    dm = _HIVE.search(norm)
    hive = dm is not None
    if dm is None:
        dm = _PLAIN.search(norm)
    if fm is None and dm is None:
        return None
    account = region = flid = hash_ = None
    window: datetime | None = None
    parquet = name.endswith(".parquet")
    if fm is not None:
        account = fm.group("account")
        region = fm.group("region")
        flid = fm.group("flid")
        hash_ = fm.group("hash")
        window = datetime.strptime(fm.group("ts"), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    per_hour = False
    if dm is not None:
        account = account or dm.group("account")
        region = region or dm.group("region")
        per_hour = dm.group("h") is not None
        if window is None:
            window = datetime(
                int(dm.group("y")),
                int(dm.group("m")),
                int(dm.group("d")),
                int(dm.group("h") or 0),
                tzinfo=UTC,
            )
    return S3Location(account, region, flid, window, hive, per_hour, parquet, hash_)


def s3_file_name(
    account_id: str,
    region: str,
    flow_log_id: str,
    window_start: datetime,
    *,
    parquet: bool,
    hash_: str,
) -> str:
    """``{account}_vpcflowlogs_{region}_{fl-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz|.log.parquet``."""
    ts = _utc(window_start).strftime("%Y%m%dT%H%MZ")
    ext = ".log.parquet" if parquet else ".log.gz"
    return f"{account_id}_vpcflowlogs_{region}_{flow_log_id}_{ts}_{hash_}{ext}"


def s3_key(
    prefix: str,
    account_id: str,
    region: str,
    flow_log_id: str,
    window_start: datetime,
    *,
    hive: bool,
    per_hour: bool,
    parquet: bool,
    hash_: str,
) -> str:
    """The full object key AWS would write for one 5-minute file (``prefix`` may be empty).

    ``window_start`` is used as given (AWS names files by the start of a
    5-minute window of record end times); naive datetimes are taken as UTC.
    """
    ws = _utc(window_start)
    y, m, d, h = f"{ws:%Y}", f"{ws:%m}", f"{ws:%d}", f"{ws:%H}"
    if hive:
        parts = [
            "AWSLogs",
            f"aws-account-id={account_id}",
            "aws-service=vpcflowlogs",
            f"aws-region={region}",
            f"year={y}",
            f"month={m}",
            f"day={d}",
        ]
        if per_hour:
            parts.append(f"hour={h}")
    else:
        parts = ["AWSLogs", account_id, "vpcflowlogs", region, y, m, d]
        if per_hour:
            parts.append(h)
    parts.append(s3_file_name(account_id, region, flow_log_id, ws, parquet=parquet, hash_=hash_))
    key = "/".join(parts)
    prefix = prefix.strip("/")
    return f"{prefix}/{key}" if prefix else key


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
