"""Generator benchmark: ``vpcflow generate`` throughput and peak memory, text / gzip / Parquet.

    .venv/bin/python -m bench.generate [--records 10000000]

Each file format runs in its own subprocess (peak RSS is its own) and writes
under ``bench/data/generate-<format>/`` (deleted afterwards).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def worker(file_format: str, records: int, out: Path) -> dict[str, object]:
    from vpcflow.simulate.synthetic import generate

    shutil.rmtree(out, ignore_errors=True)
    summary = generate(records, out, file_format=file_format, seed=0)
    doc = summary.to_dict()
    doc["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    shutil.rmtree(out, ignore_errors=True)
    return doc


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--worker")
    args = ap.parse_args(argv)
    if args.worker:
        out = ROOT / "data" / f"generate-{args.worker}"
        print(json.dumps(worker(args.worker, args.records, out)))
        return
    results = {}
    for fmt in ("text", "gzip", "parquet"):
        cmd = [
            sys.executable,
            "-m",
            "bench.generate",
            "--worker",
            fmt,
            "--records",
            str(args.records),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT.parent, check=True)
        doc = json.loads(out.stdout.strip().splitlines()[-1])
        results[fmt] = doc
        print(
            f"{fmt:8} {doc['records']:>11,} records {doc['files']:>4} files "
            f"{doc['bytes'] / 1e6:>9,.1f} MB {doc['seconds']:7.2f} s "
            f"{doc['records_per_second']:>11,}/s  peak RSS {doc['peak_rss_mb']} MB",
            flush=True,
        )
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "generate.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
