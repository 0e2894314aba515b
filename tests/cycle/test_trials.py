"""``tunecycle.cycle.trials``: which trial the cycle refits when the search ends."""

from __future__ import annotations

import logging

import pytest

import tunecycle as tc
from tunecycle.cycle.trials import best_to_refit
from tunecycle.errors import UserError

DISTS = {"k": tc.Int(1, 30)}


def _study(direction: str, trials: list[tuple[str, float | None, int]]):
    """A study holding trials of (state, value, steps reported)."""
    study = tc.create_study(direction=direction)
    for k, (state, value, steps) in enumerate(trials):
        study.add_trial(tc.create_trial(
            state=state, value=value, params={"k": k + 1}, distributions=DISTS,
            intermediate_values={s: float(value or 0) for s in range(steps)}))
    return study


def test_the_best_complete_trial_is_refitted_before_any_pruned_one():
    study = _study("maximize", [("pruned", 0.99, 1), ("complete", 0.7, 3), ("complete", 0.8, 3)])
    assert best_to_refit(study).number == 2


@pytest.mark.parametrize("direction, best", [("maximize", 1), ("minimize", 0)])
def test_without_a_complete_trial_the_best_pruned_one_is_refitted_with_a_warning(
        direction, best, caplog):
    study = _study(direction, [("pruned", 0.6, 1), ("pruned", 0.9, 2), ("failed", None, 0)])
    with caplog.at_level(logging.WARNING, logger="tunecycle.cycle"):
        chosen = best_to_refit(study)
    assert chosen.number == best
    assert f"refitting trial {best}, the best of 2 pruned trials" in caplog.text


def test_without_any_scored_trial_the_error_says_what_to_change():
    study = _study("maximize", [("failed", None, 0)])
    with pytest.raises(UserError, match="none complete or scored on a fold; give a larger "
                                        "time_budget or n_trials"):
        best_to_refit(study)
