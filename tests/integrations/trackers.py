"""What the tracker tests share: the library check (skip outside CI, fail under CI) and one
small study whose trials end complete, pruned and failed, with known params, intermediate
values and user attrs."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

import tunecycle as tc
from tunecycle.errors import TrialPruned


def needs(module: str, extra: str) -> ModuleType:
    """Import ``module``; when it is missing skip the test module, except under CI (``CI``
    set), where a missing tracker library is a failure."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed ({exc}); CI is set, so the tracker tests "
                        f"must run: pip install -e '.[{extra}]'", pytrace=False)
        return pytest.importorskip(module, reason=f"needs the {extra} extra")


#: trial number -> (params, intermediate values, what the trial ends as); these trials are
#: enqueued (fixed values: they have no distributions), later ones are sampled
CONFIGS = [
    ({"x": 0.5, "kind": "a", "n": 3, "opt": None}, [0.9, 0.6, 0.4], "complete"),
    ({"x": 2.0, "kind": "b", "n": 1, "opt": None}, [3.0, 2.5], "pruned"),
    ({"x": 1.0, "kind": "a", "n": 2, "opt": "on"}, [1.5], "failed"),
]
FINAL_VALUE = 0.25  # trial 0's value; its last intermediate value is 0.4


def objective(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", 0.1, 3.0)
    trial.suggest_categorical("kind", ["a", "b"])
    trial.suggest_int("n", 1, 5)
    trial.suggest_categorical("opt", [None, "on"])
    if trial.number >= len(CONFIGS):  # a trial the sampler proposed: complete, value x
        return x
    _, values, end = CONFIGS[trial.number]
    for step, value in enumerate(values):
        trial.report(value, step)
    trial.set_user_attr("fold_scores", [0.5, 0.75])
    trial.set_user_attr("info", {"family": "knn", "deep": {"k": 2}})
    if end == "pruned":
        raise TrialPruned("pruned at step 1")
    if end == "failed":
        raise ValueError("bad configuration")
    return FINAL_VALUE * x / 0.5


def run_study(name: str, callbacks: list) -> tc.Study:
    study = tc.create_study(name=name, sampler="random", seed=0, direction="minimize")
    for params, _, _ in CONFIGS:
        study.enqueue(params)
    study.optimize(objective, n_trials=len(CONFIGS), callbacks=callbacks)
    return study


#: a study of two objectives (accuracy up, size_kb down) with one constraint: trial number ->
#: (x, intermediate values, (accuracy, size_kb), constraint, how it ends)
MO_CONFIGS = [
    (0.5, [0.6, 0.7], (0.8, 12.0), -1.0, "complete"),  # feasible; its last step is 1
    (2.0, [], (0.6, 30.0), 2.5, "complete"),  # infeasible; no intermediate values
    (1.0, [0.4], None, -0.5, "failed"),
]
MO_DIRECTIONS = ["maximize", "minimize"]


def mo_objective(trial: tc.Trial) -> tuple[float, float]:
    trial.suggest_float("x", 0.1, 3.0)
    _, intermediate, values, constraint, end = MO_CONFIGS[trial.number]
    for step, value in enumerate(intermediate):
        trial.report(value, step)
    trial.set_constraints([constraint])
    if end == "failed":
        raise ValueError("bad configuration")
    return values


def run_mo_study(name: str, callbacks: list, metric_names: list[str] | None = None
                 ) -> tc.Study:
    """The study of :data:`MO_CONFIGS`, its objectives named ``metric_names`` when given."""
    study = tc.create_study(name=name, sampler="random", seed=0, directions=MO_DIRECTIONS)
    if metric_names is not None:
        study.set_metric_names(metric_names)
    for x, *_ in MO_CONFIGS:
        study.enqueue({"x": x})
    study.optimize(mo_objective, n_trials=len(MO_CONFIGS), callbacks=callbacks)
    return study
