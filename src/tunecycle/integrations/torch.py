"""Per-epoch reporting, pruning, early stopping and best-weights keeping for a PyTorch loop.

    from tunecycle.integrations.torch import EpochMonitor

    def objective(trial):
        model = make_model(trial)
        monitor = EpochMonitor(trial, direction="maximize", patience=5)
        for epoch in range(100):
            train_one_epoch(model)
            if monitor.step(validate(model), epoch, model):   # raises TrialPruned when told
                break                                          # patience ran out
        monitor.restore(model)                                 # the best epoch's weights
        return monitor.best_value

``step(value, epoch, model)`` reports ``value`` at ``epoch`` with ``trial.report`` and raises
:class:`tunecycle.TrialPruned` when ``trial.should_prune()`` (no further epoch runs); then it
keeps a copy of the model's ``state_dict`` when the value is the best so far (better by more
than ``min_delta`` in ``direction``) and returns True once ``patience`` epochs in a row brought
no improvement.  Without a trial it only stops early and keeps the best weights (the cycle's
network estimators use it so).  ``patience=None`` never stops early.

Copies of the weights are detached clones on the model's device; torch is not imported here
(the model's tensors bring their own methods), so this module loads without it.
"""

from __future__ import annotations

import math
from typing import Any

from tunecycle.errors import TrialPruned
from tunecycle.trial import Trial


class EpochMonitor:
    """Report each epoch's validation value, prune, stop early and keep the best weights."""

    def __init__(self, trial: Trial | None = None, *, direction: str = "maximize",
                 patience: int | None = None, min_delta: float = 0.0) -> None:
        if direction not in ("maximize", "minimize"):
            raise ValueError(f"EpochMonitor: direction must be 'maximize' or 'minimize', "
                             f"got {direction!r}")
        if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int)
                                     or patience < 1):
            raise ValueError(f"EpochMonitor: patience must be a positive integer or None, "
                             f"got {patience!r}")
        if not math.isfinite(min_delta) or min_delta < 0:
            raise ValueError(f"EpochMonitor: min_delta must be >= 0, got {min_delta!r}")
        self.trial = trial
        self.direction = direction
        self.patience = patience
        self.min_delta = float(min_delta)
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict[str, Any] | None = None
        self.epochs_seen = 0
        self.stopped_epoch: int | None = None
        self.history: list[float] = []
        self._since_best = 0

    def _better(self, value: float) -> bool:
        if self.best_value is None:
            return math.isfinite(value)
        if self.direction == "maximize":
            return value > self.best_value + self.min_delta
        return value < self.best_value - self.min_delta

    def step(self, value: float, epoch: int, model: Any = None) -> bool:
        """Report, maybe prune, track the best; True when training should stop now."""
        value = float(value)
        self.epochs_seen += 1
        self.history.append(value)
        if self.trial is not None:
            self.trial.report(value, epoch)
            if self.trial.should_prune():
                raise TrialPruned(f"trial {self.trial.number} pruned at epoch {epoch} "
                                  f"(value {value!r})")
        if self._better(value):
            self.best_value, self.best_epoch, self._since_best = value, epoch, 0
            if model is not None:
                self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self._since_best += 1
        if self.patience is not None and self._since_best >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def restore(self, model: Any) -> None:
        """Load the best epoch's weights into ``model`` (nothing when none was kept)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
