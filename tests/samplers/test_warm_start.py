"""How the model-based samplers read a warm start's prior (``history.prior``): hand-made
histories, so each test controls the prior and the own trials exactly.

A misleading prior (its optimum far from the new task's) must not lock a sampler in: with no
own trial the proposals follow the prior, after enough own trials they follow the own data."""

from __future__ import annotations

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.protocols import History, TrialContext, trial_rng
from tunecycle.records import Direction, FrozenTrial, TrialState
from tunecycle.samplers import make_sampler
from tunecycle.samplers.auto import AutoSampler
from tunecycle.samplers.gp import GPSampler
from tunecycle.samplers.observe import Observer
from tunecycle.samplers.qmc import QMCSampler
from tunecycle.warmstart import Prior, PriorTrial

SPACE = tc.Space({"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
PRIOR_OPT, OWN_OPT = np.array([0.1, 0.1]), np.array([0.9, 0.9])


def loss(p: np.ndarray, at: np.ndarray) -> float:
    return float(((p - at) ** 2).sum())


def make_prior(n: int = 60, seed: int = 0, half_life: float = 20) -> Prior:
    pts = np.random.default_rng(seed).random((n, 2))
    return Prior([PriorTrial({"x": float(a), "y": float(b)}, loss(np.array([a, b]), PRIOR_OPT))
                  for a, b in pts], Direction.MINIMIZE, half_life)


def own_history(n: int, prior: Prior | None, seed: int = 1) -> History:
    pts = np.random.default_rng(seed).random((n, 2))
    dists = {d.name: d.param for d in SPACE.dims}
    trials = [FrozenTrial(i, i, TrialState.COMPLETE, loss(p, OWN_OPT),
                          {"x": float(p[0]), "y": float(p[1])}, dists)
              for i, p in enumerate(pts)]
    return History.of(trials, "minimize", prior=prior)


def proposals(sampler_name: str, history: History, k: int = 8) -> np.ndarray:
    sampler = make_sampler(sampler_name, 5)
    n = len(history.trials)
    out = [sampler.propose(SPACE, history, [TrialContext(n + i, trial_rng(5, n + i))])[0]
           for i in range(k)]
    return np.array([[p["x"], p["y"]] for p in out])


def mean_distance(points: np.ndarray, at: np.ndarray) -> float:
    return float(np.linalg.norm(points - at, axis=1).mean())


@pytest.mark.parametrize("sampler", ["tpe", "gp"])
def test_a_misleading_prior_leads_at_first_and_fades_once_own_trials_arrive(sampler):
    prior = make_prior()
    first = proposals(sampler, own_history(0, prior))
    assert mean_distance(first, PRIOR_OPT) < 0.3  # the prior is used: it leads at first
    later = proposals(sampler, own_history(50, prior))
    cold = proposals(sampler, own_history(50, None))
    assert mean_distance(later, OWN_OPT) < 0.3, later
    assert mean_distance(later, OWN_OPT) < 0.5 * mean_distance(later, PRIOR_OPT)
    # after 50 own trials the prior costs little against no prior at all
    assert mean_distance(later, OWN_OPT) < mean_distance(cold, OWN_OPT) + 0.15


def test_tpe_weighs_the_prior_less_as_own_trials_arrive():
    prior = make_prior()
    obs = Observer()
    weights = [obs.observe(SPACE, own_history(n, prior)).prior.weight for n in (0, 10, 40)]
    assert weights[0] > weights[1] > weights[2]
    assert weights[0] == pytest.approx(prior.weight(0))


def test_a_rich_prior_skips_the_quasi_random_start():
    prior = make_prior(20)
    auto = AutoSampler(3)
    assert isinstance(auto.choose(SPACE, own_history(0, None)), QMCSampler)
    assert isinstance(auto.choose(SPACE, own_history(0, prior)), GPSampler)
    assert isinstance(auto.choose(SPACE, own_history(0, make_prior(4))), QMCSampler)


def test_cmaes_starts_its_distribution_from_the_priors_best():
    prior = make_prior(60)
    sampler = make_sampler("cmaes", 2)
    state = sampler.distribution(SPACE, own_history(0, prior))
    cold = sampler.__class__(2).distribution(SPACE, own_history(0, None))
    assert np.linalg.norm(np.array(state["mean"]) - PRIOR_OPT) < 0.25
    assert np.allclose(cold["mean"], 0.5)


def test_random_qmc_and_grid_ignore_the_prior():
    prior = make_prior(30)
    for name in ("random", "qmc"):
        with_prior = proposals(name, own_history(3, prior), 4)
        without = proposals(name, own_history(3, None), 4)
        assert np.array_equal(with_prior, without)


def test_a_conditional_space_uses_prior_rows_of_each_branch():
    space = tc.Space({"model": tc.Categorical({"a": {"u": tc.Float(0, 1)},
                                               "b": {"v": tc.Float(0, 1)}})})
    rng = np.random.default_rng(0)
    trials = []
    for _ in range(40):  # branch a is good near u = 0.8, branch b is bad everywhere
        if rng.random() < 0.5:
            u = float(rng.random())
            trials.append(PriorTrial({"model": "a", "a.u": u}, (u - 0.8) ** 2))
        else:
            trials.append(PriorTrial({"model": "b", "b.v": float(rng.random())}, 1.0))
    history = History.of([], "minimize", prior=Prior(trials, Direction.MINIMIZE))
    sampler = make_sampler("tpe", 1)
    # even numbers: the model's trials (odd ones stay quasi-random while the study is young)
    picks = [sampler.propose(space, history, [TrialContext(i, trial_rng(1, i))])[0]
             for i in range(0, 24, 2)]
    branch_a = [p for p in picks if p["model"] == "a"]
    assert len(branch_a) >= 8
    assert np.mean([abs(p["a.u"] - 0.8) for p in branch_a]) < 0.2


def test_tpe_keeps_every_other_early_trial_quasi_random_when_warm():
    """Until the study has n_startup own trials, odd-numbered trials take the Sobol point a
    cold study would (so a misleading prior cannot keep every own trial in its corner);
    even-numbered ones follow the prior."""
    prior = make_prior(60)
    history = own_history(4, prior)
    tpe, qmc = make_sampler("tpe", 5), QMCSampler(5)
    for number in (5, 7):
        ctx = [TrialContext(number, trial_rng(5, number))]
        assert tpe.propose(SPACE, history, ctx) == qmc.propose(SPACE, history, ctx)
    evens = np.array([[p["x"], p["y"]] for p in (
        tpe.propose(SPACE, history, [TrialContext(n, trial_rng(5, n))])[0]
        for n in (4, 6, 8, 10))])
    assert mean_distance(evens, PRIOR_OPT) < 0.3
    later = own_history(12, prior)  # n_startup own trials: the model proposes every trial
    ctx = [TrialContext(13, trial_rng(5, 13))]
    assert tpe.propose(SPACE, later, ctx) != qmc.propose(SPACE, later, ctx)
