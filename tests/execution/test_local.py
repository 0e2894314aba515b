"""``optimize(n_jobs=N)``: trials in worker processes, with the sampler, the pruner and the
store in the driver; lost workers, per-trial timeouts and deterministic parallel runs."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

import tunecycle as tc
from tunecycle.errors import UserError
from tunecycle.records import TrialState
from tunecycle.storage import InMemoryStorage
from tunecycle.study import Study


def _quadratic(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    k = trial.suggest_int("k", 0, 3)
    trial.set_user_attr("pid", os.getpid())
    return (x - 1.0) ** 2 + k


@pytest.fixture(params=["memory", "sqlite"])
def storage(request, tmp_path):
    return None if request.param == "memory" else f"sqlite:///{tmp_path / 'p.db'}"


def test_trials_run_in_worker_processes_with_the_sampler_in_the_driver(storage):
    study = tc.create_study(storage=storage, sampler="tpe", seed=3)
    study.optimize(_quadratic, n_trials=24, n_jobs=2)
    trials = study.trials
    assert [t.number for t in trials] == list(range(24))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    pids = {t.user_attrs["pid"] for t in trials}
    assert len(pids) == 2 and os.getpid() not in pids
    # define-by-run suggestions made in the workers are recorded with their types
    assert all(set(t.distributions) == {"x", "k"} for t in trials)
    assert study.best_value == min(t.value for t in trials)


def test_declared_space_and_enqueued_trials(storage):
    study = tc.create_study(storage=storage, sampler="random", seed=1)
    study.enqueue({"x": 1.0, "k": 0})
    space = {"x": tc.Float(-5.0, 5.0), "k": tc.Int(0, 3)}
    study.optimize(lambda t: (t.params["x"] - 1.0) ** 2 + t.params["k"], n_trials=6,
                   space=space, n_jobs=3)
    first = study.trials[0]
    assert dict(first.params) == {"x": 1.0, "k": 0} and first.value == 0.0
    assert len(study.get_trials(states=["complete"])) == 6


def _reports(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(8):
        trial.report(x + step, step)
        if trial.should_prune():
            trial.set_user_attr("stopped_at", step)
            raise tc.TrialPruned()
    return x


def test_pruning_decisions_come_from_the_driver():
    study = tc.create_study(sampler="random", seed=0, pruner="median")
    study.enqueue({"x": 0.0})
    study.optimize(_reports, n_trials=30, n_jobs=2)
    pruned = study.get_trials(states=["pruned"])
    assert pruned, "the median rule prunes some of 30 trials with values spread over [0, 1]"
    for t in pruned:
        last = t.user_attrs["stopped_at"]
        assert t.last_step == last  # stopped there, its reports stored up to that step
        assert t.value == t.intermediate[last]
    assert study.best_trial.state is TrialState.COMPLETE


def _flaky(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 2:
        raise RuntimeError("bad luck")
    if trial.number == 4:
        return float("nan")
    return x


def test_objective_errors_fail_the_trial_and_the_run_goes_on():
    study = tc.create_study(sampler="random", seed=0)
    study.optimize(_flaky, n_trials=8, n_jobs=2)
    failed = {t.number: t.fail_reason for t in study.get_trials(states=["failed"])}
    assert failed == {2: "RuntimeError: bad luck", 4: "the objective returned NaN"}
    assert len(study.get_trials(states=["complete"])) == 6


def test_stop_on_error_raises_the_objectives_exception():
    study = tc.create_study(sampler="random", seed=0)
    with pytest.raises(RuntimeError, match="bad luck"):
        study.optimize(_flaky, n_trials=20, n_jobs=2, stop_on_error=True)
    assert not study.get_trials(states=["running"])  # nothing left running after the raise
    assert study.trials[2].state is TrialState.FAILED


def _dies_once(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 3:  # its retry has another number and lives
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_killed_worker_fails_its_trial_which_is_retried(fault_report):
    study = tc.create_study(sampler="random", seed=0, max_retries=1)
    study.optimize(_dies_once, max_trials=10, n_jobs=2)
    trials = study.trials
    dead = trials[3]
    assert dead.state is TrialState.FAILED and "SIGKILL" in dead.fail_reason
    retry = next(t for t in trials if t.retry_of == 3)
    assert retry.state is TrialState.COMPLETE and dict(retry.params) == dict(dead.params)
    assert len(study.get_trials(states=["complete"])) == 10
    fault_report(f"faults injected: 1, trials lost: {10 - len(study.get_trials(states=['complete']))}")


def _sleepy(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 1:
        time.sleep(60)
    return x


def test_trial_timeout_fails_only_the_slow_trial():
    study = tc.create_study(sampler="random", seed=0)
    started = time.monotonic()
    study.optimize(_sleepy, n_trials=5, n_jobs=2, trial_timeout=2.0)
    assert time.monotonic() - started < 50  # the 60 s trial did not hold the run up
    slow = study.trials[1]
    assert slow.state is TrialState.FAILED and "timed out after 2 s" in slow.fail_reason
    assert len(study.get_trials(states=["complete"])) == 4


def test_trial_timeout_works_with_one_job_too():
    study = tc.create_study(sampler="random", seed=0)
    study.optimize(_sleepy, n_trials=3, trial_timeout=2.0)
    assert [t.state for t in study.trials] == [
        TrialState.COMPLETE, TrialState.FAILED, TrialState.COMPLETE]


def _jittery(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    y = trial.suggest_float("y", -3.0, 3.0)
    time.sleep((trial.number * 7919 % 5) / 100 + os.getpid() % 3 / 200)
    return (x - 1) ** 2 + (y + 0.5) ** 2


@pytest.mark.parametrize("sampler", ["tpe", "gp"])
def test_deterministic_parallel_runs_repeat_exactly(sampler):
    runs = []
    for _ in range(2):
        study = tc.create_study(sampler=sampler, seed=11)
        study.optimize(_jittery, n_trials=16, n_jobs=3, deterministic=True)
        runs.append([(t.number, t.params["x"], t.params["y"], t.value) for t in study.trials])
    assert runs[0] == runs[1]


def test_bad_parallel_options_are_refused_before_anything_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    study = tc.create_study("s", storage=url)
    for kwargs, field in [
        ({"n_jobs": 0}, "n_jobs"), ({"n_jobs": -2}, "n_jobs"), ({"n_jobs": 1.5}, "n_jobs"),
        ({"backend": "dask"}, "backend"), ({"trial_timeout": 0}, "trial_timeout"),
        ({"trial_timeout": "1"}, "trial_timeout"),
        ({"resources_per_trial": {"cpu": 1}}, "resources_per_trial"),
        ({"backend": "ray", "resources_per_trial": {"cpu": -1}}, "resources_per_trial"),
    ]:
        with pytest.raises(UserError, match=field):
            study.optimize(_quadratic, n_trials=2, **kwargs)
    with pytest.raises(UserError, match="max_retries"):
        tc.create_study("t", storage=url, max_retries=-1)
    assert [s.info.name for s in tc.list_studies(url)] == ["s"]
    assert tc.load_study("s", url).trials == []


def test_a_study_built_by_hand_cannot_run_elsewhere():
    store = InMemoryStorage()
    from tunecycle.records import Direction
    from tunecycle.samplers import make_sampler

    info = store.create_study("hand", Direction.MINIMIZE)
    study = Study(store, info, make_sampler("random", 0))
    with pytest.raises(UserError, match="create_study"):
        study.optimize(_quadratic, n_trials=1, n_jobs=2)


def test_max_retries_is_kept_with_the_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    tc.create_study("r", storage=url, max_retries=2)
    assert tc.load_study("r", url).max_retries == 2
    assert Path(tmp_path / "r.db").exists()
