"""Optuna's distribution names are tunecycle's parameter types."""

import pytest

import tunecycle as tc
from tunecycle.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
    json_to_distribution,
)
from tunecycle.errors import SpaceError


def test_optuna_arguments_make_tunecycle_types():
    f = FloatDistribution(1e-5, 1e-1, log=True)
    i = IntDistribution(low=2, high=10, step=2)
    c = CategoricalDistribution(choices=["a", "b"])
    assert isinstance(f, tc.Float) and f.log and f.low == 1e-5
    assert isinstance(i, tc.Int) and i.step == 2
    assert isinstance(c, tc.Categorical) and list(c.choices) == ["a", "b"]


def test_a_study_asks_with_optuna_distributions():
    study = tc.create_study(sampler="random", seed=1)
    trial = study.ask({"x": FloatDistribution(0, 1), "n": IntDistribution(1, 3)})
    assert 0 <= trial.params["x"] <= 1 and trial.params["n"] in (1, 2, 3)


@pytest.mark.parametrize("dist", [FloatDistribution(0.5, 2.0, step=0.5), IntDistribution(1, 64, log=True),
                                  CategoricalDistribution([1, "two", None])])
def test_json_round_trip(dist):
    assert json_to_distribution(distribution_to_json(dist)).to_dict() == dist.to_dict()


def test_bad_bounds_name_the_problem():
    with pytest.raises(SpaceError, match="low"):
        FloatDistribution(2.0, 1.0)


def test_trial_state_fail_is_failed_and_intermediate_values():
    assert tc.TrialState.FAIL is tc.TrialState.FAILED
    assert list(tc.TrialState).count(tc.TrialState.FAILED) == 1
    study = tc.create_study(sampler="random", seed=0)

    def objective(trial):
        trial.report(0.5, 3)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=1)
    frozen = study.get_trials(deepcopy=False, states=[tc.TrialState.COMPLETE])[0]
    assert frozen.intermediate_values == {3: 0.5}


def test_trial_state_is_finished_is_a_method_as_in_optuna():
    optuna = pytest.importorskip("optuna")
    for ours, theirs in [(tc.TrialState.COMPLETE, optuna.trial.TrialState.COMPLETE),
                         (tc.TrialState.FAIL, optuna.trial.TrialState.FAIL),
                         (tc.TrialState.RUNNING, optuna.trial.TrialState.RUNNING),
                         (tc.TrialState.WAITING, optuna.trial.TrialState.WAITING)]:
        assert ours.is_finished() == theirs.is_finished()
