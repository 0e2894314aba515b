"""Parameter importance by functional ANOVA over a random-forest surrogate.

A random forest (scikit-learn's ``RandomForestRegressor``) learns the objective from the
complete trials, with each parameter in the space's unit encoding.  A regression tree is a
piecewise-constant function over boxes, so its variance under a product measure on the inputs
splits exactly into parts: the *main effect* of parameter ``j`` is the variance, over ``x_j``, of
the tree's mean with every other input averaged out.  For one tree::

    f0      = sum_l v_l |B_l|                       (mean; |B| is the box's measure)
    V       = sum_l |B_l| (v_l - f0)^2              (total variance)
    m_j(a)  = sum_{l: a in B_l,j} v_l prod_{k != j} |B_l,k|
    V_j     = integral of (m_j(a) - f0)^2 over a    (a sum over the tree's cuts on j)

The importance of ``j`` is ``V_j / V`` averaged over the trees, then scaled so that the
parameters' importances add up to 1 (the unscaled shares are kept: their sum below 1 is what
interactions explain).

The measure is uniform on the unit cube (each categorical choice, each step of an integer gets
its share; log parameters are uniform in log space).  An inactive parameter (a conditional
sub-parameter whose parent chose another branch) is filled with a seeded uniform draw, so that
its column carries no trace of the parent's choice: a marker value would let the trees split on
"inactive" and credit the branch's effect to every parameter of the branch.  Its importance is
then its effect where it applies, averaged with no effect elsewhere.  Importances in
conditional spaces are approximate for that reason.

Needs scikit-learn (the ``viz`` extra); imported on first use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial
from tunecycle.viz.data import ParamAxis, complete_trials, param_axes


@dataclass(frozen=True)
class Importance:
    """Parameters from most to least important."""

    names: tuple[str, ...]
    importances: tuple[float, ...]  # scaled to sum to 1 (all 0 when the surrogate is flat)
    variance_share: tuple[float, ...]  # mean share of the surrogate's variance, per tree
    std: tuple[float, ...]  # spread of that share across the trees
    n_trials: int

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.importances))


def param_importances(
    trials: Sequence[FrozenTrial],
    params: Sequence[str] | None = None,
    *,
    n_trees: int = 64,
    seed: int = 0,
    max_depth: int | None = None,
) -> Importance:
    """fANOVA main-effect importances of ``params`` (default: every parameter) from the
    complete trials; needs at least two of them.  ``max_depth`` bounds the forest's trees
    (None: grown until their leaves are pure)."""
    done = complete_trials(trials)
    if len(done) < 2:
        raise UserError(
            f"importance: needs at least 2 complete trials, the study has {len(done)}"
        )
    axes = param_axes(done)
    names = list(axes) if params is None else list(params)
    unknown = [n for n in names if n not in axes]
    if unknown:
        raise UserError(f"params: {unknown} not in the study's parameters {sorted(axes)}")
    if not names:
        raise UserError("importance: the study's trials have no parameters")
    X = _encode(done, [axes[n] for n in names], np.random.default_rng(seed))
    y = np.array([float(t.value) for t in done])  # type: ignore[arg-type]
    shares = _forest_shares(X, y, n_trees, seed, max_depth)
    mean = shares.mean(axis=0)
    std = shares.std(axis=0)
    total = float(mean.sum())
    scaled = mean / total if total > 0 else np.zeros_like(mean)
    order = sorted(range(len(names)), key=lambda j: (-scaled[j], names[j]))
    return Importance(tuple(names[j] for j in order), tuple(float(scaled[j]) for j in order),
                      tuple(float(mean[j]) for j in order), tuple(float(std[j]) for j in order),
                      len(done))


def _encode(trials: Sequence[FrozenTrial], axes: Sequence[ParamAxis],
            rng: np.random.Generator) -> np.ndarray:
    """Unit coordinates; inactive entries (and values outside the newest range) drawn at
    random."""
    X = rng.random((len(trials), len(axes)))
    for i, t in enumerate(trials):
        for j, axis in enumerate(axes):
            if axis.name in t.params:
                u = axis.unit(t.params[axis.name])
                if math.isfinite(u):
                    X[i, j] = u
    return X


def _forest_shares(X: np.ndarray, y: np.ndarray, n_trees: int, seed: int,
                   max_depth: int | None = None) -> np.ndarray:
    """Per tree, each column's main-effect share of the tree's variance (trees x columns)."""
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=1,
                                   min_samples_leaf=1, max_depth=max_depth)
    forest.fit(X, y)
    rows = [_tree_shares(est.tree_, X.shape[1]) for est in forest.estimators_]
    return np.array(rows)


def _leaves(tree, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each leaf's value and box in the unit cube (lower and upper bounds per column)."""
    lows, highs, values = [], [], []
    stack = [(0, np.zeros(d), np.ones(d))]
    left, right = tree.children_left, tree.children_right
    while stack:
        node, lo, hi = stack.pop()
        if left[node] == -1:  # a leaf
            lows.append(lo)
            highs.append(hi)
            values.append(float(tree.value[node].ravel()[0]))
            continue
        j, cut = tree.feature[node], min(max(tree.threshold[node], 0.0), 1.0)
        hi_left = hi.copy()
        hi_left[j] = min(hi[j], cut)
        lo_right = lo.copy()
        lo_right[j] = max(lo[j], cut)
        stack.append((left[node], lo, hi_left))
        stack.append((right[node], lo_right, hi))
    return np.array(values), np.array(lows), np.array(highs)


def _tree_shares(tree, d: int) -> np.ndarray:
    """Each column's main-effect variance over the tree's total variance (uniform measure)."""
    v, lo, hi = _leaves(tree, d)
    width = hi - lo  # the measure of each leaf's side along each column
    vol = width.prod(axis=1)
    f0 = float(vol @ v)
    total = float(vol @ (v - f0) ** 2)
    shares = np.zeros(d)
    if total <= 1e-12 * max(1.0, f0 * f0):
        return shares
    for j in range(d):
        others = np.delete(width, j, axis=1).prod(axis=1)
        cuts = np.unique(np.concatenate([[0.0, 1.0], lo[:, j], hi[:, j]]))
        a, b = cuts[:-1], cuts[1:]
        mid = (a + b) / 2
        inside = (lo[:, j][:, None] < mid[None, :]) & (mid[None, :] <= hi[:, j][:, None])
        means = (v * others) @ inside  # the tree's mean with x_j fixed in each segment
        shares[j] = float((b - a) @ (means - f0) ** 2) / total
    return shares
