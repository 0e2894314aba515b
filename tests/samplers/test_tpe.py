"""TPE: convergence on easy problems, the constant liar, no repeats in discrete spaces."""

from __future__ import annotations

import numpy as np

import tunecycle as tc
from tunecycle.samplers.tpe import TPESampler, _neighbour_bandwidths

SPACE = {"x": tc.Float(-2, 2), "y": tc.Float(-2, 2)}


def quadratic(t):
    return (t.params["x"] - 0.3) ** 2 + (t.params["y"] + 0.7) ** 2


def best_after(sampler, n_trials, seed):
    study = tc.create_study(sampler=sampler, seed=seed)
    study.optimize(quadratic, n_trials=n_trials, space=SPACE)
    return study.best_value


def test_tpe_gets_near_the_optimum_of_a_quadratic_far_more_often_than_random():
    tpe = [best_after("tpe", 40, s) for s in range(10)]
    rnd = [best_after("random", 40, s) for s in range(10)]
    assert sum(v < 0.05 for v in tpe) >= 9
    assert np.median(tpe) < np.median(rnd) / 5


def test_tpe_models_log_scaled_and_integer_parameters():
    space = {"lr": tc.Float(1e-6, 1.0, log=True), "k": tc.Int(1, 100)}
    study = tc.create_study(sampler="tpe", seed=0)
    study.optimize(lambda t: (np.log10(t.params["lr"]) + 3) ** 2 + abs(t.params["k"] - 70) / 10,
                   n_trials=60, space=space)
    best = study.best_params
    assert 1e-4 < best["lr"] < 1e-2 and abs(best["k"] - 70) <= 10


def test_discrete_space_configurations_are_not_repeated():
    space = {"a": tc.Int(0, 4), "b": tc.Categorical(["x", "y", "z"])}
    study = tc.create_study(sampler="tpe", seed=0)
    study.optimize(lambda t: t.params["a"], n_trials=15, space=space)
    seen = [(t.params["a"], t.params["b"]) for t in study.trials]
    assert len(set(seen)) == 15


def test_noisy_objective_may_repeat_a_configuration():
    space = {"a": tc.Int(0, 1)}
    study = tc.create_study(sampler=TPESampler(seed=0, noisy=True))
    study.optimize(lambda t: float(t.params["a"]), n_trials=20, space=space)
    assert len(study.trials) == 20  # only 2 configurations exist: repeats are allowed


def test_running_trials_push_parallel_proposals_apart():
    """With the constant liar, a batch of proposals spreads instead of piling on the optimum."""
    study = tc.create_study(sampler="tpe", seed=4)
    study.optimize(quadratic, n_trials=30, space=SPACE)
    batch = study.ask(SPACE, n=6)
    pts = np.array([[t.params["x"], t.params["y"]] for t in batch])
    dists = np.linalg.norm(pts[:, None] - pts[None], axis=2)[np.triu_indices(6, 1)]
    assert dists.min() > 1e-3


def test_startup_trials_are_quasi_random():
    study = tc.create_study(sampler=TPESampler(seed=0, n_startup=8))
    qmc = tc.create_study(sampler=tc.QMCSampler(seed=0))
    assert [t.params for t in study.ask(SPACE, n=8)] == [t.params for t in qmc.ask(SPACE, n=8)]


def test_neighbour_bandwidths_narrow_in_dense_regions():
    centres = np.array([[0.5], [0.51], [0.52], [0.9], [np.nan]])
    sigma = _neighbour_bandwidths(centres)[:, 0]
    assert sigma[1] < sigma[3]  # the middle of the cluster is narrower than the outlier
    assert np.all(sigma >= 1 / 6) or sigma[1] == 1 / 6  # floor is 1/min(100, n + 2) with n = 4
    assert sigma[4] == 1.0  # a centre without the dim keeps the default


def test_vectorised_candidate_encoding_matches_decoding_each_candidate():
    from tunecycle.samplers.observe import encode
    from tunecycle.samplers.tpe import _encoded

    space = tc.Space({"a": tc.Int(0, 9, step=3), "b": tc.Float(0, 1, step=0.25),
                      "c": tc.Categorical(["x", "y", "z"]), "d": tc.Float(1, 100, log=True),
                      "e": tc.Float(2, 2), "f": tc.Int(1, 10**9)})
    u = np.random.default_rng(0).random((300, len(space)))
    one_by_one = np.vstack([encode(space, space.from_unit(row)) for row in u])
    assert np.allclose(_encoded(space, u), one_by_one, atol=1e-12)


def test_logsumexp_is_stable():
    from tunecycle.samplers.tpe import logsumexp

    a = np.array([[-1000.0, -1000.0], [1000.0, 1000.0], [0.0, -np.inf]])
    assert np.allclose(logsumexp(a, axis=1), [-1000 + np.log(2), 1000 + np.log(2), 0.0])
