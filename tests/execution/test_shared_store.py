"""Many worker processes on one shared store (``tunecycle worker``), on SQLite and on a real
PostgreSQL: load, killed workers, and database connections killed under the workers.

Each test prints what it injected and what survived (``faults injected: N, trials lost: 0``).
"""

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

ROOT = Path(__file__).resolve().parents[2]


def _worker(url: str, study: str, objective: str, max_trials: int) -> subprocess.Popen:
    """``tunecycle worker`` in a process of its own (output kept for the checks)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "tunecycle", "worker", "--storage", url, "--study", study,
         "--objective", f"tests.execution.objectives:{objective}",
         "--max-trials", str(max_trials)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _finish(procs: list[subprocess.Popen], timeout: float = 240) -> list[str]:
    errs = []
    for p in procs:
        _, err = p.communicate(timeout=timeout)
        errs.append(err)
    return errs


def _check_numbers(trials: list) -> None:
    assert [t.number for t in trials] == list(range(len(trials)))  # unique, gap-free


@pytest.mark.slow
@pytest.mark.parametrize("url_fixture", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_four_workers_share_800_trials(fault_report, url_fixture, request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'load.db'}" if url_fixture == "sqlite"
           else request.getfixturevalue("fresh_postgres_url"))
    tc.create_study("load", storage=url, sampler="random", seed=0)
    procs = [_worker(url, "load", "fast", 800) for _ in range(4)]
    errs = _finish(procs)
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errs
    trials = tc.load_study("load", url).trials
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    assert len(complete) == 800 and len(trials) == 800
    _check_numbers(trials)
    assert all(t.value is not None and t.params for t in complete)  # no tell lost
    assert not any("locked" in e.lower() for e in errs), "a lock error reached the user"
    owners = {t.owner for t in trials}
    assert len(owners) >= 2  # the work was shared
    fault_report(f"workers: 4, trials: {len(trials)}, complete: {len(complete)}, lost: 0, "
          f"owners: {len(owners)}")


@pytest.mark.slow
@pytest.mark.parametrize("url_fixture", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_worker_killed_mid_trial_loses_nothing(fault_report, url_fixture, request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'kill.db'}" if url_fixture == "sqlite"
           else request.getfixturevalue("fresh_postgres_url"))
    tc.create_study("kill", storage=url, sampler="random", seed=0, max_retries=1)
    procs = [_worker(url, "kill", "slow", 24) for _ in range(3)]
    victim = procs[0]
    study = tc.load_study("kill", url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the victim is inside a trial (reported)
        if any(t.owner and t.owner.endswith(f":{victim.pid}") and t.state is TrialState.RUNNING
               and t.intermediate for t in study.trials):
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    errs = _finish(procs[1:])
    victim.wait()
    assert [p.returncode for p in procs[1:]] == [0, 0], errs
    trials = study.trials
    _check_numbers(trials)
    dead = [t for t in trials if t.state is TrialState.FAILED]
    assert len(dead) == 1 and f":{victim.pid}" in dead[0].fail_reason
    assert "gone" in dead[0].fail_reason
    retry = [t for t in trials if t.retry_of == dead[0].number]
    assert len(retry) == 1 and retry[0].state is TrialState.COMPLETE
    assert dict(retry[0].params) == dict(dead[0].params)
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    assert len(complete) == 24
    fault_report(f"faults injected: 1 (kill -9), trials lost: {24 - len(complete)}, "
          f"retried: {len(retry)}")


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_reconnect_when_postgres_drops_their_connections(fault_report, fresh_postgres_url):
    import psycopg

    from tests.conftest import _libpq_conninfo

    url = fresh_postgres_url
    tc.create_study("drop", storage=url, sampler="random", seed=0)
    procs = [_worker(url, "drop", "slow", 40) for _ in range(2)]
    study = tc.load_study("drop", url)
    injected = 0
    with psycopg.connect(_libpq_conninfo(url), autocommit=True) as admin:
        for _ in range(3):
            deadline = time.monotonic() + 60
            target = len([t for t in study.trials if t.is_finished]) + 5
            while time.monotonic() < deadline and sum(t.is_finished for t in study.trials) < target:
                time.sleep(0.1)
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            injected += sum(1 for (ok,) in rows if ok)
    errs = _finish(procs)
    assert [p.returncode for p in procs] == [0, 0], errs
    trials = tc.load_study("drop", url).trials
    _check_numbers(trials)
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    assert len(complete) == 40 and injected >= 3
    assert not [t for t in trials if t.state is TrialState.FAILED]
    fault_report(f"faults injected: {injected} (terminated connections), trials lost: 0")


@pytest.mark.slow
@pytest.mark.parametrize("url_fixture", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_trial_of_another_host_is_failed_once_its_lease_runs_out(fault_report, url_fixture,
                                                                   request, tmp_path):
    """A worker on another machine cannot be asked whether its process lives: only its lease,
    on the database's clock, tells.  Simulated by a running trial owned by another host."""
    url = (f"sqlite:///{tmp_path / 'lease.db'}" if url_fixture == "sqlite"
           else request.getfixturevalue("fresh_postgres_url"))
    grace = 1.5
    study = tc.create_study("lease", storage=url, sampler="random", seed=0, max_retries=1,
                            heartbeat_interval=0.2, grace_period=grace)
    store = study.storage
    foreign = store.start_trial(study.study_id, "tuner-on-another-host:4242", lease=True)
    store.set_params(foreign.trial_id, {"x": 0.5}, {"x": tc.Float(-5.0, 5.0)})
    waited_for = []

    def objective(trial):
        x = trial.suggest_float("x", -5.0, 5.0)
        if store.get_trial(foreign.trial_id).state is TrialState.RUNNING:
            waited_for.append(trial.number)  # the foreign trial still holds its lease
        time.sleep(0.3)
        return (x - 1.0) ** 2

    study.optimize(objective, max_trials=8)
    trials = tc.load_study("lease", url).trials
    _check_numbers(trials)
    failed = [t for t in trials if t.state is TrialState.FAILED]
    assert [t.number for t in failed] == [foreign.number]
    reason = failed[0].fail_reason
    assert "no heartbeat from tuner-on-another-host:4242" in reason and f"grace {grace:g} s" in reason
    assert (failed[0].datetime_complete - failed[0].datetime_start).total_seconds() >= grace
    assert waited_for  # it was not failed at once: the lease held for the grace period
    retry = [t for t in trials if t.retry_of == foreign.number]
    assert len(retry) == 1 and retry[0].state is TrialState.COMPLETE
    assert retry[0].params["x"] == 0.5  # re-run with the same params
    assert len([t for t in trials if t.state is TrialState.COMPLETE]) == 8
    fault_report(f"foreign lease expired: 1, failed after {grace:g} s grace, retried: 1, "
                 f"trials: {len(trials)}, lost: 0")
