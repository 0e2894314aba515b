"""Every registered sampler, on random spaces: proposals respect bounds, types, steps, log
scales and conditional structure; seeded runs repeat; failed, pruned and running trials in the
history are tolerated; define-by-run spaces that change between trials work."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tunecycle as tc
from tunecycle.samplers import sampler_names

MODEL_FREE = {"grid", "brute_force"}  # need a discrete space; test_first_samplers.py and
# tests/compat/test_samplers.py cover them
NAMES = sorted(set(sampler_names()) - MODEL_FREE)


@st.composite
def params(draw, prefix: str = "p", depth: int = 0):
    kind = draw(st.sampled_from(["float", "logfloat", "stepfloat", "int", "logint", "cat"]
                                + (["cond"] if depth == 0 else [])))
    if kind == "float":
        lo = draw(st.floats(-100, 100))
        return tc.Float(lo, lo + draw(st.floats(0.01, 100)))
    if kind == "logfloat":
        lo = draw(st.floats(1e-6, 1.0))
        return tc.Float(lo, lo * draw(st.floats(2, 1e6)), log=True)
    if kind == "stepfloat":
        lo, n = draw(st.integers(-10, 10)), draw(st.integers(1, 20))
        return tc.Float(lo * 0.5, lo * 0.5 + n * 0.25, step=0.25)
    if kind == "int":
        lo, step, n = draw(st.integers(-50, 50)), draw(st.integers(1, 5)), draw(st.integers(0, 30))
        return tc.Int(lo, lo + step * n, step=step)
    if kind == "logint":
        lo = draw(st.integers(1, 100))
        return tc.Int(lo, lo * draw(st.integers(2, 1000)), log=True)
    if kind == "cat":
        return tc.Categorical(draw(st.lists(st.sampled_from(["a", "b", "c", 1, 2.5, True, None]),
                                            min_size=1, max_size=5, unique_by=repr)))
    branches = {f"{prefix}b{i}": {f"q{j}": draw(params(depth=1))
                                   for j in range(draw(st.integers(0, 2)))}
                for i in range(draw(st.integers(1, 3)))}
    return tc.Categorical(branches)


@st.composite
def spaces(draw):
    n = draw(st.integers(1, 5))
    return tc.Space({f"p{i}": draw(params(prefix=f"p{i}")) for i in range(n)})


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=spaces(), seed=st.integers(0, 2**16))
def test_proposals_respect_the_space(name, space, seed):
    study = tc.create_study(sampler=name, seed=seed)
    values = iter(range(1000))

    def objective(trial):
        space.validate(trial.params)  # raises (and fails the trial) on any violation
        return float(next(values) % 7)

    study.optimize(objective, n_trials=14, space=space)
    for t in study.trials:
        assert t.state is tc.TrialState.COMPLETE, t.fail_reason
        assert space.validate(t.params) == dict(t.params)


@pytest.mark.parametrize("name", NAMES)
def test_seeded_runs_repeat(name):
    space = {"x": tc.Float(-3, 3), "n": tc.Int(1, 64, log=True), "c": tc.Categorical(["a", "b"])}

    def run(seed):
        study = tc.create_study(sampler=name, seed=seed)
        study.optimize(lambda t: (t.params["x"] - 1) ** 2 + math.log(t.params["n"]),
                       n_trials=20, space=space)
        return [dict(t.params) for t in study.trials]

    assert run(7) == run(7)


@pytest.mark.parametrize("name", NAMES)
def test_a_seed_given_later_is_the_seed_given_at_construction(name, tmp_path):
    """``create_study(seed=...)`` seeds an instance made without one, and a resumed study
    seeds it from the store: both must propose what the instance seeded at construction does,
    through the start-up and the model's trials alike."""
    space = {"x": tc.Float(-3, 3), "n": tc.Int(1, 64, log=True), "c": tc.Categorical(["a", "b"])}
    cls = tc.samplers.sampler_class(name)

    def objective(t):
        return (t.params["x"] - 1) ** 2 + math.log(t.params["n"]) + (t.params["c"] == "b")

    def run(sampler, seed=None, storage=None, n=14):
        study = tc.create_study(sampler=sampler, seed=seed, storage=storage, study_name="s",
                                load_if_exists=True)
        study.optimize(objective, n_trials=n, space=space)
        return [dict(t.params) for t in study.trials]

    expected = run(cls(seed=11))
    assert run(cls(), seed=11) == expected
    url = f"sqlite:///{tmp_path / 'resumed.db'}"
    run(cls(), seed=11, storage=url, n=7)
    assert run(cls(), storage=url, n=7) == expected  # the study's stored seed


@pytest.mark.parametrize("name", NAMES)
def test_history_with_failed_pruned_and_running_trials(name):
    space = {"x": tc.Float(0, 1), "y": tc.Float(0, 1)}
    study = tc.create_study(sampler=name, seed=0)
    hanging = study.ask(space, n=2)  # left running: other workers' trials

    def objective(trial):
        x = trial.params["x"]
        if trial.number % 5 == 0:
            raise RuntimeError("crash")
        if trial.number % 5 == 1:
            trial.report(x, 1)
            raise tc.TrialPruned()
        return x + trial.params["y"]

    study.optimize(objective, n_trials=25, space=space)
    states = {t.state for t in study.trials}
    assert states == {tc.TrialState.RUNNING, tc.TrialState.FAILED, tc.TrialState.PRUNED,
                      tc.TrialState.COMPLETE}
    for t in hanging:
        study.tell(t, 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_define_by_run_space_that_changes(name):
    study = tc.create_study(sampler=name, seed=1)

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["lin", "rbf"])
        c = trial.suggest_float("C", 1e-3, 1e3, log=True)
        if kind == "rbf":
            gamma = trial.suggest_float("gamma", 1e-4, 1.0, log=True)
            return abs(math.log10(c)) + abs(math.log10(gamma) + 2)
        if trial.number > 10:
            trial.suggest_int("extra", 1, 3)  # appears only later
        return abs(math.log10(c) - 1)

    study.optimize(objective, n_trials=30)
    done = study.get_trials(states=["complete"])
    assert len(done) == 30
    for t in done:
        assert 1e-3 <= t.params["C"] <= 1e3
        assert ("gamma" in t.params) == (t.params["kind"] == "rbf")


@pytest.mark.parametrize("name", NAMES)
def test_batch_proposals_are_distinct(name):
    study = tc.create_study(sampler=name, seed=3)
    space = {"x": tc.Float(0, 1), "y": tc.Float(0, 1)}
    study.optimize(lambda t: t.params["x"] ** 2 + t.params["y"], n_trials=15, space=space)
    batch = study.ask(space, n=4)
    points = {(t.params["x"], t.params["y"]) for t in batch}
    assert len(points) == 4
