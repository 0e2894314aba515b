"""What a person sees during ``optimize``: a line per failed trial, counts on the bar, a
summary; all without any logging set-up, and silenced by one setting."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from tests.terminal import SRC, run_on_terminal
from tunecycle.progress import failure_line, summary_line
from tunecycle.records import FrozenTrial, TrialState

# trials 0, 3, 6 fail (two ways), 1 and 4 are pruned, the others complete
SCRIPT = """
import tunecycle as tc
{setup}
def objective(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number in (0, 6):
        raise ValueError("column 'age' is not numeric\\nsecond line of the message")
    if trial.number == 3:
        return float("nan")
    if trial.number in (1, 4):
        raise tc.TrialPruned()
    return x
study = tc.create_study(seed=0)
study.optimize(objective, n_trials=8, progress={progress})
"""


def _run(setup: str = "", progress: bool = False) -> subprocess.CompletedProcess:
    code = SCRIPT.format(setup=setup, progress=progress)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, timeout=120)


def test_each_failed_trial_gives_one_line_and_the_run_a_summary_without_logging_setup():
    proc = _run()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines == [
        "trial 0 failed: ValueError: column 'age' is not numeric ...",
        "trial 3 failed: the objective returned NaN",
        "trial 6 failed: ValueError: column 'age' is not numeric ...",
        "8 trials finished in this run: 3 complete, 2 pruned, 3 failed",
    ]


def test_one_setting_silences_them():
    proc = _run('import logging\nlogging.getLogger("tunecycle").setLevel(logging.ERROR)')
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == ""


def test_a_users_logging_setup_gets_each_line_once():
    proc = _run("import logging, sys\n"
                "logging.basicConfig(stream=sys.stdout, format='LOG %(name)s %(message)s')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    failed = [ln for ln in proc.stdout.splitlines() if " failed: " in ln]
    assert failed == [
        "LOG tunecycle.study trial 0 failed: ValueError: column 'age' is not numeric ...",
        "LOG tunecycle.study trial 3 failed: the objective returned NaN",
        "LOG tunecycle.study trial 6 failed: ValueError: column 'age' is not numeric ...",
    ]


def test_the_bar_counts_pruned_and_failed_trials_and_the_lines_go_above_it():
    rc, text = run_on_terminal([sys.executable, "-c", SCRIPT.format(setup="", progress=True)])
    assert rc == 0, text
    assert "8/8" in text and "pruned=2" in text and "failed=3" in text, text
    assert text.count("trial 0 failed: ValueError") == 1
    assert "8 trials finished in this run: 3 complete, 2 pruned, 3 failed" in text
    assert "Traceback" not in text


def test_failure_line_keeps_one_short_line_of_the_reason():
    long = FrozenTrial(1, 4, TrialState.FAILED, fail_reason="E: " + "x" * 1000)
    line = failure_line(long)
    assert line.startswith("trial 4 failed: E: xxx") and line.endswith("...")
    assert len(line) < 340 and "\n" not in line
    assert failure_line(FrozenTrial(1, 2, TrialState.FAILED)) == (
        "trial 2 failed: no reason recorded")


def test_summary_line_counts_each_state():
    counts = Counter({TrialState.COMPLETE: 1})
    assert summary_line(counts) == "1 trial finished in this run: 1 complete, 0 pruned, 0 failed"


BUDGET_SCRIPT = """
import time, tunecycle as tc
def objective(trial):
    time.sleep(0.2 * trial.suggest_int("x", 1, 3))
    return 0.0
tc.create_study(sampler="random", seed=0).optimize(objective, time_budget=2, progress=True)
"""


def test_under_a_time_budget_the_bar_and_the_summary_show_the_time_left():
    rc, text = run_on_terminal([sys.executable, "-c", BUDGET_SCRIPT])
    assert rc == 0, text
    assert "left=1." in text or "left=0." in text, text  # seconds left, on the bar
    assert "time budget 2.0s: " in text and " used, " in text and " left" in text, text
    assert "stopped: time budget" in text, text
