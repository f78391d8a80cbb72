"""The registry of every VPC Flow Log field (spec/flow-logs.md §3, §8).

One row per format token: the token as AWS writes it, the store column (``-``
replaced by ``_``), the Logs Insights name AWS discovers for default-format
data (or the camelCase alias vpcflow offers as an extension), the DuckDB
store type, the Arrow type, and the format version that introduced it.

Unknown tokens are never an error: :func:`field_for` makes an ad-hoc VARCHAR
field for them so new AWS fields do not break ingestion.

>>> field_for("log-status").column
'log_status'
>>> field_for("srcaddr").insights
'srcAddr'
>>> field_for("next-hop-az-id").insights
'nextHopAzId'
>>> field_for("brand-new-field").known
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Store types: the DuckDB column type. Integer widths follow DESIGN.md:
# bytes/packets/start/end 64-bit; ports and protocol fit 32.
VARCHAR = "VARCHAR"
SMALLINT = "SMALLINT"
INTEGER = "INTEGER"
BIGINT = "BIGINT"
TINYINT = "TINYINT"

# Largest value accepted for each integer store type (negative numbers are
# always rejects, spec §9.7).
INT_MAX = {
    TINYINT: 2**7 - 1,
    SMALLINT: 2**15 - 1,
    INTEGER: 2**31 - 1,
    BIGINT: 2**63 - 1,
}


@dataclass(frozen=True)
class Field:
    """One flow log field."""

    token: str
    """The token as written in a format string or header: ``log-status``."""
    store_type: str
    """DuckDB column type in the store."""
    version: int
    """Format version that introduced the field (6 = transit gateway fields)."""
    insights_name: str | None = None
    """Logs Insights name AWS documents (default-format discovery), if any."""
    max_value: int | None = None
    """Tighter upper bound than the store type (ports 65535, protocol 255, ...)."""
    known: bool = True

    @property
    def column(self) -> str:
        """Store column name: the token with ``-`` replaced by ``_``.

        An unknown token whose name would collide with a store system column
        (``timestamp``, ``line``, ...) gets a ``field_`` prefix.
        """
        name = column_name(self.token)
        if not self.known and name in RESERVED_COLUMNS:
            return "field_" + name
        return name

    @property
    def insights(self) -> str:
        """Logs Insights name: the documented one, else the camelCase alias."""
        return self.insights_name or camel_case(self.token)

    @property
    def documented_insights(self) -> bool:
        """True when AWS documents the Insights name (default-format fields)."""
        return self.insights_name is not None

    @property
    def is_integer(self) -> bool:
        return self.store_type != VARCHAR

    @property
    def upper_bound(self) -> int:
        if self.max_value is not None:
            return self.max_value
        return INT_MAX.get(self.store_type, 0)


def column_name(token: str) -> str:
    """``log-status`` -> ``log_status``. Other characters that SQL dislikes become ``_``."""
    return re.sub(r"[^0-9A-Za-z_]", "_", token.replace("-", "_")).lower()


def camel_case(token: str) -> str:
    """``next-hop-az-id`` -> ``nextHopAzId`` (the extension alias for undocumented names)."""
    parts = [p for p in re.split(r"[-_]", token) if p]
    if not parts:
        return token
    return parts[0].lower() + "".join(p[:1].upper() + p[1:].lower() for p in parts[1:])


def _f(
    token: str, store_type: str, version: int, insights: str | None = None, mx: int | None = None
) -> Field:
    return Field(token, store_type, version, insights, mx)


FIELDS: tuple[Field, ...] = (
    # version 2: the default format, in default order (§2.1)
    _f("version", SMALLINT, 2, "version", 255),
    _f("account-id", VARCHAR, 2, "accountId"),
    _f("interface-id", VARCHAR, 2, "interfaceId"),
    _f("srcaddr", VARCHAR, 2, "srcAddr"),
    _f("dstaddr", VARCHAR, 2, "dstAddr"),
    _f("srcport", INTEGER, 2, "srcPort", 65535),
    _f("dstport", INTEGER, 2, "dstPort", 65535),
    _f("protocol", SMALLINT, 2, "protocol", 255),
    _f("packets", BIGINT, 2, "packets"),
    _f("bytes", BIGINT, 2, "bytes"),
    _f("start", BIGINT, 2, "startTime"),
    _f("end", BIGINT, 2, "endTime"),
    _f("action", VARCHAR, 2, "action"),
    _f("log-status", VARCHAR, 2, "logStatus"),
    # versions 3-5 (§3.2)
    _f("vpc-id", VARCHAR, 3),
    _f("subnet-id", VARCHAR, 3),
    _f("instance-id", VARCHAR, 3),
    _f("tcp-flags", SMALLINT, 3, None, 63),  # spec §4.3: > 63 is malformed
    _f("type", VARCHAR, 3),
    _f("pkt-srcaddr", VARCHAR, 3),
    _f("pkt-dstaddr", VARCHAR, 3),
    _f("region", VARCHAR, 4),
    _f("az-id", VARCHAR, 4),
    _f("sublocation-type", VARCHAR, 4),
    _f("sublocation-id", VARCHAR, 4),
    _f("pkt-src-aws-service", VARCHAR, 5),
    _f("pkt-dst-aws-service", VARCHAR, 5),
    _f("flow-direction", VARCHAR, 5),
    _f("traffic-path", SMALLINT, 5, None, 255),
    # transit gateway flow logs (§3.4)
    _f("resource-type", VARCHAR, 6),
    _f("tgw-id", VARCHAR, 6),
    _f("tgw-attachment-id", VARCHAR, 6),
    _f("tgw-src-vpc-account-id", VARCHAR, 6),
    _f("tgw-dst-vpc-account-id", VARCHAR, 6),
    _f("tgw-src-vpc-id", VARCHAR, 6),
    _f("tgw-dst-vpc-id", VARCHAR, 6),
    _f("tgw-src-subnet-id", VARCHAR, 6),
    _f("tgw-dst-subnet-id", VARCHAR, 6),
    _f("tgw-src-eni", VARCHAR, 6),
    _f("tgw-dst-eni", VARCHAR, 6),
    _f("tgw-src-az-id", VARCHAR, 6),
    _f("tgw-dst-az-id", VARCHAR, 6),
    _f("tgw-pair-attachment-id", VARCHAR, 6),
    _f("packets-lost-no-route", BIGINT, 6),
    _f("packets-lost-blackhole", BIGINT, 6),
    _f("packets-lost-mtu-exceeded", BIGINT, 6),
    _f("packets-lost-ttl-expired", BIGINT, 6),
    # versions 7-11 (§3.3)
    _f("ecs-cluster-arn", VARCHAR, 7),
    _f("ecs-cluster-name", VARCHAR, 7),
    _f("ecs-container-instance-arn", VARCHAR, 7),
    _f("ecs-container-instance-id", VARCHAR, 7),
    _f("ecs-container-id", VARCHAR, 7),
    _f("ecs-second-container-id", VARCHAR, 7),
    _f("ecs-service-name", VARCHAR, 7),
    _f("ecs-task-definition-arn", VARCHAR, 7),
    _f("ecs-task-arn", VARCHAR, 7),
    _f("ecs-task-id", VARCHAR, 7),
    _f("reject-reason", VARCHAR, 8),
    _f("resource-id", VARCHAR, 9),
    _f("encryption-status", TINYINT, 10, None, 3),
    _f("instance-tag", VARCHAR, 11),
    _f("instance-tag-2", VARCHAR, 11),
    _f("interface-tag", VARCHAR, 11),
    _f("interface-tag-2", VARCHAR, 11),
    _f("asg-tag", VARCHAR, 11),
    _f("asg-tag-2", VARCHAR, 11),
    _f("interface-type", VARCHAR, 11),
    _f("next-hop-interface-id", VARCHAR, 11),
    _f("next-hop-subnet-id", VARCHAR, 11),
    _f("next-hop-az-id", VARCHAR, 11),
    _f("next-hop-vpc-id", VARCHAR, 11),
    _f("next-hop-interface-type", VARCHAR, 11),
)

BY_TOKEN: dict[str, Field] = {f.token: f for f in FIELDS}
BY_COLUMN: dict[str, Field] = {f.column: f for f in FIELDS}

DEFAULT_TOKENS: tuple[str, ...] = tuple(f.token for f in FIELDS if f.version == 2)
"""The 14 fields of the default format, in order (spec §2.1)."""

# Closed value sets (spec §4, §9.4): anything else is a reject.
ACTIONS = frozenset({"ACCEPT", "REJECT"})
LOG_STATUSES = frozenset({"OK", "NODATA", "SKIPDATA"})

# Open value sets (spec §9.10): unknown values are kept and counted as warnings.
OPEN_ENUMS: dict[str, frozenset[str]] = {
    "type": frozenset({"IPv4", "IPv6", "EFA"}),
    "flow-direction": frozenset({"ingress", "egress"}),
    "sublocation-type": frozenset({"wavelength", "outpost", "localzone"}),
    "reject-reason": frozenset({"BPA", "EC"}),
    "interface-type": frozenset(
        {
            "nat_gateway",
            "network_load_balancer",
            "regional_nat_gateway",
            "transit_gateway",
            "vpc_endpoint",
        }
    ),
}

# Store system columns (store/schema.py FLOW_SYSTEM_COLUMNS) that an unknown
# token must not shadow.
RESERVED_COLUMNS = frozenset(
    {
        "timestamp",
        "ingestion_time",
        "log_group",
        "log_stream",
        "source",
        "flow_log_id",
        "format_id",
        "file_id",
        "line",
        "ms_timestamp",
    }
)

# A value above this in start/end is taken as milliseconds (spec §9.8).
MS_TIMESTAMP_THRESHOLD = 10**11


@cache
def field_for(token: str) -> Field:
    """The registry entry for ``token``, or an ad-hoc VARCHAR field when unknown."""
    token = token.strip()
    if token.startswith("${") and token.endswith("}"):
        token = token[2:-1]
    found = BY_TOKEN.get(token)
    if found is not None:
        return found
    return Field(token, VARCHAR, 0, None, None, known=False)


def insights_names() -> dict[str, str]:
    """Insights name -> store column for every registered field."""
    return {f.insights: f.column for f in FIELDS}
