"""Quasi-random search with scrambled Sobol points (scipy.stats.qmc).

Trial number ``n`` takes the ``n``-th point of the study's sequence, so workers sharing a
store never repeat a point and need no shared counter.  The scramble is fixed by the seed (one
is drawn and stored with the study when none is given).  Define-by-run parameters outside the
joint space fall back to uniform random draws.  The scramble is derived from the seed when
the first point is drawn (and again if the seed changes), so a seed that ``create_study`` gives
an instance made without one counts.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.space import ParamValue, Space


class QMCSampler(Sampler):
    name = "qmc"
    multi_objective = True  # it never reads the values

    def __init__(self, seed: int | None = None):
        super().__init__(seed)
        self._scramble: tuple[int | None, int] | None = None  # (seed it came from, scramble)
        self._points: dict[int, np.ndarray] = {}
        self._engines: dict[int, Any] = {}

    def _scramble_seed(self) -> int:
        if self._scramble is None or self._scramble[0] != self.seed:
            self._scramble = (self.seed, int(np.random.default_rng(self.seed).integers(2**31)))
            self._points.clear()
            self._engines.clear()
        return self._scramble[1]

    def _point(self, dim: int, index: int) -> np.ndarray:
        scramble = self._scramble_seed()
        pts = self._points.get(dim)
        if pts is None or index >= len(pts):
            from scipy.stats import qmc

            engine = self._engines.get(dim)
            if engine is None:
                engine = self._engines[dim] = qmc.Sobol(
                    dim, scramble=True, seed=scramble
                )
                pts = np.empty((0, dim))
            want = max(2 * len(pts), 64, index + 1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # balance warnings for non-powers of two
                more = engine.random(want - len(pts))
            pts = np.vstack([pts, more])
            self._points[dim] = pts
        return pts[index]

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        return [space.from_unit(self._point(len(space), ctx.number)) for ctx in contexts]

