"""The dashboard's dataset (every trial, columnar), a trial's own page and the importances,
served for real on 127.0.0.1 over SQLite (and PostgreSQL where the suite has it), checked
against what the store holds."""

from __future__ import annotations

import math

import pytest

import tunecycle as tc
from tests.dashboard.helpers import add_trial
from tests.dashboard.studies import conditional, two_objectives
from tunecycle.dashboard.dataset import thin
from tunecycle.records import Direction, TrialState
from tunecycle.storage.sql import SQLStorage


def _trials(url: str, name: str):
    store = SQLStorage(url)
    try:
        return store.get_trials(store.get_study(name).study_id)
    finally:
        store.close()


def test_dataset_holds_every_trial_as_the_store_does(db_url, serve):
    study = tc.create_study(name="cond", storage=db_url, sampler="random", seed=5)
    study.optimize(conditional, n_trials=30)
    study.storage.close()
    trials = _trials(db_url, "cond")
    _, client = serve(db_url)
    d = client.get("/api/studies/cond/dataset")

    assert d["n"] == len(trials) == 30 and d["directions"] == ["minimize"]
    assert d["number"] == [t.number for t in trials]
    assert d["state"] == [t.state.value for t in trials]
    assert d["value"] == [t.value for t in trials]
    assert d["fail_reason"] == [t.fail_reason for t in trials]
    assert [d["owners"][i] for i in d["owner"]] == [t.owner for t in trials]
    assert d["start"] == [round(t.datetime_start.timestamp(), 3) for t in trials]
    assert d["end"] == [round(t.datetime_complete.timestamp(), 3) for t in trials]
    by_name = {p["name"]: p for p in d["params"]}
    names = {p for t in trials for p in t.params}
    assert set(by_name) == names
    for p in names:  # a conditional parameter is null where a trial does not have it
        assert by_name[p]["values"] == [t.params.get(p) for t in trials]
    assert by_name["family"]["kind"] == "categorical"
    assert by_name["family"]["choices"] == ["svm", "forest", "knn"]
    assert by_name["svm.C"] | {"values": None} == {
        "name": "svm.C", "kind": "float", "low": 1e-3, "high": 1e3, "log": True, "values": None}
    assert by_name["svm.degree"]["kind"] == "int" and by_name["svm.degree"]["step"] == 1
    assert d["steps"] == [None] * 30 and d["n_steps"] == [0] * 30


def test_dataset_follows_the_changes_and_a_study_made_again(db_url, writer, serve):
    sid = writer.create_study("s", Direction.MINIMIZE).study_id
    add_trial(writer, sid, 0.5, steps=3)
    _, client = serve(db_url)
    first = client.get("/api/studies/s/dataset")
    assert first["number"] == [0] and first["steps"] == [[0, 1, 2]]
    assert first["inter"] == [[1.5, 1.0, pytest.approx(0.5 + 1 / 3, rel=1e-6)]]
    running = add_trial(writer, sid, None, TrialState.RUNNING)
    add_trial(writer, sid, None, TrialState.FAILED)
    later = client.get("/api/studies/s/dataset")
    assert later["number"] == [0, 1, 2] and later["state"] == ["complete", "running", "failed"]
    assert later["cursor"] > first["cursor"] and later["fail_reason"][2] == "boom"
    # the running trial ends: the next answer has its new state
    t = [x for x in writer.get_trials(sid) if x.number == running][0]
    writer.finish_trial(t.trial_id, TrialState.COMPLETE, 0.25)
    assert client.get("/api/studies/s/dataset")["value"] == [0.5, 0.25, None]
    # deleted and made again under the same name: read afresh, not mixed with the old one
    writer.delete_study(sid)
    sid = writer.create_study("s", Direction.MAXIMIZE).study_id
    add_trial(writer, sid, 7.0)
    again = client.get("/api/studies/s/dataset")
    assert again["number"] == [0] and again["value"] == [7.0]
    assert again["directions"] == ["maximize"]


def test_long_curves_are_thinned_and_a_trial_page_has_every_step(db_url, writer, serve):
    sid = writer.create_study("long", Direction.MINIMIZE).study_id
    t = writer.start_trial(sid, "w")
    values = [math.sin(i / 17) + i / 400 for i in range(500)]
    for step, v in enumerate(values):
        writer.report(t.trial_id, step, v)
    writer.set_trial_attr(t.trial_id, "accuracy", 0.91)
    writer.finish_trial(t.trial_id, TrialState.PRUNED, values[-1])
    _, client = serve(db_url)
    d = client.get("/api/studies/long/dataset")
    steps, inter = d["steps"][0], d["inter"][0]
    assert d["n_steps"] == [500] and len(steps) == len(inter) <= d["curve_points"] == 64
    assert steps[0] == 0 and steps[-1] == 499 and steps == sorted(steps)
    assert min(inter) == pytest.approx(min(values), rel=1e-6)
    assert max(inter) == pytest.approx(max(values), rel=1e-6)
    assert all(values[s] == pytest.approx(v, rel=1e-6) for s, v in zip(steps, inter))
    few = client.get("/api/studies/long/dataset?curve_points=10")
    assert len(few["steps"][0]) <= 10
    assert client.get("/api/studies/long/dataset?curve_points=1", 400)["error"].startswith(
        "curve_points")

    page = client.get("/api/studies/long/trial/0")
    assert page["intermediate"] == [[i, v] for i, v in enumerate(values)]
    assert page["user_attrs"] == {"accuracy": 0.91} and page["state"] == "pruned"
    assert page["owner"] == "w" and page["study"] == "long"
    assert client.get("/api/studies/long/trial/1", 404)["error"] == "trial 1 is not in study 'long'"
    assert client.get("/api/studies/nope/trial/0", 404)


def test_thin_keeps_the_ends_and_the_extremes():
    steps = list(range(100))
    values = [float((i * 37) % 101) for i in steps]
    s, v = thin(steps, values, 12)
    assert len(s) <= 12 and s[0] == 0 and s[-1] == 99
    assert max(v) == max(values) and min(v) == min(values)
    assert thin([1, 2], [3.0, float("nan")], 12) == ([1, 2], [3.0, None])


def test_a_retry_links_both_ways(db_url, writer, serve):
    sid = writer.create_study("r", Direction.MINIMIZE).study_id
    t = writer.start_trial(sid, "w")
    # the storage's own retry: a failed trial re-queued as a waiting one with its params
    writer.finish_trial(t.trial_id, TrialState.FAILED, None, "the GPU went away", max_retries=1)
    trials = writer.get_trials(sid)
    assert [(x.number, x.state, x.retry_of) for x in trials] == [
        (0, TrialState.FAILED, None), (1, TrialState.WAITING, 0)]
    _, client = serve(db_url)
    failed = client.get("/api/studies/r/trial/0")
    assert failed["state"] == "failed" and failed["fail_reason"] == "the GPU went away"
    assert failed["retried_by"] == [1] and failed["retry_of"] is None
    assert client.get("/api/studies/r/trial/1")["retry_of"] == 0
    assert client.get("/api/studies/r/dataset")["retry_of"] == [None, 0]


def test_importance_is_served_and_kept(db_url, serve):
    study = tc.create_study(name="cond", storage=db_url, sampler="random", seed=5)
    study.optimize(conditional, n_trials=30)
    multi = tc.create_study(name="two", storage=db_url, sampler="random", seed=1,
                            directions=["minimize", "minimize"])
    multi.optimize(two_objectives, n_trials=20)
    one = tc.create_study(name="one", storage=db_url, sampler="random", seed=1)
    one.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    study.storage.close()
    _, client = serve(db_url)
    got = client.get("/api/studies/cond/importance")
    done = [t for t in _trials(db_url, "cond") if t.state is TrialState.COMPLETE]
    assert got["error"] is None and got["n_trials"] == len(done) and got["sampled"] is False
    assert set(got["names"]) == {p for t in done for p in t.params}
    assert sum(got["importances"]) == pytest.approx(1.0)
    assert got["importances"] == sorted(got["importances"], reverse=True)
    assert client.get("/api/studies/cond/importance") == got  # kept until a trial completes
    second = client.get("/api/studies/two/importance?objective=1")
    assert second["objective"] == 1 and set(second["names"]) == {"x", "y"}
    assert client.get("/api/studies/two/importance?objective=2", 400)["error"].startswith(
        "objective")
    lonely = client.get("/api/studies/one/importance")
    assert lonely["names"] == [] and "at least 2 complete trials" in lonely["error"]


def test_multiobjective_dataset_has_every_value(db_url, serve):
    multi = tc.create_study(name="two", storage=db_url, sampler="random", seed=1,
                            directions=["minimize", "minimize"],
                            constraints_func=lambda t: (t.user_attrs["c"],))
    multi.set_metric_names(["error", "cost"])
    multi.optimize(two_objectives, n_trials=15)
    multi.storage.close()
    trials = _trials(db_url, "two")
    _, client = serve(db_url)
    d = client.get("/api/studies/two/dataset")
    assert d["metric_names"] == ["error", "cost"] and d["directions"] == ["minimize", "minimize"]
    assert d["values"] == [list(t.values) for t in trials]
    assert d["feasible"] == [t.feasible for t in trials]
    assert d["value"] == [None] * 15


@pytest.mark.postgres
def test_postgres_dataset(postgres_db_url, serve, unique_name):
    store = SQLStorage(postgres_db_url)
    try:
        name = unique_name()
        sid = store.create_study(name, Direction.MINIMIZE).study_id
        add_trial(store, sid, 1.5, steps=2)
        _, client = serve(postgres_db_url)
        assert client.get(f"/api/studies/{name}/dataset")["value"] == [1.5]
        add_trial(store, sid, 0.5)
        d = client.get(f"/api/studies/{name}/dataset")
        assert d["value"] == [1.5, 0.5] and d["steps"] == [[0, 1], None]
        assert client.get(f"/api/studies/{name}/trial/1")["value"] == 0.5
    finally:
        store.close()
