"""``TuneSearchCV``'s ``param_distributions`` as a tunecycle :class:`~tunecycle.space.Space`.

scikit-learn spells a search space as a dict of estimator param name -> list of choices or
``scipy.stats`` distribution, or a list of such dicts (a choice between sub-spaces).  This module
turns that into a space a sampler can propose from, and a proposed configuration back into the
estimator params it stands for:

- ``tc.Float`` / ``tc.Int`` / ``tc.Categorical`` (flat choices) are used as they are;
- a list, tuple, range or 1-d array of choices is a categorical; when its choices are not all
  distinct plain scalars (estimators, tuples, arrays, repeated values) it is proposed by the
  position of the choice;
- ``scipy.stats`` distributions: ``uniform`` and ``randint`` become ``Float`` / ``Int`` over their
  support, ``loguniform`` a log-scaled ``Float``; any other frozen distribution is proposed as a
  quantile in (0, 1) and decoded with its ``ppf`` (so ``expon(scale=10)`` is sampled as itself);
- a list of several dicts becomes one hidden categorical (:data:`PICK`) whose choice ``i``
  holds the ``i``-th dict as its sub-space (names ``"i.name"`` in the study); ``{}`` and an
  empty dict in the list are a candidate with the estimator's own params.

When every dimension is finite, :meth:`SpaceCodec.grid` lists the candidates in the order
scikit-learn's ``ParameterGrid`` would (dict by dict, keys sorted, last key fastest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from tunecycle.space import Categorical, Float, Int, Param, Space

#: the hidden parameter that picks one dict of a list of dicts
PICK = "__space__"
_SCALARS = (type(None), bool, int, float, str)
_EPS = 1e-9  # quantiles stay inside (0, 1): ppf(0) and ppf(1) may be infinite
_MAX_GRID = 100_000  # larger finite spaces are sampled, never enumerated


@dataclass(frozen=True)
class _Entry:
    """One estimator param: how the study proposes it and how a proposal is decoded."""

    param: Param
    decode: Callable[[Any], Any] | None  # None: the proposed value is the param's value
    grid: tuple[Any, ...] | None  # the proposed values of a finite param, in order


def _by_position(choices: list[Any]) -> _Entry:
    def decode(i: Any) -> Any:
        return choices[int(i)]

    return _Entry(Categorical(list(range(len(choices)))), decode, tuple(range(len(choices))))


def _distinct_scalars(choices: list[Any]) -> bool:
    if not all(isinstance(c, _SCALARS) for c in choices):
        return False
    if any(isinstance(c, float) and not math.isfinite(c) for c in choices):
        return False
    keys = [(type(c).__name__, c) for c in choices]
    return len(set(keys)) == len(keys)


def _numeric_size(p: Float | Int) -> int | None:
    return p.n_cells


def _scipy_entry(field: str, dist: Any) -> _Entry:
    name = getattr(getattr(dist, "dist", None), "name", None)
    low, high = (float(v) for v in dist.support())
    if name == "uniform" and low < high:
        return _Entry(Float(low, high), None, None)
    if name in ("loguniform", "reciprocal") and 0 < low < high:
        return _Entry(Float(low, high, log=True), None, None)
    if name == "randint" and math.isfinite(high):
        p = Int(int(low), int(high))
        return _Entry(p, None, tuple(p.grid()) if high - low < _MAX_GRID else None)
    discrete = hasattr(dist.dist, "pmf")

    def from_quantile(u: Any) -> Any:
        value = dist.ppf(min(max(float(u), _EPS), 1 - _EPS))
        return int(value) if discrete else float(value)

    return _Entry(Float(_EPS, 1 - _EPS), from_quantile, None)


def _entry(field: str, dist: Any) -> _Entry:
    """How the study proposes one ``param_distributions`` entry (``field`` names it in errors)."""
    if isinstance(dist, Categorical):
        if dist.branches:
            raise ValueError(
                f"{field}: conditional categoricals (choices with sub-spaces) are not "
                "supported by TuneSearchCV; give a list of dicts instead"
            )
        return _Entry(dist, None, tuple(dist.choices))
    if isinstance(dist, (Float, Int)):
        size = _numeric_size(dist)
        return _Entry(dist, None, tuple(dist.grid()) if size and size <= _MAX_GRID else None)
    if hasattr(dist, "rvs") and hasattr(dist, "ppf") and hasattr(dist, "support"):
        return _scipy_entry(field, dist)
    if isinstance(dist, np.ndarray):
        if dist.ndim != 1:
            raise ValueError(
                f"{field}: an array of choices must be 1-dimensional, got shape {dist.shape}"
            )
        dist = dist.tolist()
    if isinstance(dist, (str, bytes)) or not isinstance(dist, (Sequence, range)):
        raise TypeError(
            f"{field}: expected a list of choices, tc.Float, tc.Int, tc.Categorical or a "
            f"scipy.stats distribution, got {dist!r} (of type {type(dist).__name__}); a "
            "single value needs to be wrapped in a list"
        )
    choices = list(dist)
    if not choices:
        raise ValueError(f"{field}: the list of choices is empty")
    if _distinct_scalars(choices):
        return _Entry(Categorical(choices), None, tuple(choices))
    return _by_position(choices)


class SpaceCodec:
    """``param_distributions`` as a :class:`Space` (:attr:`space`) plus :meth:`decode` and
    :meth:`grid`; bad input raises a TypeError / ValueError naming the entry."""

    def __init__(self, distributions: Any):
        subspaces = self._subspaces(distributions)
        self.conditional = len(subspaces) > 1
        self._entries: dict[str, _Entry] = {}  # by the name in the study
        self._grids: list[list[tuple[str, tuple[Any, ...]]]] | None = []
        branches: dict[int, dict[str, Param]] = {}
        for i, sub in enumerate(subspaces):
            prefix = f"{i}." if self.conditional else ""
            where = f"param_distributions[{i}]" if self.conditional else "param_distributions"
            params: dict[str, Param] = {}
            grid: list[tuple[str, tuple[Any, ...]]] = []
            for name in sorted(sub, key=str):
                if not isinstance(name, str) or not name or "." in name or name == PICK:
                    raise ValueError(f"{where}: {name!r} is not an estimator parameter name")
                entry = _entry(f"{where}[{name!r}]", sub[name])
                params[name] = entry.param
                self._entries[prefix + name] = entry
                if entry.grid is None:
                    self._grids = None
                elif self._grids is not None:
                    grid.append((prefix + name, entry.grid))
            branches[i] = params
            if self._grids is not None:
                self._grids.append(grid)
        if self.conditional:
            self.space = Space({PICK: Categorical(branches)})
        else:
            self.space = Space(branches[0])

    @staticmethod
    def _subspaces(distributions: Any) -> list[Mapping[str, Any]]:
        if isinstance(distributions, Mapping):
            return [distributions]
        if isinstance(distributions, (list, tuple)) and distributions:
            for i, sub in enumerate(distributions):
                if not isinstance(sub, Mapping):
                    raise TypeError(
                        f"param_distributions[{i}]: expected a dict of estimator param name "
                        f"-> choices or distribution, got {sub!r} (of type {type(sub).__name__})"
                    )
            return list(distributions)
        raise TypeError(
            "param_distributions: expected a dict of estimator param name -> choices or "
            f"distribution, or a non-empty list of such dicts, got {distributions!r} "
            f"(of type {type(distributions).__name__})"
        )

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The estimator params of a proposed configuration, names sorted."""
        out: dict[str, Any] = {}
        for key, value in params.items():
            if key == PICK:
                continue
            entry = self._entries.get(key)
            name = key.split(".", 1)[1] if self.conditional else key
            out[name] = entry.decode(value) if entry and entry.decode else value
        return dict(sorted(out.items()))

    def grid_size(self) -> int | None:
        """How many candidates a finite space holds; None when some dimension is not finite."""
        if self._grids is None:
            return None
        return sum(math.prod(len(values) for _, values in grid) for grid in self._grids)

    def grid(self) -> list[dict[str, Any]]:
        """Every configuration of a finite space (as the study records it), in
        ``ParameterGrid``'s order."""
        if self._grids is None:
            raise ValueError("the space is not finite")
        points: list[dict[str, Any]] = []
        for i, grid in enumerate(self._grids):
            names = [n for n, _ in grid]
            for values in product(*(v for _, v in grid)):
                point = dict(zip(names, values))
                points.append({PICK: i, **point} if self.conditional else point)
        return points
