"""Reading a cycle config: the YAML file (a key given twice is refused), plain data to a
checked ``CycleConfig``, and pydantic's errors as ``(path, reason)`` problems, reported in
one ``ConfigError`` together with what the other checks find in the rest of the config.

Not here: the checks themselves (``checks``) and the sections (``sections``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from tunecycle.cycle.config.checks import check_config
from tunecycle.cycle.config.sections import ConfigError, CycleConfig, Problem


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, Mapping | list):
            continue  # unhashable: the constructor itself reports it
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"key {key!r} is given twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def load_config(path: str | Path) -> CycleConfig:
    """Read, parse and check the YAML cycle config at ``path``; raise :class:`ConfigError`."""
    where = str(path)
    p = Path(path).expanduser()
    if not p.is_file():
        reason = "is not a file" if p.exists() else "no such config file"
        raise ConfigError([("", reason)], where)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([("", f"cannot read it ({exc})")], where) from None
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError([("", f"invalid YAML: {_yaml_problem(exc)}")], where) from None
    return parse_config(raw, where)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{at}".replace("\n", " ")


def parse_config(raw: Any, source: str | None = None) -> CycleConfig:
    """A checked :class:`CycleConfig` from plain data (as YAML gives it)."""
    if raw is None:
        raise ConfigError([("", "the config is empty; it needs at least a data section")], source)
    if not isinstance(raw, Mapping):
        raise ConfigError(
            [("", f"expected a mapping of sections (study, data, split, metric, "
                  f"objectives, constraints, models, output, ensemble, tracking), got "
                  f"{type(raw).__name__}")],
            source,
        )
    try:
        cfg = CycleConfig.model_validate(dict(raw))
    except ValidationError as exc:
        problems = [_pydantic_problem(e) for e in exc.errors()]
        problems += _checks_of_the_rest(raw, exc, {path for path, _ in problems})
        raise ConfigError(problems, source) from None
    problems = check_config(cfg)
    if problems:
        raise ConfigError(problems, source)
    return cfg


def _checks_of_the_rest(raw: Mapping[str, Any], exc: ValidationError,
                        reported: set[str]) -> list[Problem]:
    """So that one run reports every mistake: drop the fields pydantic refused (their defaults
    apply) and run :func:`check_config` on the rest, when what is left is a valid config."""
    import copy

    doc: Any = copy.deepcopy(dict(raw))
    for err in exc.errors():
        *parents, last = tuple(err.get("loc", ())) or ("",)
        node = doc
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            return []
        del node[last]
    try:
        cfg = CycleConfig.model_validate(doc)
    except ValidationError:
        return []
    return [(path, reason) for path, reason in check_config(cfg)
            if not any(path == r or path.startswith(r + ".") for r in reported)]


def _pydantic_problem(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err.get("loc", ()))
    path = ".".join(str(part) for part in loc)
    kind = err.get("type")
    if kind == "extra_forbidden":
        allowed = (["min", "max"] if len(loc) == 3 and loc[0] == "constraints"
                   else _allowed_keys(loc[:-1]))
        return path, "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return path, "is required"
    if kind == "value_error":
        return path, str(err.get("ctx", {}).get("error", err.get("msg")))
    reason = str(err.get("msg", "is invalid"))
    shown = repr(err.get("input"))
    if "input" in err and len(shown) <= 80:
        reason += f", got {shown}"
    return path, reason


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = CycleConfig
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return []
        inner = field.annotation
        if get_origin(inner) in (Union, UnionType):  # an optional section: its model
            inner = next((a for a in get_args(inner)
                          if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        model = inner
    return list(model.model_fields)
