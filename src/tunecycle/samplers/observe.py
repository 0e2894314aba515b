"""The history as numbers: trials encoded in a space's unit cube, with losses, for the
model-based samplers.

``Observer.observe(space, history)`` returns an :class:`Observations` with one row per usable
trial.  Finished trials are immutable, so their encodings are cached per space and only new
trials are encoded on the next call: the cost of an ask grows with what changed, not with the
whole history.  Values are turned into losses (lower is better) whatever the study direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from tunecycle.protocols import History
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Space


@dataclass(frozen=True)
class Observations:
    """Trials of one space in the unit cube.

    ``x``: complete trials, shape (n, d); NaN where a dim is inactive or its value does not fit
    the current space.  ``loss``: shape (n,), lower is better.  ``numbers``: trial numbers.
    ``pruned_x``/``pruned_loss``/``pruned_step``: pruned trials with their last intermediate
    value and step.  ``pending_x``: running trials whose params are known (for a constant liar).
    """

    x: np.ndarray
    loss: np.ndarray
    numbers: np.ndarray
    pruned_x: np.ndarray
    pruned_loss: np.ndarray
    pruned_step: np.ndarray
    pending_x: np.ndarray

    @property
    def n(self) -> int:
        return len(self.loss)


def encode(space: Space, params: dict) -> np.ndarray:
    """One configuration as a unit-cube row; NaN where inactive or outside the space."""
    row = np.full(len(space), np.nan)
    for i, dim in enumerate(space.dims):
        if dim.name in params:
            v = params[dim.name]
            if dim.param.contains(v):
                row[i] = dim.param.to_unit(v)
    return row


class Observer:
    """Encodes histories for one sampler, caching finished trials per space."""

    def __init__(self, max_spaces: int = 64) -> None:
        self._max_spaces = max_spaces
        self._cache: dict[str, dict[int, _Entry | None]] = {}

    def _rows_for(self, space: Space) -> dict[int, _Entry | None]:
        key = space.to_json()
        rows = self._cache.pop(key, None)
        if rows is None:
            rows = {}
            if len(self._cache) >= self._max_spaces:
                self._cache.pop(next(iter(self._cache)))  # drop the least recently used
        self._cache[key] = rows
        return rows

    def observe(self, space: Space, history: History) -> Observations:
        rows = self._rows_for(space)
        sign = history.direction.sign()
        done, pruned, pending = [], [], []
        for t in history.trials:
            if t.state is TrialState.RUNNING or t.state is TrialState.WAITING:
                if t.params:
                    pending.append(encode(space, dict(t.params)))
                continue
            entry = rows.get(t.trial_id, False)
            if entry is False:
                entry = self._encode_finished(space, t, sign)
                rows[t.trial_id] = entry
            if entry is None:
                continue
            (pruned if entry.step is not None else done).append(entry)
        d = len(space)
        return Observations(
            x=_stack([e.row for e in done], d),
            loss=np.array([e.loss for e in done], dtype=float),
            numbers=np.array([e.number for e in done], dtype=int),
            pruned_x=_stack([e.row for e in pruned], d),
            pruned_loss=np.array([e.loss for e in pruned], dtype=float),
            pruned_step=np.array([e.step for e in pruned], dtype=float),
            pending_x=_stack(pending, d),
        )

    @staticmethod
    def _encode_finished(space: Space, t: FrozenTrial, sign: float) -> _Entry | None:
        if t.state is TrialState.COMPLETE and t.value is not None and math.isfinite(t.value):
            return _Entry(encode(space, dict(t.params)), sign * t.value, t.number, None)
        if t.state is TrialState.PRUNED and t.intermediate:
            step = max(t.intermediate)
            value = t.intermediate[step]
            if math.isfinite(value):
                return _Entry(encode(space, dict(t.params)), sign * value, t.number, step)
        return None  # failed, or pruned before any report: nothing to learn from


class _Entry(NamedTuple):
    row: np.ndarray
    loss: float
    number: int
    step: int | None  # the last reported step of a pruned trial; None when complete


def _stack(rows: list[np.ndarray], d: int) -> np.ndarray:
    return np.vstack(rows) if rows else np.empty((0, d))
