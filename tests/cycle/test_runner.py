"""The whole cycle end to end on small bundled data: classification, regression, clustering;
the test split never reaches the search; reruns continue the study; the model is saved."""

from __future__ import annotations

import json
import logging
import statistics
from dataclasses import replace
from datetime import datetime

import joblib
import numpy as np
import pytest

import tunecycle as tc
from tunecycle.cycle import runner, trials
from tunecycle.cycle.data import load_data
from tunecycle.cycle.runner import tune
from tunecycle.cycle.spec import TuneSpec
from tunecycle.cycle.splits import Validation, split_test


def test_classification_end_to_end_saves_and_records_the_tested_model(tmp_path):
    result = tune("sklearn:iris", model="knn", n_trials=6, seed=0, output_dir=tmp_path)
    assert result.family == "knn" and len(result.study.get_trials(states=["complete"])) == 6
    assert result.test_metrics["accuracy"] > 0.85
    assert {"balanced_accuracy", "f1_macro", "log_loss", "roc_auc"} <= set(result.test_metrics)
    assert np.asarray(result.confusion["matrix"]).sum() == 30  # 20% of 150 rows, once each
    assert result.study.user_attrs["test_metrics"] == result.test_metrics
    saved = joblib.load(result.model_path)
    assert saved["params"] == result.best_params
    test = split_test(load_data("sklearn:iris"), 0.2, 0)[1]
    assert (saved["model"].predict(test.X) == result.model.predict(test.X)).all()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["test_metrics"]["accuracy"] == result.test_metrics["accuracy"]
    page = result._repr_html_()  # what a notebook shows: test metrics, then the study
    assert "test metrics (held-out 20%, used once)" in page and "best (knn)" in page
    assert f"{result.test_metrics['accuracy']:.6g}" in page
    assert 'class="tunecycle-study"' in page and "6 (6 complete)" in page


def test_the_first_trials_are_each_familys_defaults():
    result = tune("sklearn:iris", model=["knn", "tree"], n_trials=3, seed=0)
    first, second = result.study.trials[:2]
    assert first.params == {"model": "knn", "knn.n_neighbors": 5, "knn.weights": "uniform",
                            "knn.p": 2}
    assert second.params["model"] == "tree"


def test_regression_end_to_end():
    result = tune("sklearn:diabetes", model="linear", n_trials=5, seed=1)
    assert result.metric == "rmse" and result.study.direction.value == "minimize"
    assert set(result.test_metrics) == {"rmse", "mae", "r2"}
    assert result.test_metrics["r2"] > 0.2


def test_clustering_end_to_end_with_known_labels():
    data = {"source": "sklearn:make_blobs", "n_samples": 200, "centers": 3, "cluster_std": 0.6,
            "random_state": 0}
    result = tune(data, task="clustering", n_trials=6, seed=0,
                  space={"kmeans": {"n_clusters": tc.Int(2, 6)}})
    assert result.best_params["n_clusters"] == 3
    assert result.test_metrics["adjusted_rand"] > 0.9


def test_the_test_split_never_reaches_the_search(monkeypatch):
    ds = load_data("sklearn:wine")
    held_out = set(split_test(ds, 0.25, 3)[1].X.index)
    seen: list[set] = []
    fit_fold, score = trials.fit_fold, trials.score

    def spy_fit(family, pipe, k, train, valid, metric, report):  # each fold's fit, its rows
        seen.append(set(train.X.index))
        return fit_fold(family, pipe, k, train, valid, metric, report)

    def spy_score(pipe, part, metric):
        seen.append(set(part.X.index))
        return score(pipe, part, metric)

    monkeypatch.setattr(trials, "fit_fold", spy_fit)
    monkeypatch.setattr(trials, "score", spy_score)
    monkeypatch.setattr(runner, "fit_final", lambda *a, **k: pytest.fail("search only"))

    with pytest.raises(pytest.fail.Exception, match="search only"):
        tune(ds, model="knn", n_trials=3, test_size=0.25, seed=3)
    assert len(seen) == 3 * 5 * 2  # 3 trials x 5 folds x (fit, score)
    assert all(rows and not rows & held_out for rows in seen)


def test_rerun_with_the_same_storage_continues_the_study(tmp_path):
    url = f"sqlite:///{tmp_path}/cycle.db"
    first = tune("sklearn:iris", model="knn", n_trials=3, storage=url, study_name="iris", seed=0)
    assert len(first.study.trials) == 3
    again = tune("sklearn:iris", model="knn", n_trials=5, storage=url, study_name="iris", seed=0)
    assert [t.number for t in again.study.trials] == [0, 1, 2, 3, 4]
    assert again.study.trials[0].params == first.study.trials[0].params


def test_bad_family_and_metric_are_clear_errors():
    with pytest.raises(ValueError, match="kmeans"):
        tune("sklearn:iris", model="kmeans", n_trials=1)
    with pytest.raises(ValueError, match="rmse"):
        tune("sklearn:iris", model="knn", metric="rmse", n_trials=1)


def test_the_holdout_ratio_can_be_a_tuned_hyperparameter(monkeypatch):
    ds = load_data("sklearn:iris")
    search_rows = len(split_test(ds, 0.2, 0)[0].X)
    valid_sizes: list[int] = []
    score = trials.score

    def spy_score(pipe, part, metric):
        valid_sizes.append(len(part.X))
        return score(pipe, part, metric)

    monkeypatch.setattr(trials, "score", spy_score)
    result = tune(ds, model="knn", n_trials=6, seed=0,
                  validation_ratio=tc.Float(0.1, 0.5))
    ratios = [t.params["validation_ratio"] for t in result.study.trials]
    assert len(set(ratios)) > 1 and all(0.1 <= r <= 0.5 for r in ratios)
    # one holdout split per trial, of the size its own ratio asks for (the final test: +1)
    for ratio, size in zip(ratios, valid_sizes):
        assert abs(size - ratio * search_rows) <= 1
    assert "validation_ratio" not in result.model.get_params()


def test_a_bad_tuned_ratio_is_refused():
    with pytest.raises(ValueError, match="validation_ratio"):
        tune("sklearn:iris", model="knn", n_trials=1, validation_ratio=tc.Float(0.5, 1.0))


def test_trials_can_run_in_worker_processes(tmp_path):
    result = tune("sklearn:iris", model=["knn", "logistic"], n_trials=8, seed=0, n_jobs=2,
                  storage=f"sqlite:///{tmp_path}/par.db", study_name="par")
    trials = result.study.trials
    assert [t.number for t in trials] == list(range(8))
    assert all(t.state.value == "complete" for t in trials)
    # the defaults were enqueued once, and each trial was scored fold by fold in a worker
    assert [t.params["model"] for t in trials[:2]] == ["knn", "logistic"]
    assert all(len(t.intermediate) == 5 for t in trials)
    assert result.test_metrics["accuracy"] > 0.85


def test_search_only_runs_trials_without_the_final_test(tmp_path):
    url = f"sqlite:///{tmp_path}/workers.db"
    study = runner.search_only("sklearn:iris", model="knn", n_trials=4, storage=url,
                               study_name="shared", seed=0)
    assert len(study.get_trials(states=["complete"])) == 4 and "test_metrics" not in study.user_attrs
    again = runner.search_only("sklearn:iris", model="knn", n_trials=6, storage=url,
                               study_name="shared", seed=0)
    defaults = [t for t in again.trials if t.params == again.trials[0].params]
    assert len(again.trials) == 6 and len(defaults) == 1  # a second worker enqueues nothing


def test_a_study_of_the_other_direction_is_refused_before_anything_runs(tmp_path):
    url = f"sqlite:///{tmp_path}/dir.db"
    tc.create_study("iris-knn", storage=url, direction="minimize")
    with pytest.raises(ValueError, match="direction"):
        runner.search_only("sklearn:iris", model="knn", n_trials=2, storage=url,
                           study_name="iris-knn")
    assert tc.load_study("iris-knn", url).trials == []


def test_a_mistyped_fixed_value_stops_tune_before_anything_is_written(tmp_path):
    db = tmp_path / "typo.db"
    with pytest.raises(tc.UserError, match=r"'n_neighbors': 'five' is not an integer"):
        tune("sklearn:iris", model="knn", space={"knn": {"n_neighbors": "five"}}, n_trials=5,
             storage=f"sqlite:///{db}")
    assert not db.exists()


def test_a_search_whose_every_trial_fails_stops_with_the_first_reason(tmp_path):
    # valid for scikit-learn, yet larger than any training fold of iris: every trial fails
    url = f"sqlite:///{tmp_path}/fails.db"
    space = {"knn": {"n_neighbors": 500, "weights": "distance"}}
    with pytest.raises(tc.ConsecutiveFailuresError,
                       match=r"trial 0 failed: MetricError: .*n_neighbors = 500"):
        tune("sklearn:iris", model="knn", space=space, n_trials=30, storage=url,
             study_name="fails", max_consecutive_failures=4)
    trials = tc.load_study("fails", url).trials
    assert len(trials) == 4 and all(t.state is tc.TrialState.FAILED for t in trials)


def test_tune_warm_starts_from_an_earlier_search(tmp_path):
    url = f"sqlite:///{tmp_path}/cycle.db"
    first = tune("sklearn:iris", model="knn", n_trials=4, storage=url, study_name="a", seed=0,
                 sampler="tpe", progress=False)
    # a widened space: the first study's values all fit, p is fixed now (a removed parameter)
    second = tune("sklearn:iris", model="knn", n_trials=3, storage=url, study_name="b",
                  seed=1, sampler="tpe", warm_start=first.study, progress=False,
                  space={"knn": {"n_neighbors": tc.Int(1, 60), "p": None}})
    assert len(second.study.trials) == 3
    assert len(second.study.prior) == 4
    assert {t.number for t in second.study.trials} == {0, 1, 2}


def test_a_time_budget_covers_the_search_the_refit_and_the_test(caplog):
    from tunecycle.cycle.summary import format_result

    caplog.set_level(logging.INFO, logger="tunecycle.study")
    budget = 8.0
    spec = TuneSpec("sklearn:breast_cancer", model="random_forest", time_budget=budget, seed=0,
                    validation=Validation("kfold", folds=3), sampler="random", progress=False)
    before = datetime.now()
    result = runner.run(spec)
    trials = result.study.trials
    assert result.time_budget == budget
    assert result.time_left == pytest.approx(budget - result.time_used)
    assert "accuracy" in result.test_metrics
    # Judged on the clock's decisions and the measured durations, not on a wall margin a
    # loaded machine can eat.  The reserve is the predicted refit and test: the best trial's
    # median measured fold, scaled to the search part (1.5 for 3 folds), times 1.25, plus 1 s.
    best = max((t for t in trials if t.state.value == "complete"), key=lambda t: t.value)
    reserve = runner._Plan.make(spec).refit_reserve(result.study)
    assert reserve == pytest.approx(
        1.25 * 1.5 * statistics.median(best.user_attrs["fold_seconds"]) + 1.0, rel=0.05)
    # the search kept it back: it ended by the budget less the reserve, give or take one
    # fold of the last trial (a running trial is stopped at its next fold)
    last = max(trials, key=lambda t: t.datetime_complete)
    grain = max(last.user_attrs.get("fold_seconds") or [last.duration.total_seconds()])
    search = (last.datetime_complete - before).total_seconds()
    assert search + reserve <= budget + grain + 0.5
    # and the refit and test took about what was kept for them (3x: the load may change)
    assert result.time_used - search <= 3 * reserve
    # the library default first, as it is; then cheap first: the fewest trees, for as many
    # trials as ran; fewer than three only when the clock said the next would not fit
    assert [t.params["n_estimators"] for t in trials[:3]] == [100, 50, 50][:len(trials)]
    if len(trials) < 3:
        assert any("time budget" in r.getMessage() and "predicted to take" in r.getMessage()
                   for r in caplog.records)
    assert all(t.user_attrs.get("fold_seconds") for t in trials if t.state.value == "complete")
    assert "time budget 8.0s:" in format_result(result)



@pytest.mark.parametrize("kind", ["voting", "stacking"])
def test_the_refit_reserve_keeps_time_for_the_ensemble_members(kind):
    spec = TuneSpec("sklearn:iris", model="knn", validation=Validation("kfold", folds=3))
    plan = runner._Plan.make(spec)
    ens = runner._Plan.make(replace(spec, ensemble=kind, ensemble_size=3))
    study = tc.create_study(direction="maximize")
    dists = {"n_neighbors": tc.Int(1, 30)}
    for k, (score, folds) in enumerate([(0.9, [1.0, 1.0, 1.0]), (0.8, [2.0, 2.0, 2.0]),
                                        (0.7, [4.0, 4.0, 4.0]), (0.6, [8.0, 8.0, 8.0])]):
        study.add_trial(tc.create_trial(value=score, params={"n_neighbors": k + 1},
                                        distributions=dists,
                                        user_attrs={runner.FOLD_SECONDS_ATTR: folds}))
    ratio = plan.splitter.refit_ratio()
    alone = plan.refit_reserve(study)
    assert alone == pytest.approx(1.25 * ratio * 1.0 + 1.0)  # the best trial's refit only
    # the top 3 members' refits (1 + 2 + 4 s a fold), and with out-of-fold fits their folds
    members = ratio * 7.0 + (0.0 if kind == "voting" else 21.0)
    assert ens.refit_reserve(study) == pytest.approx(alone + 1.25 * members)
