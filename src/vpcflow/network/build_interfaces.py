"""Lab building, part 4: instances, network interfaces and NAT gateways (addresses, groups)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from vpcflow.network.addresses import is_private, parse_ipv4, reserved_in_subnet
from vpcflow.network.build_filters import groups_for
from vpcflow.network.builder import generated_eni_id, tags_of
from vpcflow.network.resources import Eni, Instance, NatGateway, Subnet

if TYPE_CHECKING:
    from vpcflow.network.builder import LabBuilder, Path


def _private_ip(
    b: LabBuilder, path: Path, rid: str, owner: str, subnet: Subnet, text: str
) -> int | None:
    try:
        ip = parse_ipv4(text)
    except ValueError:
        b.error(path, f"{owner}: private_ip {text!r} is not an IPv4 address", rid, "private_ip")
        return None
    if not subnet.cidr.contains(ip):
        b.error(
            path,
            f"{owner}: private_ip {text} is outside subnet {subnet.id} ({subnet.cidr})",
            rid,
            "private_ip",
        )
        return None
    why = reserved_in_subnet(subnet.cidr, ip)
    if why:
        b.error(
            path,
            f"{owner}: private_ip {text} is reserved in subnet {subnet.id} ({why})",
            rid,
            "private_ip",
        )
        return None
    taken = b.ips_in_vpc.get((subnet.vpc, ip))
    if taken:
        b.error(
            path,
            f"{owner}: private_ip {text} is already used by {taken} in {subnet.vpc}",
            rid,
            "private_ip",
        )
        return None
    b.ips_in_vpc[(subnet.vpc, ip)] = rid
    return ip


def _public_ip(b: LabBuilder, path: Path, rid: str, owner: str, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        ip = parse_ipv4(text)
    except ValueError:
        b.error(path, f"{owner}: public_ip {text!r} is not an IPv4 address", rid, "public_ip")
        return None
    if is_private(ip):
        b.error(
            path,
            f"{owner}: public_ip {text} is a private (RFC 1918 / 100.64.0.0/10) address",
            rid,
            "public_ip",
        )
        return None
    if ip in b.public_ips:
        b.error(
            path,
            f"{owner}: public_ip {text} is already mapped to {b.public_ips[ip]}",
            rid,
            "public_ip",
        )
        return None
    b.public_ips[ip] = rid
    return str(text).strip()


def build_instances_and_enis(b: LabBuilder) -> None:
    for i, m in enumerate(b.lab.instances):
        owner = f"instance {m.id}"
        if not b.ref(("instances", i, "subnet"), m.id, m.subnet, ["subnets"], owner, "subnet"):
            continue
        subnet = b.subnets.get(m.subnet)
        if subnet is None:
            continue
        ip = _private_ip(b, ("instances", i, "private_ip"), m.id, owner, subnet, m.private_ip)
        public = _public_ip(b, ("instances", i, "public_ip"), m.id, owner, m.public_ip)
        groups = groups_for(
            b, ("instances", i, "security_groups"), m.id, owner, subnet.vpc, m.security_groups
        )
        if ip is None or groups is None:
            continue
        eni_id = m.eni or generated_eni_id(m.id)
        b.instances[m.id] = Instance(
            m.id,
            m.subnet,
            m.private_ip.strip(),
            eni_id,
            groups,
            public,
            m.platform,
            m.name,
            tags_of(m.tags),
        )
        b.enis[eni_id] = Eni(
            eni_id,
            m.subnet,
            subnet.vpc,
            subnet.az,
            m.private_ip.strip(),
            groups,
            "instance",
            public,
            m.id,
            None,
            m.source_dest_check,
            m.platform,
            m.name,
        )
    for i, n in enumerate(b.lab.network_interfaces):
        owner = f"network interface {n.id}"
        if not b.ref(
            ("network_interfaces", i, "subnet"), n.id, n.subnet, ["subnets"], owner, "subnet"
        ):
            continue
        subnet = b.subnets.get(n.subnet)
        if subnet is None:
            continue
        platform: Literal["linux", "windows"] = "linux"
        if n.instance is not None:
            if not b.ref(
                ("network_interfaces", i, "instance"),
                n.id,
                n.instance,
                ["instances"],
                owner,
                "instance",
            ):
                continue
            inst = b.instances.get(n.instance)
            if inst is not None:
                platform = inst.platform
                if b.subnets[inst.subnet].vpc != subnet.vpc:
                    b.error(
                        ("network_interfaces", i, "instance"),
                        f"{owner} is in {subnet.vpc} but instance {n.instance} is in another VPC",
                        n.id,
                        "instance",
                    )
                    continue
        ip = _private_ip(
            b, ("network_interfaces", i, "private_ip"), n.id, owner, subnet, n.private_ip
        )
        public = _public_ip(b, ("network_interfaces", i, "public_ip"), n.id, owner, n.public_ip)
        groups = groups_for(
            b,
            ("network_interfaces", i, "security_groups"),
            n.id,
            owner,
            subnet.vpc,
            n.security_groups,
        )
        if ip is None or groups is None:
            continue
        kind = n.kind or ("instance" if n.instance else "interface")
        b.enis[n.id] = Eni(
            n.id,
            n.subnet,
            subnet.vpc,
            subnet.az,
            n.private_ip.strip(),
            groups,
            kind,
            public,
            n.instance,
            None,
            n.source_dest_check,
            platform,
            n.name,  # type: ignore[arg-type]
        )


def build_nat_gateways(b: LabBuilder) -> None:
    for i, m in enumerate(b.lab.nat_gateways):
        owner = f"NAT gateway {m.id}"
        if not b.ref(("nat_gateways", i, "subnet"), m.id, m.subnet, ["subnets"], owner, "subnet"):
            continue
        subnet = b.subnets.get(m.subnet)
        if subnet is None:
            continue
        ip = _private_ip(b, ("nat_gateways", i, "private_ip"), m.id, owner, subnet, m.private_ip)
        public = _public_ip(b, ("nat_gateways", i, "public_ip"), m.id, owner, m.public_ip)
        if ip is None:
            continue
        eni_id = m.eni or generated_eni_id(m.id)
        b.nats[m.id] = NatGateway(
            m.id,
            m.subnet,
            subnet.vpc,
            m.private_ip.strip(),
            eni_id,
            public,
            m.name,
            tags_of(m.tags),
        )
        b.enis[eni_id] = Eni(
            eni_id,
            m.subnet,
            subnet.vpc,
            subnet.az,
            m.private_ip.strip(),
            (),
            "nat_gateway",
            public,
            None,
            m.id,
            False,
            "linux",
            m.name,
        )
