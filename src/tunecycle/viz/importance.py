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
"inactive" and credit the branch's effect to every parameter of the branch.

A categorical that chooses between branches (:func:`branching`: its value decides which other
parameters a trial has) is credited with its *total effect* instead: its main effect plus every
interaction it takes part in, ``V - Var(E[f | every other input])``, computed exactly on each
tree.  A branch choice acts through its branches' parameters (they matter only on their
branch), so most of its effect is interaction: two families with the same mean value, one of
which gives outliers, have a main effect near 0 although the choice decides the outliers.
``Importance.main_share`` keeps every parameter's main effect, so both readings stay visible.

The forest is fitted on at most ``max_trials`` complete trials (a seeded uniform subsample of a
larger study: the surrogate's shape settles long before 10,000 trials, and the fit and the
decomposition grow with the trials).

Needs scikit-learn (the ``viz`` extra); imported on first use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tunecycle.errors import UserError
from tunecycle.records import FrozenTrial
from tunecycle.viz.data import ParamAxis, complete_trials, param_axes

#: the forest learns from at most this many complete trials by default (a seeded subsample)
MAX_TRIALS = 2000


@dataclass(frozen=True)
class Importance:
    """Parameters from most to least important."""

    names: tuple[str, ...]
    importances: tuple[float, ...]  # scaled to sum to 1 (all 0 when the surrogate is flat)
    variance_share: tuple[float, ...]  # mean share of the surrogate's variance, per tree
    std: tuple[float, ...]  # spread of that share across the trees
    n_trials: int  # the complete trials of the study
    #: each parameter's main-effect share (equal to ``variance_share`` except for branch
    #: choices, whose ``variance_share`` is their total effect)
    main_share: tuple[float, ...] = ()
    #: the branch-choosing categoricals, credited with their total effect
    branch_choices: tuple[str, ...] = ()
    n_fitted: int = 0  # the trials the forest learnt from (at most ``max_trials``)

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.importances))


def param_importances(
    trials: Sequence[FrozenTrial],
    params: Sequence[str] | None = None,
    *,
    n_trees: int = 64,
    seed: int = 0,
    max_depth: int | None = None,
    max_trials: int | None = MAX_TRIALS,
) -> Importance:
    """fANOVA importances of ``params`` (default: every parameter) from the complete trials
    (main effects; a branch choice's total effect); needs at least two of them.
    ``max_depth`` bounds the forest's trees (None: grown until their leaves are pure);
    ``max_trials`` caps the trials the forest learns from (None: all of them)."""
    done = complete_trials(trials)
    if len(done) < 2:
        raise UserError(
            f"importance: needs at least 2 complete trials, the study has {len(done)}"
        )
    if max_trials is not None and (isinstance(max_trials, bool) or not isinstance(
            max_trials, (int, np.integer)) or max_trials < 2):
        raise UserError(f"max_trials: must be an integer of at least 2 or None, "
                        f"got {max_trials!r}")
    axes = param_axes(done)
    names = list(axes) if params is None else list(params)
    unknown = [n for n in names if n not in axes]
    if unknown:
        raise UserError(f"params: {unknown} not in the study's parameters {sorted(axes)}")
    if not names:
        raise UserError("importance: the study's trials have no parameters")
    fitted = _subsample(done, max_trials, seed)
    rng = np.random.default_rng(seed)
    X = encode(fitted, [axes[n] for n in names], rng)
    y = np.array([float(t.value) for t in fitted])  # type: ignore[arg-type]
    choices = branching(fitted, names, axes)
    total_cols = [names.index(p) for p in choices]
    main, total = forest_effects(X, y, n_trees, seed, max_depth, total_cols)
    credited = main.copy()
    for c, j in enumerate(total_cols):
        credited[:, j] = total[:, c]
    mean, std = credited.mean(axis=0), credited.std(axis=0)
    main_mean = main.mean(axis=0)
    s = float(mean.sum())
    scaled = mean / s if s > 0 else np.zeros_like(mean)
    order = sorted(range(len(names)), key=lambda j: (-scaled[j], names[j]))

    def pick(a: np.ndarray) -> tuple[float, ...]:
        return tuple(float(a[j]) for j in order)

    return Importance(tuple(names[j] for j in order), pick(scaled), pick(mean), pick(std),
                      len(done), pick(main_mean), tuple(choices), len(fitted))


def _subsample(done: list[FrozenTrial], most: int | None, seed: int) -> list[FrozenTrial]:
    if most is None or len(done) <= most:
        return done
    keep = np.sort(np.random.default_rng([seed, 1]).choice(len(done), most, replace=False))
    return [done[i] for i in keep]


def encode(trials: Sequence[FrozenTrial], axes: Sequence[ParamAxis],
           rng: np.random.Generator) -> np.ndarray:
    """Unit coordinates, one column per axis; inactive entries (and values outside the newest
    range) drawn uniformly at random from ``rng``."""
    X = rng.random((len(trials), len(axes)))
    for i, t in enumerate(trials):
        for j, axis in enumerate(axes):
            if axis.name in t.params:
                u = axis.unit(t.params[axis.name])
                if math.isfinite(u):
                    X[i, j] = u
    return X


_encode = encode  # the name the Optuna layer imported before it was public


def branching(done: Sequence[FrozenTrial], names: Sequence[str],
              axes: Mapping[str, ParamAxis]) -> list[str]:
    """The categoricals among ``names`` whose value decides which other parameters a trial
    has (a conditional space's branch choice): some parameter is present for some of its
    values and absent for others, and always so for each value."""
    signatures = [frozenset(t.params) for t in done]
    out = []
    for p in names:
        if axes[p].kind != "categorical":
            continue
        always: dict[str, frozenset[str]] = {}  # per value: present in every trial of it
        ever: dict[str, frozenset[str]] = {}  # per value: present in some trial of it
        for t, sig in zip(done, signatures):
            if p not in sig:
                continue
            key = repr(t.params[p])
            always[key] = always[key] & sig if key in always else sig
            ever[key] = ever[key] | sig if key in ever else sig
        others = frozenset().union(*ever.values()) - {p} if ever else frozenset()
        for q in others:
            fixed = all(q in always[k] or q not in ever[k] for k in always)
            if fixed and any(q in always[k] for k in always) and \
                    any(q not in ever[k] for k in always):
                out.append(p)
                break
    return out


def forest_effects(X: np.ndarray, y: np.ndarray, n_trees: int, seed: int,
                   max_depth: int | None = None, total_of: Sequence[int] = ()
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per tree of a random forest fitted to ``(X, y)``: each column's main-effect share of
    the tree's variance (trees x columns), and the total-effect share of the columns
    ``total_of`` (trees x len(total_of))."""
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=1,
                                   min_samples_leaf=1, max_depth=max_depth)
    forest.fit(X, y)
    d = X.shape[1]
    points = _points(d, seed) if len(total_of) else None
    main, total = [], []
    for est in forest.estimators_:
        m, t = tree_effects(est.tree_, d, total_of, points)
        main.append(m)
        total.append(t)
    return np.array(main).reshape(n_trees, d), np.array(total).reshape(n_trees, len(total_of))


#: points of the unit cube on which a total effect is estimated
N_POINTS = 4096


def _points(d: int, seed: int) -> np.ndarray:
    """``N_POINTS`` points of the unit cube, a seeded Latin hypercube (each column's values
    one per stratum of width ``1 / N_POINTS``)."""
    rng = np.random.default_rng([seed, 2])
    strata = np.argsort(rng.random((d, N_POINTS)), axis=1).T
    return (strata + rng.random((N_POINTS, d))) / N_POINTS


def _leaves(tree, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each leaf's value and box in the unit cube (lower and upper bounds per column),
    computed a level of the tree at a time."""
    left, right = tree.children_left, tree.children_right
    feature = tree.feature
    cut = np.clip(tree.threshold, 0.0, 1.0)
    lo = np.zeros((tree.node_count, d))
    hi = np.ones((tree.node_count, d))
    level = np.array([0])
    while level.size:
        inner = level[left[level] != -1]
        if not inner.size:
            break
        j, c = feature[inner], cut[inner]
        a, b = left[inner], right[inner]
        lo[a], hi[a] = lo[inner], hi[inner]
        hi[a, j] = np.minimum(hi[inner, j], c)
        lo[b], hi[b] = lo[inner], hi[inner]
        lo[b, j] = np.maximum(lo[inner, j], c)
        level = np.concatenate([a, b])
    leaf = np.flatnonzero(left == -1)
    return tree.value[leaf].reshape(len(leaf), -1)[:, 0].astype(float), lo[leaf], hi[leaf]


def _tree_shares(tree, d: int) -> np.ndarray:
    """Each column's main-effect variance over the tree's total variance (uniform measure)."""
    return tree_effects(tree, d)[0]


def tree_effects(tree, d: int, total_of: Sequence[int] = (),
                 points: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One tree's main-effect share of every column (exact) and total-effect share of the
    columns ``total_of`` (estimated on ``points``, see :func:`_rest_variance`), under the
    uniform measure on the unit cube."""
    v, lo, hi = _leaves(tree, d)
    width = hi - lo  # the measure of each leaf's side along each column
    vol = width.prod(axis=1)
    f0 = float(vol @ v)
    var = float(vol @ (v - f0) ** 2)
    main, total = np.zeros(d), np.zeros(len(total_of))
    if var <= 1e-12 * max(1.0, f0 * f0):
        return main, total
    for j in range(d):
        main[j] = _main_effect(v, lo[:, j], hi[:, j], np.delete(width, j, axis=1).prod(axis=1),
                               f0) / var
    if len(total_of):
        if points is None:
            points = _points(d, 0)
        for c, j in enumerate(total_of):
            rest = _rest_variance(tree, lo[:, j], hi[:, j], j, points, f0)
            total[c] = min(1.0, max(0.0, 1.0 - rest / var))
    return main, total


def _main_effect(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, others: np.ndarray,
                 f0: float) -> float:
    """The variance over ``x_j`` of the tree's mean with the other inputs averaged out: the
    mean is a step function of ``x_j`` between the tree's cuts on ``j`` (each leaf adds
    ``v_l * |B_l,-j|`` on its interval, summed by a running total)."""
    cuts = np.unique(np.concatenate([[0.0, 1.0], lo, hi]))
    start = np.searchsorted(cuts, lo)
    stop = np.searchsorted(cuts, hi)
    step = np.zeros(len(cuts))
    np.add.at(step, start, v * others)
    np.add.at(step, stop, -v * others)
    means = np.cumsum(step)[:-1]  # on each segment [cuts[i], cuts[i + 1])
    return float(np.diff(cuts) @ (means - f0) ** 2)


def _rest_variance(tree, lo_j: np.ndarray, hi_j: np.ndarray, j: int, points: np.ndarray,
                   f0: float) -> float:
    """``Var(E[f | every input but x_j])`` of a tree.  ``x_j`` is averaged out exactly (the
    tree is constant between its cuts on ``j``: the mean of its values at each segment's
    middle, weighted by the segment's width); the variance over the other inputs is the mean
    square deviation from the tree's mean ``f0`` on ``points``."""
    cuts = np.unique(np.concatenate([[0.0, 1.0], lo_j, hi_j]))
    g = np.zeros(len(points))
    at = np.array(points, dtype=np.float32)
    for a, b in zip(cuts[:-1], cuts[1:]):
        at[:, j] = (a + b) / 2
        g += (b - a) * tree.predict(at).reshape(len(points), -1)[:, 0]
    return float(np.mean((g - f0) ** 2))
