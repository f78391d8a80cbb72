"""The one exception tree of vpcflow.

Every error a user can cause is a :class:`VpcflowError`; the CLI maps it in
one place (``vpcflow.cli.app.main``) to a one-line message on stderr and an
exit code, and in one place (:meth:`VpcflowError.to_dict`) to the JSON body.
Anything that is not a ``VpcflowError`` is a bug in vpcflow and is allowed to
show a traceback.

::

    VpcflowError                  exit 2  bad input or usage
     ├── UsageError               exit 2  bad option values, conflicting flags
     ├── InputError               exit 2  a file (or stdin) we were given is wrong;
     │    │                               carries path, line, column
     │    ├── FormatError                 a flow log format string is wrong
     │    └── TopologyError               a lab file is wrong (adds resource id, key)
     ├── QueryError               exit 2  a Logs Insights query is wrong; carries the
     │                                    spec code and 0-based character offsets
     ├── StoreError               exit 2  the store cannot be opened or is not ours
     └── MissingExtraError        exit 2  an optional dependency is not installed

Exit code 1 is not an error: it is the answer "no" (unreachable, detections
found with ``--fail-on``), returned by the command itself.
"""

from __future__ import annotations

from typing import Any


class VpcflowError(Exception):
    """Base of every error a user can cause. ``exit_code`` is what the CLI returns."""

    exit_code = 2
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def location(self) -> str:
        """``file:line:col`` prefix, or an empty string when there is no location."""
        return ""

    def one_line(self) -> str:
        """The single line the CLI prints (without the ``vpcflow: error:`` prefix)."""
        loc = self.location()
        text = " ".join(self.message.split("\n"))
        return f"{loc}: {text}" if loc else text

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"type": type(self).__name__, "message": self.message}}


class UsageError(VpcflowError):
    """Bad option values or a combination of options that makes no sense."""


class InputError(VpcflowError):
    """A file we were asked to read is wrong. ``path`` may be ``-`` for stdin."""

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column

    def location(self) -> str:
        if self.path is None:
            return ""
        parts = [str(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"].update({"path": self.path, "line": self.line, "column": self.column})
        return body


class FormatError(InputError):
    """A flow log format string (``--format`` or a header line) is wrong."""


class TopologyError(InputError):
    """A lab file is wrong. Names the resource id and key where known."""

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        resource: str | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message, path, line, column)
        self.resource = resource
        self.key = key

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"].update({"resource": self.resource, "key": self.key})
        return body


class QueryError(VpcflowError):
    """A Logs Insights query is wrong.

    ``code`` is one of the codes of the Logs Insights spec §7.2
    (``SYNTAX_ERROR``, ``UNKNOWN_COMMAND``, ...); ``start``/``end`` are 0-based
    character offsets into ``query``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        start: int = 0,
        end: int | None = None,
        query: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.start = start
        self.end = start + 1 if end is None else end
        self.query = query

    def line_col(self) -> tuple[int, int]:
        """1-based line and column of ``start`` within ``query``."""
        text = self.query or ""
        before = text[: self.start]
        line = before.count("\n") + 1
        col = self.start - (before.rfind("\n") + 1) + 1
        return line, col

    def location(self) -> str:
        line, col = self.line_col()
        return f"query:{line}:{col}"

    def one_line(self) -> str:
        return f"{self.location()}: {self.code}: {self.message}"

    def caret(self) -> str:
        """The offending query line with a caret under ``start`` (for terminals)."""
        text = self.query or ""
        line, col = self.line_col()
        src = text.split("\n")[line - 1] if text else ""
        width = max(1, min(self.end, self.start + len(src)) - self.start)
        return f"  {src}\n  {' ' * (col - 1)}{'^' * width}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": {
                "type": "QueryError",
                "code": self.code,
                "message": self.message,
                "start": self.start,
                "end": self.end,
            }
        }


class StoreError(VpcflowError):
    """The store cannot be opened, is locked, or is not a vpcflow store."""


class MissingExtraError(VpcflowError):
    """An optional dependency (pyspark, boto3, fastapi) is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package} is not installed; install it with: pip install 'vpcflow[{extra}]'"
        )
        self.package = package
        self.extra = extra
