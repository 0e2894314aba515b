"""``tunecycle worker``: extra workers on a shared study, from a config or an objective, and
the user mistakes that must stop a worker before it writes anything."""

from __future__ import annotations

from pathlib import Path

import pytest

import tunecycle as tc
from tunecycle.cli.main import main

CONFIG = """
study: {name: ignored, n_trials: 5, seed: 0}
data: {source: "sklearn:iris"}
split: {test_size: 0.2, validation: {kind: kfold, folds: 3}}
models: [knn]
"""


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "iris.yaml"
    path.write_text(CONFIG)
    return path


def test_a_config_worker_runs_the_trials_only(tmp_path, config, capsys):
    url = f"sqlite:///{tmp_path}/w.db"
    assert main(["worker", "--study", "iris", "--storage", url, "--config", str(config)]) == 0
    assert "5 complete" in capsys.readouterr().out
    study = tc.load_study("iris", url)  # --study and --storage won over the config's
    assert len(study.get_trials(states=["complete"])) == 5 and "test_metrics" not in study.user_attrs
    # a second worker with a larger total continues the same study
    assert main(["worker", "--study", "iris", "--storage", url, "--config", str(config),
                 "--max-trials", "7", "--n-jobs", "2"]) == 0
    assert [t.number for t in tc.load_study("iris", url).trials] == list(range(7))


def test_an_objective_worker_joins_an_existing_study(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/o.db"
    tc.create_study("fast", storage=url, sampler="random", seed=0)
    assert main(["worker", "--study", "fast", "--storage", url,
                 "--objective", "tests.execution.objectives:fast", "--max-trials", "6"]) == 0
    assert "6 complete" in capsys.readouterr().out
    space = tmp_path / "space.yaml"
    space.write_text("x: {type: float, low: -5, high: 5}\n")
    assert main(["worker", "--study", "fast", "--storage", url, "--space", str(space),
                 "--objective", "tests.execution.objectives:declared", "--n-trials", "2"]) == 0
    assert len(tc.load_study("fast", url).trials) == 8


@pytest.mark.parametrize("args, message", [
    (["--objective", "tests.execution.objectives:fast", "--max-trials", "2"], "no study named"),
    (["--objective", "tests.execution.objectives", "--max-trials", "2"], "module:function"),
    (["--objective", "no_such_module_xyz:f", "--max-trials", "2"], "cannot import"),
    (["--objective", "tests.execution.objectives:nope", "--max-trials", "2"], "no function"),
    (["--objective", "tests.execution.objectives:fast"], "--n-trials, --max-trials or --time-budget"),
    (["--objective", "tests.execution.objectives:fast", "--n-trials", "0"], "positive integer"),
    (["--objective", "tests.execution.objectives:fast", "--n-trials", "1", "--n-jobs", "0"],
     "positive integer"),
])
def test_worker_mistakes_exit_2_and_write_nothing(tmp_path, args, message, capsys):
    url = f"sqlite:///{tmp_path}/m.db"
    tc.create_study("other", storage=url)
    assert main(["worker", "--study", "missing", "--storage", url, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert [s.info.name for s in tc.list_studies(url)] == ["other"]


def test_a_config_of_the_other_direction_is_refused(tmp_path, config, capsys):
    url = f"sqlite:///{tmp_path}/d.db"
    tc.create_study("iris", storage=url, direction="minimize")
    assert main(["worker", "--study", "iris", "--storage", url, "--config", str(config)]) == 2
    assert "direction" in capsys.readouterr().err
    assert tc.load_study("iris", url).trials == []


def test_a_bad_storage_url_is_one_line(config, capsys, monkeypatch):
    monkeypatch.setenv("TUNECYCLE_STORAGE_RETRY_SECONDS", "0")  # give up at once
    assert main(["worker", "--study", "iris", "--storage", "postgresql+psycopg://u@127.0.0.1:1/x",
                 "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "connection" in err and len(err.strip().splitlines()) == 1


def test_a_worker_whose_every_trial_fails_stops_with_one_line(tmp_path):
    import subprocess
    import sys

    from tests.terminal import SRC

    url = f"sqlite:///{tmp_path}/f.db"
    tc.create_study("fails", storage=url, sampler="random", seed=0)
    proc = subprocess.run(
        [sys.executable, "-m", "tunecycle", "worker", "--study", "fails", "--storage", url,
         "--objective", "tests.execution.objectives:always_fails", "--max-trials", "50",
         "--max-consecutive-failures", "5"],
        capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": f"{SRC}:{Path(SRC).parent}", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert "Traceback" not in proc.stderr
    assert [ln.split(" (x=")[0] for ln in lines[:5]] == [
        f"trial {n} failed: ValueError: invalid literal for int() with base 10: 'five'"
        for n in range(5)]
    assert lines[5] == "5 trials finished in this run: 0 complete, 0 pruned, 5 failed"
    assert lines[6].startswith("tunecycle: error: optimize: 5 trials in a row failed")
    assert "trial 0 failed: ValueError: invalid literal" in lines[6] and len(lines) == 7
    assert len(tc.load_study("fails", url).trials) == 5


def test_an_objective_worker_with_a_time_budget_ends_by_itself(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/b.db"
    tc.create_study("budget", storage=url, sampler="random", seed=0)
    # no trial count: the budget alone ends the worker
    assert main(["worker", "--study", "budget", "--storage", url,
                 "--objective", "tests.execution.objectives:brief", "--time-budget", "1.5s"]) == 0
    out = capsys.readouterr().out
    assert "time budget 1.5s: " in out and " left" in out
    trials = tc.load_study("budget", url).trials
    assert trials and all(t.state.value == "complete" for t in trials)
    first = min(t.datetime_start for t in trials)
    # every trial started inside the budget
    assert all((t.datetime_start - first).total_seconds() < 1.5 for t in trials)


def test_a_config_worker_takes_a_time_budget(tmp_path, config, capsys):
    url = f"sqlite:///{tmp_path}/cb.db"
    assert main(["worker", "--study", "iris", "--storage", url, "--config", str(config),
                 "--time-budget", "60s"]) == 0
    assert "5 complete" in capsys.readouterr().out  # the config's n_trials ends it first
    assert "test_metrics" not in tc.load_study("iris", url).user_attrs


@pytest.mark.parametrize("extra", [[], ["--config", "CONFIG"]])
def test_a_bad_worker_time_budget_is_one_line_naming_it(tmp_path, config, extra, capsys):
    url = f"sqlite:///{tmp_path}/bad.db"
    tc.create_study("budget", storage=url)
    what = [a.replace("CONFIG", str(config)) for a in extra] or [
        "--objective", "tests.execution.objectives:fast"]
    assert main(["worker", "--study", "budget", "--storage", url, *what,
                 "--time-budget", "soon"]) == 2
    err = capsys.readouterr().err
    assert "time_budget" in err.replace("-", "_") and "must be a positive number" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert tc.load_study("budget", url).trials == []
