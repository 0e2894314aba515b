"""Pareto dominance for studies of several objectives: losses, non-dominated fronts, the
feasible front of a study's trials, and the hypervolume of a front.

Everything works on *losses*: each objective's value times its direction's sign, so that lower
is better in every column.  A trial with a constraint value above 0 is infeasible and never on
the front (``FrozenTrial.feasible``).  Pure functions of numpy arrays and frozen records; the
samplers (NSGA-II's ranks, multi-objective TPE's split) and the study (``best_trials``) share
them.

For the samplers: ``constrained_ranks`` (Deb's constrained domination: every feasible point
before every infeasible one, infeasible ones by total violation), ``crowding_distance``
(NSGA-II's diversity measure within a front) and ``hypervolume_contributions`` (what each point
adds alone: MOTPE's tie-break in the boundary front and its weights of good trials).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tunecycle.records import Direction, FrozenTrial, TrialState


def losses(trials: Sequence[FrozenTrial], directions: Sequence[Direction]) -> np.ndarray:
    """An ``(n, k)`` array of the trials' losses (``sign * value`` per objective)."""
    signs = np.array([d.sign() for d in directions])
    if not trials:
        return np.empty((0, len(directions)))
    return np.array([t.values for t in trials], dtype=float) * signs


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """True when loss vector ``a`` is no worse than ``b`` everywhere and better somewhere."""
    return bool(np.all(a <= b) and np.any(a < b))


def nondominated(points: np.ndarray) -> np.ndarray:
    """A boolean mask of the rows of ``points`` (losses) that no other row dominates; equal
    rows do not dominate each other, so ties are all kept.

    Rows are visited in lexicographic order: a row can only be dominated by one that comes
    before it, so every row still kept when its turn comes is on the front, and the loop runs
    once per front row, not once per row (the mask does not depend on the order)."""
    points = np.asarray(points, dtype=float)
    n = len(points)
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return keep
    for i in np.lexsort(points.T[::-1]):
        if not keep[i]:
            continue
        worse_or_equal = np.all(points[i] <= points, axis=1)
        better_somewhere = np.any(points[i] < points, axis=1)
        keep &= ~(worse_or_equal & better_somewhere)  # what row i dominates is off the front
    return keep


def front_ranks(points: np.ndarray) -> np.ndarray:
    """Non-dominated sorting: rank 0 for the first front, 1 for the front once it is removed,
    and so on (NSGA-II's ranks).  One (n, n) dominance matrix, then the fronts peeled off by
    counting each point's remaining dominators."""
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    ranks = np.full(n, -1, dtype=int)
    if n == 0:
        return ranks
    no_worse = np.all(pts[:, None, :] <= pts[None, :, :], axis=2)
    better = np.any(pts[:, None, :] < pts[None, :, :], axis=2)
    beats = no_worse & better  # beats[i, j]: row i dominates row j
    dominators = beats.sum(axis=0)
    front = np.flatnonzero(dominators == 0)
    rank = 0
    while len(front):
        ranks[front] = rank
        dominators[front] = -1
        dominators -= beats[front].sum(axis=0)
        front = np.flatnonzero(dominators == 0)
        rank += 1
    return ranks


def best_trials(trials: Sequence[FrozenTrial], directions: Sequence[Direction]
                ) -> list[FrozenTrial]:
    """The feasible complete trials that no other feasible complete trial dominates, in
    number order (for one objective: every trial that ties for the best value)."""
    done = [t for t in trials
            if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == len(directions) and t.feasible]
    if not done:
        return []
    mask = nondominated(losses(done, directions))
    return [t for t, keep in zip(done, mask) if keep]


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """The volume dominated by ``points`` (losses) and bounded by ``reference`` (a point worse
    than all of them in every objective); points not better than the reference count for
    nothing.  Exact, by slicing along the first objective (fine for 2 and 3 objectives and
    fronts of a few hundred points)."""
    pts = np.asarray(points, dtype=float)
    ref = np.asarray(reference, dtype=float)
    if len(pts) == 0:
        return 0.0
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    if pts.shape[1] == 1:
        return float(ref[0] - pts[:, 0].min())
    if pts.shape[1] == 2:
        return _hypervolume_2d(pts, ref)
    pts = pts[nondominated(pts)]
    order = np.argsort(pts[:, 0])
    pts = pts[order]
    volume = 0.0
    for i, p in enumerate(pts):
        upper = pts[i + 1, 0] if i + 1 < len(pts) else ref[0]
        width = upper - p[0]
        if width > 0:
            volume += width * hypervolume(pts[: i + 1, 1:], ref[1:])
    return float(volume)


def _hypervolume_2d(pts: np.ndarray, ref: np.ndarray) -> float:
    """Two objectives, points all better than ``ref``: a sweep along the first objective."""
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    f1, f2 = pts[order, 0], pts[order, 1]
    best_so_far = np.minimum.accumulate(f2)
    keep = np.ones(len(f1), dtype=bool)
    keep[1:] = f2[1:] < best_so_far[:-1]  # dominated (or repeated) points add nothing
    f1, f2 = f1[keep], f2[keep]
    widths = np.diff(np.append(f1, ref[0]))
    return float(np.sum(widths * (ref[1] - f2)))


def hypervolume_contributions(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per point: the hypervolume lost when that point alone is removed (0 for a point that
    another one dominates or repeats, or that is not better than ``reference``).  Two
    objectives: closed form along the front sorted by the first objective.  More: the box
    between the point and the reference less what the others, clipped to that box, cover."""
    pts = np.asarray(points, dtype=float)
    ref = np.asarray(reference, dtype=float)
    n = len(pts)
    out = np.zeros(n)
    if n == 0:
        return out
    inside = np.all(pts < ref, axis=1)
    if pts.shape[1] == 2:
        closed = _contributions_2d(pts, ref, inside)
        if closed is not None:
            return closed
    for i in np.flatnonzero(inside):
        others = np.delete(pts, i, axis=0)
        box = float(np.prod(ref - pts[i]))
        out[i] = box - hypervolume(np.maximum(others, pts[i]), ref)
    return np.maximum(out, 0.0)


def _contributions_2d(pts: np.ndarray, ref: np.ndarray, inside: np.ndarray
                      ) -> np.ndarray | None:
    """Exclusive contributions for two objectives when the points inside the reference are
    mutually non-dominated (repeats allowed): on the front sorted by the first objective, a
    point's own rectangle reaches to its neighbours (the reference at the ends).  None when
    some point is dominated (it could take over part of what its dominator loses)."""
    out = np.zeros(len(pts))
    idx = np.flatnonzero(inside)
    order = idx[np.lexsort((pts[idx, 1], pts[idx, 0]))]
    f1, f2 = pts[order, 0], pts[order, 1]
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], f2]))[:-1]
    on_front = f2 < best_before  # what an earlier point dominates or repeats adds nothing
    first = order[on_front]
    g1, g2 = f1[on_front], f2[on_front]
    right = np.append(g1[1:], ref[0])
    upper = np.concatenate([[ref[1]], g2[:-1]])
    gain = (right - g1) * (upper - g2)
    # a point repeated later (same losses) shares its rectangle: removing one loses nothing
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = np.all(pts[order[1:]] == pts[order[:-1]], axis=1)
    if not np.all(on_front | dup):
        return None
    repeated = np.zeros(len(order), dtype=bool)
    repeated[:-1] = dup[1:]
    out[first] = np.where(repeated[on_front], 0.0, gain)
    return np.maximum(out, 0.0)


def constrained_ranks(points: np.ndarray, violation: np.ndarray | None = None) -> np.ndarray:
    """Front ranks under constrained domination (Deb, 2000): feasible points (violation 0)
    get their non-dominated ranks; each infeasible point ranks after every feasible one, a
    smaller total violation first (equal violations share a rank)."""
    pts = np.asarray(points, dtype=float)
    viol = np.zeros(len(pts)) if violation is None else np.asarray(violation, dtype=float)
    feasible = viol <= 0
    ranks = np.zeros(len(pts), dtype=int)
    if feasible.any():
        ranks[feasible] = front_ranks(pts[feasible])
    if (~feasible).any():
        start = ranks[feasible].max() + 1 if feasible.any() else 0
        levels = np.unique(viol[~feasible], return_inverse=True)[1]
        ranks[~feasible] = start + levels
    return ranks


def crowding_distance(points: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each point of one front: the sum over objectives of the
    gap between its neighbours, normalised by the objective's range; the extremes of each
    objective get infinity."""
    pts = np.asarray(points, dtype=float)
    n, k = pts.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(k):
        order = np.argsort(pts[:, j], kind="stable")
        col = pts[order, j]
        span = col[-1] - col[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist
