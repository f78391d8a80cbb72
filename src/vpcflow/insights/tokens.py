"""Tokens of the Logs Insights query language (spec/logs-insights.md §2).

The lexer is *lazy*: the parser pulls one token at a time, because whether a
``/`` opens a regex literal or is the division operator depends on the parser's
position (spec §2.5: a regex where an operand is expected). When the parser
is at an operand and sees a ``SLASH`` token it calls :meth:`Lexer.rescan_regex`,
which re-reads the text from that slash as a regex literal. Nothing past the
current token is ever tokenized ahead, so a ``|`` or ``#`` inside a regex is
never mistaken for a pipe or a comment.

Every token carries its 0-based ``start``/``end`` character offsets into the
query; errors are reported at those offsets.

>>> lex = Lexer('filter bytes > 10 # big')
>>> [(t.type.name, t.text) for t in lex.all()]
[('IDENT', 'filter'), ('IDENT', 'bytes'), ('GT', '>'), ('NUMBER', '10'), ('EOF', '')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, auto

from vpcflow.errors import QueryError


class TokenType(Enum):
    IDENT = auto()  # plain name, possibly dotted: srcAddr, userIdentity.type
    AT_IDENT = auto()  # @timestamp, @message, @t
    BACKTICK = auto()  # `foo-bar` (value is the name inside)
    STRING = auto()  # "..." or '...' (value is unescaped)
    REGEX = auto()  # /.../ (value is the pattern with \/ unescaped)
    NUMBER = auto()  # 17, 0.75, 1e6
    PERIOD = auto()  # 5m, 2hrs, 1min (digits immediately followed by letters)
    PIPE = auto()
    COMMA = auto()
    COLON = auto()
    LPAREN = auto()
    RPAREN = auto()
    LBRACKET = auto()
    RBRACKET = auto()
    PLUS = auto()
    MINUS = auto()
    STAR = auto()
    SLASH = auto()
    CARET = auto()
    PERCENT = auto()
    EQ = auto()
    NEQ = auto()
    LT = auto()
    LTE = auto()
    GT = auto()
    GTE = auto()
    MATCH = auto()  # =~
    EOF = auto()


@dataclass(frozen=True)
class Token:
    type: TokenType
    text: str  # the source text of the token
    value: str  # the decoded value (names without backticks, unescaped strings)
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """True for a plain identifier equal (case-insensitively) to one of ``words``."""
        return self.type is TokenType.IDENT and self.value.lower() in words


# Word operators and keywords (case-insensitive, spec §2.1). Reserved words
# cannot be used as bare field names; backticks make them names again.
RESERVED = frozenset({"and", "or", "not", "like", "in", "as", "by"})

_PUNCT: dict[str, TokenType] = {
    "|": TokenType.PIPE,
    ",": TokenType.COMMA,
    ":": TokenType.COLON,
    "(": TokenType.LPAREN,
    ")": TokenType.RPAREN,
    "[": TokenType.LBRACKET,
    "]": TokenType.RBRACKET,
    "+": TokenType.PLUS,
    "-": TokenType.MINUS,
    "*": TokenType.STAR,
    "/": TokenType.SLASH,
    "^": TokenType.CARET,
    "%": TokenType.PERCENT,
    "=": TokenType.EQ,
    "<": TokenType.LT,
    ">": TokenType.GT,
}
_TWO_CHAR: dict[str, TokenType] = {
    "!=": TokenType.NEQ,
    "<=": TokenType.LTE,
    ">=": TokenType.GTE,
    "=~": TokenType.MATCH,
}
# Operators other languages have and Logs Insights does not (spec §2.7).
_FOREIGN: dict[str, str] = {
    "==": "'==' is not an operator; use '=' to compare",
    "<>": "'<>' is not an operator; use '!='",
    "&&": "'&&' is not an operator; use 'and'",
    "||": "'||' is not an operator; use 'or' (or concat() to join strings)",
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_AT_NAME = re.compile(r"@@?[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_])")
_PERIOD = re.compile(r"[0-9]+(?:\.[0-9]+)?[A-Za-z][A-Za-z0-9_]*")
_STRING_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}


def syntax_error(message: str, start: int, end: int | None = None) -> QueryError:
    return QueryError("SYNTAX_ERROR", message, start, end)


class Lexer:
    """Pull tokens from ``text`` one at a time (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def all(self) -> list[Token]:
        """Every token up to and including EOF, with ``/`` read as division (for tests)."""
        out = []
        while True:
            tok = self.next()
            out.append(tok)
            if tok.type is TokenType.EOF:
                return out

    def _skip_space(self) -> None:
        text, n = self.text, len(self.text)
        i = self.pos
        while i < n:
            ch = text[i]
            if ch.isspace():
                i += 1
            elif ch == "#":
                nl = text.find("\n", i)
                i = n if nl < 0 else nl + 1
            else:
                break
        self.pos = i

    def next(self) -> Token:
        """The next token; ``/`` is returned as ``SLASH``."""
        self._skip_space()
        text, i = self.text, self.pos
        if i >= len(text):
            return Token(TokenType.EOF, "", "", i, i)
        ch = text[i]
        two = text[i : i + 2]
        if two in _FOREIGN:
            raise syntax_error(_FOREIGN[two], i, i + 2)
        if two in _TWO_CHAR:
            return self._emit(_TWO_CHAR[two], i, i + 2)
        if ch in "\"'":
            return self._string(i)
        if ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise syntax_error("unterminated backtick name", i)
            if end == i + 1:
                raise syntax_error("empty backtick name", i, i + 2)
            return self._emit(TokenType.BACKTICK, i, end + 1, text[i + 1 : end])
        if ch == "@":
            m = _AT_NAME.match(text, i)
            if m is None:
                raise syntax_error("'@' must start a field name such as @timestamp", i)
            return self._emit(TokenType.AT_IDENT, i, m.end())
        if ch.isdigit():
            m = _NUMBER.match(text, i)
            if m is not None:
                return self._emit(TokenType.NUMBER, i, m.end())
            m = _PERIOD.match(text, i)
            if m is not None:
                return self._emit(TokenType.PERIOD, i, m.end())
            raise syntax_error("malformed number", i)  # pragma: no cover - regexes cover digits
        if ch.isalpha() or ch == "_":
            m = _NAME.match(text, i)
            if m is not None:
                return self._emit(TokenType.IDENT, i, m.end())
        if ch == "!":
            raise syntax_error("'!' is not an operator; use 'not' or '!='", i)
        kind = _PUNCT.get(ch)
        if kind is None:
            raise syntax_error(f"unexpected character {ch!r}", i)
        return self._emit(kind, i, i + 1)

    def _emit(self, kind: TokenType, start: int, end: int, value: str | None = None) -> Token:
        self.pos = end
        raw = self.text[start:end]
        return Token(kind, raw, raw if value is None else value, start, end)

    def _string(self, start: int) -> Token:
        text, quote = self.text, self.text[start]
        out: list[str] = []
        i = start + 1
        while i < len(text):
            ch = text[i]
            if ch == quote:
                return self._emit(TokenType.STRING, start, i + 1, "".join(out))
            if ch == "\n":
                break
            if ch == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                if nxt in _STRING_ESCAPES:
                    out.append(_STRING_ESCAPES[nxt])
                else:  # unknown escapes are kept literally (spec §2.4)
                    out.append(ch + nxt)
                i += 2
                continue
            out.append(ch)
            i += 1
        raise syntax_error("unterminated string", start)

    def rescan_regex(self, slash: Token) -> Token:
        """Re-read the text at ``slash`` (a ``SLASH`` token) as a regex literal."""
        text, start = self.text, slash.start
        out: list[str] = []
        i = start + 1
        while i < len(text):
            ch = text[i]
            if ch == "/":
                end = i + 1
                if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                    raise syntax_error(
                        "regex flags are not supported; write (?i) inside the pattern",
                        end,
                    )
                return self._emit(TokenType.REGEX, start, end, "".join(out))
            if ch == "\n":
                break
            if ch == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                # \/ is an escaped slash; every other escape belongs to the regex.
                out.append("/" if nxt == "/" else ch + nxt)
                i += 2
                continue
            out.append(ch)
            i += 1
        raise syntax_error("unterminated regex", start)

    def raw_word(self) -> tuple[str, int, int]:
        """The next run of non-space characters (``SOURCE ... START=<time>`` values)."""
        self._skip_space()
        m = re.compile(r"[^\s|]+").match(self.text, self.pos)
        if m is None:
            return "", self.pos, self.pos
        self.pos = m.end()
        return m.group(), m.start(), m.end()
