"""Tests of tunecycle.untried: the taken configurations of a history (kept incrementally) and
drawing an untried one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tunecycle as tc
from tunecycle.records import TrialState
from tunecycle.untried import Taken, TakenLog, taken_key

SMALL = tc.Space({"a": tc.Int(0, 3), "b": tc.Categorical(["x", "y"])})
CONDITIONAL = tc.Space({"k": tc.Int(0, 1), "m": tc.Categorical(
    {"a": {"i": tc.Int(1, 3)}, "b": {"j": tc.Int(1, 8, log=True)}, "c": {}})})


def _from_scratch(space, trials):
    keys = (taken_key(space, t.params) for t in trials if t.params)
    return {k for k in keys if k is not None}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([SMALL, CONDITIONAL]))
def test_the_kept_keys_equal_a_from_scratch_computation(seed, space):
    """A history that grows, with running trials finishing later, failed trials and trials
    whose values do not fit the space: the kept keys are always those computed afresh."""
    rng = np.random.default_rng(seed)
    study = tc.create_study(sampler="random", seed=seed)
    log, running = TakenLog(), []
    wider = tc.Space({**{n: tc.Int(0, 9) for n in ("a", "k")}, "b": tc.Categorical(["x", "y"]),
                      "m": tc.Categorical(["a", "b", "c"])})
    for _ in range(25):
        r = rng.random()
        if r < 0.15:  # values outside the space
            study.enqueue_trial({"a": 7, "b": "x", "k": 5, "m": "c"})
            t = study.ask(wider)
        else:
            t = study.ask(space)
        if rng.random() < 0.3:
            running.append(t)
        else:
            study.tell(t, float(rng.random()), state=TrialState.FAIL if r > 0.9 else None)
        if running and rng.random() < 0.3:
            study.tell(running.pop(0), 1.0)
        history = study.history()
        assert log.of(space, history).keys == _from_scratch(space, history.trials)
        assert log.of(space, history, running_only=True).keys == _from_scratch(
            space, history.running)
        assert len(log.of(space, history)) <= space.n_configs


def test_a_different_history_starts_again():
    log = TakenLog()
    first, second = (tc.create_study(sampler="random", seed=s) for s in (1, 2))
    for study in (first, second):
        study.optimize(lambda t: 0.0, n_trials=5, space=SMALL)
    assert log.of(SMALL, first.history()).keys == _from_scratch(SMALL, first.trials)
    assert log.of(SMALL, second.history()).keys == _from_scratch(SMALL, second.trials)


def test_membership_is_by_the_canonical_key():
    taken = Taken(CONDITIONAL)
    taken.add({"k": 1, "m": "c"})
    assert {"k": 1.0, "m": "c"} in taken
    assert {"k": 1, "m": "c", "a.i": 2} in taken  # an inactive value does not count
    assert {"k": 0, "m": "c"} not in taken
    assert taken_key(CONDITIONAL, {"k": 1, "m": "a"}) is None  # a.i is missing
    assert taken_key(CONDITIONAL, {"k": 1, "m": "a", "a.i": 9}) is None  # out of range


def test_drawing_walks_every_untried_configuration_once_then_gives_up():
    for space in (SMALL, CONDITIONAL):
        taken, rng, seen = Taken(space), np.random.default_rng(0), []
        while not taken.full:
            params = taken.draw(rng, tries=3)
            assert params is not None and params not in taken
            assert space.validate(params) == params
            taken.add(params)
            seen.append(space.config_key(params))
        assert len(seen) == len(set(seen)) == space.n_configs
        assert taken.draw(rng) is None and taken.from_grid(rng) is None


def test_a_continuous_space_is_never_full_and_is_not_enumerated():
    space = tc.Space({"x": tc.Float(0, 1), "n": tc.Int(0, 1)})
    taken = Taken(space)
    taken.add({"x": 0.5, "n": 0})
    assert not taken.full
    assert taken.draw(np.random.default_rng(0), tries=0) is None
    assert taken.draw(np.random.default_rng(0), tries=1) is not None


def test_picking_from_the_grid_is_uniform_over_the_untaken_configurations():
    taken, rng = Taken(SMALL), np.random.default_rng(5)
    for a in range(4):
        taken.add({"a": a, "b": "x"})
    picks = [taken.from_grid(rng) for _ in range(400)]
    assert {p["b"] for p in picks} == {"y"}
    counts = np.bincount([p["a"] for p in picks], minlength=4)
    assert counts.min() > 60  # each of the 4 left about 100 times


def test_a_copied_log_starts_empty_and_still_works():
    import copy
    import pickle

    study = tc.create_study(sampler="random", seed=3)
    study.optimize(lambda t: 0.0, n_trials=4, space=SMALL)
    log = TakenLog()
    log.of(SMALL, study.history())
    for twin in (pickle.loads(pickle.dumps(log)), copy.deepcopy(log)):
        assert twin.of(SMALL, study.history()).keys == _from_scratch(SMALL, study.trials)
