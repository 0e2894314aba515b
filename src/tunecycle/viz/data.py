"""Plot data: pure functions from a study's trials to plain numbers, one function per plot.

Every function here takes a sequence of :class:`~tunecycle.records.FrozenTrial` (and the
study's direction where "better" matters) and returns a frozen record of tuples and floats.
Nothing here draws, opens a storage or imports a plotting library, so the static plots
(:mod:`tunecycle.viz.plots`), the HTML report and a web dashboard can share one reading of the
history, and the data can be tested without pictures.

Parameters are placed by the space's own unit-interval encoding (``Param.to_unit``): a log
parameter is evenly spread in log space, a categorical choice ``i`` of ``n`` sits at
``(i + 0.5) / n``.  Axis ticks carry the decoded values.  Studies are single-objective today;
:func:`pareto` works on any list of value vectors (or on objectives read from trials: the value,
the duration, numeric user attributes).
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

#: at most this many tick labels on a numeric axis
_NUMERIC_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def complete_trials(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The complete trials with a finite value, in trial-number order."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None
            and math.isfinite(t.value)]
    return sorted(done, key=lambda t: t.number)


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


def _axis(name: str, param: Param) -> ParamAxis:
    if isinstance(param, Categorical):
        n = len(param.choices)
        return ParamAxis(name, param, "categorical", tuple((i + 0.5) / n for i in range(n)),
                         tuple(format_value(c) for c in param.choices))
    log = isinstance(param, (Float, Int)) and param.log
    labels: list[str] = []
    ticks: list[float] = []
    for u in _NUMERIC_TICKS:
        label = format_value(param.from_unit(u))
        if labels and label == labels[-1]:
            continue
        ticks.append(u)
        labels.append(label)
    return ParamAxis(name, param, "log" if log else "linear", tuple(ticks), tuple(labels))


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
    """Each complete trial's value and the best value so far, by trial number."""

    numbers: tuple[int, ...]
    values: tuple[float, ...]
    best: tuple[float, ...]
    direction: Direction
    counts: Mapping[str, int]


def history(trials: Sequence[FrozenTrial], direction: Direction) -> HistoryData:
    done = complete_trials(trials)
    best: list[float] = []
    for t in done:
        v = float(t.value)  # type: ignore[arg-type]
        best.append(v if not best or direction.better(v, best[-1]) else best[-1])
    return HistoryData(tuple(t.number for t in done), tuple(float(t.value) for t in done),  # type: ignore[arg-type]
                       tuple(best), direction, state_counts(trials))


def state_counts(trials: Sequence[FrozenTrial]) -> dict[str, int]:
    counts = {s.value: 0 for s in TrialState}
    for t in trials:
        counts[t.state.value] += 1
    return counts


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


def contour(trials: Sequence[FrozenTrial], x: str, y: str, resolution: int = 40) -> ContourData:
    done = complete_trials(trials)
    axes = param_axes(done)
    _pick(axes, [x, y])
    if x == y:
        raise UserError(f"params: a contour needs two different parameters, got {x!r} twice")
    rows = [(axes[x].unit(t.params[x]), axes[y].unit(t.params[y]), float(t.value))  # type: ignore[arg-type]
            for t in done if x in t.params and y in t.params]
    rows = [r for r in rows if math.isfinite(r[0]) and math.isfinite(r[1])]
    grid = np.linspace(0.0, 1.0, resolution)
    z = _interpolate(rows, grid)
    return ContourData(axes[x], axes[y], tuple(r[0] for r in rows), tuple(r[1] for r in rows),
                       tuple(r[2] for r in rows), tuple(grid.tolist()), z)


def _interpolate(rows: list[tuple[float, float, float]],
                 grid: np.ndarray) -> tuple[tuple[float, ...], ...] | None:
    points = np.array([(r[0], r[1]) for r in rows], dtype=float).reshape(-1, 2)
    values = np.array([r[2] for r in rows], dtype=float)
    if len(np.unique(points, axis=0)) < 3:
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
            if min(len({repr(t.params[n]) for t in both}) for n in (a, b)) < 2:
                continue
            score = (weights.get(a, 0.0) + weights.get(b, 0.0)) if weights else len(both)
            scored.append((-score, i, names.index(b), (a, b)))
    return [pair for *_, pair in sorted(scored)[:k]]


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


# -- Pareto front --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParetoData:
    names: tuple[str, ...]
    directions: tuple[Direction, ...]
    points: tuple[tuple[float, ...], ...]
    on_front: tuple[bool, ...]
    numbers: tuple[int, ...]


def pareto_front(points: Sequence[Sequence[float]],
                 directions: Sequence[Direction | str]) -> list[bool]:
    """True for each point that no other point dominates (at least as good in every
    objective and better in one)."""
    dirs = [Direction.parse(d) for d in directions]
    arr = np.asarray(points, dtype=float).reshape(len(points), len(dirs))
    losses = arr * np.array([d.sign() for d in dirs])
    out = []
    for i in range(len(losses)):
        no_worse = np.all(losses <= losses[i], axis=1)
        better = np.any(losses < losses[i], axis=1)
        out.append(not bool(np.any(no_worse & better)))
    return out


def pareto(points: Sequence[Sequence[float]], directions: Sequence[Direction | str],
           names: Sequence[str] | None = None,
           numbers: Sequence[int] | None = None) -> ParetoData:
    """The Pareto front of value vectors (one per trial, one entry per objective)."""
    dirs = tuple(Direction.parse(d) for d in directions)
    if len(dirs) < 2:
        raise UserError(f"directions: a Pareto front needs two or more objectives, got {len(dirs)}")
    rows = [tuple(float(x) for x in p) for p in points]
    bad = [i for i, p in enumerate(rows) if len(p) != len(dirs)]
    if bad:
        raise UserError(f"points: point {bad[0]} has {len(rows[bad[0]])} values for "
                        f"{len(dirs)} objectives")
    names = tuple(names) if names is not None else tuple(f"objective {i}" for i in range(len(dirs)))
    if len(names) != len(dirs):
        raise UserError(f"names: {len(names)} names for {len(dirs)} objectives")
    nums = tuple(numbers) if numbers is not None else tuple(range(len(rows)))
    keep = [i for i, p in enumerate(rows) if all(math.isfinite(x) for x in p)]
    rows = [rows[i] for i in keep]
    front = pareto_front(rows, dirs) if rows else []
    return ParetoData(tuple(names), dirs, tuple(rows), tuple(front), tuple(nums[i] for i in keep))


def trial_objective(trial: FrozenTrial, key: str) -> float:
    """``value``, ``duration`` (seconds) or a numeric user attribute of a trial; NaN if absent."""
    if key == "value":
        return math.nan if trial.value is None else float(trial.value)
    if key == "duration":
        d = trial.duration
        return math.nan if d is None else d.total_seconds()
    v = trial.user_attrs.get(key)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return math.nan


def pareto_from_trials(trials: Sequence[FrozenTrial], keys: Sequence[str],
                       directions: Sequence[Direction | str]) -> ParetoData:
    """The Pareto front of complete trials over named objectives (see :func:`trial_objective`),
    e.g. ``keys=["value", "duration"], directions=["maximize", "minimize"]``: the trade-off
    between a score and the time it took."""
    done = complete_trials(trials)
    points = [[trial_objective(t, k) for k in keys] for t in done]
    return pareto(points, directions, keys, [t.number for t in done])
