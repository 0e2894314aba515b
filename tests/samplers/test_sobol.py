"""The numpy Sobol' points are scipy's, point for point, and the first trial of a study loads
no scipy."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from tunecycle.samplers.sobol import direction_numbers, sobol_engine


@pytest.mark.parametrize("d", [1, 2, 5, 21, 64])
def test_direction_numbers_are_scipys(d):
    from scipy.stats._sobol import _initialize_v

    v = np.zeros((d, 30), dtype=np.uint32)
    _initialize_v(v, dim=d, bits=30)
    assert np.array_equal(direction_numbers(d), v.astype(np.int64))


@pytest.mark.parametrize("scramble", [True, False])
@pytest.mark.parametrize(("d", "seed"), [(1, 0), (3, 7), (8, 2**31 - 1), (40, 123456789)])
def test_points_are_scipys_for_the_same_seed(d, seed, scramble):
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = qmc.Sobol(d, scramble=scramble, seed=seed)
        expected = np.vstack([engine.random(64), engine.random(64), engine.random(128)])
    ours = sobol_engine(d, seed, scramble)
    assert np.array_equal(ours.points(np.arange(256)), expected)
    assert np.array_equal(ours.points(np.array([200, 3, 77])), expected[[200, 3, 77]])


def test_the_qmc_sampler_gives_scipys_points_without_importing_it():
    from scipy.stats import qmc

    import tunecycle as tc

    space = tc.Space({"a": tc.Float(0, 1), "b": tc.Float(0, 1), "c": tc.Float(0, 1)})
    sampler = tc.QMCSampler(seed=5)
    study = tc.create_study(sampler=sampler)
    got = np.array([[t.params[k] for k in "abc"] for t in study.ask(space, n=70)])
    scramble = int(np.random.default_rng(5).integers(2**31))  # how QMCSampler seeds scipy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = qmc.Sobol(3, scramble=True, seed=scramble).random(70)
    assert np.allclose(got, want, rtol=0, atol=1e-12)


def test_a_first_trial_loads_no_scipy():
    code = (
        "import sys, tunecycle as tc\n"
        "s = tc.create_study()\n"
        "s.optimize(lambda t: t.suggest_float('x', 0, 1) + len(t.suggest_categorical("
        "'c', ['a', 'bb'])), n_trials=3)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
