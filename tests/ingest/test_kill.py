"""A SIGKILL in the middle of a file leaves whole files only; re-running completes without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from vpcflow.simulate.synthetic import generate

SCRIPT = textwrap.dedent(
    """
    import sys
    from vpcflow.store import Store

    def progress(p):
        # one line per batch: the test kills us once the second file is under way
        print(p.files_done, p.records, flush=True)

    with Store(sys.argv[1]) as store:
        store.ingest([sys.argv[2]], progress=progress)
    print("done", flush=True)
    """
)


def _check_whole_files(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        per_file = con.execute(
            "SELECT f.id, f.records, (SELECT count(*) FROM flow_logs l WHERE l.file_id = f.id) "
            "FROM files f ORDER BY f.id"
        ).fetchall()
        for _fid, expected, actual in per_file:
            assert expected == actual
        orphans = con.execute(
            "SELECT count(*) FROM flow_logs WHERE file_id NOT IN (SELECT id FROM files)"
        ).fetchone()[0]
        assert orphans == 0
        dupes = con.execute(
            "SELECT count(*) FROM (SELECT source, line FROM flow_logs GROUP BY 1, 2 HAVING count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0
        total = con.execute("SELECT count(*) FROM flow_logs").fetchone()[0]
        return len(per_file), total
    finally:
        con.close()


def test_sigkill_mid_file_then_rerun(tmp_path: Path) -> None:
    data = tmp_path / "bucket"
    generate(60_000, data, records_per_file=20_000, seed=5, file_format="text")
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    db = tmp_path / "s.duckdb"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    # small chunks: many batches per file, so the kill lands inside a file
    env["VPCFLOW_CHUNK_BYTES"] = "65536"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db), str(data)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    killed = False
    for line in proc.stdout:
        files_done, records = (int(x) for x in line.split()[:2]) if line[0].isdigit() else (9, 0)
        if files_done == 1 and records > 25_000:  # mid second file
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=60)
    assert killed, "the ingest finished before it could be killed"
    files, total = _check_whole_files(db)
    assert files == 1 and total == 20_000
    rerun = subprocess.run(
        [sys.executable, str(script), str(db), str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    files, total = _check_whole_files(db)
    assert files == 3 and total == 60_000
