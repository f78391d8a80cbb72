"""The lab file's shape (spec/topology.md), as Pydantic models with unknown keys forbidden.

These models check structure and types only: which keys exist, which are
required, which values are enumerations. Everything that needs more than one
resource (references, CIDR containment and overlap, duplicate ids) is checked
by ``loader.py`` when it builds the :class:`~vpcflow.network.topology.Topology`.

Extensions to topology.md (each optional, each documented in README.md, "The VPC lab"):
``name``/``description`` at the top level; ``source_dest_check`` on instances
and network interfaces (default true: needed to model appliances); ``eni`` on
NAT gateways (the id of its interface, generated otherwise); the full peering
lifecycle of vpc-semantics.md §6.1 as ``status`` values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


Tags = dict[str, str]
PortSpec = int | str
ProtocolSpec = int | str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class _Resource(_Model):
    id: str = Field(min_length=1)
    name: str | None = None
    tags: Tags = {}


class VpcModel(_Resource):
    cidr: str
    secondary_cidrs: list[str] = []
    ipv6_cidr: str | None = None


class SubnetModel(_Resource):
    vpc: str
    cidr: str
    az: str | None = None
    route_table: str | None = None
    map_public_ip: bool = False


class InternetGatewayModel(_Resource):
    vpc: str | None = None


class RouteModel(_Model):
    destination: str
    target: str


class RouteTableModel(_Resource):
    vpc: str
    main: bool = False
    routes: list[RouteModel] = []


class SgRuleModel(_Model):
    protocol: ProtocolSpec
    ports: PortSpec | None = None
    cidr: str | None = None
    security_group: str | None = None
    prefix_list: str | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    description: str | None = None


class SecurityGroupModel(_Resource):
    vpc: str
    description: str | None = None
    ingress: list[SgRuleModel] = []
    egress: list[SgRuleModel] | None = None
    """None (key absent) = the default allow-all egress rule; [] = no egress."""


class NaclRuleModel(_Model):
    rule: int
    protocol: ProtocolSpec
    action: Annotated[Literal["allow", "deny"], BeforeValidator(_lower)]
    cidr: str
    ports: PortSpec | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None


class NetworkAclModel(_Resource):
    vpc: str
    subnets: list[str] = []
    default: bool = False
    ingress: list[NaclRuleModel] = []
    egress: list[NaclRuleModel] = []


class InstanceModel(_Resource):
    subnet: str
    private_ip: str
    public_ip: str | None = None
    security_groups: list[str] = []
    eni: str | None = None
    platform: Annotated[Literal["linux", "windows"], BeforeValidator(_lower)] = "linux"
    source_dest_check: bool = True


class NetworkInterfaceModel(_Resource):
    subnet: str
    private_ip: str
    public_ip: str | None = None
    security_groups: list[str] = []
    instance: str | None = None
    kind: str | None = None
    source_dest_check: bool = True


class NatGatewayModel(_Resource):
    subnet: str
    private_ip: str
    public_ip: str | None = None
    eni: str | None = None


class PrefixListModel(_Resource):
    entries: list[str]
    max_entries: int | None = None


PeeringStatusSpec = Literal[
    "initiating-request",
    "pending-acceptance",
    "provisioning",
    "active",
    "rejected",
    "expired",
    "failed",
    "deleting",
    "deleted",
]


class PeeringConnectionModel(_Resource):
    requester: str
    accepter: str
    status: Annotated[PeeringStatusSpec, BeforeValidator(_lower)] = "active"


class IamRoleModel(_Model):
    name: str = Field(min_length=1)
    trust_policy: dict[str, Any]
    policies: list[dict[str, Any]] = []
    tags: Tags = {}


class LogGroupModel(_Model):
    name: str = Field(min_length=1)
    retention_days: int | None = None


class FlowLogDestinationModel(_Model):
    type: Annotated[Literal["cloud-watch-logs", "s3"], BeforeValidator(_lower)]
    log_group: str | None = None
    role: str | None = None
    bucket: str | None = None
    prefix: str | None = None
    file_format: Annotated[Literal["plain-text", "parquet"], BeforeValidator(_lower)] = "plain-text"
    hive_compatible: bool = False
    per_hour_partition: bool = False


class FlowLogModel(_Resource):
    resource: str
    traffic_type: Annotated[Literal["ACCEPT", "REJECT", "ALL"], BeforeValidator(_upper)] = "ALL"
    max_aggregation_interval: Literal[60, 600] = 600
    format: str = "default"
    destination: FlowLogDestinationModel


class LabModel(_Model):
    account: str = "123456789012"
    region: str = "us-east-1"
    name: str | None = None
    description: str | None = None
    vpcs: list[VpcModel] = []
    subnets: list[SubnetModel] = []
    internet_gateways: list[InternetGatewayModel] = []
    route_tables: list[RouteTableModel] = []
    security_groups: list[SecurityGroupModel] = []
    network_acls: list[NetworkAclModel] = []
    instances: list[InstanceModel] = []
    network_interfaces: list[NetworkInterfaceModel] = []
    peering_connections: list[PeeringConnectionModel] = []
    nat_gateways: list[NatGatewayModel] = []
    prefix_lists: list[PrefixListModel] = []
    iam_roles: list[IamRoleModel] = []
    log_groups: list[LogGroupModel] = []
    flow_logs: list[FlowLogModel] = []


# Singular names of each top-level list, for messages ("instance i-1: ...").
KIND_OF_SECTION = {
    "vpcs": "vpc",
    "subnets": "subnet",
    "internet_gateways": "internet gateway",
    "route_tables": "route table",
    "security_groups": "security group",
    "network_acls": "network ACL",
    "instances": "instance",
    "network_interfaces": "network interface",
    "peering_connections": "peering connection",
    "nat_gateways": "NAT gateway",
    "prefix_lists": "prefix list",
    "iam_roles": "IAM role",
    "log_groups": "log group",
    "flow_logs": "flow log",
}
