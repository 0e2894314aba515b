"""Optuna's ``optuna.search_space`` helpers over tunecycle's trials.

``intersection_search_space(trials)`` is the parameters that every complete trial (and, with
``include_pruned=True``, every pruned one) has with the same distribution, sorted by name;
``IntersectionSearchSpace().calculate(study)`` is the same over a study's trials.  A
user-written sampler in Optuna's protocol typically returns one of them from
``infer_relative_search_space``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Param


def intersection_search_space(
    trials: Iterable[FrozenTrial], include_pruned: bool = False
) -> dict[str, Param]:
    """The distributions that all complete (and pruned, if asked) trials share, by name."""
    states = (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)
    common: dict[str, Param] | None = None
    for t in trials:
        if t.state not in states:
            continue
        if common is None:
            common = dict(t.distributions)
        else:
            common = {n: p for n, p in common.items() if t.distributions.get(n) == p}
    return dict(sorted((common or {}).items()))


class IntersectionSearchSpace:
    """``calculate(study)``: the intersection search space of a study's trials; the
    intersection of the trials already seen is kept, so each call folds in only new ones."""

    def __init__(self, include_pruned: bool = False):
        if not isinstance(include_pruned, bool):
            raise ValueError(f"include_pruned: must be True or False, got {include_pruned!r}")
        self._include_pruned = include_pruned
        self._seen: set[int] = set()
        self._common: dict[str, Param] | None = None
        self._study_id: Any = None

    def calculate(self, study: Any) -> dict[str, Param]:
        """The search space of ``study`` (anything with Optuna's ``get_trials``)."""
        key = getattr(study, "study_id", id(study))
        if key != self._study_id:
            self._study_id, self._seen, self._common = key, set(), None
        new = [t for t in study.get_trials(deepcopy=False) if t.trial_id not in self._seen]
        states = (
            (TrialState.COMPLETE, TrialState.PRUNED)
            if self._include_pruned
            else (TrialState.COMPLETE,)
        )
        finished = [t for t in new if t.state in states]
        if finished:
            start = [] if self._common is None else [_carrier(self._common)]
            self._common = intersection_search_space(
                [*start, *finished], include_pruned=self._include_pruned
            )
            self._seen.update(t.trial_id for t in finished)
        return dict(sorted((self._common or {}).items()))


def _carrier(common: dict[str, Param]) -> FrozenTrial:
    """A stand-in complete trial holding the intersection so far."""
    return FrozenTrial(trial_id=-1, number=-1, state=TrialState.COMPLETE, distributions=common)


__all__ = ["IntersectionSearchSpace", "intersection_search_space"]
