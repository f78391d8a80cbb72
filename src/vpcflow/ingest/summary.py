"""What an ingest reports: one :class:`FileResult` per input, summed in :class:`IngestSummary`.

Conservation holds for every file that was read: ``lines == records + rejects +
headers + blanks`` (for CloudWatch exports a "line" is a log event; for Parquet a row).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FileResult:
    """The outcome for one file (or stdin, or one appended table)."""

    path: str
    status: str = "loaded"
    """``loaded`` | ``skipped`` (same content already stored) | ``failed`` (unreadable)."""
    kind: str = "flow"
    """``flow`` | ``generic``."""
    source_type: str = "text"
    """``text`` | ``gzip`` | ``parquet`` | ``cloudwatch`` | ``stdin`` | ``table``."""
    log_group: str | None = None
    size: int = 0
    sha256: str = ""
    lines: int = 0
    records: int = 0
    rejects: int = 0
    headers: int = 0
    blanks: int = 0
    seconds: float = 0.0
    formats: list[str] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    path_used: str = "fast"
    """``fast`` (vectorised) or ``exact`` (pure-Python line parser) for text files."""
    error: str | None = None
    file_id: int | None = None

    @property
    def conserved(self) -> bool:
        return self.lines == self.records + self.rejects + self.headers + self.blanks

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "kind": self.kind,
            "source_type": self.source_type,
            "log_group": self.log_group,
            "size": self.size,
            "sha256": self.sha256,
            "lines": self.lines,
            "records": self.records,
            "rejects": self.rejects,
            "headers": self.headers,
            "blanks": self.blanks,
            "conserved": self.conserved,
            "formats": self.formats,
            "warnings": dict(self.warnings),
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class IngestSummary:
    """Totals over the files of one ingest call, plus the per-file results."""

    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def _sum(self, name: str) -> int:
        return sum(int(getattr(r, name)) for r in self.results if r.status in ("loaded", "failed"))

    @property
    def files(self) -> int:
        """Files loaded in this call (skipped and failed ones excluded)."""
        return sum(1 for r in self.results if r.status == "loaded")

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.status == "skipped")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status == "failed")

    @property
    def records(self) -> int:
        return sum(r.records for r in self.results if r.status == "loaded")

    @property
    def rejects(self) -> int:
        return sum(r.rejects for r in self.results if r.status == "loaded")

    @property
    def headers(self) -> int:
        return sum(r.headers for r in self.results if r.status == "loaded")

    @property
    def blanks(self) -> int:
        return sum(r.blanks for r in self.results if r.status == "loaded")

    @property
    def lines(self) -> int:
        return sum(r.lines for r in self.results if r.status == "loaded")

    @property
    def bytes(self) -> int:
        return sum(r.size for r in self.results if r.status == "loaded")

    @property
    def warnings(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for r in self.results:
            if r.status == "loaded":
                total.update(r.warnings)
        return total

    @property
    def conserved(self) -> bool:
        """lines read == records stored + rejects + headers + blank lines, for every file."""
        return all(r.conserved for r in self.results if r.status == "loaded")

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "skipped": self.skipped,
            "failed": self.failed,
            "records": self.records,
            "rejects": self.rejects,
            "headers": self.headers,
            "blanks": self.blanks,
            "lines": self.lines,
            "bytes": self.bytes,
            "conserved": self.conserved,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records / self.seconds) if self.seconds else None,
            "warnings": dict(self.warnings),
            "results": [r.to_dict() for r in self.results],
        }
