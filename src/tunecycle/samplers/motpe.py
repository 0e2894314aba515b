"""Multi-objective TPE's rules that do not touch the densities: the order of the trials for
the good/bad split (``mo_order``), the good trials' weights (``good_weights``), and the names
of the model options (``MO_MODELS``, ``MO_WEIGHTS``).  The densities and the proposal are in
:mod:`tunecycle.samplers.tpe`; this module knows nothing of spaces or histories.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tunecycle.pareto import constrained_ranks, hypervolume_contributions

_WEIGHT_FLOOR = 1e-12
#: how several objectives' densities are modelled (``TPESampler(mo_model=...)``)
MO_MODELS = ("joint", "independent", "pool", "alternate")
#: how the good trials are weighted in the good density with several objectives
MO_WEIGHTS = ("hypervolume", "equal")


def choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``; otherwise a ValueError naming ``field``."""
    if value not in allowed:
        raise ValueError(f"{field} must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def good_weights(losses: np.ndarray, violation: np.ndarray) -> np.ndarray:
    """MOTPE's weights of the good trials in the good density: each feasible one's own
    hypervolume contribution to the good feasible set (reference 10% of the set's range
    beyond its worst loss), over the largest; dominated and infeasible ones get a floor.
    Unweighted while fewer than two good trials are feasible."""
    feasible = violation <= 0
    weights = np.ones(len(losses))
    if feasible.sum() < 2:
        return weights
    pts = losses[feasible]
    low, high = pts.min(axis=0), pts.max(axis=0)
    gain = hypervolume_contributions(pts, high + 0.1 * np.maximum(high - low, 1e-12))
    weights[~feasible] = _WEIGHT_FLOOR
    top = gain.max()
    weights[feasible] = np.maximum(gain / top, _WEIGHT_FLOOR) if top > 0 else 1.0
    return weights


def mo_order(losses: np.ndarray, violation: np.ndarray, n_good: int) -> np.ndarray:
    """Scores whose ascending order is MOTPE's: constrained front rank first; inside the front
    that the first ``n_good`` places cut through, the larger hypervolume contribution first.
    Ties elsewhere keep trial order."""
    ranks = constrained_ranks(losses, violation).astype(float)
    if not len(ranks):
        return ranks
    counts = np.cumsum(np.bincount(ranks.astype(int)))
    cut = int(np.searchsorted(counts, n_good))  # the first rank that fills the good group
    members = np.flatnonzero(ranks == cut)
    if cut < len(counts) and counts[cut] > n_good and len(members) > 1 \
            and np.all(violation[members] <= 0):
        feasible = losses[violation <= 0]
        low, high = feasible.min(axis=0), feasible.max(axis=0)
        reference = high + 0.1 * np.maximum(high - low, 1e-12)
        gain = hypervolume_contributions(losses[members], reference)
        order = np.argsort(-gain, kind="stable")
        ranks[members[order]] += (np.arange(len(members)) + 1) / (len(members) + 1)
    return ranks
