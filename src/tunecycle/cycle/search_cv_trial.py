"""One trial of a ``TuneSearchCV``: the candidate's folds one after another (each through
``cv_fold.fit_and_score``), the running mean reported after each fold so that a pruner can stop
it, every fold's outcome kept with the trial.

Not here: what the outcomes become (``search_cv_results``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone

from tunecycle.cycle.cv_fold import fit_and_score, progress_line
from tunecycle.cycle.search_cv_results import _ROW
from tunecycle.cycle.space_codec import SpaceCodec
from tunecycle.errors import TrialPruned

if TYPE_CHECKING:
    from tunecycle.cycle.search_cv import TuneSearchCV


class _Objective:
    """One trial: the candidate's folds one after another, each outcome kept with the trial
    (so that it reaches this process from any worker); the mean test score of ``metric``."""

    def __init__(self, search: TuneSearchCV, codec: SpaceCodec, X: Any, y: Any, splits: list,
                 fit_params: dict, score_params: dict, scorer: Any, names: list[str],
                 metric: str, first: int, n_candidates: int):
        self.search, self.codec, self.X, self.y, self.splits = search, codec, X, y, splits
        self.fit_params, self.score_params, self.scorer = fit_params, score_params, scorer
        self.names, self.metric, self.first, self.n_candidates = names, metric, first, n_candidates

    def __call__(self, trial: Any) -> float:
        params = self.codec.decode(trial.params)
        outcomes: list[dict[str, Any] | None] = [None] * len(self.splits)
        try:
            return self._folds(trial, params, outcomes)
        finally:
            trial.set_user_attr(_ROW, outcomes)

    def _metric_of(self, scores: Mapping[str, float]) -> str:
        if self.metric in scores:
            return self.metric
        refit = self.search.refit
        if isinstance(refit, str) and refit in scores:
            return refit
        return next(iter(scores))

    def _folds(self, trial: Any, params: dict[str, Any], outcomes: list) -> float:
        search, n_splits = self.search, len(self.splits)
        candidate = trial.number - self.first
        values: list[float] = []
        for k, (train, test) in enumerate(self.splits):
            estimator = clone(search.estimator).set_params(**clone(params, safe=False))
            if search.verbose > 1:
                print(progress_line(k, n_splits, candidate, self.n_candidates, params, None,
                                    search.verbose))
            outcome = fit_and_score(
                estimator, self.X, self.y, train, test, fit_params=self.fit_params,
                score_params=self.score_params, scorer=self.scorer, names=self.names,
                return_train=search.return_train_score, error_score=search.error_score,
            )
            outcomes[k] = outcome
            if search.verbose > 1:
                print(progress_line(k, n_splits, candidate, self.n_candidates, params, outcome,
                                    search.verbose))
            if outcome["status"] == "ok":
                values.append(outcome["test"][self._metric_of(outcome["test"])])
            else:
                values.append(float(search.error_score))
            running = float(np.mean(values))
            if k < n_splits - 1 and np.isfinite(running):
                trial.report(running, k)
                if trial.should_prune():
                    raise TrialPruned(f"pruned after fold {k}")
        return float(np.mean(values))
