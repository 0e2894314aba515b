"""Studies of several objectives and studies with constraints, on every backend: what is
stored, what is best, and the mistakes that get a clear error."""

from __future__ import annotations

import math

import pytest

import tunecycle as tc
from tunecycle.errors import TrialStateError, UserError
from tunecycle.records import Direction, TrialState


def two(trial: tc.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    return x + y, (x - 0.5) ** 2 + y  # maximise the first, minimise the second


def test_values_directions_and_front_survive_the_store(storage_url, make_storage, unique_name):
    name = unique_name("mo")
    study = tc.create_study(name, storage=make_storage(storage_url),
                            directions=["maximize", "minimize"], sampler="random", seed=0)
    study.optimize(two, n_trials=25)
    again = tc.load_study(name, make_storage(storage_url))  # a new connection (SQL backends)
    assert again.directions == (Direction.MAXIMIZE, Direction.MINIMIZE)
    assert again.n_objectives == 2
    trials = again.trials
    assert all(t.value is None and len(t.values) == 2 for t in trials)
    for t in trials:
        x, y = t.params["x"], t.params["y"]
        assert t.values == pytest.approx((x + y, (x - 0.5) ** 2 + y))
    front = again.best_trials
    assert front and all(t.state is TrialState.COMPLETE for t in front)
    for f in front:  # nobody dominates a front trial
        assert not any(t.values[0] >= f.values[0] and t.values[1] <= f.values[1]
                       and t.values != f.values for t in trials)
    for t in trials:  # every trial off the front is dominated by one on it
        if t not in front:
            assert any(f.values[0] >= t.values[0] and f.values[1] <= t.values[1]
                       for f in front)


def test_one_best_trial_is_a_clear_error_pointing_at_best_trials():
    study = tc.create_study(directions=["minimize", "minimize"], sampler="random")
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3)
    for read in (lambda: study.best_trial, lambda: study.best_value,
                 lambda: study.best_params, lambda: study.direction):
        with pytest.raises(UserError, match="objectives.*study.best_trials|study.directions"):
            read()


@pytest.mark.parametrize(("result", "reason"), [
    (1.0, "returned 1.0; this study has 2 objectives"),
    ([1.0], "returned 1 values; this study has 2 objectives"),
    ([1.0, 2.0, 3.0], "returned 3 values"),
    ([1.0, float("nan")], "objective 1: the objective returned NaN"),
    ([float("inf"), 1.0], "objective 0: the objective returned inf"),
    (["a", 1.0], "objective 0: the objective returned a str"),
])
def test_a_wrong_result_fails_that_trial_with_the_reason_and_the_study_goes_on(result, reason):
    study = tc.create_study(directions=["minimize", "maximize"], sampler="random", seed=0)
    study.optimize(lambda t: result if t.number == 1 else (t.suggest_float("x", 0, 1), 2.0),
                   n_trials=3)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAILED, TrialState.COMPLETE]
    assert reason in study.trials[1].fail_reason


def test_ask_and_tell_with_several_values():
    study = tc.create_study(directions=["minimize", "minimize"], sampler="qmc", seed=1)
    trial = study.ask({"x": tc.Float(0, 1)})
    study.tell(trial, [0.25, 0.75])
    assert study.trials[0].values == (0.25, 0.75)
    bad = study.ask({"x": tc.Float(0, 1)})
    study.tell(bad, 0.5)  # one number for two objectives: failed, with the reason
    assert study.trials[1].state is TrialState.FAILED
    assert "2 objectives" in study.trials[1].fail_reason
    with pytest.raises(TrialStateError):
        study.tell(bad, [0.1, 0.2])  # told already


def test_a_resume_with_other_directions_is_one_error_and_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/d.db"
    tc.create_study("d", storage=url, directions=["maximize", "minimize"])
    for kwargs in ({"directions": ["minimize", "minimize"]}, {"direction": "maximize"},
                   {"directions": ["maximize", "minimize", "minimize"]}):
        with pytest.raises(UserError, match="was created to maximize, minimize"):
            tc.create_study("d", storage=url, load_if_exists=True, **kwargs)
    assert tc.load_study("d", url).directions == (Direction.MAXIMIZE, Direction.MINIMIZE)
    assert tc.load_study("d", url).trials == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"directions": ["maximize", "minimize"], "sampler": "gp"}, "sampler: 'gp' optimises one"),
    ({"directions": ["maximize", "minimize"], "sampler": "cmaes"},
     "sampler: 'cmaes' optimises one"),
    ({"directions": ["maximize", "minimize"], "sampler": "random", "pruner": "median"},
     "pruner: 'median' compares one objective"),
    ({"directions": []}, "directions: expected a non-empty list"),
    ({"directions": "maximize"}, "directions: expected a non-empty list"),
    ({"directions": ["up", "down"]}, "direction: 'up' is not"),
    ({"direction": "maximize", "directions": ["maximize"]}, "not both"),
])
def test_bad_objective_settings_are_refused_before_anything_is_stored(tmp_path, kwargs, message):
    db = tmp_path / "x.db"
    with pytest.raises(UserError, match=message):
        tc.create_study("x", storage=f"sqlite:///{db}", **kwargs)
    assert not db.exists()


def test_dataframe_has_a_column_per_objective_named_by_the_metric_names():
    study = tc.create_study(directions=["maximize", "minimize"], sampler="random", seed=0)
    study.optimize(two, n_trials=4)
    assert {"values_0", "values_1"} <= set(study.to_dataframe().columns)
    study.set_metric_names(["accuracy", "latency_ms"])
    frame = study.to_dataframe()
    assert {"values_accuracy", "values_latency_ms"} <= set(frame.columns)
    assert "value" not in frame.columns
    assert list(frame["values_accuracy"]) == [t.values[0] for t in study.trials]
    assert study.metric_names == ["accuracy", "latency_ms"]
    with pytest.raises(UserError, match="metric_names: expected 2 distinct"):
        study.set_metric_names(["only one"])


def test_constraints_func_marks_infeasible_trials_which_are_never_best(storage_url, make_storage,
                                                                      unique_name):
    def objective(trial):
        return trial.suggest_float("x", -2, 2) ** 2

    study = tc.create_study(unique_name("c"), storage=make_storage(storage_url),
                            sampler="random", seed=0,
                            constraints_func=lambda t: [0.5 - t.params["x"]])  # x >= 0.5
    study.optimize(objective, n_trials=30)
    trials = tc.load_study(study.name, make_storage(storage_url)).trials
    assert all(t.constraints == pytest.approx((0.5 - t.params["x"],)) for t in trials)
    feasible = [t for t in trials if t.params["x"] >= 0.5]
    assert feasible and len(feasible) < len(trials)
    assert study.best_trial.params["x"] >= 0.5
    assert study.best_value == min(t.value for t in feasible)
    assert [t.number for t in study.best_trials] == [study.best_trial.number]


def test_constraints_set_inside_the_objective_and_at_tell():
    study = tc.create_study(directions=["minimize", "minimize"], sampler="random", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraints([x - 0.5, -1.0])  # feasible when x <= 0.5
        return x, 1 - x

    study.optimize(objective, n_trials=20)
    front = study.best_trials
    assert front and all(t.params["x"] <= 0.5 for t in front)
    assert all(len(t.constraints) == 2 for t in study.trials)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, [0.0, 0.0], constraints=[3.0])  # would dominate everything: infeasible
    assert trial.number not in [t.number for t in study.best_trials]
    with pytest.raises(UserError, match="set_constraints: constraint 0: 'high' is not a number"):
        study.ask().set_constraints(["high"])


def test_a_failing_constraints_func_fails_the_trial_with_the_reason():
    def broken(trial):
        raise KeyError("latency")

    study = tc.create_study(sampler="random", constraints_func=broken)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, max_consecutive_failures=0)
    assert all(t.state is TrialState.FAILED for t in study.trials)
    assert "constraints_func raised KeyError: 'latency'" in study.trials[0].fail_reason
    study = tc.create_study(sampler="random", constraints_func=lambda t: [math.nan])
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, max_consecutive_failures=0)
    assert "constraint 0: nan is not a finite number" in study.trials[0].fail_reason


def test_several_objectives_run_in_worker_processes():
    study = tc.create_study(directions=["maximize", "minimize"], sampler="qmc", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraints([x - 0.9])
        return x, x * x

    study.optimize(objective, n_trials=8, n_jobs=2)
    trials = study.trials
    assert [t.number for t in trials] == list(range(8))
    assert all(t.state is TrialState.COMPLETE and len(t.values) == 2 for t in trials)
    assert all(t.constraints == pytest.approx((t.params["x"] - 0.9,)) for t in trials)


def test_the_stores_best_value_skips_infeasible_trials(storage_url, make_storage, unique_name):
    """The viewers' reads (dashboard cards, `tunecycle studies`) agree with best_trial."""
    store = make_storage(storage_url)
    study = tc.create_study(unique_name("feasible-best"), storage=store, sampler="random",
                            seed=0, constraints_func=lambda t: [t.params["x"] - 0.0])
    study.optimize(lambda t: t.suggest_float("x", -1, 1), n_trials=20)  # minimise x, x <= 0
    best = study.best_trial.value
    assert best < 0 and min(t.value for t in study.trials) == best  # x <= 0 is the best side
    study2 = tc.create_study(unique_name("feasible-max"), storage=store, direction="maximize",
                             sampler="random", seed=0,
                             constraints_func=lambda t: [t.params["x"] - 0.0])
    study2.optimize(lambda t: t.suggest_float("x", -1, 1), n_trials=20)  # max x, x <= 0
    feasible_max = study2.best_trial.value
    assert feasible_max <= 0 < max(t.value for t in study2.trials)
    assert store.get_study_summary(study2.study_id).best_value == feasible_max
    listed = {s.info.name: s.best_value for s in store.list_studies()}
    assert listed[study2.name] == feasible_max and listed[study.name] == best
