"""Flow log format strings: parse, validate, render back (spec/flow-logs.md §2).

>>> fmt = parse_format("default")
>>> fmt.tokens[:3]
('version', 'account-id', 'interface-id')
>>> fmt.is_default
True
>>> parse_format("${version} ${vpc-id} ${srcaddr}").render()
'${version} ${vpc-id} ${srcaddr}'
>>> parse_format("version vpc-id srcaddr").version
3
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vpcflow.errors import FormatError
from vpcflow.records.fields import DEFAULT_TOKENS, Field, field_for

_TOKEN = re.compile(r"^(?:\$\{([^{}\s]+)\}|([A-Za-z][A-Za-z0-9_-]*))$")


@dataclass(frozen=True)
class FlowFormat:
    """An ordered list of field tokens."""

    tokens: tuple[str, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(field_for(t) for t in self.tokens)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    @property
    def is_default(self) -> bool:
        return self.tokens == DEFAULT_TOKENS

    @property
    def version(self) -> int:
        """The value AWS writes in ``${version}``: the highest version of the fields."""
        return max((f.version for f in self.fields if f.known), default=2)

    @property
    def unknown_tokens(self) -> tuple[str, ...]:
        return tuple(f.token for f in self.fields if not f.known)

    def render(self) -> str:
        """The format string as given to ``--log-format`` (``${a} ${b} ...``)."""
        return " ".join(f"${{{t}}}" for t in self.tokens)

    def header(self) -> str:
        """The header line of an S3 text file: the tokens without ``${}``."""
        return " ".join(self.tokens)

    def name(self) -> str:
        """``default`` for the default format, else the rendered string."""
        return "default" if self.is_default else self.render()

    def __str__(self) -> str:
        return self.name()


DEFAULT_FORMAT = FlowFormat(DEFAULT_TOKENS)


def parse_format(text: str, *, path: str | None = None, line: int | None = None) -> FlowFormat:
    """Parse ``default``, a ``${a} ${b}`` format string, or a header line ``a b``.

    Unknown tokens are kept (as text columns). Raises :class:`FormatError`
    naming the column of the first bad token for anything that is not a token
    list, and for a token given twice.
    """
    stripped = text.strip()
    if stripped.lower() == "default":
        return DEFAULT_FORMAT
    if not stripped:
        raise FormatError("empty flow log format", path, line, 1)
    tokens: list[str] = []
    seen: set[str] = set()
    for match in re.finditer(r"\S+", text):
        m = _TOKEN.match(match.group())
        col = match.start() + 1
        if m is None:
            raise FormatError(
                f"bad field {match.group()!r} in flow log format (expected ${{field-name}})",
                path,
                line,
                col,
            )
        token = m.group(1) or m.group(2)
        if token in seen:
            raise FormatError(f"field {token!r} appears twice in flow log format", path, line, col)
        seen.add(token)
        tokens.append(token)
    return FlowFormat(tuple(tokens))


def looks_like_header(line: str) -> bool:
    """True when ``line`` is a header: its first token is a field name, not a value.

    Values start with a digit or are ``-`` (version/number) or are ids like
    ``eni-...``; a header's first token is a known field token (spec §9.1).
    A header whose first token is unknown but every token is a known field also
    counts.
    """
    parts = line.split()
    if not parts:
        return False
    first = field_for(parts[0])
    if first.known:
        return True
    return (
        all(field_for(p).known for p in parts[1:]) and len(parts) > 1 and not parts[0][:1].isdigit()
    )
