"""``patience``: stop a trial that has stopped improving.

The rule reads the trial's own reports only, in step order, as losses
(``direction.sign() * value``; NaN is the worst loss):

- with ``patience`` or fewer reports, never prune (there must be at least one report before
  the window to compare with);
- otherwise let ``before`` be the best loss among all reports but the last ``patience``, and
  ``recent`` the best loss among the last ``patience`` reports.  The trial has *stagnated* when
  ``recent >= before - min_delta``: none of its last ``patience`` reports beat its earlier best by
  more than ``min_delta``.
- a stagnated trial is pruned; with a ``wrapped`` pruner, it is pruned only if the wrapped
  pruner also says so (patience then only *allows* the wrapped pruner to act).

Patience counts reports, not step numbers: a trial that reports every 10 steps with
``patience=3`` has 30 steps to improve.

``patient`` (:class:`PatientPruner`, Optuna's ``PatientPruner(wrapped_pruner, patience,
min_delta=0.0)``) is Optuna's variant of the rule, so a script moved from Optuna prunes the same
trials: with ``patience + 1`` or fewer reports, never prune; otherwise ``before`` is the best
loss among all reports but the last ``patience + 1`` and ``recent`` the best among those last
``patience + 1`` (NaNs left out); the trial has stagnated when ``recent > before + min_delta``
(it got *worse* by more than ``min_delta``); then it is pruned, or, with a wrapped pruner, the
wrapped pruner decides.
"""

from __future__ import annotations

import math
from typing import Any

from tunecycle.protocols import History, Pruner
from tunecycle.pruners._common import Described, check_float, check_int, loss, nan_best
from tunecycle.records import FrozenTrial


class PatiencePruner(Described):
    """Prune a trial whose last ``patience`` reports did not improve on its earlier best by more
    than ``min_delta`` (rule in the module docstring)."""

    name = "patience"

    def __init__(
        self, patience: int = 5, min_delta: float = 0.0, wrapped: Pruner | str | dict | None = None
    ):
        self.patience = check_int("patience", patience, 1)
        self.min_delta = check_float("min_delta", min_delta, 0.0)
        self.wrapped = _as_pruner(wrapped)

    def attach(self, study: Any) -> None:
        if self.wrapped is not None:
            self.wrapped.attach(study)

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        steps = sorted(trial.intermediate)
        if len(steps) <= self.patience:
            return False
        losses = [loss(history.direction, trial.intermediate[s]) for s in steps]
        before = min(losses[: -self.patience])
        recent = min(losses[-self.patience :])
        if recent < before - self.min_delta:  # improved by more than min_delta
            return False
        return True if self.wrapped is None else self.wrapped.should_prune(history, trial)


class PatientPruner(Described):
    """Optuna's ``PatientPruner``: prune (or let ``wrapped_pruner`` decide) once the best of
    the last ``patience + 1`` reports is worse than the best before them by more than
    ``min_delta`` (rule in the module docstring)."""

    name = "patient"

    def __init__(
        self,
        wrapped_pruner: Pruner | str | dict | None,
        patience: int,
        min_delta: float = 0.0,
    ):
        self.wrapped_pruner = _as_pruner(wrapped_pruner)
        self.patience = check_int("patience", patience, 0)
        self.min_delta = check_float("min_delta", min_delta, 0.0)

    def attach(self, study: Any) -> None:
        if self.wrapped_pruner is not None:
            self.wrapped_pruner.attach(study)

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        steps = sorted(trial.intermediate)
        if len(steps) <= self.patience + 1:
            return False
        cut = len(steps) - self.patience - 1
        direction = history.direction
        before = nan_best(direction, (trial.intermediate[s] for s in steps[:cut]))
        recent = nan_best(direction, (trial.intermediate[s] for s in steps[cut:]))
        if math.isnan(before) or math.isnan(recent) or not recent > before + self.min_delta:
            return False
        if self.wrapped_pruner is None:
            return True
        return self.wrapped_pruner.should_prune(history, trial)


def _as_pruner(spec: Pruner | str | dict | None) -> Pruner | None:
    if spec is None or isinstance(spec, Pruner):
        return spec
    from tunecycle.pruners import PRUNERS, make_pruner  # the registry imports this module

    if isinstance(spec, dict):
        cls: Any = PRUNERS.get(str(spec.get("name", "")).lower())
        if cls is not None and hasattr(cls, "from_description"):
            return cls.from_description(spec)
        return make_pruner(spec.get("name"))
    return make_pruner(spec)
