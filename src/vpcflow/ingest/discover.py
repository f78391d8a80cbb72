"""Find the inputs of an ingest: files, directories walked recursively, and ``-`` (stdin).

What a file *is* comes from its first bytes, not its name: gzip magic
(``1f 8b``), Parquet magic (``PAR1``), or JSON (``{``/``[`` first) for a
CloudWatch Logs export or subscription payload; anything else is text. When a
directory is walked, only names a flow log bucket or an export would hold are
taken (``.log``, ``.log.gz``, ``.gz``, ``.txt``, ``.parquet``, ``.json``,
``.json.gz``, no extension for Firehose objects) and hidden files are skipped;
a file named on the command line is always taken.

Stdin is spooled to a temporary file (hashing it on the way), so it gets the
same fast path, atomicity and idempotence as a file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vpcflow.errors import InputError
from vpcflow.ingest.s3layout import S3Location, parse_s3_path

WALK_SUFFIXES = (".log", ".log.gz", ".gz", ".txt", ".parquet", ".json", ".json.gz")


@dataclass
class Source:
    """One input to load."""

    path: str
    """As shown and stored (``-`` for stdin)."""
    local: Path
    """The file to read (a spool file for stdin)."""
    size: int
    kind: str = "text"
    """``text`` | ``parquet`` | ``cloudwatch``."""
    gzip: bool = False
    s3: S3Location | None = None
    temporary: bool = False

    @property
    def source_type(self) -> str:
        if self.path == "-":
            return "stdin"
        if self.kind == "text":
            return "gzip" if self.gzip else "text"
        return self.kind

    def cleanup(self) -> None:
        if self.temporary:
            with contextlib.suppress(OSError):
                os.unlink(self.local)


def discover(paths: list[str]) -> list[Source]:
    """Expand ``paths`` into sources, in a stable order. A missing path is an InputError."""
    out: list[Source] = []
    for p in paths:
        if p == "-":
            out.append(_stdin_source())
            continue
        path = Path(p)
        if not path.exists():
            raise InputError("no such file or directory", str(p))
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or not _walkable(name):
                        continue
                    out.append(_file_source(Path(root) / name))
        else:
            out.append(_file_source(path))
    return out


def _walkable(name: str) -> bool:
    return name.endswith(WALK_SUFFIXES) or "." not in name


def _file_source(path: Path) -> Source:
    shown = str(path)
    src = Source(shown, path, path.stat().st_size, s3=parse_s3_path(shown))
    sniff(src)
    return src


def _stdin_source() -> Source:
    stream: BinaryIO = getattr(sys.stdin, "buffer", None) or sys.stdin  # type: ignore[assignment]
    fd, name = tempfile.mkstemp(prefix="vpcflow-stdin-", suffix=".spool")
    with os.fdopen(fd, "wb") as spool:
        shutil.copyfileobj(stream, spool, 1 << 20)
    local = Path(name)
    src = Source("-", local, local.stat().st_size, temporary=True)
    sniff(src)
    return src


def sniff(src: Source) -> None:
    """Set ``kind`` and ``gzip`` from the first bytes of the file."""
    with open(src.local, "rb") as fh:
        head = fh.read(4)
    if head[:4] == b"PAR1":
        src.kind = "parquet"
        return
    if head[:2] == b"\x1f\x8b":
        src.gzip = True
        try:
            with gzip.open(src.local, "rb") as gz:
                first = gz.read(256)
        except (OSError, EOFError, zlib.error):
            first = b""
    else:
        with open(src.local, "rb") as fh:
            first = fh.read(256)
    stripped = first.lstrip()
    if stripped[:1] in (b"{", b"["):
        src.kind = "cloudwatch"


def sha256_file(path: Path) -> str:
    """sha256 of the raw bytes of a file (the content hash that makes ingest idempotent)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 << 20):
            h.update(chunk)
    return h.hexdigest()
