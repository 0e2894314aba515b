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
proposed params and cross-validates it fold by fold with :func:`sklearn.model_selection.
cross_validate` (so a pruner can stop a trial after any fold); the mean test score of the
objective metric is told to the study (direction ``maximize``: scikit-learn scorers are
greater-is-better).

Supported:

- ``param_distributions``: a dict of estimator param name (``svc__C`` for pipelines) ->
  ``tc.Float`` / ``tc.Int`` / ``tc.Categorical`` (flat choices) or a plain list of choices.  A
  plain list may hold any objects (estimators, tuples, dicts): they are proposed by position.
  Not supported: scipy.stats distributions, a list of dicts, conditional categoricals.
- ``scoring``: None (the estimator's ``score``), a str, a callable, or several metrics as a
  list/tuple/set of names or a dict of name -> scorer.  With several metrics ``refit`` must
  name the metric that is optimised and selects ``best_*`` (or be False / a callable, which
  optimise the first metric), as in ``GridSearchCV``.
- ``refit``: True / False / a metric name / a callable ``cv_results_ -> best index``.
- ``error_score``: a number (nan by default) recorded for each failing fold, or ``"raise"``.
  A trial whose mean score is not finite is recorded as failed in the study.
- ``pruner``: a tunecycle pruner (name or object); it sees the running mean after each fold.
  The folds a pruned trial did not run are nan in ``cv_results_``.
- ``storage`` / ``study_name``: keep the trials in durable storage.  With a ``study_name``
  that exists in ``storage`` the study is continued (its sampler learns from earlier trials);
  ``cv_results_`` and ``best_*`` describe the trials of the latest ``fit`` only.
- ``timeout``: stop proposing new trials after that many seconds (fewer than ``n_trials``
  rows then).

- ``n_jobs``: trials at a time, in worker processes (``-1``: one per core); the folds of a
  trial run one after another in its worker.

Not supported yet: ``verbose``, ``pre_dispatch``,
``return_estimator``, and metadata routing of fit params to scorers (fit params go to the
estimator's ``fit``; ``groups`` goes to the splitter).
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv, cross_validate
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, indexable

from tunecycle.api import create_study
from tunecycle.errors import TrialPruned
from tunecycle.space import Categorical, Float, Int, Param, Space

_SCALARS = (type(None), bool, int, float, str)


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


class _Codec:
    """``param_distributions`` as a tunecycle space, and trial params back to estimator params
    (a plain list with non-scalar choices is proposed by the position of the choice)."""

    def __init__(self, distributions: Any):
        if not isinstance(distributions, Mapping):
            raise TypeError(
                "param_distributions: expected a dict of estimator param name -> tc.Float, "
                "tc.Int, tc.Categorical or a list of choices; got "
                f"{type(distributions).__name__} (a list of dicts is not supported)"
            )
        if not distributions:
            raise ValueError("param_distributions: give at least one parameter to tune")
        space: dict[str, Param] = {}
        self.by_index: dict[str, list[Any]] = {}
        for name, dist in distributions.items():
            if not isinstance(name, str) or not name or "." in name:
                raise ValueError(
                    f"param_distributions: {name!r} is not an estimator parameter name"
                )
            if isinstance(dist, Categorical):
                if dist.branches:
                    raise ValueError(
                        f"param_distributions[{name!r}]: conditional categoricals (choices "
                        "with sub-spaces) are not supported by TuneSearchCV"
                    )
                space[name] = dist
            elif isinstance(dist, (Float, Int)):
                space[name] = dist
            elif isinstance(dist, (list, tuple)):
                choices = list(dist)
                if not choices:
                    raise ValueError(f"param_distributions[{name!r}]: an empty list of choices")
                if all(isinstance(c, _SCALARS) for c in choices) and _distinct(choices):
                    space[name] = Categorical(choices)
                else:
                    self.by_index[name] = choices
                    space[name] = Categorical(list(range(len(choices))))
            else:
                raise TypeError(
                    f"param_distributions[{name!r}]: expected tc.Float, tc.Int, tc.Categorical "
                    f"or a list of choices, got {type(dist).__name__} (scipy.stats "
                    "distributions are not supported: use tc.Float(low, high, log=...))"
                )
        self.space = Space(space)

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: (self.by_index[k][v] if k in self.by_index else v) for k, v in params.items()
        }


def _distinct(choices: list[Any]) -> bool:
    keys = [(type(c).__name__, c) for c in choices]
    return len(set(keys)) == len(keys)


def _seed(random_state: Any) -> int | None:
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


_ROW = "cv_scores"  # trial user attribute: the per-fold scores and times of one candidate


def _row_of(trial: Any, codec: Any) -> dict[str, Any]:
    """One candidate's row of ``cv_results_`` from what its trial recorded."""
    stored = trial.user_attrs[_ROW]
    row = {k: np.asarray(v, dtype=float) for k, v in stored.items() if k != "failures"}
    return {"number": trial.number, "params": codec.decode(trial.params), **row}


class TuneSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search with cross-validation, driven by a tunecycle study.

    Parameters follow ``RandomizedSearchCV`` (``n_trials`` is its ``n_iter``); see the module
    docstring for what each accepts and what is not supported.  ``sampler`` and ``pruner`` are
    tunecycle names or objects (``"auto"``, ``"tpe"``, ``"gp"``, ``"random"``, ``"qmc"``, ...);
    ``random_state`` seeds the sampler, so a seeded search proposes the same candidates.
    ``n_jobs``: trials at a time in worker processes (``-1``: one per core).

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        tags.input_tags.pairwise = sub.input_tags.pairwise
        tags.input_tags.sparse = sub.input_tags.sparse
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

    def _scorers(self) -> tuple[Any, bool, str]:
        """(scorer or dict of scorers, multimetric, the metric the study optimises)."""
        scoring = self.scoring
        if scoring is None or isinstance(scoring, str) or callable(scoring):
            return check_scoring(self.estimator, scoring=scoring), False, "score"
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
        if isinstance(self.refit, str) and self.refit in scorers:
            return scorers, True, self.refit
        if self.refit is False or callable(self.refit):
            return scorers, True, next(iter(scorers))
        raise ValueError(
            "For multi-metric scoring, the parameter refit must be set to a scorer key or a "
            "callable to refit an estimator with the best parameter setting on the whole data "
            "and make the best_* attributes available for that metric. If this is not needed, "
            f"refit should be set to False explicitly. {self.refit!r} was passed."
        )

    # -- fit ---------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> TuneSearchCV:
        """Run the search, then (with ``refit``) fit the best configuration on all of ``X``.

        ``groups`` in ``fit_params`` goes to the cv splitter; the others to the estimator's
        ``fit``.
        """
        self._check_args()
        codec = _Codec(self.param_distributions)
        scorers, multimetric, objective_metric = self._scorers()
        groups = fit_params.pop("groups", None)
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        n_splits = len(splits)
        names = list(scorers) if multimetric else ["score"]
        error_score = self.error_score

        study = create_study(
            name=self.study_name, direction="maximize", sampler=self.sampler,
            storage=self.storage, seed=_seed(self.random_state),
            load_if_exists=self.study_name is not None,
            pruner=self.pruner if self.pruner is not None else "none",  # no pruning unless asked
        )
        first = max((t.number for t in study.trials), default=-1) + 1

        def objective(trial: Any) -> float:
            params = codec.decode(trial.params)
            nan = np.full(n_splits, np.nan)
            row = {
                "fit_time": nan.copy(), "score_time": nan.copy(),
                **{f"test_{n}": nan.copy() for n in names},
                **({f"train_{n}": nan.copy() for n in names} if self.return_train_score else {}),
            }
            failures: list[str] = []
            try:
                return fold_by_fold(trial, params, row, failures)
            finally:  # kept with the trial, so that it reaches this process from any worker
                trial.set_user_attr(_ROW, {**{k: v.tolist() for k, v in row.items()},
                                           "failures": failures})

        def fold_by_fold(trial: Any, params: dict[str, Any], row: dict[str, Any],
                         failures: list[str]) -> float:
            for k, (train, test) in enumerate(splits):
                est = clone(self.estimator).set_params(**clone(params, safe=False))
                start = time.perf_counter()
                try:
                    out = cross_validate(
                        est, X, y, scoring=scorers, cv=[(train, test)], params=fit_params,
                        return_train_score=self.return_train_score, error_score="raise",
                    )
                except Exception as exc:
                    if error_score == "raise":
                        raise
                    failures.append(f"{type(exc).__name__}: {exc}")
                    row["fit_time"][k] = time.perf_counter() - start
                    row["score_time"][k] = 0.0
                    for key in row:
                        if key.startswith(("test_", "train_")):
                            row[key][k] = error_score
                else:
                    row["fit_time"][k] = out["fit_time"][0]
                    row["score_time"][k] = out["score_time"][0]
                    for key in row:
                        if key.startswith(("test_", "train_")):
                            row[key][k] = out[key][0]
                running = float(np.mean(row[f"test_{objective_metric}"][: k + 1]))
                if k < n_splits - 1 and np.isfinite(running):
                    trial.report(running, k)
                    if trial.should_prune():
                        raise TrialPruned(f"pruned after fold {k}")
            return float(np.mean(row[f"test_{objective_metric}"]))

        study.optimize(objective, n_trials=int(self.n_trials), timeout=self.timeout,
                       space=codec.space, stop_on_error=error_score == "raise",
                       n_jobs=self.n_jobs or 1,
                       # scikit-learn's contract: every candidate runs; failures are
                       # summed up below (FitFailedWarning, or all of them failed)
                       max_consecutive_failures=0)
        mine = [t for t in study.trials if t.number >= first and _ROW in t.user_attrs]
        rows = [_row_of(t, codec) for t in mine]
        failures = [f for t in mine for f in t.user_attrs[_ROW]["failures"]]
        if not rows:
            raise ValueError(f"TuneSearchCV: study {study.name!r} ran no trial")
        n_fits = len(rows) * n_splits
        if failures:
            if len(failures) == n_fits:
                raise ValueError(
                    f"All the {n_fits} fits failed. It is very likely that your model is "
                    "misconfigured. You can try to debug the error by setting "
                    f"error_score='raise'. First error: {failures[0]}"
                )
            warnings.warn(
                f"{len(failures)} fits failed out of a total of {n_fits}. The score on these "
                f"train-test partitions for these parameters will be set to {error_score}. "
                f"First error: {failures[0]}",
                FitFailedWarning,
                stacklevel=2,
            )

        results = _format_results(rows, names, n_splits, self.return_train_score)
        self.multimetric_ = multimetric
        self.scorer_ = scorers
        self.n_splits_ = n_splits
        self.study_ = study
        self.cv_results_ = results

        if self.refit or not multimetric:
            if callable(self.refit):
                index = self.refit(results)
                if not isinstance(index, numbers.Integral):
                    raise TypeError("best_index_ returned is not an integer")
                if index < 0 or index >= len(rows):
                    raise IndexError("best_index_ index out of range")
                self.best_index_ = int(index)
            else:
                self.best_index_ = int(results[f"rank_test_{objective_metric}"].argmin())
                self.best_score_ = float(
                    results[f"mean_test_{objective_metric}"][self.best_index_]
                )
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
        metric with several metrics)."""
        _check_refit(self, "score")
        check_is_fitted(self)
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return scorer(self.best_estimator_, X, y, **params)

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
