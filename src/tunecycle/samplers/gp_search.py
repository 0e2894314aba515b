"""The steps of a GP's acquisition search that :mod:`tunecycle.samplers.gp` and
:mod:`tunecycle.samplers.mogp` share, in the unit cube: keeping a batch apart (``distances``,
``apart``: every proposal at least ``0.05 * sqrt(d)`` from running trials and earlier members),
and no repeats (``first_untaken``, ``random_untaken``, over :class:`tunecycle.untried.Taken`).

Not here: the model (:mod:`tunecycle.samplers.gp_model`) and what is scored.
"""

from __future__ import annotations

import math

import numpy as np

from tunecycle.samplers.gp_model import Encoder, decode
from tunecycle.samplers.observe import encode
from tunecycle.space import Space
from tunecycle.untried import Taken

_BATCH_RADIUS = 0.05  # batch members keep this times sqrt(d) apart in the unit cube


def distances(u: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """Each row's Euclidean distance in the unit cube to the nearest row of ``avoid`` (an
    inactive conditional dim counts as 0.5, as the proposal would be)."""
    a, b = np.nan_to_num(u, nan=0.5), np.nan_to_num(avoid, nan=0.5)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(1)


def apart(u: np.ndarray, avoid: np.ndarray) -> tuple[np.ndarray, float]:
    """Which candidate rows keep ``_BATCH_RADIUS * sqrt(d)`` from every row of ``avoid``, and
    that radius; halved until some candidate does (0: all do)."""
    dist = distances(u, avoid)
    radius = _BATCH_RADIUS * math.sqrt(u.shape[1])
    while radius > 1e-3:
        far = dist >= radius
        if far.any():
            return far, radius
        radius /= 2
    return np.ones(len(u), dtype=bool), 0.0


def first_untaken(u: np.ndarray, order: np.ndarray, taken: Taken, k: int) -> list[int]:
    """Indices of the first ``k`` distinct rows of ``u``, in ``order``, that are not taken."""
    picked, seen = [], set()
    for i in order:
        key = taken.key(decode(taken.space, u[i]))
        if key not in taken.keys and key not in seen:
            seen.add(key)
            picked.append(int(i))
            if len(picked) == k:
                break
    return picked


def random_untaken(
    space: Space, enc: Encoder, taken: Taken, rng: np.random.Generator
) -> np.ndarray:
    """A random configuration no trial has; any random one when the grid is used up."""
    u = enc.snap(rng.random((256, len(space))))
    for row in u:
        if decode(space, row) not in taken:
            return row
    params = taken.from_grid(rng)
    return u[0] if params is None else encode(space, params)
