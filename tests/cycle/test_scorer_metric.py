"""``tc.tune(metric=...)`` with scikit-learn scorers: names, scorer objects and callables."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, get_scorer, make_scorer, mean_absolute_error

from tunecycle.cycle.config import load_config
from tunecycle.cycle.errors import MetricError
from tunecycle.cycle.metrics import as_metric, get_metric
from tunecycle.cycle.runner import tune


def macro_f1(estimator, X, y):
    return f1_score(y, estimator.predict(X), average="macro")


@pytest.fixture(scope="module")
def iris_model():
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(X, y), X, y


def test_a_scorer_object_keeps_its_natural_value_and_direction():
    X, y = load_diabetes(return_X_y=True)
    model = Ridge().fit(X, y)
    scorer = make_scorer(mean_absolute_error, greater_is_better=False)
    metric = as_metric(scorer, "regression")
    assert metric.name == "mean_absolute_error" and metric.direction == "minimize"
    value = metric.score(model, X, y)
    assert value == pytest.approx(mean_absolute_error(y, model.predict(X))) and value > 0
    assert value == pytest.approx(-scorer(model, X, y))


def test_a_callable_is_greater_is_better_and_named_after_its_function(iris_model):
    model, X, y = iris_model
    metric = as_metric(macro_f1, "classification")
    assert metric.name == "macro_f1" and metric.direction == "maximize"
    assert metric.score(model, X, y) == pytest.approx(macro_f1(model, X, y))
    named = as_metric(lambda est, X, y: 0.5, "classification")
    assert named.name == "scorer"


def test_a_scorer_name_scikit_learn_knows_is_a_metric(iris_model):
    model, X, y = iris_model
    metric = get_metric("neg_log_loss", "classification")
    assert metric.name == "neg_log_loss" and metric.direction == "maximize"
    assert metric.needs_proba
    assert metric.score(model, X, y) == pytest.approx(get_scorer("neg_log_loss")(model, X, y))
    # our own names keep their meaning (natural values, never negated)
    assert get_metric("accuracy", "classification").func is not metric.func


def test_bad_metrics_name_the_field():
    with pytest.raises(
        MetricError,
        match=r"metric: 'no_such' is not a classification metric.*"
        "scikit-learn scorer name",
    ):
        as_metric("no_such", "classification")
    with pytest.raises(MetricError, match="metric: expected a metric name, a scikit-learn scorer"):
        as_metric(3, "classification")
    bad = as_metric(lambda est, X, y: "high", "classification")
    model = LogisticRegression(max_iter=500).fit(*load_iris(return_X_y=True))
    with pytest.raises(MetricError, match="metric: the scorer 'scorer' must return a number"):
        bad.score(model, *load_iris(return_X_y=True))


def test_tune_with_a_scorer_object_minimises_and_reports_it():
    scorer = make_scorer(mean_absolute_error, greater_is_better=False)
    result = tune(
        "sklearn:diabetes", model="linear", metric=scorer, n_trials=3, seed=0, progress=False
    )
    assert result.metric == "mean_absolute_error"
    assert result.study.direction.value == "minimize"
    assert result.best_value > 0  # the natural MAE, not its negation
    test_mae = result.test_metrics["mean_absolute_error"]
    assert test_mae > 0 and np.isfinite(test_mae)
    assert test_mae == pytest.approx(result.test_metrics["mae"])  # our own name, same value


def test_tune_with_a_callable_and_a_scorer_name():
    result = tune("sklearn:iris", model="knn", metric=macro_f1, n_trials=3, seed=0, progress=False)
    assert result.metric == "macro_f1" and result.study.direction.value == "maximize"
    assert result.test_metrics["macro_f1"] == pytest.approx(result.test_metrics["f1_macro"])
    named = tune(
        "sklearn:iris", model="knn", metric="neg_log_loss", n_trials=2, seed=0, progress=False
    )
    assert named.metric == "neg_log_loss" and named.test_metrics["neg_log_loss"] < 0


def test_a_config_may_name_a_scikit_learn_scorer(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text("data: {source: sklearn:iris}\nmetric: neg_log_loss\n")
    cfg = load_config(path)
    assert cfg.metric == "neg_log_loss"
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {source: sklearn:iris}\nmetric: neg_nothing\n")
    with pytest.raises(ValueError, match="metric: .*'neg_nothing'.*scikit-learn scorer name"):
        load_config(bad)


def test_a_scorer_name_is_accepted_before_the_task_is_known(tmp_path):
    data = tmp_path / "rows.csv"
    data.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    path = tmp_path / "cycle.yaml"
    path.write_text(f"data: {{source: {data}, target: y}}\nmetric: neg_log_loss\n")
    assert load_config(path).metric == "neg_log_loss"
    path.write_text(f"data: {{source: {data}, target: y}}\nmetric: neg_nothing\n")
    with pytest.raises(ValueError, match="unknown metric 'neg_nothing'.*scikit-learn scorer"):
        load_config(path)
