"""The one repeat rule: which configurations a study has already tried, and drawing one it has
not.

Two configurations are the same when their :meth:`Space.config_key` is equal (the active
dims' values as their types hold them).  A trial has *taken* its configuration when its params
are a configuration of the space (every active dim present and in range); which trials count
is the caller's choice between two: every such trial, whatever its state (complete, pruned,
failed, running or waiting: a deterministic objective evaluated twice teaches nothing), or for
a noisy objective only the running and waiting ones (two workers should not start the same
point at once).

Every sampler that avoids repeats (grid, TPE, GP, CMA-ES) and the study's own guard for
wholly discrete spaces ask :class:`TakenLog` for a :class:`Taken` set, check and add their
proposals there, and draw a replacement with :meth:`Taken.draw`.  ``TakenLog`` keeps the keys
of the longest finished prefix of a history per space, so an ask keys only the trials after it
(histories come in trial-number order and finished trials never change).

This module knows the space and the history's records, nothing of samplers or studies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from tunecycle.protocols import History
from tunecycle.records import FrozenTrial
from tunecycle.space import ParamValue, Space

#: a space with more configurations than this is not enumerated to find an untried one
GRID_LIMIT = 100_000


def taken_key(space: Space, params: Mapping[str, Any]) -> str | None:
    """The key of ``params`` when they are a configuration of ``space`` (every active dim
    present with a value in its range), None otherwise."""
    for dim in space.dims:
        if not space.is_active(dim, params):
            continue
        if dim.name not in params or not dim.param.contains(params[dim.name]):
            return None
    return space.config_key(params)


class Taken:
    """The configurations of one space taken so far (a set of keys that grows as a batch is
    proposed)."""

    def __init__(self, space: Space, keys: Iterable[str] = ()) -> None:
        self.space = space
        self.keys: set[str] = set(keys)

    def key(self, params: Mapping[str, Any]) -> str:
        return self.space.config_key(params)

    def __contains__(self, params: object) -> bool:
        assert isinstance(params, Mapping)
        return self.space.config_key(params) in self.keys

    def add(self, params: Mapping[str, Any]) -> None:
        self.keys.add(self.space.config_key(params))

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def full(self) -> bool:
        """Whether every configuration of a finite space is taken (a repeat is unavoidable)."""
        n = self.space.n_configs
        return n is not None and len(self.keys) >= n

    def draw(self, rng: np.random.Generator, tries: int = 64) -> dict[str, ParamValue] | None:
        """An untried configuration: the first of ``tries`` uniform random draws that is not
        taken, else :meth:`from_grid`.  None when nothing untried was found."""
        space = self.space
        for _ in range(tries):
            params = space.from_unit(rng.random(len(space)))
            if space.config_key(params) not in self.keys:
                return params
        return self.from_grid(rng)

    def from_grid(self, rng: np.random.Generator) -> dict[str, ParamValue] | None:
        """One of the untaken configurations of a space of at most ``GRID_LIMIT`` of them,
        picked at random (None: none left, or the space is continuous or too large)."""
        n = self.space.n_configs
        if n is None or n > GRID_LIMIT:
            return None
        free = [p for p in self.space.grid() if self.space.config_key(p) not in self.keys]
        return free[int(rng.integers(len(free)))] if free else None


class TakenLog:
    """Per space, the keys of a history's longest finished prefix, so that :meth:`of` keys
    only the newer trials (at most ``max_spaces`` spaces, least recently used dropped)."""

    def __init__(self, max_spaces: int = 16) -> None:
        self._max_spaces = max_spaces
        self._cache: dict[str, _Prefix] = {}
        self._lock = threading.Lock()  # a study's workers may ask at once

    def __getstate__(self) -> dict[str, Any]:  # a cache: a copy starts empty
        return {"max_spaces": self._max_spaces}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_spaces"])  # type: ignore[misc]

    def of(self, space: Space, history: History, *, running_only: bool = False) -> Taken:
        """The configurations taken by ``history``'s trials (only the running and waiting
        ones with ``running_only``), as a new set the caller may add to."""
        if running_only:
            return Taken(space, _keys(space, history.running))
        with self._lock:
            return self._of(space, history)

    def _of(self, space: Space, history: History) -> Taken:
        name = space.to_json()
        prefix = self._cache.pop(name, None)
        if prefix is None:
            prefix = _Prefix()
            if len(self._cache) >= self._max_spaces:
                self._cache.pop(next(iter(self._cache)))
        self._cache[name] = prefix
        trials = history.trials
        if prefix.length > len(trials) or (
            prefix.length and _mark(trials[prefix.length - 1]) != prefix.last
        ):
            prefix.__init__()  # a different history: start again
        i = prefix.length
        while i < len(trials) and trials[i].is_finished:
            key = taken_key(space, trials[i].params)
            if key is not None:
                prefix.keys.add(key)
            prefix.length, prefix.last = i + 1, _mark(trials[i])
            i += 1
        taken = Taken(space, prefix.keys)
        taken.keys.update(_keys(space, trials[i:]))
        return taken


class _Prefix:
    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.length = 0
        self.last: tuple[Any, ...] = ()


def _mark(t: FrozenTrial) -> tuple[Any, ...]:
    """What tells the prefix's last trial from another history's trial at the same place."""
    return t.trial_id, t.number, t.state, repr(sorted(t.params.items()))


def _keys(space: Space, trials: Iterable[FrozenTrial]) -> set[str]:
    keys = (taken_key(space, t.params) for t in trials if t.params)
    return {k for k in keys if k is not None}


__all__ = ["GRID_LIMIT", "Taken", "TakenLog", "taken_key"]
