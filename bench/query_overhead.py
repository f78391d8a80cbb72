"""Benchmark: vpcflow's fixed per-query cost over the SQL it runs (issue 3).

    .venv/bin/python -m bench.query_overhead --db PATH [--saved recent-events] [--repeat 300]
                                             [--profile] [--json]

For each saved query (default: ``recent-events``, the smallest DuckDB work of
the saved queries, where a fixed cost shows most), on one read-only
connection opened like ``vpcflow query`` opens it (``DuckDBEngine.open``),
(a), (b) and (c) run in turn ``--repeat`` times after a warm-up:

(a) ``vpcflow.query(con, text)`` — parse, compile (SQL generation included),
    regex checks, execution and the Arrow result with the output names;
(b) ``con.sql(sql).to_arrow_table()`` of the exact SQL (a) runs (the
    compiled, non-pretty text): how ``bench.query`` runs hand-written SQL;
(c) ``con.execute(sql)`` + ``con.to_arrow_table()`` of the same SQL: the
    DuckDB calls (a) makes (one parse and bind where (b) has two), so
    (a) - (c) is vpcflow's own cost.

Printed: median and best of each; the overheads (a) - (b) and (a) - (c)
three ways: difference of medians, difference of bests, and the median of
the paired differences (each (a) run minus the (b) or (c) run right after
it: slow drift of a shared machine cancels); and the ratios of medians.
Then the pure-Python parts of (a) timed alone in a loop (median and best):
``parse`` and ``compile`` (parse + plan + SQL text, as ``vpcflow.query``
does it). Alone they run with warm CPU caches; between DuckDB queries the
same work costs about three times as much (measured: the DuckDB query after
it runs slower, and it runs slower after the query), which is why (a) - (c)
exceeds their sum. ``--profile`` adds a cProfile of ``--repeat``
compilations (top 25 by cumulative time); ``--json`` prints one JSON document.

The store: any vpcflow store with default-format flow logs; the issue's
figure is for 10 M records (``bench/data/query-10000000.duckdb``, made by
``python -m bench.query``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

MS = 1000.0


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Seconds of ``repeat`` calls of ``fn`` after a warm-up of a tenth of them."""
    for _ in range(max(3, repeat // 10)):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def interleaved(fns: list[Callable[[], Any]], repeat: int) -> list[list[float]]:
    """Seconds of each of ``fns``, run in turn ``repeat`` times (other load hits all alike)."""
    for _ in range(max(3, repeat // 10)):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(times) * MS, "best_ms": min(times) * MS}


def overhead(ta: list[float], tb: list[float]) -> dict[str, float]:
    """(a) - (b) in ms: difference of medians, of bests, and median of paired differences."""
    return {
        "median_minus_median": (statistics.median(ta) - statistics.median(tb)) * MS,
        "best_minus_best": (min(ta) - min(tb)) * MS,
        "median_of_pairs": statistics.median([x - y for x, y in zip(ta, tb, strict=True)]) * MS,
    }


def measure(engine: Any, slug: str, repeat: int, profile: bool) -> dict[str, Any]:
    import warnings

    import vpcflow
    from vpcflow.insights.api import compile_for
    from vpcflow.insights.parser import parse
    from vpcflow.insights.saved import find

    con = engine.con
    text = find(slug).render()
    sql = compile_for(engine.catalog(), text, dialect=engine.dialect).sql

    def ours() -> Any:
        return vpcflow.query(con, text)

    def relation() -> Any:
        return con.sql(sql).to_arrow_table()

    def dbapi() -> Any:
        con.execute(sql)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duckdb's note that this path copies the rows
            return con.to_arrow_table()

    mine = ours()
    for other in (relation(), dbapi()):
        # the SQL fetches one row past the default cap to report truncation
        same = other.slice(0, mine.num_rows).rename_columns(mine.column_names)
        if not mine.equals(same) or other.num_rows > mine.num_rows + 1:
            raise SystemExit(f"{slug}: vpcflow.query and its SQL disagree")
    ta, tb, tc = interleaved([ours, relation, dbapi], repeat)

    def compile_once() -> Any:
        return compile_for(engine.catalog(), text, dialect=engine.dialect)

    out: dict[str, Any] = {
        "saved": slug,
        "query": text,
        "sql": sql,
        "repeat": repeat,
        "a_vpcflow_query": summary(ta),
        "b_con_sql": summary(tb),
        "c_con_execute": summary(tc),
        "overhead_vs_b_ms": overhead(ta, tb),
        "overhead_vs_c_ms": overhead(ta, tc),
        "ratio_of_medians_vs_b": statistics.median(ta) / statistics.median(tb),
        "ratio_of_medians_vs_c": statistics.median(ta) / statistics.median(tc),
        "alone_ms": {
            "parse": summary(timed(lambda: parse(text), repeat)),
            "compile": summary(timed(compile_once, repeat)),
        },
    }
    if profile:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(repeat):
            compile_once()
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
        out["profile"] = buf.getvalue()
    return out


def show(r: dict[str, Any]) -> None:
    print(f"{r['saved']}: {r['query']}")
    for label, key in (
        ("(a) vpcflow.query", "a_vpcflow_query"),
        ("(b) con.sql(sql)", "b_con_sql"),
        ("(c) con.execute(sql)", "c_con_execute"),
    ):
        t = r[key]
        print(f"  {label:21} median {t['median_ms']:7.3f} ms   best {t['best_ms']:7.3f} ms")
    for label, key, ratio in (
        ("(a)-(b)", "overhead_vs_b_ms", "ratio_of_medians_vs_b"),
        ("(a)-(c)", "overhead_vs_c_ms", "ratio_of_medians_vs_c"),
    ):
        o = r[key]
        print(
            f"  overhead {label}  medians {o['median_minus_median']:6.3f} ms   bests "
            f"{o['best_minus_best']:6.3f} ms   paired median {o['median_of_pairs']:6.3f} ms   "
            f"ratio of medians {r[ratio]:.3f}"
        )
    p = r["alone_ms"]
    print(
        f"  alone, warm: parse median {p['parse']['median_ms']:.3f} / best "
        f"{p['parse']['best_ms']:.3f} ms; compile median {p['compile']['median_ms']:.3f} / "
        f"best {p['compile']['best_ms']:.3f} ms"
    )
    if "profile" in r:
        print(r["profile"])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--db", required=True, help="a vpcflow store with default-format flow logs")
    ap.add_argument("--saved", action="append", help="saved query slug (repeatable)")
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--profile", action="store_true", help="cProfile the compilation")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args(argv)
    from vpcflow.engines.duckdb import DuckDBEngine

    engine = DuckDBEngine.open(args.db)
    try:
        slugs = args.saved or ["recent-events"]
        results = [measure(engine, s, args.repeat, args.profile) for s in slugs]
    finally:
        engine.close()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            show(r)


if __name__ == "__main__":
    main()
