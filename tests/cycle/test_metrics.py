"""Tests of tunecycle.cycle.metrics: agreement with scikit-learn, sign conventions, errors."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.cluster import DBSCAN, KMeans
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC

from tunecycle.cycle.data import load_data
from tunecycle.cycle.errors import MetricError
from tunecycle.cycle.metrics import (
    METRICS,
    confusion,
    default_metric,
    evaluate,
    get_metric,
    metric_names,
)
from tunecycle.cycle.preprocess import make_pipeline, make_preprocessor
from tunecycle.cycle.splits import split_test
from tunecycle.errors import UserError

# scikit-learn's scorer for each metric and its sign: +1 when the scorer is the metric itself,
# -1 for its neg_* scorers; greater_is_better must be exactly "sign is +1"
SKLEARN_SCORERS = {
    "accuracy": ("accuracy", 1),
    "balanced_accuracy": ("balanced_accuracy", 1),
    "f1_macro": ("f1_macro", 1),
    "f1_weighted": ("f1_weighted", 1),
    "log_loss": ("neg_log_loss", -1),
    "roc_auc": ("roc_auc_ovr", 1),
    "rmse": ("neg_root_mean_squared_error", -1),
    "mae": ("neg_mean_absolute_error", -1),
    "r2": ("r2", 1),
    "adjusted_rand": ("adjusted_rand_score", 1),
}


def fitted(source: str, model):
    """(pipeline fitted on the search part, test part) of a small data set."""
    search, test = split_test(load_data(source), test_size=0.3, seed=0)
    pipe = make_pipeline(make_preprocessor(search.X, scale=True), model)
    return pipe.fit(search.X, search.y), test


@pytest.fixture(scope="module")
def multiclass():
    return fitted("sklearn:iris", LogisticRegression(C=0.05, max_iter=500))


@pytest.fixture(scope="module")
def binary_strings():
    """A binary problem with string labels, where the positive class is "yes" (classes_[1])."""
    ds = load_data("sklearn:breast_cancer")
    labels = ds.y.map({0: "no", 1: "yes"})
    search, test = split_test(load_data((ds.X, labels)), test_size=0.3, seed=0)
    pipe = make_pipeline(make_preprocessor(search.X, scale=True), LogisticRegression(C=0.01))
    return pipe.fit(search.X, search.y), test


@pytest.fixture(scope="module")
def regression():
    return fitted("sklearn:diabetes", Ridge(alpha=1.0))


# -- agreement with scikit-learn -------------------------------------------------------------


@pytest.mark.parametrize("problem", ["multiclass", "binary_strings"])
@pytest.mark.parametrize("name", metric_names("classification"))
def test_classification_metrics_agree_with_sklearn_scorers(request, problem, name):
    model, test = request.getfixturevalue(problem)
    scorer, sign = SKLEARN_SCORERS[name]
    expected = sign * skm.get_scorer(scorer)(model, test.X, test.y)
    metric = get_metric(name, "classification")
    assert metric.score(model, test.X, test.y) == pytest.approx(expected, rel=1e-12)
    assert metric.greater_is_better == (sign == 1)
    assert metric.direction == ("maximize" if sign == 1 else "minimize")


def test_classification_metrics_agree_with_direct_calls(binary_strings):
    model, test = binary_strings
    pred, proba = model.predict(test.X), model.predict_proba(test.X)
    assert list(model.classes_) == ["no", "yes"]
    got = evaluate(model, test.X, test.y, "classification", metric_names("classification"))
    assert got == pytest.approx(
        {
            "accuracy": skm.accuracy_score(test.y, pred),
            "balanced_accuracy": skm.balanced_accuracy_score(test.y, pred),
            "f1_macro": skm.f1_score(test.y, pred, average="macro"),
            "f1_weighted": skm.f1_score(test.y, pred, average="weighted"),
            "log_loss": skm.log_loss(test.y, proba),
            "roc_auc": skm.roc_auc_score(test.y == "yes", proba[:, 1]),
        }
    )
    assert 0.9 < got["roc_auc"] <= 1 and got["log_loss"] > 0


@pytest.mark.parametrize("name", metric_names("regression"))
def test_regression_metrics_agree_with_sklearn_scorers(regression, name):
    model, test = regression
    scorer, sign = SKLEARN_SCORERS[name]
    expected = sign * skm.get_scorer(scorer)(model, test.X, test.y)
    metric = get_metric(name, "regression")
    assert metric.score(model, test.X, test.y) == pytest.approx(expected, rel=1e-12)
    assert metric.greater_is_better == (sign == 1)
    pred = model.predict(test.X)
    direct = {
        "rmse": np.sqrt(skm.mean_squared_error(test.y, pred)),
        "mae": skm.mean_absolute_error(test.y, pred),
        "r2": skm.r2_score(test.y, pred),
    }[name]
    assert metric.score(model, test.X, test.y) == pytest.approx(direct)


# -- sign conventions: a real model beats a dummy in the metric's own direction ---------------


@pytest.mark.parametrize("name", metric_names("classification"))
def test_better_classifier_wins_in_the_metrics_direction(multiclass, name):
    model, test = multiclass
    search = load_data("sklearn:iris")
    dummy = DummyClassifier(strategy="prior").fit(search.X, search.y)
    metric = get_metric(name, "classification")
    good, bad = metric.score(model, test.X, test.y), metric.score(dummy, test.X, test.y)
    assert (good > bad) if metric.greater_is_better else (good < bad)


@pytest.mark.parametrize("name", metric_names("regression"))
def test_better_regressor_wins_in_the_metrics_direction(regression, name):
    model, test = regression
    dummy = DummyRegressor().fit(test.X, test.y)  # even fitted on the test rows, it loses
    metric = get_metric(name, "regression")
    good, bad = metric.score(model, test.X, test.y), metric.score(dummy, test.X, test.y)
    assert (good > bad) if metric.greater_is_better else (good < bad)
    assert metric.score(model, test.X, test.y) >= 0 or name == "r2"  # never negated


# -- classification edge cases ---------------------------------------------------------------


def test_probability_metrics_on_a_fold_without_a_class(multiclass):
    model, test = multiclass
    keep = (test.y != 2).to_numpy()  # the fold lacks class 2; the model still knows it
    X, y = test.X[keep], test.y[keep]
    proba = model.predict_proba(X)
    got = get_metric("log_loss", "classification").score(model, X, y)
    assert got == pytest.approx(skm.log_loss(y, proba, labels=[0, 1, 2]))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_roc_auc_on_a_single_class_is_a_metric_error(binary_strings):
    model, test = binary_strings
    only_yes = (test.y == "yes").to_numpy()
    with pytest.raises(MetricError, match=r"roc_auc: cannot be computed here"):
        get_metric("roc_auc", "classification").score(model, test.X[only_yes], test.y[only_yes])


def test_probability_metric_without_predict_proba():
    ds = load_data("sklearn:iris")
    svc = make_pipeline(make_preprocessor(ds.X, scale=True), SVC()).fit(ds.X, ds.y)
    with pytest.raises(MetricError, match=r"log_loss: needs predicted probabilities, .*Pipeline"):
        get_metric("log_loss", "classification").score(svc, ds.X, ds.y)
    assert get_metric("accuracy", "classification").score(svc, ds.X, ds.y) > 0.9


def test_supervised_metric_without_y(multiclass):
    model, test = multiclass
    with pytest.raises(MetricError, match=r"accuracy: needs the true target as y, got None"):
        get_metric("accuracy", "classification").score(model, test.X, None)


def test_confusion_is_json_safe_and_matches_sklearn(binary_strings, multiclass):
    model, test = binary_strings
    result = confusion(model, test.X, test.y)
    assert json.loads(json.dumps(result)) == result
    assert result["labels"] == ["no", "yes"]
    expected = skm.confusion_matrix(test.y, model.predict(test.X), labels=["no", "yes"])
    assert result["matrix"] == expected.tolist() and (result["rows"], result["columns"]) == (
        "true",
        "predicted",
    )
    model, test = multiclass
    keep = (test.y == 0).to_numpy()
    small = confusion(model, test.X[keep], test.y[keep])
    assert small["labels"] == [0, 1, 2]  # every class the model knows, even if absent here
    assert type(small["labels"][0]) is int and sum(map(sum, small["matrix"])) == keep.sum()


# -- clustering ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blobs():
    ds = load_data("sklearn:make_blobs?n_samples=120&centers=3&cluster_std=0.5")
    model = make_pipeline(
        make_preprocessor(ds.X, scale=True), KMeans(n_clusters=3, n_init=1, random_state=0)
    )
    return model.fit(ds.X), ds


def test_silhouette_is_computed_in_the_models_space(blobs):
    model, ds = blobs
    features = model.named_steps["preprocess"].transform(ds.X)
    expected = skm.silhouette_score(features, model.predict(ds.X))
    got = get_metric("silhouette", "clustering").score(model, ds.X)
    assert got == pytest.approx(expected) and got > 0.5


def test_adjusted_rand_agrees_with_sklearn(blobs):
    model, ds = blobs
    got = get_metric("adjusted_rand", "clustering").score(model, ds.X, ds.labels)
    assert got == pytest.approx(skm.adjusted_rand_score(ds.labels, model.predict(ds.X)))
    assert got == pytest.approx(skm.get_scorer("adjusted_rand_score")(model, ds.X, ds.labels))
    with pytest.raises(MetricError, match=r"adjusted_rand: needs the true cluster labels as y"):
        get_metric("adjusted_rand", "clustering").score(model, ds.X, None)


def test_clusterer_without_predict_is_scored_with_fit_predict(blobs):
    _, ds = blobs
    dbscan = make_pipeline(make_preprocessor(ds.X, scale=True), DBSCAN(eps=0.5)).fit(ds.X)
    assert not hasattr(dbscan, "predict")
    scores = evaluate(dbscan, ds.X, ds.labels, "clustering", ["silhouette", "adjusted_rand"])
    labels = dbscan.named_steps["model"].labels_
    assert scores["adjusted_rand"] == pytest.approx(skm.adjusted_rand_score(ds.labels, labels))


def test_silhouette_of_one_cluster_is_a_metric_error():
    X = pd.DataFrame({"a": np.linspace(0, 1, 20), "b": np.linspace(1, 2, 20)})
    one = KMeans(n_clusters=1, n_init=1, random_state=0).fit(X)
    with pytest.raises(MetricError, match=r"silhouette: cannot be computed here"):
        get_metric("silhouette", "clustering").score(one, X)


# -- the registry ----------------------------------------------------------------------------


def test_registry_names_and_defaults():
    assert metric_names("classification") == [
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "f1_weighted",
        "log_loss",
        "roc_auc",
    ]
    assert metric_names("regression") == ["rmse", "mae", "r2"]
    assert metric_names("clustering") == ["silhouette", "adjusted_rand"]
    assert [default_metric(t).name for t in ("classification", "regression", "clustering")] == [
        "accuracy",
        "rmse",
        "silhouette",
    ]
    assert {m.needs_proba for m in METRICS.values() if m.name in ("log_loss", "roc_auc")} == {True}
    assert sum(m.needs_proba for m in METRICS.values()) == 2


def test_get_metric_errors_list_the_valid_names():
    with pytest.raises(MetricError, match=r"metric: 'auc' is not a classification metric; "):
        get_metric("auc", "classification")
    with pytest.raises(
        MetricError,
        match=r"'rmse' is not a classification metric \('rmse' is a regression metric\); "
        r"choose one of accuracy, balanced_accuracy, f1_macro, f1_weighted, log_loss, roc_auc",
    ):
        get_metric("rmse", "classification")
    with pytest.raises(MetricError, match=r"task: 'ranking' is not one of"):
        default_metric("ranking")  # type: ignore[arg-type]
    assert issubclass(MetricError, UserError)


def test_evaluate_defaults_and_checks_names_first(regression):
    model, test = regression
    assert list(evaluate(model, test.X, test.y, "regression")) == ["rmse"]
    assert list(evaluate(model, test.X, test.y, "regression", "mae")) == ["mae"]
    with pytest.raises(MetricError, match=r"'accuracy' is not a regression metric"):
        evaluate(model, test.X, test.y, "regression", ["r2", "accuracy"])


def test_metrics_pickle_for_worker_processes(multiclass):
    model, test = multiclass
    for metric in METRICS.values():
        again = pickle.loads(pickle.dumps(metric))
        assert again == metric  # the score function is not compared, the record is
    f1 = pickle.loads(pickle.dumps(get_metric("f1_macro", "classification")))
    assert f1.score(model, test.X, test.y) == get_metric("f1_macro", "classification").score(
        model, test.X, test.y
    )
