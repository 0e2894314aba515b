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
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping
from copy import deepcopy
from inspect import signature
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata
from sklearn import get_config
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, indexable

from tunecycle.api import create_study
from tunecycle.cycle.cv_fold import fit_and_score, progress_line, warn_or_raise_failures
from tunecycle.cycle.space_codec import SpaceCodec
from tunecycle.errors import TrialPruned


def _check_refit(search: TuneSearchCV, attr: str) -> None:
    if not search.refit:
        raise AttributeError(
            f"This {type(search).__name__} instance was initialized with `refit=False`. "
            f"{attr} is available only after refitting on the best parameters. You can refit "
            "an estimator manually using the `best_params_` attribute"
        )


def _estimator_has(attr: str):
    """Delegate ``attr`` when the refitted best estimator (or, before fit, the estimator) has it."""

    def check(self: TuneSearchCV) -> bool:
        _check_refit(self, attr)
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)  # AttributeError when it lacks it
            return True
        getattr(self.estimator, attr)
        return True

    return check


def _seed(random_state: Any) -> int | None:
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _routing_enabled() -> bool:
    return bool(get_config().get("enable_metadata_routing", False))


def _accepts_sample_weight(scorer: Any) -> bool:
    accept = getattr(scorer, "_accept_sample_weight", None)
    if callable(accept):
        return bool(accept())
    try:
        return "sample_weight" in signature(scorer).parameters
    except (TypeError, ValueError):
        return False


_ROW = "cv_scores"  # trial user attribute: the fold outcomes of one candidate


_MULTI_REFIT = (
    "For multi-metric scoring, the parameter refit must be set to a scorer key or a "
    "callable to refit an estimator with the best parameter setting on the whole data "
    "and make the best_* attributes available for that metric. If this is not needed, "
    "refit should be set to False explicitly. {!r} was passed."
)


class TuneSearchCV(MetaEstimatorMixin, BaseEstimator):
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

    # -- checks ------------------------------------------------------------------------------
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

    def _scorers(self) -> tuple[Any, Any, list[str] | None, str]:
        """(``scorer_``, the scorer a fold calls, the metric names (None: a callable that may
        return several), the metric the study optimises)."""
        scoring = self.scoring
        raise_exc = self.error_score == "raise"
        if scoring is None or isinstance(scoring, str):
            scorer = check_scoring(self.estimator, scoring=scoring)
            return scorer, scorer, ["score"], "score"
        if callable(scoring):
            scorer = check_scoring(self.estimator, scoring=scoring)
            return scorer, scorer, None, "score"
        if isinstance(scoring, (list, tuple, set)):
            names = list(scoring)
            if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
                raise ValueError(
                    f"scoring: a list of metrics must hold distinct metric names, got {scoring!r}"
                )
            scorers = {n: check_scoring(self.estimator, scoring=n) for n in names}
        elif isinstance(scoring, Mapping):
            if not scoring or not all(isinstance(k, str) for k in scoring):
                raise ValueError(f"scoring: a dict of metrics must have str keys, got {scoring!r}")
            scorers = {k: check_scoring(self.estimator, scoring=v) for k, v in scoring.items()}
        else:
            raise ValueError(
                f"scoring: expected None, a str, a callable, a list or a dict, got {scoring!r}"
            )
        metric = self._refit_metric(list(scorers))
        combined = check_scoring(self.estimator, scoring=scorers, raise_exc=raise_exc)
        return scorers, combined, list(scorers), metric

    def _refit_metric(self, names: list[str]) -> str:
        """The metric that several metrics optimise, from ``refit``."""
        if isinstance(self.refit, str) and self.refit in names:
            return self.refit
        if self.refit is False or callable(self.refit):
            return names[0]
        raise ValueError(_MULTI_REFIT.format(self.refit))

    def _route(self, params: dict[str, Any], scorer: Any) -> tuple[dict, dict, dict]:
        """(fit params of the estimator, score params of the scorer, split params)."""
        if _routing_enabled():
            routed = process_routing(self, "fit", **params)
            return dict(routed.estimator.fit), dict(routed.scorer.score), \
                dict(routed.splitter.split)
        params = dict(params)
        groups = params.pop("groups", None)
        weights = params.get("sample_weight")
        score_params = {}
        if weights is not None and self._scorers_take_sample_weight(scorer):
            score_params["sample_weight"] = weights
        return params, score_params, {"groups": groups}

    def _scorers_take_sample_weight(self, scorer: Any) -> bool:
        name = type(self).__name__
        if isinstance(scorer, Mapping):
            accepted = []
            for key, one in scorer.items():
                accepted.append(_accepts_sample_weight(one))
                if not accepted[-1]:
                    warnings.warn(
                        f"The scoring {key}={one} does not support sample_weight: its scores "
                        f"are unweighted while {name} fits the estimator with sample_weight.",
                        UserWarning, stacklevel=4,
                    )
            return any(accepted)
        if not _accepts_sample_weight(scorer):
            warnings.warn(
                f"The scoring {scorer} does not support sample_weight: its scores are "
                f"unweighted while {name} fits the estimator with sample_weight.",
                UserWarning, stacklevel=4,
            )
            return False
        return True

    def get_metadata_routing(self) -> MetadataRouter:
        """Where fit params go with metadata routing on: the estimator's ``fit``, the scorers
        (from ``fit`` and ``score``) and the splitter's ``split``."""
        router = MetadataRouter(owner=self)
        router.add(estimator=self.estimator,
                   method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        scorer = self._scorers()[1]
        router.add(scorer=scorer, method_mapping=MethodMapping()
                   .add(caller="score", callee="score").add(caller="fit", callee="score"))
        router.add(splitter=self.cv,  # as given: a generator must not be consumed here
                   method_mapping=MethodMapping().add(caller="fit", callee="split"))
        return router

    # -- fit ---------------------------------------------------------------------------------
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

    # -- delegation --------------------------------------------------------------------------
    @property
    def classes_(self) -> np.ndarray:
        _check_refit(self, "classes_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        try:
            check_is_fitted(self)
        except Exception as exc:
            raise AttributeError(
                f"{type(self).__name__} object has no n_features_in_ attribute."
            ) from exc
        return self.best_estimator_.n_features_in_

    def __getstate__(self) -> dict[str, Any]:
        # the study holds a storage connection and locks: it is not pickled; with a durable
        # storage reload it with tc.load_study(search.study_.name, storage)
        state = dict(super().__getstate__())  # a copy: object's is the live __dict__
        state.pop("study_", None)
        return state

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "cv_results_")

    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """The score of the best estimator on the given data, by ``scorer_`` (the ``refit``
        metric with several metrics).  ``params`` (with metadata routing on) go to the scorer."""
        _check_refit(self, "score")
        check_is_fitted(self)
        if params and not _routing_enabled():
            raise ValueError(
                f"{type(self).__name__}.score got {sorted(params)}: passing extra keyword "
                "arguments to score is only supported if enable_metadata_routing=True (set "
                "it with sklearn.set_config)"
            )
        score_params = process_routing(self, "score", **params).scorer.score if params else {}
        if isinstance(self.scorer_, Mapping):
            return self.scorer_[self.refit](self.best_estimator_, X, y, **score_params)
        value = self.scorer_(self.best_estimator_, X, y, **score_params)
        if self.multimetric_:  # a callable that returns several metrics
            return value[self._refit_metric_name]
        return value

    def _sk_visual_block_(self):
        """The HTML diagram shows the best estimator once refitted, else the estimator."""
        from sklearn.utils._repr_html.estimator import _VisualBlock

        if hasattr(self, "best_estimator_"):
            key, estimator = "best_estimator_", self.best_estimator_
        else:
            key, estimator = "estimator", self.estimator
        return _VisualBlock("parallel", [estimator],
                            names=[f"{key}: {type(estimator).__name__}"],
                            name_details=[str(estimator)])

    @available_if(_estimator_has("score_samples"))
    def score_samples(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.score_samples(X)

    @available_if(_estimator_has("predict"))
    def predict(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.transform(X)

    @available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.best_estimator_.inverse_transform(X)


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


def _metric_names(folds: list[dict[str, Any]], known: list[str] | None) -> list[str]:
    """The metrics of the search: the scorers' names, or those a callable returned."""
    if known is not None:
        return known
    for fold in folds:
        if fold["status"] == "ok":
            return list(fold["test"])
    return ["score"]


def _row_of(trial: Any, codec: SpaceCodec, names: list[str], n_splits: int,
            error_score: Any) -> dict[str, Any]:
    """One candidate's row of ``cv_results_`` from the fold outcomes its trial recorded:
    a failed fold scores ``error_score``, a fold that did not run (pruned) nan."""
    outcomes = trial.user_attrs[_ROW]
    row: dict[str, Any] = {"number": trial.number, "params": codec.decode(trial.params)}
    for key in ("fit_time", "score_time"):
        row[key] = np.array([np.nan if o is None else o[key] for o in outcomes], dtype=float)
    for part in ("test", "train"):
        for name in names:
            row[f"{part}_{name}"] = np.array(
                [np.nan if o is None else (o[part].get(name, np.nan) if o["status"] == "ok"
                                           else error_score) for o in outcomes],
                dtype=float,
            )
    return row


def _warn_non_finite(results: dict[str, Any], names: list[str], train: bool,
                     ran: np.ndarray) -> None:
    """scikit-learn's warning when a candidate that ran every fold has a non-finite mean."""
    for part in ("test", "train") if train else ("test",):
        for name in names:
            means = results[f"mean_{part}_{name}"]
            if not np.isfinite(means[ran]).all():
                warnings.warn(
                    f"One or more of the {part} scores are non-finite: {means}",
                    category=UserWarning, stacklevel=3,
                )


def _format_results(
    rows: list[dict[str, Any]], names: list[str], n_splits: int, train: bool
) -> dict[str, Any]:
    """``cv_results_`` as scikit-learn's searches build it, one row per trial of this fit."""
    results: dict[str, Any] = {}

    def store(key: str, splits: bool = False, rank: bool = False) -> None:
        array = np.array([r[key] for r in rows], dtype=np.float64).reshape(len(rows), n_splits)
        if splits:
            for k in range(n_splits):
                results[f"split{k}_{key}"] = array[:, k]
        means = array.mean(axis=1)
        results[f"mean_{key}"] = means
        results[f"std_{key}"] = np.sqrt(((array - means[:, None]) ** 2).mean(axis=1))
        if rank:
            if np.isnan(means).all():
                ranks = np.ones(len(means), dtype=np.int32)
            else:  # nan (failed or pruned) ties with the worst
                filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
                ranks = rankdata(-filled, method="min").astype(np.int32)
            results[f"rank_{key}"] = ranks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        store("fit_time")
        store("score_time")
        candidate_params = [r["params"] for r in rows]
        for key, masked in _param_arrays(candidate_params):
            results[key] = masked
        results["params"] = candidate_params
        for name in names:
            store(f"test_{name}", splits=True, rank=True)
            if train:
                store(f"train_{name}", splits=True)
    results["trial_number"] = np.array([r["number"] for r in rows], dtype=np.int64)
    return results


def _param_arrays(candidate_params: list[dict[str, Any]]):
    n = len(candidate_params)
    by_param: dict[str, dict[int, Any]] = defaultdict(dict)
    for i, params in enumerate(candidate_params):
        for name, value in params.items():
            by_param[f"param_{name}"][i] = value
    for key, values in by_param.items():
        try:
            arr = np.array(list(values.values()))
        except ValueError:
            dtype = np.dtype(object)
        else:
            dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else np.dtype(object)
        masked = MaskedArray(np.empty(n, dtype=dtype), mask=True)
        for i, value in values.items():
            masked[i] = value
        yield key, masked
