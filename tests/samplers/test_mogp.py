"""The multi-objective GP sampler (``samplers/mogp.py``): the box decomposition and log EHVI
against brute force, proposals on seeded histories (deterministic, diverse batches, the
feasible region), a small end-to-end study against random search, and its argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tunecycle as tc
from tests.samplers.test_multiobjective import SPACE, contexts, history
from tunecycle.pareto import hypervolume, losses
from tunecycle.protocols import History
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers import make_sampler
from tunecycle.samplers.mogp import MOGPSampler, box_decomposition, log_ehvi


@pytest.mark.parametrize("k", [2, 3])
def test_boxes_cover_exactly_what_the_front_leaves_below_the_reference(k):
    rng = np.random.default_rng(k)
    pts = rng.random((12, k))
    lower, upper = box_decomposition(pts)
    ref = pts.max(0) + 0.1 * (pts.max(0) - pts.min(0))
    floor = pts.min(0) - 1.0  # the boxes reach -inf: measure them above a floor
    vol = np.prod(upper - np.maximum(lower, floor), axis=1).sum()
    assert math.isclose(vol, np.prod(ref - floor) - hypervolume(pts - floor, ref - floor),
                        rel_tol=1e-9)
    # a point below the reference lies in a box exactly when no front point dominates it
    probe = floor + rng.random((400, k)) * (ref - floor)
    inside = ((probe[:, None, :] >= lower) & (probe[:, None, :] < upper)).all(2).sum(1)
    dominated = (pts[None, :, :] <= probe[:, None, :]).all(2).any(1)
    assert np.all(inside == (~dominated).astype(int))


@pytest.mark.parametrize("k", [2, 3])
def test_log_ehvi_matches_a_monte_carlo_estimate(k):
    rng = np.random.default_rng(10 + k)
    pts = rng.random((8, k))
    lower, upper = box_decomposition(pts)
    ref = pts.max(0) + 0.1 * (pts.max(0) - pts.min(0))
    mean, std = np.full(k, 0.45), np.full(k, 0.2)
    draws = mean + std * rng.standard_normal((4000, k))
    base = hypervolume(pts, ref)
    gains = [hypervolume(np.vstack([pts, y]), ref) - base for y in draws]
    got = math.exp(log_ehvi(mean[None, :], std[None, :], lower, upper)[0])
    assert got == pytest.approx(np.mean(gains), rel=0.08)


def test_log_ehvi_stays_finite_and_ordered_far_from_the_front():
    pts = np.array([[0.0, 1.0], [1.0, 0.0]])
    lower, upper = box_decomposition(pts)
    mean = np.array([[30.0, 30.0], [60.0, 60.0]])
    got = log_ehvi(mean, np.full((2, 2), 0.5), lower, upper)
    assert np.all(np.isfinite(got)) and got[0] > got[1]  # no flat zero to compare


def test_proposals_lie_in_the_space_and_repeat_for_a_seed():
    h = history(20)
    first = MOGPSampler(seed=1).propose(SPACE, h, contexts(range(20, 24)))
    assert MOGPSampler(seed=1).propose(SPACE, h, contexts(range(20, 24))) == first
    for p in first:
        assert all(SPACE[name].contains(v) for name, v in p.items())


def test_batch_proposals_are_distinct_and_spread():
    space = tc.Space({"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
    rng = np.random.default_rng(3)
    trials = []
    for i in range(15):
        x, y = rng.random(2)
        trials.append(FrozenTrial(trial_id=i + 1, number=i,
                                             state=TrialState.COMPLETE,
                                             params={"x": x, "y": y},
                                             values=(x + 0.1 * y, 1 - x + 0.1 * y)))
    h = History.of(trials, ["minimize", "minimize"])
    batch = MOGPSampler(seed=0).propose(space, h, contexts(range(15, 21)))
    pts = np.array([[p["x"], p["y"]] for p in batch])
    gaps = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))[np.triu_indices(len(pts), 1)]
    assert gaps.min() >= 0.05 * math.sqrt(2) * 0.999  # the batch radius holds


def test_constrained_history_proposals_prefer_the_feasible_region():
    h = history(30, constrained=True, limit=0.3)  # feasible where x <= 0.3
    batch = MOGPSampler(seed=2).propose(SPACE, h, contexts(range(30, 36)))
    assert np.mean([p["x"] <= 0.3 for p in batch]) >= 5 / 6


def _zdt1(t):
    x = np.array([t.params[f"x{i}"] for i in range(4)])
    g = 1 + 9 * x[1:].mean()
    return float(x[0]), float(g * (1 - math.sqrt(x[0] / g)))


def _hv_after(sampler: object, seed: int, n: int) -> float:
    space = {f"x{i}": tc.Float(0, 1) for i in range(4)}
    study = tc.create_study(sampler=sampler, seed=seed, directions=["minimize", "minimize"])
    study.optimize(_zdt1, n_trials=n, space=space)
    return hypervolume(losses(study.best_trials, study.directions), np.array([1.1, 6.0]))


def test_zdt1_front_beats_random_search_by_a_clear_margin():
    ours = _hv_after("mogp", 0, 30)
    rnd = _hv_after("random", 0, 30)
    assert ours > rnd + 0.5  # the best possible is about 6.26


def test_constrained_study_keeps_to_the_feasible_disc():
    def objective(t):
        x, y = t.params["x"], t.params["y"]
        t.set_constraints([(x - 0.75) ** 2 + (y - 0.75) ** 2 - 0.04])
        return x + y, (1 - x) + y * y

    def share(sampler: str) -> float:
        study = tc.create_study(sampler=sampler, seed=0, directions=["minimize"] * 2)
        study.optimize(objective, n_trials=30,
                       space={"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
        return float(np.mean([t.feasible for t in study.trials[10:]]))

    assert share("mogp") > share("random") + 0.3


def test_one_objective_is_the_gp_samplers_proposal():
    space = tc.Space({"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
    trials = [FrozenTrial(trial_id=i + 1, number=i,
                                     state=TrialState.COMPLETE,
                                     params={"x": i / 13, "y": (i * 7 % 13) / 13},
                                     values=((i / 13 - 0.3) ** 2,)) for i in range(12)]
    h = History.of(trials, ["minimize"])
    from tunecycle.samplers.gp import GPSampler

    want = GPSampler(seed=4).propose(space, h, contexts([12]))
    assert MOGPSampler(seed=4).propose(space, h, contexts([12])) == want


def test_registered_by_name_and_bad_arguments_name_the_field():
    assert isinstance(make_sampler("mogp", seed=0), MOGPSampler)
    with pytest.raises(ValueError, match="n_startup"):
        MOGPSampler(n_startup=-1)
    with pytest.raises(ValueError, match="n_candidates"):
        MOGPSampler(n_candidates=0)


def test_running_failed_and_pruned_trials_are_tolerated_and_running_ones_kept_apart():
    done = list(history(16).trials)
    extra = [FrozenTrial(trial_id=17, number=16, state=TrialState.RUNNING,
                         params=dict(done[3].params)),
             FrozenTrial(trial_id=18, number=17, state=TrialState.FAIL,
                         params=dict(done[5].params)),
             FrozenTrial(trial_id=19, number=18, state=TrialState.PRUNED,
                         params=dict(done[7].params), intermediate={1: 0.5})]
    h = History.of(done + extra, ["minimize", "minimize"])
    batch = MOGPSampler(seed=5).propose(SPACE, h, contexts(range(19, 22)))
    running = np.array(SPACE.to_unit(dict(done[3].params)))
    d = math.sqrt(len(SPACE))
    for p in batch:
        assert np.linalg.norm(np.array(SPACE.to_unit(p)) - running) >= 0.05 * d * 0.999
    assert len({tuple(sorted(p.items(), key=str)) for p in batch}) == 3
