"""MLflowCallback against the real mlflow with a local tracking store in tmp_path (MLflow's file
store: a SQLite store takes seconds to create its tables; the end-to-end test of
``tunecycle run`` uses one): each trial is one run whose params, metric history, tags and
status are read back with MlflowClient; nesting, the final run's artifacts, and a store that
fails do not end the study."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from tests.integrations.trackers import CONFIGS, FINAL_VALUE, needs, run_study

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
