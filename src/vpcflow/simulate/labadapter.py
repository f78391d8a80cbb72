"""Build a :class:`~vpcflow.simulate.labview.LabView` from the network model's Topology.

The only module of the simulator that touches ``vpcflow.network``'s resource
classes. AZ ids: a lab names availability zones (``us-east-1a``); flow logs
write AZ *ids* (``use1-az1``), whose mapping to names differs per AWS account.
vpcflow maps zone letter ``a`` to ``az1``, ``b`` to ``az2``, ... (a documented
stand-in, stable for a lab).
"""

from __future__ import annotations

import re
from typing import Any

from vpcflow.simulate.labview import EniInfo, FlowLogInfo, Instance, LabView, format_of

_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def az_id(region: str, az: str | None) -> str | None:
    """``us-east-1`` + ``us-east-1c`` -> ``use1-az3``; None when the zone is not a region letter.

    >>> az_id("ap-southeast-2", "ap-southeast-2a")
    'apse2-az1'
    """
    if not az:
        return None
    m = re.fullmatch(r"([a-z]+)-([a-z]+)-(\d+)", region)
    if not m or not az.startswith(region) or len(az) != len(region) + 1 or not az[-1].isalpha():
        return az if az.count("-") == 1 and "-az" in az else None
    short = f"{m.group(1)}{_DIRECTIONS.get(m.group(2), m.group(2)[:1])}{m.group(3)}"
    return f"{short}-az{ord(az[-1]) - ord('a') + 1}"


def lab_view(topology: Any) -> LabView:
    """The facts the simulator needs, read once from ``topology``."""
    region = topology.region
    enis: dict[str, EniInfo] = {}
    for eni in topology.enis():
        enis[eni.id] = EniInfo(
            id=eni.id,
            private_ip=eni.private_ip,
            subnet_id=eni.subnet,
            vpc_id=eni.vpc,
            instance_id=eni.instance,
            az_id=az_id(region, eni.az),
            kind=eni.kind,
            account=topology.account,
            region=region,
            public_ip=eni.public_ip,
            platform=getattr(eni, "platform", "linux"),
        )
    covered: dict[str, list[str]] = {}
    for eni_id in enis:
        for fl in topology.flow_logs_for_eni(eni_id):
            covered.setdefault(fl.id, []).append(eni_id)
    flow_logs = []
    for fl in topology.flow_logs:
        dest = fl.destination
        flow_logs.append(
            FlowLogInfo(
                id=fl.id,
                resource=fl.resource,
                enis=tuple(covered.get(fl.id, ())),
                traffic_type=fl.traffic_type,
                interval=int(fl.max_aggregation_interval),
                fmt=format_of(fl.format),
                destination_type=dest.type,
                log_group=dest.log_group,
                role=dest.role,
                bucket=dest.bucket,
                prefix=dest.prefix or "",
                file_format=dest.file_format or "plain-text",
                hive=bool(dest.hive_compatible),
                per_hour=bool(dest.per_hour_partition),
                delivery_error=topology.delivery_error(fl),
            )
        )
    instances = tuple(
        Instance(i.id, i.eni, i.private_ip, i.public_ip) for i in topology.instances()
    )
    vpc_cidrs = tuple(_cidr_text(c) for v in topology.vpcs.values() for c in v.cidrs)
    subnet_cidrs = tuple(_cidr_text(s.cidr) for s in topology.subnets.values())
    return LabView(
        account=topology.account,
        region=region,
        enis=enis,
        flow_logs=tuple(flow_logs),
        instances=instances,
        vpc_cidrs=vpc_cidrs,
        subnet_cidrs=subnet_cidrs,
    )


def _cidr_text(cidr: Any) -> str:
    """``10.1.0.0/16`` from the model's Cidr (or a string)."""
    import ipaddress

    if isinstance(cidr, str):
        return cidr
    net = ipaddress.ip_network((cidr.network, cidr.prefix)) if cidr.version == 4 else None
    if net is None:
        return str(ipaddress.IPv6Network((cidr.network, cidr.prefix)))
    return str(net)
