"""Parameter types: the base ``Param`` (its unit-interval encoding and the geometry of its
cells) and the numeric types ``Float`` and ``Int``, with the checks that validate them.

``tunecycle.space`` re-exports all of them (``from tunecycle.space import Float`` is the public
path) and holds ``Categorical``, which is here in spirit but lives with ``Space``: a
conditional categorical's choices carry sub-spaces, so the two are built from each other.
Deliberately not here: spaces (flattening, conditions, counting configurations, a
configuration's identity) and anything of studies, storage or samplers.
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

from tunecycle.errors import SpaceError

ParamValue = Union[None, bool, int, float, str]


def param_label(kind: str, name: str | None) -> str:
    return f"parameter '{name}'" if name else kind


def is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _as_float(x: Any, what: str, label: str) -> float:
    """Accept numbers and numeric strings (YAML reads ``1e-5`` as a string)."""
    if isinstance(x, str):
        try:
            x = float(x)
        except ValueError:
            raise SpaceError(f"{label}: {what} must be a number, got {x!r}") from None
    if not is_number(x) or not math.isfinite(float(x)):
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
        label = param_label("Float", self.name)
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
        if not is_number(value) or not math.isfinite(float(value)):
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
                f"{param_label('Float', self.name)}: {value!r} is not in {self._describe()}"
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
                f"{param_label('Float', self.name)} is continuous: give it a step, or give the grid "
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
        label = param_label("Int", self.name)
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
        if not is_number(value) or not math.isfinite(float(value)):
            return False
        if not float(value).is_integer():
            return False
        v = int(value)
        return self.low <= v <= self.high and (v - self.low) % self.step == 0

    def normalize(self, value: Any) -> int:
        if not self.contains(value):
            raise SpaceError(
                f"{param_label('Int', self.name)}: {value!r} is not an integer in "
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


__all__ = ["Float", "Int", "Param", "ParamValue", "is_number", "param_label"]
