"""Pruners inside a study: bad trials stop early, are recorded as pruned with their last value
and step, and are never the best trial."""

from __future__ import annotations

from collections import Counter

import pytest

import tunecycle as tc
from tunecycle.errors import TrialPruned
from tunecycle.pruners import PatiencePruner
from tunecycle.records import TrialState

N_STEPS = 10


def run_study(pruner, qualities, storage=None, direction="minimize"):
    """Enqueue one trial per quality ``q``; a trial reports ``q + 1/(step+1)`` (negated when
    maximizing) at steps 0..9 and returns its last value.  Returns the study and the number of
    steps each trial ran."""
    sign = 1.0 if direction == "minimize" else -1.0
    study = tc.create_study(sampler="random", seed=0, pruner=pruner, storage=storage,
                            direction=direction)
    for q in qualities:
        study.enqueue({"q": q})
    steps = Counter()

    def objective(trial):
        q = trial.suggest_float("q", 0.0, 10.0)
        value = None
        for step in range(N_STEPS):
            value = sign * (q + 1.0 / (step + 1))
            trial.report(value, step)
            steps[trial.number] += 1
            if trial.should_prune():
                raise TrialPruned()
        return value

    study.optimize(objective, n_trials=len(qualities))
    return study, steps


def check_pruned_records(study, steps, pruned_numbers, last_step):
    trials = {t.number: t for t in study.trials}
    assert {n for n, t in trials.items() if t.state is TrialState.PRUNED} == set(pruned_numbers)
    for n in pruned_numbers:
        t = trials[n]
        assert steps[n] == last_step + 1
        assert t.last_step == last_step
        assert t.value == t.intermediate[last_step]
    for n, t in trials.items():
        if n not in pruned_numbers:
            assert t.state is TrialState.COMPLETE and steps[n] == N_STEPS


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_median_prunes_bad_trials_at_the_first_step(direction):
    # five start-up trials complete, then 9 and 8 and 7 are worse than the median at step 0
    # (median of 1..5 + 1 = 4 for the first), 0.5 is better at every step
    study, steps = run_study("median", [1, 2, 3, 4, 5, 9, 0.5, 8, 7], direction=direction)
    check_pruned_records(study, steps, [5, 7, 8], last_step=0)
    assert sum(steps.values()) == 6 * N_STEPS + 3
    assert study.best_trial.number == 6


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_asha_in_a_study(storage, tmp_path):
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'asha.db'}"
    # rung 0 is step 1: 5, 4 pass (fewer than 3 there); 9 is last of three; 1 leads; 6 is 4th
    # of 5 (top 1); 4.5 is 3rd of 6 (top 2)
    study, steps = run_study("asha", [5, 4, 9, 1, 6, 4.5], storage=url)
    check_pruned_records(study, steps, [2, 4, 5], last_step=1)
    assert study.best_trial.number == 3


def test_pruned_trial_is_never_best():
    # patience=2: trial 1 drops to 0.1 at once, then stalls and is pruned with value 0.1, better
    # than any complete trial's value; the best trial is still a complete one
    study = tc.create_study(sampler="random", pruner=PatiencePruner(patience=2))
    curves = [[3.0, 2.0, 1.0, 0.9], [0.1, 0.1, 0.1, 0.1], [2.0, 1.5, 1.2, 1.1]]

    def objective(trial):
        curve = curves[trial.number]
        for step, v in enumerate(curve):
            trial.report(v, step)
            if trial.should_prune():
                trial.prune()
        return curve[-1]

    study.optimize(objective, n_trials=3)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE]
    pruned = study.trials[1]
    assert pruned.value == 0.1 and pruned.last_step == 2
    assert study.best_trial.number == 0 and study.best_value == 0.9


def test_asha_out_of_order_with_ask_and_tell():
    study = tc.create_study(sampler="random", pruner="asha")
    a, b, c, d = (study.ask() for _ in range(4))
    d.report(0.2, 1)
    assert d.should_prune() is False  # first at rung 0
    d.report(0.1, 3)
    assert d.should_prune() is False  # first at rung 1
    b.report(0.5, 1)
    assert b.should_prune() is False  # two at rung 0: fewer than eta
    a.report(0.3, 1)
    assert a.should_prune() is True  # three at rung 0: only 0.2 goes on
    study.tell(a, state="pruned")
    c.report(0.1, 1)
    assert c.should_prune() is False
    for t, v in ((b, 0.45), (c, 0.08), (d, 0.05)):
        study.tell(t, v)
    rec = study.trials[a.number]
    assert rec.state is TrialState.PRUNED and rec.value == 0.3 and rec.last_step == 1
    assert study.best_trial.number == d.number


@pytest.mark.parametrize("name", ["sha", "hyperband", "percentile", "patience"])
def test_every_named_pruner_runs_in_a_study(name):
    study, steps = run_study(name, [1, 2, 3, 4, 5, 9, 0.5, 8, 7])
    best = study.best_trial
    assert best.state is TrialState.COMPLETE
    assert all(steps[t.number] <= N_STEPS for t in study.trials)


def test_load_study_rebuilds_the_pruner_with_its_options(tmp_path):
    from tunecycle.pruners import ASHAPruner

    url = f"sqlite:///{tmp_path}/p.db"
    tc.create_study("p", storage=url, pruner=ASHAPruner(min_resource=2, reduction_factor=4))
    again = tc.load_study("p", url)
    assert isinstance(again.pruner, ASHAPruner)
    assert again.pruner.describe() == ASHAPruner(min_resource=2, reduction_factor=4).describe()
