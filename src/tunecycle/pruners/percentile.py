"""``percentile`` and ``median``: stop a trial whose best value so far is worse than a percentile
of the values other trials reported at the same step.  The rule is Optuna's, so a script moved
from Optuna prunes the same trials.

The rule, at the trial's current step ``s`` (its last reported step):

1. no pruning while no other trial is *complete*, or fewer than ``n_startup_trials`` are;
2. no pruning before step ``n_warmup_steps``; after it, steps fall into intervals of
   ``interval_steps`` starting at ``n_warmup_steps``, and a trial is judged only at its first
   report in each interval (so at every ``interval_steps``-th step when it reports every step,
   and still once per interval when it reports sparsely);
3. the trial is summarised by its **best value so far** (the best of its values at steps
   ``<= s``, NaNs left out); a trial whose values are all NaN is pruned;
4. the reference values are those the other *complete* trials reported at exactly step ``s``
   (running and pruned trials are left out, so the decision does not depend on the order in
   which parallel workers report); with fewer than ``n_min_trials`` of them, no pruning;
5. prune when the trial's best-so-far loss is strictly greater than the ``percentile``-th
   percentile (linear interpolation, NaNs left out) of the reference losses, where loss =
   ``direction.sign() * value``.  So ``percentile=25`` keeps a trial only if it is within the
   best quarter, and ``median`` is ``percentile=50``.
"""

from __future__ import annotations

import math

import numpy as np

from tunecycle.protocols import History
from tunecycle.pruners._common import (
    Described,
    check_float,
    check_int,
    first_in_interval,
    nan_best,
    others,
)
from tunecycle.records import FrozenTrial, TrialState


class PercentilePruner(Described):
    """Prune a trial whose best-so-far value is worse than the given percentile of the other
    complete trials' values at the same step (rule in the module docstring)."""

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
        complete = others(history, trial, (TrialState.COMPLETE,))
        if not complete or len(complete) < self.n_startup_trials:
            return False
        if not first_in_interval(
            trial.intermediate, step, self.n_warmup_steps, self.interval_steps
        ):
            return False
        direction = history.direction
        mine = nan_best(direction, (v for s, v in trial.intermediate.items() if s <= step))
        if math.isnan(mine):
            return True
        reference = [
            direction.sign() * float(t.intermediate[step])
            for t in complete
            if step in t.intermediate
        ]
        if len(reference) < self.n_min_trials:
            return False
        ref = np.asarray(reference, dtype=float)
        if np.isnan(ref).all():
            return False
        return mine > float(np.nanpercentile(ref, self.percentile))


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
