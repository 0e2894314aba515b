"""TensorBoardCallback: the event files are read back with TensorBoard's own EventAccumulator:
the scalars of each trial, the HParams plugin's session start (params), session end (status)
and experiment summary (params with their domains, the metric); a study of two objectives
with a constraint: a scalar per objective and per constraint, a metric per objective in the
experiment summary with its direction."""

from __future__ import annotations

import logging

import pytest

from tests.integrations.trackers import (
    CONFIGS,
    FINAL_VALUE,
    needs,
    objective,
    run_mo_study,
    run_study,
)

needs("tensorboard", "tensorboard")

from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)
from tensorboard.plugins.hparams import api_pb2, metadata  # noqa: E402

from tunecycle.integrations.tensorboard import TensorBoardCallback  # noqa: E402


def load(path) -> EventAccumulator:
    acc = EventAccumulator(str(path))
    acc.Reload()
    return acc


def plugin_data(acc: EventAccumulator, tag: str):
    content = acc.PluginTagToContent(metadata.PLUGIN_NAME)[tag]
    if tag == metadata.EXPERIMENT_TAG:
        return metadata.parse_experiment_plugin_data(content)
    if tag == metadata.SESSION_START_INFO_TAG:
        return metadata.parse_session_start_info_plugin_data(content)
    return metadata.parse_session_end_info_plugin_data(content)


def scalars(acc: EventAccumulator, tag: str) -> list:
    """(step, value) of a scalar series; TensorBoard keeps scalars as float32."""
    return [(s.step, pytest.approx(s.value, rel=1e-6)) for s in acc.Scalars(tag)]


def hparam(value):
    kind = value.WhichOneof("kind")
    return getattr(value, kind)


def test_scalars_and_hparams_sessions_per_trial(tmp_path):
    run_study("tb", [TensorBoardCallback(tmp_path / "tb", metric_name="loss")])
    runs = sorted(p.name for p in (tmp_path / "tb").iterdir() if p.is_dir())
    assert runs == ["trial-0", "trial-1", "trial-2"]

    done = load(tmp_path / "tb" / "trial-0")
    assert scalars(done, "loss") == [
        (0, 0.9), (1, 0.6), (2, 0.4), (2, FINAL_VALUE)]
    start = plugin_data(done, metadata.SESSION_START_INFO_TAG)
    assert {k: hparam(v) for k, v in start.hparams.items()} == {
        "x": 0.5, "kind": "a", "n": 3.0, "opt": "None"}  # [None, "on"] goes as text
    assert start.group_name == "tb-trial-0" and start.start_time_secs > 0
    assert plugin_data(done, metadata.SESSION_END_INFO_TAG).status == api_pb2.STATUS_SUCCESS

    pruned = load(tmp_path / "tb" / "trial-1")
    assert scalars(pruned, "loss") == [(0, 3.0), (1, 2.5)]
    failed = load(tmp_path / "tb" / "trial-2")
    assert scalars(failed, "loss") == [(0, 1.5)]
    assert plugin_data(failed, metadata.SESSION_END_INFO_TAG).status == api_pb2.STATUS_FAILURE
    assert hparam(plugin_data(failed, metadata.SESSION_START_INFO_TAG).hparams["opt"]) == "on"

    top = load(tmp_path / "tb")
    experiment = plugin_data(top, metadata.EXPERIMENT_TAG)
    infos = {h.name: h for h in experiment.hparam_infos}
    assert sorted(infos) == ["kind", "n", "opt", "x"]
    assert [m.name.tag for m in experiment.metric_infos] == ["loss"]
    # enqueued trials have fixed values, no domains: none is written
    assert not any(h.HasField("domain_interval") or h.HasField("domain_discrete")
                   for h in infos.values())


def test_domains_and_new_params_rewrite_the_experiment_summary(tmp_path):
    cb = TensorBoardCallback(tmp_path / "tb")
    study = run_study("grow", [cb])
    study.optimize(objective, n_trials=1, callbacks=[cb])  # sampled: it brings the domains
    summaries = list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert len(summaries) == 1  # the newest experiment summary only
    infos = {h.name: h for h in plugin_data(load(tmp_path / "tb"), metadata.EXPERIMENT_TAG
                                            ).hparam_infos}
    assert (infos["x"].domain_interval.min_value, infos["x"].domain_interval.max_value) == (
        0.1, 3.0)
    assert (infos["n"].domain_interval.min_value, infos["n"].domain_interval.max_value) == (
        1.0, 5.0)
    assert [v.string_value for v in infos["kind"].domain_discrete.values] == ["a", "b"]
    assert [v.string_value for v in infos["opt"].domain_discrete.values] == ["None", "on"]
    start = plugin_data(load(tmp_path / "tb" / "trial-3"), metadata.SESSION_START_INFO_TAG)
    assert hparam(start.hparams["x"]) == study.trials[3].params["x"]

    def extra(trial):
        trial.suggest_float("x", 0.1, 3.0)
        trial.suggest_float("lr", 1e-3, 1.0, log=True)
        return 1.0

    study.optimize(extra, n_trials=1, callbacks=[cb])
    summaries = list((tmp_path / "tb").glob("events.out.tfevents.*"))
    assert len(summaries) == 1  # the newest experiment summary only
    infos = {h.name for h in plugin_data(load(tmp_path / "tb"), metadata.EXPERIMENT_TAG
                                         ).hparam_infos}
    assert infos == {"kind", "n", "opt", "x", "lr"}
    # a new callback on the continued study starts from every param its trials had
    fresh = TensorBoardCallback(tmp_path / "tb2")
    study.optimize(extra, n_trials=1, callbacks=[fresh])
    infos = {h.name for h in plugin_data(load(tmp_path / "tb2"), metadata.EXPERIMENT_TAG
                                         ).hparam_infos}
    assert infos == {"kind", "n", "opt", "x", "lr"}
    assert len(CONFIGS) + 3 == len(study.trials)


def test_a_writing_error_logs_one_warning_and_the_study_goes_on(tmp_path, caplog):
    (tmp_path / "taken").write_text("a file where the log directory should be")
    with caplog.at_level(logging.WARNING, logger="tunecycle.integrations"):
        study = run_study("broken", [TensorBoardCallback(tmp_path / "taken")])
    assert len(study.trials) == len(CONFIGS)
    lines = [r.getMessage() for r in caplog.records if r.name == "tunecycle.integrations"]
    assert len(lines) == len(CONFIGS)
    assert all(line.startswith("tensorboard: could not log trial ") for line in lines)


def test_two_objectives_and_a_constraint_as_scalars_and_experiment_metrics(tmp_path):
    run_mo_study("mo", [TensorBoardCallback(tmp_path / "tb", metric_name="accuracy")],
                 metric_names=["accuracy", "size_kb"])
    experiment = plugin_data(load(tmp_path / "tb"), metadata.EXPERIMENT_TAG)
    metrics = [(m.name.tag, m.description) for m in experiment.metric_infos]
    assert metrics == [("accuracy", "study 'mo', maximize"), ("size_kb", "study 'mo', minimize")]

    done = load(tmp_path / "tb" / "trial-0")
    assert scalars(done, "accuracy") == [(0, 0.6), (1, 0.7), (1, 0.8)]  # the value last
    assert scalars(done, "size_kb") == [(1, 12.0)]
    assert scalars(done, "constraint_0") == [(1, -1.0)]
    infeasible = load(tmp_path / "tb" / "trial-1")
    assert scalars(infeasible, "accuracy") == [(0, 0.6)]
    assert scalars(infeasible, "size_kb") == [(0, 30.0)]
    assert scalars(infeasible, "constraint_0") == [(0, 2.5)]
    failed = load(tmp_path / "tb" / "trial-2")
    assert sorted(failed.Tags()["scalars"]) == ["accuracy", "constraint_0"]
    assert plugin_data(failed, metadata.SESSION_END_INFO_TAG).status == api_pb2.STATUS_FAILURE


def test_unnamed_objectives_are_numbered_after_the_metric_name(tmp_path):
    cb = TensorBoardCallback(tmp_path / "tb")
    study = run_mo_study("mo", [cb])
    experiment = plugin_data(load(tmp_path / "tb"), metadata.EXPERIMENT_TAG)
    assert [m.name.tag for m in experiment.metric_infos] == ["value_0", "value_1"]
    assert sorted(load(tmp_path / "tb" / "trial-0").Tags()["scalars"]) == [
        "constraint_0", "value", "value_0", "value_1"]
    # naming the objectives later writes the experiment summary again with the names
    study.set_metric_names(["accuracy", "size_kb"])
    cb(study, study.trials[0])
    experiment = plugin_data(load(tmp_path / "tb"), metadata.EXPERIMENT_TAG)
    assert [m.name.tag for m in experiment.metric_infos] == ["accuracy", "size_kb"]
    assert len(list((tmp_path / "tb").glob("events.out.tfevents.*"))) == 1
