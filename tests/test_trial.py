"""The live trial: what it refuses once told, and how it names bad report arguments."""

from __future__ import annotations

import numpy as np
import pytest

import tunecycle as tc
from tunecycle.errors import TrialStateError, UserError


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.suggest_float("y", 0, 1),
        lambda t: t.suggest_float("x", 0, 1),  # even the name it already has
        lambda t: t.suggest_int("k", 1, 3),
        lambda t: t.suggest_categorical("c", ["a", "b"]),
        lambda t: t.report(0.5, 1),
        lambda t: t.set_user_attr("note", "late"),
    ],
)
@pytest.mark.parametrize("state", ["complete", "pruned", "failed"])
def test_a_told_trial_refuses_changes(change, state):
    study = tc.create_study(seed=0)
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    study.tell(trial, x if state == "complete" else None, state=state)
    with pytest.raises(TrialStateError, match=rf"trial 0: cannot .* it has finished \({state}\)"):
        change(trial)
    stored = study.trials[0]
    assert stored.params == {"x": x} and not stored.intermediate and not stored.user_attrs


def test_a_trial_ended_by_optimize_refuses_changes_too():
    study = tc.create_study(seed=0)
    kept = []
    study.optimize(lambda t: kept.append(t) or t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(TrialStateError, match="it has finished"):
        kept[0].suggest_float("z", 0, 1)
    assert set(study.trials[0].params) == {"x"}


@pytest.mark.parametrize(
    ("value", "step", "message"),
    [
        (0.5, "one", r"report: step must be an integer .*'one'"),
        (0.5, 1.5, r"report: step must be an integer .*1\.5"),
        (0.5, None, r"report: step must be an integer .*None"),
        (0.5, True, r"report: step must be an integer .*True"),
        ("abc", 1, r"report: value must be a number, got 'abc'"),
        ("0.5", 1, r"report: value must be a number, got '0.5'"),
        (None, 1, r"report: value must be a number, got None"),
        ([0.5, 0.6], 1, r"report: value must be a number"),
    ],
)
def test_report_names_the_argument_that_is_not_a_number(value, step, message):
    study = tc.create_study()
    trial = study.ask()
    with pytest.raises(UserError, match=message):
        trial.report(value, step)
    assert trial.intermediate == {}
    study.tell(trial, 1.0)
    assert study.trials[0].intermediate == {}  # nothing half-written


def test_report_takes_numpy_numbers_and_whole_float_steps():
    study = tc.create_study()
    trial = study.ask()
    trial.report(np.float32(0.25), np.int64(3))
    trial.report(0.5, 4.0)
    study.tell(trial, 0.5)
    assert study.trials[0].intermediate == {3: 0.25, 4: 0.5}
