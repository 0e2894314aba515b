"""Plot data of fronts and several objectives: the Pareto front of any value vectors (or of
measures read from trials: the value, the duration, numeric user attributes), and for a study
of several objectives the feasible front among every complete trial, the hypervolume after
each trial against a reference point (:func:`reference_point` is the default rule), each
objective's history, and the objectives' names and :func:`project` onto one of them.

Pure functions to frozen records, like :mod:`tunecycle.viz.data`, which re-exports every
public name here (``tunecycle.viz.data`` stays their path).  Deliberately not here: drawing,
and the data of one-objective plots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from tunecycle import pareto as _pareto
from tunecycle.errors import UserError
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.viz.values import best_so_far, complete_trials


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
                                    best_so_far(values, feasible, d)))
    return out
