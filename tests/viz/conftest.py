"""Small real studies (in memory, random sampler) for the viz tests.  matplotlib and
scikit-learn come with the viz extra, which ``make test`` installs; the modules that need them
skip without them."""

from __future__ import annotations

import math

import pytest

import tunecycle as tc
from tunecycle.space import Space

CONDITIONAL = {
    "model": tc.Categorical({"svm": {"C": tc.Float(1e-3, 1e3, log=True)},
                             "knn": {"k": tc.Int(1, 20)}}),
    "scale": tc.Float(0.0, 1.0),
}


def conditional_objective(trial: tc.Trial) -> float:
    p = trial.params
    for step in range(4):
        trial.report(p["scale"] * (step + 1), step)
        if trial.should_prune():
            raise tc.TrialPruned()
    if p["model"] == "svm":  # the family matters, C hardly
        return 2.0 + 0.001 * math.log10(p["svm.C"]) + 0.01 * p["scale"]
    return 0.5 + p["knn.k"] / 20 + 0.01 * p["scale"]  # k matters within knn


@pytest.fixture
def conditional_study() -> tc.Study:
    """30 trials over a conditional space with intermediate values, some pruned."""
    study = tc.create_study(sampler="random", pruner="median", seed=5)
    study.optimize(conditional_objective, n_trials=30, space=Space(CONDITIONAL))
    return study


@pytest.fixture
def empty_study() -> tc.Study:
    return tc.create_study(sampler="random", seed=0)


@pytest.fixture
def one_trial_study() -> tc.Study:
    study = tc.create_study(sampler="random", seed=0, direction="maximize")
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=1, space={"x": tc.Float(-1, 1)})
    return study


@pytest.fixture
def failed_study() -> tc.Study:
    study = tc.create_study(sampler="random", seed=0)

    def broken(trial: tc.Trial) -> float:
        raise RuntimeError("no luck")

    study.optimize(broken, n_trials=3, space={"x": tc.Float(0, 1)})
    return study
