"""``wilcoxon``: stop a trial that is significantly worse than the best trial, step by step.

For objectives that are a sum or mean over instances (folds, problems, seeds), where the
trial reports the value on instance ``k`` as step ``k``.  The rule (Optuna's
``WilcoxonPruner``, with its arguments):

1. no pruning while the trial has no report, or any of its values is not finite; nor while
   the study has no best trial (one objective: the best complete feasible trial by value), or
   the best trial's reports are missing or not all finite;
2. the differences ``trial - best`` are taken at the steps both reported; with fewer than
   ``max(2, n_startup_steps)`` of them, no pruning;
3. a one-sided Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, zeros split between the
   signs) asks whether the trial's values are worse than the best's (greater when minimising,
   smaller when maximising); with a p-value below ``p_threshold`` the trial is pruned,
   unless its mean reported value is at least as good as the best trial's mean (then a few
   bad steps do not condemn a trial that is better on average).
"""

from __future__ import annotations

import math

from tunecycle.protocols import History
from tunecycle.pruners._common import Described, check_float, check_int
from tunecycle.records import Direction, FrozenTrial, best_of


class WilcoxonPruner(Described):
    """Prune a trial whose per-step values are significantly worse than the best trial's at
    the same steps (rule in the module docstring)."""

    name = "wilcoxon"

    def __init__(self, p_threshold: float = 0.1, n_startup_steps: int = 2):
        self.p_threshold = check_float("p_threshold", p_threshold, 0.0, 1.0)
        self.n_startup_steps = check_int("n_startup_steps", n_startup_steps, 0)

    def should_prune(self, history: History, trial: FrozenTrial) -> bool:
        mine = dict(trial.intermediate)
        if not mine or not all(math.isfinite(v) for v in mine.values()):
            return False
        best = best_trial(history, trial)
        if best is None or not best.intermediate:
            return False
        theirs = dict(best.intermediate)
        if not all(math.isfinite(v) for v in theirs.values()):
            return False
        steps = sorted(set(mine) & set(theirs))
        if len(steps) < max(2, self.n_startup_steps):
            return False
        diffs = [mine[s] - theirs[s] for s in steps]
        maximize = history.direction is Direction.MAXIMIZE
        from scipy.stats import wilcoxon  # scipy loads only when a decision is made

        p = float(
            wilcoxon(
                diffs, alternative="less" if maximize else "greater", zero_method="zsplit"
            ).pvalue
        )
        if not p < self.p_threshold:
            return False
        my_mean = sum(mine.values()) / len(mine)
        best_mean = sum(theirs.values()) / len(theirs)
        at_least_as_good = my_mean >= best_mean if maximize else my_mean <= best_mean
        return not at_least_as_good


def best_trial(history: History, trial: FrozenTrial) -> FrozenTrial | None:
    """The best complete feasible trial other than ``trial`` (the first of equals)."""
    return best_of((t for t in history.trials if t.number != trial.number), history.direction)
