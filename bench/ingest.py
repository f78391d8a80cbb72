"""Ingest benchmark: vpcflow vs a bare DuckDB read_csv vs flowlogs-reader, same gz files.

    .venv/bin/python -m bench.ingest [--records 10000000] [--subset 1000000]

Data: ``vpcflow.simulate.synthetic.generate`` (gzip text files with headers in
the S3 layout, 250,000 records each) under ``bench/data/``, reused when
present. Each contender runs in its own subprocess so peak RSS is its own:

(a) ``Store(db).ingest([dir])`` — the full product path (validation,
    quarantine, catalog, one transaction per file) into a fresh store;
(b) one DuckDB ``CREATE TABLE AS SELECT * FROM read_csv([...])`` of the same
    files with explicit columns and the same types (the engine's own limit);
(c) flowlogs-reader's S3 path without boto: gzip text -> ``csv.DictReader``
    (delimiter ' ') -> ``FlowRecord`` per line, on the first ``--subset``
    records' files, scaled to a rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
COLUMNS = {
    "version": "SMALLINT",
    "account_id": "VARCHAR",
    "interface_id": "VARCHAR",
    "srcaddr": "VARCHAR",
    "dstaddr": "VARCHAR",
    "srcport": "INTEGER",
    "dstport": "INTEGER",
    "protocol": "SMALLINT",
    "packets": "BIGINT",
    "bytes": "BIGINT",
    "start": "BIGINT",
    "end": "BIGINT",
    "action": "VARCHAR",
    "log_status": "VARCHAR",
}


def _files(data: Path) -> list[str]:
    return sorted(str(p) for p in data.rglob("*.log.gz"))


def ensure_data(records: int, data: Path) -> dict[str, object]:
    marker = data / "generated.json"
    if marker.exists():
        meta = json.loads(marker.read_text())
        if meta.get("records") == records:
            return meta
    import shutil

    from vpcflow.simulate.synthetic import generate

    shutil.rmtree(data, ignore_errors=True)
    summary = generate(records, data, file_format="gzip", seed=0)
    meta = summary.to_dict()
    marker.write_text(json.dumps(meta))
    return meta


def worker(kind: str, data: Path, db: Path, subset: int) -> dict[str, object]:
    for p in (db, Path(str(db) + ".wal")):
        if p.exists():
            p.unlink()
    t0 = time.perf_counter()
    if kind == "vpcflow":
        from vpcflow.store import Store

        with Store(db) as store:
            summary = store.ingest([data])
        records = summary.records
        extra = {"rejects": summary.rejects, "conserved": summary.conserved, "files": summary.files}
    elif kind == "duckdb":
        import duckdb

        con = duckdb.connect(str(db))
        con.execute(
            "CREATE TABLE flows AS SELECT * FROM read_csv(?, columns = ?, delim = ' ', "
            "nullstr = '-', quote = '', escape = '', header = true, auto_detect = false)",
            [_files(data), COLUMNS],
        )
        records = con.execute("SELECT count(*) FROM flows").fetchone()[0]
        con.close()
        extra = {}
    else:
        import csv
        import gzip

        from flowlogs_reader import FlowRecord

        records = 0
        files = 0
        for name in _files(data):
            with gzip.open(name, "rt") as fh:
                reader = csv.DictReader(fh, delimiter=" ")
                reader.fieldnames = [f.replace("-", "_") for f in reader.fieldnames or []]
                for row in reader:
                    FlowRecord(row)
                    records += 1
            files += 1
            if records >= subset:
                break
        extra = {"files": files}
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "kind": kind,
        "records": records,
        "seconds": seconds,
        "peak_rss_mb": round(rss),
        **extra,
    }


def run(kind: str, data: Path, db: Path, subset: int) -> dict[str, object]:
    cmd = [
        sys.executable,
        "-m",
        "bench.ingest",
        "--worker",
        kind,
        "--data",
        str(data),
        "--db",
        str(db),
    ]
    cmd += ["--subset", str(subset)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT.parent, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--subset", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--worker")
    args = ap.parse_args(argv)
    data = args.data or ROOT / "data" / f"ingest-{args.records}"
    if args.worker:
        print(json.dumps(worker(args.worker, data, args.db, args.subset)))
        return
    meta = ensure_data(args.records, data)
    results_dir = ROOT / "results"
    results_dir.mkdir(exist_ok=True)
    dbdir = ROOT / "data"
    res = {}
    for kind in ("duckdb", "vpcflow", "flowlogs-reader"):
        res[kind] = run(kind, data, dbdir / f"bench-{kind}.duckdb", args.subset)
        r = res[kind]
        r["records_per_second"] = round(int(r["records"]) / float(r["seconds"]))  # type: ignore[arg-type]
        print(
            f"{kind:16} {r['records']:>11,} records {float(r['seconds']):8.2f} s "  # type: ignore[arg-type]
            f"{r['records_per_second']:>12,}/s  peak RSS {r['peak_rss_mb']} MB",
            flush=True,
        )
    a = res["vpcflow"]["records_per_second"]
    b = res["duckdb"]["records_per_second"]
    c = res["flowlogs-reader"]["records_per_second"]
    ratios = {"vpcflow/duckdb": round(a / b, 2), "vpcflow/flowlogs-reader": round(a / c, 1)}  # type: ignore[operator]
    print(f"ratios: {ratios}  (targets: >= 0.6 and >= 15)")
    doc = {
        "data": meta,
        "results": res,
        "ratios": ratios,
        "machine": {"cpus": os.cpu_count()},
        "command": "python -m bench.ingest " + " ".join(argv or sys.argv[1:]),
    }
    (results_dir / "ingest.json").write_text(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
