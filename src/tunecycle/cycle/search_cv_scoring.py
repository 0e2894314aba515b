"""``TuneSearchCV``'s scorers and fit params: ``scoring`` as scikit-learn's scorers (one or
several metrics, the one ``refit`` names), and where ``fit``'s params go (the splitter, the
estimator, the scorers that take ``sample_weight``; with metadata routing on, the requests).

``SearchCVScoring`` is a base class of ``TuneSearchCV``.  Not here: the search itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from inspect import signature
from typing import Any

from sklearn import get_config
from sklearn.metrics import check_scoring
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing


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


_MULTI_REFIT = (
    "For multi-metric scoring, the parameter refit must be set to a scorer key or a "
    "callable to refit an estimator with the best parameter setting on the whole data "
    "and make the best_* attributes available for that metric. If this is not needed, "
    "refit should be set to False explicitly. {!r} was passed."
)


class SearchCVScoring:
    """The scorers and the routing of fit params of ``TuneSearchCV``."""

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
