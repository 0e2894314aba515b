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


# -- a conditional space whose family choice decides the outliers ---------------------------------
FAMILIES = {
    "family": tc.Categorical({"svm": {"C": tc.Float(1e-3, 1e3, log=True)},
                              "knn": {"k": tc.Int(1, 30)},
                              "tree": {"depth": tc.Int(1, 12)}}),
    "scale": tc.Float(0.0, 1.0),
}


def family_objective(trial: tc.Trial) -> float:
    """Every family has the same mean accuracy, 0.8, but only an SVM with a small C gives
    outliers (0.6, a third of the SVMs under the log-uniform C), the others move by 0.002 at
    most.  Under the uniform measure the variance is ``V = (1/3) * 0.02``; with every input but
    the family fixed, changing the family changes the value in two thirds of that variance
    (its total effect, 2/3), while C's main effect is 1/3 and the family's main effect is 0
    (equal means).  So the family choice provably explains the most."""
    p = trial.params
    if p["family"] == "svm":
        return 0.9 if p["svm.C"] > 0.1 else 0.6
    if p["family"] == "knn":
        return 0.8 + 0.002 * (p["knn.k"] - 15.5) / 14.5
    return 0.8 + 0.002 * (p["tree.depth"] - 6.5) / 5.5 + 0.001 * (p["scale"] - 0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_family_choice_that_decides_the_outliers_ranks_first(seed):
    study = tc.create_study(direction="maximize", sampler="random", seed=seed)
    study.optimize(family_objective, n_trials=120, space=FAMILIES)
    imp = param_importances(study.trials)
    share = imp.as_dict()
    assert imp.names[0] == "family" and share["family"] > 0.5, share
    assert imp.names[1] == "svm.C" and share["svm.C"] > 5 * share["knn.k"], share
    assert imp.branch_choices == ("family",)
    # the exact decomposition: the family's total effect 2/3, C's main effect 1/3
    raw = dict(zip(imp.names, imp.variance_share))
    assert raw["family"] == pytest.approx(2 / 3, abs=0.1) and raw["svm.C"] == pytest.approx(
        1 / 3, abs=0.1)
    # its main effect alone (what the plain fANOVA reads) is near 0: the weakness fixed here
    main = dict(zip(imp.names, imp.main_share))
    assert main["family"] < 0.1 and main["svm.C"] == pytest.approx(raw["svm.C"])


def test_the_total_effect_of_one_tree_is_its_main_effect_plus_its_interactions():
    """f = xor(x0 > .5, x1 > .5) + 2 * (x0 > .5) on a tree: x0's main effect is what the
    step explains, its total effect adds the whole interaction."""
    from tunecycle.viz.importance import tree_effects

    X = [[a, b] for a in (0.25, 0.75) for b in (0.25, 0.75)]
    y = [float((a > 0.5) != (b > 0.5)) + 2.0 * (a > 0.5) for a, b in X]
    # values 0, 1, 3, 2 on the four quarters: mean 1.5, variance 1.25; x0's means 0.5 and
    # 2.5 (variance 1.0), x1's 1.5 and 1.5 (0), the interaction the remaining 0.25
    main, total = tree_effects(_fit_tree(X, y), 2, [0, 1])
    assert main == pytest.approx([1.0 / 1.25, 0.0], abs=1e-12)
    assert total == pytest.approx([1.0, 0.25 / 1.25], abs=0.01)


def test_a_large_study_is_fitted_on_a_seeded_sample():
    study = tc.create_study(sampler="random", seed=0)
    study.optimize(lambda t: 10 * t.params["x0"] + 0.1 * t.params["x1"], n_trials=300,
                   space={"x0": tc.Float(0, 1), "x1": tc.Float(0, 1)})
    imp = param_importances(study.trials, max_trials=100)
    assert imp.n_trials == 300 and imp.n_fitted == 100
    assert imp.names[0] == "x0" and imp.importances[0] > 0.9
    assert param_importances(study.trials, max_trials=100) == imp  # the same sample each time
    assert param_importances(study.trials, max_trials=None).n_fitted == 300
    with pytest.raises(tc.UserError, match="max_trials"):
        param_importances(study.trials, max_trials=1)
