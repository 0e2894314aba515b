"""The ``auto`` sampler's rule: quasi-random start, GP for small flat spaces and short
histories, TPE for conditional, categorical-heavy or wide spaces and long histories."""

from __future__ import annotations

import tunecycle as tc
from tunecycle.protocols import History
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.auto import AutoSampler

FLAT = tc.Space({"x": tc.Float(0, 1), "k": tc.Int(1, 9), "c": tc.Categorical(["a", "b"])})


def history(n: int, state: TrialState = TrialState.COMPLETE) -> History:
    trials = [FrozenTrial(trial_id=i + 1, number=i, state=state, value=float(i),
                          params={"x": 0.5, "k": 3, "c": "a"}) for i in range(n)]
    return History.of(trials)


def test_quasi_random_until_enough_trials_are_complete():
    auto = AutoSampler(seed=0)
    assert auto.choose(FLAT, history(9)).name == "qmc"
    assert auto.choose(FLAT, history(30, TrialState.FAILED)).name == "qmc"  # failures don't count
    assert auto.choose(FLAT, history(10)).name == "gp"


def test_gp_while_small_and_flat_then_tpe():
    auto = AutoSampler(seed=0, gp_max_trials=100)
    assert auto.choose(FLAT, history(99)).name == "gp"
    assert auto.choose(FLAT, history(100)).name == "tpe"


def test_gp_for_conditional_and_categorical_spaces_tpe_for_wide_ones():
    auto = AutoSampler(seed=0)
    conditional = tc.Space({"m": tc.Categorical({"svm": {"C": tc.Float(1, 2)}, "knn": {}})})
    many_choices = tc.Space({"x": tc.Float(0, 1), "c": tc.Categorical(list("abcdefghijkl"))})
    for space in (conditional, many_choices):
        assert auto.choose(space, history(20)).name == "gp"
    wide = tc.Space({f"x{i}": tc.Float(0, 1) for i in range(33)})
    assert auto.choose(wide, history(20)).name == "tpe"
    assert AutoSampler(seed=0, gp_max_dims=12).choose(many_choices, history(20)).name == "tpe"


def test_auto_is_the_default_and_survives_load(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    study = tc.create_study("a", storage=url, seed=3)
    assert isinstance(study.sampler, AutoSampler)
    again = tc.load_study("a", url)
    assert isinstance(again.sampler, AutoSampler) and again.sampler.seed == 3


def test_auto_finds_a_good_configuration_on_a_small_problem():
    space = {"x": tc.Float(-2, 2), "y": tc.Float(-2, 2)}
    study = tc.create_study(seed=0)
    study.optimize(lambda t: (t.params["x"] - 0.3) ** 2 + (t.params["y"] + 0.7) ** 2,
                   n_trials=30, space=space)
    assert study.best_value < 0.05
