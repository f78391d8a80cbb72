"""AST -> AST lowerings applied before compiling (the generator stays a printer).

- :func:`lower_parse`: both ``parse`` modes become one RE2 regex plus the
  capture-group number of each extracted name. Glob mode (spec §4.8): literal
  text escaped, each ``*`` a lazy ``(.*?)`` except a final ``*``, which is a
  greedy ``(.*)``; ``.`` matches newlines; first match anywhere. Regex mode:
  named groups ``(?<name>...)`` become plain groups, so user names such as
  ``@user`` never reach RE2.
- :func:`translate_regex`: AWS writes named groups ``(?<name>...)``; DuckDB's
  RE2 build only knows ``(?P<name>...)``.

>>> lower_parse_pattern_glob("[*] * The error was: *")
'(?s)\\\\[(.*?)\\\\] (.*?) The error was: (.*)'
>>> scan_groups("(?<level>\\\\S+) (x) (?<rest>.*)")
('(\\\\S+) (x) (.*)', [(1, 'level'), (3, 'rest')])
"""

from __future__ import annotations

from dataclasses import replace

from vpcflow.insights import ast

_RE2_META = set("\\.+*?()|[]{}^$")


def escape_re2(text: str) -> str:
    """Escape ``text`` so RE2 matches it literally."""
    return "".join("\\" + c if c in _RE2_META else c for c in text)


def lower_parse_pattern_glob(glob: str) -> str:
    pieces = glob.split("*")
    out = ["(?s)", escape_re2(pieces[0])]
    for i, piece in enumerate(pieces[1:], start=1):
        last = i == len(pieces) - 1 and piece == ""
        out.append("(.*)" if last else "(.*?)")
        out.append(escape_re2(piece))
    return "".join(out)


def scan_groups(pattern: str) -> tuple[str, list[tuple[int, str]]]:
    """Strip group names from ``pattern``; return it with (group number, name) pairs.

    Counts capturing groups the way RE2 numbers them: an unescaped ``(``
    outside a character class, unless it opens a non-capturing or flag
    group ``(?...)``; ``(?P<name>`` and ``(?<name>`` are capturing.
    """
    out: list[str] = []
    named: list[tuple[int, str]] = []
    count = 0
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            # a ']' right after '[' or '[^' is literal
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("]")
                i += 1
            continue
        if ch == "(":
            rest = pattern[i + 1 :]
            name_start = 3 if rest.startswith("?P<") else 2 if rest.startswith("?<") else 0
            if name_start and not rest.startswith(("?<=", "?<!")):
                close = rest.find(">", name_start)
                if close > name_start:
                    count += 1
                    named.append((count, rest[name_start:close]))
                    out.append("(")
                    i += 1 + close + 1
                    continue
            if not rest.startswith("?"):
                count += 1
        out.append(ch)
        i += 1
    return "".join(out), named


def translate_regex(pattern: str) -> str:
    """A user regex for RE2: group names dropped (``(?<name>`` is not RE2 syntax).

    Filters never read group names, and parse binds names by group number,
    so the plain group matches exactly the same text.
    """
    return scan_groups(pattern)[0]


def lower_parse(cmd: ast.Parse) -> ast.Parse:
    """Fill ``regex``, ``names`` and ``group_index`` of a parse command."""
    if isinstance(cmd.pattern, ast.String):
        regex = lower_parse_pattern_glob(cmd.pattern.value)
        names = cmd.names
        index = tuple(range(1, len(names) + 1))
    else:
        regex, named = scan_groups(cmd.pattern.pattern)
        names = tuple(name for _, name in named)
        index = tuple(i for i, _ in named)
    return replace(cmd, regex=regex, names=names, group_index=index)
