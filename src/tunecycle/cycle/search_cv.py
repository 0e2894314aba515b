"""``TuneSearchCV``: a drop-in for scikit-learn's ``GridSearchCV`` / ``RandomizedSearchCV``
whose candidates are proposed by a tunecycle study.

    import tunecycle as tc
    from tunecycle.cycle.search_cv import TuneSearchCV

    search = TuneSearchCV(make_pipeline(StandardScaler(), SVC()),
                          {"svc__C": tc.Float(1e-2, 1e2, log=True), "svc__kernel": ["rbf", "linear"]},
                          n_trials=20, cv=5, random_state=0)
    search.fit(X, y)
    search.best_params_, search.best_score_, search.predict(X_new)

It follows the scikit-learn estimator contract: the constructor only stores its arguments,
``fit`` learns, learned attributes end in ``_``, and it can be cloned, nested in
``cross_val_score`` or tuned by another search.  Each trial clones the estimator, sets the
proposed params and evaluates it fold by fold (:mod:`tunecycle.cycle.cv_fold`), so a pruner
can stop a trial after any fold; the mean test score of the objective metric is told to the
study (direction ``maximize``: scikit-learn scorers are greater-is-better).  The folds are
split once per ``fit``, so every candidate sees the same folds.

Supported:

- ``param_distributions``: what :mod:`tunecycle.cycle.space_codec` accepts: a dict of estimator
  param name (``svc__C`` for pipelines) -> ``tc.Float`` / ``tc.Int`` / ``tc.Categorical``, a list
  of choices (any objects) or a ``scipy.stats`` distribution; a list of such dicts (a choice
  between sub-spaces); ``{}`` (one candidate: the estimator as given).
- a finite space (every entry a list, a ``Categorical``, an ``Int`` or a stepped ``Float``) with
  no more candidates than ``n_trials`` is searched exhaustively: each candidate once, in
  ``ParameterGrid``'s order, and a UserWarning says so when ``n_trials`` is larger.
- ``scoring``: None (the estimator's ``score``), a str, a callable (returning a number, or a
  dict of metric -> number: several metrics), or several metrics as a list/tuple/set of names
  or a dict of name -> scorer.  With several metrics ``refit`` must name the metric that is
  optimised and selects ``best_*`` (or be False / a callable, which optimise the first metric),
  as in ``GridSearchCV``.
- ``refit``: True / False / a metric name / a callable ``cv_results_ -> best index``.
- ``error_score``: a number (nan by default) recorded for each failing fold, or ``"raise"``.
  A trial whose mean score is not finite is recorded as failed in the study.
- fit params: ``groups`` goes to the splitter, ``sample_weight`` to the estimator's ``fit`` and
  to the scorers that accept it (a warning names those that do not), the others to ``fit``.
  With ``sklearn.set_config(enable_metadata_routing=True)`` they are routed by the requests of
  the estimator, the scorers and the splitter instead (``get_metadata_routing``).
- ``verbose``: 1 says how many fits will run, 2 adds a line per fit, 3 adds its scores.
- ``pruner``: a tunecycle pruner (name or object); it sees the running mean after each fold.
  The folds a pruned trial did not run are nan in ``cv_results_``.
- ``storage`` / ``study_name``: keep the trials in durable storage.  With a ``study_name``
  that exists in ``storage`` the study is continued (its sampler learns from earlier trials);
  ``cv_results_`` and ``best_*`` describe the trials of the latest ``fit`` only.
- ``timeout``: stop proposing new trials after that many seconds (fewer than ``n_trials``
  rows then).
- ``n_jobs``: trials at a time, in worker processes (``-1``: one per core); the folds of a
  trial run one after another in its worker.

Not supported: ``pre_dispatch`` and ``return_estimator``.  ``cv_results_`` has one more key
than scikit-learn's, ``trial_number`` (the study's number of each row).

This module holds the estimator and its ``fit``; its parts are ``search_cv_scoring`` (scorers,
fit params), ``search_cv_trial`` (one trial's folds), ``search_cv_results`` (``cv_results_``)
and ``search_cv_fitted`` (what a fitted search delegates to its best estimator).
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import indexable

from tunecycle.api import create_study
from tunecycle.cycle.cv_fold import warn_or_raise_failures
from tunecycle.cycle.search_cv_fitted import SearchCVFitted
from tunecycle.cycle.search_cv_results import (
    _ROW,
    _format_results,
    _metric_names,
    _param_arrays,
    _row_of,
    _warn_non_finite,
)
from tunecycle.cycle.search_cv_scoring import SearchCVScoring
from tunecycle.cycle.search_cv_trial import _Objective
from tunecycle.cycle.space_codec import SpaceCodec

#: imported from here before the parts had modules of their own
__all__ = ["TuneSearchCV", "_param_arrays"]


def _seed(random_state: Any) -> int | None:
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


class TuneSearchCV(SearchCVScoring, SearchCVFitted, MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search with cross-validation, driven by a tunecycle study.

    Parameters follow ``RandomizedSearchCV`` (``n_trials`` is its ``n_iter``); see the module
    docstring for what each accepts and what is not supported.  ``sampler`` and ``pruner`` are
    tunecycle names or objects (``"auto"``, ``"tpe"``, ``"gp"``, ``"random"``, ``"qmc"``, ...);
    ``random_state`` seeds the sampler, so a seeded search proposes the same candidates.
    ``n_jobs``: trials at a time in worker processes (``-1``: one per core).  ``verbose``: 0
    prints nothing, 1 the number of fits, 2 a line per fit, 3 with its scores.

    Attributes (after ``fit``): ``cv_results_``, ``best_index_``, ``best_params_``,
    ``best_score_`` (not with a callable ``refit``), ``best_estimator_`` and ``refit_time_``
    (with ``refit``), ``scorer_``, ``multimetric_``, ``n_splits_``, ``study_``, and from the best
    estimator ``classes_``, ``n_features_in_``, ``feature_names_in_``.  ``study_`` holds storage
    connections and is left out when the fitted search is pickled.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_trials: int = 10,
        scoring: Any = None,
        cv: Any = None,
        refit: Any = True,
        sampler: Any = "auto",
        pruner: Any = None,
        storage: Any = None,
        study_name: str | None = None,
        random_state: Any = None,
        n_jobs: int | None = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        timeout: float | None = None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.scoring = scoring
        self.cv = cv
        self.refit = refit
        self.sampler = sampler
        self.pruner = pruner
        self.storage = storage
        self.study_name = study_name
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.timeout = timeout
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        tags.input_tags.pairwise = sub.input_tags.pairwise
        tags.input_tags.sparse = sub.input_tags.sparse
        tags.array_api_support = sub.array_api_support
        return tags

    def _check_args(self) -> None:
        if isinstance(self.n_trials, bool) or not isinstance(self.n_trials, numbers.Integral) \
                or self.n_trials < 1:
            raise ValueError(f"n_trials: must be a positive integer, got {self.n_trials!r}")
        if not (self.error_score == "raise" or isinstance(self.error_score, numbers.Real)):
            raise ValueError(
                f"error_score: must be 'raise' or a number, got {self.error_score!r}"
            )
        if self.n_jobs is not None and (
            isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, numbers.Integral)
            or self.n_jobs == 0 or self.n_jobs < -1
        ):
            raise ValueError(f"n_jobs: must be a positive integer, -1 or None, got {self.n_jobs!r}")
        if not isinstance(self.verbose, numbers.Integral) or self.verbose < 0:
            raise ValueError(f"verbose: must be a non-negative integer, got {self.verbose!r}")

    def fit(self, X: Any, y: Any = None, **params: Any) -> TuneSearchCV:
        """Run the search, then (with ``refit``) fit the best configuration on all of ``X``.

        ``groups`` in ``params`` goes to the cv splitter, ``sample_weight`` to the estimator's
        ``fit`` and the scorers, the others to ``fit`` (with metadata routing on: where the
        requests say).
        """
        self._check_args()
        codec = SpaceCodec(self.param_distributions)
        scorer_attr, scorer, names, metric = self._scorers()
        X, y = indexable(X, y)
        fit_params, score_params, split_params = self._route(params, scorer_attr)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        expected = cv.get_n_splits(X, y, **split_params)
        splits = list(cv.split(X, y, **split_params))
        if not splits:
            raise ValueError(
                "No fits were performed. Was the CV iterator empty? Were there no candidates?"
            )
        if len(splits) != expected:
            raise ValueError(
                "cv.split and cv.get_n_splits return inconsistent results. Expected "
                f"{expected} splits, got {len(splits)}"
            )
        n_splits = len(splits)
        n_candidates, exhaustive = self._budget(codec)
        if self.verbose > 0:
            print(f"Fitting {n_splits} folds for each of {n_candidates} candidates, "
                  f"totalling {n_candidates * n_splits} fits")

        study = create_study(
            name=self.study_name, direction="maximize", sampler=self.sampler,
            storage=self.storage, seed=_seed(self.random_state),
            load_if_exists=self.study_name is not None,
            pruner=self.pruner if self.pruner is not None else "none",  # no pruning unless asked
        )
        first = max((t.number for t in study.trials), default=-1) + 1
        if exhaustive:
            for point in codec.grid():
                study.enqueue(point)
        objective = _Objective(self, codec, X, y, splits, fit_params, score_params, scorer,
                               names or ["score"], metric, first, n_candidates)
        study.optimize(objective, n_trials=n_candidates, timeout=self.timeout,
                       space=codec.space, n_jobs=self.n_jobs or 1,
                       # a failed fit is caught in the trial (error_score); anything else
                       # (bad data, a scorer's bad return) stops the search, as scikit-learn's
                       stop_on_error=True,
                       # scikit-learn's contract: every candidate runs; failures are
                       # summed up below (FitFailedWarning, or all of them failed)
                       max_consecutive_failures=0)
        mine = sorted((t for t in study.trials if t.number >= first and _ROW in t.user_attrs),
                      key=lambda t: t.number)
        if not mine:
            raise ValueError(f"TuneSearchCV: study {study.name!r} ran no trial")
        folds = [f for t in mine for f in t.user_attrs[_ROW] if f is not None]
        warn_or_raise_failures([f["error"] for f in folds if f["status"] == "failed"],
                               len(folds), self.error_score)
        names = _metric_names(folds, names)
        multimetric = names != ["score"] or isinstance(scorer_attr, Mapping)
        if multimetric and not isinstance(scorer_attr, Mapping):  # a callable's dict
            metric = self._refit_metric(names)
        pruned = np.array([t.state.name == "PRUNED" for t in mine])
        rows = [_row_of(t, codec, names, n_splits, self.error_score) for t in mine]
        results = _format_results(rows, names, n_splits, self.return_train_score)
        _warn_non_finite(results, names, self.return_train_score, ~pruned)
        self.multimetric_ = multimetric
        self.scorer_ = scorer_attr
        self.n_splits_ = n_splits
        self.study_ = study
        self.cv_results_ = results
        self._refit_metric_name = metric

        if self.refit or not multimetric:
            if callable(self.refit):
                index = self.refit(results)
                if not isinstance(index, numbers.Integral):
                    raise TypeError("best_index_ returned is not an integer")
                if index < 0 or index >= len(rows):
                    raise IndexError("best_index_ index out of range")
                self.best_index_ = int(index)
            else:
                self.best_index_ = int(results[f"rank_test_{metric}"].argmin())
                self.best_score_ = float(results[f"mean_test_{metric}"][self.best_index_])
            self.best_params_ = results["params"][self.best_index_]

        if self.refit:
            best = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
            start = time.perf_counter()
            if y is not None:
                best.fit(X, y, **fit_params)
            else:
                best.fit(X, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = best
            if hasattr(best, "feature_names_in_"):
                self.feature_names_in_ = best.feature_names_in_
        return self

    def _budget(self, codec: SpaceCodec) -> tuple[int, bool]:
        """(how many candidates run, whether they are the whole finite space)."""
        size = codec.grid_size()
        n = int(self.n_trials)
        if size is None or size > n:
            return n, False
        if size < n:
            warnings.warn(
                f"The total space of parameters {size} is smaller than n_trials={n}. Running "
                f"{size} trial{'s' if size != 1 else ''}: each candidate once.",
                UserWarning, stacklevel=3,
            )
        return size, True
