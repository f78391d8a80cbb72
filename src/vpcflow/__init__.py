"""vpcflow: VPC network monitoring with flow logs, offline and fast.

The public API is deliberately small and pinned by ``tests/test_public_api.py``;
its members are imported lazily so ``import vpcflow`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = sorted(
    [
        "FlowFormat",
        "QueryError",
        "Store",
        "Topology",
        "VpcflowError",
        "__version__",
        "load_lab",
        "parse_format",
        "query",
        "reach",
    ]
)

_LAZY = {
    "FlowFormat": ("vpcflow.records.formats", "FlowFormat"),
    "parse_format": ("vpcflow.records.formats", "parse_format"),
    "VpcflowError": ("vpcflow.errors", "VpcflowError"),
    "QueryError": ("vpcflow.errors", "QueryError"),
    "Store": ("vpcflow.store", "Store"),
    "query": ("vpcflow.insights.api", "query"),
    "Topology": ("vpcflow.network.topology", "Topology"),
    "load_lab": ("vpcflow.network.loader", "load_lab"),
    "reach": ("vpcflow.network.reach", "reach"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'vpcflow' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
