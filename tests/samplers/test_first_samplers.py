"""Random, quasi-random (Sobol) and grid samplers: seeding, coverage, exhaustion."""

from __future__ import annotations

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.errors import SearchSpaceExhausted, SpaceError

SPACE = {
    "lr": tc.Float(1e-5, 1e-1, log=True),
    "units": tc.Int(16, 256, step=16),
    "act": tc.Categorical(["relu", "tanh", "gelu"]),
    "model": tc.Categorical({"a": {"depth": tc.Int(1, 5)}, "b": {}}),
}


def configs(sampler, seed, n=12, define_by_run=False, space=None) -> list:
    study = tc.create_study(sampler=sampler, seed=seed)
    if define_by_run:
        def objective(t):
            t.suggest_float("lr", 1e-5, 1e-1, log=True)
            t.suggest_int("units", 16, 256, step=16)
            t.suggest_categorical("act", ["relu", "tanh", "gelu"])
            return 0.0
        study.optimize(objective, n_trials=n)
    else:
        study.optimize(lambda t: 0.0, n_trials=n, space=space or SPACE)
    return [dict(t.params) for t in study.trials]


@pytest.mark.parametrize(
    ("sampler", "define_by_run"),
    [(s, d) for s in ("random", "qmc", "auto") for d in (False, True)] + [("grid", False)],
)
def test_same_seed_same_configurations(sampler, define_by_run):
    space = dict(SPACE)
    if sampler == "grid":
        space["lr"] = tc.Float(0.01, 0.05, step=0.01)
    a = configs(sampler, 42, define_by_run=define_by_run, space=space)
    b = configs(sampler, 42, define_by_run=define_by_run, space=space)
    assert a == b and len(a) == 12
    if sampler != "grid":
        assert a != configs(sampler, 43, define_by_run=define_by_run, space=space)


def test_seeded_configuration_does_not_depend_on_the_process_order():
    """Proposal n is fixed by (seed, n): asking in a batch or one by one gives the same."""
    space = {"x": tc.Float(0, 1), "k": tc.Int(0, 100)}
    one_by_one = tc.create_study(seed=5)
    singles = [one_by_one.ask(space).params for _ in range(4)]
    batch = [t.params for t in tc.create_study(seed=5).ask(space, n=4)]
    assert singles == batch


def test_random_covers_log_scale_uniformly_in_log_space():
    study = tc.create_study(sampler="random", seed=0)
    xs = [t.params["lr"] for t in study.ask({"lr": tc.Float(1e-6, 1.0, log=True)}, n=2000)]
    logs = np.log10(xs)
    counts, _ = np.histogram(logs, bins=6, range=(-6, 0))
    assert counts.min() > 2000 / 6 * 0.75  # every decade gets its share


def test_qmc_points_are_distinct_and_fill_the_square_better_than_random():
    space = {"x": tc.Float(0, 1), "y": tc.Float(0, 1)}
    q = tc.create_study(sampler="qmc", seed=0).ask(space, n=64)
    pts = np.array([[t.params["x"], t.params["y"]] for t in q])
    assert len({tuple(p) for p in pts}) == 64
    # each of the 8x8 cells of a scrambled Sobol set of 64 points holds exactly one point
    # along each axis' 64 strata: check 1-D stratification
    for axis in range(2):
        strata = np.floor(pts[:, axis] * 64).astype(int)
        assert sorted(strata) == list(range(64))


def test_grid_enumerates_every_point_once_then_stops():
    space = {"a": tc.Int(1, 3), "b": tc.Categorical([True, False]), "c": tc.Float(0, 1, step=0.5)}
    study = tc.create_study(sampler="grid")
    study.optimize(lambda t: t.params["a"], n_trials=100, space=space)
    points = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(points) == 3 * 2 * 3 == len(set(points))
    with pytest.raises(SearchSpaceExhausted):
        study.ask(space)


def test_grid_in_define_by_run_with_given_values():
    study = tc.create_study(sampler=tc.GridSampler({"x": [1, 2], "y": [0.1, 0.2]}))
    study.optimize(lambda t: t.suggest_int("x", 0, 5) + t.suggest_float("y", 0, 1))
    assert sorted((t.params["x"], t.params["y"]) for t in study.trials) == [
        (1, 0.1), (1, 0.2), (2, 0.1), (2, 0.2)]


def test_grid_over_a_conditional_space():
    space = {"m": tc.Categorical({"svm": {"C": [0.1, 1.0, 10.0]}, "knn": {"k": tc.Int(1, 2)}})}
    study = tc.create_study(sampler="grid")
    study.optimize(lambda t: 0.0, space=space)
    assert len(study.trials) == 5


def test_grid_with_a_continuous_parameter_is_a_clear_error():
    study = tc.create_study(sampler="grid")
    with pytest.raises(SpaceError, match="'x' is continuous"):
        study.ask({"x": tc.Float(0, 1)})


def test_grid_workers_starting_together_take_different_points():
    """Two trials started before either has params pick different grid points."""
    space = {"a": tc.Int(0, 9)}
    study = tc.create_study(sampler="grid")
    t1, t2 = study.ask(space, n=2)
    assert t1.params != t2.params


def test_shuffled_grid_is_seeded():
    space = {"a": tc.Int(0, 20)}
    orders = []
    for _ in range(2):
        study = tc.create_study(sampler=tc.GridSampler(seed=3, shuffle=True))
        orders.append([t.params["a"] for t in study.ask(space, n=21)])
    assert orders[0] == orders[1] and orders[0] != list(range(21))
    assert sorted(orders[0]) == list(range(21))


def test_load_study_rebuilds_the_stored_sampler(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    tc.create_study("s", storage=url, sampler="qmc", seed=9).optimize(
        lambda t: 0.0, n_trials=3, space={"x": tc.Float(0, 1)})
    again = tc.load_study("s", url)
    assert isinstance(again.sampler, tc.QMCSampler) and again.sampler.seed == 9
    fresh = tc.create_study("t", sampler="qmc", seed=9)
    expected = [t.params for t in fresh.ask({"x": tc.Float(0, 1)}, n=5)]
    assert [t.params for t in again.ask({"x": tc.Float(0, 1)}, n=2)] == expected[3:5]


def test_load_study_restores_sampler_options_and_noisy(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    tc.create_study("s", storage=url, sampler=tc.TPESampler(seed=4, n_candidates=40),
                    noisy=True)
    again = tc.load_study("s", url)
    assert isinstance(again.sampler, tc.TPESampler)
    assert (again.sampler.seed, again.sampler.n_candidates, again.sampler.noisy) == (4, 40, True)
    assert tc.load_study("s", url, sampler="random").sampler.name == "random"
