"""Optuna's samplers under Optuna's names and constructor arguments, user-written samplers in
Optuna's protocol (``BaseSampler``), ``tunecycle.search_space``, and a sampler's
``constraints_func`` reaching the study."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tunecycle as tc
import tunecycle.distributions
import tunecycle.search_space
from tunecycle import samplers as S
from tunecycle.compat import samplers as compat
from tunecycle.errors import SearchSpaceExhausted, UserError
from tunecycle.protocols import Sampler
from tunecycle.records import TrialState


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -5, 5)
    return (x - 2) ** 2 + y


@pytest.fixture(autouse=True)
def _fresh_warnings():
    compat._WARNED.clear()


# -- Optuna's constructor arguments build working samplers ---------------------------------
OPTUNA_SPELLINGS = {
    "tpe": lambda: S.TPESampler(
        n_startup_trials=4,
        n_ei_candidates=12,
        seed=1,
        multivariate=True,
        group=True,
        constant_liar=True,
        warn_independent_sampling=False,
        prior_weight=1.0,
    ),
    "random": lambda: S.RandomSampler(seed=1),
    "qmc": lambda: S.QMCSampler(
        qmc_type="halton", scramble=True, seed=1, warn_asynchronous_seeding=False
    ),
    "gp": lambda: S.GPSampler(seed=1, n_startup_trials=4, deterministic_objective=True),
    "cmaes": lambda: S.CmaEsSampler(
        x0={"x": 1.0, "y": 0.0},
        sigma0=0.2,
        n_startup_trials=2,
        seed=1,
        restart_strategy="ipop",
        popsize=6,
    ),
    "nsga2": lambda: S.NSGAIISampler(
        population_size=6, mutation_prob=0.2, crossover_prob=0.8, swapping_prob=0.4, seed=1
    ),
    "nsga3": lambda: S.NSGAIIISampler(population_size=6, dividing_parameter=2, seed=1),
    "partial": lambda: S.PartialFixedSampler({"y": -5.0}, S.TPESampler(seed=1, n_startup_trials=3)),
}


@pytest.mark.parametrize("name", sorted(OPTUNA_SPELLINGS))
def test_optuna_spellings_build_working_samplers(name):
    sampler = OPTUNA_SPELLINGS[name]()
    assert isinstance(sampler, Sampler)
    study = tc.create_study(sampler=sampler)
    study.optimize(quadratic, n_trials=14)
    assert sum(t.state is TrialState.COMPLETE for t in study.trials) == 14
    assert study.best_value < 20  # far better than the range's worst (~144 + 5)
    if name == "partial":
        assert {t.params["y"] for t in study.trials} == {-5.0}


def test_optuna_arguments_map_onto_native_options():
    tpe = S.TPESampler(n_startup_trials=3, n_ei_candidates=7)
    assert (tpe.n_startup, tpe.n_candidates) == (3, 7)
    assert S.GPSampler(n_startup_trials=2).n_startup == 2
    assert S.GPSampler(deterministic_objective=False).noisy is True
    cma = S.CmaEsSampler(n_startup_trials=4, restart_strategy=None)
    assert (cma.n_startup, cma.restart) == (4, None)
    assert S.NSGAIISampler(swapping_prob=0.25).swap_prob == 0.25
    grid = S.GridSampler(search_space={"x": [1, 2]}, seed=0)
    assert grid.values == {"x": [1, 2]}


def test_tpe_n_startup_trials_is_followed():
    """Optuna's argument changes when the model starts: with n_startup_trials=3 the 4th trial
    comes from the model, with the default 10 it is still quasi-random."""

    def run(**kw):
        study = tc.create_study(sampler=S.TPESampler(seed=4, **kw))
        study.optimize(quadratic, n_trials=4)
        return [t.params for t in study.trials]

    assert run(n_startup_trials=3)[:3] == run()[:3]
    assert run(n_startup_trials=3)[3] != run()[3]


def test_callable_gamma_sets_the_good_group():
    seen = []

    def gamma(n: int) -> int:
        seen.append(n)
        return 2

    tpe = S.TPESampler(gamma=gamma, n_startup_trials=3, seed=0)
    study = tc.create_study(sampler=tpe)
    study.optimize(quadratic, n_trials=6)
    assert seen and tpe._n_good(10) == 2
    assert tpe.describe()["gamma"] == 0.1  # a callable is not stored


def test_arguments_without_meaning_warn_once():
    with pytest.warns(UserWarning, match="multivariate=False is ignored"):
        S.TPESampler(multivariate=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S.TPESampler(multivariate=False)  # said once per process
        S.TPESampler(multivariate=True, constant_liar=True)  # what we do: no warning
    with pytest.warns(UserWarning, match="consider_endpoints"):
        S.TPESampler(consider_endpoints=True)
    with pytest.warns(UserWarning, match="use_separable_cma"):
        S.CmaEsSampler(use_separable_cma=True)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: S.TPESampler(n_startup_trails=3), "unexpected argument 'n_startup_trails'"),
        (lambda: S.TPESampler(n_startup_trials=-1), "n_startup_trials"),
        (lambda: S.TPESampler(constraints_func=3), "constraints_func must be callable"),
        (lambda: S.CmaEsSampler(restart_strategy="bipop"), "restart_strategy='bipop'"),
        (lambda: S.CmaEsSampler(inc_popsize=3), "inc_popsize=3"),
        (lambda: S.CmaEsSampler(source_trials=[], sigma0=0.1), "without x0 and sigma0"),
        (lambda: S.NSGAIISampler(crossover=object()), "crossover="),
        (lambda: S.NSGAIISampler(mutation=object()), "mutation="),
        (lambda: S.QMCSampler(qmc_type="lhs"), "qmc_type"),
        (lambda: S.QMCSampler(independent_sampler="random"), "independent_sampler"),
        (lambda: S.GridSampler({"x": [1]}, search_space={"x": [2]}), "once"),
        (lambda: S.PartialFixedSampler({"x": 1}, "tpe"), "base_sampler"),
        (lambda: S.NSGAIIISampler(reference_points=[[-1, 1]]), "reference_points"),
    ],
)
def test_bad_arguments_give_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_stored_descriptions_rebuild_with_optuna_arguments(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    made = {
        "tpe": S.TPESampler(n_startup_trials=3, n_ei_candidates=9, seed=2),
        "qmc": S.QMCSampler(qmc_type="halton", scramble=False, seed=2),
        "cmaes": S.CmaEsSampler(x0={"x": 1.0}, n_startup_trials=2, seed=2),
        "nsga3": S.NSGAIIISampler(reference_points=[[1, 0], [0.5, 0.5], [0, 1]], seed=2),
        "brute": S.BruteForceSampler(seed=2, avoid_premature_stop=True),
    }
    for key, sampler in made.items():
        directions = ["minimize", "minimize"] if key == "nsga3" else None
        tc.create_study(key, storage=url, sampler=sampler, directions=directions)
        loaded = tc.load_study(key, url)
        assert type(loaded.sampler) is type(sampler), key
        assert loaded.sampler.describe() == sampler.describe(), key


# -- GridSampler, QMC, BruteForce: Optuna's behaviour ---------------------------------------
def test_grid_sampler_ends_the_study_when_the_grid_is_done():
    grid = {"x": [-1.0, 0.0, 1.0], "y": [-5, 5]}
    study = tc.create_study(sampler=S.GridSampler(grid, seed=0))
    study.optimize(
        lambda t: t.suggest_float("x", -10, 10) + t.suggest_int("y", -5, 5), n_trials=100
    )
    assert len(study.trials) == 6
    assert {(t.params["x"], t.params["y"]) for t in study.trials} == {
        (x, y) for x in grid["x"] for y in grid["y"]
    }


def test_qmc_unscrambled_starts_at_the_lower_bounds_like_optuna():
    study = tc.create_study(sampler=S.QMCSampler(scramble=False, seed=0))
    t = study.ask({"x": tc.Float(2.0, 4.0), "y": tc.Float(-1.0, 1.0)})
    assert t.params == {"x": 2.0, "y": -1.0}  # the first Sobol point is the origin
    halton = tc.create_study(sampler=S.QMCSampler(qmc_type="halton", scramble=False))
    points = [halton.ask({"x": tc.Float(0.0, 1.0)}).params["x"] for _ in range(3)]
    assert points == pytest.approx([0.0, 0.5, 0.25])  # the base-2 van der Corput sequence


def test_brute_force_tries_every_branch_once_then_stops():
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return trial.suggest_int("n", 1, 3)
        return trial.suggest_float("f", 0.0, 1.0, step=0.25)

    study = tc.create_study(sampler=S.BruteForceSampler(seed=3))
    study.optimize(objective, n_trials=50)
    got = sorted((t.params["kind"], t.params.get("n"), t.params.get("f")) for t in study.trials)
    assert got == [("a", n, None) for n in (1, 2, 3)] + [
        ("b", None, f) for f in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    with pytest.raises(SearchSpaceExhausted):
        study.ask()


def test_brute_force_refuses_a_continuous_parameter():
    study = tc.create_study(sampler=S.BruteForceSampler())
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].state is TrialState.FAILED
    assert "continuous" in study.trials[0].fail_reason


def test_nsga3_niching_with_given_reference_points():
    def zdt(trial):
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(3)]
        g = 1 + 9 * sum(x[1:]) / 2
        return x[0], g * (1 - math.sqrt(x[0] / g))

    refs = [[1.0, 0.0], [0.75, 0.25], [0.5, 0.5], [0.25, 0.75], [0.0, 1.0]]
    sampler = S.NSGAIIISampler(population_size=10, reference_points=refs, seed=0)
    study = tc.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(zdt, n_trials=60)
    assert len(study.best_trials) >= 3
    assert sampler._references(2).shape == (5, 2)
    assert S.NSGAIIISampler(dividing_parameter=3)._references(3).shape == (10, 3)


# -- CmaEsSampler(source_trials=): a real warm start -----------------------------------------
def sphere(trial):
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 3.0) ** 2 for i in range(4))


def test_cmaes_source_trials_start_near_the_source_optimum():
    source = tc.create_study(sampler=S.TPESampler(seed=1))
    source.optimize(sphere, n_trials=60)
    cold, warm = [], []
    for seed in range(3):
        for bucket, kw in ((cold, {}), (warm, {"source_trials": source.trials})):
            study = tc.create_study(sampler=S.CmaEsSampler(seed=seed, **kw))
            study.optimize(sphere, n_trials=10)
            bucket.append(np.median([t.value for t in study.trials]))
    assert max(warm) < min(cold)
    # the warm mean is the best source trials' mean, well inside their region
    sampler = S.CmaEsSampler(source_trials=source.trials)
    study = tc.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=2)
    space = tc.Space({f"x{i}": tc.Float(-5, 5) for i in range(4)})
    dist = sampler.distribution(space, study.history())
    best = sorted(source.trials, key=lambda t: t.value)[: sampler.source_k]
    mean = [np.mean([(t.params[f"x{i}"] + 5) / 10 for t in best]) for i in range(4)]
    assert dist is not None and dist["generation"] == 0
    assert dist["mean"] == pytest.approx(mean)
    assert dist["sigma"] < 1 / 6  # narrower than a cold start


def test_cmaes_source_trials_are_read_in_the_study_direction():
    """The source trials' values are ranked in the new study's direction: a maximising study
    starts where the source's values were highest (near the sphere's optimum, as the source
    maximised -sphere), a minimising one where they were lowest (far from it)."""
    source = tc.create_study(direction="maximize", sampler=S.RandomSampler(seed=0))
    source.optimize(lambda t: -sphere(t), n_trials=40)
    medians = {}
    for direction in ("maximize", "minimize"):
        sampler = S.CmaEsSampler(source_trials=source.trials, seed=0)
        study = tc.create_study(direction=direction, sampler=sampler)
        study.optimize(lambda t: -sphere(t), n_trials=6)
        medians[direction] = np.median([sphere_value(t) for t in study.trials])
    assert medians["maximize"] < 30 < 60 < medians["minimize"]


def sphere_value(t):
    return sum((t.params[f"x{i}"] - 3.0) ** 2 for i in range(4))


def test_cmaes_source_trials_need_a_complete_trial():
    failed = tc.create_study(sampler="random")
    failed.optimize(lambda t: t.suggest_float("x", 0, 1) / 0, n_trials=2)
    with pytest.raises(UserError, match="no complete trial"):
        S.CmaEsSampler(source_trials=failed.trials)


def test_cmaes_x0_sets_the_initial_mean():
    sampler = S.CmaEsSampler(x0={"x0": 4.0, "x1": -4.0}, sigma0=0.05, seed=0)
    study = tc.create_study(sampler=sampler)
    study.optimize(
        lambda t: t.suggest_float("x0", -5, 5) + t.suggest_float("x1", -5, 5), n_trials=3
    )
    later = study.trials[1:]  # the first define-by-run trial has no joint space yet
    assert all(abs(t.params["x0"] - 4.0) < 2 and abs(t.params["x1"] + 4.0) < 2 for t in later)


# -- constraints_func given to a sampler reaches the study -----------------------------------
def test_sampler_constraints_func_reaches_the_study():
    def constraints(trial):
        return [trial.params["x"] - 1.0]  # feasible where x <= 1

    study = tc.create_study(
        sampler=S.TPESampler(seed=0, constraints_func=constraints, n_startup_trials=5)
    )
    assert study.constraints_func is constraints
    study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 2.0) ** 2, n_trials=25)
    assert all(t.constraints is not None for t in study.trials)
    assert study.best_params["x"] <= 1.0  # the unconstrained optimum (2) is infeasible
    feasible_late = [t.feasible for t in study.trials[10:]]
    assert sum(feasible_late) > len(feasible_late) / 2  # drawn to the feasible region


def test_nsga2_constraints_func_and_study_constraints_must_agree():
    def c1(t):
        return [0.0]

    def c2(t):
        return [0.0]

    sampler = S.NSGAIISampler(constraints_func=c1)
    study = tc.create_study(
        directions=["minimize", "minimize"], sampler=sampler, constraints_func=c1
    )
    assert study.constraints_func is c1
    with pytest.raises(UserError, match="constraints_func"):
        tc.create_study(directions=["minimize", "minimize"], sampler=sampler, constraints_func=c2)


def test_load_study_takes_the_samplers_constraints(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"

    def constraints(trial):
        return [1.0]

    tc.create_study("c", storage=url)
    study = tc.load_study("c", url, sampler=S.GPSampler(constraints_func=constraints))
    assert study.constraints_func is constraints


# -- user-written samplers in Optuna's protocol --------------------------------------------
class LocalSearchSampler(tc.samplers.BaseSampler):
    """Written as Optuna's tutorial writes samplers: it reads the study (``get_trials``,
    ``best_trial``, ``trials``) and the frozen trial, samples the intersection space around
    the best trial, and leaves other parameters to a built-in sampler's
    ``sample_independent``.  It does not call ``BaseSampler.__init__``."""

    def __init__(self, width: float = 0.1, seed: int = 0):
        self._rng = np.random.RandomState(seed)
        self._width = width
        self.events: list[tuple[str, int]] = []
        self._independent = tc.samplers.RandomSampler(seed=seed)

    def infer_relative_search_space(self, study, trial):
        return tc.search_space.intersection_search_space(study.get_trials(deepcopy=False))

    def sample_relative(self, study, trial, search_space):
        if search_space == {}:
            return {}
        assert study.trials[-1].number == trial.number  # the running trial is the newest
        best = study.best_trial
        params = {}
        for name, dist in search_space.items():
            assert isinstance(dist, tc.distributions.FloatDistribution)
            span = (dist.high - dist.low) * self._width
            low = max(best.params[name] - span, dist.low)
            high = min(best.params[name] + span, dist.high)
            params[name] = self._rng.uniform(low, high)
        return params

    def sample_independent(self, study, trial, param_name, param_distribution):
        self.events.append(("independent", trial.number))
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial):
        self.events.append(("before", trial.number))

    def after_trial(self, study, trial, state, values):
        assert state in (TrialState.COMPLETE, TrialState.FAILED, TrialState.PRUNED)
        self.events.append(("after", trial.number))


def test_user_written_sampler_drives_a_study():
    sampler = LocalSearchSampler(seed=0)
    assert isinstance(sampler, Sampler)
    study = tc.create_study(sampler=sampler)
    study.optimize(quadratic, n_trials=60)
    # trial 0 had no complete trial to intersect: both params were sampled independently;
    # afterwards the local search proposes both, around the best trial
    independent = [n for kind, n in sampler.events if kind == "independent"]
    assert independent == [0, 0]
    before = [n for kind, n in sampler.events if kind == "before"]
    after = [n for kind, n in sampler.events if kind == "after"]
    assert before == after == list(range(60))
    # each later trial lies within the search width of the best trial before it
    trials = study.trials
    for n in range(1, 60):
        best = min(trials[:n], key=lambda t: t.value)
        assert abs(trials[n].params["x"] - best.params["x"]) <= 2.0 + 1e-9
        assert abs(trials[n].params["y"] - best.params["y"]) <= 1.0 + 1e-9
    assert study.best_value < trials[0].value - 1.0  # and the search improved on the start


def test_user_written_sampler_with_a_declared_space():
    sampler = LocalSearchSampler(seed=1)
    study = tc.create_study(sampler=sampler)
    study.optimize(
        lambda t: (t.params["x"] - 2) ** 2 + t.params["y"],
        n_trials=30,
        space={"x": tc.Float(-10, 10), "y": tc.Float(-5, 5)},
    )
    assert len([n for kind, n in sampler.events if kind == "independent"]) == 2
    assert study.best_value < 0


def test_built_in_samplers_answer_optunas_methods():
    study = tc.create_study(sampler="random", seed=0)
    study.optimize(quadratic, n_trials=12)
    trial = study.trials[-1]
    tpe = S.TPESampler(seed=0, n_startup_trials=5)
    space = tpe.infer_relative_search_space(study, trial)
    assert set(space) == {"x", "y"}
    rel = tpe.sample_relative(study, trial, space)
    assert set(rel) == {"x", "y"} and -10 <= rel["x"] <= 10
    dist = tc.distributions.IntDistribution(1, 5)
    v = S.RandomSampler(seed=0).sample_independent(study, trial, "n", dist)
    assert isinstance(v, int) and 1 <= v <= 5
    again = S.RandomSampler(seed=0).sample_independent(study, trial, "n", dist)
    assert v == again  # seeded by (seed, trial number, parameter name)
    assert S.RandomSampler().reseed_rng() is None


def test_base_sampler_without_sample_independent_says_so():
    class Bare(tc.samplers.BaseSampler):
        pass

    study = tc.create_study(sampler=Bare())
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert "sample_independent" in study.trials[0].fail_reason


def test_base_sampler_needs_its_study():
    with pytest.raises(UserError, match="reads its study"):
        LocalSearchSampler().propose_param(
            "x",
            tc.Float(0, 1),
            tc.protocols.History.of([]),
            tc.protocols.TrialContext(0, np.random.default_rng()),
        )


# -- tunecycle.search_space ------------------------------------------------------------------
def test_intersection_search_space():
    study = tc.create_study(sampler="random", seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2:
            trial.suggest_int("odd", 0, 3)
        if trial.number == 3:
            raise tc.TrialPruned()
        return x

    study.optimize(objective, n_trials=4)
    got = tc.search_space.intersection_search_space(study.trials)
    assert list(got) == ["x"] and got["x"] == tc.Float(0, 1)
    only_odd = [t for t in study.trials if t.number % 2]
    assert list(tc.search_space.intersection_search_space(only_odd)) == ["odd", "x"]
    assert list(tc.search_space.intersection_search_space(only_odd, include_pruned=True)) == [
        "odd",
        "x",
    ]
    assert tc.search_space.intersection_search_space([]) == {}
    iss = tc.search_space.IntersectionSearchSpace()
    assert list(iss.calculate(study)) == ["x"]
    assert list(tc.search_space.IntersectionSearchSpace(include_pruned=True).calculate(study)) == [
        "x"
    ]
    study.optimize(lambda t: t.suggest_float("z", 0, 1), n_trials=1)  # no "x": empty now
    assert iss.calculate(study) == {}


def test_load_study_says_when_a_user_sampler_is_not_rebuilt(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    tc.create_study("u", storage=url, sampler=LocalSearchSampler(), seed=5)
    with pytest.warns(UserWarning, match="LocalSearchSampler"):
        study = tc.load_study("u", url)
    assert study.sampler.name == "auto" and study.sampler.seed == 5
    again = tc.load_study("u", url, sampler=LocalSearchSampler())
    assert isinstance(again.sampler, LocalSearchSampler)
