"""``percentile`` and ``median``: stop a trial whose best value so far is worse than a percentile
of what other trials had reached by the same step.

The rule, at the trial's current step ``s`` (its last reported step):

1. no pruning while fewer than ``n_startup_trials`` other trials are *complete*;
2. no pruning before step ``n_warmup_steps``, nor at steps where
   ``(s - n_warmup_steps) % interval_steps != 0``;
3. the reference trials are the other *complete or pruned* trials that reported a value at
   exactly step ``s`` (running trials are left out: their values are still moving, and leaving
   them out keeps the decision the same whatever order parallel workers report in); with fewer
   than ``n_min_trials`` of them, no pruning;
4. each trial is summarised by its **best value so far**: the best of its values at steps
   ``<= s`` (the study direction decides "best").  Using best-so-far on both sides makes a noisy
   dip at one step neither kill a good trial nor rescue a bad one;
5. prune when the trial's best-so-far loss is strictly greater than the ``percentile``-th
   percentile (linear interpolation) of the reference trials' best-so-far losses, where
   loss = ``direction.sign() * value``.  So ``percentile=25`` keeps a trial only if it is within
   the best quarter, and ``median`` is ``percentile=50``.  A trial whose values so far are all
   NaN counts as worst and is pruned once the other conditions hold.
"""

from __future__ import annotations

import numpy as np

from tunecycle.protocols import History
from tunecycle.pruners._common import (
    FINISHED_OK,
    Described,
    best_loss_upto,
    check_float,
    check_int,
    others,
)
from tunecycle.records import FrozenTrial, TrialState


class PercentilePruner(Described):
    """Prune a trial whose best-so-far value is worse than the given percentile of the other
    finished trials at the same step (rule in the module docstring)."""

    name = "percentile"

    def __init__(
        self,
        percentile: float = 25.0,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        n_min_trials: int = 1,
    ):
        self.percentile = check_float("percentile", percentile, 0.0, 100.0)
        self.n_startup_trials = check_int("n_startup_trials", n_startup_trials, 0)
        self.n_warmup_steps = check_int("n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = check_int("interval_steps", interval_steps, 1)
        self.n_min_trials = check_int("n_min_trials", n_min_trials, 1)

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return False
        if (step - self.n_warmup_steps) % self.interval_steps:
            return False
        done = others(history, trial, FINISHED_OK)
        if sum(t.state is TrialState.COMPLETE for t in done) < self.n_startup_trials:
            return False
        direction = history.direction
        reference = [
            best_loss_upto(t.intermediate, step, direction) for t in done if step in t.intermediate
        ]
        if len(reference) < max(self.n_min_trials, 1):
            return False
        # +inf (all-NaN trials) as the largest float, so that interpolating stays finite
        ref = np.minimum(np.asarray(reference, dtype=float), np.finfo(float).max)
        threshold = float(np.percentile(ref, self.percentile))
        return best_loss_upto(trial.intermediate, step, direction) > threshold


class MedianPruner(PercentilePruner):
    """``PercentilePruner`` at the 50th percentile."""

    name = "median"

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        n_min_trials: int = 1,
    ):
        super().__init__(50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)
