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
"""

from __future__ import annotations

from typing import Any

from tunecycle.protocols import History, Pruner
from tunecycle.pruners._common import Described, check_float, check_int, loss
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
