"""Database outages under running studies, on a PostgreSQL server of the test's own
(``throwaway_postgres``, never the shared one): restarts and a short stop are waited out,
a store gone for longer than ``TUNECYCLE_STORAGE_RETRY_SECONDS`` is one line and a non-zero
exit.  Each test prints what it injected and what survived (``fault_report``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import tunecycle as tc
from tunecycle.records import TrialState

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
_ENV = {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def _worker(url: str, study: str, max_trials: int, env: dict | None = None) -> subprocess.Popen:
    """``tunecycle worker`` on the ``brief`` objective, in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "tunecycle", "worker", "--storage", url, "--study", study,
         "--objective", "tests.execution.objectives:brief", "--max-trials", str(max_trials)],
        cwd=ROOT, env={**os.environ, **_ENV, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


_OPTIMIZE = """
import sys
import tunecycle as tc
from tests.execution.objectives import brief
study = tc.load_study(sys.argv[1], sys.argv[2])
study.optimize(brief, n_trials=int(sys.argv[3]), n_jobs=2)
"""


def _complete(url: str, study: str) -> dict[int, float | None]:
    """number -> value of the complete trials, read by a storage of its own."""
    return {t.number: t.value for t in tc.load_study(study, url).trials
            if t.state is TrialState.COMPLETE}


def _wait_for(done: Callable[[], bool], procs: list[subprocess.Popen], what: str) -> None:
    deadline = time.monotonic() + 60
    while not done():
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"a process ended before {what}: {p.returncode}\n{p.stderr.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within 60 s")
        time.sleep(0.1)


def _end(procs: list[subprocess.Popen], timeout: float = 120) -> list[str]:
    errs = []
    for p in procs:
        try:
            errs.append(p.communicate(timeout=timeout)[1])
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
    return errs


def _check(url: str, study: str, n: int, before: dict[int, float | None]) -> tuple[int, int]:
    """Exactly ``n`` complete trials numbered 0..n-1, none failed, and every trial that was
    complete before a fault still there with its value.  Returns (trials, lost)."""
    trials = tc.load_study(study, url).trials
    assert [t.number for t in trials] == list(range(len(trials)))  # unique, gap-free
    assert [t.number for t in trials if t.state is not TrialState.COMPLETE] == []
    assert len(trials) == n
    after = {t.number: t.value for t in trials}
    lost = [k for k, v in before.items() if after.get(k) != v]
    assert lost == []
    return len(trials), len(lost)


def test_three_workers_ride_through_two_restarts(throwaway_postgres, fault_report):
    pg, n = throwaway_postgres, 120
    tc.create_study("restart", storage=pg.url, sampler="random", seed=0)
    procs = [_worker(pg.url, "restart", n) for _ in range(3)]
    watch = tc.load_study("restart", pg.url)  # this process's store rides through as well
    before: dict[int, float | None] = {}
    restarts = 0
    for target in (25, 65):
        _wait_for(lambda t=target: sum(x.is_finished for x in watch.trials) >= t, procs,
                  f"{target} finished trials")
        before.update(_complete(pg.url, "restart"))
        pg.restart("fast")
        restarts += 1
    errs = _end(procs)
    assert [p.returncode for p in procs] == [0, 0, 0], errs
    assert not any("Traceback" in e for e in errs), errs
    trials, lost = _check(pg.url, "restart", n, before)
    waited = sum("retrying for up to 60 s" in e for e in errs)
    fault_report(f"faults injected: {restarts} (pg_ctl -m fast restart) under 3 workers, "
                 f"trials: {trials}, complete: {trials}, failed: 0, lost: {lost} of "
                 f"{len(before)} finished before a restart, workers that waited: {waited}")


def test_optimize_n_jobs_waits_out_a_stopped_server(throwaway_postgres, fault_report):
    pg, n = throwaway_postgres, 60
    tc.create_study("stop", storage=pg.url, sampler="random", seed=0)
    proc = subprocess.Popen([sys.executable, "-c", _OPTIMIZE, "stop", pg.url, str(n)], cwd=ROOT,
                            env={**os.environ, **_ENV}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    watch = tc.load_study("stop", pg.url)
    _wait_for(lambda: sum(x.is_finished for x in watch.trials) >= 15, [proc], "15 trials")
    before = _complete(pg.url, "stop")
    pg.stop("fast")
    time.sleep(5)
    pg.start()
    (err,) = _end([proc])
    assert proc.returncode == 0, err
    assert "retrying for up to 60 s" in err and "reachable again" in err, err
    assert "Traceback" not in err, err
    trials, lost = _check(pg.url, "stop", n, before)
    fault_report(f"faults injected: 1 (server stopped 5 s) under optimize(n_jobs=2), "
                 f"trials: {trials}, failed: 0, lost: {lost} of {len(before)}")


def test_a_server_gone_for_good_ends_the_worker_with_one_line(throwaway_postgres, fault_report):
    pg = throwaway_postgres
    tc.create_study("gone", storage=pg.url, sampler="random", seed=0)
    proc = _worker(pg.url, "gone", 100_000, env={"TUNECYCLE_STORAGE_RETRY_SECONDS": "3"})
    watch = tc.load_study("gone", pg.url)
    _wait_for(lambda: sum(x.is_finished for x in watch.trials) >= 10, [proc], "10 trials")
    before = _complete(pg.url, "gone")
    watch.storage.close()
    pg.stop("fast")
    stopped = time.monotonic()
    (err,) = _end([proc], timeout=60)  # bounded: a worker that hangs fails here
    took = time.monotonic() - stopped
    assert proc.returncode == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    errors = [line for line in lines if "unreachable for" in line]
    assert len(errors) == 1 and errors == lines[-1:], err  # one error line, and it is the last
    assert errors[0].startswith(f"tunecycle: error: storage {pg.url}: unreachable for 3 s ("), err
    assert errors[0].endswith("giving up. Finished trials are kept in the store."), err
    # besides it: at most the outage's warning and the heartbeat's, one line each
    assert len(lines) <= 3, err
    assert all(line.startswith(("storage ", "heartbeat: ", "tunecycle: error: "))
               for line in lines), err
    pg.start()
    after = _complete(pg.url, "gone")
    lost = [k for k, v in before.items() if after.get(k) != v]
    assert lost == [] and len(after) >= len(before)
    fault_report(f"faults injected: 1 (server stopped for good, retry limit 3 s), worker "
                 f"exit {proc.returncode} after {took:.1f} s, finished trials kept: "
                 f"{len(before) - len(lost)} of {len(before)}, lost: {len(lost)}")


_LEASED = """
import sys
import tunecycle as tc
from tests.execution.objectives import steady
study = tc.load_study(sys.argv[1], sys.argv[2], heartbeat_interval=0.3, grace_period=1.5)
study.optimize(steady, max_trials=int(sys.argv[3]))
"""


def test_an_outage_longer_than_the_grace_period_fails_no_live_trial(throwaway_postgres,
                                                                    fault_report):
    """When the store comes back, every lease looks older than the grace period; the workers
    alive all along must renew theirs before any of them judges the others' as stale."""
    pg, n, grace = throwaway_postgres, 40, 1.5
    tc.create_study("lease", storage=pg.url, sampler="random", seed=0)
    procs = [subprocess.Popen([sys.executable, "-c", _LEASED, "lease", pg.url, str(n)],
                              cwd=ROOT, env={**os.environ, **_ENV}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    watch = tc.load_study("lease", pg.url)
    _wait_for(lambda: sum(x.is_finished for x in watch.trials) >= 6, procs, "6 trials")
    before = _complete(pg.url, "lease")
    pg.stop("fast")
    time.sleep(3 * grace)  # longer than the grace period, shorter than the retry limit
    pg.start()
    errs = _end(procs)
    assert [p.returncode for p in procs] == [0, 0], errs
    trials, lost = _check(pg.url, "lease", n, before)  # none failed as stale
    fault_report(f"faults injected: 1 (server stopped {3 * grace:g} s, grace {grace:g} s) "
                 f"under 2 leased workers, trials: {trials}, failed as stale: 0, lost: {lost}")
