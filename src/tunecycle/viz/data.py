"""Plot data: pure functions from a study's trials to plain numbers, one function per plot.

Every function here takes a sequence of :class:`~tunecycle.records.FrozenTrial` (and the
study's direction where "better" matters) and returns a frozen record of tuples and floats.
Nothing here draws, opens a storage or imports a plotting library, so the static plots
(:mod:`tunecycle.viz.plots`), the HTML report and a web dashboard can share one reading of the
history, and the data can be tested without pictures.

Parameters are placed by the space's own unit-interval encoding (``Param.to_unit``): a log
parameter is evenly spread in log space, a categorical choice ``i`` of ``n`` sits at
``(i + 0.5) / n``.  Axis ticks carry the decoded values.

Fronts and studies of several objectives are :mod:`tunecycle.viz.front_data`'s, and which
trials count and the running best :mod:`tunecycle.viz.values`'s; both are re-exported here, the
public path.  Studies of several objectives: :func:`front` (the feasible Pareto front among every complete
trial, infeasible ones marked), :func:`hypervolume_history` (the hypervolume of the front after
each trial, against a reference point; :func:`reference_point` is the default rule) and
:func:`objective_histories` (each objective's values and best so far).  The one-objective
functions read ``value``: :func:`project` turns the trials of a study of several objectives into
those of one of them.  :func:`pareto` works on any list of value vectors (or on objectives read
from trials: the value, the duration, numeric user attributes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int, Param, ParamValue
from tunecycle.viz.front_data import (
    FrontData,
    HypervolumeData,
    ObjectiveHistory,
    ParetoData,
    complete_with_values,
    front,
    hypervolume_history,
    hypervolume_series,
    objective_histories,
    objective_names,
    pareto,
    pareto_from_trials,
    pareto_front,
    project,
    reference_point,
    resolve_objective,
    select_objectives,
    trial_objective,
)
from tunecycle.viz.values import best_so_far, complete_trials, state_counts

#: at most this many tick labels on a numeric axis
_NUMERIC_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def format_value(value: ParamValue) -> str:
    """A short label for a parameter value."""
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# -- parameter axes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParamAxis:
    """How one parameter is placed on a plot axis: its type, and ticks in unit coordinates."""

    name: str
    param: Param
    kind: str  # "linear", "log" or "categorical"
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    def unit(self, value: Any) -> float:
        """The value's position in [0, 1] (NaN when it does not fit the parameter)."""
        try:
            u = self.param.to_unit(value)
        except (ValueError, TypeError):
            return math.nan
        return min(max(u, 0.0), 1.0)

    def value(self, value: Any) -> float:
        """The value on a natural axis: the number itself, or a categorical's index."""
        if isinstance(self.param, Categorical):
            try:
                return float(self.param.index(value))
            except ValueError:
                return math.nan
        return float(value)

    def natural(self, u: Any) -> Any:
        """Unit positions (a number or an array) on the natural axis: the inverse of
        :meth:`unit` taken as continuous, so that a value's unit position lands on the value
        itself (an integer on the integer, choice ``i`` on ``i``) and the unit interval spans
        :attr:`limits`."""
        u = np.asarray(u, dtype=float)
        p = self.param
        if isinstance(p, Categorical):
            return u * len(p.choices) - 0.5
        assert isinstance(p, (Float, Int))
        lo, hi = self._span()
        if self.kind == "log":
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        return lo + u * (hi - lo)

    @property
    def limits(self) -> tuple[float, float]:
        """The natural axis' range: a number's bounds (half a step beyond them for integers and
        stepped floats, whose values sit in the middle of their share), ``-0.5`` to
        ``n - 0.5`` for a categorical's indices."""
        lo, hi = self.natural(0.0), self.natural(1.0)
        return float(lo), float(hi)

    def _span(self) -> tuple[float, float]:
        p = self.param
        assert isinstance(p, (Float, Int))
        low, high = float(p.low), float(p.high)
        if high == low:  # one value: a unit-wide axis around it
            return (low / math.e, low * math.e) if self.kind == "log" else (low - 0.5, low + 0.5)
        step = p.step if isinstance(p, Float) else (None if p.log else p.step)
        if isinstance(p, Int) and p.log:
            return low - 0.5, high + 0.5
        if step is not None:
            return low - step / 2, high + step / 2
        return low, high


def _axis(name: str, param: Param) -> ParamAxis:
    if isinstance(param, Categorical):
        n = len(param.choices)
        return ParamAxis(name, param, "categorical", tuple((i + 0.5) / n for i in range(n)),
                         tuple(format_value(c) for c in param.choices))
    log = isinstance(param, (Float, Int)) and param.log
    if isinstance(param, Int):  # ticks on the integers themselves, not between them
        values = int_tick_values(param)
        return ParamAxis(name, param, "log" if log else "linear",
                         tuple(param.to_unit(v) for v in values), tuple(str(v) for v in values))
    labels: list[str] = []
    ticks: list[float] = []
    for u in _NUMERIC_TICKS:
        label = format_value(param.from_unit(u))
        if labels and label == labels[-1]:
            continue
        ticks.append(u)
        labels.append(label)
    return ParamAxis(name, param, "log" if log else "linear", tuple(ticks), tuple(labels))


def int_tick_values(param: Int, most: int = 6) -> list[int]:
    """Integer values to put ticks at (about ``most`` of them at most): every value of a short
    range, else ``low`` and the multiples of a round stride (1, 2 or 5 times a power of ten
    steps); on a log scale ``low``, ``high`` and the powers of ten between them (with their 2
    and 5 multiples when there is room)."""
    low, high = int(param.low), int(param.high)
    if high <= low:
        return [low]
    if param.log:
        top = int(math.log10(high)) + 1
        for mults in ((1, 2, 5), (1,)):
            inner = sorted({m * 10 ** e for e in range(top) for m in mults
                            if low < m * 10 ** e < high})
            if len(inner) <= most - 2:
                break
        while len(inner) > most - 2:
            inner = inner[::2]
        return [low, *inner, high]
    step = int(param.step or 1)
    n = (high - low) // step + 1
    if n <= most:
        return list(range(low, high + 1, step))
    raw = (n - 1) / (most - 1)
    scale = 10 ** math.floor(math.log10(raw))
    stride = step * next(m * scale for m in (1, 2, 5, 10) if m * scale >= raw)
    first = -(-low // stride) * stride  # the first multiple of the stride at or above low
    values = [low] + [v for v in range(first, high + 1, stride)
                      if v > low and (v - low) % step == 0]
    if len(values) > 1 and values[1] - low < stride / 2:
        values.pop(1)  # too close to low to label both
    return values


def _infer_param(values: Sequence[Any]) -> Param:
    """A parameter type for values recorded without a distribution."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) == len(values) and numbers:
        lo, hi = float(min(numbers)), float(max(numbers))
        return Float(lo, hi)
    seen: list[Any] = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return Categorical(seen)


def param_axes(trials: Sequence[FrozenTrial]) -> dict[str, ParamAxis]:
    """One axis per parameter seen in ``trials``, in first-seen order.  The newest trial's
    distribution of a parameter wins (a define-by-run range may change between trials)."""
    dists: dict[str, Param] = {}
    order: list[str] = []
    values: dict[str, list[Any]] = {}
    for t in sorted(trials, key=lambda t: t.number):
        for name, v in t.params.items():
            if name not in values:
                order.append(name)
                values[name] = []
            values[name].append(v)
            if name in t.distributions:
                dists[name] = t.distributions[name]
    return {n: _axis(n, dists[n] if n in dists else _infer_param(values[n])) for n in order}


def _pick(axes: Mapping[str, ParamAxis], params: Sequence[str] | None) -> list[str]:
    if params is None:
        return list(axes)
    unknown = [p for p in params if p not in axes]
    if unknown:
        raise UserError(
            f"params: {unknown} not in the study's parameters {sorted(axes)}"
        )
    return list(params)


# -- history -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryData:
    """Each complete trial's value and the best value so far, by trial number.  The best so
    far is over the feasible trials (NaN until the first one); ``feasible`` is False for a
    trial whose constraints are not all satisfied."""

    numbers: tuple[int, ...]
    values: tuple[float, ...]
    best: tuple[float, ...]
    direction: Direction
    counts: Mapping[str, int]
    feasible: tuple[bool, ...] = ()


def history(trials: Sequence[FrozenTrial], direction: Direction) -> HistoryData:
    done = complete_trials(trials)
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    feasible = [t.feasible for t in done]
    return HistoryData(tuple(t.number for t in done), tuple(values),
                       best_so_far(values, feasible, direction), direction,
                       state_counts(trials), tuple(feasible))


# -- slices --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SliceData:
    """One parameter against the objective, over the complete trials where it was active."""

    axis: ParamAxis
    x: tuple[float, ...]  # natural axis: the number, or a categorical's index
    values: tuple[float, ...]
    numbers: tuple[int, ...]


def slices(trials: Sequence[FrozenTrial], params: Sequence[str] | None = None) -> list[SliceData]:
    done = complete_trials(trials)
    axes = param_axes(done)
    out = []
    for name in _pick(axes, params):
        axis = axes[name]
        rows = [(axis.value(t.params[name]), float(t.value), t.number)  # type: ignore[arg-type]
                for t in done if name in t.params]
        rows = [r for r in rows if math.isfinite(r[0])]
        out.append(SliceData(axis, tuple(r[0] for r in rows), tuple(r[1] for r in rows),
                             tuple(r[2] for r in rows)))
    return out


# -- parallel coordinates ------------------------------------------------------------------------
@dataclass(frozen=True)
class ParallelData:
    """Complete trials as lines across the parameter axes (unit coordinates; NaN where a
    parameter was inactive) and the objective, the last axis."""

    axes: tuple[ParamAxis, ...]
    coords: tuple[tuple[float, ...], ...]  # one row per trial, one column per axis
    values: tuple[float, ...]
    numbers: tuple[int, ...]


def parallel(trials: Sequence[FrozenTrial], params: Sequence[str] | None = None) -> ParallelData:
    done = complete_trials(trials)
    axes = param_axes(done)
    names = _pick(axes, params)
    coords = tuple(tuple(axes[n].unit(t.params[n]) if n in t.params else math.nan for n in names)
                   for t in done)
    return ParallelData(tuple(axes[n] for n in names), coords,
                        tuple(float(t.value) for t in done),  # type: ignore[arg-type]
                        tuple(t.number for t in done))


# -- contour -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContourData:
    """The objective over two parameters: the trials where both were active (unit
    coordinates) and, with three or more points not on a line, a grid interpolated between
    them (linear inside their hull, the nearest trial outside)."""

    x_axis: ParamAxis
    y_axis: ParamAxis
    x: tuple[float, ...]
    y: tuple[float, ...]
    values: tuple[float, ...]
    grid: tuple[float, ...]  # the grid's coordinates along both axes
    z: tuple[tuple[float, ...], ...] | None  # z[i][j] at (grid[j], grid[i]); None: no surface
    #: the points on natural axes (the numbers themselves, a categorical's index); the grid's
    #: natural coordinates are ``x_axis.natural(grid)``, ``y_axis.natural(grid)``
    x_values: tuple[float, ...] = ()
    y_values: tuple[float, ...] = ()


def contour(trials: Sequence[FrozenTrial], x: str, y: str, resolution: int = 40) -> ContourData:
    done = complete_trials(trials)
    axes = param_axes(done)
    _pick(axes, [x, y])
    if x == y:
        raise UserError(f"params: a contour needs two different parameters, got {x!r} twice")
    ax, ay = axes[x], axes[y]
    both = [t for t in done if x in t.params and y in t.params]
    rows = [(ax.unit(t.params[x]), ay.unit(t.params[y]), float(t.value),  # type: ignore[arg-type]
             ax.value(t.params[x]), ay.value(t.params[y])) for t in both]
    rows = [r for r in rows if all(math.isfinite(v) for v in r)]
    grid = np.linspace(0.0, 1.0, resolution)
    z = _interpolate([r[:3] for r in rows], grid)
    return ContourData(ax, ay, tuple(r[0] for r in rows), tuple(r[1] for r in rows),
                       tuple(r[2] for r in rows), tuple(grid.tolist()), z,
                       tuple(r[3] for r in rows), tuple(r[4] for r in rows))


def _interpolate(rows: list[tuple[float, float, float]],
                 grid: np.ndarray) -> tuple[tuple[float, ...], ...] | None:
    points = np.array([(r[0], r[1]) for r in rows], dtype=float).reshape(-1, 2)
    values = np.array([r[2] for r in rows], dtype=float)
    # trials at the same point (integer and categorical axes repeat them) become one point at
    # their mean value: a triangulation of repeated points is slow and its value arbitrary
    points, where = np.unique(points, axis=0, return_inverse=True)
    values = np.bincount(where.ravel(), weights=values) / np.bincount(where.ravel())
    if len(points) < 3:
        return None
    from scipy.interpolate import griddata
    from scipy.spatial import QhullError

    gx, gy = np.meshgrid(grid, grid)
    try:
        linear = griddata(points, values, (gx, gy), method="linear")
    except (QhullError, ValueError):  # all points on a line: no surface to draw
        return None
    nearest = griddata(points, values, (gx, gy), method="nearest")
    z = np.where(np.isnan(linear), nearest, linear)
    return tuple(tuple(row) for row in z.tolist())


def top_pairs(trials: Sequence[FrozenTrial], k: int,
              weights: Mapping[str, float] | None = None) -> list[tuple[str, str]]:
    """Up to ``k`` pairs of parameters worth a contour: both active together in at least three
    complete trials, each taking two or more values there; ranked by the sum of ``weights``
    (e.g. importances), else by how many trials hold both."""
    done = complete_trials(trials)
    names = list(param_axes(done))
    scored = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = [t for t in done if a in t.params and b in t.params]
            if len(both) < 3:
                continue
            if not (_varies(both, a) and _varies(both, b)):
                continue
            score = (weights.get(a, 0.0) + weights.get(b, 0.0)) if weights else len(both)
            scored.append((-score, i, names.index(b), (a, b)))
    return [pair for *_, pair in sorted(scored)[:k]]


def _varies(trials: Sequence[FrozenTrial], name: str) -> bool:
    """Whether ``name`` takes two or more values in ``trials`` (stops at the second one)."""
    first = repr(trials[0].params[name])
    return any(repr(t.params[name]) != first for t in trials)


# -- intermediate values -------------------------------------------------------------------------
@dataclass(frozen=True)
class Curve:
    number: int
    state: TrialState
    steps: tuple[int, ...]
    values: tuple[float, ...]

    @property
    def pruned(self) -> bool:
        return self.state is TrialState.PRUNED


def intermediate(trials: Sequence[FrozenTrial]) -> list[Curve]:
    """The reported values of every trial that reported any, by step."""
    out = []
    for t in sorted(trials, key=lambda t: t.number):
        if not t.intermediate:
            continue
        steps = sorted(t.intermediate)
        out.append(Curve(t.number, t.state, tuple(steps),
                         tuple(float(t.intermediate[s]) for s in steps)))
    return out


# -- empirical distribution ----------------------------------------------------------------------
@dataclass(frozen=True)
class EDFData:
    """The share of complete trials whose value is at most each value."""

    values: tuple[float, ...]
    fractions: tuple[float, ...]


def edf(trials: Sequence[FrozenTrial]) -> EDFData:
    values = sorted(float(t.value) for t in complete_trials(trials))  # type: ignore[arg-type]
    n = len(values)
    return EDFData(tuple(values), tuple((i + 1) / n for i in range(n)))


# -- timeline ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    number: int
    worker: str
    state: TrialState
    start: float  # seconds since the first trial started
    end: float  # the trial's end, or "now" for a running trial
    finished: bool


@dataclass(frozen=True)
class TimelineData:
    workers: tuple[str, ...]  # in order of their first trial
    spans: tuple[Span, ...]
    origin: datetime | None


def timeline(trials: Sequence[FrozenTrial], now: datetime | None = None) -> TimelineData:
    """Each started trial as a span on its worker's lane (``owner``; unknown owners share a
    lane).  Waiting trials have not started and are left out."""
    started = sorted((t for t in trials if t.datetime_start is not None),
                     key=lambda t: (t.datetime_start, t.number))
    if not started:
        return TimelineData((), (), None)
    origin = started[0].datetime_start
    assert origin is not None
    now = now or datetime.now(origin.tzinfo)
    workers: list[str] = []
    spans = []
    for t in started:
        worker = t.owner or "unknown"
        if worker not in workers:
            workers.append(worker)
        end = t.datetime_complete or now
        start_s = (t.datetime_start - origin).total_seconds()  # type: ignore[operator]
        spans.append(Span(t.number, worker, t.state, start_s,
                          max(start_s, (end - origin).total_seconds()),
                          t.datetime_complete is not None))
    return TimelineData(tuple(workers), tuple(spans), origin)


# -- confusion matrix ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ConfusionData:
    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]  # rows: true class, columns: predicted


def confusion(user_attrs: Mapping[str, Any]) -> ConfusionData | None:
    """The final model's confusion matrix, as the cycle stores it in the study's user
    attributes (``confusion_matrix``); None when the study has none."""
    doc = user_attrs.get("confusion_matrix")
    if not isinstance(doc, Mapping) or "labels" not in doc or "matrix" not in doc:
        return None
    labels = tuple(str(x) for x in doc["labels"])
    matrix = tuple(tuple(int(n) for n in row) for row in doc["matrix"])
    if len(matrix) != len(labels) or any(len(r) != len(labels) for r in matrix):
        raise UserError("confusion_matrix: the matrix is not square over its labels")
    return ConfusionData(labels, matrix)



__all__ = [
    "ConfusionData", "ContourData", "Curve", "EDFData", "FrontData", "HistoryData",
    "HypervolumeData", "ObjectiveHistory", "ParallelData", "ParamAxis", "ParetoData", "SliceData",
    "Span", "TimelineData", "complete_trials", "complete_with_values", "confusion", "contour",
    "edf", "format_value", "front", "history", "hypervolume_history", "hypervolume_series",
    "int_tick_values", "intermediate", "objective_histories", "objective_names", "parallel",
    "param_axes", "pareto", "pareto_from_trials", "pareto_front", "project", "reference_point",
    "resolve_objective", "select_objectives", "slices", "state_counts", "timeline", "top_pairs",
    "trial_objective",
]
