"""Helpers shared by the pruners: losses (the study direction applied), best-so-far values, the
trials a pruner compares against, and describe/rebuild.

Every pruner reads values as *losses*: ``direction.sign() * value``, so lower is better in both
directions.  A NaN intermediate value counts as the worst possible loss (``+inf``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import History, Pruner
from tunecycle.records import Direction, FrozenTrial, TrialState

#: trials whose intermediate values a comparison may use (running ones only where a pruner
#: says so: ASHA's rungs)
FINISHED_OK = (TrialState.COMPLETE, TrialState.PRUNED)


def loss(direction: Direction, value: float) -> float:
    """The value as a loss (lower is better); NaN becomes ``+inf``."""
    v = float(value)
    return math.inf if math.isnan(v) else direction.sign() * v


def best_loss_upto(intermediate: Mapping[int, float], step: int, direction: Direction) -> float:
    """The best (lowest) loss among the values reported at steps ``<= step``; ``+inf`` if none."""
    losses = [loss(direction, v) for s, v in intermediate.items() if s <= step]
    return min(losses, default=math.inf)


def first_in_interval(
    intermediate: Mapping[int, float], step: int, n_warmup_steps: int, interval_steps: int
) -> bool:
    """True when ``step`` (the trial's last report, ``>= n_warmup_steps``) is the trial's first
    report in its interval: intervals start at ``n_warmup_steps + k * interval_steps``, and a
    trial that reports sparsely is judged at its first report in each (Optuna's rule)."""
    start = (step - n_warmup_steps) // interval_steps * interval_steps + n_warmup_steps
    previous = max((s for s in intermediate if s != step), default=-1)
    return previous < start


def nan_best(direction: Direction, values: Iterable[float]) -> float:
    """The best loss among ``values``, NaNs left out; NaN when all are NaN (or none)."""
    losses = [direction.sign() * float(v) for v in values if not math.isnan(float(v))]
    return min(losses) if losses else math.nan


def others(history: History, trial: FrozenTrial, states: tuple[TrialState, ...]) -> list[FrozenTrial]:
    """The history's trials in ``states``, without ``trial`` itself (matched by number)."""
    return [t for t in history.trials if t.state in states and t.number != trial.number]


def check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise UserError(f"pruner: {name} must be an integer >= {low}, got {value!r}")
    return value


def check_float(name: str, value: Any, low: float, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise UserError(f"pruner: {name} must be a number in [{low}, {high}], got {value!r}")
    return float(value)


class Described(Pruner):
    """A pruner that describes itself as a JSON-safe dict of its constructor options and can be
    rebuilt from that dict (the pattern the samplers follow)."""

    def describe(self) -> dict[str, Any]:
        desc: dict[str, Any] = {"name": self.name}
        for key in inspect.signature(type(self).__init__).parameters:
            if key == "self":
                continue
            value = getattr(self, key)
            if isinstance(value, Pruner):
                value = value.describe() if isinstance(value, Described) else {"name": value.name}
            desc[key] = value
        return desc

    @classmethod
    def from_description(cls, desc: Mapping[str, Any]) -> Pruner:
        accepted = inspect.signature(cls.__init__).parameters
        return cls(**{k: v for k, v in desc.items() if k in accepted and k != "self"})

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.describe().items() if k != "name")
        return f"{type(self).__name__}({opts})"
