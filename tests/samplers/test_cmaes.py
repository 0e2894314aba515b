"""CMA-ES sampler: valid proposals, the fallback for categorical and conditional dims,
seeding, state rebuilt from the history alone, failed and pruned trials, batches, restarts,
and that it actually optimises."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.errors import UserError
from tunecycle.protocols import History, TrialContext, trial_rng
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.samplers.cmaes import CmaEsSampler
from tunecycle.samplers.cmaes_strategy import Strategy
from tunecycle.samplers.random import RandomSampler

MIXED = {
    "lr": tc.Float(1e-5, 1e-1, log=True),
    "units": tc.Int(16, 256, step=16),
    "layers": tc.Int(1, 1000, log=True),
    "drop": tc.Float(0.0, 0.5, step=0.05),
    "x": tc.Float(-2.0, 3.0),
    "const": tc.Float(1.0, 1.0),
    "act": tc.Categorical(["relu", "tanh", "gelu"]),
    "model": tc.Categorical({"svm": {"C": tc.Float(1e-3, 1e3, log=True)}, "knn": {"k": tc.Int(1, 9)}}),
}
NUMERIC = ["lr", "units", "layers", "drop", "x"]


def mixed_loss(p) -> float:
    return (
        (math.log10(p["lr"]) + 3) ** 2
        + ((p["units"] - 96) / 64) ** 2
        + (math.log(p["layers"]) - 3) ** 2
        + (p["drop"] - 0.2) ** 2
        + (p["x"] - 1) ** 2
        + (p["act"] != "relu")
    )


class RecordingRandom(RandomSampler):
    """A random fallback that remembers the spaces it was asked about."""

    def __init__(self, seed=None):
        super().__init__(seed)
        self.spaces: list[list[str]] = []

    def propose(self, space, history, contexts):
        self.spaces.append(space.names)
        return super().propose(space, history, contexts)


def sphere6(params) -> float:
    return sum((params[f"x{i}"] - 0.3) ** 2 for i in range(6))


SPHERE6 = {f"x{i}": tc.Float(-1.0, 1.0) for i in range(6)}


# -- validity --------------------------------------------------------------------------------
@pytest.mark.parametrize("fallback", ["default", "random"])
def test_proposals_respect_types_bounds_steps_and_log(fallback):
    fb = RandomSampler() if fallback == "random" else None
    study = tc.create_study(sampler=CmaEsSampler(seed=0, fallback=fb), seed=0)
    study.optimize(lambda t: mixed_loss(t.params), n_trials=80, space=MIXED)
    space = tc.Space(MIXED)
    trials = study.trials
    assert len(trials) == 80 and all(t.state is TrialState.COMPLETE for t in trials)
    for t in trials:
        assert space.validate(t.params) == dict(t.params)
        p = t.params
        assert isinstance(p["units"], int) and p["units"] % 16 == 0
        assert isinstance(p["layers"], int) and 1 <= p["layers"] <= 1000
        assert isinstance(p["lr"], float) and 1e-5 <= p["lr"] <= 1e-1
        assert abs(p["drop"] / 0.05 - round(p["drop"] / 0.05)) < 1e-9
        assert -2.0 <= p["x"] <= 3.0 and p["const"] == 1.0
        assert ("svm.C" in p) == (p["model"] == "svm") and ("knn.k" in p) == (p["model"] == "knn")
    # both branches and all categories were tried, and the log dims cover several decades
    assert {t.params["model"] for t in trials} == {"svm", "knn"}
    assert {t.params["act"] for t in trials} == {"relu", "tanh", "gelu"}
    assert max(t.params["layers"] for t in trials) / min(t.params["layers"] for t in trials) > 5


def test_the_fallback_sees_only_categorical_and_conditional_dims():
    fb = RecordingRandom()
    sampler = CmaEsSampler(seed=1, fallback=fb)
    study = tc.create_study(sampler=sampler)
    study.optimize(lambda t: mixed_loss(t.params), n_trials=30, space=MIXED)
    assert fb.spaces and all(
        names == ["const", "act", "model", "svm.C", "knn.k"] for names in fb.spaces
    )
    dist = sampler.distribution(tc.Space(MIXED), study.history())
    assert dist is not None and dist["dims"] == NUMERIC
    assert dist["generation"] == 30 // dist["popsize"]
    json.dumps(dist)  # JSON-safe


def test_a_space_without_numeric_dims_goes_to_the_fallback():
    space = {"a": tc.Categorical(["x", "y", "z"]), "b": tc.Categorical([True, False])}
    sampler = CmaEsSampler(seed=0, fallback=RandomSampler())
    study = tc.create_study(sampler=sampler)
    study.optimize(lambda t: 0.0, n_trials=10, space=space)
    assert len(study.trials) == 10
    assert sampler.distribution(tc.Space(space), study.history()) is None


def test_the_default_fallbacks_categorical_is_modelled_after_every_choice_was_tried():
    """The categorical part alone is a tiny discrete space, tried through in a few trials;
    TPE must keep modelling it then (it used to draw at random once every choice was taken)."""
    space = {"x": tc.Float(-3, 3), "y": tc.Float(-3, 3),
             "c": tc.Categorical(["bad", "good", "worse"])}
    late = []
    for seed in range(3):
        study = tc.create_study(sampler=CmaEsSampler(seed=seed))
        study.optimize(lambda t: t.params["x"] ** 2 + t.params["y"] ** 2
                       + {"good": 0, "bad": 1, "worse": 2}[t.params["c"]],
                       n_trials=60, space=space)
        late += [t.params["c"] for t in study.trials[-20:]]
    assert late.count("good") >= 40  # seen: 50 of 60; at random (as before): 21 of 60


def test_the_default_fallback_is_tpe_when_available():
    sampler = CmaEsSampler(seed=4)
    try:
        from tunecycle.samplers.tpe import TPESampler  # noqa: F401
    except ImportError:
        assert sampler.fallback.name == "random"
    else:
        assert sampler.fallback.name == "tpe"
    assert sampler.fallback.seed == 4


def test_define_by_run_uses_the_joint_space_and_random_for_the_rest():
    sampler = CmaEsSampler(seed=0, fallback=RandomSampler())
    study = tc.create_study(sampler=sampler)

    def objective(t):
        x = t.suggest_float("x", -3, 3)
        y = t.suggest_int("y", -5, 5)
        c = t.suggest_categorical("c", ["p", "q"])
        if c == "p":
            t.suggest_float("z", 0, 1, log=False)
        return (x - 1) ** 2 + (y - 2) ** 2 + (c == "q")

    study.optimize(objective, n_trials=120)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    for t in study.trials:
        assert -3 <= t.params["x"] <= 3 and isinstance(t.params["y"], int)
    joint = sampler.joint_space(study.history())
    assert joint is not None and sampler.distribution(joint, study.history()) is not None
    assert study.best_value < 0.05


# -- reproducibility and state ------------------------------------------------------------------
def test_same_seed_same_configurations_and_another_seed_others():
    def run(seed):
        study = tc.create_study(sampler=CmaEsSampler(seed=seed, fallback=RandomSampler()))
        study.optimize(lambda t: mixed_loss(t.params), n_trials=40, space=MIXED)
        return [dict(t.params) for t in study.trials]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_state_is_rebuilt_from_the_history_alone():
    """Step by step in one sampler, or replayed by a fresh one: the same distribution and the
    same next proposal -- also with failed and pruned trials in the history."""
    space = tc.Space(SPHERE6)
    sampler = CmaEsSampler(seed=3)
    study = tc.create_study(sampler=sampler, seed=3)

    def objective(t):
        if t.number % 11 == 5:
            raise RuntimeError("boom")  # failed: skipped
        if t.number % 13 == 7:
            raise tc.TrialPruned()  # pruned: ranked worst in its generation
        return sphere6(t.params)

    for _ in range(157):
        study.optimize(objective, n_trials=1, space=SPHERE6)
        sampler.distribution(space, study.history())  # the incremental path, every trial
    states = [t.state for t in study.trials]
    assert TrialState.FAILED in states and TrialState.PRUNED in states
    history = History.of(study.trials)
    fresh = CmaEsSampler(seed=3)
    a, b = sampler.distribution(space, history), fresh.distribution(space, history)
    assert a["generation"] == b["generation"] == (157 - states.count(TrialState.FAILED)) // 9
    assert a["popsize"] == b["popsize"]
    np.testing.assert_allclose(a["mean"], b["mean"], rtol=0, atol=1e-14)
    np.testing.assert_allclose(a["cov"], b["cov"], rtol=1e-12, atol=1e-300)
    assert a["sigma"] == pytest.approx(b["sigma"], rel=1e-12)
    ctx = lambda: [TrialContext(157, trial_rng(3, 157))]  # noqa: E731
    assert sampler.propose(space, history, ctx()) == fresh.propose(space, history, ctx())
    # the order in which the store lists trials does not matter: generations follow numbers
    shuffled = list(study.trials)
    np.random.default_rng(0).shuffle(shuffled)
    assert CmaEsSampler(seed=3).distribution(space, History.of(shuffled)) == b


def test_a_trial_finishing_late_rewinds_the_replay():
    """Trials told in reverse order: after every tell the incremental state equals a replay."""
    space = tc.Space({"a": tc.Float(0, 1), "b": tc.Float(-5, 5), "c": tc.Int(0, 50)})
    sampler = CmaEsSampler(seed=2, popsize=4)
    study = tc.create_study(sampler=sampler)
    study.optimize(lambda t: t.params["a"] + abs(t.params["b"]), n_trials=9, space=space)
    batch = study.ask(space, n=12)
    for t in reversed(batch):
        study.tell(t, t.params["a"] + abs(t.params["b"]))
        history = History.of(study.trials)
        a = sampler.distribution(space, history)
        b = CmaEsSampler(seed=2, popsize=4).distribution(space, history)
        assert a == b


def _trial(number, x, value=None, state=TrialState.COMPLETE):
    dists = {"x": tc.Float(0, 1)}
    return FrozenTrial(
        trial_id=100 + number, number=number, state=state, value=value, params={"x": x},
        distributions=dists,
    )


def test_pruned_members_rank_last_and_failed_ones_are_skipped():
    space = tc.Space({"x": tc.Float(0, 1)})
    sampler = CmaEsSampler(seed=0, popsize=4, fallback=RandomSampler())
    history = History.of(
        [
            _trial(0, 0.0, state=TrialState.PRUNED),
            _trial(1, 0.6, 1.0),
            _trial(2, 0.3, state=TrialState.FAILED),
            _trial(3, 1.0, state=TrialState.PRUNED),
            _trial(4, 0.62, 2.0),
        ]
    )
    dist = sampler.distribution(space, history)
    assert dist["generation"] == 1
    w = Strategy.make(1, 4).weights  # mu = 2: the two complete members, best first
    assert dist["mean"][0] == pytest.approx(w[0] * 0.6 + w[1] * 0.62, abs=1e-12)
    # a generation of pruned members only changes nothing
    only_pruned = History.of(
        [_trial(i, 0.1 * i, state=TrialState.PRUNED) for i in range(4)]
    )
    dist = CmaEsSampler(seed=0, popsize=4).distribution(space, only_pruned)
    assert dist["generation"] == 1 and dist["mean"] == [0.5]
    assert dist["sigma"] == pytest.approx(1 / 6)


def test_start_up_trials_come_from_the_fallback_and_seed_the_mean():
    space = tc.Space({"x": tc.Float(0, 1), "y": tc.Float(0, 1)})
    fb = RecordingRandom()
    sampler = CmaEsSampler(seed=0, n_startup=6, fallback=fb)
    study = tc.create_study(sampler=sampler)
    loss = lambda t: (t.params["x"] - 0.2) ** 2 + (t.params["y"] - 0.9) ** 2  # noqa: E731
    study.optimize(loss, n_trials=6, space=space)
    assert len(fb.spaces) == 6  # every start-up proposal was the fallback's, whole space
    best = min(study.trials, key=lambda t: t.value)
    dist = sampler.distribution(space, study.history())
    assert dist["generation"] == 0
    assert dist["mean"] == pytest.approx([best.params["x"], best.params["y"]])
    study.optimize(loss, n_trials=6, space=space)
    assert len(fb.spaces) == 6  # CMA-ES took over


# -- batches, duplicates, restarts ----------------------------------------------------------------
def test_a_batch_of_popsize_gives_distinct_points():
    sampler = CmaEsSampler(seed=0)
    study = tc.create_study(sampler=sampler, seed=0)
    study.optimize(lambda t: sphere6(t.params), n_trials=30, space=SPHERE6)
    lam = sampler.distribution(tc.Space(SPHERE6), study.history())["popsize"]
    batch = study.ask(SPHERE6, n=lam)
    assert len({tuple(sorted(t.params.items())) for t in batch}) == lam


def test_an_all_discrete_space_avoids_repeats():
    space = {"a": tc.Int(0, 9), "b": tc.Int(0, 9)}
    study = tc.create_study(sampler=CmaEsSampler(seed=0, popsize=10))
    study.optimize(lambda t: (t.params["a"] - 4) ** 2 + (t.params["b"] - 6) ** 2, n_trials=20,
                   space=space)
    batch = study.ask(space, n=10)
    points = [tuple(t.params.values()) for t in study.trials if t.params]
    assert len(set(points)) == len(points) == 30
    assert study.best_value == 0
    assert all(t.params is not None for t in batch)


@pytest.mark.parametrize(("restart", "restarts", "popsize"), [("ipop", 1, 12), (None, 0, 6)])
def test_ipop_restarts_with_a_doubled_population_on_a_flat_objective(restart, restarts, popsize):
    space = tc.Space({"x": tc.Float(0, 1), "y": tc.Float(0, 1)})  # lambda = 4 + 3 ln 2 -> 6
    sampler = CmaEsSampler(seed=0, restart=restart, fallback=RandomSampler())
    study = tc.create_study(sampler=sampler)
    study.optimize(lambda t: 1.0, n_trials=150, space=space)
    dist = sampler.distribution(space, study.history())
    assert (dist["restarts"], dist["popsize"]) == (restarts, popsize)
    for t in study.trials:
        space.validate(t.params)


# -- it optimises --------------------------------------------------------------------------------
def test_sphere_6d_beats_random_search_clearly():
    cma, rnd = [], []
    for seed in range(5):
        study = tc.create_study(sampler=CmaEsSampler(seed=seed), seed=seed)
        study.optimize(lambda t: sphere6(t.params), n_trials=300, space=SPHERE6)
        cma.append(study.best_value)
        study = tc.create_study(sampler="random", seed=seed)
        study.optimize(lambda t: sphere6(t.params), n_trials=300, space=SPHERE6)
        rnd.append(study.best_value)
    # measured: CMA-ES 1e-4..1e-3, random search 0.14..0.44
    assert max(cma) < 0.01, cma
    assert min(rnd) > 0.05, rnd
    assert max(cma) < min(rnd) / 10


def test_maximize_is_handled():
    space = {"x": tc.Float(-1, 1), "y": tc.Float(-1, 1)}
    study = tc.create_study(sampler=CmaEsSampler(seed=0), direction="maximize")
    study.optimize(lambda t: -((t.params["x"] - 0.5) ** 2) - t.params["y"] ** 2, n_trials=150,
                   space=space)
    assert study.best_value > -1e-3


# -- options and description ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [{"popsize": 1}, {"popsize": 2.5}, {"sigma0": 0}, {"sigma0": 2}, {"n_startup": -1},
     {"restart": "bipop"}, {"fallback": "random"}],
)
def test_bad_options_are_clear_errors(kwargs):
    with pytest.raises(UserError, match="CmaEsSampler"):
        CmaEsSampler(**kwargs)


def test_description_is_json_safe_and_rebuilds_the_sampler():
    sampler = CmaEsSampler(3, popsize=8, sigma0=0.25, n_startup=5, restart=None,
                           fallback=RandomSampler())
    desc = json.loads(json.dumps(sampler.describe()))
    assert desc["name"] == "cmaes" and desc["fallback"]["name"] == "random"
    again = CmaEsSampler.from_description(desc)
    assert again.describe() == sampler.describe()


def test_a_failed_trials_configuration_is_not_proposed_again():
    """In a space whose numeric dims are all discrete, a failed trial's configuration counts
    as taken (the one repeat rule of ``tunecycle.untried``), as a complete one's does."""
    space = tc.Space({"a": tc.Int(0, 6), "b": tc.Int(0, 6)})
    rows, number = [], 0
    for a in range(7):  # every configuration once: the centre's neighbours failed
        for b in range(7):
            near = abs(a - 3) + abs(b - 3) <= 1
            rows.append(FrozenTrial(
                trial_id=100 + number, number=number,
                state=TrialState.FAILED if near else TrialState.COMPLETE,
                value=None if near else float((a - 3) ** 2 + (b - 3) ** 2),
                params={"a": a, "b": b},
                distributions={d.name: d.param for d in space.dims}))
            number += 1
    keep = [r for r in rows if r.state is TrialState.FAILED or (r.number * 7) % 3 == 0]
    history = History.of(keep)
    failed = {space.config_key(r.params) for r in keep if r.state is TrialState.FAILED}
    sampler = CmaEsSampler(seed=0, n_startup=5, fallback=RandomSampler())
    contexts = [TrialContext(n, trial_rng(0, n)) for n in range(100, 130)]
    proposals = sampler.propose(space, history, contexts)
    assert not failed & {space.config_key(p) for p in proposals}
