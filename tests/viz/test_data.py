"""Plot data from trials: best-so-far, parameter axes, inactive parameters, contour grids,
pruned curves, the empirical distribution, worker lanes, the confusion matrix and Pareto fronts."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.viz import data as vd

T0 = datetime(2026, 1, 1, 12, 0, 0)


def trial(number: int, value: float | None, state: str = "complete", **params) -> FrozenTrial:
    return FrozenTrial(trial_id=number + 1, number=number, state=TrialState(state), value=value,
                       params=params, distributions={k: tc.Float(-10, 10) for k in params},
                       datetime_start=T0 + timedelta(seconds=number),
                       datetime_complete=T0 + timedelta(seconds=number + 0.5))


@pytest.mark.parametrize("direction, best", [("minimize", [3.0, 3.0, 1.0, 1.0]),
                                             ("maximize", [3.0, 5.0, 5.0, 5.0])])
def test_history_best_so_far_follows_the_direction(direction, best):
    trials = [trial(0, 3.0), trial(1, 5.0), trial(2, None, "failed"), trial(3, 1.0),
              trial(4, 2.0), trial(5, 0.5, "pruned")]
    h = vd.history(trials, Direction.parse(direction))
    assert h.numbers == (0, 1, 3, 4)  # complete trials only
    assert h.values == (3.0, 5.0, 1.0, 2.0)
    assert list(h.best) == best
    assert h.counts["failed"] == 1 and h.counts["pruned"] == 1 and h.counts["complete"] == 4


def test_history_of_no_trials_is_empty():
    h = vd.history([], Direction.MINIMIZE)
    assert h.numbers == () and h.best == ()


def test_axes_use_the_space_encoding(conditional_study):
    axes = vd.param_axes(conditional_study.trials)
    assert set(axes) == {"model", "svm.C", "knn.k", "scale"}
    assert axes["model"].kind == "categorical" and axes["model"].labels == ("svm", "knn")
    assert axes["svm.C"].kind == "log"
    assert axes["svm.C"].labels[0] == "0.001" and axes["svm.C"].labels[-1] == "1e+03"
    assert axes["svm.C"].unit(1.0) == pytest.approx(0.5)  # the middle of 1e-3..1e3 in log
    assert axes["knn.k"].kind == "linear"


def test_parallel_leaves_inactive_parameters_as_gaps(conditional_study):
    p = vd.parallel(conditional_study.trials)
    done = vd.complete_trials(conditional_study.trials)
    assert len(p.coords) == len(done) == len(p.values)
    names = [a.name for a in p.axes]
    for row, t in zip(p.coords, done):
        for name, u in zip(names, row):
            assert math.isnan(u) == (name not in t.params)
            assert math.isnan(u) or 0.0 <= u <= 1.0


def test_slices_keep_only_trials_where_the_parameter_was_active(conditional_study):
    done = vd.complete_trials(conditional_study.trials)
    by_name = {s.axis.name: s for s in vd.slices(conditional_study.trials)}
    assert len(by_name["svm.C"].x) == sum("svm.C" in t.params for t in done)
    assert len(by_name["scale"].x) == len(done)
    assert set(by_name["model"].x) <= {0.0, 1.0}  # categorical index
    with pytest.raises(ValueError, match="nope"):
        vd.slices(conditional_study.trials, ["nope"])


def test_contour_interpolates_between_the_trials():
    rng = np.random.default_rng(0)
    trials = [trial(i, float(a + 2 * b), a=float(a), b=float(b))
              for i, (a, b) in enumerate(rng.uniform(-10, 10, size=(25, 2)))]
    c = vd.contour(trials, "a", "b", resolution=21)
    assert len(c.x) == 25 and c.z is not None
    z = np.array(c.z)
    assert z.shape == (21, 21)
    # a linear function is interpolated exactly inside the hull of the points
    g = np.array(c.grid) * 20 - 10
    inside = z[10, 10]
    assert inside == pytest.approx(g[10] + 2 * g[10], abs=1e-6)


def test_contour_without_three_distinct_points_has_no_surface():
    trials = [trial(0, 1.0, a=1.0, b=1.0), trial(1, 2.0, a=2.0, b=2.0)]
    assert vd.contour(trials, "a", "b").z is None
    on_a_line = [trial(i, float(i), a=float(i), b=float(i)) for i in range(5)]
    assert vd.contour(on_a_line, "a", "b").z is None
    with pytest.raises(ValueError, match="two different"):
        vd.contour(on_a_line, "a", "a")


def test_contour_pairs_vary_together(conditional_study):
    pairs = vd.top_pairs(conditional_study.trials, 10)
    # sub-parameters of different branches never meet; within a branch "model" is constant
    assert {frozenset(p) for p in pairs} == {frozenset(p) for p in
                                             [("model", "scale"), ("svm.C", "scale"),
                                              ("knn.k", "scale")]}
    weighted = vd.top_pairs(conditional_study.trials, 1, {"knn.k": 1.0, "scale": 0.5})
    assert weighted == [("knn.k", "scale")] or weighted == [("scale", "knn.k")]


def test_intermediate_curves_mark_pruned_trials(conditional_study):
    curves = vd.intermediate(conditional_study.trials)
    states = {t.number: t.state for t in conditional_study.trials}
    assert curves and all(c.pruned == (states[c.number] is TrialState.PRUNED) for c in curves)
    assert any(c.pruned for c in curves), "the median pruner should have stopped some trials"
    for c in curves:
        assert list(c.steps) == sorted(c.steps)


def test_edf_is_the_share_of_values_at_most_each_value():
    e = vd.edf([trial(0, 3.0), trial(1, 1.0), trial(2, 2.0), trial(3, None, "failed")])
    assert e.values == (1.0, 2.0, 3.0)
    assert e.fractions == pytest.approx((1 / 3, 2 / 3, 1.0))


def test_timeline_puts_each_worker_on_its_lane():
    store = tc.storage.InMemoryStorage()
    study = tc.create_study(storage=store, sampler="random", seed=0)
    for owner in ["w1", "w2", "w1"]:
        rec = store.start_trial(study.study_id, owner)
        store.finish_trial(rec.trial_id, TrialState.COMPLETE, 1.0)
    running = store.start_trial(study.study_id, "w3")
    tl = vd.timeline(study.trials)
    assert tl.workers == ("w1", "w2", "w3")
    assert [s.worker for s in tl.spans] == ["w1", "w2", "w1", "w3"]
    assert [s.finished for s in tl.spans] == [True, True, True, False]
    assert all(0.0 <= s.start <= s.end for s in tl.spans)
    assert tl.spans[-1].number == running.number


def test_confusion_reads_the_cycle_attribute():
    doc = {"labels": [0, 1], "matrix": [[3, 1], [0, 4]], "rows": "true", "columns": "predicted"}
    c = vd.confusion({"confusion_matrix": doc})
    assert c.labels == ("0", "1") and c.matrix == ((3, 1), (0, 4))
    assert vd.confusion({}) is None
    with pytest.raises(ValueError, match="square"):
        vd.confusion({"confusion_matrix": {"labels": [0, 1], "matrix": [[1, 2]]}})


def test_pareto_front_matches_brute_force():
    rng = np.random.default_rng(1)
    points = rng.integers(0, 6, size=(40, 2)).astype(float).tolist()
    dirs = ["maximize", "minimize"]
    front = vd.pareto_front(points, dirs)
    for p, on in zip(points, front):
        dominated = any(q[0] >= p[0] and q[1] <= p[1] and (q[0] > p[0] or q[1] < p[1])
                        for q in points)
        assert on == (not dominated)
    assert any(front)


def test_pareto_from_trials_uses_value_and_duration():
    trials = [trial(i, float(v)) for i, v in enumerate([1.0, 2.0, 3.0])]
    # every trial lasts 0.5 s: only the best value survives when both objectives count
    d = vd.pareto_from_trials(trials, ["value", "duration"], ["maximize", "minimize"])
    assert d.names == ("value", "duration") and d.on_front == (False, False, True)
    with pytest.raises(ValueError, match="two or more"):
        vd.pareto([[1.0]], ["minimize"])
    with pytest.raises(ValueError, match="point 1"):
        vd.pareto([[1.0, 2.0], [1.0]], ["minimize", "minimize"])


def test_pareto_of_three_objectives():
    pts = list(itertools.product([0.0, 1.0], repeat=3))
    d = vd.pareto(pts, ["minimize"] * 3)
    assert d.on_front == tuple(p == (0.0, 0.0, 0.0) for p in pts)
