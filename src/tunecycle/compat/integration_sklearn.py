"""Optuna's ``OptunaSearchCV`` (``optuna.integration.OptunaSearchCV``) on tunecycle's
:class:`~tunecycle.cycle.search_cv.TuneSearchCV`.

It takes Optuna's constructor arguments and maps them onto ``TuneSearchCV``'s:
``param_distributions`` holds Optuna's distributions, which are tunecycle's ``Float``,
``Int`` and ``Categorical`` (``tunecycle.distributions``); ``study`` (a tunecycle study made
to ``maximize``) is continued in its own storage with its sampler and pruner;
``enable_pruning=True`` prunes with the study's pruner, or the median rule without a study.

Deliberate differences: pruning stops a candidate between cross-validation folds (on the
running mean of the fold scores), not between ``partial_fit`` iterations, so the estimator
needs no ``partial_fit`` and ``max_iter`` is not used; ``subsample`` must be 1.0 (every trial
sees all the rows); ``catch`` is accepted and not used (a failing fit scores
``error_score``, as in scikit-learn's searches).

Fitted attributes: those of ``TuneSearchCV`` (``cv_results_``, ``best_params_``,
``best_score_``, ``best_estimator_``, ``study_``, ...) and Optuna's ``best_trial_``,
``trials_``, ``n_trials_``, ``user_attrs_``, ``sample_indices_``, ``trials_dataframe()``.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunecycle.compat.plot_inputs import direction_of
from tunecycle.cycle.search_cv import TuneSearchCV
from tunecycle.records import Direction

#: TuneSearchCV's own constructor arguments and their defaults (read, not copied, so that new
#: ones added there keep their defaults here)
_BASE = {name: p.default for name, p in inspect.signature(TuneSearchCV.__init__).parameters.items()
         if name != "self" and p.default is not inspect.Parameter.empty}


class OptunaSearchCV(TuneSearchCV):
    """Hyperparameter search with cross-validation under Optuna's name and arguments (see the
    module docstring)."""

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        cv: Any = None,
        enable_pruning: bool = False,
        error_score: Any = np.nan,
        max_iter: int = 1000,
        n_jobs: int | None = None,
        n_trials: int | None = 10,
        random_state: Any = None,
        refit: Any = True,
        return_train_score: bool = False,
        scoring: Any = None,
        study: Any = None,
        subsample: float | int = 1.0,
        timeout: float | None = None,
        verbose: int = 0,
        callbacks: Sequence[Any] | None = None,
        catch: Any = (),
    ):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.cv = cv
        self.enable_pruning = enable_pruning
        self.error_score = error_score
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.n_trials = n_trials
        self.random_state = random_state
        self.refit = refit
        self.return_train_score = return_train_score
        self.scoring = scoring
        self.study = study
        self.subsample = subsample
        self.timeout = timeout
        self.verbose = verbose
        self.callbacks = callbacks
        self.catch = catch

    # -- TuneSearchCV's arguments, from Optuna's -------------------------------------------------
    @property
    def sampler(self) -> Any:
        return self.study.sampler if self.study is not None else _BASE.get("sampler", "auto")

    @property
    def pruner(self) -> Any:
        if not self.enable_pruning:
            return "none"  # explicit: not the study default (Optuna's median rule)
        if self.study is not None and type(self.study.pruner).__name__ != "NopPruner":
            return self.study.pruner
        return "median"

    @property
    def storage(self) -> Any:
        return self.study.storage if self.study is not None else None

    @property
    def study_name(self) -> str | None:
        return self.study.name if self.study is not None else None

    def __getattr__(self, name: str) -> Any:
        # an argument TuneSearchCV has and Optuna's OptunaSearchCV does not: its default
        if name in _BASE and not name.startswith("_"):
            return _BASE[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_optuna_args(self) -> None:
        if not (self.subsample == 1.0 or self.subsample is None):
            raise ValueError(f"subsample: tunecycle's OptunaSearchCV cross-validates every "
                             f"trial on all the rows; only 1.0 is supported, got "
                             f"{self.subsample!r}")
        if self.n_trials is None:
            raise ValueError("n_trials: None (run until timeout) is not supported; give a "
                             "number of trials")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, numbers.Integral) \
                or self.max_iter < 1:
            raise ValueError(f"max_iter: must be a positive integer, got {self.max_iter!r}")
        if self.study is not None:
            if not hasattr(self.study, "trials") or not hasattr(self.study, "storage"):
                raise ValueError(f"study: expected a tunecycle study, got "
                                 f"{type(self.study).__name__}")
            dirs = [direction_of(d) for d in self.study.directions]
            if dirs != [Direction.MAXIMIZE]:
                raise ValueError("study: OptunaSearchCV maximizes the score; create the study "
                                 "with direction='maximize'")
        if self.callbacks and "callbacks" not in _BASE:
            raise ValueError("callbacks: not supported by this version of TuneSearchCV")

    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> OptunaSearchCV:
        """Run the search (``groups`` goes to the cv splitter, ``fit_params`` to the
        estimator's ``fit``)."""
        self._check_optuna_args()
        if groups is not None:
            fit_params["groups"] = groups
        super().fit(X, y, **fit_params)
        self.sample_indices_ = np.arange(len(X) if hasattr(X, "__len__") else X.shape[0])
        return self

    # -- Optuna's fitted attributes ---------------------------------------------------------------
    @property
    def trials_(self) -> list[Any]:
        return list(self.study_.trials)

    @property
    def n_trials_(self) -> int:
        return len(self.trials_)

    @property
    def best_trial_(self) -> Any:
        return self.study_.best_trial

    @property
    def user_attrs_(self) -> dict[str, Any]:
        return dict(self.study_.user_attrs)

    def trials_dataframe(self, *args: Any, **kwargs: Any) -> Any:
        """The study's trials as a pandas DataFrame."""
        frame = getattr(self.study_, "trials_dataframe", None)
        return frame(*args, **kwargs) if frame is not None else self.study_.to_dataframe()

    def set_user_attr(self, key: str, value: Any) -> None:
        self.study_.set_user_attr(key, value)
