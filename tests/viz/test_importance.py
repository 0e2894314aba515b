"""fANOVA importances: exact shares on trees with known decompositions, the right ranking on
synthetic objectives, conditional spaces, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.viz.importance import _tree_shares, param_importances

tree = pytest.importorskip("sklearn.tree")  # the viz extra (`make test` installs it)


def _fit_tree(X, y):
    return tree.DecisionTreeRegressor(random_state=0).fit(np.asarray(X), np.asarray(y)).tree_


def test_additive_steps_split_the_variance_by_their_sizes():
    # f = 1[x0 > .5] + 2 * 1[x1 > .5]: variances .25 and 1.0 of 1.25, no interaction
    X = [[a, b] for a in (0.25, 0.75) for b in (0.25, 0.75)]
    y = [(a > 0.5) + 2 * (b > 0.5) for a, b in X]
    shares = _tree_shares(_fit_tree(X, y), 2)
    assert shares == pytest.approx([0.2, 0.8])


def test_a_pure_interaction_has_no_main_effect():
    # f = xor(x0 > .5, x1 > .5): each input alone explains nothing
    X = [[a, b] for a in (0.25, 0.75) for b in (0.25, 0.75)]
    y = [float((a > 0.5) != (b > 0.5)) for a, b in X]
    shares = _tree_shares(_fit_tree(X, y), 2)
    assert shares == pytest.approx([0.0, 0.0], abs=1e-12)


def test_the_parameter_that_matters_ranks_first():
    study = tc.create_study(sampler="random", seed=0)
    space = {"x0": tc.Float(0, 1), "x1": tc.Float(0, 1), "x2": tc.Float(0, 1)}
    study.optimize(lambda t: 10 * t.params["x0"] + 0.1 * t.params["x1"], n_trials=50,
                   space=space)
    imp = param_importances(study.trials)
    assert imp.names[0] == "x0" and imp.importances[0] > 0.9
    assert imp.as_dict()["x2"] < 0.05
    assert sum(imp.importances) == pytest.approx(1.0)
    assert 0.9 < sum(imp.variance_share) <= 1.0 + 1e-9  # additive: main effects explain it all
    assert imp.n_trials == 50


def test_log_and_categorical_parameters():
    study = tc.create_study(sampler="random", seed=1)
    space = {"lr": tc.Float(1e-5, 1e-1, log=True), "act": ["relu", "tanh", "gelu"],
             "noise": tc.Int(1, 9)}
    study.optimize(lambda t: {"relu": 0.0, "tanh": 5.0, "gelu": 10.0}[t.params["act"]]
                   + 0.01 * np.log10(t.params["lr"]), n_trials=40, space=space)
    imp = param_importances(study.trials)
    assert imp.names[0] == "act" and imp.importances[0] > 0.9


def test_conditional_space():
    from tests.viz.conftest import CONDITIONAL, conditional_objective

    study = tc.create_study(sampler="random", seed=2)
    study.optimize(conditional_objective, n_trials=60, space=CONDITIONAL)
    imp = param_importances(study.trials)
    assert set(imp.names) == {"model", "svm.C", "knn.k", "scale"}
    # the family moves the value by ~1 and k by up to ~1 within knn; C and scale by 0.01 at most
    assert set(imp.names[:2]) == {"model", "knn.k"}, imp
    assert imp.as_dict()["svm.C"] + imp.as_dict()["scale"] < 0.1, imp
    subset = param_importances(study.trials, ["scale", "svm.C"])
    assert set(subset.names) == {"scale", "svm.C"}


def test_too_few_trials_or_unknown_params_are_user_errors(one_trial_study, conditional_study):
    with pytest.raises(tc.UserError, match="at least 2 complete trials"):
        param_importances(one_trial_study.trials)
    with pytest.raises(tc.UserError, match="nope"):
        param_importances(conditional_study.trials, ["nope"])


def test_a_constant_objective_gives_zero_importances():
    study = tc.create_study(sampler="random", seed=0)
    study.optimize(lambda t: 1.0, n_trials=5, space={"x": tc.Float(0, 1)})
    imp = param_importances(study.trials)
    assert imp.importances == (0.0,)
