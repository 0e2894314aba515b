"""Search spaces: parameter types, their validation, and their encoding to and from [0, 1].

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

import copy
import json
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from tunecycle.errors import SpaceError

ParamValue = Union[None, bool, int, float, str]
_SCALARS = (type(None), bool, int, float, str)
_GRID_LIMIT = 1_000_000


def _label(kind: str, name: str | None) -> str:
    return f"parameter '{name}'" if name else kind


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _as_float(x: Any, what: str, label: str) -> float:
    """Accept numbers and numeric strings (YAML reads ``1e-5`` as a string)."""
    if isinstance(x, str):
        try:
            x = float(x)
        except ValueError:
            raise SpaceError(f"{label}: {what} must be a number, got {x!r}") from None
    if not _is_number(x) or not math.isfinite(float(x)):
        raise SpaceError(f"{label}: {what} must be a finite number, got {x!r}")
    return float(x)


def _as_int(x: Any, what: str, label: str) -> int:
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return int(x)  # exact, even beyond 2**53
    value = _as_float(x, what, label)
    if not value.is_integer():
        raise SpaceError(f"{label}: {what} must be an integer, got {x!r}")
    return int(value)


class Param:
    """Base of the parameter types; subclasses are frozen dataclasses."""

    name: str | None

    def to_unit(self, value: Any) -> float:
        raise NotImplementedError

    def from_unit(self, u: float) -> ParamValue:
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        raise NotImplementedError

    def normalize(self, value: Any) -> ParamValue:
        """Return ``value`` as this type's Python value, or raise ``SpaceError``."""
        raise NotImplementedError

    def grid(self) -> list[ParamValue]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def is_discrete(self) -> bool:
        raise NotImplementedError

    # -- geometry: the cells of the unit interval ---------------------------------------------
    # A discrete parameter cuts [0, 1] into one cell per value; ``from_unit`` decodes every
    # point of a cell to its value and ``to_unit`` encodes the value to the cell's centre.
    # The cells are of equal width except for a log-scaled ``Int``, whose value ``v`` owns
    # log(v - 0.5) .. log(v + 0.5) on the log scale between ``low - 0.5`` and ``high + 0.5``.
    # Samplers use these, never their own copy of the arithmetic.

    @property
    def n_cells(self) -> int | None:
        """How many values (cells of the unit interval) the parameter has; None: continuous."""
        raise NotImplementedError

    @property
    def equal_cells(self) -> bool:
        """Whether the parameter is discrete with cells of equal width (``1 / n_cells``)."""
        return self.n_cells is not None

    def snap(self, u: float) -> float:
        """The centre of the cell of ``u`` (in [0, 1]): ``to_unit(from_unit(u))``; a continuous
        parameter's ``u`` is returned as it is."""
        return float(self.snap_column(np.array([u], dtype=float))[0])

    def snap_column(self, u: np.ndarray) -> np.ndarray:
        """:meth:`snap` over an array of unit values (a new array; as given when continuous)."""
        n = self.n_cells
        if n is None:
            return u
        return (np.minimum(np.floor(u * n), n - 1) + 0.5) / n

    def cell_width(self, u: float) -> float:
        """The width in [0, 1] of the cell of ``u`` (0.0 for a continuous parameter)."""
        n = self.n_cells
        return 0.0 if n is None else 1.0 / n

    def cell_edges(self, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The unit-interval edges (lower, upper) of the cells whose centres are given (a
        continuous parameter's "cell" is the point itself)."""
        n = self.n_cells
        half = 0.0 if n is None else 0.5 / n
        return centres - half, centres + half

    def named(self, name: str) -> Param:
        """The same parameter carrying ``name`` (used in error messages)."""
        if self.name == name:
            return self
        twin = copy.copy(self)
        object.__setattr__(twin, "name", name)
        return twin


@dataclass(frozen=True)
class Float(Param):
    """A real number in ``[low, high]``; ``log`` samples uniformly in log space; ``step`` discretises."""

    low: float
    high: float
    log: bool = False
    step: float | None = None
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        label = _label("Float", self.name)
        low = _as_float(self.low, "low", label)
        high = _as_float(self.high, "high", label)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if low > high:
            raise SpaceError(f"{label}: low ({low:g}) must not exceed high ({high:g})")
        if not math.isfinite(high - low):
            raise SpaceError(f"{label}: the range {low:g}..{high:g} is too wide to represent")
        if not isinstance(self.log, bool):
            raise SpaceError(f"{label}: log must be true or false, got {self.log!r}")
        if self.log and low <= 0:
            raise SpaceError(f"{label}: log=True needs low > 0, got low={low:g}")
        if self.step is not None:
            step = _as_float(self.step, "step", label)
            object.__setattr__(self, "step", step)
            if step <= 0:
                raise SpaceError(f"{label}: step must be > 0, got {step:g}")
            if self.log:
                raise SpaceError(f"{label}: step and log=True cannot be combined")
            n = (high - low) / step
            if abs(n - round(n)) > 1e-9 * max(1.0, n):
                raise SpaceError(
                    f"{label}: step ({step:g}) does not divide the range {low:g}..{high:g}"
                )

    @property
    def n_cells(self) -> int | None:
        if self.step is not None:
            return int(round((self.high - self.low) / self.step)) + 1
        return 1 if self.low == self.high else None

    @property
    def _n_points(self) -> int:
        n = self.n_cells
        assert self.step is not None and n is not None
        return n

    def _point(self, i: int) -> float:
        assert self.step is not None
        return min(self.high, self.low + i * self.step)

    def to_unit(self, value: Any) -> float:
        v = float(value)
        if self.high == self.low:
            return 0.5
        if self.step is not None:
            n = self._n_points
            i = min(max(int(round((v - self.low) / self.step)), 0), n - 1)
            return (i + 0.5) / n
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            if hi == lo:  # bounds a few ulps apart that log() cannot tell apart
                return 0.5
            return (math.log(v) - lo) / (hi - lo)
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.step is not None:
            n = self._n_points
            return self._point(min(int(u * n), n - 1))
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return min(max(math.exp(lo + u * (hi - lo)), self.low), self.high)
        return min(max(self.low + u * (self.high - self.low), self.low), self.high)

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(float(value)):
            return False
        v = float(value)
        tol = 1e-12 * max(1.0, abs(self.low), abs(self.high))
        if v < self.low - tol or v > self.high + tol:
            return False
        if self.step is not None:
            k = (v - self.low) / self.step
            return abs(k - round(k)) <= 1e-8 * max(1.0, abs(k))
        return True

    def normalize(self, value: Any) -> float:
        if not self.contains(value):
            raise SpaceError(
                f"{_label('Float', self.name)}: {value!r} is not in {self._describe()}"
            )
        v = float(value)
        if self.step is not None:
            return self._point(int(round((v - self.low) / self.step)))
        return min(max(v, self.low), self.high)

    def _describe(self) -> str:
        extra = " (log)" if self.log else (f" step {self.step:g}" if self.step else "")
        return f"[{self.low:g}, {self.high:g}]{extra}"

    def grid(self) -> list[ParamValue]:
        if self.step is None:
            if self.low == self.high:
                return [self.low]
            raise SpaceError(
                f"{_label('Float', self.name)} is continuous: give it a step, or give the grid "
                "sampler explicit values for it"
            )
        return [self._point(i) for i in range(self._n_points)]

    @property
    def is_discrete(self) -> bool:
        return self.step is not None or self.low == self.high

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "float", "low": self.low, "high": self.high}
        if self.log:
            d["log"] = True
        if self.step is not None:
            d["step"] = self.step
        return d


@dataclass(frozen=True)
class Int(Param):
    """An integer in ``[low, high]`` on a grid of ``step``; ``log`` samples in log space."""

    low: int
    high: int
    log: bool = False
    step: int = 1
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        label = _label("Int", self.name)
        low = _as_int(self.low, "low", label)
        high = _as_int(self.high, "high", label)
        step = _as_int(self.step, "step", label)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "step", step)
        if low > high:
            raise SpaceError(f"{label}: low ({low}) must not exceed high ({high})")
        if not isinstance(self.log, bool):
            raise SpaceError(f"{label}: log must be true or false, got {self.log!r}")
        if step < 1:
            raise SpaceError(f"{label}: step must be >= 1, got {step}")
        if self.log and low < 1:
            raise SpaceError(f"{label}: log=True needs low >= 1, got low={low}")
        if self.log and step != 1:
            raise SpaceError(f"{label}: log=True needs step=1, got step={step}")
        if (high - low) % step:
            raise SpaceError(f"{label}: step ({step}) does not divide the range {low}..{high}")

    @property
    def n_cells(self) -> int:
        return (self.high - self.low) // self.step + 1

    @property
    def equal_cells(self) -> bool:
        return not self.log

    @property
    def log_scale(self) -> tuple[float, float]:
        """The ends of a log-scaled integer's unit interval: ``log(low - 0.5)``,
        ``log(high + 0.5)`` (each value owns the half-integers around it)."""
        return math.log(self.low - 0.5), math.log(self.high + 0.5)

    def snap_column(self, u: np.ndarray) -> np.ndarray:
        if not self.log:
            return super().snap_column(u)
        lo, hi = self.log_scale
        v = np.clip(np.rint(np.exp(lo + u * (hi - lo))), self.low, self.high)
        return (np.log(v) - lo) / (hi - lo)

    def cell_width(self, u: float) -> float:
        if not self.log:
            return super().cell_width(u)
        v = self.from_unit(u)
        lo, hi = self.log_scale
        return (math.log(v + 0.5) - math.log(v - 0.5)) / (hi - lo)

    def cell_edges(self, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.log:
            return super().cell_edges(centres)
        lo, hi = self.log_scale
        v = np.clip(np.rint(np.exp(lo + centres * (hi - lo))), self.low, self.high)
        return (np.log(v - 0.5) - lo) / (hi - lo), (np.log(v + 0.5) - lo) / (hi - lo)

    def to_unit(self, value: Any) -> float:
        v = int(value)
        if self.log:
            lo, hi = self.log_scale
            return (math.log(v) - lo) / (hi - lo)
        n = self.n_cells
        i = min(max((v - self.low) // self.step, 0), n - 1)
        return (i + 0.5) / n

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            lo, hi = self.log_scale
            return min(max(int(round(math.exp(lo + u * (hi - lo)))), self.low), self.high)
        n = self.n_cells
        return self.low + min(int(u * n), n - 1) * self.step

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(float(value)):
            return False
        if not float(value).is_integer():
            return False
        v = int(value)
        return self.low <= v <= self.high and (v - self.low) % self.step == 0

    def normalize(self, value: Any) -> int:
        if not self.contains(value):
            raise SpaceError(
                f"{_label('Int', self.name)}: {value!r} is not an integer in "
                f"[{self.low}, {self.high}]" + (f" step {self.step}" if self.step > 1 else "")
            )
        return int(value)

    def grid(self) -> list[ParamValue]:
        return list(range(self.low, self.high + 1, self.step))

    @property
    def is_discrete(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "int", "low": self.low, "high": self.high}
        if self.log:
            d["log"] = True
        if self.step != 1:
            d["step"] = self.step
        return d


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
        label = _label("Categorical", self.name)
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
            f"{_label('Categorical', self.name)}: {value!r} is not one of {list(self.choices)!r}"
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
    label = _label("parameter", name)
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
    if not _is_number(value):
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
