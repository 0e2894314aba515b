"""``threshold``: stop a trial whose latest value leaves a fixed band.

At the trial's last reported step ``s``: no pruning before ``n_warmup_steps``, and only at the
trial's first report in each interval of ``interval_steps`` after it (the same interval rule
as ``median``); then the trial is pruned when its value at ``s`` is NaN, below ``lower`` or
above ``upper`` (raw values: the study direction plays no part).  Optuna's
``ThresholdPruner``, with its arguments.
"""

from __future__ import annotations

import math
from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import History
from tunecycle.pruners._common import Described, check_int, first_in_interval
from tunecycle.records import FrozenTrial


class ThresholdPruner(Described):
    """Prune a trial whose latest value is NaN, below ``lower`` or above ``upper``."""

    name = "threshold"

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ):
        if lower is None and upper is None:
            raise UserError("pruner: ThresholdPruner needs lower, upper or both")
        self.lower = _bound("lower", lower)
        self.upper = _bound("upper", upper)
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise UserError(f"pruner: lower ({self.lower}) must not be above upper ({self.upper})")
        self.n_warmup_steps = check_int("n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = check_int("interval_steps", interval_steps, 1)

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return False
        if not first_in_interval(
            trial.intermediate, step, self.n_warmup_steps, self.interval_steps
        ):
            return False
        value = float(trial.intermediate[step])
        if math.isnan(value):
            return True
        if self.lower is not None and value < self.lower:
            return True
        return self.upper is not None and value > self.upper


def _bound(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise UserError(f"pruner: {name} must be a number or None, got {value!r}")
    return float(value)
