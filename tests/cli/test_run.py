"""``tunecycle run CONFIG``: a cycle from a YAML file, continued on rerun; mistakes in the
config exit 2 with one line naming the field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

import tunecycle as tc

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tunecycle", *args], capture_output=True, text=True, timeout=120,
        cwd=cwd, env={**os.environ, "PYTHONPATH": SRC},
    )


def config(n_trials: int) -> dict:
    return {
        "study": {"name": "iris-knn", "storage": "sqlite:///tuning.db", "n_trials": n_trials,
                  "seed": 0},
        "data": {"source": "sklearn:iris"},
        "split": {"test_size": 0.2, "validation": {"kind": "kfold", "folds": 3}},
        "metric": "accuracy",
        "models": {"knn": {"n_neighbors": {"type": "int", "low": 1, "high": 15}}},
        "output": {"dir": "model"},
    }


def test_run_then_rerun_continues_the_study(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(config(4)))
    done = run_cli(tmp_path, "run", "cfg.yaml")
    assert done.returncode == 0, done.stderr
    assert "test metrics" in done.stdout and "accuracy:" in done.stdout
    assert "3-fold CV" in done.stdout and "tunecycle trials iris-knn" in done.stdout
    url = f"sqlite:///{tmp_path}/tuning.db"
    assert len(tc.load_study("iris-knn", url).trials) == 4
    assert (tmp_path / "model" / "model.joblib").exists()
    # the report goes beside the model; no progress bar when the output is not a terminal
    assert "report written to model/report.html" in done.stdout
    page = (tmp_path / "model" / "report.html").read_text()
    assert "iris-knn" in page and "Test metrics" in page and "Leaderboard" in page
    assert "trial/s" not in done.stderr and "|" not in done.stderr

    cfg.write_text(yaml.safe_dump(config(6)))
    again = run_cli(tmp_path, "run", "cfg.yaml", "--no-report", "--report", "x.html")
    assert again.returncode == 2 and "not allowed with argument" in again.stderr
    again = run_cli(tmp_path, "run", "cfg.yaml", "--no-report")
    assert again.returncode == 0, again.stderr
    assert len(tc.load_study("iris-knn", url).trials) == 6
    assert "report written" not in again.stdout


def test_invalid_config_exits_2_with_one_line(tmp_path):
    doc = config(4)
    doc["study"]["n_trials"] = 0
    doc["models"] = {"knn": {"neighbours": 3}}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    done = run_cli(tmp_path, "run", "bad.yaml")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert lines[0].startswith("tunecycle: error: bad.yaml: ")
    assert "study.n_trials: must be a positive integer" in lines[0]
    assert "models.knn.neighbours:" in lines[0]
    assert not (tmp_path / "tuning.db").exists()


def test_missing_file_and_bad_yaml_exit_2(tmp_path):
    (tmp_path / "broken.yaml").write_text("study: {n_trials: 3\n")
    for name in ("missing.yaml", "broken.yaml"):
        done = run_cli(tmp_path, "run", name)
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and name in done.stderr


def test_builtin_example_config_is_valid():
    from importlib.resources import files

    from tunecycle.cycle.config import load_config

    cfg = load_config(Path(str(files("tunecycle.examples") / "digits.yaml")))
    assert cfg.data.source == "sklearn:digits" and list(cfg.models) == ["svm", "knn", "logistic"]
    assert cfg.study.n_trials == 30 and cfg.split.validation.folds == 3
    assert cfg.study.storage == "sqlite:///tunecycle-demo.db"
    assert cfg.output.dir == "tunecycle-demo-model"


def test_a_mistyped_fixed_value_is_a_config_error_before_any_trial(tmp_path, capsys):
    from tunecycle.cli.main import main

    db = tmp_path / "typo.db"
    cfg = tmp_path / "typo.yaml"
    cfg.write_text(f'study: {{name: typo, storage: "sqlite:///{db}"}}\n'
                   'data: {source: "sklearn:iris"}\n'
                   "models: {knn: {n_neighbors: five}}\n")
    assert main(["run", str(cfg), "--no-report"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "models.knn.n_neighbors: 'five' is not an integer" in err
    assert not db.exists()
