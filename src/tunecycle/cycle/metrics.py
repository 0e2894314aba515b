"""Metrics by name, computed by ``sklearn.metrics``: what a trial is scored with, and the final test.

Each :class:`Metric` records its task, whether greater is better and whether it needs predicted
probabilities, and scores a *fitted* estimator with ``metric.score(estimator, X, y)``.  Values
are the metric's natural value, never negated: ``rmse`` and ``log_loss`` are positive and
``greater_is_better=False`` (``metric.direction == "minimize"``), unlike scikit-learn's
``neg_*`` scorers.

| task | metrics (first = :func:`default_metric`) |
|---|---|
| classification | ``accuracy``, ``balanced_accuracy``, ``f1_macro``, ``f1_weighted``, ``log_loss`` and ``roc_auc`` (probabilities; ``roc_auc`` is one-vs-rest for more than two classes) |
| regression | ``rmse``, ``mae``, ``r2`` |
| clustering | ``silhouette`` (needs only X; computed in the space the model clusters in, after the pipeline's preprocessing; over a seeded sample of ``SILHOUETTE_MAX_ROWS`` rows on larger sets), ``adjusted_rand`` (needs the true labels as ``y``) |

Cluster assignments come from ``estimator.predict(X)``; a clusterer without ``predict``
(DBSCAN, agglomerative) is refitted on a clone with ``fit_predict(X)``.  Probability metrics
use ``estimator.classes_`` for the column order, so a validation fold that lacks a class still
scores.  When a value cannot be computed (a metric of another task, probabilities from a model
without ``predict_proba``, ROC AUC on a single class, one cluster for the silhouette) a
:class:`~tunecycle.cycle.errors.MetricError` says why.

Besides these names, :func:`get_metric` takes any scikit-learn scorer name
(``"neg_log_loss"``; its value is the scorer's, greater-is-better) and :func:`as_metric` a
scorer object (``make_scorer(...)``: one with ``greater_is_better=False`` is reported by its
natural value and minimised) or a callable ``scorer(estimator, X, y) -> float``.

Deliberately not here: no metric is reimplemented (each is one call into ``sklearn.metrics``),
no predictions are cached between metrics, and nothing about which metric a study should
optimise beyond the task's default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np
from sklearn import metrics as skm
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from tunecycle.cycle.data.dataset import TASKS, Task
from tunecycle.cycle.errors import MetricError

#: the silhouette of more rows than this is computed on a seeded sample of this many rows
SILHOUETTE_MAX_ROWS = 10_000

ScoreFunc = Callable[[Any, Any, Any], float]


@dataclass(frozen=True)
class Metric:
    """One named metric; ``score(estimator, X, y)`` computes it for a fitted estimator."""

    name: str
    task: Task
    greater_is_better: bool
    needs_proba: bool
    func: ScoreFunc = field(repr=False, compare=False)
    needs_y: bool = True

    @property
    def direction(self) -> Literal["maximize", "minimize"]:
        """The study direction that optimises this metric."""
        return "maximize" if self.greater_is_better else "minimize"

    def score(self, estimator: Any, X: Any, y: Any = None) -> float:
        """The metric's value for a fitted ``estimator`` on ``X`` (and true ``y``)."""
        if self.needs_proba and not hasattr(estimator, "predict_proba"):
            raise MetricError(
                f"{self.name}: needs predicted probabilities, but {type(estimator).__name__} "
                "has no predict_proba (an SVC needs probability=True)"
            )
        if self.needs_y and y is None:
            what = "the true cluster labels" if self.task == "clustering" else "the true target"
            raise MetricError(f"{self.name}: needs {what} as y, got None")
        return float(self.func(estimator, X, y))


def _sk(name: str, call: Callable[[], Any]) -> float:
    """Run one sklearn.metrics call.  A ValueError (data it cannot score), or the NaN it returns
    for an undefined value (after its own warning, which says why), becomes a MetricError.
    """
    try:
        value = float(call())
    except ValueError as exc:
        raise MetricError(f"{name}: cannot be computed here: {exc}") from None
    if math.isnan(value):
        raise MetricError(
            f"{name}: cannot be computed here: scikit-learn found it undefined for these rows "
            "(for example a single class in y)"
        )
    return value


def _classes(estimator: Any) -> np.ndarray:
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        raise MetricError(
            f"estimator: {type(estimator).__name__} has no classes_; is it a fitted classifier?"
        )
    return np.asarray(classes)


# -- classification --------------------------------------------------------------------------


def _accuracy(est: Any, X: Any, y: Any) -> float:
    return _sk("accuracy", lambda: skm.accuracy_score(y, est.predict(X)))


def _balanced_accuracy(est: Any, X: Any, y: Any) -> float:
    return _sk("balanced_accuracy", lambda: skm.balanced_accuracy_score(y, est.predict(X)))


def _f1(est: Any, X: Any, y: Any, *, average: str) -> float:
    return _sk(
        f"f1_{average}",
        lambda: skm.f1_score(y, est.predict(X), average=average, zero_division=0.0),
    )


def _log_loss(est: Any, X: Any, y: Any) -> float:
    classes = _classes(est)
    return _sk("log_loss", lambda: skm.log_loss(y, est.predict_proba(X), labels=classes))


def _roc_auc(est: Any, X: Any, y: Any) -> float:
    classes = _classes(est)
    proba = est.predict_proba(X)
    if len(classes) == 2:  # probability of classes_[1], the positive class
        positive = np.asarray(y) == classes[1]
        return _sk("roc_auc", lambda: skm.roc_auc_score(positive, proba[:, 1]))
    return _sk(
        "roc_auc",
        lambda: skm.roc_auc_score(y, proba, multi_class="ovr", labels=classes),
    )


# -- regression ------------------------------------------------------------------------------


def _rmse(est: Any, X: Any, y: Any) -> float:
    return _sk("rmse", lambda: skm.root_mean_squared_error(y, est.predict(X)))


def _mae(est: Any, X: Any, y: Any) -> float:
    return _sk("mae", lambda: skm.mean_absolute_error(y, est.predict(X)))


def _r2(est: Any, X: Any, y: Any) -> float:
    return _sk("r2", lambda: skm.r2_score(y, est.predict(X)))


# -- clustering ------------------------------------------------------------------------------


def cluster_labels(estimator: Any, X: Any) -> np.ndarray:
    """Cluster assignments of ``X``: ``predict``, else ``fit_predict`` on a clone."""
    if hasattr(estimator, "predict"):
        return np.asarray(estimator.predict(X))
    if hasattr(estimator, "fit_predict"):
        return np.asarray(clone(estimator).fit_predict(X))
    raise MetricError(f"estimator: {type(estimator).__name__} has neither predict nor fit_predict")


def _model_space(estimator: Any, X: Any) -> Any:
    """``X`` as the final step of a pipeline sees it (after preprocessing)."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1].transform(X)
    return X


def _silhouette(est: Any, X: Any, y: Any) -> float:
    labels = cluster_labels(est, X)
    features = _model_space(est, X)
    sample = SILHOUETTE_MAX_ROWS if len(labels) > SILHOUETTE_MAX_ROWS else None
    return _sk(
        "silhouette",
        lambda: skm.silhouette_score(features, labels, sample_size=sample, random_state=0),
    )


def _adjusted_rand(est: Any, X: Any, y: Any) -> float:
    return _sk("adjusted_rand", lambda: skm.adjusted_rand_score(y, cluster_labels(est, X)))


# -- the registry ----------------------------------------------------------------------------

_ALL = (
    Metric("accuracy", "classification", True, False, _accuracy),
    Metric("balanced_accuracy", "classification", True, False, _balanced_accuracy),
    Metric("f1_macro", "classification", True, False, partial(_f1, average="macro")),
    Metric("f1_weighted", "classification", True, False, partial(_f1, average="weighted")),
    Metric("log_loss", "classification", False, True, _log_loss),
    Metric("roc_auc", "classification", True, True, _roc_auc),
    Metric("rmse", "regression", False, False, _rmse),
    Metric("mae", "regression", False, False, _mae),
    Metric("r2", "regression", True, False, _r2),
    Metric("silhouette", "clustering", True, False, _silhouette, needs_y=False),
    Metric("adjusted_rand", "clustering", True, False, _adjusted_rand),
)
#: every metric by name; names are unique across tasks
METRICS: dict[str, Metric] = {m.name: m for m in _ALL}
_DEFAULTS: dict[str, str] = {
    "classification": "accuracy",
    "regression": "rmse",
    "clustering": "silhouette",
}


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise MetricError(f"{task!r} is not one of {', '.join(TASKS)}", field="task")


def metric_names(task: Task) -> list[str]:
    """The names of the metrics of ``task``, default first."""
    _check_task(task)
    return [m.name for m in _ALL if m.task == task]


def get_metric(name: str, task: Task) -> Metric:
    """The metric called ``name`` for ``task``: one of ours, else a scikit-learn scorer name
    (``"neg_log_loss"``, ``"average_precision"``, ...); the error lists the valid names."""
    valid = metric_names(task)
    metric = METRICS.get(name)
    if metric is None and isinstance(name, str) and name in _sklearn_scorer_names():
        return _scorer_metric(skm.get_scorer(name), task, name=name)
    if metric is None or metric.task != task:
        also = f" ({name!r} is a {metric.task} metric)" if metric is not None else ""
        raise MetricError(
            f"{name!r} is not a {task} metric{also}; choose one of {', '.join(valid)} "
            "or a scikit-learn scorer name (sklearn.metrics.get_scorer_names())",
            field="metric",
        )
    return metric


def is_scorer_name(name: Any) -> bool:
    """Whether scikit-learn knows ``name`` as a scorer (and we have no metric of that name)."""
    return isinstance(name, str) and name not in METRICS and name in _sklearn_scorer_names()


def _sklearn_scorer_names() -> set[str]:
    return set(skm.get_scorer_names())


def as_metric(metric: Any, task: Task) -> Metric:
    """``metric`` as a :class:`Metric` of ``task``: a name (:func:`get_metric`), a scikit-learn
    scorer (``make_scorer(...)``, ``get_scorer(...)``) or a callable ``scorer(estimator, X, y)
    -> float``.  A scorer made with ``greater_is_better=False`` is reported by its natural value
    and minimised; any other callable is greater-is-better, as scikit-learn's scorers are."""
    _check_task(task)
    if isinstance(metric, str):
        return get_metric(metric, task)
    if callable(metric):
        return _scorer_metric(metric, task)
    raise MetricError(
        "expected a metric name, a scikit-learn scorer (make_scorer(...)) or a "
        f"callable scorer(estimator, X, y) -> float, got {metric!r} "
        f"(of type {type(metric).__name__})",
        field="metric",
    )


def _call_scorer(scorer: Any, sign: int, name: str, estimator: Any, X: Any, y: Any) -> float:
    value = scorer(estimator, X) if y is None else scorer(estimator, X, y)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise MetricError(
            f"the scorer {name!r} must return a number, got {value!r} "
            f"(of type {type(value).__name__})",
            field="metric",
        )
    return sign * float(value)


def _scorer_metric(scorer: Any, task: Task, name: str | None = None) -> Metric:
    """A Metric that calls a scikit-learn scorer (or any ``scorer(estimator, X, y)``)."""
    score_func = getattr(scorer, "_score_func", None)
    sign = int(getattr(scorer, "_sign", 1)) if score_func is not None and name is None else 1
    if name is None:
        source = score_func if score_func is not None else scorer
        name = getattr(source, "__name__", None) or type(source).__name__
        if name == "<lambda>":
            name = "scorer"
        if name in METRICS:  # not our metric of that name: keep the two apart
            name = f"{name}_scorer"
    response = getattr(scorer, "_response_method", ())
    response = (response,) if isinstance(response, str) else tuple(response or ())
    return Metric(
        name=name,
        task=task,
        greater_is_better=sign > 0,
        needs_proba=response == ("predict_proba",),
        func=partial(_call_scorer, scorer, sign, name),
        needs_y=task != "clustering",
    )


def default_metric(task: Task) -> Metric:
    """accuracy, rmse or silhouette."""
    _check_task(task)
    return METRICS[_DEFAULTS[task]]


def evaluate(
    estimator: Any, X: Any, y: Any, task: Task, names: Iterable[str] | str | None = None
) -> dict[str, float]:
    """``{name: value}`` for each of ``names`` (the task's default metric when ``None``).

    All names are checked before anything is computed.
    """
    if names is None:
        names = [default_metric(task).name]
    elif isinstance(names, str):
        names = [names]
    chosen = [get_metric(name, task) for name in names]
    return {m.name: m.score(estimator, X, y) for m in chosen}


def confusion(estimator: Any, X: Any, y: Any) -> dict[str, Any]:
    """The confusion matrix of a fitted classifier on ``(X, y)``, JSON-safe.

    ``{"labels": [...], "matrix": [[...]], "rows": "true", "columns": "predicted"}``: the labels
    are the estimator's classes plus any others in ``y``, sorted; ``matrix[i][j]`` counts rows of
    true class ``labels[i]`` predicted as ``labels[j]``.
    """
    predicted = np.asarray(estimator.predict(X))
    truth = np.asarray(y)
    known = getattr(estimator, "classes_", None)
    parts = [truth, predicted] + ([np.asarray(known)] if known is not None else [])
    try:
        labels = np.unique(np.concatenate(parts))
    except TypeError:
        raise MetricError("y: the true and predicted labels cannot be sorted together") from None
    matrix = skm.confusion_matrix(truth, predicted, labels=labels)
    return {
        "labels": labels.tolist(),
        "matrix": matrix.tolist(),
        "rows": "true",
        "columns": "predicted",
    }
