"""The ``tunecycle`` command on a real SQLite file: every subcommand, and every user mistake
exits 2 with one line on stderr and no traceback."""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import tunecycle as tc
from tunecycle.cli.main import main

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    study = tc.create_study("alpha", storage=url, direction="maximize", seed=0)

    def objective(t):
        x = t.suggest_float("x", 0, 1)
        if t.number == 2:
            raise RuntimeError("boom")
        return x

    study.optimize(objective, n_trials=5)
    tc.create_study("beta", storage=url)
    return url


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tunecycle", *args], capture_output=True, text=True, timeout=240,
        env={**os.environ, "PYTHONPATH": SRC, **(env or {})},
    )


def test_studies_lists_every_study(db, capsys):
    assert main(["studies", "--storage", db]) == 0
    out = capsys.readouterr().out
    lines = [line.strip() for line in out.strip().splitlines()]
    assert lines[0].split()[:3] == ["name", "direction", "trials"]
    alpha = next(line for line in lines if line.startswith("alpha")).split()
    assert alpha[1:6] == ["maximize", "5", "4", "0", "1"]
    assert any(line.startswith("beta") for line in lines)


def test_trials_table_and_filters(db, capsys):
    assert main(["trials", "alpha", "--storage", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 + 5
    assert "boom" in out[3]
    assert main(["trials", "alpha", "--storage", db, "--state", "failed"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].split()[:2] == ["2", "failed"]


def test_best_matches_the_study(db, capsys):
    best = tc.load_study("alpha", db).best_trial
    assert main(["best", "alpha", "--storage", db, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"number": best.number, "value": best.value, "params": dict(best.params)}


def test_export_csv_and_json(db, tmp_path, capsys):
    out_csv, out_json = tmp_path / "t.csv", tmp_path / "t.json"
    assert main(["export", "alpha", "--storage", db, "-o", str(out_csv)]) == 0
    assert main(["export", "alpha", "--storage", db, "-o", str(out_json)]) == 0
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["number"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert rows[2]["state"] == "failed" and "params_x" in rows[0]
    doc = json.loads(out_json.read_text())
    assert doc["study"] == "alpha" and len(doc["trials"]) == 5
    assert doc["trials"][2]["fail_reason"] == "RuntimeError: boom"


def test_delete_removes_only_that_study(db, capsys):
    assert main(["delete", "alpha", "--storage", db]) == 0
    assert "deleted study 'alpha' (5 trials)" in capsys.readouterr().out
    names = [s.info.name for s in tc.list_studies(db)]
    assert names == ["beta"]


def test_storage_from_environment(db, capsys, monkeypatch):
    monkeypatch.setenv("TUNECYCLE_STORAGE", db)
    assert main(["best", "alpha", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trials", "nope"], "no study named 'nope'"),
        (["best", "beta"], "no complete trial"),
        (["export", "alpha", "-o", "out.txt"], "must end in .csv or .json"),
        (["export", "alpha", "-o", "/no/such/dir/out.csv"], "does not exist"),
        (["delete", "nope"], "no study named 'nope'"),
        (["trials", "alpha", "--limit", "zero"], "--limit"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(db, args, message):
    proc = run_cli(*args, "--storage", db) if args[0] != "frobnicate" else run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/x", "not a supported URL"),
        ("sqlite:////no/such/dir/x.db", "no such database file"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/x", "storage"),
    ],
)
def test_bad_storage_urls_exit_2_with_one_line(url, message):
    # retries off: an unreachable server is given up at once (tests/execution/test_outage.py
    # has the wait)
    proc = run_cli("studies", "--storage", url, env={"TUNECYCLE_STORAGE_RETRY_SECONDS": "0"})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_missing_storage_is_a_usage_error(monkeypatch):
    proc = run_cli("studies", env={"TUNECYCLE_STORAGE": ""})
    assert proc.returncode == 2 and "--storage is required" in proc.stderr


def test_user_mistake_leaves_stored_data_intact(db):
    before = [(t.number, t.state, t.value) for t in tc.load_study("alpha", db).trials]
    run_cli("export", "alpha", "--storage", db, "-o", "/no/such/dir/x.csv")
    run_cli("delete", "nope", "--storage", db)
    after = [(t.number, t.state, t.value) for t in tc.load_study("alpha", db).trials]
    assert before == after


def test_demo_command_runs_the_built_in_example(tmp_path):
    url = f"sqlite:///{tmp_path}/demo.db"
    proc = run_cli("demo", "--storage", url, "--trials", "6", "--output", str(tmp_path / "model"))
    assert proc.returncode == 0, proc.stderr
    assert "best configuration" in proc.stdout and "confusion matrix" in proc.stdout
    study = tc.load_study("digits-demo", url)
    assert len(study.get_trials(states=["complete"])) == 6
    assert study.trials[0].params["model"] == "svm"  # the families' defaults run first
    assert study.user_attrs["test_metrics"]["accuracy"] > 0.9
    assert (tmp_path / "model" / "model.joblib").is_file()
    # the closing hint is a command that works as printed, from where the demo ran
    hint = proc.stdout.strip().splitlines()[-1]
    assert hint.startswith("look at the study with: ")
    shown = subprocess.run(shlex.split(hint.split(": ", 1)[1]), capture_output=True, text=True,
                           timeout=120, env={**os.environ, "PYTHONPATH": SRC})
    assert shown.returncode == 0, shown.stderr
    assert "complete" in shown.stdout


def test_the_hint_names_the_venv_script_when_the_venv_is_not_on_the_path(tmp_path, monkeypatch):
    from tunecycle.cycle.summary import cli_command

    bindir = tmp_path / ".venv" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "executable", str(bindir / "python"))
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cli_command() == ".venv/bin/python -m tunecycle"  # no script: the module
    script = bindir / "tunecycle"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert cli_command() == ".venv/bin/tunecycle"
    monkeypatch.setenv("PATH", str(bindir))
    assert cli_command() == "tunecycle"  # the venv is activated


def test_best_trials_and_export_of_a_study_of_several_objectives(tmp_path, capsys):
    import json

    url = f"sqlite:///{tmp_path}/mo.db"
    study = tc.create_study("mo", storage=url, directions=["maximize", "minimize"],
                            sampler="random", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraints([x - 0.8])
        return x, x * x

    study.optimize(objective, n_trials=12)
    study.set_metric_names(["accuracy", "size"])
    front = study.best_trials
    assert main(["best", "mo", "--storage", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Pareto front: {len(front)} trials; objectives accuracy (maximize), "
                          "size (minimize)")
    assert main(["best", "mo", "--storage", url, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["number"] for d in doc] == [t.number for t in front]
    assert main(["trials", "mo", "--storage", url]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:5] == ["number", "state", "accuracy", "size", "feasible"]
    out_file = tmp_path / "mo.json"
    assert main(["export", "mo", "--storage", url, "-o", str(out_file)]) == 0
    exported = json.loads(out_file.read_text())
    assert exported["directions"] == ["maximize", "minimize"]
    assert [t["values"] for t in exported["trials"]] == [list(t.values) for t in study.trials]
    assert [t["constraints"] for t in exported["trials"]] == [
        list(t.constraints) for t in study.trials]
