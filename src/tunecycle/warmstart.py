"""Warm start across studies: earlier studies' trials as a *prior* of a new study, mapped onto
the new study's space, with a weight that fades as the new study gathers its own trials.

This module is engine-level: it knows spaces and frozen records, never storage or samplers.
``api.create_study(warm_start=...)`` reads the source studies and builds a :class:`Prior`; the
study hands it to its samplers as ``History.prior``; ``samplers/observe.py`` turns it into unit
cube rows for the model-based samplers.  The prior trials are never the new study's trials:
they are not stored in it, not counted by ``n_trials``/``max_trials`` and never best.

**Mapping rule** (:func:`map_params`), per prior trial and per space the sampler proposes in,
walking the space's flattened dims in order (a parent before its sub-space):

- a dim whose condition does not hold under the values mapped so far is inactive and ignored
  (a removed branch, or a sub-space under a parent the prior does not know);
- an active dim that the prior trial has (same flattened name, e.g. ``svm.C``) takes its value
  when the new parameter can hold it: a choice among the new choices, a number inside the new
  ``[low, high]`` (snapped to the new step or integer grid);
- a shared value the new space cannot hold (outside the range, a choice that was removed, a
  string where a number is wanted) drops the **whole trial**: its value was measured at a
  configuration the new study cannot try.  Values are never clipped;
- an active dim the prior trial lacks (a new parameter) is *free*: unknown, NaN in the rows
  (the samplers treat it as uniform);
- parameters of the prior trial that the new space lacks are ignored.

Only complete prior trials with finite values are used, and only from studies with the same
single direction (checked where the sources are read).

**Fading rule**: with ``n`` finished own trials (complete, or pruned with a value) and the half
life ``h`` (``half_life``, default :data:`DEFAULT_HALF_LIFE`), the prior's *fade* is
``h / (h + n)``: 1 before the first own trial, 1/2 after ``h``, 1/5 after ``4 h``.  The prior as
a whole is worth ``min(N, h) * fade`` own trials (``N`` prior trials), so each prior trial
weighs ``min(1, h / N) * fade`` of one own trial.  TPE weighs prior rows by it, the GP inflates
the prior points' noise by ``n / h`` (signal variance units), CMA-ES starts its distribution
from the prior's best trials and then learns only from its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int, Param, ParamValue, Space

#: the number of own trials after which the prior's weight has halved, for samplers that do
#: not set their own (the GP, CMA-ES); chosen on the warm-start benchmark's development half
DEFAULT_HALF_LIFE = 5.0
#: TPE's: its density ratio needs more rows than a GP before the own trials carry it
#: (development half: 20 beat 5, 10 and 40 at 20 and 50 trials)
TPE_HALF_LIFE = 20.0
_MAX_SPACES = 64  # mapped spaces kept per prior (define-by-run asks one per parameter)


@dataclass(frozen=True)
class PriorTrial:
    """One usable trial of a source study: its params and value (in the source's units)."""

    params: Mapping[str, ParamValue]
    value: float
    source: str = ""  # the source study's name, for messages and the stored link
    number: int = -1  # its number in the source study


@dataclass(frozen=True)
class PriorRows:
    """The prior mapped onto one space, in its unit cube.

    ``x`` (n, d): NaN where the dim is inactive or unknown (free); ``active`` (n, d): the dims
    whose condition holds in the mapped trial (known or free); ``loss`` (n,): lower is better;
    ``fade`` and ``weight``: the fading rule at the current number of own trials."""

    x: np.ndarray
    active: np.ndarray
    loss: np.ndarray
    fade: float = 1.0
    weight: float = 1.0

    @property
    def n(self) -> int:
        return len(self.loss)

    def restrict(self, cols: np.ndarray) -> PriorRows:
        """The rows in which every dim of ``cols`` is active, with those columns only."""
        keep = self.active[:, cols].all(axis=1)
        return PriorRows(self.x[keep][:, cols], self.active[keep][:, cols], self.loss[keep],
                         self.fade, self.weight)

    def split(self, n_good: int) -> tuple[np.ndarray, np.ndarray]:
        """(good rows, bad rows): the ``n_good`` lowest losses, and the rest, ranked within
        the prior alone (so a shifted level of the new task does not matter)."""
        order = np.argsort(self.loss, kind="stable")
        return self.x[order[:n_good]], self.x[order[n_good:]]

    def best(self, k: int) -> np.ndarray:
        """The ``k`` rows of lowest loss, best first."""
        return self.x[np.argsort(self.loss, kind="stable")[:k]]


@dataclass
class Prior:
    """Frozen trials of earlier studies that inform a new study's sampler (see the module
    docstring for the mapping and fading rules).  ``sources`` is the JSON-safe link stored
    with the study (what ``load_study`` reads again)."""

    trials: tuple[PriorTrial, ...]
    direction: Direction
    half_life: float | None = None  # None: each sampler's own (``rows(default_half_life=)``)
    sources: tuple[dict[str, Any], ...] = ()
    _mapped: dict[str, tuple[list[dict[str, ParamValue]], PriorRows]] = field(
        default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.half_life is not None and (
                isinstance(self.half_life, bool) or not isinstance(self.half_life, (int, float))
                or not math.isfinite(self.half_life) or self.half_life <= 0):
            raise UserError(f"warm_start_half_life: must be a positive number, "
                            f"got {self.half_life!r}")
        self.trials = tuple(self.trials)

    def __len__(self) -> int:
        return len(self.trials)

    def life(self, default: float = DEFAULT_HALF_LIFE) -> float:
        """The half life in use: the one given to the study, else the sampler's ``default``."""
        return default if self.half_life is None else float(self.half_life)

    def fade(self, n_own: int, default: float = DEFAULT_HALF_LIFE) -> float:
        """``h / (h + n_own)``: 1 before the first own trial, 1/2 after ``h`` own trials."""
        h = self.life(default)
        return h / (h + max(0, n_own))

    def weight(self, n_own: int, default: float = DEFAULT_HALF_LIFE) -> float:
        """One prior trial's weight against one own trial: ``min(1, h / N) * fade``."""
        if not self.trials:
            return 0.0
        return min(1.0, self.life(default) / len(self.trials)) * self.fade(n_own, default)

    def mapped(self, space: Space) -> list[dict[str, ParamValue]]:
        """The prior trials that fit ``space``, as params of it (free dims left out)."""
        return self._map(space)[0]

    def rows(self, space: Space, n_own: int = 0,
             default_half_life: float = DEFAULT_HALF_LIFE) -> PriorRows:
        """The prior in ``space``'s unit cube, weighted for ``n_own`` finished own trials
        (with the sampler's ``default_half_life`` unless the study gave one).  The mapping is
        computed once per space (the prior never changes)."""
        rows = self._map(space)[1]
        return PriorRows(rows.x, rows.active, rows.loss, self.fade(n_own, default_half_life),
                         self.weight(n_own, default_half_life))

    def best_params(self, space: Space | None, k: int) -> list[dict[str, ParamValue]]:
        """The ``k`` best prior trials' params (mapped onto ``space`` when given), best first."""
        sign = self.direction.sign()
        order = sorted(range(len(self.trials)), key=lambda i: sign * self.trials[i].value)
        out: list[dict[str, ParamValue]] = []
        for i in order:
            params = dict(self.trials[i].params) if space is None else map_params(
                space, self.trials[i].params)
            if params is not None and params not in out:
                out.append(params)
            if len(out) == k:
                break
        return out

    def as_source(self, space: Space) -> tuple[list[dict[str, Any]], int]:
        """The prior trials that hold every dim of ``space`` (mapped onto it), as CMA-ES's
        ``source_trials`` rows, and how many of the best start its distribution (the top 10%,
        at least 2)."""
        names = set(space.names)
        rows = [{"params": p, "value": self.trials[i].value}
                for i, p in self._kept(space) if names <= p.keys()]
        return rows, max(min(2, len(rows)), math.ceil(0.1 * len(rows)))

    def _kept(self, space: Space) -> list[tuple[int, dict[str, ParamValue]]]:
        return [(i, p) for i, t in enumerate(self.trials)
                if (p := map_params(space, t.params)) is not None]

    def _map(self, space: Space) -> tuple[list[dict[str, ParamValue]], PriorRows]:
        key = space.to_json()
        hit = self._mapped.get(key)
        if hit is not None:
            return hit
        sign = self.direction.sign()
        kept, xs, acts, losses = [], [], [], []
        for t in self.trials:
            params = map_params(space, t.params)
            if params is None:
                continue
            x, act = _encode(space, params)
            kept.append(params)
            xs.append(x)
            acts.append(act)
            losses.append(sign * t.value)
        d = len(space)
        rows = PriorRows(np.vstack(xs) if xs else np.empty((0, d)),
                         np.vstack(acts) if acts else np.empty((0, d), dtype=bool),
                         np.array(losses, dtype=float))
        if len(self._mapped) >= _MAX_SPACES:
            self._mapped.pop(next(iter(self._mapped)))
        self._mapped[key] = (kept, rows)
        return kept, rows


def map_params(space: Space, params: Mapping[str, Any]) -> dict[str, ParamValue] | None:
    """A prior trial's params as params of ``space`` by the mapping rule (module docstring):
    None when a shared, active value does not fit (the trial is dropped).  Free dims (active,
    unknown) are absent from the result; :func:`active_dims` tells them from inactive ones."""
    out: dict[str, ParamValue] = {}
    for dim in space.dims:
        if not space.is_active(dim, out) or dim.name not in params:
            continue
        value = fit_value(dim.param, params[dim.name])
        if value is _NO_FIT:
            return None
        out[dim.name] = value
    return out


def active_dims(space: Space, params: Mapping[str, Any]) -> list[bool]:
    """Which dims of ``space`` are active under mapped ``params`` (known or free)."""
    return [space.is_active(d, params) for d in space.dims]


_NO_FIT: Any = object()


def fit_value(param: Param, value: Any) -> Any:
    """``value`` as a value of ``param``, or ``_NO_FIT``: choices must be among the new
    choices; numbers inside ``[low, high]``, snapped to the new grid (never clipped)."""
    if isinstance(param, Categorical):
        return param.normalize(value) if param.contains(value) else _NO_FIT
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(float(value)):
        return _NO_FIT
    v = float(value)
    assert isinstance(param, (Float, Int))
    tol = 1e-12 * max(1.0, abs(param.low), abs(param.high))
    if v < param.low - tol or v > param.high + tol:
        return _NO_FIT
    if isinstance(param, Int):
        k = round((v - param.low) / param.step)
        return int(min(param.low + k * param.step, param.high))
    if param.step is not None:
        return param.from_unit(param.to_unit(v))  # the nearest point of the grid
    return min(max(v, param.low), param.high)


def _encode(space: Space, params: Mapping[str, ParamValue]) -> tuple[np.ndarray, np.ndarray]:
    x = np.full(len(space), np.nan)
    active = np.array(active_dims(space, params), dtype=bool)
    for i, dim in enumerate(space.dims):
        if dim.name in params:
            x[i] = dim.param.to_unit(params[dim.name])
    return x, active


def usable_trials(trials: Sequence[FrozenTrial], source: str) -> list[PriorTrial]:
    """The complete trials with one finite value: what a prior is built from."""
    out = []
    for t in trials:
        if t.state is not TrialState.COMPLETE or t.values is None or len(t.values) != 1:
            continue
        value = float(t.values[0])
        if math.isfinite(value):
            out.append(PriorTrial(dict(t.params), value, source, t.number))
    return out


def check_direction(target: Sequence[Direction], source: Sequence[Direction],
                    name: str) -> None:
    """A warm start needs one objective in the same direction on both sides."""
    def said(ds: Sequence[Direction]) -> str:
        return ", ".join(d.value for d in ds)

    if len(target) != 1:
        raise UserError(f"only studies of one objective can be warm-started; "
                        f"this one has {len(target)} ({said(target)})", field="warm_start")
    if tuple(source) != tuple(target):
        raise UserError(f"source study {name!r} was made to {said(source)}, the "
                        f"new study to {said(target)}; the directions must match", field="warm_start")


__all__ = ["DEFAULT_HALF_LIFE", "Prior", "PriorRows", "PriorTrial", "active_dims",
           "check_direction", "fit_value", "map_params", "usable_trials"]
