"""``optimize(backend="ray")``: trials as Ray tasks on a real local Ray (pinned to
127.0.0.1, one per module), the driver holding the sampler and the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tunecycle as tc
from tunecycle.records import TrialState

# single-machine Ray: every Ray process binds and dials 127.0.0.1 only (read when ray is
# imported; the driver processes started below inherit it)
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
ray = pytest.importorskip("ray") if not os.environ.get("CI") else __import__("ray")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False,
             log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _objective(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    for step in range(3):
        trial.report((x - 1) ** 2 + step, step)
        if trial.should_prune():
            raise tc.TrialPruned()
    trial.set_user_attr("pid", os.getpid())
    return (x - 1) ** 2 + (kind == "b")


def test_trials_run_as_ray_tasks(local_ray, tmp_path):
    study = tc.create_study(storage=f"sqlite:///{tmp_path / 'r.db'}", sampler="tpe", seed=0,
                            pruner="median")
    study.optimize(_objective, n_trials=16, n_jobs=2, backend="ray",
                   resources_per_trial={"cpu": 1})
    trials = study.trials
    assert [t.number for t in trials] == list(range(16))
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    done = [t for t in trials if t.state is TrialState.COMPLETE]
    assert done and all(t.user_attrs["pid"] != os.getpid() for t in done)
    assert all(set(t.distributions) == {"x", "kind"} for t in trials)
    assert all(len(t.intermediate) >= 1 for t in trials)


def _dies_on_three(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(x, 0)
    if trial.number == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_dead_ray_task_fails_its_trial_which_is_retried(fault_report, local_ray):
    study = tc.create_study(sampler="random", seed=0, max_retries=1)
    study.optimize(_dies_on_three, max_trials=8, n_jobs=2, backend="ray")
    trials = study.trials
    assert trials[3].state is TrialState.FAILED and "worker lost" in trials[3].fail_reason
    retry = [t for t in trials if t.retry_of == 3]
    assert len(retry) == 1 and retry[0].state is TrialState.COMPLETE
    assert dict(retry[0].params) == dict(trials[3].params)
    assert len(study.get_trials(states=["complete"])) == 8
    fault_report("faults injected: 1 (Ray task killed), trials lost: 0")


def _driver(address: str, url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.execution.ray_driver", address, url, "resume", "20"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.slow
def test_a_killed_driver_is_restarted_and_resumes_from_the_store(fault_report, local_ray, tmp_path):
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    study = tc.create_study("resume", storage=url, sampler="random", seed=0, max_retries=1)
    first = _driver(local_ray, url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(study.get_trials(states=["complete"])) < 5:
        if first.poll() is not None:
            pytest.fail(f"the driver ended early: {first.communicate()}")
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    left_running = [t.number for t in study.get_trials(states=["running"])]
    second = _driver(local_ray, url)
    out, err = second.communicate(timeout=240)
    assert second.returncode == 0, err
    assert "driver done" in out
    trials = study.trials
    assert [t.number for t in trials] == list(range(len(trials)))
    assert len([t for t in trials if t.state is TrialState.COMPLETE]) == 20
    failed = [t for t in trials if t.state is TrialState.FAILED]
    assert sorted(t.number for t in failed) == sorted(left_running)
    assert all(f":{first.pid}" in t.fail_reason for t in failed)
    assert sorted(t.retry_of for t in trials if t.retry_of is not None) == sorted(left_running)
    fault_report(f"faults injected: 1 (driver kill -9, {len(left_running)} trials in flight), "
          f"trials lost: 0")


def test_the_cycle_runs_its_trials_on_ray(local_ray, tmp_path):
    from tunecycle.cycle.runner import tune

    result = tune("sklearn:iris", model="knn", n_trials=5, seed=0, n_jobs=2, backend="ray",
                  storage=f"sqlite:///{tmp_path / 'cycle.db'}", study_name="iris-ray")
    trials = result.study.trials
    assert len(trials) == 5 and all(t.state is TrialState.COMPLETE for t in trials)
    assert all(len(t.intermediate) == 5 for t in trials)  # fold by fold, from the Ray tasks
    assert result.test_metrics["accuracy"] > 0.85


@pytest.mark.slow
@pytest.mark.postgres
def test_a_ray_run_rides_through_a_stopped_database(fault_report, local_ray, throwaway_postgres):
    """The driver holds the store; Ray tasks talk only to it. A stop of the database server
    under a Ray run is a pause, not a crash: the run ends with exactly the asked trials."""
    import threading
    from datetime import datetime

    from tests.execution.objectives import brief

    pg, n = throwaway_postgres, 40
    study = tc.create_study("ray-outage", storage=pg.url, sampler="random", seed=0)
    injected = threading.Event()
    stopped_at: list[datetime] = []

    def stop_the_server_for_a_while() -> None:
        deadline = time.monotonic() + 60
        while study.storage.count_trials(study.study_id, [TrialState.COMPLETE]) < 10:
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)
        stopped_at.append(datetime.now())
        pg.stop("fast")
        time.sleep(4)
        pg.start()
        injected.set()

    fault = threading.Thread(target=stop_the_server_for_a_while, daemon=True)
    fault.start()
    study.optimize(brief, max_trials=n, n_jobs=2, backend="ray")
    fault.join(timeout=30)
    assert injected.is_set(), "the server was not stopped while the run went on"
    trials = tc.load_study("ray-outage", pg.url).trials
    assert [t.number for t in trials] == list(range(n))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert any(t.datetime_start > stopped_at[0] for t in trials)  # the run went on after it
    fault_report(f"faults injected: 1 (server stopped 4 s) under a Ray run (n_jobs=2), "
                 f"trials: {len(trials)}, failed: 0, lost: 0")
