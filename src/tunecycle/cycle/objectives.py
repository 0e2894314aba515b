"""What a cycle optimises and what it must respect: the metric, measured costs of a model, and
bounds on any of them (``tune(objectives=[...], constraints={...})``).

The first objective is always the metric (its own direction).  The others are measured per
trial on the validation folds and always minimised:

- ``latency_ms``: prediction latency per sample, in milliseconds.  On each validation fold the
  fitted pipeline (preprocessing included) predicts one fixed batch, the fold's first
  :data:`LATENCY_BATCH` rows (all of them when the fold is smaller): one untimed call to warm
  up, then :data:`LATENCY_REPEATS` timed calls (``time.perf_counter``); the fold's value is
  the median call time divided by the batch's rows.  The trial's value is the mean over folds.
- ``model_size_kb``: the fitted pipeline serialised with ``joblib.dump`` (uncompressed, as the
  cycle saves it) into memory, in bytes / 1024; mean over folds.
- ``n_parameters``: the fitted model's learned numbers (the preprocessing is not counted): a
  network's torch parameters; a tree's nodes, summed over the trees of a forest or a boosted
  ensemble (xgboost, lightgbm, catboost); the coefficients and intercepts of a linear model;
  an svm's support-vector coordinates, dual coefficients and intercepts; k-means' centres.
  ``knn`` keeps its training rows rather than learned parameters and is refused.  Mean over
  folds.
- ``fit_time_s``: the seconds of the ``fit`` call on the training fold (for a network this
  includes its per-epoch validation); mean over folds.

Constraints bound the metric or any measure, objective or not: ``{"latency_ms": {"max": 2}}``
becomes the constraint value ``latency_ms - 2`` and ``{"accuracy": {"min": 0.9}}`` becomes
``0.9 - accuracy`` (each <= 0 is satisfied, the engine's convention); a name with both bounds
gives two values.  A trial with a value above 0 is infeasible: never best, never on the front.

This module parses and checks these arguments (the same ``(path, reason)`` problems for
:func:`~tunecycle.cycle.runner.tune` and the YAML config), measures a fitted model, and picks
the saved model from the front (:meth:`Goals.choose`).  It does not search or refit.
"""

from __future__ import annotations

import io
import math
import numbers
import statistics
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tunecycle.errors import UserError

#: the built-in measured objectives (each minimised)
MEASURES = ("latency_ms", "model_size_kb", "n_parameters", "fit_time_s")
#: rows of the batch whose prediction is timed for ``latency_ms``
LATENCY_BATCH = 64
#: timed repeats of that prediction (after one untimed warm-up call); their median counts
LATENCY_REPEATS = 5
#: the front members refitted and tested after a search of several objectives (the best by
#: the metric, always including the selected one)
FRONT_SIZE = 10
#: the families without a parameter count, and why
NO_PARAMETERS = {"knn": "it keeps its training rows rather than learned parameters; "
                        "use model_size_kb"}
#: the trial attribute holding the mean measures of a trial's folds
MEASURES_ATTR = "measures"

Problem = tuple[str, str]  # (path, reason)


@dataclass(frozen=True)
class Bound:
    """A bound on one named value: ``min <= value <= max`` (either may be None)."""

    name: str
    min: float | None = None
    max: float | None = None

    def values(self, value: float) -> list[float]:
        """The constraint values (each <= 0 is satisfied): ``min - value``, ``value - max``."""
        out = []
        if self.min is not None:
            out.append(self.min - value)
        if self.max is not None:
            out.append(value - self.max)
        return out

    def describe(self) -> dict[str, float]:
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}

    def said(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min:g} <= {self.name} <= {self.max:g}"
        if self.min is not None:
            return f"{self.name} >= {self.min:g}"
        return f"{self.name} <= {self.max:g}"


@dataclass(frozen=True)
class Goals:
    """A cycle's objectives (the metric first), constraints and rule to pick the saved model.

    ``select`` is an objective's name (the front member best at it) or ``{name: weight}``:
    each objective's losses are scaled to [0, 1] over the front (min to max; a column that does
    not vary counts 0) and the member with the lowest weighted sum is chosen.  Ties go to the
    better metric, then to the lower trial number."""

    metric: str
    metric_direction: str
    objectives: tuple[str, ...]
    constraints: tuple[Bound, ...] = ()
    select: str | Mapping[str, float] | None = None
    front_size: int = FRONT_SIZE

    @property
    def several(self) -> bool:
        return len(self.objectives) > 1

    @property
    def plain(self) -> bool:
        """One objective and no constraints: the cycle as it always was."""
        return not self.several and not self.constraints

    @property
    def directions(self) -> list[str]:
        return [self.metric_direction] + ["minimize"] * (len(self.objectives) - 1)

    @property
    def measured(self) -> tuple[str, ...]:
        """The measures each trial takes: objectives and constrained names, in MEASURES order."""
        named = set(self.objectives) | {b.name for b in self.constraints}
        return tuple(m for m in MEASURES if m in named)

    def constraint_values(self, values: Mapping[str, float]) -> list[float]:
        return [c for b in self.constraints for c in b.values(values[b.name])]

    def sign(self, name: str) -> float:
        """+1 where lower is better, -1 for a maximised metric."""
        return -1.0 if name == self.metric and self.metric_direction == "maximize" else 1.0

    def choose(self, front: Sequence[Mapping[str, float]]) -> int:
        """The index in ``front`` (each member's values by name) of the model to save."""
        rule = self.select if self.select is not None else self.metric
        if isinstance(rule, str):
            scores = [self.sign(rule) * m[rule] for m in front]
        else:
            scores = [0.0] * len(front)
            for name, weight in rule.items():
                losses = [self.sign(name) * m[name] for m in front]
                low, high = min(losses), max(losses)
                for i, loss in enumerate(losses):
                    scores[i] += weight * ((loss - low) / (high - low) if high > low else 0.0)
        return min(range(len(front)),
                   key=lambda i: (scores[i], self.sign(self.metric) * front[i][self.metric], i))

    def describe(self) -> dict[str, Any]:
        """JSON-safe: objectives, directions, constraints, the selection rule."""
        return {"objectives": list(self.objectives), "directions": self.directions,
                "constraints": {b.name: b.describe() for b in self.constraints},
                "select": (dict(self.select) if isinstance(self.select, Mapping)
                           else self.select or self.metric)}


# -- checks shared by tune() and the config ------------------------------------------------------


def number_problem(value: Any) -> str | None:
    """Why ``value`` is not a finite number (None when it is one)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        return f"must be a number, got {value!r}"
    return None


def bound_problem(low: float | None, high: float | None) -> str | None:
    """Why a pair of (already numeric) bounds cannot be used."""
    if low is None and high is None:
        return "give min, max or both"
    if low is not None and high is not None and low > high:
        return f"min {low:g} is above max {high:g}; nothing can satisfy both"
    return None


def parse_bounds(constraints: Any) -> tuple[list[Bound], list[Problem]]:
    """``{name: {min: x, max: y}}`` as bounds, with the problems of its form."""
    if constraints is None:
        return [], []
    if not isinstance(constraints, Mapping):
        return [], [("constraints", "expected a mapping name -> {min: x} / {max: y}, got "
                                    f"{constraints!r}")]
    bounds: list[Bound] = []
    problems: list[Problem] = []
    for name, spec in constraints.items():
        path = f"constraints.{name}"
        if not isinstance(spec, Mapping):
            problems.append((path, f"expected {{min: x}}, {{max: y}} or both, got {spec!r}"))
            continue
        extra = sorted(map(str, set(spec) - {"min", "max"}))
        if extra:
            problems.append((f"{path}.{extra[0]}", "unknown key; allowed: min, max"))
        found = [(f"{path}.{k}", why) for k in ("min", "max")
                 if spec.get(k) is not None and (why := number_problem(spec[k]))]
        problems += found
        if extra or found:
            continue
        low, high = spec.get("min"), spec.get("max")
        why = bound_problem(low, high)
        if why:
            problems.append((path, why))
            continue
        bounds.append(Bound(str(name), None if low is None else float(low),
                            None if high is None else float(high)))
    return bounds, problems


def objective_problems(objectives: Sequence[str] | None, metric: str | None) -> list[Problem]:
    """The form of ``objectives``: names, no repeats, measures after the metric."""
    if objectives is None:
        return []
    if isinstance(objectives, str) or not isinstance(objectives, Sequence) or not objectives:
        return [("objectives", "expected a list of names, the metric first, got "
                               f"{objectives!r}")]
    problems: list[Problem] = []
    for i, name in enumerate(objectives):
        path = f"objectives.{i}"
        if not isinstance(name, str) or not name:
            problems.append((path, f"expected a name, got {name!r}"))
        elif objectives.index(name) != i:
            problems.append((path, f"{name!r} is named more than once"))
        elif i == 0 and name in MEASURES:
            problems.append((path, f"the first objective is the metric (a score of the "
                                   f"task), not the measure {name!r}"))
        elif i == 0 and metric is not None and name != metric:
            problems.append((path, f"the first objective is the metric; metric is "
                                   f"{metric!r}, not {name!r}"))
        elif i > 0 and name not in MEASURES:
            problems.append((path, f"unknown objective {name!r}; after the metric, choose "
                                   f"from {', '.join(MEASURES)}"))
    return problems


def goal_problems(objectives: Sequence[str] | None, bounds: Sequence[Bound], metric: str,
                  select: Any, front_size: Any, families: Collection[str] | None,
                  pruner: Any, ensemble: Any) -> list[Problem]:
    """What else is wrong, once the form of objectives and constraints is right: constrained
    names, the selection rule, a count of parameters for a family without one, a pruner or an
    ensemble beside several objectives.  ``metric`` is the metric's name."""
    names = list(objectives) if objectives else [metric]
    problems: list[Problem] = []
    for b in bounds:
        if b.name != metric and b.name not in MEASURES:
            problems.append((f"constraints.{b.name}", f"unknown name; constrain the metric "
                             f"{metric!r} or one of {', '.join(MEASURES)}"))
    problems += _select_problems(select, names)
    if isinstance(front_size, bool) or not isinstance(front_size, numbers.Integral) \
            or front_size < 1:
        problems.append(("front_size", f"must be a positive integer, got {front_size!r}"))
    counted = "n_parameters" in names or any(b.name == "n_parameters" for b in bounds)
    for family in sorted(set(families or ()) & set(NO_PARAMETERS)):
        if counted:
            where = (f"objectives.{names.index('n_parameters')}" if "n_parameters" in names
                     else "constraints.n_parameters")
            problems.append((where, f"n_parameters is not defined for model family "
                                    f"{family!r}: {NO_PARAMETERS[family]}"))
    several = len(names) > 1
    shown = pruner if isinstance(pruner, str) else getattr(pruner, "name", pruner)
    if several and pruner is not None and str(shown).lower() != "none":
        problems.append(("pruner", f"{shown!r} compares one objective's intermediate values; "
                                   f"a search of {len(names)} objectives takes no pruner "
                                   "(leave it out)"))
    if ensemble is not None and (several or bounds):
        problems.append(("ensemble", "not built with several objectives or constraints: an "
                         "ensemble's latency, size and parameters add up over its members, so "
                         "it would be neither on the front nor held to the constraints; leave "
                         "it out"))
    return problems


def _select_problems(select: Any, names: list[str]) -> list[Problem]:
    if select is None:
        return []
    if len(names) == 1:
        return [("select", "chooses among the front of several objectives; this search has "
                           "one (leave select out)")]
    if isinstance(select, str):
        if select not in names:
            return [("select", f"{select!r} is not an objective; choose one of "
                               f"{', '.join(names)} or give weights")]
        return []
    if not isinstance(select, Mapping) or not select:
        return [("select", f"expected an objective's name or {{objective: weight}}, got "
                           f"{select!r}")]
    problems: list[Problem] = []
    for name, weight in select.items():
        if name not in names:
            problems.append((f"select.{name}", f"is not an objective; choose from "
                                               f"{', '.join(names)}"))
        elif (why := number_problem(weight)) or weight < 0:
            problems.append((f"select.{name}", why or f"must not be negative, got {weight!r}"))
    if not problems and not any(w > 0 for w in select.values()):
        problems.append(("select", "give at least one weight above 0"))
    return problems


def make_goals(objectives: Sequence[str] | None, constraints: Any, select: Any,
               front_size: Any, metric_name: str, metric_direction: str,
               families: Collection[str] | None = None, pruner: Any = None,
               ensemble: Any = None) -> Goals:
    """Checked :class:`Goals`, or one ``UserError`` listing every ``path: reason``."""
    problems = objective_problems(objectives, metric_name)
    bounds, found = parse_bounds(constraints)
    problems += found
    if not problems:
        problems += goal_problems(objectives, bounds, metric_name, select, front_size,
                                  families, pruner, ensemble)
    if problems:
        raise UserError("; ".join(f"{path}: {why}" for path, why in problems))
    return Goals(metric_name, metric_direction, tuple(objectives or (metric_name,)),
                 tuple(bounds), dict(select) if isinstance(select, Mapping) else select,
                 int(front_size))


# -- measuring a fitted model -------------------------------------------------------------------


def measure(model: Any, X: Any, fit_seconds: float, wanted: Collection[str]
            ) -> dict[str, float]:
    """The ``wanted`` measures of a fitted ``model`` whose fit took ``fit_seconds``; ``X``:
    the rows whose first :data:`LATENCY_BATCH` are timed."""
    out: dict[str, float] = {}
    if "latency_ms" in wanted:
        out["latency_ms"] = latency_ms(model, X)
    if "model_size_kb" in wanted:
        out["model_size_kb"] = size_kb(model)
    if "n_parameters" in wanted:
        out["n_parameters"] = float(count_parameters(model))
    if "fit_time_s" in wanted:
        out["fit_time_s"] = float(fit_seconds)
    return out


def latency_ms(model: Any, X: Any) -> float:
    """Milliseconds per row of ``model.predict`` on the first :data:`LATENCY_BATCH` rows of
    ``X``: the median of :data:`LATENCY_REPEATS` timed calls after one untimed one."""
    batch = X.iloc[:LATENCY_BATCH] if hasattr(X, "iloc") else X[:LATENCY_BATCH]
    rows = len(batch)
    if rows == 0:
        raise UserError("latency_ms: no rows to time the prediction on")
    model.predict(batch)
    times = []
    for _ in range(LATENCY_REPEATS):
        start = time.perf_counter()
        model.predict(batch)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / rows * 1000.0


def size_kb(model: Any) -> float:
    """``joblib.dump`` of ``model`` into memory, in kilobytes (1024 bytes)."""
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getbuffer().nbytes / 1024.0


def count_parameters(model: Any) -> int:
    """The learned numbers of the last step of ``model`` (see the module docstring)."""
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    from tunecycle.cycle.families import LabelEncodedClassifier

    if isinstance(est, LabelEncodedClassifier):
        est = est.estimator_
    net = getattr(est, "net_", None)
    if net is not None:
        return int(sum(p.numel() for p in net.parameters()))
    if hasattr(est, "tree_"):
        return int(est.tree_.node_count)
    if hasattr(est, "get_booster"):  # xgboost: one dumped line per node
        return sum(len([ln for ln in tree.splitlines() if ln.strip()])
                   for tree in est.get_booster().get_dump())
    if hasattr(est, "booster_"):  # lightgbm: binary trees of num_leaves leaves
        return sum(2 * t["num_leaves"] - 1 for t in est.booster_.dump_model()["tree_info"])
    if hasattr(est, "get_tree_leaf_counts"):  # catboost
        return int(sum(2 * int(n) - 1 for n in est.get_tree_leaf_counts()))
    trees = getattr(est, "estimators_", None)
    if trees is not None and all(hasattr(t, "tree_") for t in trees):
        return int(sum(t.tree_.node_count for t in trees))
    if hasattr(est, "support_vectors_"):
        return int(est.support_vectors_.size + est.dual_coef_.size + est.intercept_.size)
    if hasattr(est, "cluster_centers_"):
        return int(est.cluster_centers_.size)
    if hasattr(est, "coef_"):
        import numpy as np

        return int(np.size(est.coef_) + np.size(getattr(est, "intercept_", 0)))
    raise UserError(f"n_parameters: cannot count the parameters of {type(est).__name__}")


def trial_values(goals: Goals, value: float | None, values: Sequence[float] | None,
                 user_attrs: Mapping[str, Any]) -> dict[str, float]:
    """A finished trial's metric and measures by name (from its values and attributes)."""
    out: dict[str, float] = {}
    if values:
        out.update(zip(goals.objectives, values))
    elif value is not None:
        out[goals.metric] = float(value)
    for name, v in (user_attrs.get(MEASURES_ATTR) or {}).items():
        out.setdefault(name, float(v))
    return out
