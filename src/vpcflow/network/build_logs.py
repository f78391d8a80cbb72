"""Lab building, part 5: IAM roles, log groups and flow logs."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from vpcflow.errors import FormatError
from vpcflow.network.builder import tags_of
from vpcflow.network.resources import FlowLog, FlowLogDestination, IamRole, LogGroup
from vpcflow.records.formats import parse_format

if TYPE_CHECKING:
    from vpcflow.network.builder import LabBuilder


def build_iam(b: LabBuilder) -> None:
    for i, r in enumerate(b.lab.iam_roles):
        if r.name in b.roles:
            b.error(
                ("iam_roles", i, "name"),
                f"IAM role name {r.name!r} is used twice",
                r.name,
                "name",
            )
            continue
        b.roles[r.name] = IamRole(
            r.name,
            MappingProxyType(dict(r.trust_policy)),
            tuple(MappingProxyType(dict(p)) for p in r.policies),
            tags_of(r.tags),
        )
    for i, g in enumerate(b.lab.log_groups):
        if g.name in b.log_groups:
            b.error(
                ("log_groups", i, "name"),
                f"log group {g.name!r} is declared twice",
                g.name,
                "name",
            )
            continue
        b.log_groups[g.name] = LogGroup(g.name, g.retention_days)


def build_flow_logs(b: LabBuilder) -> None:
    for i, f in enumerate(b.lab.flow_logs):
        owner = f"flow log {f.id}"
        kinds = ["vpcs", "subnets", "network_interfaces", "instances"]
        if not b.ref(("flow_logs", i, "resource"), f.id, f.resource, kinds, owner, "resource"):
            continue
        section = b.kinds[f.resource]
        rtype: Literal["vpc", "subnet", "network_interface"] = (
            "vpc"
            if section == "vpcs"
            else "subnet"
            if section == "subnets"
            else "network_interface"
        )
        resolved = f.resource
        if section == "instances":
            inst = b.instances.get(f.resource)
            if inst is None:
                continue
            resolved = inst.eni
        try:
            fmt = parse_format(f.format)
        except FormatError as exc:
            b.error(("flow_logs", i, "format"), f"{owner}: {exc.message}", f.id, "format")
            continue
        d = f.destination
        dpath = ("flow_logs", i, "destination")
        if d.type == "cloud-watch-logs":
            missing = [k for k in ("log_group", "role") if getattr(d, k) is None]
            extra = [k for k in ("bucket", "prefix") if getattr(d, k) is not None]
            if missing:
                b.error(
                    dpath,
                    f"{owner}: a cloud-watch-logs destination needs {' and '.join(missing)}",
                    f.id,
                    missing[0],
                )
                continue
            if extra:
                b.error(
                    (*dpath, extra[0]),
                    f"{owner}: {extra[0]} applies to an s3 destination only",
                    f.id,
                    extra[0],
                )
                continue
        else:
            if d.bucket is None:
                b.error(dpath, f"{owner}: an s3 destination needs bucket", f.id, "bucket")
                continue
            extra = [k for k in ("log_group", "role") if getattr(d, k) is not None]
            if extra:
                b.error(
                    (*dpath, extra[0]),
                    f"{owner}: {extra[0]} applies to a cloud-watch-logs destination only",
                    f.id,
                    extra[0],
                )
                continue
            if d.prefix is not None and "AWSLogs" in d.prefix.split("/"):
                b.error(
                    (*dpath, "prefix"),
                    f"{owner}: the S3 prefix cannot contain AWSLogs (AWS reserves it)",
                    f.id,
                    "prefix",
                )
                continue
        role = d.role.rsplit("/", 1)[-1] if d.role else None
        dest = FlowLogDestination(
            d.type,
            d.log_group,
            role,
            d.bucket,
            d.prefix.strip("/") if d.prefix else None,
            d.file_format,
            d.hive_compatible,
            d.per_hour_partition,
        )
        b.flow_logs.append(
            FlowLog(
                f.id,
                f.resource,
                rtype,
                f.traffic_type,
                f.max_aggregation_interval,
                fmt,
                dest,
                resolved,
                f.name,
                tags_of(f.tags),
            )  # type: ignore[arg-type]
        )
