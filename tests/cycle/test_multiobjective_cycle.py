"""The cycle with several objectives and constraints: measures per trial, the feasible front
refitted and tested once, the saved model the selection rule's choice, constraints in a
single-objective cycle, the config end to end and its mistakes (path, exit 2, nothing
written)."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest
import yaml

import tunecycle as tc
from tunecycle.cli.main import main
from tunecycle.cycle.data import load_data
from tunecycle.cycle.families import build_estimator, family_defaults
from tunecycle.cycle.objectives import Bound, Goals, count_parameters, latency_ms, size_kb
from tunecycle.cycle.preprocess import make_pipeline, make_preprocessor
from tunecycle.cycle.splits import Validation, split_test
from tunecycle.cycle.summary import format_result
from tunecycle.errors import UserError

THREE_FOLDS = Validation("kfold", folds=3)


def dominated(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """(accuracy, latency): is ``a`` dominated by ``b``?"""
    return b[0] >= a[0] and b[1] <= a[1] and (b[0] > a[0] or b[1] < a[1])


def test_two_objectives_measure_each_trial_and_refit_and_test_the_front(tmp_path):
    result = tc.tune("sklearn:iris", model=["knn", "random_forest"],
                     objectives=["accuracy", "latency_ms"], n_trials=8, sampler="random",
                     validation=THREE_FOLDS, output_dir=tmp_path, progress=False)
    study = result.study
    assert [d.value for d in study.directions] == ["maximize", "minimize"]
    assert study.metric_names == ["accuracy", "latency_ms"]
    complete = study.get_trials(states=["complete"])
    assert len(complete) == 8
    for t in complete:  # the second value is the trial's measured latency
        assert len(t.values) == 2 and 0 < t.values[0] <= 1 and t.values[1] > 0
        assert t.values[1] == t.user_attrs["measures"]["latency_ms"]

    # the front: every feasible non-dominated trial (fewer than the cap of 10), best first
    points = {t.number: (t.values[0], t.values[1]) for t in complete}
    expected = sorted(n for n, p in points.items()
                      if not any(dominated(p, q) for m, q in points.items() if m != n))
    assert sorted(m.number for m in result.front) == expected
    accuracies = [m.values["accuracy"] for m in result.front]
    assert accuracies == sorted(accuracies, reverse=True)
    test = split_test(load_data("sklearn:iris"), 0.2, 0)[1]
    for m in result.front:
        assert m.values == {"accuracy": points[m.number][0], "latency_ms": points[m.number][1]}
        assert set(m.test_metrics) >= {"accuracy", "f1_macro"} and m.test_measures["latency_ms"] > 0
        assert m.family == study.trials[m.number].params["model"]

    # the saved model: the default rule, best validation accuracy on the front
    chosen = [m for m in result.front if m.selected]
    assert len(chosen) == 1 and chosen[0].number == result.trial_number
    best_accuracy = max(accuracies)
    assert result.trial_number == min(m.number for m in result.front
                                      if m.values["accuracy"] == best_accuracy)
    assert result.test_metrics == chosen[0].test_metrics
    assert result.best_value == best_accuracy and result.family == chosen[0].family
    assert result.test_metrics["accuracy"] == pytest.approx(
        float(np.mean(result.model.predict(test.X) == test.y)))
    saved = joblib.load(result.model_path)
    assert saved["params"] == result.best_params and saved["trial"] == result.trial_number
    assert (saved["model"].predict(test.X) == result.model.predict(test.X)).all()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [m["number"] for m in summary["front"]] == [m.number for m in result.front]
    assert summary["goals"]["objectives"] == ["accuracy", "latency_ms"]
    assert study.user_attrs["front"] == summary["front"]

    text = format_result(result)
    assert "objectives: accuracy (maximize), latency_ms (minimize)" in text
    assert "Pareto front" in text and f"* #{result.trial_number}" in text
    assert f"saved: trial #{result.trial_number} (best accuracy on the front)" in text


def test_select_picks_another_objective_and_the_cap_keeps_the_selected():
    result = tc.tune("sklearn:iris", model=["knn", "tree"],
                     objectives=["accuracy", "model_size_kb"], n_trials=6, sampler="random",
                     validation=THREE_FOLDS, select="model_size_kb", front_size=1,
                     progress=False)
    front = result.study.best_trials
    smallest = min(front, key=lambda t: (t.values[1], -t.values[0], t.number))
    assert [m.number for m in result.front] == [smallest.number] == [result.trial_number]
    assert result.values["model_size_kb"] == smallest.values[1]
    assert result.test_measures["model_size_kb"] > 0


def test_a_constraint_in_a_single_objective_cycle_is_respected():
    limit = 30.0  # kilobytes: knn on iris stays below, a forest of 100 trees does not
    result = tc.tune("sklearn:iris", model=["knn", "random_forest"],
                     constraints={"model_size_kb": {"max": limit}}, n_trials=6,
                     sampler="random", validation=THREE_FOLDS, progress=False)
    complete = result.study.get_trials(states=["complete"])
    sizes = {t.number: t.user_attrs["measures"]["model_size_kb"] for t in complete}
    for t in complete:
        assert t.constraints == pytest.approx((sizes[t.number] - limit,))
        assert t.feasible == (sizes[t.number] <= limit)
    infeasible = [t for t in complete if not t.feasible]
    assert infeasible and result.n_infeasible == len(infeasible)
    assert result.study.trials[1].params["model"] == "random_forest"  # the enqueued default
    assert not result.study.trials[1].feasible
    feasible = [t for t in complete if t.feasible]
    best = max(t.value for t in feasible)
    assert result.trial_number == min(t.number for t in feasible if t.value == best)
    assert result.values["model_size_kb"] <= limit and result.front == ()
    assert result.study.direction.value == "maximize"
    text = format_result(result)
    assert (f"constraints: model_size_kb <= 30; {len(infeasible)} of {len(complete)} complete "
            "trials infeasible") in text
    assert "leaderboard (top 5 feasible)" in text
    assert all(f"#{t.number} " not in text.split("best configuration")[0] for t in infeasible)


def test_no_feasible_trial_is_a_clear_error():
    with pytest.raises(UserError, match="constraints: none of the 2 complete trials satisfies "
                                        "model_size_kb <= 0.001"):
        tc.tune("sklearn:iris", model="knn", constraints={"model_size_kb": {"max": 0.001}},
                n_trials=2, validation=THREE_FOLDS, progress=False)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"objectives": ["accuracy", "latency_ms"], "pruner": "median"},
     "pruner: 'median' compares one objective's intermediate values"),
    ({"objectives": ["accuracy", "latency_ms"], "ensemble": "voting"},
     "ensemble: not built with several objectives or constraints"),
    ({"objectives": ["accuracy", "n_parameters"]},
     "objectives.1: n_parameters is not defined for model family 'knn'"),
    ({"objectives": ["accuracy", "speed"]}, "objectives.1: unknown objective 'speed'"),
    ({"objectives": ["rmse", "latency_ms"]}, "objectives.0: 'rmse' is not a classification"),
    ({"constraints": {"latency_ms": {"max": "fast"}}},
     "constraints.latency_ms.max: must be a number, got 'fast'"),
    ({"metric": "f1_macro", "objectives": ["accuracy", "latency_ms"]},
     "objectives.0: the first objective is the metric; metric is 'f1_macro'"),
])
def test_tune_refuses_mistakes_before_anything_is_written(tmp_path, kwargs, message):
    db = tmp_path / "s.db"
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tc.tune("sklearn:iris", model="knn", n_trials=2, storage=f"sqlite:///{db}",
                progress=False, **kwargs)
    assert not db.exists()


def config(tmp_path, **changes) -> dict:
    doc = {
        "study": {"name": "iris-mo", "storage": f"sqlite:///{tmp_path}/mo.db", "n_trials": 6,
                  "sampler": "random", "seed": 0},
        "data": {"source": "sklearn:iris"},
        "split": {"validation": {"kind": "kfold", "folds": 3}},
        "objectives": ["accuracy", "latency_ms"],
        "constraints": {"model_size_kb": {"max": 30}},
        "models": ["knn", "random_forest"],
        "output": {"dir": str(tmp_path / "model")},
    }
    doc.update(changes)
    return doc


def test_a_config_with_objectives_and_constraints_runs_end_to_end(tmp_path, capsys):
    path = tmp_path / "mo.yaml"
    path.write_text(yaml.safe_dump(config(tmp_path)))
    assert main(["run", str(path), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "objectives: accuracy (maximize), latency_ms (minimize)" in out
    assert "constraints: model_size_kb <= 30;" in out and "Pareto front" in out
    study = tc.load_study("iris-mo", f"sqlite:///{tmp_path}/mo.db")
    assert study.n_objectives == 2 and len(study.get_trials(states=["complete"])) == 6
    assert any(not t.feasible for t in study.trials)
    summary = json.loads((tmp_path / "model" / "summary.json").read_text())
    assert summary["goals"]["constraints"] == {"model_size_kb": {"max": 30.0}}
    assert summary["front"] and all(m["values"]["model_size_kb"] <= 30
                                    for m in summary["front"])
    feasible = {t.number for t in study.best_trials}
    assert {m["number"] for m in summary["front"]} == feasible
    assert summary["trial"] in feasible and summary["n_infeasible"] >= 1


@pytest.mark.parametrize(("changes", "problem"), [
    ({"objectives": ["accuracy", "latency"]}, "objectives.1: unknown objective 'latency'"),
    ({"constraints": {"latency_ms": {"max": "two"}}},
     "constraints.latency_ms.max: must be a number, got 'two'"),
    ({"constraints": {"latency_ms": {"min": 5, "max": 2}}},
     "constraints.latency_ms: min 5 is above max 2"),
    ({"study": {"name": "iris-mo", "pruner": "median"}},
     "study.pruner: 'median' compares one objective's intermediate values"),
    ({"study": {"name": "iris-mo", "sampler": "gp"}},
     "study.sampler: 'gp' optimises one objective"),
    ({"select": {"accuracy": -1}}, "select.accuracy: must not be negative"),
])
def test_config_mistakes_name_their_path_exit_2_and_write_nothing(tmp_path, capsys, changes,
                                                                  problem):
    doc = config(tmp_path, **changes)
    doc["study"]["storage"] = f"sqlite:///{tmp_path}/mo.db"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["run", str(path), "--no-report"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and problem in err, err
    assert not (tmp_path / "mo.db").exists() and not (tmp_path / "model").exists()


def fitted(name: str, task: str = "classification"):
    ds = load_data("sklearn:iris")
    params = family_defaults([name], task)[0]
    _, est = build_estimator(params, task, 0, family=name)
    return make_pipeline(make_preprocessor(ds.X, scale=True), est).fit(ds.X, ds.y), ds


def test_parameter_counts_per_family():
    tree, ds = fitted("tree")
    assert count_parameters(tree) == tree[-1].tree_.node_count > 1
    forest, _ = fitted("random_forest")
    assert count_parameters(forest) == sum(t.tree_.node_count for t in forest[-1].estimators_)
    logistic, _ = fitted("logistic")
    assert count_parameters(logistic) == 4 * 3 + 3  # iris: 4 features, 3 classes
    svm, _ = fitted("svm")
    est = svm[-1]
    assert count_parameters(svm) == est.support_vectors_.size + est.dual_coef_.size + 3
    knn, _ = fitted("knn")
    with pytest.raises(UserError, match="cannot count the parameters of KNeighborsClassifier"):
        count_parameters(knn)
    assert latency_ms(tree, ds.X) > 0 and size_kb(forest) > size_kb(tree) > 0


def test_parameter_count_of_a_network():
    pytest.importorskip("torch")
    ds = load_data("sklearn:iris")
    params = family_defaults(["mlp"], "classification")[0]
    _, est = build_estimator(params, "classification", 0, family="mlp")
    est.set_params(params={**(est.params or {}), "epochs": 1})
    pipe = make_pipeline(make_preprocessor(ds.X, scale=True), est).fit(ds.X, ds.y)
    assert count_parameters(pipe) == sum(p.numel() for p in pipe[-1].net_.parameters()) > 0


def test_bounds_and_the_weighted_selection_rule():
    both = Bound("latency_ms", min=1.0, max=2.0)
    assert both.values(1.5) == [-0.5, -0.5] and both.values(3.0) == [-2.0, 1.0]
    goals = Goals("accuracy", "maximize", ("accuracy", "latency_ms"), (both,),
                  select={"accuracy": 1.0, "latency_ms": 1.0})
    front = [{"accuracy": 0.90, "latency_ms": 1.0}, {"accuracy": 0.99, "latency_ms": 9.0},
             {"accuracy": 0.97, "latency_ms": 2.0}]
    assert goals.choose(front) == 2  # scaled losses summed: 1.0, 1.0, 0.22 + 0.125
    assert Goals("accuracy", "maximize", ("accuracy", "latency_ms")).choose(front) == 1
    assert Goals("accuracy", "maximize", ("accuracy", "latency_ms"),
                 select="latency_ms").choose(front) == 0
    assert goals.constraint_values({"latency_ms": 0.5}) == [0.5, -1.5]


def test_a_worker_of_a_config_runs_trials_of_the_same_objectives(tmp_path):
    from tunecycle.cycle.config import parse_config, run_config

    doc = config(tmp_path, models=["knn"])
    doc["study"]["n_trials"] = 3
    study = run_config(parse_config(doc), progress=False, search_only=True)
    assert study.n_objectives == 2 and study.metric_names == ["accuracy", "latency_ms"]
    done = study.get_trials(states=["complete"])
    assert len(done) == 3 and not (tmp_path / "model").exists()
    for t in done:
        assert t.values[1] == t.user_attrs["measures"]["latency_ms"]
        assert t.constraints == pytest.approx((t.user_attrs["measures"]["model_size_kb"] - 30,))
