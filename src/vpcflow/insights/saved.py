"""Saved queries: the AWS samples shipped with vpcflow plus the user's own.

Shipped queries live in ``saved_queries.yaml`` beside this module. Users add
or override queries (by slug) in a YAML file of the same shape: the path
given with ``--queries-file``, else ``~/.config/vpcflow/queries.yaml`` (or
``$XDG_CONFIG_HOME/vpcflow/queries.yaml``) when it exists::

    queries:
      - slug: ssh-rejects
        title: Rejected SSH attempts
        query: filter dstPort = 22 and action = "REJECT" | stats count(*) by srcAddr

Parameters are ``{name}`` placeholders inside quoted strings of the query;
:meth:`SavedQuery.render` fills them, escaping backslashes and quotes so a
value can never end the string it sits in.

>>> q = SavedQuery("x", "X", "filter srcAddr = '{ip}'", params={"ip": Param("an address")})
>>> q.render({"ip": "10.0.0.1' or 'a"})
"filter srcAddr = '10.0.0.1\\\\' or \\\\'a'"
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from vpcflow.errors import InputError, UsageError

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Param:
    description: str = ""
    default: str | None = None


@dataclass(frozen=True)
class SavedQuery:
    slug: str
    title: str
    query: str
    description: str = ""
    origin: str = ""
    params: dict[str, Param] = field(default_factory=dict)
    user: bool = False

    def render(self, values: dict[str, str] | None = None) -> str:
        """The query text with parameters filled in (escaped for the quoted string)."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            raise UsageError(
                f"saved query {self.slug!r} has no parameter {unknown[0]!r}"
                + (f" (parameters: {', '.join(self.params)})" if self.params else "")
            )
        missing = [n for n, p in self.params.items() if n not in values and p.default is None]
        if missing:
            hints = "; ".join(f"{n}: {self.params[n].description}" for n in missing)
            flags = " ".join(f"--param {n}=VALUE" for n in missing)
            raise UsageError(f"saved query {self.slug!r} needs {flags} ({hints})")

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.params:
                return m.group(0)
            value = values.get(name, self.params[name].default) or ""
            return value.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")

        return _PLACEHOLDER.sub(fill, self.query)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "origin": self.origin,
            "query": self.query,
            "params": {
                n: {"description": p.description, "default": p.default}
                for n, p in self.params.items()
            },
            "user": self.user,
        }


def _parse(doc: Any, where: str, user: bool) -> list[SavedQuery]:
    items = doc.get("queries") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputError("expected a 'queries:' list of saved queries", where)
    out: list[SavedQuery] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("slug") or not item.get("query"):
            raise InputError(f"saved query #{i} needs at least 'slug' and 'query'", where)
        params = {}
        for name, spec in (item.get("params") or {}).items():
            spec = spec if isinstance(spec, dict) else {"description": str(spec)}
            default = spec.get("default")
            params[str(name)] = Param(
                str(spec.get("description", "")), None if default is None else str(default)
            )
        out.append(
            SavedQuery(
                slug=str(item["slug"]),
                title=str(item.get("title") or item["slug"]),
                query=" ".join(str(item["query"]).split("\n")).strip(),
                description=str(item.get("description", "")).strip(),
                origin=str(item.get("origin", "user" if user else "")),
                params=params,
                user=user,
            )
        )
    return out


def builtin() -> list[SavedQuery]:
    import yaml

    text = resources.files("vpcflow.insights").joinpath("saved_queries.yaml").read_text("utf-8")
    return _parse(yaml.safe_load(text), "saved_queries.yaml", user=False)


def user_file(path: str | Path | None = None) -> Path | None:
    """The user's saved-query file: ``path``, else the config location if it exists."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.exists():
            raise UsageError(f"{p}: no such saved-query file")
        return p
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    p = Path(base) / "vpcflow" / "queries.yaml"
    return p if p.exists() else None


def load(path: str | Path | None = None) -> list[SavedQuery]:
    """Shipped queries, then the user's (a user slug replaces a shipped one)."""
    import yaml

    queries = {q.slug: q for q in builtin()}
    p = user_file(path)
    if p is not None:
        try:
            doc = yaml.safe_load(p.read_text("utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise InputError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}", str(p), line
            ) from None
        for q in _parse(doc, str(p), user=True):
            queries[q.slug] = q
    return list(queries.values())


def find(slug: str, path: str | Path | None = None) -> SavedQuery:
    queries = load(path)
    for q in queries:
        if q.slug == slug:
            return q
    close = [q.slug for q in queries if slug in q.slug or q.slug in slug]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `vpcflow queries` lists them"
    raise UsageError(f"no saved query {slug!r}{hint}")


def get(slug: str, path: str | Path | None = None) -> SavedQuery:
    """The saved query ``slug`` (alias of :func:`find`)."""
    return find(slug, path)
