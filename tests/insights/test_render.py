"""Pre-rendered fragments (``dialects/render.py``) and the per-catalog pieces built from them.

The fast path must print exactly what rendering the plain trees prints: the
oracle below swaps every fragment for a copy of its tree and renders with
SQLGlot's own DuckDB generator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlglot import exp

from vpcflow.errors import VpcflowError
from vpcflow.insights.api import compile_for, sample_catalog
from vpcflow.insights.catalog import Catalog, LogGroup, format_columns
from vpcflow.insights.compiler import free_columns
from vpcflow.insights.dialects.base import col, lit
from vpcflow.insights.dialects.duckdb import DuckDBDialect
from vpcflow.insights.dialects.render import Fragment, fragment, fragment_trees
from vpcflow.records.formats import DEFAULT_FORMAT

D = DuckDBDialect()
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "conformance.yaml").read_text())["cases"]
EXTRA = [
    "fields @timestamp, @message, @logStream, @log | sort @timestamp desc | limit 20",
    "fields @message | filter @message like /REJECT/ | sort @message desc | limit 5",
    "parse @message '* * *' as a, b, c | stats count(*) by a",
    "fields @message | limit 3 | sort @message | filter @message like 'x'",
    "stats latest(@message) as m by srcAddr | sort m",
    "dedup @message | limit 4",
    "fields @message, @log, @ptr, @ingestionTime",
]
CUSTOM = "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${bytes} ${action} ${log-status} ${tcp-flags}"


def two_format_catalog() -> Catalog:
    return Catalog(
        groups=(
            LogGroup("/a/one", "flow", "111122223333"),
            LogGroup("/a/two", "flow", None),
            LogGroup("/b/app", "generic", "111122223333"),
        ),
        formats={1: format_columns(DEFAULT_FORMAT.render()), 2: format_columns(CUSTOM)},
        group_formats={"/a/one": (1,), "/a/two": (1, 2)},
    )


def oracle(tree: exp.Expr, pretty: bool = False) -> str:
    """``tree`` rendered by SQLGlot alone, every fragment replaced by its tree."""
    plain = tree.transform(lambda n: n.tree.copy() if isinstance(n, Fragment) else n)
    return plain.sql(dialect="duckdb", pretty=pretty)


def compiled_trees() -> list[tuple[str, Any]]:
    out = []
    for text in [c["query"] for c in CASES] + EXTRA:
        for catalog, groups in (
            (sample_catalog(), None),
            (two_format_catalog(), None),
            (two_format_catalog(), ["/a/two"]),
            (two_format_catalog(), ["/a/one", "/b/app"]),
        ):
            try:
                compiled = compile_for(catalog, text, dialect=D, log_groups=groups, now=1e9)
            except VpcflowError:
                continue
            out.append((text, compiled))
    return out


def test_compiled_sql_is_what_sqlglot_alone_prints() -> None:
    trees = compiled_trees()
    assert len(trees) > 300
    with_fragments = 0
    for text, compiled in trees:
        with_fragments += any(True for _ in fragment_trees(compiled.tree))
        assert compiled.sql == oracle(compiled.tree), text
        assert D.sql(compiled.tree, pretty=True) == oracle(compiled.tree, pretty=True), text
        if compiled.counts_tree is not None:
            assert D.sql(compiled.counts_tree) == oracle(compiled.counts_tree), text
    assert with_fragments > 50  # @message queries do go through the fast path


def test_message_is_built_once_per_catalog_and_format_set() -> None:
    catalog = two_format_catalog()

    def message_tree(groups: list[str] | None) -> exp.Expr:
        compiled = compile_for(catalog, "fields @message", dialect=D, log_groups=groups)
        (tree,) = list(fragment_trees(compiled.tree))
        return tree

    both = message_tree(None)
    assert message_tree(None) is both  # reused, not rebuilt
    assert message_tree(["/a/two"]) is both  # the same formats {1, 2}
    only_default = message_tree(["/a/one"])
    assert only_default is not both
    assert isinstance(both, exp.Case) and not isinstance(only_default, exp.Case)
    # another catalog object (the store changed since) builds its own, same SQL
    other = two_format_catalog()
    again = compile_for(other, "fields @message", dialect=D)
    assert again.sql == compile_for(catalog, "fields @message", dialect=D).sql
    assert next(fragment_trees(again.tree)) is not both


def test_fragment_copies_share_the_tree_and_compare_by_it() -> None:
    tree = exp.Coalesce(this=col("srcaddr"), expressions=[lit("-")])
    f = fragment(tree)
    g = f.copy()
    assert g is not f and g.tree is tree
    assert g == f and hash(g) == hash(f)
    assert fragment(tree.copy()) == f
    assert fragment(exp.Coalesce(this=col("dstaddr"), expressions=[lit("-")])) != f
    outer = exp.Alias(this=g, alias=exp.to_identifier("m", quoted=True))
    assert D.sql(outer) == 'COALESCE("srcaddr", \'-\') AS "m"'
    assert D.sql(outer.copy(), pretty=True) == D.sql(outer)
    assert [c.name for c in free_columns(outer)] == ["srcaddr"]


def test_fragments_hold_no_windows_or_aggregates() -> None:
    with pytest.raises(ValueError):
        fragment(exp.Sum(this=col("bytes")))
    with pytest.raises(ValueError):
        fragment(exp.Window(this=exp.RowNumber()))


def test_record_counts_are_built_only_when_asked() -> None:
    compiled = compile_for(sample_catalog(), "filter bytes > 5 | limit 3", dialect=D)
    assert compiled._counts is None
    counts = compiled.counts_tree
    assert counts is not None and compiled.counts_tree is counts
    assert D.sql(counts) == (
        'SELECT COUNT(*) AS scanned, COUNT(*) FILTER(WHERE "bytes" > 5) AS matched FROM flow_logs'
    )
