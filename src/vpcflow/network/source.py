"""Read a lab file (YAML or JSON) into plain data, remembering where every key came from.

:func:`read_lab_source` returns the parsed document and a :class:`Locator`
that turns a path such as ``("instances", 3, "private_ip")`` into a
``(line, column)`` of the file, so every validation error can name its line.
YAML is read with libyaml when available; positions are recorded while the
document is constructed (no second parse). JSON is parsed with the standard
library and located lazily (by reading it again as YAML) only when an error
needs a line. Duplicate keys are an error in both: a repeated key would
silently replace the first.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from vpcflow.errors import TopologyError

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Position = tuple[int, int]


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, column: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.column, self.first = key, line, column, first


class _MarkingLoader(_BaseLoader):  # type: ignore[misc]
    """libyaml's composer with a memoised scalar resolver (most lab values repeat)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[str, bool], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            key = (value, implicit[0])
            tag = self._tags.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                self._tags[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class _Converter:
    """Nodes -> plain Python data, recording the position of every mapping key and list item.

    Faster than PyYAML's generator-based constructor; non-string scalars (int,
    bool, null, float, timestamps) still go through PyYAML's SafeConstructor.
    """

    def __init__(self) -> None:
        self.scalars = yaml.constructor.SafeConstructor()
        self.positions: dict[int, tuple[Position, dict[Hashable, Position]]] = {}

    def convert(self, node: yaml.Node) -> Any:
        cls = node.__class__
        if cls is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            return self.scalars.construct_object(node, deep=True)
        mark = node.start_mark
        where: dict[Hashable, Position] = {}
        if cls is yaml.MappingNode:
            own = {id(k) for k, _ in node.value}
            if any(k.tag == _MERGE for k, _ in node.value):
                # Merged keys come first; keys written in the mapping may override them.
                self.scalars.flatten_mapping(node)  # type: ignore[arg-type]
            data: dict[Any, Any] = {}
            merged: set[Hashable] = set()
            for key_node, value_node in node.value:
                key = self.convert(key_node)
                km = key_node.start_mark
                pos = (km.line + 1, km.column + 1)
                if not isinstance(key, Hashable):
                    raise yaml.constructor.ConstructorError(
                        None, None, "found an unhashable key", km
                    )
                if key in data and key not in merged:
                    raise _DuplicateKey(key, pos[0], pos[1], where[key][0])
                merged.discard(key)
                if id(key_node) not in own:
                    merged.add(key)
                data[key] = self.convert(value_node)
                where[key] = pos
            self.positions[id(data)] = ((mark.line + 1, mark.column + 1), where)
            return data
        items: list[Any] = []
        for i, child in enumerate(node.value):
            items.append(self.convert(child))
            cm = child.start_mark
            where[i] = (cm.line + 1, cm.column + 1)
        self.positions[id(items)] = ((mark.line + 1, mark.column + 1), where)
        return items


@dataclass
class Locator:
    """Maps a path inside the document to the (line, column) it was read from."""

    data: Any
    positions: dict[int, tuple[Position, dict[Hashable, Position]]] | None = None
    text: str | None = None
    _tried: bool = field(default=False, repr=False)

    def _ensure(self) -> None:
        if self.positions is not None or self._tried:
            return
        self._tried = True
        if self.text is None:
            return
        try:
            self.data, self.positions = _parse_yaml(self.text)
        except Exception:  # a JSON text PyYAML cannot read: no positions, still an error
            self.positions = None

    def locate(self, path: Sequence[Hashable]) -> Position | None:
        """The position of the deepest element of ``path`` that exists in the document."""
        self._ensure()
        if self.positions is None:
            return None
        cur = self.data
        found: Position | None = None
        entry = self.positions.get(id(cur))
        if entry is not None:
            found = entry[0]
        for step in path:
            entry = self.positions.get(id(cur))
            if entry is None:
                break
            pos = entry[1].get(step)
            if pos is None:
                break
            found = pos
            try:
                cur = cur[step]
            except (KeyError, IndexError, TypeError):
                break
        return found


def _parse_yaml(text: str) -> tuple[Any, dict[int, tuple[Position, dict[Hashable, Position]]]]:
    loader = _MarkingLoader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    converter = _Converter()
    data = None if node is None else converter.convert(node)
    return data, converter.positions


def read_lab_source(text: str, path: str) -> tuple[Any, Locator]:
    """Parse ``text`` (YAML, or JSON when ``path`` ends in .json or the text starts with ``{``).

    Raises :class:`TopologyError` with line and column for syntax errors and duplicate keys.
    """
    is_json = path.lower().endswith(".json") or text.lstrip().startswith("{")
    if is_json:
        return _read_json(text, path)
    try:
        data, positions = _parse_yaml(text)
    except _DuplicateKey as dup:
        raise TopologyError(
            f"key {dup.key!r} appears twice in one mapping (first on line {dup.first})",
            path,
            dup.line,
            dup.column,
            key=str(dup.key),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise TopologyError(f"YAML syntax error: {problem}", path, line, col) from None
    except yaml.YAMLError as exc:
        raise TopologyError(f"YAML syntax error: {exc}", path) from None
    return data, Locator(data, positions)


def _read_json(text: str, path: str) -> tuple[Any, Locator]:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ValueError(f"key {k!r} appears twice in one object")
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise TopologyError(f"JSON syntax error: {exc.msg}", path, exc.lineno, exc.colno) from None
    except ValueError as exc:
        pos = None
        try:
            _parse_yaml(text)
        except _DuplicateKey as dup:
            pos = (dup.line, dup.column)
        except Exception:
            pos = None
        raise TopologyError(str(exc), path, *(pos or (None, None))) from None
    return data, Locator(data, None, text)
