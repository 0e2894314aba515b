"""Which trials the plot data reads and the running best: the complete trials with a finite
value, how many trials are in each state, and the best value so far of the feasible ones.

Shared by :mod:`tunecycle.viz.data` (one objective) and :mod:`tunecycle.viz.front_data`
(several), which is why it stands alone; ``tunecycle.viz.data`` re-exports the public names.
Deliberately not here: any plot's data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tunecycle.records import Direction, FrozenTrial, TrialState


def complete_trials(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The complete trials with a finite value, in trial-number order."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None
            and math.isfinite(t.value)]
    return sorted(done, key=lambda t: t.number)

def best_so_far(values: Sequence[float], feasible: Sequence[bool],
                 direction: Direction) -> tuple[float, ...]:
    best: list[float] = []
    current = math.nan
    for v, ok in zip(values, feasible):
        if ok and (math.isnan(current) or direction.better(v, current)):
            current = v
        best.append(current)
    return tuple(best)


def state_counts(trials: Sequence[FrozenTrial]) -> dict[str, int]:
    counts = {s.value: 0 for s in TrialState}
    for t in trials:
        counts[t.state.value] += 1
    return counts
