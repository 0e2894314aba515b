"""Grid search: every configuration of a discrete space (or of given values per parameter),
each proposed once, then the study stops.

Sequential runs walk the grid in order (or a seeded shuffle of it); a worker that starts while
others' trials have no params yet skips ahead by their count, so parallel workers spread over
the grid instead of colliding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunecycle.errors import SearchSpaceExhausted, SpaceError
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.records import FrozenTrial
from tunecycle.space import Categorical, Param, ParamValue, Space
from tunecycle.untried import TakenLog


class GridSampler(Sampler):
    name = "grid"
    multi_objective = True  # it never reads the values

    def __init__(
        self,
        values: Mapping[str, Sequence[Any]] | None = None,
        seed: int | None = None,
        *,
        shuffle: bool = False,
        search_space: Mapping[str, Sequence[Any]] | None = None,
    ):
        """``values`` (Optuna's ``search_space``, by either name): the values per parameter."""
        super().__init__(seed)
        if search_space is not None:
            if values is not None:
                raise SpaceError("GridSampler: give the grid once, as values or search_space")
            values = search_space
        if values is not None and not isinstance(values, Mapping):
            raise SpaceError(f"grid values must be a mapping of name -> list, got {values!r}")
        self.values = {k: list(v) for k, v in (values or {}).items()}
        for k, v in self.values.items():
            if not v:
                raise SpaceError(f"parameter '{k}': grid values must not be empty")
        self.shuffle = shuffle
        self._values_space = (
            Space({k: Categorical(v) for k, v in self.values.items()}) if self.values else None
        )
        self._cache: tuple[Space, int | None, list[dict[str, ParamValue]]] | None = None
        self._taken = TakenLog()

    def _grid(self, space: Space) -> list[dict[str, ParamValue]]:
        if self._cache is not None and self._cache[:2] == (space, self.seed):
            return self._cache[2]
        known = {k: v for k, v in self.values.items() if k in space}
        points = space.grid(known)
        if self.shuffle:
            order = np.random.default_rng(self.seed).permutation(len(points))
            points = [points[i] for i in order]
        self._cache = (space, self.seed, points)
        return points

    def _resolve(self, space: Space | None) -> Space:
        if space is not None:
            return space
        if self._values_space is None:
            raise SpaceError(
                "the grid sampler needs a declared space, or values per parameter for "
                "define-by-run objectives: GridSampler({'x': [1, 2, 3]})"
            )
        return self._values_space

    def _untaken(
        self, space: Space, history: History
    ) -> tuple[list[dict[str, ParamValue]], tuple[FrozenTrial, ...]]:
        taken = self._taken.of(space, history)
        points = [p for p in self._grid(space) if p not in taken]
        return points, history.trials

    def joint_space(self, history: History) -> Space | None:
        return self._values_space

    def exhausted(self, space: Space | None, history: History) -> bool:
        if space is None and self._values_space is None:
            return False  # define-by-run without values: propose_param explains the problem
        untaken, _ = self._untaken(self._resolve(space), history)
        return not untaken

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        untaken, trials = self._untaken(space, history)
        out = []
        for ctx in contexts:
            if not untaken:
                raise SearchSpaceExhausted("the grid is exhausted")
            # trials started before this one whose params are not known yet will take the
            # first untaken points: skip past them
            ahead = sum(1 for t in trials if t.number < ctx.number and _unknown(space, t.params))
            out.append(untaken.pop(min(ahead, len(untaken) - 1)))
        return out

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        raise SpaceError(
            f"parameter '{name}' is not in the grid; give the grid sampler values for it"
        )

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "values": self.values,
            "shuffle": self.shuffle,
        }


def _unknown(space: Space, params: Mapping[str, Any]) -> bool:
    """Whether a trial has no params for the grid yet."""
    return not any(d.name in params for d in space.dims)
