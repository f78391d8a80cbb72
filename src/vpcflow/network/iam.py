"""Can the flow logs service deliver? A small IAM evaluator for flow log roles.

AWS creates a flow log even when its role is wrong; delivery then fails and
``DescribeFlowLogs`` shows ``DeliverLogsStatus: FAILED`` with
``DeliverLogsErrorMessage: "Access error"``. :func:`delivery_error` returns that
message followed by the detail vpcflow can see, or None when delivery works.

What is evaluated (enough for flow log roles, not a general IAM engine):
the trust policy must have an ``Allow`` statement whose ``Principal.Service``
names ``vpc-flow-logs.amazonaws.com`` for ``sts:AssumeRole``; the role's
policies must allow ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on the
log group (and ``logs:CreateLogGroup`` when the lab does not declare the
group, since the service then has to create it). ``Action``/``Resource``
wildcards follow IAM's ``*``/``?`` globbing; an explicit ``Deny`` wins;
``NotAction``, ``NotResource`` and ``Condition`` are not evaluated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from vpcflow.network.resources import FlowLog, IamRole

if TYPE_CHECKING:
    from vpcflow.network.topology import Topology

FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"
DELIVERY_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
ACCESS_ERROR = "Access error"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _statements(policy: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for st in _as_list(policy.get("Statement")):
        if isinstance(st, Mapping):
            yield st


def _matches(patterns: Iterable[Any], value: str) -> bool:
    # IAM action names are case-insensitive; resource ARNs are not.
    return any(isinstance(p, str) and fnmatchcase(value.lower(), p.lower()) for p in patterns)


def _matches_resource(patterns: Iterable[Any], arn: str) -> bool:
    return any(isinstance(p, str) and fnmatchcase(arn, p) for p in patterns)


def trust_allows_service(trust_policy: Mapping[str, Any], service: str = FLOW_LOGS_SERVICE) -> bool:
    """True when the trust policy lets ``service`` call sts:AssumeRole (and no Deny stops it)."""
    allowed = False
    for st in _statements(trust_policy):
        principal = st.get("Principal")
        services: list[Any] = []
        if principal == "*":
            services = ["*"]
        elif isinstance(principal, Mapping):
            services = _as_list(principal.get("Service"))
            if principal.get("AWS") == "*":
                services.append("*")
        if not _matches(services, service) or not _matches(
            _as_list(st.get("Action")), "sts:AssumeRole"
        ):
            continue
        if st.get("Effect") == "Deny":
            return False
        if st.get("Effect") == "Allow":
            allowed = True
    return allowed


def policy_allows(policies: Iterable[Mapping[str, Any]], action: str, resource: str) -> bool:
    """Identity-policy evaluation: an Allow for (action, resource) and no Deny."""
    allowed = False
    for policy in policies:
        for st in _statements(policy):
            if not _matches(_as_list(st.get("Action")), action):
                continue
            if not _matches_resource(_as_list(st.get("Resource")), resource):
                continue
            if st.get("Effect") == "Deny":
                return False
            if st.get("Effect") == "Allow":
                allowed = True
    return allowed


def delivery_error(topology: Topology, flow_log: FlowLog) -> str | None:
    """AWS's ``DeliverLogsErrorMessage`` for ``flow_log`` plus vpcflow's detail, or None."""
    roles = {r.name: r for r in topology.iam_roles()}
    groups = {g.name for g in topology.log_groups()}
    return check_delivery(roles, groups, topology.region, topology.account, flow_log)


def check_delivery(
    roles: Mapping[str, IamRole],
    log_groups: Collection[str],
    region: str,
    account: str,
    flow_log: FlowLog,
) -> str | None:
    """:func:`delivery_error` on the parts of a lab it needs (used before the Topology exists)."""
    dest = flow_log.destination
    if dest.type != "cloud-watch-logs" or dest.role is None or dest.log_group is None:
        return None
    role_name = dest.role
    role = roles.get(role_name)
    if role is None:
        return f"{ACCESS_ERROR}: IAM role {role_name!r} does not exist"
    if not trust_allows_service(role.trust_policy):
        return (
            f"{ACCESS_ERROR}: the trust policy of IAM role {role_name!r} does not allow "
            f"{FLOW_LOGS_SERVICE} to assume it (sts:AssumeRole)"
        )
    group_arn = f"arn:aws:logs:{region}:{account}:log-group:{dest.log_group}"
    stream_arn = f"{group_arn}:log-stream:*"
    missing = [
        a
        for a in DELIVERY_ACTIONS
        if not (
            policy_allows(role.policies, a, stream_arn)
            or policy_allows(role.policies, a, group_arn + ":*")
            or policy_allows(role.policies, a, group_arn)
        )
    ]
    if dest.log_group not in log_groups and not policy_allows(
        role.policies, "logs:CreateLogGroup", group_arn
    ):
        missing.insert(0, "logs:CreateLogGroup")
    if missing:
        return (
            f"{ACCESS_ERROR}: IAM role {role_name!r} is not allowed {', '.join(missing)} "
            f"on log group {dest.log_group!r}"
        )
    return None
