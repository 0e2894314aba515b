"""The dashboard's JSON over studies of several objectives (values, constraints, feasibility,
directions and names, the front and the hypervolume, kept up to date from the changes), and
over a study of one objective, whose answers keep their old shape."""

from __future__ import annotations

import numpy as np
import pytest

from tests.dashboard.helpers import OWNER, add_trial
from tunecycle import pareto
from tunecycle.records import Direction, TrialState
from tunecycle.space import Float
from tunecycle.viz import data as vd

MAX_MIN = (Direction.MAXIMIZE, Direction.MINIMIZE)


def add_multi(store, sid: int, values, constraints=None,
              state: TrialState = TrialState.COMPLETE) -> int:
    """One trial of a study of several objectives, written as a worker writes it."""
    t = store.start_trial(sid, OWNER)
    store.set_params(t.trial_id, {"x": 0.5}, {"x": Float(0, 1)})
    if state is not TrialState.RUNNING:
        store.finish_trial(t.trial_id, state, None, "boom" if state is TrialState.FAILED else None,
                           values=None if values is None else list(values),
                           constraints=None if constraints is None else list(constraints))
    return t.number


def test_a_study_of_several_objectives(db_url, writer, serve):
    sid = writer.create_study("mo", list(MAX_MIN)).study_id
    writer.set_study_attr(sid, "metric_names", ["accuracy", "size"], system=True)
    add_multi(writer, sid, (0.7, 10.0))
    add_multi(writer, sid, (0.8, 20.0), constraints=(-1.0,))
    add_multi(writer, sid, (0.99, 1.0), constraints=(3.0,))  # best everywhere, infeasible
    add_multi(writer, sid, (0.75, 30.0))  # dominated by trial 1
    add_multi(writer, sid, None, state=TrialState.FAILED)
    _, client = serve(db_url)

    (listed,) = client.get("/api/studies")["studies"]
    assert listed["directions"] == ["maximize", "minimize"]
    assert listed["metric_names"] == ["accuracy", "size"] and listed["best_value"] is None
    summary = client.get("/api/studies/mo/summary")
    assert summary["directions"] == ["maximize", "minimize"] and summary["n_trials"] == 5

    trials = client.get("/api/studies/mo/trials")["trials"]
    assert [t["values"] for t in trials] == [[0.7, 10.0], [0.8, 20.0], [0.99, 1.0],
                                             [0.75, 30.0], None]
    assert [t["constraints"] for t in trials] == [None, [-1.0], [3.0], None, None]
    assert [t["feasible"] for t in trials] == [True, True, False, True, True]
    assert all(t["value"] is None for t in trials)

    points = client.get("/api/studies/mo/points")
    assert points["values"][:4] == [[0.7, 10.0], [0.8, 20.0], [0.99, 1.0], [0.75, 30.0]]
    assert points["feasible"] == [True, True, False, True, True]
    assert points["state"][4] == "failed" and points["values"][4] is None

    front = client.get("/api/studies/mo/pareto")
    assert front["front"] == [0, 1] and front["n_complete"] == 4 and front["n_infeasible"] == 1
    assert front["metric_names"] == ["accuracy", "size"] and front["last"] == 3
    losses = np.array([[-0.7, 10.0], [-0.8, 20.0], [-0.75, 30.0]])
    ref = vd.reference_point(losses)
    assert front["reference"] == pytest.approx((ref * [-1, 1]).tolist())
    steps = front["hypervolume"]
    assert steps["number"] == [0, 1]  # trial 3 is dominated: no step
    assert steps["value"][-1] == pytest.approx(pareto.hypervolume(losses, ref))

    # a worker writes more: the points and the front follow from the changes
    cursor = points["cursor"]
    new = add_multi(writer, sid, (0.95, 5.0))
    changed = client.get(f"/api/studies/mo/changes?since={cursor}")["trials"]
    assert [(t["number"], t["values"], t["feasible"]) for t in changed] == [(new, [0.95, 5.0], True)]
    again = client.get("/api/studies/mo/points")
    assert again["cursor"] > cursor and again["values"][new] == [0.95, 5.0]
    moved = client.get("/api/studies/mo/pareto")
    assert moved["front"] == [new] and moved["hypervolume"]["number"][-1] == new
    assert moved["hypervolume"]["value"][-1] > steps["value"][-1]


def test_a_study_of_three_objectives_matches_the_engine(db_url, writer, serve):
    dirs = [Direction.MINIMIZE, Direction.MAXIMIZE, Direction.MINIMIZE]
    sid = writer.create_study("mo3", dirs).study_id
    rng = np.random.default_rng(0)
    for _ in range(30):
        add_multi(writer, sid, rng.random(3).round(3), constraints=(float(rng.random() - 0.8),))
    _, client = serve(db_url)
    doc = client.get("/api/studies/mo3/pareto")
    trials = writer.get_trials(sid)
    assert doc["front"] == [t.number for t in pareto.best_trials(trials, dirs)]
    h = vd.hypervolume_history(trials, dirs)
    assert doc["hypervolume"]["value"][-1] == pytest.approx(h.hypervolume[-1])
    assert doc["metric_names"] is None


def test_a_study_of_one_objective_keeps_its_answers(db_url, writer, serve):
    sid = writer.create_study("one", Direction.MINIMIZE).study_id
    add_trial(writer, sid, 0.5)
    add_trial(writer, sid, None, TrialState.FAILED)
    _, client = serve(db_url)
    points = client.get("/api/studies/one/points")
    assert set(points) == {"cursor", "number", "state", "value"}  # as before
    assert points["value"] == [0.5, None]
    (t0, t1) = client.get("/api/studies/one/trials")["trials"]
    assert (t0["value"], t0["values"], t0["constraints"], t0["feasible"]) == (0.5, [0.5], None, True)
    assert t1["values"] is None
    (listed,) = client.get("/api/studies")["studies"]
    assert listed["direction"] == "minimize" and listed["directions"] == ["minimize"]
    assert listed["best_value"] == 0.5
    error = client.get("/api/studies/one/pareto", 400)["error"]
    assert "has one objective" in error and "\n" not in error
