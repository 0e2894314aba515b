"""The steps of a GP's acquisition search that :mod:`tunecycle.samplers.gp` and
:mod:`tunecycle.samplers.mogp` share, in the unit cube: picking the best scored candidate
(``best_untaken``: refine the best few, keep what no trial has and what keeps apart),
keeping a batch apart (``distances``, ``apart``: every proposal at least ``0.05 * sqrt(d)``
from running trials and earlier members), and no repeats (``first_untaken``,
``random_untaken``, over :class:`tunecycle.untried.Taken`).

Not here: the model (:mod:`tunecycle.samplers.gp_model`) and what is scored.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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


def best_untaken(
    u: np.ndarray,
    acq: np.ndarray,
    taken: Taken,
    avoid: np.ndarray | None,
    refine: Callable[[int], tuple[np.ndarray, float]],
    n_refine: int,
    allowed: np.ndarray | None = None,
    rejected: Callable[[np.ndarray], bool] | None = None,
) -> np.ndarray:
    """The point to propose from candidates ``u`` scored ``acq`` (higher is better): the first
    ``n_refine`` untaken candidates in score order (only ``allowed`` ones, and with ``avoid``
    only those :func:`apart` keeps), each climbed by ``refine(index) -> (point, score)``; the
    best climbed point that no trial has, that is not ``rejected`` and that keeps the radius
    from ``avoid``; else the best untaken candidate itself.  With every candidate taken, the
    best candidate (the caller falls back to a random untaken configuration)."""
    order = np.argsort(-acq, kind="stable")
    if allowed is not None:
        order = order[allowed[order]]
    radius = 0.0
    if avoid is not None:
        far, radius = apart(u, avoid)
        order = order[far[order]]
    top = first_untaken(u, order, taken, n_refine)
    if not top:
        return u[order[0]] if len(order) else u[0]
    refined = [refine(i) for i in top]
    for point, _ in sorted(refined, key=lambda r: -r[1]):
        if decode(taken.space, point) in taken:  # a climb can end on a trial
            continue
        if rejected is not None and rejected(point):
            continue
        if avoid is None or distances(point[None, :], avoid)[0] >= radius:
            return point
    return u[top[0]]
