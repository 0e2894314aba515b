"""The front door's seeds: a study's seed reaches whatever sampler it gets, and a study made
without one draws one, stores it and keeps it across ``load_study``."""

from __future__ import annotations

import pytest

import tunecycle as tc
from tunecycle.errors import UserError

SAMPLERS = ["auto", "tpe", "gp", "qmc", "random", "cmaes"]


def objective(trial: tc.Trial) -> float:
    x = trial.suggest_float("x", -2, 2)
    k = trial.suggest_int("k", 1, 5)
    return (x - 0.5) ** 2 + k


def _params(study: tc.Study, n: int) -> list[dict]:
    study.optimize(objective, n_trials=n)
    return [t.params for t in study.trials]


@pytest.mark.parametrize("name", SAMPLERS)
def test_a_seed_gives_the_same_trials_to_a_sampler_named_or_given(name):
    from tunecycle.samplers import sampler_class

    cls = sampler_class(name)
    n = 14  # past the start-up phase of the model-based samplers
    by_name = _params(tc.create_study(sampler=name, seed=5), n)
    by_instance = _params(tc.create_study(sampler=cls(), seed=5), n)
    again = _params(tc.create_study(sampler=cls(), seed=5), n)
    assert by_instance == by_name == again
    assert _params(tc.create_study(sampler=cls(), seed=6), n) != by_name


def test_a_shuffled_grid_given_as_an_instance_takes_the_studys_seed():
    from tunecycle.samplers import GridSampler

    space = {"a": tc.Categorical([1, 2, 3, 4]), "k": tc.Int(1, 5)}

    def order(sampler, seed):
        study = tc.create_study(sampler=sampler, seed=seed)
        study.optimize(lambda t: t.params["a"] * t.params["k"], n_trials=20, space=space)
        return [t.params for t in study.trials]

    named = order(GridSampler(shuffle=True), 5)
    assert order(GridSampler(shuffle=True), 5) == named
    assert order(GridSampler(shuffle=True), 6) != named
    assert sorted(map(str, named)) == sorted(map(str, order(GridSampler(shuffle=True), 6)))


def test_a_samplers_own_seed_is_the_studys_and_a_different_one_is_refused():
    from tunecycle.samplers import TPESampler

    study = tc.create_study(sampler=TPESampler(seed=3))
    assert study.system_attrs["seed"] == 3 and study.system_attrs["seed_drawn"] is False
    assert _params(study, 12) == _params(tc.create_study(sampler="tpe", seed=3), 12)
    with pytest.raises(UserError, match=r"seed: the study's seed 4 and the sampler's seed 3"):
        tc.create_study(sampler=TPESampler(seed=3), seed=4)


@pytest.mark.parametrize("sampler", ["qmc", "auto", "tpe"])
def test_a_drawn_seed_is_stored_and_survives_load_study(tmp_path, sampler):
    url = f"sqlite:///{tmp_path}/drawn.db"
    first = tc.create_study("drawn", storage=url, sampler=sampler)
    seed = first.system_attrs["seed"]
    assert isinstance(seed, int) and first.system_attrs["seed_drawn"] is True
    first.optimize(objective, n_trials=4)
    tc.load_study("drawn", url).optimize(objective, n_trials=4)
    tc.create_study("drawn", storage=url, sampler=sampler,
                    load_if_exists=True).optimize(objective, n_trials=4)
    resumed = [t.params for t in tc.load_study("drawn", url).trials]
    twin = _params(tc.create_study(sampler=sampler, seed=seed), 12)
    assert resumed == twin  # one sequence (one QMC scramble) across three openings


def test_two_unseeded_studies_draw_different_seeds():
    seeds = {tc.create_study().system_attrs["seed"] for _ in range(5)}
    assert len(seeds) == 5
