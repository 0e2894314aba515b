"""``tunecycle run CONFIG``: a cycle from a YAML file, continued on rerun; mistakes in the
config exit 2 with one line naming the field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


def test_run_sends_trials_and_the_final_model_to_mlflow_and_tensorboard(tmp_path, monkeypatch,
                                                                        capsys):
    """``tunecycle run`` with a tracking section (in-process): both stores read back."""
    from tests.integrations.trackers import needs

    needs("mlflow", "mlflow")
    needs("tensorboard", "tensorboard")
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import metadata

    from tunecycle.cli.main import main

    monkeypatch.chdir(tmp_path)  # relative paths (and MLflow's default artifact root) here
    doc = config(4)
    doc["tracking"] = {"mlflow": {"tracking_uri": "sqlite:///mlruns.db", "experiment": "iris"},
                       "tensorboard": {"log_dir": "tb"}}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(doc))
    assert main(["run", "cfg.yaml", "--no-report"]) == 0, capsys.readouterr().err

    client = MlflowClient("sqlite:///mlruns.db")
    exp = client.get_experiment_by_name("iris")
    runs = {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}
    study = tc.load_study("iris-knn", "sqlite:///tuning.db")
    assert sorted(runs) == sorted([f"iris-knn-trial-{n}" for n in range(4)] + ["iris-knn-final"])
    for trial in study.trials:
        run = runs[f"iris-knn-trial-{trial.number}"]
        assert run.data.params["n_neighbors"] == str(trial.params["n_neighbors"])
        assert run.data.metrics["accuracy"] == trial.value  # the config's metric names it
        steps = client.get_metric_history(run.info.run_id, "accuracy")
        assert [m.step for m in steps] == [0, 1, 2]  # the running mean after each fold
    final = runs["iris-knn-final"]
    assert final.data.metrics["test_accuracy"] == study.user_attrs["test_metrics"]["accuracy"]
    assert final.data.tags["tunecycle.family"] == "knn"
    assert final.data.params["n_neighbors"] == str(study.best_params["n_neighbors"])
    artifacts = {f.path for f in client.list_artifacts(final.info.run_id, "model")}
    assert {"model/model.joblib", "model/summary.json"} <= artifacts

    assert sorted(p.name for p in (tmp_path / "tb").iterdir() if p.is_dir()) == [
        f"trial-{n}" for n in range(4)]
    best = study.best_trial
    acc = EventAccumulator(str(tmp_path / "tb" / f"trial-{best.number}"))
    acc.Reload()
    assert [s.step for s in acc.Scalars("accuracy")] == [0, 1, 2]
    assert abs(acc.Scalars("accuracy")[-1].value - best.value) < 1e-6
    start = metadata.parse_session_start_info_plugin_data(
        acc.PluginTagToContent(metadata.PLUGIN_NAME)[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["n_neighbors"].number_value == best.params["n_neighbors"]


def test_run_with_two_objectives_sends_each_objective_to_mlflow_and_tensorboard(
        tmp_path, monkeypatch, capsys):
    """``objectives: [accuracy, latency_ms]`` with a constraint and a tracking section: each
    trial's run has a metric per objective and the constraint's; the final run has the saved
    member's test metrics."""
    from tests.integrations.trackers import needs

    needs("mlflow", "mlflow")
    needs("tensorboard", "tensorboard")
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import metadata

    from tunecycle.cli.main import main

    monkeypatch.chdir(tmp_path)
    doc = config(4)
    doc["study"].update(name="iris-mo", sampler="random")
    del doc["metric"]
    doc["objectives"] = ["accuracy", "latency_ms"]
    doc["constraints"] = {"model_size_kb": {"max": 10000}}
    doc["tracking"] = {"mlflow": {"tracking_uri": "sqlite:///mlruns.db", "experiment": "mo"},
                       "tensorboard": {"log_dir": "tb"}}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(doc))
    assert main(["run", "cfg.yaml", "--no-report"]) == 0, capsys.readouterr().err

    study = tc.load_study("iris-mo", "sqlite:///tuning.db")
    assert study.n_objectives == 2 and study.metric_names == ["accuracy", "latency_ms"]
    client = MlflowClient("sqlite:///mlruns.db")
    runs = {r.info.run_name: r
            for r in client.search_runs([client.get_experiment_by_name("mo").experiment_id])}
    assert sorted(runs) == sorted([f"iris-mo-trial-{n}" for n in range(4)] + ["iris-mo-final"])
    for trial in study.trials:
        run = runs[f"iris-mo-trial-{trial.number}"]
        assert run.data.metrics["accuracy"] == trial.values[0]
        assert run.data.metrics["latency_ms"] == trial.values[1]
        assert run.data.metrics["constraint_0"] == trial.constraints[0]
        assert run.data.tags["tunecycle.feasible"] == str(trial.feasible).lower()
        assert run.data.tags["tunecycle.direction"] == "maximize,minimize"
        # the running mean after each fold, then the trial's accuracy at the last step
        steps = client.get_metric_history(run.info.run_id, "accuracy")
        assert [m.step for m in steps] == [0, 1, 2] and steps[-1].value == trial.values[0]
    final = runs["iris-mo-final"]
    saved = study.user_attrs["test_metrics"]
    assert final.data.metrics["test_accuracy"] == saved["accuracy"]
    assert final.data.tags["tunecycle.direction"] == "maximize,minimize"
    assert {"model/model.joblib", "model/summary.json"} <= {
        f.path for f in client.list_artifacts(final.info.run_id, "model")}

    top = EventAccumulator(str(tmp_path / "tb"))
    top.Reload()
    experiment = metadata.parse_experiment_plugin_data(
        top.PluginTagToContent(metadata.PLUGIN_NAME)[metadata.EXPERIMENT_TAG])
    assert [m.name.tag for m in experiment.metric_infos] == ["accuracy", "latency_ms"]
    trial = study.trials[0]
    acc = EventAccumulator(str(tmp_path / "tb" / "trial-0"))
    acc.Reload()
    # TensorBoard keeps scalars as float32
    assert acc.Scalars("latency_ms")[-1].value == pytest.approx(trial.values[1], rel=1e-6)
    assert acc.Scalars("constraint_0")[-1].value == pytest.approx(trial.constraints[0],
                                                                  rel=1e-6)


def test_a_bad_time_budget_exits_2_with_one_line_naming_it(tmp_path, capsys, monkeypatch):
    from tunecycle.cli.main import main

    monkeypatch.chdir(tmp_path)
    doc = config(3)
    doc["study"]["time_budget"] = "soon"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    assert main(["run", "bad.yaml"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines() == [
        "tunecycle: error: bad.yaml: study.time_budget: must be a positive number of seconds "
        "or a duration such as '90s', '10m', '1h30m', got 'soon'"]
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(config(3)))
    assert main(["run", "good.yaml", "--time-budget", "0m"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "study.time_budget: must be a positive number" in err
    assert not (tmp_path / "tuning.db").exists()


def test_run_with_a_time_budget_flag_reports_the_time_left(tmp_path):
    doc = config(3)
    del doc["study"]["n_trials"]
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(doc))
    done = run_cli(tmp_path, "run", "cfg.yaml", "--time-budget", "6s", "--no-report")
    assert done.returncode == 0, done.stderr
    assert "time budget 6.0s: " in done.stdout and " left" in done.stdout
    assert len(tc.load_study("iris-knn", "sqlite:///" + str(tmp_path / "tuning.db")).trials) > 3
