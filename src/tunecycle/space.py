"""Search spaces: parameter types, their validation, and their encoding to and from [0, 1].

The base ``Param`` and the numeric types ``Float`` and ``Int`` live in
:mod:`tunecycle.param_types` and are re-exported here (this is their public path);
``Categorical`` lives here, with ``Space``, because a conditional one holds sub-spaces.

A space is a plain ``dict`` of name -> parameter type::

    space = {
        "lr": tc.Float(1e-5, 1e-1, log=True),
        "layers": tc.Int(1, 4),
        "model": tc.Categorical({"svm": {"C": tc.Float(1e-3, 1e3, log=True)}, "knn": {}}),
    }

A categorical whose choices are a mapping is conditional: each choice carries its own sub-space,
active only when that choice is picked.  Sub-parameters are named ``<choice>.<name>`` (nested
choices extend the path), so ``params == {"model": "svm", "svm.C": 2.5}``.

Every type validates itself on construction and raises :class:`~tunecycle.errors.SpaceError`
(a ``ValueError``) naming the parameter and the problem.  Every type maps values to and from the
unit interval; samplers work in that unit cube.  The space owns that cube's geometry: how many
cells (values) a discrete parameter has (``Param.n_cells``), snapping a unit value to its
cell's centre (``Param.snap``, ``Param.snap_column``), cell widths and edges, how many
configurations a space has (``Space.n_configs``) and the one identity of a configuration
(``Space.config_key``), which every repeat check uses (:mod:`tunecycle.untried`).  This module
knows nothing of studies, storage or samplers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunecycle.errors import SpaceError
from tunecycle.param_types import Float, Int, Param, ParamValue, is_number, param_label

_SCALARS = (type(None), bool, int, float, str)
_GRID_LIMIT = 1_000_000


def _choice_key(value: Any) -> tuple[str, Any]:
    """Tell ``True`` from ``1`` and ``1`` from ``1.0`` when comparing choices."""
    return (type(value).__name__, value)


@dataclass(frozen=True, eq=False)
class Categorical(Param):
    """One of a list of choices; a mapping of choice -> sub-space makes it conditional."""

    choices: Any
    name: str | None = field(default=None, compare=False)
    branches: tuple[tuple[ParamValue, Space], ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        label = param_label("Categorical", self.name)
        raw = self.choices
        branches: list[tuple[ParamValue, Space]] = []
        if isinstance(raw, Mapping):
            choices = list(raw.keys())
            for choice, sub in raw.items():
                if sub is None:
                    sub = {}
                if not isinstance(sub, (Mapping, Space)):
                    raise SpaceError(
                        f"{label}: the sub-space of choice {choice!r} must be a mapping of "
                        f"name -> parameter, got {type(sub).__name__}"
                    )
                sub_space = sub if isinstance(sub, Space) else Space(sub)
                if sub_space.dims:
                    branches.append((choice, sub_space))
        elif isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
            raise SpaceError(
                f"{label}: choices must be a list (or a mapping of choice -> sub-space), "
                f"got {type(raw).__name__}"
            )
        else:
            choices = list(raw)
        if not choices:
            raise SpaceError(f"{label}: choices must not be empty")
        seen: set[tuple[str, Any]] = set()
        for c in choices:
            if not isinstance(c, _SCALARS):
                raise SpaceError(
                    f"{label}: choice {c!r} is a {type(c).__name__}; choices must be None, bool, "
                    "int, float or str so that they can be stored"
                )
            if isinstance(c, float) and not math.isfinite(c):
                raise SpaceError(f"{label}: choice {c!r} is not a finite number")
            key = _choice_key(c)
            if key in seen:
                raise SpaceError(f"{label}: duplicate choice {c!r}")
            seen.add(key)
        object.__setattr__(self, "choices", tuple(choices))
        object.__setattr__(self, "branches", tuple(branches))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Categorical):
            return NotImplemented
        return [_choice_key(c) for c in self.choices] == [_choice_key(c) for c in other.choices]

    def __hash__(self) -> int:
        return hash(tuple(_choice_key(c) for c in self.choices))

    def index(self, value: Any) -> int:
        key = _choice_key(value)
        for i, c in enumerate(self.choices):
            if _choice_key(c) == key:
                return i
        # numpy scalars and ints given for floats: fall back to plain equality
        for i, c in enumerate(self.choices):
            if type(c) is not bool and type(value) is not bool and c == value:
                return i
        raise SpaceError(
            f"{param_label('Categorical', self.name)}: {value!r} is not one of {list(self.choices)!r}"
        )

    @property
    def n_cells(self) -> int:
        return len(self.choices)

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> ParamValue:
        u = min(max(float(u), 0.0), 1.0)
        n = len(self.choices)
        return self.choices[min(int(u * n), n - 1)]

    def contains(self, value: Any) -> bool:
        try:
            self.index(value)
        except SpaceError:
            return False
        return True

    def normalize(self, value: Any) -> ParamValue:
        return self.choices[self.index(value)]

    def grid(self) -> list[ParamValue]:
        return list(self.choices)

    @property
    def is_discrete(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        if not self.branches:
            return {"type": "categorical", "choices": list(self.choices)}
        subs = dict(self.branches)
        return {
            "type": "categorical",
            "choices": {c: (subs[c].to_dict() if c in subs else {}) for c in self.choices},
        }

    def flat(self) -> Categorical:
        """This categorical without its sub-spaces (what a trial records)."""
        if not self.branches:
            return self
        return Categorical(list(self.choices), name=self.name)


_TYPES: dict[str, type[Param]] = {"float": Float, "int": Int, "categorical": Categorical}


def param_from_dict(spec: Mapping[str, Any], name: str | None = None) -> Param:
    """Build a parameter from its plain form, e.g. ``{"type": "float", "low": 0, "high": 1}``."""
    label = param_label("parameter", name)
    if not isinstance(spec, Mapping):
        raise SpaceError(f"{label}: expected a mapping with a 'type' key, got {spec!r}")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in _TYPES:  # a list/dict is unhashable
        raise SpaceError(f"{label}: 'type' must be one of {sorted(_TYPES)}, got {kind!r}")
    cls = _TYPES[kind]
    allowed = {
        "float": {"low", "high", "log", "step"},
        "int": {"low", "high", "log", "step"},
        "categorical": {"choices"},
    }[kind]
    args = {k: v for k, v in spec.items() if k != "type"}
    unknown = set(args) - allowed
    if unknown:
        raise SpaceError(f"{label}: unknown field(s) {sorted(unknown)} for type {kind!r}")
    missing = {"float": {"low", "high"}, "int": {"low", "high"}, "categorical": {"choices"}}[kind]
    missing = missing - set(args)
    if missing:
        raise SpaceError(f"{label}: missing field(s) {sorted(missing)} for type {kind!r}")
    return cls(**args, name=name)


def _coerce_param(name: str, value: Any) -> Param:
    if isinstance(value, Param):
        return value if value.name == name else value.named(name)
    if isinstance(value, Mapping):
        return param_from_dict(value, name)
    if isinstance(value, (list, tuple)):
        return Categorical(list(value), name=name)
    raise SpaceError(
        f"parameter '{name}': expected Float, Int, Categorical, a list of choices or a mapping "
        f"with a 'type' key, got {value!r}"
    )


@dataclass(frozen=True)
class Dim:
    """One parameter of a flattened space: its full name, type, and when it is active."""

    name: str
    param: Param
    condition: tuple[tuple[str, ParamValue], ...] = ()


class Space:
    """An immutable, validated search space; build it from a plain dict with ``Space(d)``."""

    def __init__(self, params: Mapping[str, Any] | Space):
        if isinstance(params, Space):
            self._top: dict[str, Param] = dict(params._top)
            self.dims: tuple[Dim, ...] = params.dims
            return
        if not isinstance(params, Mapping):
            raise SpaceError(
                f"a search space must be a mapping of name -> parameter, got {params!r}"
            )
        top: dict[str, Param] = {}
        for name, value in params.items():
            if not isinstance(name, str) or not name:
                raise SpaceError(f"parameter names must be non-empty strings, got {name!r}")
            top[name] = _coerce_param(name, value)
        self._top = top
        dims: list[Dim] = []
        _flatten(top, "", (), dims)
        names = [d.name for d in dims]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SpaceError(f"the space names {dupes} more than once after flattening sub-spaces")
        self.dims = tuple(dims)

    # -- views -------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dims]

    def __len__(self) -> int:
        return len(self.dims)

    def __iter__(self) -> Iterator[Dim]:
        return iter(self.dims)

    def __contains__(self, name: object) -> bool:
        return any(d.name == name for d in self.dims)

    def __getitem__(self, name: str) -> Param:
        for d in self.dims:
            if d.name == name:
                return d.param
        raise KeyError(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Space({self.to_dict()!r})"

    @property
    def is_conditional(self) -> bool:
        return any(d.condition for d in self.dims)

    @property
    def is_discrete(self) -> bool:
        return all(d.param.is_discrete for d in self.dims)

    @staticmethod
    def is_active(dim: Dim, params: Mapping[str, Any]) -> bool:
        return all(
            parent in params and _choice_key(params[parent]) == _choice_key(choice)
            for parent, choice in dim.condition
        )

    # -- encoding ----------------------------------------------------------------------------
    def from_unit(self, u: Sequence[float]) -> dict[str, ParamValue]:
        """Decode one point of the unit cube (one coordinate per dim) into active params."""
        if len(u) != len(self.dims):
            raise ValueError(f"expected {len(self.dims)} coordinates, got {len(u)}")
        params: dict[str, ParamValue] = {}
        for dim, x in zip(self.dims, u):
            if self.is_active(dim, params):
                params[dim.name] = dim.param.from_unit(x)
        return params

    def to_unit(self, params: Mapping[str, Any]) -> list[float]:
        """Encode params; inactive dims become NaN."""
        return [
            d.param.to_unit(params[d.name]) if d.name in params else math.nan for d in self.dims
        ]

    def validate(
        self, params: Mapping[str, Any], *, partial: bool = False
    ) -> dict[str, ParamValue]:
        """Check a configuration against the space and return it normalised.

        Every active parameter must be present (unless ``partial``), none inactive or unknown.
        """
        out: dict[str, ParamValue] = {}
        known = set(self.names)
        unknown = sorted(set(params) - known)
        if unknown:
            raise SpaceError(f"unknown parameter(s) {unknown}; the space has {sorted(known)}")
        for dim in self.dims:
            active = self.is_active(dim, out) or (partial and dim.name in params)
            if dim.name not in params:
                if active and not partial:
                    raise SpaceError(f"parameter '{dim.name}': missing from the configuration")
                continue
            if not active:
                raise SpaceError(
                    f"parameter '{dim.name}': given, but inactive for this configuration"
                )
            out[dim.name] = dim.param.named(dim.name).normalize(params[dim.name])
        return out

    @property
    def n_configs(self) -> int | None:
        """How many configurations the space has (conditional branches counted apart), or
        None when a dim is continuous."""
        return _count(self._top)

    def config_key(self, params: Mapping[str, Any]) -> str:
        """The one identity of a configuration: equal keys mean the same configuration.

        Only the active dims count (keys of other names, and values of dims that the
        configuration's own choices make inactive, are ignored), each value as its type holds
        it: a ``Float`` of ``1`` is ``1.0``, an ``Int`` of ``2.0`` is ``2``, a numpy scalar is
        its Python value, and a categorical value is its choice (so ``True`` and ``1`` stay
        apart, as they are apart as choices).  Not stored anywhere: only compared.
        """
        out: dict[str, Any] = {}
        for d in self.dims:
            if d.name in params and (not d.condition or self.is_active(d, out)):
                out[d.name] = _canonical(d.param, params[d.name])
        return json.dumps(out, sort_keys=True, default=str)

    def grid(
        self, values: Mapping[str, Sequence[Any]] | None = None
    ) -> list[dict[str, ParamValue]]:
        """Every configuration of a discrete space (``values`` overrides a dim's grid)."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise SpaceError(f"grid values given for unknown parameter(s) {unknown}")
        per_dim: dict[str, list[ParamValue]] = {}
        for d in self.dims:
            if d.name in values:
                vals = list(values[d.name])
                if not vals:
                    raise SpaceError(f"parameter '{d.name}': grid values must not be empty")
                per_dim[d.name] = [d.param.named(d.name).normalize(v) for v in vals]
            else:
                per_dim[d.name] = d.param.named(d.name).grid()
        points = _expand(self.dims, per_dim, {})
        return points

    # -- plain forms --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {name: p.to_dict() for name, p in self._top.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Space:
        return cls(d)

    @classmethod
    def from_text(cls, text: str) -> Space:
        """Parse a space written as YAML (JSON is valid YAML)."""
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpaceError(f"search space: not valid YAML/JSON ({exc})") from None
        if not isinstance(data, Mapping):
            raise SpaceError("search space: the document must be a mapping of name -> parameter")
        return cls(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Space:
        p = Path(path)
        try:
            text = p.read_text()
        except OSError as exc:
            raise SpaceError(f"search space file {str(p)!r}: {exc.strerror}") from None
        return cls.from_text(text)

    def to_json(self) -> str:
        """The space as JSON (kept: a space is immutable, and samplers key caches on it)."""
        text = self.__dict__.get("_json")
        if text is None:
            text = self.__dict__["_json"] = json.dumps(self.to_dict())
        return text


def _canonical(param: Param, value: Any) -> Any:
    """``value`` as ``param``'s type holds it, when it is one of its values (else unchanged)."""
    kind = type(value)
    if kind is float and isinstance(param, Float):  # the usual cases, quickly
        return value
    if kind is int and isinstance(param, Int):
        return value
    if isinstance(param, Categorical):
        if kind in _SCALARS:
            for c in param.choices:  # the choice itself, when given as it is
                if type(c) is kind and c == value:
                    return c
        try:
            return param.choices[param.index(value)]
        except SpaceError:
            return value
    if not is_number(value):
        return value
    if isinstance(param, Int):
        return int(value) if float(value).is_integer() else float(value)
    return float(value)


def _count(params: Mapping[str, Param]) -> int | None:
    """How many configurations a (sub-)space of top-level params has; None if continuous."""
    total = 1
    for p in params.values():
        if isinstance(p, Categorical) and p.branches:
            subs = {_choice_key(c): sub for c, sub in p.branches}
            counts = [_count(subs[_choice_key(c)]._top) if _choice_key(c) in subs else 1
                      for c in p.choices]
            if any(c is None for c in counts):
                return None
            total *= sum(c for c in counts if c is not None)
        elif p.n_cells is None:
            return None
        else:
            total *= p.n_cells
    return total


def _flatten(
    params: Mapping[str, Param],
    prefix: str,
    condition: tuple[tuple[str, ParamValue], ...],
    out: list[Dim],
) -> None:
    for name, p in params.items():
        full = prefix + name
        if isinstance(p, Categorical) and p.branches:
            out.append(Dim(full, p.flat().named(full), condition))
            for choice, sub in p.branches:
                sub_prefix = prefix + str(choice) + "."
                sub_params = {n: sp for n, sp in sub._top.items()}
                _flatten(sub_params, sub_prefix, condition + ((full, choice),), out)
        else:
            out.append(Dim(full, p.named(full), condition))


def _expand(
    dims: Sequence[Dim], per_dim: Mapping[str, list[ParamValue]], base: dict[str, ParamValue]
) -> list[dict[str, ParamValue]]:
    """Enumerate configurations dim by dim, skipping dims their conditions make inactive."""
    results = [dict(base)]
    for dim in dims:
        grown: list[dict[str, ParamValue]] = []
        for partial in results:
            if Space.is_active(dim, partial):
                grown.extend({**partial, dim.name: v} for v in per_dim[dim.name])
            else:
                grown.append(partial)
            if len(grown) > _GRID_LIMIT:
                raise SpaceError(f"the grid has more than {_GRID_LIMIT:,} points")
        results = grown
    return results


def as_space(space: Mapping[str, Any] | Space) -> Space:
    """Return ``space`` as a :class:`Space`, validating a plain dict."""
    return space if isinstance(space, Space) else Space(space)


__all__ = [
    "Categorical",
    "Dim",
    "Float",
    "Int",
    "Param",
    "ParamValue",
    "Space",
    "as_space",
    "param_from_dict",
]
