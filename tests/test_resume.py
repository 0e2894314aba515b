"""Resuming a study on SQLite after its process was killed with SIGKILL mid-trial."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tunecycle as tc
from tunecycle.records import TrialState

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    import tunecycle as tc

    url, name, marker = sys.argv[1:4]

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        trial.report(x, 0)
        time.sleep(0.05)
        if trial.number == 8:
            Path(marker).write_text("8")
            time.sleep(300)  # killed here
        return (x - 1) ** 2

    study = tc.create_study(name, storage=url, load_if_exists=True, seed=3)
    study.optimize(objective, max_trials=20)
    """
)


def _rows(db: Path) -> list[tuple]:
    """The trials as a plain sqlite3 connection of its own sees them."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(
            "SELECT number, state, value, params, owner FROM tc_trials ORDER BY number"
        ).fetchall()
    finally:
        conn.close()


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_resume_after_sigkill(tmp_path):
    db = tmp_path / "study.db"
    url = f"sqlite:///{db}"
    marker = tmp_path / "reached-8"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, url, "resume", str(marker)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the worker exited early ({proc.returncode}): {proc.communicate()}")
            assert time.monotonic() < deadline, "the worker never reached trial 8"
            time.sleep(0.02)
        before = _rows(db)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    # what was committed before the kill: trials 0..7 complete, 8 running
    assert [(r[0], r[1]) for r in before] == [(n, "complete") for n in range(8)] + [(8, "running")]
    assert before[8][4].endswith(f":{proc.pid}")
    after_kill = _rows(db)
    assert after_kill == before  # nothing lost, and nobody has touched trial 8 yet

    # loading fails the orphan at once: its owner process is gone
    study = tc.load_study("resume", storage=url)
    trials = study.trials
    assert [t.number for t in trials] == list(range(9))
    for t, row in zip(trials[:8], before):
        assert t.state is TrialState.COMPLETE
        assert t.value == row[2]
        assert dict(t.params) == json.loads(row[3])
        assert dict(t.intermediate) == {0: t.params["x"]}
    orphan = trials[8]
    assert orphan.state is TrialState.FAILED
    assert f":{proc.pid}" in orphan.fail_reason and "owner" in orphan.fail_reason
    assert "gone" in orphan.fail_reason
    assert orphan.owner == before[8][4]

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        return (x - 1) ** 2

    study.optimize(objective, max_trials=20)
    final = tc.load_study("resume", storage=url).trials
    assert [t.number for t in final] == list(range(21))
    assert sum(t.state is TrialState.COMPLETE for t in final) == 20
    assert [t.number for t in final if t.state is not TrialState.COMPLETE] == [8]
    assert [(t.value, dict(t.params)) for t in final[:8]] == [
        (t.value, dict(t.params)) for t in trials[:8]
    ]
