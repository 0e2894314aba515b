"""A fitted ``TuneSearchCV`` as an estimator: ``score``, ``predict`` and the other methods of the
refitted best estimator (each available only when it has it), ``classes_``,
``n_features_in_``, pickling without the study, the HTML diagram.

``SearchCVFitted`` is a base class of ``TuneSearchCV``.  Not here: fitting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.metadata_routing import process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from tunecycle.cycle.search_cv_scoring import _routing_enabled

if TYPE_CHECKING:
    from tunecycle.cycle.search_cv import TuneSearchCV


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


class SearchCVFitted:
    """What a fitted ``TuneSearchCV`` delegates to its best estimator."""

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
