"""MLflowCallback against the real mlflow with a local tracking store in tmp_path (MLflow's file
store: a SQLite store takes seconds to create its tables; the end-to-end test of
``tunecycle run`` uses one): each trial is one run whose params, metric history, tags and
status are read back with MlflowClient; nesting, the final run's artifacts, and a store that
fails do not end the study; a study of two objectives with a constraint: a metric per
objective, the constraint metric, the directions' text and the feasible tag."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

import tunecycle as tc
from tests.integrations.trackers import (
    CONFIGS,
    FINAL_VALUE,
    MO_CONFIGS,
    needs,
    run_mo_study,
    run_study,
)

mlflow = needs("mlflow", "mlflow")

from mlflow.tracking import MlflowClient  # noqa: E402

from tunecycle.integrations.mlflow import MLflowCallback  # noqa: E402


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(tracking URI, artifact root): one file store for the module; each test uses
    experiments of its own."""
    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 asks for it
        yield f"file://{root}/mlruns", str(root / "artifacts")


def runs_by_name(client: MlflowClient, experiment: str) -> dict:
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None
    return {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}


def test_each_trial_is_a_run_with_params_metric_steps_and_tags(store):
    uri, artifacts = store
    cb = MLflowCallback(tracking_uri=uri, experiment="flat", tags={"team": "ml"},
                        artifact_location=artifacts + "/flat")
    run_study("st", [cb])
    client = MlflowClient(uri)
    runs = runs_by_name(client, "flat")
    assert sorted(runs) == ["st-trial-0", "st-trial-1", "st-trial-2"]

    done = runs["st-trial-0"]
    assert done.data.params == {"x": "0.5", "kind": "a", "n": "3", "opt": "None"}
    assert done.info.status == "FINISHED"
    history = client.get_metric_history(done.info.run_id, "value")
    # the intermediate values at their steps, then the trial's value at the last step
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.6), (2, 0.4),
                                                   (2, FINAL_VALUE)]
    assert done.data.metrics["value"] == FINAL_VALUE  # the run's latest value: the trial's
    tags = done.data.tags
    assert tags["tunecycle.study"] == "st" and tags["tunecycle.trial_number"] == "0"
    assert tags["tunecycle.state"] == "complete" and tags["tunecycle.direction"] == "minimize"
    assert float(tags["tunecycle.duration_s"]) >= 0 and "tunecycle.fail_reason" not in tags
    assert tags["user_attrs.fold_scores"] == "[0.5, 0.75]"
    assert tags["user_attrs.info.family"] == "knn" and tags["user_attrs.info.deep.k"] == "2"
    assert tags["team"] == "ml" and "mlflow.parentRunId" not in tags
    assert done.info.start_time <= done.info.end_time

    pruned = runs["st-trial-1"]
    assert pruned.info.status == "KILLED" and pruned.data.tags["tunecycle.state"] == "pruned"
    # the value of a pruned trial is its last intermediate value: not repeated
    assert [(m.step, m.value) for m in client.get_metric_history(pruned.info.run_id, "value")
            ] == [(0, 3.0), (1, 2.5)]
    failed = runs["st-trial-2"]
    assert failed.info.status == "FAILED"
    assert failed.data.tags["tunecycle.fail_reason"] == "ValueError: bad configuration"
    assert failed.data.params["opt"] == "on"
    assert [(m.step, m.value) for m in client.get_metric_history(failed.info.run_id, "value")
            ] == [(0, 1.5)]


def test_nested_trials_and_the_final_run_with_the_model(store, tmp_path):
    uri, artifacts = store
    cb = MLflowCallback(tracking_uri=uri, nest_trials=True, metric_name="loss",
                        artifact_location=artifacts + "/nested")
    study = run_study("nested", [cb])  # experiment: the study's name
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.joblib").write_bytes(b"not really a model")
    (model_dir / "summary.json").write_text("{}")
    run_id = cb.log_final(study, test_metrics={"accuracy": 0.9, "f1_macro": 0.85},
                          params={"n_neighbors": 5}, family="knn", model_dir=model_dir)
    cb.close()

    client = MlflowClient(uri)
    runs = runs_by_name(client, "nested")
    parent = runs["nested"]
    assert parent.data.tags["tunecycle.role"] == "study" and parent.info.status == "FINISHED"
    for n in range(len(CONFIGS)):
        run = runs[f"nested-trial-{n}"]
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert runs["nested-trial-0"].data.metrics["loss"] == FINAL_VALUE

    final = runs["nested-final"]
    assert final.info.run_id == run_id and final.info.status == "FINISHED"
    assert final.data.metrics == {"test_accuracy": 0.9, "test_f1_macro": 0.85}
    assert final.data.params == {"n_neighbors": "5"}
    assert final.data.tags["tunecycle.family"] == "knn"
    assert final.data.tags["mlflow.parentRunId"] == parent.info.run_id
    listed = sorted(f.path for f in client.list_artifacts(run_id, "model"))
    assert listed == ["model/model.joblib", "model/summary.json"]
    local = client.download_artifacts(run_id, "model/model.joblib", str(tmp_path / "back"))
    assert open(local, "rb").read() == b"not really a model"

    # a continued study nests its new trials under the same parent
    again = MLflowCallback(tracking_uri=uri, nest_trials=True)
    assert again._parent(study, again._experiment_id("nested")) == parent.info.run_id


def test_a_tracker_error_logs_one_warning_and_the_study_goes_on(monkeypatch, caplog):
    # a tracking server on a local port where nothing listens: every call is refused
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    cb = MLflowCallback(tracking_uri=f"http://127.0.0.1:{port}")
    with caplog.at_level(logging.WARNING, logger="tunecycle.integrations"):
        study = run_study("broken", [cb])
    assert len(study.trials) == len(CONFIGS)
    lines = [r.getMessage() for r in caplog.records if r.name == "tunecycle.integrations"]
    assert len(lines) == len(CONFIGS)
    assert all(line.startswith("mlflow: could not log trial ") and "\n" not in line
               for line in lines)
    assert "the study goes on" in lines[0]


def history(client: MlflowClient, run, name: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, name)]


def test_two_objectives_and_a_constraint_are_metrics_and_tags(store):
    uri, artifacts = store
    cb = MLflowCallback(tracking_uri=uri, experiment="mo", metric_name="accuracy",
                        nest_trials=True, artifact_location=artifacts + "/mo")
    study = run_mo_study("mo", [cb], metric_names=["accuracy", "size_kb"])
    run_id = cb.log_final(study, test_metrics={"accuracy": 0.75}, params={"x": 0.5},
                          family="knn")
    cb.close()
    client = MlflowClient(uri)
    runs = runs_by_name(client, "mo")
    assert sorted(runs) == ["mo", "mo-final", "mo-trial-0", "mo-trial-1", "mo-trial-2"]

    done = runs["mo-trial-0"]  # feasible; intermediate values at steps 0 and 1
    # the intermediate values under the metric's name, then each objective at the last step
    assert history(client, done, "accuracy") == [(0, 0.6), (1, 0.7), (1, 0.8)]
    assert history(client, done, "size_kb") == [(1, 12.0)]
    assert history(client, done, "constraint_0") == [(1, -1.0)]
    assert done.data.metrics == {"accuracy": 0.8, "size_kb": 12.0, "constraint_0": -1.0}
    tags = done.data.tags
    assert tags["tunecycle.direction"] == "maximize,minimize"
    assert tags["tunecycle.objectives"] == "accuracy,size_kb"
    assert tags["tunecycle.feasible"] == "true" and tags["tunecycle.state"] == "complete"

    infeasible = runs["mo-trial-1"]  # no intermediate values: step 0
    assert infeasible.data.metrics == {"accuracy": 0.6, "size_kb": 30.0, "constraint_0": 2.5}
    assert history(client, infeasible, "size_kb") == [(0, 30.0)]
    assert infeasible.data.tags["tunecycle.feasible"] == "false"
    failed = runs["mo-trial-2"]  # no values; its constraint value was set before it failed
    assert failed.info.status == "FAILED"
    assert failed.data.metrics == {"accuracy": 0.4, "constraint_0": MO_CONFIGS[2][3]}

    parent, final = runs["mo"], runs["mo-final"]
    assert parent.data.tags["tunecycle.direction"] == "maximize,minimize"
    assert final.info.run_id == run_id and final.info.status == "FINISHED"
    assert final.data.tags["tunecycle.direction"] == "maximize,minimize"
    assert final.data.tags["tunecycle.objectives"] == "accuracy,size_kb"
    assert final.data.metrics == {"test_accuracy": 0.75}


def test_unnamed_objectives_are_numbered_after_the_metric_name(store):
    uri, artifacts = store
    cb = MLflowCallback(tracking_uri=uri, experiment="mo-unnamed",
                        artifact_location=artifacts + "/mo-unnamed")
    run_mo_study("mo-unnamed", [cb])
    client = MlflowClient(uri)
    done = runs_by_name(client, "mo-unnamed")["mo-unnamed-trial-0"]
    assert done.data.metrics == {"value": 0.7, "value_0": 0.8, "value_1": 12.0,
                                 "constraint_0": -1.0}
    assert history(client, done, "value") == [(0, 0.6), (1, 0.7)]  # intermediate values only
    assert done.data.tags["tunecycle.objectives"] == "value_0,value_1"


def test_a_constraint_in_a_study_of_one_objective(store):
    uri, artifacts = store
    cb = MLflowCallback(tracking_uri=uri, experiment="one-c",
                        artifact_location=artifacts + "/one-c")
    study = tc.create_study(name="one-c", sampler="random", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.set_constraints([x - 0.5])
        return x

    study.optimize(objective, n_trials=2, callbacks=[cb])
    runs = runs_by_name(MlflowClient(uri), "one-c")
    for trial in study.trials:
        run = runs[f"one-c-trial-{trial.number}"]
        assert run.data.metrics == {"value": trial.value,
                                    "constraint_0": trial.constraints[0]}
        assert run.data.tags["tunecycle.direction"] == "minimize"
        assert run.data.tags["tunecycle.feasible"] == str(trial.feasible).lower()
        assert "tunecycle.objectives" not in run.data.tags
