"""Plot data: pure functions from a study's trials to plain numbers, one function per plot.

Every function here takes a sequence of :class:`~tunecycle.records.FrozenTrial` (and the
study's direction where "better" matters) and returns a frozen record of tuples and floats.
Nothing here draws, opens a storage or imports a plotting library, so the static plots
(:mod:`tunecycle.viz.plots`), the HTML report and a web dashboard can share one reading of the
history, and the data can be tested without pictures.

Parameters are placed by the space's own unit-interval encoding (``Param.to_unit``): a log
parameter is evenly spread in log space, a categorical choice ``i`` of ``n`` sits at
``(i + 0.5) / n``.  Axis ticks carry the decoded values.

Studies of several objectives: :func:`front` (the feasible Pareto front among every complete
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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from tunecycle import pareto as _pareto
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
                       _best_so_far(values, feasible, direction), direction,
                       state_counts(trials), tuple(feasible))


def _best_so_far(values: Sequence[float], feasible: Sequence[bool],
                 direction: Direction) -> tuple[float, ...]:
    best: list[float] = []
    current = math.nan
    for v, ok in zip(values, feasible):
        if ok and (math.isnan(current) or direction.better(v, current)):
            current = v
        best.append(current)
    return tuple(best)


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
    return [bool(x) for x in _pareto.nondominated(losses)]


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


# -- several objectives --------------------------------------------------------------------------
def objective_names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    """The objectives' names: the study's metric names when it has ``n`` of them, else
    ``value`` (one objective) or ``values_0``, ``values_1``, ..."""
    if names is not None and len(names) == n:
        return tuple(str(x) for x in names)
    return ("value",) if n == 1 else tuple(f"values_{i}" for i in range(n))


def resolve_objective(objective: int | str, names: Sequence[str]) -> int:
    """The index of ``objective``: one of ``names``, ``values_<i>``, or a number from 0."""
    n = len(names)
    said = f"one of {list(names)} or a number from 0 to {n - 1}"
    if isinstance(objective, str):
        text = objective.strip()
        if text in names:
            return list(names).index(text)
        if text.startswith("values_"):
            text = text[len("values_"):]
        if not text.isdigit():
            raise UserError(f"objective: {objective!r} is not {said}")
        objective = int(text)
    if isinstance(objective, bool) or not isinstance(objective, (int, np.integer)) \
            or not 0 <= int(objective) < n:
        raise UserError(f"objective: {objective!r} is not {said}")
    return int(objective)


def project(trials: Sequence[FrozenTrial], index: int) -> list[FrozenTrial]:
    """The trials as those of a study of one objective, objective ``index``: its value
    becomes ``value`` (None where a trial has no values)."""
    out = []
    for t in trials:
        if t.values is not None and len(t.values) > index:
            v = float(t.values[index])
            out.append(replace(t, value=v, values=(v,)))
        else:
            out.append(replace(t, value=None, values=None))
    return out


def complete_with_values(trials: Sequence[FrozenTrial], k: int) -> list[FrozenTrial]:
    """The complete trials with ``k`` finite values, in trial-number order."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == k and all(math.isfinite(v) for v in t.values)]
    return sorted(done, key=lambda t: t.number)


@dataclass(frozen=True)
class FrontData:
    """Every complete trial of a study of several objectives: its values, whether it is
    feasible, and whether it is on the Pareto front of the feasible trials (ties all kept;
    an infeasible trial never is)."""

    names: tuple[str, ...]
    directions: tuple[Direction, ...]
    numbers: tuple[int, ...]
    values: tuple[tuple[float, ...], ...]  # one row per trial, one column per objective
    feasible: tuple[bool, ...]
    on_front: tuple[bool, ...]

    @property
    def n_front(self) -> int:
        return sum(self.on_front)

    @property
    def n_infeasible(self) -> int:
        return sum(not f for f in self.feasible)


def _dirs(directions: Sequence[Direction | str]) -> tuple[Direction, ...]:
    return tuple(Direction.parse(d) for d in directions)


def front(trials: Sequence[FrozenTrial], directions: Sequence[Direction | str],
          names: Sequence[str] | None = None) -> FrontData:
    """The Pareto front of the complete trials over their objectives (see :class:`FrontData`);
    membership is :func:`tunecycle.pareto.best_trials`'."""
    dirs = _dirs(directions)
    done = complete_with_values(trials, len(dirs))
    feasible = [t.feasible for t in done]
    on = [False] * len(done)
    kept = [i for i, ok in enumerate(feasible) if ok]
    if kept:
        mask = _pareto.nondominated(_pareto.losses([done[i] for i in kept], dirs))
        for i, m in zip(kept, mask):
            on[i] = bool(m)
    return FrontData(objective_names(names, len(dirs)), dirs, tuple(t.number for t in done),
                     tuple(tuple(float(v) for v in t.values) for t in done),  # type: ignore[union-attr]
                     tuple(feasible), tuple(on))


def select_objectives(data: FrontData, indices: Sequence[int]) -> FrontData:
    """``data`` over some of its objectives, the front recomputed over those alone."""
    cols = list(indices)
    dirs = tuple(data.directions[i] for i in cols)
    values = tuple(tuple(row[i] for i in cols) for row in data.values)
    on = [False] * len(values)
    kept = [i for i, ok in enumerate(data.feasible) if ok]
    if kept:
        signs = np.array([d.sign() for d in dirs])
        mask = _pareto.nondominated(np.array([values[i] for i in kept]) * signs)
        for i, m in zip(kept, mask):
            on[i] = bool(m)
    return FrontData(tuple(data.names[i] for i in cols), dirs, data.numbers, values,
                     data.feasible, tuple(on))


def reference_point(losses: np.ndarray) -> np.ndarray:
    """The default hypervolume reference, in losses: per objective, the worst loss seen (the
    nadir of ``losses``) plus 10% of the range of the losses; an objective whose losses are
    all equal gets 10% of ``max(|nadir|, 1)`` instead of a zero margin."""
    pts = np.asarray(losses, dtype=float)
    worst, best = pts.max(axis=0), pts.min(axis=0)
    span = worst - best
    span = np.where(span > 0, span, np.maximum(np.abs(worst), 1.0))
    return worst + 0.1 * span


def hypervolume_series(losses: np.ndarray,
                       reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of ``losses`` in trial order: the hypervolume of the front of the first
    ``i + 1`` rows, for each ``i``, and the indices of the rows on the final front (ties
    kept).  The front is kept as rows come, and the volume recomputed only when a row joins
    it, so the cost follows the front's changes rather than the number of rows."""
    pts = np.asarray(losses, dtype=float)
    ref = np.asarray(reference, dtype=float)
    k = pts.shape[1] if pts.ndim == 2 else len(ref)
    front = np.empty((0, k))
    rows = np.empty(0, dtype=int)
    volume = 0.0
    out = np.zeros(len(pts))
    for i, p in enumerate(pts):
        if len(front):
            if np.any(np.all(front <= p, axis=1) & np.any(front < p, axis=1)):
                out[i] = volume  # dominated: the front and its volume stay
                continue
            tie = bool(np.any(np.all(front == p, axis=1)))
            gone = np.all(p <= front, axis=1) & np.any(p < front, axis=1)
            front, rows = front[~gone], rows[~gone]
        else:
            tie = False
        front = np.vstack([front, p])
        rows = np.append(rows, i)
        if not tie:
            volume = _pareto.hypervolume(front, ref)
        out[i] = volume
    return out, rows


@dataclass(frozen=True)
class HypervolumeData:
    """The hypervolume of the feasible front after each complete trial (in number order; an
    infeasible or dominated trial leaves it as it was), against ``reference`` (in the
    objectives' own values; None when no trial is feasible yet)."""

    names: tuple[str, ...]
    directions: tuple[Direction, ...]
    numbers: tuple[int, ...]
    hypervolume: tuple[float, ...]
    reference: tuple[float, ...] | None
    given: bool  # the reference was given, not the default rule's


def hypervolume_history(trials: Sequence[FrozenTrial], directions: Sequence[Direction | str],
                        names: Sequence[str] | None = None,
                        reference: Sequence[float] | None = None) -> HypervolumeData:
    """See :class:`HypervolumeData`.  ``reference`` is a point in the objectives' values,
    worse than the trials that should count (a trial not better than it in every objective
    adds nothing); by default :func:`reference_point` of the feasible trials' losses."""
    dirs = _dirs(directions)
    signs = np.array([d.sign() for d in dirs])
    done = complete_with_values(trials, len(dirs))
    given = reference is not None
    ref_losses = None
    if reference is not None:
        ref = [float(x) for x in reference]
        if len(ref) != len(dirs) or not all(math.isfinite(x) for x in ref):
            raise UserError(f"reference: expected {len(dirs)} finite numbers (one per "
                            f"objective), got {list(reference)!r}")
        ref_losses = np.array(ref) * signs
    feasible = [t for t in done if t.feasible]
    numbers = tuple(t.number for t in done)
    if not feasible:
        return HypervolumeData(objective_names(names, len(dirs)), dirs, numbers,
                               (0.0,) * len(done), None if ref_losses is None
                               else tuple((ref_losses * signs).tolist()), given)
    losses = _pareto.losses(feasible, dirs)
    if ref_losses is None:
        ref_losses = reference_point(losses)
    series, _ = hypervolume_series(losses, ref_losses)
    at = dict(zip((t.number for t in feasible), series.tolist()))
    hv, current = [], 0.0
    for t in done:
        current = at.get(t.number, current)
        hv.append(current)
    return HypervolumeData(objective_names(names, len(dirs)), dirs, numbers, tuple(hv),
                           tuple((ref_losses * signs).tolist()), given)


@dataclass(frozen=True)
class ObjectiveHistory:
    """One objective of a study: each complete trial's value and the best of the feasible
    trials so far (NaN until the first one)."""

    name: str
    direction: Direction
    numbers: tuple[int, ...]
    values: tuple[float, ...]
    feasible: tuple[bool, ...]
    best: tuple[float, ...]


def objective_histories(trials: Sequence[FrozenTrial], directions: Sequence[Direction | str],
                        names: Sequence[str] | None = None) -> list[ObjectiveHistory]:
    """One :class:`ObjectiveHistory` per objective, over the complete trials with every
    objective's value."""
    dirs = _dirs(directions)
    done = complete_with_values(trials, len(dirs))
    feasible = tuple(t.feasible for t in done)
    numbers = tuple(t.number for t in done)
    out = []
    for i, (name, d) in enumerate(zip(objective_names(names, len(dirs)), dirs)):
        values = [float(t.values[i]) for t in done]  # type: ignore[index]
        out.append(ObjectiveHistory(name, d, numbers, tuple(values), feasible,
                                    _best_so_far(values, feasible, d)))
    return out
