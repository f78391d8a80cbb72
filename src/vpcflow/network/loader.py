"""Load a lab file into a :class:`~vpcflow.network.topology.Topology`.

>>> topo = load_lab_text('''
... vpcs: [{id: vpc-1, cidr: 10.1.0.0/16}]
... subnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.1.1.0/24}]
... instances: [{id: i-1, subnet: subnet-1, private_ip: 10.1.1.10}]
... ''')
>>> topo.instance_eni("i-1").private_ip, topo.eni(topo.instance("i-1").eni).vpc
('10.1.1.10', 'vpc-1')

Every problem becomes a :class:`LabValidationError` (a
:class:`~vpcflow.errors.TopologyError`) naming the file, line, column, resource
id and key of the first problem; ``.problems`` holds all of them. Warnings
(for example a flow log role the service cannot assume) are kept on
``Topology.warnings`` and never stop the load.
"""

from __future__ import annotations

import difflib
import gc
import types
import typing
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from vpcflow.errors import TopologyError
from vpcflow.network.builder import LabBuilder, Problem
from vpcflow.network.iam import check_delivery
from vpcflow.network.schema import KIND_OF_SECTION, LabModel
from vpcflow.network.source import Locator, read_lab_source
from vpcflow.network.topology import LabWarning, Topology


class LabValidationError(TopologyError):
    """A lab file with one or more problems. ``problems`` lists every one, in file order."""

    def __init__(self, problems: Sequence[TopologyError]) -> None:
        first = problems[0]
        more = len(problems) - 1
        message = first.message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        super().__init__(message, first.path, first.line, first.column, first.resource, first.key)
        self.problems = list(problems)


def load_lab(path: str | Path) -> Topology:
    """Read and validate the lab file at ``path`` (YAML or JSON)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TopologyError(f"lab file not found: {p}", str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TopologyError(f"cannot read lab file: {exc}", str(p)) from None
    return load_lab_text(text, str(p))


def load_lab_text(text: str, path: str = "<string>") -> Topology:
    """Validate lab ``text`` (YAML or JSON); ``path`` is used in messages."""
    with _gc_paused():
        return _load(text, path)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a lab is built.

    A large lab allocates hundreds of thousands of containers that all stay
    alive; without the pause the collector re-scans them over and over and a
    20,000-instance lab takes several times longer to load.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(text: str, path: str) -> Topology:
    data, locator = read_lab_source(text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TopologyError("a lab file must be a mapping of resource lists", path, 1, 1)
    try:
        lab = LabModel.model_validate(data)
    except ValidationError as exc:
        problems = _schema_problems(exc, data, locator, path)
        problems += _problems_beside_unknown_keys(exc, data, locator, path)
        problems.sort(key=lambda e: (e.line or 0, e.column or 0))
        raise LabValidationError(problems) from None
    builder = LabBuilder(lab)
    kwargs = builder.build()
    if builder.errors:
        problems = [_located(p, locator, path) for p in builder.errors]
        problems.sort(key=lambda e: (e.line or 0, e.column or 0))
        raise LabValidationError(problems)
    warnings = [_warning(p, locator, path) for p in builder.warnings]
    for i, fl in enumerate(builder.flow_logs):
        err = check_delivery(builder.roles, builder.log_groups, lab.region, lab.account, fl)
        if err is not None:
            where = ("flow_logs", i, "destination", "role")
            msg = f"flow log {fl.id}: delivery will fail: {err}"
            warnings.append(_warning(Problem(where, msg, fl.id, "role"), locator, path))
    return Topology(path=path, warnings=warnings, **kwargs)


def _problems_beside_unknown_keys(
    exc: ValidationError, data: dict[str, Any], locator: Locator, path: str
) -> list[TopologyError]:
    """The lab's other (semantic) problems when unknown keys were its only schema errors.

    A misspelt key should not hide a bad CIDR next to it until the key is fixed:
    without the unknown keys the file is checked in full. Only dict keys are
    dropped, so list positions (and the reported lines) stay those of the file.
    """
    errors = exc.errors()
    if any(e["type"] != "extra_forbidden" for e in errors):
        return []
    import copy

    stripped = copy.deepcopy(data)
    for e in errors:
        *parent, last = e["loc"]
        node: Any = stripped
        for step in parent:
            node = node[step]
        if isinstance(node, dict):
            node.pop(last, None)
    try:
        lab = LabModel.model_validate(stripped)
    except ValidationError:
        return []
    builder = LabBuilder(lab)
    builder.build()
    return [_located(p, locator, path) for p in builder.errors]


def _located(problem: Problem, locator: Locator, path: str) -> TopologyError:
    pos = locator.locate(problem.path)
    line, col = pos if pos else (None, None)
    return TopologyError(problem.message, path, line, col, problem.resource, problem.key)


def _warning(problem: Problem, locator: Locator, path: str) -> LabWarning:
    pos = locator.locate(problem.path)
    line, col = pos if pos else (None, None)
    return LabWarning(problem.message, path, line, col, problem.resource, problem.key)


# -- schema errors ---------------------------------------------------------------------


def _schema_problems(
    exc: ValidationError, data: Any, locator: Locator, path: str
) -> list[TopologyError]:
    out: list[TopologyError] = []
    seen: set[tuple[Hashable, ...]] = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        real = _existing_prefix(data, loc)
        kind = err["type"]
        if kind in ("missing", "extra_forbidden"):
            real = loc[: len(real) + 1] if len(loc) > len(real) else real
        if real in seen:
            continue
        seen.add(real)
        owner, rid = _owner(data, real)
        key = next((str(x) for x in reversed(real) if isinstance(x, str)), None)
        if kind == "extra_forbidden":
            allowed = _allowed_keys(real[:-1])
            hint = difflib.get_close_matches(str(real[-1]), allowed, n=1)
            msg = f"{owner}unknown key {real[-1]!r}"
            msg += f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
        elif kind == "missing":
            msg = f"{owner}missing required key {real[-1]!r}"
        else:
            msg = f"{owner}{key}: {err['msg']}" if key else f"{owner}{err['msg']}"
        pos = locator.locate(real)
        if kind == "missing":
            pos = locator.locate(real[:-1])
        line, col = pos if pos else (None, None)
        out.append(TopologyError(msg, path, line, col, rid, key))
    out.sort(key=lambda e: (e.line or 0, e.column or 0))
    return out


def _existing_prefix(data: Any, loc: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
    cur = data
    for i, step in enumerate(loc):
        if (isinstance(cur, dict) and step in cur) or (
            isinstance(cur, list) and isinstance(step, int) and 0 <= step < len(cur)
        ):
            cur = cur[step]  # type: ignore[index,call-overload]
        else:
            return loc[:i]
    return loc


def _owner(data: Any, loc: tuple[Hashable, ...]) -> tuple[str, str | None]:
    """``"instance i-1: "`` for a location inside a resource, and the resource id."""
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        kind = KIND_OF_SECTION.get(loc[0], loc[0])
        item = data.get(loc[0])[loc[1]] if isinstance(data.get(loc[0]), list) else None
        if isinstance(item, dict):
            rid = item.get("id", item.get("name"))
            if isinstance(rid, str):
                return f"{kind} {rid}: ", rid
        return f"{loc[0]}[{loc[1]}]: ", None
    if len(loc) <= 1:
        return ("" if loc else "top level: "), None
    return "", None


def _allowed_keys(loc: tuple[Hashable, ...]) -> list[str]:
    model: Any = LabModel
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(str(step))
        if field is None:
            return []
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside ``list[M]``, ``M | None`` and similar annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
