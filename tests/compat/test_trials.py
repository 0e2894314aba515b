"""Optuna's trial names: ``create_trial``, ``FixedTrial``, ``FrozenTrial.suggest_*`` replay and
the live ``Trial``'s Optuna extras, checked against real Optuna 5 on the same calls where
the two should agree."""

from __future__ import annotations

import warnings

import pytest

import tunecycle as tc
from tunecycle.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from tunecycle.trial import BaseTrial, FixedTrial, FrozenTrial, TrialState, create_trial

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _dists(mod):
    d = mod.distributions
    return {"x": d.FloatDistribution(0, 10), "n": d.IntDistribution(1, 5),
            "c": d.CategoricalDistribution(["a", "b"])}


# -- create_trial ----------------------------------------------------------------------------
def test_create_trial_keeps_everything_given():
    t = create_trial(value=5.0, params={"x": 1.5, "n": 2, "c": "b"}, distributions=_dists(tc),
                     user_attrs={"u": 1}, system_attrs={"s": "v"},
                     intermediate_values={0: 9.0, 3: 6.0})
    assert isinstance(t, FrozenTrial)
    assert t.state is TrialState.COMPLETE and t.value == 5.0 and t.values == (5.0,)
    assert t.params == {"x": 1.5, "n": 2, "c": "b"}
    assert t.distributions["n"] == IntDistribution(1, 5)
    assert t.intermediate_values == {0: 9.0, 3: 6.0}
    assert t.user_attrs == {"u": 1} and t.system_attrs == {"s": "v"}
    assert t.datetime_start is not None and t.datetime_complete is not None


def test_create_trial_states_and_times_like_optuna():
    for state, theirs in [(TrialState.WAITING, optuna.trial.TrialState.WAITING),
                          (TrialState.RUNNING, optuna.trial.TrialState.RUNNING),
                          (TrialState.FAIL, optuna.trial.TrialState.FAIL),
                          (TrialState.PRUNED, optuna.trial.TrialState.PRUNED)]:
        ours, ref = create_trial(state=state), optuna.trial.create_trial(state=theirs)
        assert (ours.datetime_start is None) == (ref.datetime_start is None), state
        assert (ours.datetime_complete is None) == (ref.datetime_complete is None), state
    pruned = create_trial(state="pruned", value=0.5)
    assert pruned.value == 0.5


@pytest.mark.parametrize("kwargs, field", [
    ({"value": 1.0, "values": [1.0]}, "value"),
    ({}, "values"),  # complete without a value
    ({"value": float("nan")}, "values"),
    ({"state": "FAIL", "value": 1.0}, "values"),
    ({"value": 1.0, "params": {"x": 11.0}, "distributions": "dists"}, "params"),
    ({"value": 1.0, "params": {"x": 1.0}}, "params"),  # no distribution for x
    ({"value": 1.0, "params": {"c": "z"}, "distributions": "dists"}, "params"),
])
def test_create_trial_refuses_what_optuna_refuses(kwargs, field):
    def call(mod, make):
        kw = dict(kwargs)
        if kw.get("distributions") == "dists":
            kw["distributions"] = {k: v for k, v in _dists(mod).items() if k in kw["params"]}
        if "state" in kw:
            kw["state"] = getattr(mod.trial.TrialState, kw["state"])
        return make(**kw)

    with pytest.raises(ValueError):
        call(optuna, optuna.trial.create_trial)
    with pytest.raises(ValueError, match=field):
        call(tc, create_trial)


def test_create_trial_constraints_mapping_becomes_tuple():
    t = create_trial(value=1.0, constraints={"a": 0.5, "b": -1.0})
    assert t.constraints == (0.5, -1.0) and not t.feasible
    with pytest.raises(ValueError, match="constraints"):
        create_trial(value=1.0, constraints={"a": float("inf")})


# -- FixedTrial ------------------------------------------------------------------------------
def _objective(trial):
    x = trial.suggest_float("x", 0, 10)
    n = trial.suggest_int("n", 1, 5)
    c = trial.suggest_categorical("c", ["a", "b"])
    trial.report(x * n, 0)
    trial.set_user_attr("seen", True)
    assert not trial.should_prune()
    return x * n + (1 if c == "b" else 0)


def test_fixed_trial_runs_an_objective_like_optuna():
    params = {"x": 2.5, "n": 3, "c": "b"}
    ours, ref = FixedTrial(params, number=7), optuna.trial.FixedTrial(params, number=7)
    assert _objective(ours) == _objective(ref) == 8.5
    assert ours.params == ref.params == params
    assert ours.user_attrs == ref.user_attrs == {"seen": True}
    assert ours.number == 7 and ours.intermediate == {0: 7.5}
    assert isinstance(ours, BaseTrial) and ours.datetime_start is not None


def test_fixed_trial_params_are_only_those_suggested():
    t = FixedTrial({"x": 1.0, "unused": 3})
    t.suggest_float("x", 0, 2)
    assert t.params == {"x": 1.0}


def test_fixed_trial_missing_name_is_a_value_error_like_optuna():
    with pytest.raises(ValueError):
        optuna.trial.FixedTrial({"x": 1.0}).suggest_int("n", 1, 5)
    with pytest.raises(ValueError, match="'n'"):
        FixedTrial({"x": 1.0}).suggest_int("n", 1, 5)


def test_fixed_trial_value_out_of_range_warns_like_optuna():
    with pytest.warns(UserWarning):
        assert optuna.trial.FixedTrial({"x": 20.0}).suggest_float("x", 0, 10) == 20.0
    with pytest.warns(UserWarning, match="outside"):
        assert FixedTrial({"x": 20.0}).suggest_float("x", 0, 10) == 20.0


def test_fixed_trial_refuses_another_kind_for_the_same_name():
    t = FixedTrial({"x": 1})
    t.suggest_int("x", 0, 3)
    with pytest.raises(ValueError, match="'x'"):
        t.suggest_categorical("x", [1, 2])


# -- FrozenTrial replay ----------------------------------------------------------------------
def test_objective_of_the_best_trial_gives_its_value():
    study = tc.create_study(sampler="random", seed=3, pruner="none")
    study.optimize(_objective, n_trials=8)
    best = study.best_trial
    assert _objective(best) == pytest.approx(study.best_value)


def test_frozen_replay_errors_and_warnings_like_optuna():
    kwargs = {"value": 1.0, "params": {"x": 2.0}}
    ours = create_trial(distributions={"x": FloatDistribution(0, 10)}, **kwargs)
    ref = optuna.trial.create_trial(distributions={"x": optuna.distributions.FloatDistribution(0, 10)},
                                    **kwargs)
    for t in (ours, ref):
        with pytest.raises(ValueError):
            t.suggest_float("y", 0, 1)  # not there
        with pytest.raises(ValueError):
            t.suggest_categorical("x", [1.0, 2.0])  # another kind than the stored float
        with pytest.warns(UserWarning):
            assert t.suggest_float("x", 5, 10) == 2.0  # out of the call's range: warned


def test_frozen_replay_of_categorical_and_int():
    t = create_trial(value=0.0, params={"n": 4, "c": None},
                     distributions={"n": IntDistribution(2, 8, step=2),
                                    "c": CategoricalDistribution([None, "x"])})
    assert t.suggest_int("n", 2, 8, step=2) == 4
    assert t.suggest_categorical("c", [None, "x"]) is None
    with pytest.raises(ValueError, match="'c'"):
        t.suggest_categorical("c", [None, "y"])  # other choices than stored


# -- the live Trial's Optuna extras ------------------------------------------------------------
def test_live_trial_has_study_and_start_time():
    study = tc.create_study(pruner="none")
    seen = []

    def objective(trial):
        seen.append((trial.study, trial.datetime_start, isinstance(trial, BaseTrial)))
        return trial.suggest_int("k", 0, 100, step=10) + trial.suggest_int("m", 1, 64, log=True)

    study.optimize(objective, n_trials=2)
    assert all(s is study and start is not None and base for s, start, base in seen)
    assert all(t.params["k"] % 10 == 0 for t in study.trials)


def test_deprecated_suggest_names_warn_and_work():
    study = tc.create_study(sampler="random", seed=0, pruner="none")
    trial = study.ask()
    with pytest.warns(FutureWarning, match="suggest_float"):
        u = trial.suggest_uniform("u", 0, 1)
    with pytest.warns(FutureWarning):
        lg = trial.suggest_loguniform("l", 1e-3, 1)
    with pytest.warns(FutureWarning):
        q = trial.suggest_discrete_uniform("q", 0, 1, 0.25)
    assert 0 <= u <= 1 and 1e-3 <= lg <= 1 and q in (0, 0.25, 0.5, 0.75, 1)
    assert trial.distributions["q"] == FloatDistribution(0, 1, step=0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trial.suggest_float("v", 0, 1)  # the current name does not warn
