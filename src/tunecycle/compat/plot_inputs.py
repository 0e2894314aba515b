"""What the plots of ``tunecycle.visualization`` (plotly and matplotlib) and the evaluators of
``tunecycle.importance`` share: reading a study (or several) into trials and directions,
Optuna's ``target=`` rule, and parameter axes in natural coordinates.

Optuna's rule for one-objective plots: in a study of several objectives, ``target`` (a
function of a trial) must say what to plot, else ``ValueError``; a ``target`` with the default
``target_name`` warns, as Optuna does, because the axis would then say "Objective Value".
With ``target``, the plots read ``target(trial)`` of each complete trial as its value.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.space import Float, Int
from tunecycle.viz import data as vd

DEFAULT_TARGET_NAME = "Objective Value"
Target = Callable[[FrozenTrial], float]


def direction_of(value: Any) -> Direction:
    """A direction from ours, Optuna's ``StudyDirection`` or its text."""
    if isinstance(value, Direction):
        return value
    name = getattr(value, "name", value)
    return Direction.parse(str(name).lower())


@dataclass(frozen=True)
class Source:
    """One study as the plots read it."""

    trials: list[FrozenTrial]
    directions: tuple[Direction, ...]
    name: str
    metric_names: tuple[str, ...] | None

    @property
    def multi(self) -> bool:
        return len(self.directions) > 1

    def objective_names(self) -> tuple[str, ...]:
        """The study's metric names, else Optuna's ``Objective 0``, ``Objective 1``, ..."""
        if self.metric_names and len(self.metric_names) == len(self.directions):
            return self.metric_names
        return tuple(f"Objective {i}" for i in range(len(self.directions)))


def read(study: Any, what: str = "study") -> Source:
    """The trials and directions of a study (anything with ``trials`` and ``directions``)."""
    if not hasattr(study, "trials"):
        raise ValueError(f"{what}: expected a study, got {type(study).__name__}")
    dirs = getattr(study, "directions", None) or (study.direction,)
    names = getattr(study, "metric_names", None)
    name = getattr(study, "study_name", None) or getattr(study, "name", None) or "study"
    return Source(list(study.trials), tuple(direction_of(d) for d in dirs), str(name),
                  tuple(str(n) for n in names) if names else None)


def read_many(study: Any) -> list[Source]:
    """One study or a sequence of studies (``plot_optimization_history``, ``plot_edf``)."""
    if hasattr(study, "trials"):
        return [read(study)]
    if isinstance(study, Sequence) and not isinstance(study, str):
        return [read(s, f"study[{i}]") for i, s in enumerate(study)]
    raise ValueError(f"study: expected a study or a list of studies, got {type(study).__name__}")


def check_target(sources: Sequence[Source], target: Target | None, target_name: str) -> None:
    """Optuna's rule: a study of several objectives needs ``target``; a ``target`` without a
    ``target_name`` warns."""
    if target is None and any(s.multi for s in sources):
        raise ValueError(
            "target: the study has several objectives and this plot shows one; pass "
            "target=lambda t: t.values[i] (and target_name=) to pick it"
        )
    if target is not None and target_name == DEFAULT_TARGET_NAME:
        warnings.warn("target is given but target_name is still 'Objective Value'; pass "
                      "target_name= to label the axis", UserWarning, stacklevel=3)


def with_target(src: Source, target: Target | None) -> list[FrozenTrial]:
    """The study's trials, each complete one's value replaced by ``target(trial)`` (trials
    whose target is not a finite number leave the complete ones)."""
    if target is None:
        return src.trials
    out = []
    for t in src.trials:
        if t.state is not TrialState.COMPLETE:
            out.append(t)
            continue
        v = float(target(t))
        out.append(replace(t, value=v, values=(v,)) if math.isfinite(v)
                   else replace(t, value=None, values=None, state=TrialState.FAILED))
    return out


def one_objective(study: Any, target: Target | None,
                  target_name: str) -> tuple[Source, list[FrozenTrial], Direction]:
    """(source, trials valued by the target, the direction "better" follows)."""
    src = read(study)
    check_target([src], target, target_name)
    return src, with_target(src, target), src.directions[0]


def check_params(axes: dict[str, vd.ParamAxis], params: Sequence[str] | None) -> list[str]:
    """``params`` checked against the study's (all of them, sorted as Optuna does, by
    default)."""
    if params is None:
        return sorted(axes)
    if isinstance(params, str):
        raise ValueError(f"params: expected a list of parameter names, got the text {params!r}")
    unknown = [p for p in params if p not in axes]
    if unknown:
        raise ValueError(f"params: {unknown} not in the study's parameters {sorted(axes)}")
    return list(params)


# -- parameter axes in natural coordinates --------------------------------------------------------
def is_log(axis: vd.ParamAxis) -> bool:
    return isinstance(axis.param, (Float, Int)) and bool(axis.param.log)


def is_int(axis: vd.ParamAxis) -> bool:
    return isinstance(axis.param, Int) or (
        isinstance(axis.param, Float) and axis.param.step is not None
        and float(axis.param.step).is_integer() and float(axis.param.low).is_integer())


def coordinate(axis: vd.ParamAxis, value: Any) -> float:
    """Where a value sits on its axis: the number, or a categorical choice's index."""
    return axis.value(value)


def int_ticks(axis: vd.ParamAxis, most: int = 10) -> list[int]:
    """Integer tick values for an integer axis (see :func:`tunecycle.viz.data.int_tick_values`;
    a Float with an integer step counts as one)."""
    p = axis.param
    if isinstance(p, Float):
        p = Int(int(p.low), int(p.high), step=int(p.step or 1))
    return vd.int_tick_values(p, most)  # type: ignore[arg-type]


def grid(axis: vd.ParamAxis, values: Sequence[float], n: int = 60) -> np.ndarray:
    """Grid points spanning the axis's values (geometric on a log axis)."""
    lo, hi = float(min(values)), float(max(values))
    if is_log(axis) and lo > 0:
        return np.geomspace(lo, hi, n) if hi > lo else np.array([lo])
    return np.linspace(lo, hi, n) if hi > lo else np.array([lo])


def interpolate(x: Sequence[float], y: Sequence[float], z: Sequence[float],
                gx: np.ndarray, gy: np.ndarray, log_x: bool, log_y: bool) -> np.ndarray | None:
    """z over the grid ``gx`` x ``gy``: linear between the points (in log space for a log
    axis), the nearest point outside their hull; None with fewer than three distinct points
    or all on a line."""
    px = np.log10(np.asarray(x, float)) if log_x else np.asarray(x, float)
    py = np.log10(np.asarray(y, float)) if log_y else np.asarray(y, float)
    points = np.column_stack([px, py])
    if len(np.unique(points, axis=0)) < 3:
        return None
    from scipy.interpolate import griddata
    from scipy.spatial import QhullError

    mx, my = np.meshgrid(np.log10(gx) if log_x else gx, np.log10(gy) if log_y else gy)
    values = np.asarray(z, float)
    try:
        linear = griddata(points, values, (mx, my), method="linear")
    except (QhullError, ValueError):
        return None
    nearest = griddata(points, values, (mx, my), method="nearest")
    return np.where(np.isnan(linear), nearest, linear)


def ranks(values: Sequence[float]) -> np.ndarray:
    """Each value's rank scaled to [0, 1] (ties share their mean rank)."""
    from scipy.stats import rankdata

    v = np.asarray(values, float)
    if len(v) < 2:
        return np.full(len(v), 0.5)
    return (rankdata(v) - 1) / (len(v) - 1)


def feasible_with(trials: Sequence[FrozenTrial],
                  constraints_func: Callable[[FrozenTrial], Sequence[float]] | None
                  ) -> list[FrozenTrial]:
    """The trials, with ``constraints_func``'s values as their constraints where given (a
    trial's own constraints, or Optuna's ``constraints`` system attribute, otherwise)."""
    out = []
    for t in trials:
        cons = t.constraints
        if constraints_func is not None and t.state is TrialState.COMPLETE:
            cons = tuple(float(c) for c in constraints_func(t))
        elif cons is None and "constraints" in t.system_attrs:
            cons = tuple(float(c) for c in t.system_attrs["constraints"])
        out.append(t if cons == t.constraints else replace(t, constraints=cons))
    return out


def with_targets(trials: Sequence[FrozenTrial],
                 targets: Callable[[FrozenTrial], Sequence[float]] | None) -> list[FrozenTrial]:
    """The trials with ``targets(trial)`` as the values of each complete one."""
    if targets is None:
        return list(trials)
    out = []
    for t in trials:
        if t.state is TrialState.COMPLETE:
            vals = tuple(float(v) for v in targets(t))
            out.append(replace(t, value=None, values=vals))
        else:
            out.append(t)
    return out


def pareto_inputs(study: Any, target_names: Sequence[str] | None,
                  targets: Callable[[FrozenTrial], Sequence[float]] | None,
                  constraints_func: Callable[[FrozenTrial], Sequence[float]] | None
                  ) -> tuple[list[FrozenTrial], tuple[Direction, ...], tuple[str, ...]]:
    """(trials valued by ``targets`` with ``constraints_func``'s constraints, directions,
    objective names) for a Pareto front of 2 or 3 objectives."""
    src = read(study)
    trials = feasible_with(with_targets(src.trials, targets), constraints_func)
    if targets is None:
        k = len(src.directions)
        if k not in (2, 3):
            raise ValueError(f"study: plot_pareto_front draws 2 or 3 objectives; the study has "
                             f"{k} (pass targets= to pick 2 or 3 of them)")
        dirs = src.directions
        default_names = src.objective_names()
    else:
        done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None]
        k = len(done[0].values) if done else 2  # type: ignore[arg-type]
        if k not in (2, 3):
            raise ValueError(f"targets: must return 2 or 3 values per trial, got {k}")
        dirs = src.directions if len(src.directions) == k else (Direction.MINIMIZE,) * k
        default_names = tuple(f"Objective {i}" for i in range(k))
    if target_names is None:
        names = default_names
    else:
        if len(target_names) != k:
            raise ValueError(f"target_names: {len(target_names)} names for {k} objectives")
        names = tuple(str(n) for n in target_names)
    return trials, tuple(dirs), names


def pareto_data(study: Any, target_names: Sequence[str] | None,
                targets: Callable[[FrozenTrial], Sequence[float]] | None,
                constraints_func: Callable[[FrozenTrial], Sequence[float]] | None
                ) -> vd.FrontData:
    """The front of a study of 2 or 3 objectives (or of what ``targets`` gives)."""
    trials, dirs, names = pareto_inputs(study, target_names, targets, constraints_func)
    return vd.front(trials, dirs, names)


def check_reference(src: Source, reference_point: Sequence[float]) -> list[float]:
    """``reference_point`` checked: one finite number per objective of a study of several."""
    if not src.multi:
        raise ValueError("study: the hypervolume needs a study of two or more objectives; "
                         "this one has one")
    ref = np.asarray(reference_point, dtype=float).ravel()
    if ref.shape != (len(src.directions),) or not np.all(np.isfinite(ref)):
        raise ValueError(f"reference_point: expected {len(src.directions)} finite values (one "
                         f"per objective), got {list(np.asarray(reference_point).ravel())!r}")
    return ref.tolist()
