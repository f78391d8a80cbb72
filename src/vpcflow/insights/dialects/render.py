"""Render SQLGlot trees to SQL text, with pre-rendered constant fragments.

Compiling a small query is dominated by SQLGlot bookkeeping, not by the
query: the flow record's ``@message`` alone is a ~60-node tree (one
``COALESCE`` per format field) that was rebuilt, deep-copied twice and
rendered again for every query. Such pieces depend only on the store's
catalog, so the compiler builds them once per catalog and wraps them in a
:class:`Fragment`:

- a fragment holds its tree and its rendered text in one immutable body
  that is not a SQLGlot child node, so copying a tree that contains a
  fragment copies one node, not the subtree;
- rendering (non-pretty) reuses the text rendered the first time;
  pretty rendering (``--explain``) renders the tree in place, so the
  indentation is exactly as before;
- structural equality and hashing compare the fragment's tree, and
  :func:`fragment_trees` lets tree walks (free column references) look
  inside.

A fragment must be a self-contained scalar expression (no window, no
aggregate) whose text does not depend on where it sits; the SQL produced
is identical to rendering the tree itself.

:func:`render` keeps one SQLGlot dialect object and one generator class per
target instead of looking both up for every query.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlglot import exp


class _Body:
    """A fragment's tree (never mutated, never re-parented) and its rendered texts."""

    __slots__ = ("_hash", "texts", "tree")

    def __init__(self, tree: exp.Expr) -> None:
        self.tree = tree
        self.texts: dict[type, str] = {}
        self._hash = hash(tree)

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Body) and self.tree == other.tree)

    def __hash__(self) -> int:
        return self._hash

    def __deepcopy__(self, memo: Any) -> _Body:
        return self  # immutable: shared by every copy of the fragment

    def __repr__(self) -> str:
        return f"_Body({self.tree!r})"


class Fragment(exp.Expression):
    """A constant SQL expression rendered once (see the module docstring)."""

    arg_types = {"this": True}

    @property
    def tree(self) -> exp.Expr:
        """The fragment's tree: read it, never modify it (copy it first)."""
        body: _Body = self.args["this"]
        return body.tree


def fragment(tree: exp.Expr) -> Fragment:
    """Wrap the self-contained scalar ``tree`` (it is kept, not copied)."""
    if tree.find(exp.Window, exp.AggFunc) is not None:
        raise ValueError("a fragment cannot hold a window or an aggregate")
    return Fragment(this=_Body(tree))


def fragment_trees(e: exp.Expr) -> Iterator[exp.Expr]:
    """The trees of the fragments inside ``e`` (``e`` itself included)."""
    for f in e.find_all(Fragment):
        yield f.tree


def _fragment_sql(gen: Any, e: Fragment) -> str:
    body: _Body = e.args["this"]
    if gen.pretty:
        return str(gen.sql(body.tree.copy()))
    key = type(gen)
    text = body.texts.get(key)
    if text is None:
        # rendered from a copy: generators may annotate the nodes they print
        text = body.texts[key] = gen.sql(body.tree.copy())
    return text


_TARGETS: dict[str, tuple[Any, type]] = {}


def _target(name: str) -> tuple[Any, type]:
    """The SQLGlot dialect object for ``name`` and its generator class that knows fragments."""
    found = _TARGETS.get(name)
    if found is None:
        from sqlglot.dialects.dialect import Dialect as SqlglotDialect

        dialect = SqlglotDialect.get_or_raise(name or None)
        base = dialect.generator_class
        generator = type(
            f"Fragment{base.__name__}",
            (base,),
            {"TRANSFORMS": {**base.TRANSFORMS, Fragment: _fragment_sql}},
        )
        found = _TARGETS[name] = (dialect, generator)
    return found


def render(node: exp.Expr, dialect: str, *, pretty: bool = False, copy: bool = True) -> str:
    """SQL text of ``node`` for the SQLGlot ``dialect`` (``""``: SQLGlot's own)."""
    target, generator = _target(dialect)
    # comments=False: the compiler's trees carry no SQL comments, and the
    # generator would otherwise check every node for them
    return str(generator(pretty=pretty, dialect=target, comments=False).generate(node, copy=copy))
