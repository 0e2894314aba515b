"""TPE: convergence on easy problems, the constant liar, no repeats in discrete spaces; the
vectorised densities and the caches kept between asks against direct computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tunecycle as tc
from tunecycle.samplers.parzen import neighbour_bandwidths
from tunecycle.samplers.tpe import TPESampler

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
    sigma = neighbour_bandwidths(centres)[:, 0]
    assert sigma[1] < sigma[3]  # the middle of the cluster is narrower than the outlier
    assert np.all(sigma >= 1 / 6) or sigma[1] == 1 / 6  # floor is 1/min(100, n + 2) with n = 4
    assert sigma[4] == 1.0  # a centre without the dim keeps the default


def test_vectorised_candidate_encoding_matches_decoding_each_candidate():
    from tunecycle.samplers.observe import encode
    from tunecycle.samplers.tpe import _encoded

    space = tc.Space({"a": tc.Int(0, 9, step=3), "b": tc.Float(0, 1, step=0.25),
                      "c": tc.Categorical(["x", "y", "z"]), "d": tc.Float(1, 100, log=True),
                      "e": tc.Float(2, 2), "f": tc.Int(1, 10**9),
                      "g": tc.Int(2, 64, log=True)})
    u = np.random.default_rng(0).random((300, len(space)))
    one_by_one = np.vstack([encode(space, space.from_unit(row)) for row in u])
    assert np.allclose(_encoded(space, u), one_by_one, atol=1e-12)


def test_logsumexp_is_stable():
    from tunecycle.samplers.parzen import logsumexp

    a = np.array([[-1000.0, -1000.0], [1000.0, 1000.0], [0.0, -np.inf]])
    assert np.allclose(logsumexp(a, axis=1), [-1000 + np.log(2), 1000 + np.log(2), 0.0])


def test_good_group_is_the_best_share_of_all_finished_trials_pruned_ones_ranked_by_reach():
    """Under a halving pruner few trials complete: gamma applies to every finished trial, the
    complete ones rank first, then pruned ones by the step they reached, then by loss."""
    from tunecycle.samplers.tpe import _Rows

    x = np.array([[0.1], [0.2], [0.3]])  # three complete trials: numbers 0, 1, 2
    pruned_x = np.arange(37)[:, None] / 100 + 0.5  # 37 pruned: 0.50 .. 0.86, numbers 3..39
    step = np.where(np.arange(37) % 3 == 0, 9, 1)  # every third one reached step 9
    ploss = np.linspace(5.0, 1.0, 37)  # later ones lower
    rows = _Rows(x, np.array([2.0, 1.0, 3.0]), np.arange(3), pruned_x, step, ploss,
                 np.arange(3, 40), np.empty((0, 1)))
    good, bad, n_finished_bad, weights = TPESampler(gamma=0.15)._split(rows)
    assert weights is None  # one objective: the good group is unweighted
    # 40 finished -> 6 good: the three complete, then the three deepest-reaching pruned ones
    # with the lowest losses (indices 36, 33 and 30)
    assert sorted(good[:, 0].round(2)) == [0.1, 0.2, 0.3, 0.8, 0.83, 0.86]
    assert n_finished_bad == len(bad) == 34
    assert np.all(np.diff(bad[:, 0]) > 0)  # the bad ones oldest first, for the recency ramp


def test_bad_rows_are_finished_trials_in_trial_order_then_running_ones():
    from tunecycle.samplers.tpe import _Rows

    loss = np.array([5.0, 1.0, 4.0, 0.5, 3.0, 2.0, 6.0, 7.0, 8.0])
    x = np.arange(9, dtype=float)[:, None] / 10  # complete trials 0, 2, 4, ... 16
    pruned_x = np.array([[0.95], [0.85]])  # pruned trials 1 and 17
    liar = np.array([[0.99]])
    rows = _Rows(x, loss, np.arange(0, 18, 2), pruned_x, np.array([3, 3]),
                 np.array([9.0, 9.0]), np.array([1, 17]), liar)
    good, bad, n_finished_bad, _ = TPESampler()._split(rows)
    assert good[:, 0].tolist() == [0.3, 0.1]  # ceil(0.1 * 11) = 2: losses 0.5 and 1.0
    assert bad[:, 0].tolist() == [0.0, 0.95, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.99]
    assert n_finished_bad == 9


def test_discrete_dims_are_scored_by_the_kernels_mass_on_the_bin():
    """On an integer dim a kernel narrower than a bin gives that bin its whole mass, not a
    spike: densities per unit width, so they sum to one over the bins at any bandwidth."""
    from tunecycle.samplers.parzen import Mixture

    def mixture(sigma: float) -> Mixture:  # one kernel at the middle bin of 5, no prior
        return Mixture(np.array([[0.5]]), np.array([0.0, -np.inf]), np.array([[sigma]]),
                        np.array([1.0]), np.array([0]), np.array([5]), np.full((1, 2), np.nan))

    centres = (np.arange(5)[:, None] + 0.5) / 5
    for sigma in (0.005, 0.05, 0.3):
        density = np.exp(mixture(sigma).log_pdf(centres))
        assert density.sum() / 5 == pytest.approx(1.0, abs=1e-9)
    assert np.exp(mixture(0.005).log_pdf(centres))[2] == pytest.approx(5.0)  # not 1/(s sqrt 2pi)


def test_log_scaled_integers_are_scored_by_mass_on_each_integers_bin():
    """A log-scaled integer's bins are uneven (1 takes more of the unit interval than 63):
    mass times bin width still sums to one over every value, and candidates are scored at the
    integer they become."""
    from tunecycle.samplers.parzen import bin_edges
    from tunecycle.samplers.tpe import TPESampler, _encoded

    space = tc.Space({"k": tc.Int(1, 64, log=True)})
    values = np.arange(1, 65)
    at = np.array([[space.dims[0].param.to_unit(v)] for v in values])
    lo, hi = bin_edges(at, np.array([0]), np.array([[1.0, 64.0]]))
    assert lo[0, 0] == pytest.approx(0.0) and hi[-1, 0] == pytest.approx(1.0)
    assert np.allclose(hi[:-1, 0], lo[1:, 0])  # the bins tile the unit interval
    centres = np.array([[space.dims[0].param.to_unit(3)], [space.dims[0].param.to_unit(40)]])
    for sigma in (0.01, 0.2):
        mix = TPESampler()._mixture(space, centres, recency=None)
        mix = type(mix)(**{**mix.__dict__, "sigma": np.full((2, 1), sigma)})
        density = np.exp(mix.log_pdf(at)) / np.exp(mix.log_weights).sum()  # weights 1, 1, 1
        assert float(np.sum(density * (hi - lo)[:, 0])) == pytest.approx(1.0, abs=1e-9)
    u = np.random.default_rng(1).random((50, 1))
    snapped = _encoded(space, u)
    assert np.allclose(snapped[:, 0], [space.dims[0].param.to_unit(space.from_unit(r)["k"])
                                       for r in u])


# -- the vectorised densities and the caches against direct computations ----------------------
def _direct_log_pdf(mix, x: np.ndarray) -> np.ndarray:
    """The mixture's log density at each point, one kernel and one dim at a time."""
    from scipy.special import logsumexp as scipy_logsumexp
    from scipy.special import ndtr

    from tunecycle.samplers.parzen import bin_edges

    out = []
    for point in x:
        terms = []
        for i, centre in enumerate(mix.centres):
            total = mix.log_weights[i]
            for j, (u, c) in enumerate(zip(point, centre)):
                if np.isnan(u) or np.isnan(c):
                    continue
                s, k = mix.sigma[i, j], int(mix.n_choices[j])
                if k:  # categorical: keep the centre's choice, or switch to another
                    same = int(min(u * k, k - 1)) == int(min(c * k, k - 1))
                    keep = mix.keep[j]
                    total += np.log(keep * k) if same else np.log((1 - keep) / max(k - 1, 1) * k)
                    continue
                inside = ndtr((1 - c) / s) - ndtr(-c / s)
                if mix.bins[j] or not np.isnan(mix.log_ints[j, 0]):
                    lo, hi = bin_edges(np.array([[u]]), mix.bins[j:j + 1], mix.log_ints[j:j + 1])
                    mass = ndtr((hi[0, 0] - c) / s) - ndtr((lo[0, 0] - c) / s)
                    total += np.log(max(mass, 1e-300) / (hi[0, 0] - lo[0, 0])) - np.log(inside)
                else:
                    total += (-0.5 * ((u - c) / s) ** 2
                              - np.log(s * np.sqrt(2 * np.pi) * inside))
            terms.append(total)
        terms.append(mix.log_weights[-1])
        out.append(scipy_logsumexp(terms))
    return np.array(out)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 30), st.integers(1, 12))
def test_mixture_density_equals_a_direct_sum_over_kernels(seed, n_centres, n_points):
    """Continuous, stepped, integer, log-integer and categorical dims, centres and points with
    missing dims, uneven weights: the one-matrix-product density is the plain sum."""
    space = tc.Space({"f": tc.Float(-3, 3), "lf": tc.Float(1e-3, 1.0, log=True),
                      "i": tc.Int(0, 6), "li": tc.Int(1, 64, log=True),
                      "st": tc.Float(0, 1, step=0.25), "c": tc.Categorical(["a", "b", "c"]),
                      "c2": tc.Categorical([1, 2])})
    rng = np.random.default_rng(seed)
    from tunecycle.samplers.tpe import _encoded

    def rows(n: int) -> np.ndarray:
        x = _encoded(space, rng.random((n, len(space))))
        x[rng.random(x.shape) < 0.2] = np.nan
        return x

    weights = rng.uniform(0.01, 1.0, n_centres)
    mix = TPESampler(prior_weight=float(rng.uniform(0.1, 2)))._mixture(
        space, rows(n_centres), recency=None, weights=weights)
    x = rows(n_points)
    assert np.allclose(mix.log_pdf(x), _direct_log_pdf(mix, x), rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(1.0, 5000.0))
def test_logsumexp_equals_scipys_when_most_terms_underflow(seed, spread):
    from scipy.special import logsumexp as scipy_logsumexp

    from tunecycle.samplers.parzen import logsumexp

    a = np.random.default_rng(seed).uniform(-spread, 0.0, (5, 300))
    a[0, :10] = -np.inf
    assert np.allclose(logsumexp(a, axis=1), scipy_logsumexp(a, axis=1), rtol=1e-12, atol=1e-12)
    assert np.isnan(logsumexp(np.array([[0.0, np.nan]]), axis=1)[0])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 5).map(float), st.floats(0, 1)), max_size=60))
def test_stable_argsort_is_numpys_stable_sort(values):
    from tunecycle.samplers.parzen import stable_argsort

    a = np.array(values, dtype=float)
    assert stable_argsort(a).tolist() == np.argsort(a, kind="stable").tolist()


def test_once_every_configuration_was_tried_the_model_picks_the_repeat():
    """A discrete space whose every configuration was tried -- here a define-by-run
    categorical outside the joint space, modelled alone -- is proposed from the model, not at
    random: the good choice comes back."""
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if x < 0.1:
            return 5.0
        c = trial.suggest_categorical("c", ["bad", "good", "worse"])  # not in every trial
        return {"good": 0.0, "bad": 1.0, "worse": 2.0}[c] + x

    late = []
    for seed in range(3):
        study = tc.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objective, n_trials=60)
        assert "c" not in study.sampler.joint_space(study.history()).names
        late += [t.params["c"] for t in study.trials[-20:] if "c" in t.params]
    # seen: 34 of 42; drawn at random once all three were tried (as before): 20 of 52
    assert len(late) >= 30 and late.count("good") >= 0.65 * len(late)


def test_a_discrete_space_with_a_log_integer_gets_no_repeats_from_tpe_itself():
    """TPE's own candidate search skips tried configurations in a wholly discrete space with a
    log-scaled integer too (it used to count such a space as having no configurations and
    leave every repeat to the study, which replaced it at random)."""
    from tunecycle.protocols import TrialContext, trial_rng

    space = tc.Space({"n": tc.Int(1, 32, log=True), "c": tc.Categorical(["a", "b"]),
                      "k": tc.Int(0, 4)})
    study = tc.create_study(sampler="random", seed=1)
    study.optimize(lambda t: math.log(t.params["n"]) + t.params["k"]
                   + (t.params["c"] == "b"), n_trials=30, space=space)
    history = study.history()
    tried = {space.config_key(t.params) for t in history.trials}
    sampler = TPESampler(seed=2)
    contexts = [TrialContext(n, trial_rng(2, n)) for n in range(30, 40)]
    proposals = sampler.propose(space, history, contexts)
    keys = [space.config_key(p) for p in proposals]
    assert not tried & set(keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("space", [
    {"c": tc.Categorical(["a", "b", "c"])},
    {"c": tc.Categorical(list("abcdefghijklmnop"))},
    {"a": tc.Categorical(["p", "q"]), "k": tc.Int(1, 9), "s": tc.Float(0.0, 1.0, step=0.1),
     "q": tc.Int(1, 1000, log=True)},
    {"k": tc.Int(1, 1000, log=True), "j": tc.Int(-5, 5)},
])
def test_a_discrete_space_scores_each_distinct_candidate_once_with_the_same_bits(space):
    # TPE scores the distinct rows of such a space's candidates only; that is the same only
    # if a row's log density does not depend on the other rows scored with it (down to one)
    from tunecycle.samplers.tpe import _encoded, _rows_score_alone, _score

    space = tc.Space(space)
    assert _rows_score_alone(space)
    rng = np.random.default_rng(3)
    sampler = TPESampler(0)
    for n in (3, 40, 700, 1900):
        good = sampler._mixture(space, _encoded(space, rng.random((n // 10 + 1, len(space)))),
                                recency=None)
        bad = sampler._mixture(space, _encoded(space, rng.random((n, len(space)))), recency=n)
        enc = _encoded(space, good.sample(rng, 96))
        assert len(np.unique(enc, axis=0)) < len(enc)
        full = good.log_pdf(enc) - bad.log_pdf(enc)
        assert np.array_equal(_score(good, bad, enc, True).view(np.int64), full.view(np.int64))
        for size in (1, 2, 3):  # the smallest matrices take other BLAS paths
            part = np.concatenate([good.log_pdf(enc[i:i + size]) - bad.log_pdf(enc[i:i + size])
                                   for i in range(0, len(enc), size)])
            assert np.array_equal(part.view(np.int64), full.view(np.int64))


def test_two_categorical_dims_are_scored_row_by_row_as_before():
    from tunecycle.samplers.tpe import _rows_score_alone

    space = tc.Space({"a": tc.Categorical(list("pq")), "b": tc.Categorical([1, 2, 3])})
    assert not _rows_score_alone(space)
    assert not _rows_score_alone(tc.Space({"x": tc.Float(0.0, 1.0)}))


def test_the_per_dim_densities_of_several_objectives_match_each_dims_own_mixture_to_the_bit():
    # log_pdf_dims does the continuous dims in one stacked product: each dim's column must
    # be what that dim's own one-dimensional mixture gives (inactive centres included)
    from tunecycle.samplers.tpe import _encoded

    space = tc.Space({"x": tc.Float(-3, 3), "lr": tc.Float(1e-5, 1e-1, log=True),
                      "c": tc.Categorical(list("abc")), "k": tc.Int(1, 9),
                      "q": tc.Int(1, 1000, log=True), "y": tc.Float(0, 1)})
    rng = np.random.default_rng(5)
    sampler = TPESampler(0)
    for n in (1, 30, 900):
        centres = _encoded(space, rng.random((n, len(space))))
        centres[rng.random(centres.shape) < 0.05] = np.nan
        mix = sampler._mixture(space, centres, recency=n)
        for m in (1, 24):
            enc = _encoded(space, mix.sample(rng, m))
            one_by_one = np.column_stack([mix.column(j).log_pdf(enc[:, j:j + 1])
                                          for j in range(len(space))])
            assert np.array_equal(mix.log_pdf_dims(enc).view(np.int64),
                                  one_by_one.view(np.int64))
