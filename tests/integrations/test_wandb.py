"""WandbCallback in offline mode only (no account, no network): the runs written under tmp_path
are read back from their ``.wandb`` files (W&B's record log: LevelDB-style blocks of
``wandb_internal_pb2.Record`` messages) and their config, history, summary, group and tags
checked; a study of two objectives with a constraint puts each objective's value, the
constraint value, the feasible flag and the directions' text in the summary."""

from __future__ import annotations

import glob
import json
import logging
import struct
from pathlib import Path

import pytest

from tests.integrations.trackers import (
    CONFIGS,
    FINAL_VALUE,
    MO_CONFIGS,
    needs,
    run_mo_study,
    run_study,
)

wandb = needs("wandb", "wandb")

from wandb.proto import wandb_internal_pb2  # noqa: E402

from tunecycle.integrations.wandb import WandbCallback  # noqa: E402

_BLOCK = 32768  # the log's block size; each record chunk has a 7-byte header


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No account, no network: offline mode, W&B's files in tmp_path."""
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wandb-dir"))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "wandb-cache"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(tmp_path / "wandb-data"))


def records(path: str):
    """The records of a ``.wandb`` file, in order."""
    data = Path(path).read_bytes()
    assert data[:4] == b":W&B"
    pos, pending = 7, b""
    while pos + 7 <= len(data):
        left = _BLOCK - pos % _BLOCK
        if left < 7:  # a block's tail too short for a header is padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        if length == 0 and kind == 0:
            pos += left
            continue
        pending += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # a full record, or the last chunk of one
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            pending = b""
            yield record


def _key(item) -> str:
    return item.key or ".".join(item.nested_key)


def read_run(path: str) -> dict:
    """What an offline run holds: name, group, tags, config, history rows, final summary."""
    run: dict = {"history": [], "summary": {}}
    for record in records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            r = record.run
            run.update(name=r.display_name, group=r.run_group, project=r.project,
                       tags=list(r.tags), job_type=r.job_type,
                       config={i.key: json.loads(i.value_json) for i in r.config.update})
        elif kind == "history":
            run["history"].append({_key(i): json.loads(i.value_json) for i in record.history.item})
        elif kind == "summary":
            run["summary"].update({_key(i): json.loads(i.value_json)
                                   for i in record.summary.update})
        elif kind == "exit":
            run["exit_code"] = record.exit.exit_code
    return run


def test_one_offline_run_per_trial_grouped_by_study(tmp_path):
    cb = WandbCallback(project="proj", dir=tmp_path / "wb", tags=["ci"], metric_name="loss")
    run_study("wb", [cb])
    wandb.teardown()  # W&B's service may still be writing the last run's file: let it finish
    files = glob.glob(str(tmp_path / "wb" / "wandb" / "offline-run-*" / "run-*.wandb"))
    runs = {r["name"]: r for r in map(read_run, files)}
    assert sorted(runs) == ["wb-trial-0", "wb-trial-1", "wb-trial-2"]

    done = runs["wb-trial-0"]
    assert done["project"] == "proj" and done["group"] == "wb" and done["job_type"] == "trial"
    assert done["tags"] == ["complete", "ci"] and done["exit_code"] == 0
    config = {k: v for k, v in done["config"].items() if k != "_wandb"}
    assert config == {"x": 0.5, "kind": "a", "n": 3, "opt": "None", "trial_number": 0}
    assert [(row["_step"], row["loss"]) for row in done["history"]] == [
        (0, 0.9), (1, 0.6), (2, 0.4)]
    summary = done["summary"]
    assert summary["loss"] == FINAL_VALUE and summary["state"] == "complete"
    assert summary["study"] == "wb" and summary["direction"] == "minimize"
    assert summary["duration_s"] >= 0 and "fail_reason" not in summary
    assert summary["user_attrs.fold_scores"] == [0.5, 0.75]
    assert summary["user_attrs.info.family"] == "knn"
    assert summary["user_attrs.info.deep.k"] == 2

    pruned = runs["wb-trial-1"]
    assert pruned["tags"] == ["pruned", "ci"] and pruned["summary"]["loss"] == 2.5
    failed = runs["wb-trial-2"]
    assert failed["summary"]["state"] == "failed" and "loss" not in failed["summary"]
    assert failed["summary"]["fail_reason"] == "ValueError: bad configuration"
    assert [(row["_step"], row["loss"]) for row in failed["history"]] == [(0, 1.5)]
    assert len(CONFIGS) == len(runs)


def test_a_wandb_error_logs_one_warning_and_the_study_goes_on(tmp_path, caplog):
    (tmp_path / "taken").write_text("a file where W&B's directory should be")
    cb = WandbCallback(project="proj", dir=tmp_path / "taken")
    with caplog.at_level(logging.WARNING, logger="tunecycle.integrations"):
        study = run_study("broken", [cb])
    assert len(study.trials) == len(CONFIGS)
    lines = [r.getMessage() for r in caplog.records if r.name == "tunecycle.integrations"]
    assert len(lines) == len(CONFIGS)
    assert all(line.startswith("wandb: could not log trial ") for line in lines)


def test_a_wrong_mode_is_refused_at_once():
    with pytest.raises(ValueError, match="mode must be one of offline, online, disabled"):
        WandbCallback(project="proj", mode="offlne")


def test_two_objectives_and_a_constraint_in_the_summary(tmp_path):
    cb = WandbCallback(project="proj", dir=tmp_path / "wb", metric_name="accuracy")
    run_mo_study("mo", [cb], metric_names=["accuracy", "size_kb"])
    wandb.teardown()
    files = glob.glob(str(tmp_path / "wb" / "wandb" / "offline-run-*" / "run-*.wandb"))
    runs = {r["name"]: r for r in map(read_run, files)}
    assert sorted(runs) == ["mo-trial-0", "mo-trial-1", "mo-trial-2"]

    done = runs["mo-trial-0"]
    assert [(row["_step"], row["accuracy"]) for row in done["history"]] == [(0, 0.6), (1, 0.7)]
    summary = done["summary"]
    assert summary["direction"] == "maximize,minimize"
    assert summary["objectives"] == ["accuracy", "size_kb"]
    assert (summary["accuracy"], summary["size_kb"]) == MO_CONFIGS[0][2] == (0.8, 12.0)
    assert summary["constraint_0"] == -1.0 and summary["feasible"] is True
    infeasible = runs["mo-trial-1"]["summary"]
    assert (infeasible["accuracy"], infeasible["size_kb"]) == (0.6, 30.0)
    assert infeasible["constraint_0"] == 2.5 and infeasible["feasible"] is False
    failed = runs["mo-trial-2"]["summary"]
    assert failed["state"] == "failed" and "accuracy" not in failed and "size_kb" not in failed
    assert failed["constraint_0"] == -0.5


def test_unnamed_objectives_are_numbered_and_one_objective_has_no_constraint_keys(tmp_path):
    cb = WandbCallback(project="proj", dir=tmp_path / "wb")
    run_mo_study("mo2", [cb])
    run_study("one", [cb])
    wandb.teardown()
    files = glob.glob(str(tmp_path / "wb" / "wandb" / "offline-run-*" / "run-*.wandb"))
    runs = {r["name"]: r for r in map(read_run, files)}
    summary = runs["mo2-trial-0"]["summary"]
    assert (summary["value_0"], summary["value_1"]) == (0.8, 12.0)
    assert summary["objectives"] == ["value_0", "value_1"]
    one = runs["one-trial-0"]["summary"]
    assert one["value"] == FINAL_VALUE and one["direction"] == "minimize"
    assert not {"objectives", "feasible", "constraint_0", "value_0"} & set(one)
