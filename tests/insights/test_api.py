"""The Python API: ``vpcflow.query`` returns a PyArrow table that converts to pandas."""

from __future__ import annotations

import datetime

import pyarrow as pa

import vpcflow

from .datasets import DAY


def test_query_returns_an_arrow_table(conformance_db: str) -> None:
    table = vpcflow.query(
        conformance_db,
        "stats sum(bytes) as bytesTransferred, max(@timestamp) as last by srcAddr, dstAddr "
        "| sort bytesTransferred desc | limit 2",
        log_groups=["/vpcflow/lab"],
        start=DAY[0],
        end=DAY[1],
    )
    assert isinstance(table, pa.Table)
    assert table.column_names == ["srcAddr", "dstAddr", "bytesTransferred", "last"]
    assert table.schema.field("bytesTransferred").type == pa.int64()
    assert pa.types.is_timestamp(table.schema.field("last").type)
    df = table.to_pandas()
    assert df["bytesTransferred"].tolist() == [15000, 10500]
    assert df["last"].iloc[0].to_pydatetime() == datetime.datetime(2024, 5, 1, 10, 5)


def test_query_accepts_a_store_and_booleans_are_integers(conformance_db: str) -> None:
    from vpcflow.store import Store

    with Store(conformance_db, read_only=True) as store:
        table = vpcflow.query(
            store,
            'fields action = "REJECT" as r | sort @timestamp asc | limit 3',
            log_groups=["/vpcflow/lab"],
        )
    assert table.column("r").to_pylist() == [0, 0, 1]


def test_duplicate_case_insensitive_names_keep_user_spelling(conformance_db: str) -> None:
    table = vpcflow.query(
        conformance_db, "fields 1 as a, 2 as A | limit 1", log_groups=["/vpcflow/lab"]
    )
    assert table.column_names == ["a", "A"]
    assert [c.to_pylist() for c in table.columns] == [[1], [2]]
