"""The history as numbers: trials encoded in a space's unit cube, with losses, for the
model-based samplers.

``Observer.observe(space, history)`` returns an :class:`Observations` with one row per usable
trial.  Finished trials are immutable, so their encodings are cached per space and only new
trials are encoded on the next call: the cost of an ask grows with what changed, not with the
whole history.  Values are turned into losses (lower is better) whatever the study direction.

Several objectives: ``loss`` is the first objective's loss and ``losses`` holds every
objective's (one column each); a trial whose values do not match the study's objectives is
skipped.  Constraints: ``violation`` is a complete trial's total constraint violation (the sum
of its constraint values above 0), 0 for a feasible trial or one without constraints.

Warm start: when the history carries a ``prior`` (earlier studies' trials,
:mod:`tunecycle.warmstart`), ``Observations.prior`` holds it mapped onto the space, with the
fading weight for the number of own finished trials; the prior's rows are never among ``x``.
The mapping is cached by the prior per space, so it costs nothing after the first ask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from tunecycle.protocols import History
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Space
from tunecycle.warmstart import DEFAULT_HALF_LIFE, PriorRows


@dataclass(frozen=True)
class Observations:
    """Trials of one space in the unit cube.

    ``x``: complete trials, shape (n, d); NaN where a dim is inactive or its value does not fit
    the current space.  ``loss``: shape (n,), lower is better.  ``numbers``: trial numbers.
    ``pruned_x``/``pruned_loss``/``pruned_step``/``pruned_numbers``: pruned trials with their
    last intermediate value and step, and their trial numbers.  ``pending_x``: running trials
    whose params are known (for a constant liar).  ``losses``: (n, k), one column per objective
    (the first is ``loss``); ``violation``: (n,), total constraint violation, 0 when feasible.
    ``prior``: a warm start's prior trials in this space (None without one, or when none fits).
    """

    x: np.ndarray
    loss: np.ndarray
    numbers: np.ndarray
    pruned_x: np.ndarray
    pruned_loss: np.ndarray
    pruned_step: np.ndarray
    pruned_numbers: np.ndarray
    pending_x: np.ndarray
    losses: np.ndarray
    violation: np.ndarray
    prior: PriorRows | None = None

    @property
    def n(self) -> int:
        return len(self.loss)

    @property
    def n_finished(self) -> int:
        """Complete and pruned trials: every finished trial with a value to learn from."""
        return len(self.loss) + len(self.pruned_loss)


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
    """Encodes histories for one sampler, caching finished trials per space.

    Histories come in trial-number order and finished trials never change, so the longest run
    of finished trials at the start of the history (the prefix) is encoded once and kept in
    growing arrays; each call only walks the trials after it.
    """

    def __init__(self, max_spaces: int = 16, half_life: float = DEFAULT_HALF_LIFE) -> None:
        self._max_spaces = max_spaces
        self._cache: dict[str, _Prefix] = {}
        #: the sampler's half life for a warm start's prior (when the study gives none)
        self.half_life = half_life

    def _prefix_for(self, space: Space, signs: tuple[float, ...]) -> _Prefix:
        key = f"{signs[0] if len(signs) == 1 else signs}:{space.to_json()}"
        prefix = self._cache.pop(key, None)
        if prefix is None:
            prefix = _Prefix(len(space), len(signs))
            if len(self._cache) >= self._max_spaces:
                self._cache.pop(next(iter(self._cache)))  # drop the least recently used
        self._cache[key] = prefix
        return prefix

    def observe(self, space: Space, history: History) -> Observations:
        signs = tuple(d.sign() for d in history.directions)
        prefix = self._prefix_for(space, signs)
        trials = history.trials
        if prefix.length > len(trials) or (
            prefix.length and trials[prefix.length - 1].trial_id != prefix.last_id
        ):
            prefix.__init__(len(space), len(signs))  # a different history: start again
        i = prefix.length
        while i < len(trials) and trials[i].is_finished:
            prefix.add(_encode_finished(space, trials[i], signs), trials[i].trial_id)
            i += 1
        done, pruned = prefix.done.view(), prefix.pruned.view()
        k = len(signs)
        tail_done, tail_pruned, pending = [], [], []
        for t in trials[i:]:
            if not t.is_finished:
                if t.params:
                    pending.append(encode(space, dict(t.params)))
                continue
            entry = _encode_finished(space, t, signs)
            if entry is not None:
                (tail_pruned if entry.step is not None else tail_done).append(entry)
        d = len(space)
        obs = Observations(
            x=_concat(done[0], [e.row for e in tail_done], d),
            loss=np.concatenate([done[1], [e.loss for e in tail_done]]),
            numbers=np.concatenate([done[3], [e.number for e in tail_done]]).astype(int),
            pruned_x=_concat(pruned[0], [e.row for e in tail_pruned], d),
            pruned_loss=np.concatenate([pruned[1], [e.loss for e in tail_pruned]]),
            pruned_step=np.concatenate([pruned[2], [e.step for e in tail_pruned]]),
            pruned_numbers=np.concatenate(
                [pruned[3], [e.number for e in tail_pruned]]).astype(int),
            pending_x=_stack(pending, d),
            losses=_concat(prefix.done.y[: prefix.done.n],
                           [np.array(e.losses) for e in tail_done], k),
            violation=np.concatenate([done[4], [e.violation for e in tail_done]]),
        )
        return with_prior(obs, space, history, self.half_life)


def with_prior(obs: Observations, space: Space, history: History,
               half_life: float = DEFAULT_HALF_LIFE) -> Observations:
    """``obs`` with the history's prior mapped onto ``space`` and weighted for the own
    finished trials, with the sampler's ``half_life`` unless the study set one (unchanged
    without a prior, or when no prior trial fits the space)."""
    if history.prior is None or len(history.directions) != 1:
        return obs
    rows = history.prior.rows(space, obs.n_finished, half_life)
    return replace(obs, prior=rows) if rows.n else obs


#: in a warm-started study with fewer than ``n_startup`` own trials, every how many trials one
#: takes its quasi-random point whatever the prior says (0: none); see :func:`in_startup`
PRIOR_EXPLORE_EVERY = 2


def in_startup(obs: Observations, n_startup: int, number: int) -> bool:
    """Whether trial ``number`` takes a quasi-random start-up point: while fewer than
    ``n_startup`` trials (own and prior together) have a value; and, in a warm-started study
    with fewer than ``n_startup`` own trials, every odd-numbered trial, so that the own data
    covers the space whatever the prior says (a misleading prior cannot keep every own trial
    in its corner)."""
    if obs.n_finished + n_prior(obs) < n_startup:
        return True
    every = PRIOR_EXPLORE_EVERY
    return (obs.prior is not None and obs.n_finished < n_startup and every > 0
            and number % every == every - 1)


def n_prior(obs: Observations) -> int:
    """How many prior trials fit the observed space (0 without a warm start)."""
    return obs.prior.n if obs.prior is not None else 0


def violation(t: FrozenTrial) -> float:
    """A trial's total constraint violation: the sum of its constraint values above 0."""
    if t.constraints is None:
        return 0.0
    return float(sum(c for c in t.constraints if c > 0))


def _encode_finished(space: Space, t: FrozenTrial, signs: tuple[float, ...]) -> _Entry | None:
    values = t.values
    if (t.state is TrialState.COMPLETE and values is not None and len(values) == len(signs)
            and all(math.isfinite(v) for v in values)):
        losses = tuple(s * v for s, v in zip(signs, values))
        return _Entry(encode(space, dict(t.params)), losses[0], t.number, None, losses,
                      violation(t))
    if t.state is TrialState.PRUNED and t.intermediate:
        step = max(t.intermediate)
        value = t.intermediate[step]
        if math.isfinite(value):
            return _Entry(encode(space, dict(t.params)), signs[0] * value, t.number, step,
                          (math.nan,) * len(signs), 0.0)
    return None  # failed, or pruned before any report: nothing to learn from


class _Rows:
    """Growing arrays of (row, loss, step, number, violation) and the rows' loss vectors
    (``y``); the step is NaN for a complete trial.  Amortised O(1) appends, O(1) views."""

    def __init__(self, d: int, k: int = 1) -> None:
        self.x = np.empty((16, d))
        self.y = np.empty((16, k))
        self.cols = np.empty((4, 16))
        self.n = 0

    def append(self, entry: _Entry) -> None:
        if self.n == len(self.x):
            self.x = np.concatenate([self.x, np.empty_like(self.x)])
            self.y = np.concatenate([self.y, np.empty_like(self.y)])
            self.cols = np.concatenate([self.cols, np.empty_like(self.cols)], axis=1)
        step = math.nan if entry.step is None else entry.step
        self.x[self.n], self.y[self.n] = entry.row, entry.losses
        self.cols[:, self.n] = (entry.loss, step, entry.number, entry.violation)
        self.n += 1

    def view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x, loss, step, number, violation)."""
        cols = self.cols[:, : self.n]
        return self.x[: self.n], cols[0], cols[1], cols[2], cols[3]


class _Prefix:
    def __init__(self, d: int, k: int = 1) -> None:
        self.done, self.pruned = _Rows(d, k), _Rows(d, k)
        self.length, self.last_id = 0, -1

    def add(self, entry: _Entry | None, trial_id: int) -> None:
        if entry is not None:
            (self.done if entry.step is None else self.pruned).append(entry)
        self.length += 1
        self.last_id = trial_id


class _Entry(NamedTuple):
    row: np.ndarray
    loss: float
    number: int
    step: int | None  # the last reported step of a pruned trial; None when complete
    losses: tuple[float, ...]  # every objective's loss (NaNs for a pruned trial)
    violation: float  # total constraint violation, 0 when feasible


def _stack(rows: list[np.ndarray], d: int) -> np.ndarray:
    return np.vstack(rows) if rows else np.empty((0, d))


def _concat(head: np.ndarray, rows: list[np.ndarray], d: int) -> np.ndarray:
    return np.concatenate([head, _stack(rows, d)]) if rows else head
