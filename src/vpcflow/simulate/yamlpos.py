"""YAML loading that remembers where every value was written.

A traffic file error must name the file, line and column of the offending
value (DESIGN.md: never a traceback for bad input). PyYAML's composer keeps a
mark on every node; :func:`load_located` turns the node tree into plain Python
values and a map from each value's *path* (the tuple of keys/indices leading
to it) to its 1-based ``(line, column)``.

>>> doc = load_located("a:\\n  - 1\\n  - x: 2\\n", "t.yaml")
>>> doc.value
{'a': [1, {'x': 2}]}
>>> doc.where(("a", 1, "x"))
(3, 8)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from vpcflow.errors import InputError

Path = tuple[str | int, ...]


@dataclass
class Located:
    """A loaded document and the positions of its values."""

    value: Any
    path: str
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, at: Path, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of the value at ``at`` (of its key with ``key=True``).

        Falls back to the nearest enclosing value that has a mark.
        """
        table = self.key_marks if key else self.marks
        probe = at
        while True:
            if probe in table:
                return table[probe]
            if probe in self.marks:
                return self.marks[probe]
            if not probe:
                return None, None
            probe = probe[:-1]

    def error(self, message: str, at: Path, *, key: bool = False) -> InputError:
        """An :class:`InputError` located at ``at``."""
        line, col = self.where(at, key=key)
        return InputError(message, self.path, line, col)


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def load_located(text: str, path: str) -> Located:
    """Parse one YAML (or JSON) document; raise :class:`InputError` with a position on bad syntax."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise InputError(f"not valid YAML: {exc.problem or exc}", path, line, col) from None
    except yaml.YAMLError as exc:  # pragma: no cover - composer errors are all marked
        raise InputError(f"not valid YAML: {exc}", path) from None
    doc = Located(None, path)
    if node is None:
        return doc
    constructor = _Constructor()
    doc.value = _convert(node, (), doc, constructor)
    return doc


def _convert(node: yaml.Node, at: Path, doc: Located, ctor: _Constructor) -> Any:
    doc.marks[at] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise InputError("mapping keys must be plain words", doc.path, line, col)
            key = str(key_node.value)
            here = (*at, key)
            doc.key_marks[here] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                line, col = doc.key_marks[here]
                raise InputError(f"key {key!r} appears twice", doc.path, line, col)
            out[key] = _convert(value_node, here, doc, ctor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*at, i), doc, ctor) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    try:
        return ctor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        line, col = doc.marks[at]
        raise InputError(f"bad value: {exc.problem}", doc.path, line, col) from None
