"""Samplers for several objectives and constraints: NSGA-II (NSGA-III niching for three or more
objectives), multi-objective TPE, constraint handling in single-objective TPE and GP, and what
``auto`` picks.  Hand-made histories for the rules, small end-to-end studies for the effect."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.pareto import (
    hypervolume,
    hypervolume_contributions,
    losses,
    nondominated,
)
from tunecycle.protocols import History, TrialContext, trial_rng
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.auto import AutoSampler
from tunecycle.samplers.gp import GPSampler
from tunecycle.samplers.mogp import MOGPSampler
from tunecycle.samplers.nsga2 import NSGAIISampler, reference_directions
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.samplers.tpe import TPESampler, good_weights, mo_order

SPACE = tc.Space({"x": tc.Float(0, 1), "k": tc.Int(1, 9), "c": tc.Categorical(["a", "b", "c"]),
                  "lr": tc.Float(1e-4, 1.0, log=True)})


def history(n: int, seed: int = 0, constrained: bool = False, n_obj: int = 2,
            limit: float = 0.5) -> History:
    """``n`` complete trials at random points of SPACE, values from a two- or three-objective
    function; with ``constrained``, the trials with x > ``limit`` violate a constraint."""
    rng = np.random.default_rng(seed)
    trials = []
    for i in range(n):
        params = SPACE.from_unit(rng.random(len(SPACE)))
        x, k = params["x"], params["k"]
        values = [x, (1 - x) ** 2 + k / 10, abs(x - 0.5) + k / 20][:n_obj]
        cons = (x - limit,) if constrained else None
        trials.append(FrozenTrial(trial_id=i + 1, number=i, state=TrialState.COMPLETE,
                                  params=params, values=tuple(values), constraints=cons))
    return History.of(trials, ["minimize"] * n_obj)


def contexts(numbers, seed: int = 1) -> list[TrialContext]:
    return [TrialContext(n, trial_rng(seed, n)) for n in numbers]


@pytest.mark.parametrize("make", [lambda: NSGAIISampler(seed=1, population_size=10),
                                  lambda: TPESampler(seed=1)])
def test_proposals_lie_in_the_space_and_repeat_for_a_seed(make):
    h = history(40)
    first = make().propose(SPACE, h, contexts(range(40, 46)))
    assert make().propose(SPACE, h, contexts(range(40, 46))) == first  # a batch repeats
    sampler = make()
    one_by_one = [sampler.propose(SPACE, h, [c])[0] for c in contexts(range(40, 46))]
    backwards = [sampler.propose(SPACE, h, [c])[0] for c in contexts(reversed(range(40, 46)))]
    assert one_by_one == backwards[::-1]  # single asks: the same whatever the order
    for p in first:
        assert SPACE.validate(p) == p
    other = make().propose(SPACE, h, contexts(range(40, 46), seed=2))
    assert other != first


@pytest.mark.parametrize("make", [lambda: NSGAIISampler(seed=3, population_size=10),
                                  lambda: TPESampler(seed=3)])
def test_batch_proposals_are_diverse(make):
    batch = make().propose(SPACE, history(40), contexts(range(40, 48)))
    assert len({(p["x"], p["k"], p["c"], p["lr"]) for p in batch}) == 8
    assert np.std([p["x"] for p in batch]) > 0.01


def test_nsga2_first_generation_is_quasi_random_and_later_ones_are_not():
    h = history(0)
    qmc = QMCSampler(seed=5).propose(SPACE, h, contexts(range(10)))
    assert NSGAIISampler(seed=5, population_size=10).propose(SPACE, h, contexts(range(10))) == qmc
    later = NSGAIISampler(seed=5, population_size=10).propose(SPACE, history(10),
                                                             contexts([10, 11]))
    assert later != QMCSampler(seed=5).propose(SPACE, h, contexts([10, 11]))


def test_nsga2_parents_are_the_best_fronts_of_the_earlier_generations():
    h = history(30)
    sampler = NSGAIISampler(seed=0, population_size=10)
    parents = sampler.parents(h, 3)
    assert len(parents.trials) == 10
    assert all(t.number < 30 for t in parents.trials)
    # generation 1's whole first front among trials 0-9 survives into generation 1's parents
    first = sampler.parents(h, 1)
    assert {t.number for t in first.trials} == set(range(10))
    # elitism: every trial on the Pareto front of trials 0-29 is a parent of generation 3
    front = {t.number for t in tc.pareto.best_trials(h.trials, h.directions)}
    assert front <= {t.number for t in parents.trials} or len(front) > 10


def test_constrained_domination_prefers_feasible_parents():
    h = history(40, seed=2, constrained=True, limit=0.3)
    feasible = [t for t in h.trials if t.feasible]
    assert 10 <= len(feasible) < 20
    pop = NSGAIISampler(seed=0, population_size=10).parents(h, 4)
    assert all(t.feasible for t in pop.trials)  # enough feasible trials: no infeasible parent
    # 20 places among trials 0-39: every feasible trial, then the least violating others
    pop_big = NSGAIISampler(seed=0, population_size=20).parents(h, 2)
    chosen = pop_big.trials
    assert len(chosen) == 20 and sum(t.feasible for t in chosen) == len(feasible)
    infeasible = [t for t in chosen if not t.feasible]
    others = [t for t in h.trials if not t.feasible and t not in chosen]
    assert others and max(t.constraints[0] for t in infeasible) <= min(
        t.constraints[0] for t in others)
    ranks = dict(zip((t.number for t in chosen), pop_big.ranks))
    assert min(ranks[t.number] for t in infeasible) > max(ranks[t.number]
                                                          for t in chosen if t.feasible)


def test_nsga2_proposals_come_from_feasible_parents():
    h = history(40, seed=2, constrained=True)
    sampler = NSGAIISampler(seed=0, population_size=10, mutation_prob=0.0)
    xs = [p["x"] for p in sampler.propose(SPACE, h, contexts(range(40, 70)))]
    assert np.mean(np.array(xs) <= 0.5) > 0.8


def test_reference_directions_cover_the_simplex():
    refs = reference_directions(3, 24)
    assert len(refs) >= 24 and np.allclose(refs.sum(axis=1), 1.0)
    assert len(reference_directions(3, 21)) == 21  # 5 divisions: C(7, 2)


def test_three_objectives_use_niching_and_stay_deterministic():
    h = history(40, seed=4, n_obj=3)
    a = NSGAIISampler(seed=2, population_size=10).parents(h, 4)
    b = NSGAIISampler(seed=2, population_size=10).parents(h, 4)
    assert [t.number for t in a.trials] == [t.number for t in b.trials]
    assert len(a.trials) == 10 and np.all(a.crowd == 0)


def test_mo_order_ranks_fronts_then_hypervolume_contribution():
    pts = np.array([[0.0, 1.0], [0.5, 0.5], [0.55, 0.46], [1.0, 0.0], [1.0, 1.0], [0.6, 0.6]])
    order = np.argsort(mo_order(pts, np.zeros(6), n_good=2), kind="stable")
    assert set(order[:4]) == {0, 1, 2, 3}  # the first front before the dominated points
    assert set(order[4:]) == {4, 5}
    # the front overflows the good group: its most contributing points come first (the
    # extremes, against a reference 10% beyond the worst loss), the crowded pair last
    assert set(order[:2]) == {0, 3}
    viol = np.array([0, 0, 0, 1.0, 0, 0])
    order = np.argsort(mo_order(pts, viol, n_good=2), kind="stable")
    assert order[-1] == 3  # infeasible after every feasible point


def test_good_weights_follow_hypervolume_contribution():
    pts = np.array([[0.0, 1.0], [0.5, 0.5], [0.52, 0.49], [1.0, 0.0], [0.8, 0.8]])
    w = good_weights(pts, np.zeros(5))
    assert w.max() == 1.0
    assert w[4] < 1e-9  # dominated: the floor
    assert w[2] < w[1] < w[0]  # the crowded pair shares its box, an extreme keeps its own
    viol = np.array([0, 0, 0, 0, 1.0])
    assert good_weights(pts, viol)[4] < 1e-9  # infeasible: the floor
    assert np.all(good_weights(pts, np.array([1.0, 1, 1, 1, 0])) == 1.0)  # one feasible


def test_hypervolume_contributions_2d_closed_form_matches_removal():
    rng = np.random.default_rng(3)
    for _ in range(30):
        pts = np.round(rng.random((12, 2)), 1)
        pts = np.vstack([pts, pts[:2]])  # repeats
        ref = np.array([1.05, 1.05])
        total = hypervolume(pts, ref)
        removal = [total - hypervolume(np.delete(pts, i, axis=0), ref) for i in range(len(pts))]
        assert np.allclose(hypervolume_contributions(pts, ref), np.maximum(removal, 0.0))
        front = pts[nondominated(pts)]
        total = hypervolume(front, ref)
        removal = [total - hypervolume(np.delete(front, i, axis=0), ref)
                   for i in range(len(front))]
        assert np.allclose(hypervolume_contributions(front, ref), np.maximum(removal, 0.0))


def test_single_objective_tpe_puts_infeasible_trials_in_the_bad_group():
    """Lower x is better, but x below 0.3 is infeasible: with the constraints recorded TPE
    proposes far more feasible points than from the same values without them."""
    def share(constrained: bool) -> float:
        trials = [FrozenTrial(trial_id=i + 1, number=i, state=TrialState.COMPLETE,
                              params={"x": x}, value=x,
                              constraints=(0.3 - x,) if constrained else None)
                  for i, x in enumerate(np.linspace(0, 1, 30))]
        h = History.of(trials, "minimize")
        props = TPESampler(seed=0).propose(tc.Space({"x": tc.Float(0, 1)}), h,
                                           contexts(range(30, 60)))
        return float(np.mean([p["x"] >= 0.3 for p in props]))

    assert share(True) > share(False) + 0.3


def _zdt1(t):
    x = np.array([t.params[f"x{i}"] for i in range(6)])
    g = 1 + 9 * x[1:].mean()
    return x[0], g * (1 - math.sqrt(x[0] / g))


def _hv_after(sampler: object, seed: int, n: int) -> float:
    space = {f"x{i}": tc.Float(0, 1) for i in range(6)}
    study = tc.create_study(sampler=sampler, seed=seed, directions=["minimize", "minimize"])
    study.optimize(_zdt1, n_trials=n, space=space)
    return hypervolume(losses(study.best_trials, study.directions), np.array([1.1, 6.0]))


@pytest.mark.parametrize("name", ["nsga2", "tpe", "auto"])
def test_zdt1_hypervolume_beats_random_search(name):
    def make():  # auto's GP stretch cut short: 120 trials of it are slow for a test
        return AutoSampler(mo_gp_max_trials=30) if name == "auto" else name

    ours = [_hv_after(make(), s, 120) for s in range(3)]
    rnd = [_hv_after("random", s, 120) for s in range(3)]
    assert min(ours) > max(rnd)
    assert np.mean(ours) > np.mean(rnd) + 0.3


def _constrained_run(sampler, n: int, seed: int, n_obj: int) -> float:
    """The share of feasible trials on a problem whose feasible region is a disc covering
    about 12% of the square."""
    def objective(t):
        x, y = t.params["x"], t.params["y"]
        t.set_constraints([(x - 0.75) ** 2 + (y - 0.75) ** 2 - 0.04])
        return (x + y, (1 - x) + y * y) if n_obj == 2 else x + y
    study = tc.create_study(sampler=sampler, seed=seed,
                            directions=["minimize"] * n_obj)
    study.optimize(objective, n_trials=n, space={"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
    return float(np.mean([t.feasible for t in study.trials]))


@pytest.mark.parametrize("name,n_obj", [("nsga2", 2), ("tpe", 2), ("tpe", 1), ("nsga2", 1)])
def test_constrained_problem_feasible_share_beats_random(name, n_obj):
    ours = np.mean([_constrained_run(name, 80, s, n_obj) for s in range(3)])
    rnd = np.mean([_constrained_run("random", 80, s, n_obj) for s in range(3)])
    assert ours > rnd + 0.15


def test_gp_moves_towards_the_feasible_region():
    ours = _constrained_run(GPSampler(n_startup=8), 30, 0, 1)
    rnd = _constrained_run("random", 30, 0, 1)
    assert ours > rnd + 0.15


def test_auto_goes_quasi_random_then_motpe_then_nsga2():
    auto = AutoSampler(seed=0, n_startup=10, mo_gp_max_trials=15, mo_tpe_max_trials=30)
    assert isinstance(auto.choose(SPACE, history(5)), QMCSampler)
    assert isinstance(auto.choose(SPACE, history(12)), MOGPSampler)
    assert isinstance(auto.choose(SPACE, history(20)), TPESampler)
    assert isinstance(auto.choose(SPACE, history(40)), NSGAIISampler)
    wide = tc.Space({f"x{i}": tc.Float(0, 1) for i in range(40)})  # too wide for a GP
    assert isinstance(auto.choose(wide, history(12)), TPESampler)
    assert isinstance(AutoSampler(seed=0).choose(SPACE, history(99)), MOGPSampler)
    assert isinstance(AutoSampler(seed=0).choose(SPACE, history(100)), TPESampler)
    one = History.of(history(20).trials[:0], "minimize")
    assert isinstance(auto.choose(SPACE, one), QMCSampler)


def test_study_of_several_objectives_with_nsga2_and_description_round_trip():
    study = tc.create_study(sampler=NSGAIISampler(population_size=8), seed=4,
                            directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.params["x"] ** 2, t.params["x"]), n_trials=30,
                   space={"x": tc.Float(-1, 1)})
    assert len(study.best_trials) >= 3
    desc = study.sampler.describe() if hasattr(study, "sampler") else NSGAIISampler(
        population_size=8).describe()
    rebuilt = NSGAIISampler.from_description(desc)
    assert rebuilt.population_size == 8
    with pytest.raises(ValueError, match="population_size"):
        NSGAIISampler(population_size=1)
