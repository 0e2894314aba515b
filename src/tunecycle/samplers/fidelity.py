"""Multi-fidelity observations: what the model-based samplers learn from trials that a pruner
stopped early (or that are still running), in the spirit of BOHB.

A pruned trial holds no final value, only intermediate values up to the step where it was
stopped.  With aggressive pruning (ASHA, Hyperband) few trials complete, and a model fitted on
complete trials alone stays in its start-up phase for most of the study.  Here the samplers
fit instead on the trials' values *at one budget*:

1. while fewer than ``n_min`` trials are complete, a **level** is chosen: the largest step
   ``s`` that at least ``n_min`` trials have reached.  That is the ``n_min``-th largest of the
   trials' last reported steps (complete, pruned and running trials alike; failed ones teach
   nothing).  A trial's value at the level is the one it reported at its first step ``>= s``
   (as the halving pruners read rungs); a complete trial that reported nothing counts with its
   final value at every level;
2. the observations at the level are those values, as losses; trials that stopped below the
   level (they lost at a lower budget) go where the samplers put pruned trials (TPE's bad
   group; the GP leaves them out), and running trials that have not reached it stay pending
   (the constant liar);
3. with ``n_min`` or more complete trials, or no step reached by ``n_min`` trials, nothing
   changes: the sampler fits on complete trials as it always did.  A study whose trials never
   report intermediate values is therefore modelled exactly as before.

So early in a pruned study the model learns from the many cheap low-budget values, and it
moves up to the final values once enough trials have completed.  This module decides what to
fit on; each sampler keeps its own model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tunecycle.protocols import History
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.observe import Observations, encode
from tunecycle.space import Space

_USABLE = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)


def choose_level(trials: Sequence[FrozenTrial], n_min: int) -> int | None:
    """The step to model at, or None to model complete trials as usual (rule 1 and 3 of the
    module docstring)."""
    if n_min < 1:
        return None
    n_complete = sum(1 for t in trials if t.state is TrialState.COMPLETE and t.value is not None)
    if n_complete >= n_min:
        return None
    reached = sorted(
        (_reach(t) for t in trials if t.state in _USABLE and t.params), reverse=True
    )
    if len(reached) < n_min or reached[n_min - 1] < 0:
        return None
    # not infinite: fewer than n_min trials are complete, and only those reach every level
    return int(reached[n_min - 1])


def _reach(t: FrozenTrial) -> float:
    """The last step a trial has reached; every step for a complete trial without reports;
    -1 for a pruned or running trial that reported nothing."""
    if t.intermediate:
        return float(max(t.intermediate))
    return math.inf if t.state is TrialState.COMPLETE and t.value is not None else -1.0


def value_at(trial: FrozenTrial, level: int) -> float | None:
    """The trial's value at ``level``: its report at the first step ``>= level``; a complete
    trial that never reported gives its final value; None when it has not got there."""
    if not trial.intermediate:
        return trial.value if trial.state is TrialState.COMPLETE else None
    step = min((s for s in trial.intermediate if s >= level), default=None)
    return None if step is None else float(trial.intermediate[step])


def observations_at(
    space: Space, history: History, n_min: int, cache: RowCache | None = None
) -> Observations | None:
    """The history's trials observed at the chosen level, or None to keep the usual
    observations (see the module docstring).  ``cache`` keeps finished trials' encodings
    between calls, so that an ask encodes only what changed."""
    trials = history.trials
    level = choose_level(trials, n_min)
    if level is None:
        return None
    rows = (cache or RowCache()).rows_for(space)
    sign = history.direction.sign()
    x, loss, numbers, low_x, low_numbers, pending = [], [], [], [], [], []
    for t in trials:
        if not t.params or t.state not in _USABLE:
            continue
        row = rows.get(t.trial_id)
        if row is None:
            row = encode(space, dict(t.params))
            if t.is_finished:  # a running define-by-run trial may still gain params
                rows[t.trial_id] = row
        v = value_at(t, level)
        if v is not None and math.isfinite(v):
            x.append(row)
            loss.append(sign * v)
            numbers.append(t.number)
        elif t.state is not TrialState.PRUNED and t.state is not TrialState.COMPLETE:
            pending.append(row)
        else:  # stopped below the level, or a non-finite value there: the bad side
            low_x.append(row)
            low_numbers.append(t.number)
    d = len(space)
    return Observations(
        x=_rows(x, d),
        loss=np.asarray(loss, dtype=float),
        numbers=np.asarray(numbers, dtype=int),
        pruned_x=_rows(low_x, d),
        pruned_loss=np.full(len(low_x), np.inf),
        pruned_step=np.zeros(len(low_x)),
        pruned_numbers=np.asarray(low_numbers, dtype=int),
        pending_x=_rows(pending, d),
        losses=np.asarray(loss, dtype=float).reshape(-1, 1),
        violation=np.zeros(len(loss)),
    )


class RowCache:
    """Finished trials' unit-cube rows per space (by trial id): finished trials never change,
    so each is encoded once.  Holds the ``max_spaces`` most recently used spaces."""

    def __init__(self, max_spaces: int = 16) -> None:
        self._max_spaces = max_spaces
        self._by_space: dict[str, dict[int, np.ndarray]] = {}

    def rows_for(self, space: Space) -> dict[int, np.ndarray]:
        key = space.to_json()
        rows = self._by_space.pop(key, None)
        if rows is None:
            rows = {}
            if len(self._by_space) >= self._max_spaces:
                self._by_space.pop(next(iter(self._by_space)))  # the least recently used
        self._by_space[key] = rows
        return rows


def _rows(rows: list[np.ndarray], d: int) -> np.ndarray:
    return np.vstack(rows) if rows else np.empty((0, d))
