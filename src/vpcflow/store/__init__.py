"""The store: a DuckDB file with flow records, generic events and their catalog.

``from vpcflow.store import Store`` is the entry point; DuckDB itself is only
imported when a store is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Store"]

if TYPE_CHECKING:
    from vpcflow.store.store import Store


def __getattr__(name: str) -> Any:
    if name == "Store":
        from vpcflow.store.store import Store

        return Store
    raise AttributeError(f"module 'vpcflow.store' has no attribute {name!r}")
