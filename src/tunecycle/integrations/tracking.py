"""What the experiment-tracker callbacks (``mlflow.py``, ``wandb.py``, ``tensorboard.py``)
share: the check that a tracker's library is installed, one trial's record as flat tracker
fields (its objectives' values by name, its constraint values, the directions as text), and
the guard that keeps a tracker's error from ending a study.

Objectives: a study of one objective logs its value under the tracker's ``metric_name``; a
study of several logs one metric per objective, named by ``study.metric_names`` when set, else
``<metric_name>_<i>`` (:func:`objective_metrics`).  Intermediate values are one number per step
in any study and stay under ``metric_name``.  Constraint values go as ``constraint_<i>``.

Each tracker callback is an ordinary ``optimize`` callback, ``cb(study, frozen_trial)``, run
after every trial.  Its body runs under :func:`failure_safe`: an exception there logs one
warning line on the ``tunecycle.integrations`` logger and the study goes on.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial

log = logging.getLogger("tunecycle.integrations")

#: tracker name -> (the module it imports, the tunecycle extra that installs it)
TRACKERS: dict[str, tuple[str, str]] = {
    "mlflow": ("mlflow", "mlflow"),
    "wandb": ("wandb", "wandb"),
    "tensorboard": ("tensorboard", "tensorboard"),
}


def missing_library(tracker: str) -> str | None:
    """None when ``tracker``'s library can be imported, else the line that says what to
    install (``mlflow is not installed: pip install 'tunecycle[mlflow]'``)."""
    module, extra = TRACKERS[tracker]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return None
    return f"{module} is not installed: pip install 'tunecycle[{extra}]'"


def require(tracker: str) -> Any:
    """Import and return ``tracker``'s library, or raise a one-line ``UserError`` naming the
    extra to install."""
    problem = missing_library(tracker)
    if problem is None:
        try:
            return importlib.import_module(TRACKERS[tracker][0])
        except ImportError as exc:
            problem = f"{TRACKERS[tracker][0]} cannot be imported ({exc})"
    raise UserError(f"{tracker}: {problem}")


@contextmanager
def failure_safe(tracker: str, what: str) -> Iterator[None]:
    """Run the block; an exception in it is logged as one warning line and swallowed."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - a tracker must never end the study
        text = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__
        log.warning("%s: could not log %s (%s); the study goes on", tracker, what, reason)


def trial_what(study_name: str, trial: FrozenTrial) -> str:
    return f"trial {trial.number} of study {study_name!r}"


def run_name(study_name: str, trial: FrozenTrial) -> str:
    """The name a tracker run of a trial gets: ``<study>-trial-<number>``."""
    return f"{study_name}-trial-{trial.number}"


def duration_seconds(trial: FrozenTrial) -> float | None:
    d = trial.duration
    return None if d is None else d.total_seconds()


def param_value(value: Any) -> bool | int | float | str:
    """A param value as trackers take it: numbers and bools as they are, anything else
    (None included) as its text."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        return param_value(value.item())
    return str(value)


def flat_attrs(attrs: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """User attrs flattened into ``a.b`` keys: nested mappings are walked, every other value
    is kept when it is JSON-safe (lists too, whole) and left out when it is not."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_attrs(value, name + "."))
            continue
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        out[name] = value
    return out


def as_text(value: Any) -> str:
    """A JSON-safe value as tag text: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def directions_text(study: Any) -> str:
    """The study's directions as one text: ``minimize``, or ``maximize,minimize`` for
    several objectives (in their order)."""
    return ",".join(d.value for d in study.directions)


def objective_names(study: Any, metric_name: str) -> list[str]:
    """The name each objective is logged under: ``[metric_name]`` for one objective; for
    several, ``study.metric_names`` when set, else ``<metric_name>_0``, ``<metric_name>_1``..."""
    n = study.n_objectives
    if n == 1:
        return [metric_name]
    names = study.metric_names
    if names and len(names) == n:
        return [str(name) for name in names]
    return [f"{metric_name}_{i}" for i in range(n)]


def objective_metrics(study: Any, trial: FrozenTrial, metric_name: str,
                      names: list[str] | None = None) -> dict[str, float]:
    """The trial's objective values by name (see :func:`objective_names`, or ``names`` read
    once by the caller); empty for a trial without values, non-finite values left out."""
    if trial.values is None:
        return {}
    names = names if names is not None else objective_names(study, metric_name)
    return {name: float(v) for name, v in zip(names, trial.values) if math.isfinite(v)}


def constraint_metrics(trial: FrozenTrial) -> dict[str, float]:
    """``constraint_<i>`` -> the trial's constraint values (<= 0 is satisfied); empty when it
    has none."""
    return {f"constraint_{i}": float(c) for i, c in enumerate(trial.constraints or ())}


def final_points(study: Any, trial: FrozenTrial,
                 metric_name: str) -> dict[str, tuple[int, float]]:
    """name -> (step, value) for each objective's value, logged after the intermediate
    values at the trial's last step (0 without one).  The objective named ``metric_name``
    (the one objective, or one of several named so) follows :func:`final_point`'s rule: not
    repeated when the last intermediate value already is it."""
    step = trial.last_step if trial.last_step is not None else 0
    points: dict[str, tuple[int, float]] = {}
    for name, value in objective_metrics(study, trial, metric_name).items():
        if name == metric_name and trial.intermediate.get(step) == value:
            continue
        points[name] = (step, value)
    return points


def final_point(trial: FrozenTrial) -> tuple[int, float] | None:
    """(step, value) at which a trial's value is logged after its intermediate values: at its
    last step (0 without one); None when it has no value, or when its last intermediate value
    already is that value (so the series does not repeat it)."""
    if trial.value is None or not math.isfinite(trial.value):
        return None
    step = trial.last_step if trial.last_step is not None else 0
    if trial.intermediate.get(step) == trial.value:
        return None
    return step, float(trial.value)
