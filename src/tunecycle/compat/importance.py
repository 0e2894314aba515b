"""Optuna's ``optuna.importance``: ``get_param_importances`` and its evaluators, computed by
tunecycle.

- :class:`FanovaImportanceEvaluator` (the default) is tunecycle's own functional ANOVA over a
  random forest (:mod:`tunecycle.viz.importance`): each parameter's main-effect share of the
  surrogate's variance.
- :class:`MeanDecreaseImpurityImportanceEvaluator`: a scikit-learn random forest's mean
  decrease in impurity per parameter.
- :class:`PedAnovaImportanceEvaluator`: how far the distribution of a parameter among the best
  trials (``target_quantile``) is from its distribution among a wider set (the best
  ``region_quantile``, or the whole range with ``evaluate_on_local=False``), as a Pearson
  divergence between smoothed histograms on the parameter's unit scale.

Every evaluator sees parameters in the space's unit encoding (a log parameter on a log scale,
a categorical choice by its index); a parameter of a conditional branch that was inactive in a
trial is drawn at random there (fANOVA, mean decrease in impurity) or left out of that trial
(PED-ANOVA).  Unlike Optuna, which keeps only the parameters present in every complete trial,
the default ``params`` is every parameter the complete trials have (so a conditional space's
branch parameters get an importance too).

A categorical that chooses between branches (``Categorical({"svm": {...}, "rf": {...}})``) is
credited by fANOVA with its total effect (its main effect plus every interaction it takes part
in), not its main effect alone: the choice's effect lives in the branches' parameters, so its
main effect reads near 0 even when it decides between good and bad regions.  That rule is
:func:`tunecycle.viz.importance.param_importances`' own (one implementation for both names).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tunecycle.compat import plot_inputs as vc
from tunecycle.records import Direction, FrozenTrial
from tunecycle.space import Categorical, Float, Int
from tunecycle.viz import data as vd


class BaseImportanceEvaluator:
    """An importance evaluator: ``evaluate(study, params=None, *, target=None)`` returns the
    parameters' unnormalised importances, most important first."""

    def evaluate(self, study: Any, params: list[str] | None = None, *,
                 target: Callable[[FrozenTrial], float] | None = None) -> dict[str, float]:
        raise NotImplementedError


def _seed(seed: int | None) -> int:
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed: must be an integer or None, got {seed!r}")
    return int(seed)


def _check_trees(n_trees: int, max_depth: int) -> None:
    for name, v in (("n_trees", n_trees), ("max_depth", max_depth)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: must be a positive integer, got {v!r}")


def _trials(study: Any, target: Callable[[FrozenTrial], float] | None
            ) -> tuple[list[FrozenTrial], Direction]:
    src = vc.read(study)
    if target is None and src.multi:
        raise ValueError("target: the study has several objectives; pass "
                         "target=lambda t: t.values[i] to pick the one to explain")
    done = vd.complete_trials(vc.with_target(src, target))
    if not done:
        raise ValueError("study: parameter importances need complete trials; it has none")
    if len(done) < 2:
        raise ValueError("study: parameter importances need at least 2 complete trials; "
                         "it has 1")
    return done, src.directions[0]


def _names(done: list[FrozenTrial], params: Sequence[str] | None) -> tuple[list[str], dict]:
    axes = vd.param_axes(done)
    if params is None:
        names = list(axes)
    else:
        if isinstance(params, str):
            raise ValueError(f"params: expected a list of names, got the text {params!r}")
        names = list(params)
        unknown = [p for p in names if p not in axes]
        if unknown:
            raise ValueError(f"params: {unknown} not in the study's parameters {sorted(axes)}")
    return names, axes


def _ordered(scores: dict[str, float]) -> dict[str, float]:
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


class FanovaImportanceEvaluator(BaseImportanceEvaluator):
    """Functional ANOVA over a random forest (tunecycle's :mod:`tunecycle.viz.importance`);
    the unnormalised importance is a parameter's share of the forest's variance (a branching
    categorical's total effect, see the module docstring).  ``seed=None`` is seed 0 (the same
    importances on every call)."""

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None):
        _check_trees(n_trees, max_depth)
        self.n_trees, self.max_depth, self.seed = int(n_trees), int(max_depth), _seed(seed)

    def evaluate(self, study: Any, params: list[str] | None = None, *,
                 target: Callable[[FrozenTrial], float] | None = None) -> dict[str, float]:
        from tunecycle.viz.importance import param_importances

        done, _ = _trials(study, target)
        names, _ = _names(done, params)
        if not names:
            return {}
        imp = param_importances(done, names, n_trees=self.n_trees, seed=self.seed,
                                max_depth=self.max_depth)
        return _ordered(dict(zip(imp.names, imp.variance_share)))


class MeanDecreaseImpurityImportanceEvaluator(BaseImportanceEvaluator):
    """A random forest's mean decrease in impurity (scikit-learn's ``feature_importances_``)
    per parameter, one column per parameter in the unit encoding."""

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None):
        _check_trees(n_trees, max_depth)
        self.n_trees, self.max_depth, self.seed = int(n_trees), int(max_depth), _seed(seed)

    def evaluate(self, study: Any, params: list[str] | None = None, *,
                 target: Callable[[FrozenTrial], float] | None = None) -> dict[str, float]:
        from sklearn.ensemble import RandomForestRegressor

        from tunecycle.viz.importance import encode

        done, _ = _trials(study, target)
        names, axes = _names(done, params)
        if not names:
            return {}
        X = encode(done, [axes[n] for n in names], np.random.default_rng(self.seed))
        y = np.array([float(t.value) for t in done])  # type: ignore[arg-type]
        forest = RandomForestRegressor(n_estimators=self.n_trees, max_depth=self.max_depth,
                                       random_state=self.seed, n_jobs=1)
        forest.fit(X, y)
        return _ordered({n: float(v) for n, v in zip(names, forest.feature_importances_)})


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA: for each parameter, the Pearson divergence between its distribution among the
    best ``target_quantile`` of the complete trials and among the best ``region_quantile``
    (``evaluate_on_local=True``) or the uniform distribution over its range
    (``evaluate_on_local=False``).  Distributions are smoothed histograms on the unit scale
    (a Gaussian kernel for continuous parameters; counts with a small prior for categorical and
    few-valued integer ones)."""

    _GRID = 100

    def __init__(self, *, target_quantile: float = 0.1, region_quantile: float = 1.0,
                 evaluate_on_local: bool = True):
        for name, q in (("target_quantile", target_quantile),
                        ("region_quantile", region_quantile)):
            if not isinstance(q, (int, float)) or not 0.0 < float(q) <= 1.0:
                raise ValueError(f"{name}: must be in (0, 1], got {q!r}")
        if target_quantile >= region_quantile:
            raise ValueError(f"target_quantile: must be below region_quantile "
                             f"({region_quantile!r}), got {target_quantile!r}")
        self.target_quantile = float(target_quantile)
        self.region_quantile = float(region_quantile)
        self.evaluate_on_local = bool(evaluate_on_local)

    def evaluate(self, study: Any, params: list[str] | None = None, *,
                 target: Callable[[FrozenTrial], float] | None = None) -> dict[str, float]:
        done, direction = _trials(study, target)
        names, axes = _names(done, params)
        ranked = sorted(done, key=lambda t: direction.sign() * float(t.value))  # type: ignore[arg-type]
        n = len(ranked)
        top = ranked[:max(2, math.ceil(self.target_quantile * n))]
        region = ranked[:max(len(top), math.ceil(self.region_quantile * n))]
        return _ordered({name: self._divergence(axes[name], top, region) for name in names})

    def _divergence(self, axis: vd.ParamAxis, top: list[FrozenTrial],
                    region: list[FrozenTrial]) -> float:
        u_top = [axis.unit(t.params[axis.name]) for t in top if axis.name in t.params]
        u_reg = [axis.unit(t.params[axis.name]) for t in region if axis.name in t.params]
        u_top = [u for u in u_top if math.isfinite(u)]
        u_reg = [u for u in u_reg if math.isfinite(u)]
        if len(u_top) < 2 or not u_reg:
            return 0.0
        bins = _bins(axis)
        p_top = self._density(u_top, bins)
        p_reg = self._density(u_reg, bins) if self.evaluate_on_local else None
        if p_reg is None:
            p_reg = np.full_like(p_top, 1.0 / len(p_top))
        return float(np.sum(p_reg * (p_top / p_reg - 1.0) ** 2))

    def _density(self, us: list[float], bins: int | None) -> np.ndarray:
        x = np.asarray(us, float)
        if bins is not None:  # discrete: counts per choice with half a trial of prior each
            counts = np.bincount(np.minimum((x * bins).astype(int), bins - 1), minlength=bins)
            p = counts + 0.5
            return p / p.sum()
        grid = (np.arange(self._GRID) + 0.5) / self._GRID
        std = float(x.std()) if len(x) > 1 else 0.0
        h = max(1.06 * std * len(x) ** -0.2, 1.0 / self._GRID * 2, 0.02)
        p = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / h) ** 2).sum(axis=1) + 1e-12
        return p / p.sum()


def _bins(axis: vd.ParamAxis) -> int | None:
    """The number of values of a discrete parameter (None for a continuous one)."""
    p = axis.param
    if isinstance(p, Categorical):
        return len(p.choices)
    if isinstance(p, Int) and not p.log:
        n = (p.high - p.low) // p.step + 1
        return int(n) if n <= 32 else None
    if isinstance(p, Float) and p.step is not None:
        n = int(round((p.high - p.low) / p.step)) + 1
        return n if n <= 32 else None
    return None


def get_param_importances(study: Any, *, evaluator: BaseImportanceEvaluator | None = None,
                          params: list[str] | None = None,
                          target: Callable[[FrozenTrial], float] | None = None,
                          normalize: bool = True) -> dict[str, float]:
    """The importance of each parameter (of ``params``, default every parameter of the
    complete trials), most important first.  ``evaluator`` defaults to
    :class:`FanovaImportanceEvaluator`; ``target`` picks what to explain (required in a study
    of several objectives); ``normalize`` scales the importances to sum to 1."""
    if evaluator is None:
        evaluator = FanovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator) and not hasattr(evaluator, "evaluate"):
        raise ValueError(f"evaluator: expected an importance evaluator, got "
                         f"{type(evaluator).__name__}")
    scores = evaluator.evaluate(study, params=params, target=target)
    if not normalize:
        return _ordered(dict(scores))
    total = float(sum(scores.values()))
    if total <= 0.0:
        return _ordered({k: 1.0 / len(scores) for k in scores}) if scores else {}
    return _ordered({k: float(v) / total for k, v in scores.items()})


__all__ = [
    "BaseImportanceEvaluator", "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator", "PedAnovaImportanceEvaluator",
    "get_param_importances",
]
