"""Ensembles of the top trials of a finished study: soft voting, stacking, greedy selection.

The members are the ``size`` best complete trials with distinct configurations, each rebuilt as
the cycle builds a pipeline (preprocessing + model; classifiers with ``predict_proba``).  Every
fit uses only the *search* part of the data; the cycle scores the result on the test part once.

- ``voting``: a soft :class:`~sklearn.ensemble.VotingClassifier` (the mean of the members'
  predicted probabilities) or a :class:`~sklearn.ensemble.VotingRegressor` (the mean
  prediction), the members refitted on the whole search part.
- ``stacking``: each member's out-of-fold predictions on the search part (the search's own
  validation folds) are the features of a simple meta-learner (``LogisticRegression`` on the
  concatenated class probabilities, ``RidgeCV`` on the predictions); the members are then
  refitted on the whole search part and feed the meta-learner (:class:`StackedEnsemble`).
- ``selection``: greedy ensemble selection with replacement (Caruana et al., 2004, as in
  auto-sklearn): starting empty, each of ``rounds`` rounds adds the member whose addition gives
  the best value of the study's metric for the mean of the chosen members' out-of-fold
  predictions (ties: the better-ranked trial).  The weights are the counts; the model is a
  weighted voting ensemble of the chosen members refitted on the whole search part.

With a holdout scheme the out-of-fold predictions exist for the validation rows only; stacking
and selection use those rows.  Clustering has no ensembles here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.utils.metaestimators import available_if

from tunecycle.cycle.data.dataset import Dataset
from tunecycle.cycle.metrics import Metric
from tunecycle.errors import UserError

#: the kinds of ensemble ``tune(ensemble=...)`` builds
ENSEMBLE_KINDS = ("voting", "stacking", "selection")
#: what the cycle saves: the single best model, or the ensemble
KEEP_CHOICES = ("best", "ensemble")
#: rounds of greedy ensemble selection (the weights sum to this)
SELECTION_ROUNDS = 25


@dataclass(frozen=True)
class Ensemble:
    """A fitted ensemble: its kind, the model, and its members' trial numbers and weights."""

    kind: str
    model: Any
    members: list[int]  # trial numbers, best first
    weights: list[float]  # one per member; selection: how often it was chosen (0: never)

    def describe(self) -> dict[str, Any]:
        """JSON-safe ``{"kind", "members", "weights"}``."""
        return {"kind": self.kind, "members": list(self.members), "weights": list(self.weights)}


def check_ensemble(kind: str | None, size: Any, keep: str, task: str | None = None) -> None:
    """Refuse an unknown kind, a size that is not a positive integer, an unknown ``keep``, or an
    ensemble for clustering, with a :class:`~tunecycle.errors.UserError` naming the argument."""
    if kind is None:
        if keep != "best":
            raise UserError("'ensemble' needs an ensemble (ensemble=...)", field="ensemble_keep")
        return
    if kind not in ENSEMBLE_KINDS:
        raise UserError(f"{kind!r} is not one of {', '.join(ENSEMBLE_KINDS)} (or None)",
                        field="ensemble")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise UserError(f"must be a positive integer, got {size!r}", field="ensemble_size")
    if keep not in KEEP_CHOICES:
        raise UserError(f"{keep!r} is not one of {', '.join(KEEP_CHOICES)}", field="ensemble_keep")
    if task == "clustering":
        raise UserError("ensembles are not supported for clustering; leave it out",
                        field="ensemble")


def top_trials(study: Any, size: int) -> list[Any]:
    """The ``size`` best complete trials, best first, one per distinct configuration."""
    done = [t for t in study.get_trials(states=["complete"]) if t.value is not None]
    maximize = study.direction.value == "maximize"
    done.sort(key=lambda t: (-t.value if maximize else t.value, t.number))
    chosen, seen = [], set()
    for t in done:
        key = json.dumps(dict(t.params), sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            chosen.append(t)
        if len(chosen) == size:
            break
    if not chosen:
        raise UserError("ensemble: the study has no complete trial to build an ensemble from")
    return chosen


def build_ensemble(
    kind: str,
    trials: Sequence[Any],
    search: Dataset,
    folds: list,
    metric: Metric,
    make_pipeline: Callable[[dict[str, Any]], Any],
    rounds: int = SELECTION_ROUNDS,
) -> Ensemble:
    """Fit a ``kind`` ensemble of ``trials`` on ``search`` (never anything else).

    ``make_pipeline(params)`` gives a member's unfitted pipeline; ``folds`` are the search's
    ``(train, valid)`` positions in ``search``, for the out-of-fold predictions.
    """
    check_ensemble(kind, len(trials), "best", search.task)
    classify = search.task == "classification"
    numbers = [t.number for t in trials]
    names = [f"trial_{n}" for n in numbers]
    pipes = [make_pipeline(dict(t.params)) for t in trials]
    voting = VotingClassifier if classify else VotingRegressor
    extra = {"voting": "soft"} if classify else {}

    if kind == "voting":
        model = voting(list(zip(names, pipes)), **extra)
        return Ensemble(kind, _fit(model, search), numbers, [1.0] * len(pipes))

    classes = np.unique(search.y.to_numpy()) if classify else None
    oof, rows = out_of_fold(pipes, search, folds, classes)
    truth = search.y.to_numpy()[rows]
    if kind == "stacking":
        features = np.concatenate([p.reshape(len(rows), -1) for p in oof], axis=1)
        meta = (LogisticRegression(max_iter=1000) if classify
                else RidgeCV(alphas=np.logspace(-3, 3, 13)))
        meta.fit(features, truth)
        members = [_fit(clone(p), search) for p in pipes]
        weights = _meta_weights(meta, len(pipes))
        return Ensemble(kind, StackedEnsemble(members, meta, classes), numbers, weights)

    counts = caruana_selection(oof, truth, metric, classes, rounds)
    kept = [i for i, c in enumerate(counts) if c > 0]
    model = voting([(names[i], pipes[i]) for i in kept], weights=[counts[i] for i in kept],
                   **extra)
    return Ensemble(kind, _fit(model, search), numbers, [float(c) for c in counts])


def _fit(model: Any, part: Dataset) -> Any:
    return model.fit(part.X, part.y)


def out_of_fold(pipes: Sequence[Any], search: Dataset, folds: list,
                classes: np.ndarray | None) -> tuple[list[np.ndarray], np.ndarray]:
    """Each member's predictions for the rows of ``search`` it was not trained on.

    Returns ``(predictions, rows)``: one array per member (class probabilities in ``classes``
    order for a classifier, predictions for a regressor) over the positions ``rows`` that some
    fold validates (all of them for k-fold, the validation rows for holdout).
    """
    rows = np.unique(np.concatenate([valid for _, valid in folds]))
    where = {r: i for i, r in enumerate(rows)}
    out = []
    for pipe in pipes:
        shape = (len(rows), len(classes)) if classes is not None else (len(rows),)
        pred = np.zeros(shape)
        for train, valid in folds:
            fitted = _fit(clone(pipe), search.take(train))
            at = [where[r] for r in valid]
            X = search.take(valid).X
            if classes is None:
                pred[at] = fitted.predict(X)
            else:  # a class missing from a training fold keeps probability 0
                cols = np.searchsorted(classes, fitted.classes_)
                pred[np.ix_(at, cols)] = fitted.predict_proba(X)
        out.append(pred)
    return out, rows


class _Predictions:
    """Stands in for a fitted estimator whose predictions are already known, so that a
    :class:`Metric` can score them (``X`` is ignored)."""

    def __init__(self, pred: np.ndarray, classes: np.ndarray | None) -> None:
        self.pred = pred
        if classes is not None:
            self.classes_ = classes
            self.predict_proba = lambda X: pred

    def predict(self, X: Any) -> np.ndarray:
        if hasattr(self, "classes_"):
            return self.classes_[np.argmax(self.pred, axis=1)]
        return self.pred


def caruana_selection(oof: Sequence[np.ndarray], truth: np.ndarray, metric: Metric,
                      classes: np.ndarray | None, rounds: int = SELECTION_ROUNDS) -> list[int]:
    """Greedy ensemble selection with replacement; returns how often each member was chosen.

    Each round adds the member that gives the best ``metric`` for the mean of the chosen
    members' out-of-fold predictions (the first, i.e. best-ranked, member on ties).
    """
    if rounds < 1:
        raise UserError(f"rounds: must be a positive integer, got {rounds!r}")
    counts = [0] * len(oof)
    total = np.zeros_like(oof[0])
    sign = 1.0 if metric.greater_is_better else -1.0
    for k in range(1, rounds + 1):
        best, best_score = 0, -np.inf
        for i, pred in enumerate(oof):
            value = sign * metric.score(_Predictions((total + pred) / k, classes), None, truth)
            if value > best_score:
                best, best_score = i, value
        counts[best] += 1
        total = total + oof[best]
    return counts


def _meta_weights(meta: Any, n_members: int) -> list[float]:
    """Each member's share of the meta-learner's absolute coefficients (for the record)."""
    coef = np.abs(np.atleast_2d(np.asarray(meta.coef_, dtype=float)))
    per = coef.reshape(coef.shape[0], n_members, -1).sum(axis=(0, 2))
    return [float(w) for w in per / per.sum()] if per.sum() > 0 else [1.0 / n_members] * n_members


class StackedEnsemble:
    """Fitted members whose predictions (class probabilities, for a classifier) are the
    features of a fitted meta-learner."""

    def __init__(self, members: list[Any], meta: Any, classes: np.ndarray | None) -> None:
        self.members = members
        self.meta = meta
        if classes is not None:
            self.classes_ = np.asarray(meta.classes_)

    def _features(self, X: Any) -> np.ndarray:
        parts = []
        for member in self.members:
            if hasattr(self, "classes_"):
                proba = np.zeros((len(X), len(self.classes_)))
                proba[:, np.searchsorted(self.classes_, member.classes_)] = member.predict_proba(X)
                parts.append(proba)
            else:
                parts.append(np.asarray(member.predict(X), dtype=float).reshape(len(X), 1))
        return np.concatenate(parts, axis=1)

    def predict(self, X: Any) -> np.ndarray:
        return self.meta.predict(self._features(X))

    @available_if(lambda self: hasattr(self, "classes_"))
    def predict_proba(self, X: Any) -> np.ndarray:
        return self.meta.predict_proba(self._features(X))
