"""The public API is deliberate: pinned here, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import vpcflow


def test_all_is_sorted_and_pinned() -> None:
    assert vpcflow.__all__ == sorted(vpcflow.__all__)
    assert set(vpcflow.__all__) == {
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
    }


def test_every_public_name_resolves() -> None:
    for name in vpcflow.__all__:
        assert getattr(vpcflow, name) is not None


def test_import_does_not_load_heavy_extras() -> None:
    code = (
        "import sys, vpcflow, vpcflow.cli.app\n"
        "vpcflow.cli.app.build_app()\n"
        "heavy = [m for m in ('pyspark', 'boto3', 'fastapi', 'duckdb', 'pyarrow', 'pandas') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
